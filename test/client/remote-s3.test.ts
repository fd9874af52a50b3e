/**
 * RemoteButler on a repository whose files live in S3 (s3rver behind a counting proxy): the server
 * hands out pre-signed URLs, so `calexp.metadata` is one call to the server and one ranged GET to the
 * store and no file byte passes through the server; whole files go through the local cache
 * (`DAF_BUTLER_CACHE_*`); a put uploads to a pre-signed PUT URL and leaves no upload behind.
 */
import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { Butler } from "../../src/butler/index.ts";
import { closeSharedDispatcher } from "../../src/bytes/http-client.ts";
import { RemoteButler } from "../../src/client/remote-butler.ts";
import { DatasetType } from "../../src/core/index.ts";
import type { Exposure } from "../../src/image/exposure.ts";
import { resourcePath } from "../../src/resources/from-uri.ts";
import { closeS3Clients } from "../../src/resources/s3-client.ts";
import { FaultProxy } from "../support/servers/fault-proxy.ts";
import { S3Server } from "../support/servers/s3rver.ts";
import { DEMO_CHAIN, makeSmallDemo, type ServedDemo, serve } from "./helpers.ts";

const BUCKET = "butler-client";
const ROOT = `s3://${BUCKET}/demo/`;
const CALEXP_ID = { instrument: "DemoCam", visit: 2026031000, detector: 1 };
const ENV_KEYS = [
  "S3_ENDPOINT_URL",
  "AWS_ACCESS_KEY_ID",
  "AWS_SECRET_ACCESS_KEY",
  "AWS_REGION",
  "DAF_BUTLER_CACHE_DIRECTORY",
];

let s3: S3Server;
let proxy: FaultProxy;
let served: ServedDemo;
let local: Butler;
const saved: Record<string, string | undefined> = {};
const cacheDir = mkdtempSync(join(tmpdir(), "butler-client-cache-"));

/** Store requests since `from`, once the proxy has logged them. */
async function storeRequests(from: number) {
  await new Promise((resolve) => setTimeout(resolve, 30));
  return proxy.requests.slice(from);
}

before(async () => {
  s3 = await S3Server.start([BUCKET]);
  proxy = await FaultProxy.start(s3.origin);
  for (const key of ENV_KEYS) saved[key] = process.env[key];
  Object.assign(process.env, s3.env(proxy.origin), { DAF_BUTLER_CACHE_DIRECTORY: cacheDir });
  const repo = await makeSmallDemo(ROOT);
  served = await serve(repo);
  local = await Butler.open(repo, { collections: DEMO_CHAIN });
});

after(async () => {
  await local?.close();
  await served?.close();
  closeS3Clients();
  await closeSharedDispatcher();
  await proxy?.close();
  await s3?.stop();
  for (const key of ENV_KEYS) {
    if (saved[key] === undefined) delete process.env[key];
    else process.env[key] = saved[key];
  }
  rmSync(cacheDir, { recursive: true, force: true });
});

describe("an S3 root through the server", () => {
  test("calexp.metadata is one call to the server and one ranged GET to the store", async () => {
    const remote = await RemoteButler.open(served.url, { collections: DEMO_CHAIN });
    served.seen.length = 0;
    const from = proxy.requests.length;
    const header = await remote.get("calexp.metadata", CALEXP_ID);
    assert.equal(served.apiCalls().length, 1);
    assert.equal(served.byteReads().length, 0);
    const store = await storeRequests(from);
    assert.equal(store.length, 1, JSON.stringify(store.map((r) => [r.method, r.path, r.range])));
    assert.equal(store[0]!.method, "GET");
    assert.match(store[0]!.range, /^bytes=0-\d+$/);
    assert.match(store[0]!.path, /X-Amz-Signature=/);
    assert.deepEqual(header, await local.get("calexp.metadata", CALEXP_ID));
  });

  test("a store's 500 is tried again: the read succeeds with one more GET", async () => {
    const remote = await RemoteButler.open(served.url, { collections: DEMO_CHAIN });
    const dataId = { ...CALEXP_ID, detector: 0 };
    const from = proxy.requests.length;
    proxy.inject({ kind: "status", status: 500 });
    const header = await remote.get("calexp.metadata", dataId);
    const store = await storeRequests(from);
    assert.deepEqual(
      store.map((r) => r.status),
      [500, 206],
    );
    assert.deepEqual(header, await local.get("calexp.metadata", dataId));
  });

  test("a whole calexp is downloaded once into the local cache, then read from it", async () => {
    const remote = await RemoteButler.open(served.url, { collections: DEMO_CHAIN });
    const from = proxy.requests.length;
    const first = await remote.get<Exposure>("calexp", CALEXP_ID);
    const store = await storeRequests(from);
    assert.equal(store.length, 1);
    assert.equal(store[0]!.range, "");
    assert.ok(readdirSync(cacheDir, { recursive: true }).some((f) => String(f).endsWith(".fits")));
    const again = proxy.requests.length;
    const second = await remote.get<Exposure>("calexp", CALEXP_ID);
    assert.equal((await storeRequests(again)).length, 0);
    assert.deepEqual(second, first);
    assert.deepEqual(first, await local.get<Exposure>("calexp", CALEXP_ID));
  });

  test("a put uploads to a pre-signed URL, and the server moves it into place", async () => {
    await served.butler.registry.registerDatasetType(
      DatasetType.fromNames(
        "visitSummary",
        ["instrument", "visit"],
        "StructuredDataDict",
        served.butler.registry.universe,
      ),
    );
    const writer = await RemoteButler.open(served.url, { run: "u/remote/s3" });
    const from = proxy.requests.length;
    const summary = { seeing: 0.9, where: "s3" };
    const ref = await writer.put(summary, "visitSummary", { instrument: "DemoCam", visit: CALEXP_ID.visit });
    const store = await storeRequests(from);
    const upload = store.find((r) => r.method === "PUT" && r.path.includes(".butler-uploads/"));
    assert.ok(upload, JSON.stringify(store.map((r) => [r.method, r.path])));
    assert.match(upload.path, /X-Amz-Signature=/);
    assert.equal(served.seen.filter((r) => r.url.includes("/v1/uploads/")).length, 0);
    assert.deepEqual(await writer.get(ref), summary);
    const uploads = await resourcePath(`${ROOT}.butler-uploads/`).list();
    assert.deepEqual(uploads, []);
  });
});
