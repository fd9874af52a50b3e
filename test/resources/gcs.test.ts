/**
 * `gs://` paths over GCS's XML API with an HMAC key, against s3rver as the endpoint (the protocol GCS
 * interoperability mode accepts), directly and through the counting, fault-injecting proxy. The
 * bearer-token and anonymous paths are in gcs-auth.test.ts.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { after, before, beforeEach, describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { createMetrics, withMetrics } from "../../src/bytes/with-metrics.ts";
import { withRetry } from "../../src/bytes/with-retry.ts";
import {
  EtagMismatchError,
  InvalidArgumentError,
  InvalidUriError,
  ResourceExistsError,
  RetriesExhaustedError,
} from "../../src/errors/index.ts";
import { resourcePath } from "../../src/resources/from-uri.ts";
import { closeGcsClients } from "../../src/resources/gcs-client.ts";
import { GcsResourcePath } from "../../src/resources/gcs-resource.ts";
import { DEFAULT_GCS_ENDPOINT, gcsSettings } from "../../src/resources/gcs-settings.ts";
import type { S3ApiPath } from "../../src/resources/s3-api-path.ts";
import { closeS3Clients } from "../../src/resources/s3-client.ts";
import { pattern } from "../bytes/helpers.ts";
import { FaultProxy } from "../support/servers/fault-proxy.ts";
import { S3RVER_KEY, S3Server } from "../support/servers/s3rver.ts";
import { conformance } from "./conformance.ts";

const BUCKET = "butler-gcs";

describe("gs:// URIs and settings", () => {
  test("gs://bucket/key names a GCS object; a missing bucket, a user or a port is refused", () => {
    const object = resourcePath("gs://my-bucket/a/b c.fits");
    assert.ok(object instanceof GcsResourcePath);
    assert.equal(object.bucket, "my-bucket");
    assert.equal(object.key, "a/b c.fits");
    assert.equal(object.uri, "gs://my-bucket/a/b%20c.fits");
    assert.equal(object.parent().uri, "gs://my-bucket/a/");
    assert.throws(() => resourcePath("gs:///key"), InvalidUriError);
    assert.throws(() => resourcePath("gs://me@bucket/key"), /gs:\/\/bucket\/key, with no user or port/);
    assert.throws(() => resourcePath("gs://bucket:99/key"), InvalidUriError);
    assert.throws(() => resourcePath("ftp://host/x"), /supported: file, mem, s3, gs, http/);
  });

  test("the environment chooses the endpoint and the credentials", () => {
    assert.deepEqual(gcsSettings({}), { endpoint: DEFAULT_GCS_ENDPOINT, auth: { kind: "google" } });
    assert.deepEqual(
      gcsSettings({
        GCS_ENDPOINT_URL: "http://127.0.0.1:9/x/",
        GS_ACCESS_KEY_ID: "k",
        GS_SECRET_ACCESS_KEY: "s",
      }),
      { endpoint: "http://127.0.0.1:9/x", auth: { kind: "hmac", accessKeyId: "k", secretAccessKey: "s" } },
    );
    assert.deepEqual(
      gcsSettings({ GOOGLE_APPLICATION_CREDENTIALS: "/k.json", GCE_METADATA_HOST: "h:1" }).auth,
      { kind: "google", credentialsFile: "/k.json", metadataHost: "h:1" },
    );
    assert.deepEqual(gcsSettings({ GCS_ANONYMOUS: "1", GS_ACCESS_KEY_ID: "k" }).auth, { kind: "anonymous" });
    assert.throws(
      () => gcsSettings({ GS_ACCESS_KEY_ID: "k" }),
      (err: unknown) => {
        assert.ok(err instanceof InvalidArgumentError);
        assert.match(err.message, /needs both GS_ACCESS_KEY_ID and GS_SECRET_ACCESS_KEY/);
        return true;
      },
    );
    assert.throws(
      () => gcsSettings({ GCS_ENDPOINT_URL: "storage.googleapis.com" }),
      /must be an http\(s\) URL/,
    );
    assert.throws(() => gcsSettings({ GCS_ANONYMOUS: "maybe" }), /GCS_ANONYMOUS must be 1 or 0/);
  });
});

test("importing the package and naming gs:// paths loads neither the AWS SDK nor google-auth-library", () => {
  const script = `
    import { createRequire } from "node:module";
    await import("./src/index.ts");
    const { resourcePath } = await import("./src/resources/index.ts");
    resourcePath("gs://bucket/a/b.fits").parent();
    const loaded = Object.keys(createRequire(import.meta.url).cache);
    console.log(JSON.stringify(loaded.filter((k) => /google-auth-library|gaxios|@aws-sdk/.test(k))));
  `;
  const root = fileURLToPath(new URL("../../", import.meta.url));
  const out = execFileSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], {
    cwd: root,
    encoding: "utf8",
  });
  assert.deepEqual(JSON.parse(out), []);
});

describe("gs:// with an HMAC key, s3rver as the XML API endpoint", () => {
  let s3: S3Server;
  let n = 0;
  const saved = { ...process.env };

  before(async () => {
    s3 = await S3Server.start([BUCKET]);
    process.env.GCS_ENDPOINT_URL = s3.origin;
    process.env.GS_ACCESS_KEY_ID = S3RVER_KEY;
    process.env.GS_SECRET_ACCESS_KEY = S3RVER_KEY;
    // The S3 settings must play no part: wrong keys and a dead endpoint.
    process.env.AWS_ACCESS_KEY_ID = "not-for-gcs";
    process.env.AWS_SECRET_ACCESS_KEY = "not-for-gcs";
    process.env.S3_ENDPOINT_URL = "http://127.0.0.1:9";
  });

  after(async () => {
    await closeGcsClients();
    closeS3Clients();
    await s3?.stop();
    process.env = saved;
  });

  conformance(async () => resourcePath(`gs://${BUCKET}/conformance-${++n}/`));

  test("presigned GET and PUT URLs (Signature V4 with the HMAC key) work with plain fetch", async () => {
    const object = resourcePath(`gs://${BUCKET}/presigned/x.bin`) as GcsResourcePath;
    const put = await object.presignPut({ expiresIn: 300 });
    assert.ok(put.startsWith(`${s3.origin}/${BUCKET}/presigned/x.bin?`));
    assert.match(put, /X-Amz-Credential=S3RVER%2F\d{8}%2Fauto%2Fs3%2Faws4_request/);
    assert.equal((await fetch(put, { method: "PUT", body: pattern(777) })).status, 200);
    assert.deepEqual(await object.read(), pattern(777));
    const got = await fetch(await object.presignGet());
    assert.equal(got.status, 200);
    assert.deepEqual(new Uint8Array(await got.arrayBuffer()), pattern(777));
    await assert.rejects(object.presignGet({ expiresIn: 8 * 86_400 }), /expir/i);
  });

  test("a gs:// object and an s3:// object on the same server are different stores", async () => {
    process.env.S3_ENDPOINT_URL = s3.origin;
    process.env.AWS_ACCESS_KEY_ID = S3RVER_KEY;
    process.env.AWS_SECRET_ACCESS_KEY = S3RVER_KEY;
    try {
      const gs = resourcePath(`gs://${BUCKET}/stores/a.bin`) as GcsResourcePath;
      const s3Object = resourcePath(`s3://${BUCKET}/stores/b.bin`);
      await gs.write(pattern(100));
      assert.notEqual(gs.storeKey(), (s3Object as S3ApiPath).storeKey());
      await s3Object.transferFrom(gs);
      assert.deepEqual(await s3Object.read(), pattern(100));
    } finally {
      process.env.S3_ENDPOINT_URL = "http://127.0.0.1:9";
      process.env.AWS_ACCESS_KEY_ID = "not-for-gcs";
      process.env.AWS_SECRET_ACCESS_KEY = "not-for-gcs";
    }
  });

  describe("through a counting, fault-injecting proxy", () => {
    let proxy: FaultProxy;
    const bytes = pattern(300_000);
    const fast = { retry: { baseDelayMs: 1, maxDelayMs: 5, maxAttempts: 4 } };

    before(async () => {
      await resourcePath(`gs://${BUCKET}/counted/obj.bin`).write(bytes);
      proxy = await FaultProxy.start(s3.origin);
      process.env.GCS_ENDPOINT_URL = proxy.origin;
    });

    after(async () => {
      process.env.GCS_ENDPOINT_URL = s3.origin;
      await proxy?.close();
    });

    beforeEach(() => proxy.reset());

    test("requests are signed with the HMAC key (AWS Signature V4, region auto)", async () => {
      await resourcePath(`gs://${BUCKET}/counted/signed.bin`).write(pattern(10));
      const auth = proxy.requests.map((r) => String(r.headers.authorization));
      assert.ok(auth.length >= 1);
      for (const a of auth)
        assert.match(a, /^AWS4-HMAC-SHA256 Credential=S3RVER\/\d{8}\/auto\/s3\/aws4_request/);
    });

    test("each read is one ranged GET of exactly its bytes; no HEAD when the size is given", async () => {
      const metrics = createMetrics();
      const object = resourcePath(`gs://${BUCKET}/counted/obj.bin`);
      const source = withMetrics(object.openSource({ size: bytes.length }), metrics);
      assert.deepEqual(await source.read(0, 2880), bytes.slice(0, 2880));
      assert.deepEqual(await source.read(100_000, 50_000), bytes.slice(100_000, 150_000));
      assert.deepEqual(
        proxy.requests.map((r) => [r.method, r.path, r.range, r.status, r.bytes]),
        [
          ["GET", `/${BUCKET}/counted/obj.bin?x-id=GetObject`, "bytes=0-2879", 206, 2880],
          ["GET", `/${BUCKET}/counted/obj.bin?x-id=GetObject`, "bytes=100000-149999", 206, 50_000],
        ],
      );
      // The second read is pinned to the version the first one saw.
      assert.equal(proxy.requests[0]!.headers["if-match"], undefined);
      assert.match(String(proxy.requests[1]!.headers["if-match"]), /^"[0-9a-f]{32}"$/);
      assert.equal(metrics.sizeCalls, 0);
    });

    test("a changed object is an EtagMismatchError", async () => {
      const object = resourcePath(`gs://${BUCKET}/counted/changing.bin`);
      await object.write(pattern(4000));
      const source = object.openSource();
      await source.read(0, 100);
      await object.write(new Uint8Array(4000));
      await assert.rejects(source.read(0, 100), EtagMismatchError);
    });

    test("reads and writes recover from 500s, resets and truncated bodies; a spent budget is typed", async () => {
      const object = resourcePath(`gs://${BUCKET}/counted/obj.bin`, fast);
      proxy.inject(
        { kind: "status", status: 500 },
        { kind: "reset" },
        { kind: "truncate", afterBytes: 1000 },
      );
      assert.deepEqual(
        await withRetry(object.openSource({ size: bytes.length }), object.options.retry).read(5000, 20_000),
        bytes.slice(5000, 25_000),
      );
      assert.deepEqual(
        proxy.requests.map((r) => [r.fault ?? "", r.status]),
        [
          ["status", 500],
          ["reset", 0],
          ["truncate", 206],
          ["", 206],
        ],
      );
      proxy.reset();
      const other = resourcePath(`gs://${BUCKET}/counted/written.bin`, fast);
      proxy.inject({ kind: "status", status: 503 }, { kind: "reset" });
      await other.write(pattern(1234));
      assert.deepEqual(await other.read(), pattern(1234));
      proxy.reset();
      proxy.inject(...Array.from({ length: 4 }, () => ({ kind: "status", status: 503 }) as const));
      await assert.rejects(
        withRetry(object.openSource({ size: bytes.length }), object.options.retry).read(0, 10),
        RetriesExhaustedError,
      );
      assert.equal(proxy.requests.length, 4);
    });

    test("a no-clobber write and copy send x-goog-if-generation-match: 0, and the store's 412 is typed", async () => {
      const target = resourcePath(`gs://${BUCKET}/counted/create-only.bin`);
      await target.write(pattern(10), { overwrite: false });
      const put = proxy.requests.find((r) => r.method === "PUT");
      assert.equal(put?.headers["x-goog-if-generation-match"], "0");
      assert.equal(put?.headers["if-none-match"], undefined);
      // GCS refuses the create when the object appeared after the check: 412.
      const racing = resourcePath(`gs://${BUCKET}/counted/racing.bin`);
      proxy.reset();
      proxy.faultMethods = ["PUT"];
      proxy.inject({ kind: "status", status: 412 });
      await assert.rejects(racing.write(pattern(10), { overwrite: false }), ResourceExistsError);

      proxy.reset();
      const copy = resourcePath(`gs://${BUCKET}/counted/copied.bin`);
      await copy.transferFrom(target, { overwrite: false });
      const copied = proxy.requests.find((r) => r.method === "PUT");
      assert.equal(copied?.headers["x-amz-copy-source"], `${BUCKET}/counted/create-only.bin`);
      assert.equal(copied?.headers["x-goog-if-generation-match"], "0");
      assert.ok(
        !proxy.requests.some((r) => r.method === "GET"),
        "a copy within the store moves no bytes here",
      );
      assert.deepEqual(await copy.read(), pattern(10));
    });
  });
});
