/**
 * File access through the server: get_file hands out each file's record (byte index included) and a
 * URL. Local and WebDAV roots get the server's signed byte route (exact ranges, 403 for a tampered or
 * expired signature, nothing outside the root); S3 and GCS roots get a pre-signed GET to the bucket.
 */
import assert from "node:assert/strict";
import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { request } from "node:http";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { closeSharedDispatcher } from "../../src/bytes/http-client.ts";
import { DEMO_RUN } from "../../src/demo/demo-survey.ts";
import { closeGcsClients } from "../../src/resources/gcs-client.ts";
import { closeS3Clients } from "../../src/resources/s3-client.ts";
import { signQuery } from "../../src/server/signing.ts";
import { NginxServer, nginxUnavailable } from "../support/servers/nginx.ts";
import { S3RVER_KEY, S3Server } from "../support/servers/s3rver.ts";
import { CALEXPS, get, type Json, jsonLines, post, type Served, serveDemo } from "./server-support.ts";

async function calexpIds(served: Served): Promise<string[]> {
  const response = await fetch(`${served.base}/v1/query/datasets`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ dataset_type: "calexp", collections: DEMO_RUN }),
  });
  return jsonLines(await response.text())
    .flatMap((l) => (l.type === "page" ? l.rows : []))
    .map((r: { id: string }) => r.id);
}

/**
 * GET of a URL exactly as written: fetch would resolve `..` (even as `%2E%2E`) before sending, and an
 * attacker's client does not.
 */
function rawGet(url: string): Promise<{ status: number; body: string }> {
  const { host, port } = new URL(url);
  const path = url.slice(url.indexOf("/", url.indexOf("//") + 2));
  return new Promise((resolve, reject) => {
    const req = request({ host: host.split(":")[0], port, path, method: "GET" }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (chunk) => {
        body += chunk;
      });
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on("error", reject);
    req.end();
  });
}

async function bytesOf(
  url: string,
  range?: string,
): Promise<{ status: number; headers: Headers; bytes: Buffer }> {
  const response = await fetch(url, range === undefined ? {} : { headers: { range } });
  return {
    status: response.status,
    headers: response.headers,
    bytes: Buffer.from(await response.arrayBuffer()),
  };
}

/** A byte route URL of `path` in repository main, signed with `key` (valid for `seconds`, from `now`). */
function signedUrl(served: Served, path: string, seconds = 60, now = Date.now()): string {
  const { query } = signQuery(served.signingKey, "main", path, seconds, now);
  return `${served.base}/v1/bytes/${path.split("/").map(encodeURIComponent).join("/")}?${query}`;
}

describe("files of a local datastore root", () => {
  let served: Served;
  let ids: string[];
  let file: Json;
  let onDisk: Buffer;
  before(async () => {
    served = await serveDemo("sqlite");
    ids = await calexpIds(served);
    const answer = await post(`${served.base}/v1/get_file`, { dataset_ids: [ids[1], ids[0]] });
    assert.equal(answer.status, 200);
    file = answer.body.files[0];
    onDisk = readFileSync(join(served.dir, "repo", file.file_info[0].record.path));
  });
  after(() => served?.close());

  test("get_file gives the ref, the record with its byte index, and a signed URL, in request order", async () => {
    const answer = await post(`${served.base}/v1/get_file`, {
      dataset_ids: [ids[1], "00000000-0000-0000-0000-000000000000", ids[0]],
    });
    assert.deepEqual(
      answer.body.files.map((f: Json) => f.dataset_ref.id),
      [ids[1], ids[0]],
    );
    assert.equal(file.dataset_ref.id, ids[1]);
    assert.equal(file.file_info.length, 1);
    const info = file.file_info[0];
    assert.equal(info.auth, "none");
    assert.ok(Math.abs(info.expires - (Date.now() / 1000 + 3600)) < 60);
    const stored = (await served.butler.datastore.records.get([ids[1]!]))[0]!;
    assert.deepEqual(info.record, {
      dataset_id: stored.datasetId,
      component: null,
      path: stored.path,
      formatter: stored.formatter,
      storage_class: stored.storageClass,
      checksum: stored.checksum,
      file_size: stored.fileSize,
      byte_index: JSON.parse(JSON.stringify(stored.byteIndex)),
    });
    assert.equal(info.record.byte_index.kind, "fits");
    assert.equal(info.record.file_size, onDisk.length);
    assert.ok(info.url.startsWith(`${served.base}/v1/bytes/`));
  });

  test("a Range is answered 206 with exactly those bytes; no Range is the whole file", async () => {
    const url = file.file_info[0].url;
    const hdu = file.file_info[0].record.byte_index.hdus[1];
    const start = hdu.headerOffset;
    const end = hdu.dataOffset + hdu.dataLength - 1;
    const part = await bytesOf(url, `bytes=${start}-${end}`);
    assert.equal(part.status, 206);
    assert.equal(part.headers.get("content-range"), `bytes ${start}-${end}/${onDisk.length}`);
    assert.ok(part.bytes.equals(onDisk.subarray(start, end + 1)));
    const suffix = await bytesOf(url, "bytes=-100");
    assert.equal(suffix.status, 206);
    assert.ok(suffix.bytes.equals(onDisk.subarray(onDisk.length - 100)));
    const tail = await bytesOf(url, `bytes=${onDisk.length - 10}-`);
    assert.ok(tail.bytes.equals(onDisk.subarray(onDisk.length - 10)));
    const whole = await bytesOf(url);
    assert.equal(whole.status, 200);
    assert.equal(whole.headers.get("accept-ranges"), "bytes");
    assert.ok(whole.bytes.equals(onDisk));
    const beyond = await bytesOf(url, `bytes=${onDisk.length}-`);
    assert.equal(beyond.status, 416);
    assert.equal(beyond.headers.get("content-range"), `bytes */${onDisk.length}`);
    const two = await bytesOf(url, "bytes=0-1,5-6");
    assert.equal(two.status, 416);
  });

  test("a file larger than one buffered read streams whole and in ranges", async () => {
    const big = Buffer.alloc(3 * 1024 * 1024 + 17);
    for (let i = 0; i < big.length; i += 4096) big[i] = (i / 4096) & 0xff;
    writeFileSync(join(served.dir, "repo", "DemoCam", "big.bin"), big);
    const url = signedUrl(served, "DemoCam/big.bin");
    const whole = await bytesOf(url);
    assert.equal(whole.status, 200);
    assert.ok(whole.bytes.equals(big));
    const part = await bytesOf(url, "bytes=1000000-2500000");
    assert.equal(part.status, 206);
    assert.ok(part.bytes.equals(big.subarray(1_000_000, 2_500_001)));
  });

  test("a tampered, moved, unsigned or expired URL is 403", async () => {
    const url = new URL(file.file_info[0].url);
    const sig = url.searchParams.get("sig")!;
    const tampered = new URL(url);
    tampered.searchParams.set("sig", `${sig[0] === "0" ? "1" : "0"}${sig.slice(1)}`);
    const longer = new URL(url);
    longer.searchParams.set("expires", String(Number(url.searchParams.get("expires")) + 3600));
    const moved = new URL(url);
    moved.pathname = moved.pathname.replace(/\.fits$/, ".FITS");
    const unsigned = new URL(url);
    unsigned.search = "";
    const expired = signedUrl(served, file.file_info[0].record.path, 60, Date.now() - 3600_000);
    for (const [what, bad] of [
      ["tampered signature", tampered.href],
      ["extended expiry", longer.href],
      ["other path", moved.href],
      ["no signature", unsigned.href],
      ["expired", expired],
    ]) {
      const answer = await get(bad!);
      assert.equal(answer.status, 403, what);
      assert.equal(answer.body.error_type, "FORBIDDEN", what);
    }
    assert.match((await get(expired)).body.detail, /expired/);
    const otherRepo = url.href.replace("/repo/main/", "/repo/other/");
    assert.equal((await get(otherRepo)).status, 404);
  });

  test("a signed path that leads out of the root is 403, by dot segments or a symbolic link", async () => {
    const outside = join(served.dir, "outside");
    mkdirSync(outside);
    writeFileSync(join(outside, "secret.txt"), "not for you");
    symlinkSync(outside, join(served.dir, "repo", "escape"));
    for (const path of ["../outside/secret.txt", "escape/secret.txt", "DemoCam/../../outside/secret.txt"]) {
      const { query } = signQuery(served.signingKey, "main", path, 60);
      for (const written of [path, path.replaceAll(".", "%2E")]) {
        const answer = await rawGet(`${served.base}/v1/bytes/${written}?${query}`);
        assert.equal(answer.status, 403, written);
        assert.match(answer.body, /FORBIDDEN/);
        assert.doesNotMatch(answer.body, /not for you/);
      }
    }
    const missing = await get(signedUrl(served, "DemoCam/none.fits"));
    assert.equal(missing.status, 404);
  });
});

for (const scheme of ["s3", "gs"] as const) {
  describe(`files of a ${scheme}:// datastore root: pre-signed URLs to the bucket`, () => {
    let s3: S3Server;
    let served: Served;
    const saved: Record<string, string | undefined> = {};
    before(async () => {
      s3 = await S3Server.start(["served"]);
      // gs:// speaks GCS's XML API with an HMAC key, which s3rver stands in for.
      const env =
        scheme === "s3"
          ? s3.env()
          : { GCS_ENDPOINT_URL: s3.origin, GS_ACCESS_KEY_ID: S3RVER_KEY, GS_SECRET_ACCESS_KEY: S3RVER_KEY };
      for (const [key, value] of Object.entries(env)) {
        saved[key] = process.env[key];
        process.env[key] = value;
      }
      served = await serveDemo("sqlite", {
        demo: { datastoreRoot: `${scheme}://served/demo/` },
        urlExpirySeconds: 600,
      });
    });
    after(async () => {
      await served?.close();
      closeS3Clients();
      await closeGcsClients();
      await s3?.stop();
      for (const [key, value] of Object.entries(saved)) {
        if (value === undefined) delete process.env[key];
        else process.env[key] = value;
      }
    });

    test("the URL reads the bucket directly, ranges included", async () => {
      const ids = await calexpIds(served);
      assert.equal(ids.length, CALEXPS);
      const answer = await post(`${served.base}/v1/get_file`, { dataset_ids: ids });
      assert.equal(answer.body.files.length, CALEXPS);
      const info = answer.body.files[0].file_info[0];
      assert.ok(info.url.startsWith(s3.origin), info.url);
      assert.match(info.url, /(X-Amz|X-Goog)-Signature=/);
      assert.match(info.url, /(X-Amz|X-Goog)-Expires=600/);
      const whole = await served.butler.datastore.root.open(info.record.path).read(0, info.record.file_size);
      const hdu = info.record.byte_index.hdus[0];
      const part = await bytesOf(
        info.url,
        `bytes=${hdu.headerOffset}-${hdu.headerOffset + hdu.headerLength - 1}`,
      );
      assert.equal(part.status, 206);
      assert.ok(
        part.bytes.equals(Buffer.from(whole.subarray(hdu.headerOffset, hdu.headerOffset + hdu.headerLength))),
      );
    });
  });
}

describe("files of a WebDAV datastore root: relayed by the signed byte route", {
  skip: nginxUnavailable(),
}, () => {
  let nginx: NginxServer;
  let served: Served;
  before(async () => {
    nginx = await NginxServer.start();
    served = await serveDemo("sqlite", { demo: { datastoreRoot: `${nginx.origin}/demo/` } });
  });
  after(async () => {
    await served?.close();
    await closeSharedDispatcher();
    await nginx?.stop();
  });

  test("exact ranges come through the server from the WebDAV store", async () => {
    const ids = await calexpIds(served);
    const answer = await post(`${served.base}/v1/get_file`, { dataset_ids: ids.slice(0, 1) });
    const info = answer.body.files[0].file_info[0];
    assert.ok(info.url.startsWith(`${served.base}/v1/bytes/`));
    const onStore = readFileSync(join(nginx.root, "demo", info.record.path));
    const part = await bytesOf(info.url, "bytes=2880-5759");
    assert.equal(part.status, 206);
    assert.ok(part.bytes.equals(onStore.subarray(2880, 5760)));
    const whole = await bytesOf(info.url);
    assert.ok(whole.bytes.equals(onStore));
    const tampered = info.url.replace(/sig=./, (m: string) => (m.endsWith("0") ? "sig=1" : "sig=0"));
    assert.equal((await get(tampered)).status, 403);
  });
});
