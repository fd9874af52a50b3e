/**
 * `gs://` with OAuth bearer tokens and anonymously. Reads go to nginx, whose `/bearer/` view answers
 * 401 unless the request carries a token the test's token server issued; the token server stands in
 * for the OAuth endpoint of a real service-account key file (a fresh RSA key; the server checks the
 * signed assertion) and for the compute metadata server. Signed URLs are checked against Google's
 * published V4 signing vectors.
 */
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, beforeEach, describe, test } from "node:test";
import { withRetry } from "../../src/bytes/with-retry.ts";
import { InvalidArgumentError, RemoteStoreError, RetriesExhaustedError } from "../../src/errors/index.ts";
import { resourcePath } from "../../src/resources/from-uri.ts";
import { closeGcsClients } from "../../src/resources/gcs-client.ts";
import type { GcsResourcePath } from "../../src/resources/gcs-resource.ts";
import { pattern } from "../bytes/helpers.ts";
import { GoogleTokenServer, SERVICE_ACCOUNT } from "../support/servers/google-token.ts";
import { NginxServer, nginxUnavailable } from "../support/servers/nginx.ts";

const BUCKET = "public-and-private";
const bytes = pattern(100_000);
const fast = { retry: { baseDelayMs: 1, maxDelayMs: 5, maxAttempts: 3 } };
const TOKENS = [1, 2, 3, 4, 5].flatMap((i) => [`sa-token-${i}`, `md-token-${i}`]);
/** Variables that decide how Google credentials are found, cleared before each test. */
const CREDENTIAL_ENV = [
  "GS_ACCESS_KEY_ID",
  "GS_SECRET_ACCESS_KEY",
  "GCS_ANONYMOUS",
  "GOOGLE_APPLICATION_CREDENTIALS",
  "GCE_METADATA_HOST",
  "GCE_METADATA_IP",
  "METADATA_SERVER_DETECTION",
];

const vectors = JSON.parse(
  readFileSync(new URL("./data/gcs-v4-signatures.json", import.meta.url), "utf8"),
) as {
  serviceAccount: Record<string, string>;
  vectors: {
    description: string;
    bucket: string;
    object: string;
    method: "GET" | "PUT";
    expiration: number;
    timestamp: string;
    expectedUrl: string;
  }[];
};

describe("gs:// with bearer tokens and anonymously (nginx checks the tokens)", {
  skip: nginxUnavailable(),
}, () => {
  let nginx: NginxServer;
  let tokens: GoogleTokenServer;
  let dir: string;
  let keyFile: string;
  const saved = { ...process.env };

  before(async () => {
    nginx = await NginxServer.start({ bearerTokens: TOKENS });
    tokens = await GoogleTokenServer.start();
    dir = mkdtempSync(join(tmpdir(), "butler-gcs-auth-"));
    keyFile = tokens.serviceAccountKey(dir);
    await nginx.putFile(`${BUCKET}/data/obj.bin`, bytes);
    // No gcloud credentials file from this machine's user.
    process.env.CLOUDSDK_CONFIG = join(dir, "gcloud");
  });

  after(async () => {
    await closeGcsClients();
    await tokens?.close();
    await nginx?.stop();
    rmSync(dir, { recursive: true, force: true });
    process.env = saved;
  });

  beforeEach(async () => {
    await closeGcsClients();
    for (const key of CREDENTIAL_ENV) delete process.env[key];
    process.env.GCS_ENDPOINT_URL = `${nginx.origin}/bearer`;
    tokens.reset();
    await nginx.mark();
  });

  const object = (options = {}) => resourcePath(`gs://${BUCKET}/data/obj.bin`, options);

  test("a service-account key: one signed assertion to its token_uri, then ranged reads with the token", async () => {
    process.env.GOOGLE_APPLICATION_CREDENTIALS = keyFile;
    const source = object().openSource({ size: bytes.length });
    assert.deepEqual(await source.read(0, 2880), bytes.slice(0, 2880));
    assert.deepEqual(await source.read(50_000, 10_000), bytes.slice(50_000, 60_000));
    const seen = await nginx.requests(2);
    assert.deepEqual(
      seen.map((e) => [e.method, e.uri, e.range, e.status, e.authorization]),
      [
        ["GET", `/bearer/${BUCKET}/data/obj.bin?x-id=GetObject`, "bytes=0-2879", 206, "Bearer sa-token-1"],
        [
          "GET",
          `/bearer/${BUCKET}/data/obj.bin?x-id=GetObject`,
          "bytes=50000-59999",
          206,
          "Bearer sa-token-1",
        ],
      ],
    );
    // The token is cached: one grant for both reads, made with the key's own claims.
    assert.equal(tokens.requests.length, 1);
    const claims = tokens.requests[0]!.claims!;
    assert.equal(claims.iss, SERVICE_ACCOUNT);
    assert.equal(claims.scope, "https://www.googleapis.com/auth/devstorage.read_write");
    assert.equal(await object().size(), bytes.length);
    assert.equal(tokens.requests.length, 1);
  });

  test("a token near its expiry is refreshed before it is used", async () => {
    process.env.GOOGLE_APPLICATION_CREDENTIALS = keyFile;
    // Valid for a little over the refresh margin (5 minutes): usable now, due for refresh in a moment.
    tokens.expiresIn = 301;
    const source = object().openSource({ size: bytes.length });
    await source.read(0, 100);
    await new Promise((r) => setTimeout(r, 1_200));
    await source.read(100, 100);
    const seen = await nginx.requests(2);
    assert.deepEqual(
      seen.map((e) => [e.status, e.authorization]),
      [
        [206, "Bearer sa-token-1"],
        [206, "Bearer sa-token-2"],
      ],
    );
    assert.deepEqual(
      tokens.requests.map((r) => r.token),
      ["sa-token-1", "sa-token-2"],
    );
  });

  test("the compute metadata server (GCE_METADATA_HOST) gives the token", async () => {
    process.env.GCE_METADATA_HOST = tokens.host;
    assert.deepEqual(await object().openSource({ size: bytes.length }).read(10, 10), bytes.slice(10, 20));
    const [entry] = await nginx.requests(1);
    assert.equal(entry?.authorization, "Bearer md-token-1");
    assert.equal(entry?.status, 206);
    assert.deepEqual(
      tokens.requests.map((r) => [r.source, r.token]),
      [["metadata", "md-token-1"]],
    );
  });

  test("token failures are typed: a refused grant is final, an unavailable token server is retried", async () => {
    // A key file with a key the token server does not know.
    const other = JSON.parse(readFileSync(keyFile, "utf8")) as Record<string, string>;
    other.private_key = vectors.serviceAccount.private_key!;
    const forged = join(dir, "forged.json");
    writeFileSync(forged, JSON.stringify(other));
    process.env.GOOGLE_APPLICATION_CREDENTIALS = forged;
    await assert.rejects(object(fast).openSource({ size: bytes.length }).read(0, 10), (err: unknown) => {
      assert.ok(err instanceof RemoteStoreError, String(err));
      assert.equal(err.retryable, false);
      assert.equal(err.status, 400);
      assert.match(err.message, /Google access token.*bad signature/);
      return true;
    });
    assert.equal(tokens.requests.length, 1);
    assert.deepEqual(await nginx.requests(), []);

    await closeGcsClients();
    process.env.GOOGLE_APPLICATION_CREDENTIALS = keyFile;
    tokens.failWith = 503;
    tokens.requests.length = 0;
    // Retries belong to the read stack, which wraps the store's source as here.
    const retried = withRetry(object(fast).openSource({ size: bytes.length }), fast.retry);
    await assert.rejects(retried.read(0, 10), (err: unknown) => {
      assert.ok(err instanceof RetriesExhaustedError, String(err));
      assert.ok(err.cause instanceof RemoteStoreError && err.cause.status === 503);
      return true;
    });
    // One token request per attempt of ours: the library does not retry on its own.
    assert.equal(tokens.requests.length, fast.retry.maxAttempts);
    tokens.failWith = undefined;
    assert.deepEqual(await object(fast).openSource({ size: bytes.length }).read(0, 10), bytes.slice(0, 10));
  });

  test("a key file that is not one is an InvalidArgumentError naming the variable", async () => {
    const bad = join(dir, "not-a-key.json");
    writeFileSync(bad, "{}");
    process.env.GOOGLE_APPLICATION_CREDENTIALS = bad;
    await assert.rejects(object().read(), (err: unknown) => {
      assert.ok(err instanceof InvalidArgumentError, String(err));
      assert.match(err.message, /GOOGLE_APPLICATION_CREDENTIALS \(.*not-a-key\.json\)/);
      return true;
    });
  });

  test("without credentials requests are anonymous: a public bucket serves them, a private one is 401", async () => {
    process.env.METADATA_SERVER_DETECTION = "none";
    process.env.GCS_ENDPOINT_URL = nginx.origin;
    assert.deepEqual(await object().openSource().read(0, 10), bytes.slice(0, 10));
    const [entry] = await nginx.requests(1);
    assert.deepEqual([entry?.status, entry?.authorization], [206, ""]);
    await assert.rejects(
      (object() as GcsResourcePath).presignGet(),
      /cannot sign a URL for gs:\/\/public-and-private\/data\/obj\.bin without credentials/,
    );

    process.env.GCS_ENDPOINT_URL = `${nginx.origin}/bearer`;
    await closeGcsClients();
    await assert.rejects(object().openSource().read(0, 10), (err: unknown) => {
      assert.ok(err instanceof RemoteStoreError, String(err));
      assert.equal(err.status, 401);
      assert.equal(err.retryable, false);
      return true;
    });
    // GCS_ANONYMOUS skips the search even where credentials are configured.
    await closeGcsClients();
    process.env.GCS_ANONYMOUS = "1";
    process.env.GOOGLE_APPLICATION_CREDENTIALS = keyFile;
    process.env.GCS_ENDPOINT_URL = nginx.origin;
    await nginx.mark();
    assert.deepEqual(await object().read(), bytes);
    assert.deepEqual(
      (await nginx.requests(1)).map((e) => e.authorization),
      [""],
    );
    assert.equal(tokens.requests.length, 0);
  });
});

describe("V4 signed URLs from a service account", () => {
  const saved = { ...process.env };
  let dir: string;

  before(() => {
    dir = mkdtempSync(join(tmpdir(), "butler-gcs-sign-"));
    for (const key of CREDENTIAL_ENV) delete process.env[key];
    delete process.env.GCS_ENDPOINT_URL;
    const file = join(dir, "conformance-key.json");
    writeFileSync(file, JSON.stringify(vectors.serviceAccount));
    process.env.GOOGLE_APPLICATION_CREDENTIALS = file;
  });

  after(async () => {
    await closeGcsClients();
    rmSync(dir, { recursive: true, force: true });
    process.env = saved;
  });

  for (const vector of vectors.vectors) {
    test(`match Google's published vector: ${vector.description}`, async () => {
      const object = resourcePath(`gs://${vector.bucket}/${vector.object}`) as GcsResourcePath;
      const options = { expiresIn: vector.expiration, signingDate: new Date(vector.timestamp) };
      const url =
        vector.method === "GET" ? await object.presignGet(options) : await object.presignPut(options);
      assert.equal(url, vector.expectedUrl);
    });
  }

  test("an expiry beyond seven days is refused", async () => {
    const object = resourcePath("gs://b/o") as GcsResourcePath;
    await assert.rejects(object.presignGet({ expiresIn: 604_801 }), /from 1 to 604800 \(7 days\)/);
  });
});
