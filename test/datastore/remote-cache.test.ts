/**
 * The caches of remote roots, on their own: settings from the `cached:` section and daf_butler's
 * environment variables; the file cache's atomic inserts, held reads and every expiry mode; the
 * in-memory header cache; and the request limiter that bounds a batch of reads.
 */
import assert from "node:assert/strict";
import { existsSync, readdirSync, utimesSync } from "node:fs";
import { join } from "node:path";
import { describe, test } from "node:test";
import { MemorySource } from "../../src/bytes/memory-source.ts";
import { RequestLimiter, withLimit } from "../../src/bytes/with-limit.ts";
import { createMetrics, withMetrics } from "../../src/bytes/with-metrics.ts";
import type { FitsByteIndex } from "../../src/datastore/byte-index.ts";
import { parseExpiry, resolveCacheSettings } from "../../src/datastore/cache/cache-config.ts";
import { FileCache } from "../../src/datastore/cache/file-cache.ts";
import { HeaderCache, withHeaderCache } from "../../src/datastore/cache/header-cache.ts";
import { DatastoreConfigError } from "../../src/errors/index.ts";
import { freshDir } from "./helpers.ts";

const ID = (n: number) => `0190a7f2-0000-7000-8000-${String(n).padStart(12, "0")}`;

function cacheWith(mode: string, dir = freshDir("cache")): FileCache {
  return new FileCache(
    resolveCacheSettings({ root: dir }, { DAF_BUTLER_CACHE_EXPIRATION_MODE: mode } as NodeJS.ProcessEnv),
  );
}

function names(cache: FileCache): string[] {
  return readdirSync(cache.root)
    .filter((n) => n !== "exempt")
    .sort();
}

/** Makes the cached files look used in this order, oldest first. */
function age(cache: FileCache, order: string[]): void {
  const now = Date.now() / 1000;
  order.forEach((name, i) => {
    utimesSync(join(cache.root, name), now - 1000 + i, now - 1000 + i);
  });
}

describe("cache settings", () => {
  test("DAF_BUTLER_CACHE_DIRECTORY beats the config, which beats ..._IF_UNSET", () => {
    const env = (vars: Record<string, string>) => vars as NodeJS.ProcessEnv;
    assert.equal(
      resolveCacheSettings({ root: "/cfg" }, env({ DAF_BUTLER_CACHE_DIRECTORY: "/env" })).root,
      "/env",
    );
    assert.equal(
      resolveCacheSettings({ root: "/cfg" }, env({ DAF_BUTLER_CACHE_DIRECTORY_IF_UNSET: "/unset" })).root,
      "/cfg",
    );
    assert.equal(
      resolveCacheSettings({}, env({ DAF_BUTLER_CACHE_DIRECTORY_IF_UNSET: "/unset" })).root,
      "/unset",
    );
    assert.equal(resolveCacheSettings(undefined, env({})).root, undefined);
  });

  test("expiry: daf_butler's defaults, the config, and the environment over both", () => {
    const none = {} as NodeJS.ProcessEnv;
    assert.deepEqual(
      (({ mode, threshold }) => ({ mode, threshold }))(resolveCacheSettings(undefined, none)),
      { mode: "datasets", threshold: 4 },
    );
    const config = resolveCacheSettings({ expiry: { mode: "size", threshold: 1000 } }, none);
    assert.deepEqual([config.mode, config.threshold], ["size", 1000]);
    assert.equal(resolveCacheSettings({}, none).mode, "none");
    const env = resolveCacheSettings({ expiry: { mode: "size", threshold: 1000 } }, {
      DAF_BUTLER_CACHE_EXPIRATION_MODE: "age=60",
    } as NodeJS.ProcessEnv);
    assert.deepEqual([env.mode, env.threshold], ["age", 60]);
    assert.deepEqual(parseExpiry("disabled"), { mode: "disabled", threshold: 0 });
    assert.deepEqual(parseExpiry("files=3"), { mode: "files", threshold: 3 });
    for (const bad of ["files", "files=-1", "sometimes=3", "disabled=1"]) {
      assert.throws(() => parseExpiry(bad), DatastoreConfigError);
    }
    assert.throws(() => resolveCacheSettings({ expiry: { mode: "files" } }, none), DatastoreConfigError);
  });

  test("cacheable: dataset type, then storage class and its ancestors, then default", () => {
    const cache = new FileCache(
      resolveCacheSettings(
        { default: false, cacheable: { calexp: true, Exposure: true, ExposureI: false } },
        {} as NodeJS.ProcessEnv,
      ),
    );
    assert.equal(cache.isCacheable({ datasetType: "calexp", storageClass: "ExposureI" }), true);
    assert.equal(
      cache.isCacheable({
        datasetType: "deep",
        storageClass: "ExposureF",
        storageClassAncestors: ["Exposure"],
      }),
      true,
    );
    assert.equal(cache.isCacheable({ datasetType: "deep", storageClass: "ExposureI" }), false);
    assert.equal(cache.isCacheable({ datasetType: "table", storageClass: "DataFrame" }), false);
    assert.equal(
      cacheWith("disabled").isCacheable({ datasetType: "calexp", storageClass: "ExposureF" }),
      false,
    );
  });
});

describe("the file cache", () => {
  test("insert is atomic, find holds the file in exempt/ until released", async () => {
    const cache = cacheWith("files=10");
    assert.equal(await cache.find(ID(1), ".fits"), undefined);
    assert.equal(await cache.insert(ID(1), ".fits", new Uint8Array([1, 2, 3])), true);
    assert.deepEqual(names(cache), [`${ID(1)}.fits`]);
    const held = await cache.find(ID(1), ".fits");
    assert.ok(held !== undefined);
    assert.equal(readdirSync(join(cache.root, "exempt")).length, 1);
    // Expiry cannot take it from the reader: the held link keeps the bytes.
    await cacheWith("files=0", cache.root).expire();
    assert.deepEqual(names(cache), []);
    assert.ok(existsSync(held.path));
    await held.release();
    assert.deepEqual(readdirSync(join(cache.root, "exempt")), []);
    assert.deepEqual(cache.stats, { hits: 1, misses: 1, inserts: 1, expired: 0 });
  });

  test("files=N keeps the N most recently used", async () => {
    const cache = cacheWith("files=2");
    await cache.insert(ID(1), ".fits", new Uint8Array(10));
    await cache.insert(ID(2), ".fits", new Uint8Array(10));
    age(cache, [`${ID(2)}.fits`, `${ID(1)}.fits`]);
    await cache.insert(ID(3), ".fits", new Uint8Array(10));
    assert.deepEqual(names(cache), [`${ID(1)}.fits`, `${ID(3)}.fits`]);
  });

  test("datasets=N counts datasets, not files", async () => {
    const cache = cacheWith("datasets=1");
    await cache.insert(ID(1), ".fits", new Uint8Array(10));
    await cache.insert(ID(1), "_wcs.fits", new Uint8Array(10));
    assert.equal(names(cache).length, 2);
    await cache.insert(ID(2), ".fits", new Uint8Array(10));
    assert.deepEqual(names(cache), [`${ID(2)}.fits`]);
  });

  test("size=BYTES removes the least recently used until the rest fit; a file too big never enters", async () => {
    const cache = cacheWith("size=25");
    await cache.insert(ID(1), ".fits", new Uint8Array(10));
    await cache.insert(ID(2), ".fits", new Uint8Array(10));
    age(cache, [`${ID(1)}.fits`, `${ID(2)}.fits`]);
    await cache.insert(ID(3), ".fits", new Uint8Array(10));
    assert.deepEqual(names(cache), [`${ID(2)}.fits`, `${ID(3)}.fits`]);
    assert.equal(cache.accepts(26), false);
    assert.equal(await cache.insert(ID(4), ".fits", new Uint8Array(26)), false);
    assert.deepEqual(names(cache), [`${ID(2)}.fits`, `${ID(3)}.fits`]);
  });

  test("age=SECONDS: old files are misses and are removed", async () => {
    const cache = cacheWith("age=60");
    await cache.insert(ID(1), ".fits", new Uint8Array(10));
    await cache.insert(ID(2), ".fits", new Uint8Array(10));
    const old = Date.now() / 1000 - 120;
    utimesSync(join(cache.root, `${ID(1)}.fits`), old, old);
    assert.equal(await cache.find(ID(1), ".fits"), undefined);
    assert.deepEqual(names(cache), [`${ID(2)}.fits`]);
    utimesSync(join(cache.root, `${ID(2)}.fits`), old, old);
    await cache.insert(ID(3), ".fits", new Uint8Array(10));
    assert.deepEqual(names(cache), [`${ID(3)}.fits`]);
  });

  test("disabled caches nothing", async () => {
    const cache = cacheWith("disabled");
    assert.equal(cache.enabled, false);
    assert.equal(await cache.insert(ID(1), ".fits", new Uint8Array(10)), false);
    assert.equal(await cache.find(ID(1), ".fits"), undefined);
  });
});

describe("the header cache", () => {
  const index: FitsByteIndex = {
    version: 1,
    kind: "fits",
    size: 20000,
    hdus: [
      {
        kind: "image",
        headerOffset: 0,
        headerLength: 2880,
        dataOffset: 2880,
        dataLength: 0,
        bitpix: 8,
        naxis: [],
      },
      {
        kind: "image",
        headerOffset: 2880,
        headerLength: 5760,
        dataOffset: 8640,
        dataLength: 8000,
        bitpix: 8,
        naxis: [],
      },
      {
        kind: "image",
        headerOffset: 17280,
        headerLength: 2720,
        dataOffset: 20000,
        dataLength: 0,
        bitpix: 8,
        naxis: [],
      },
    ],
  };
  const bytes = Uint8Array.from({ length: 20000 }, (_, i) => i % 251);

  test("a run of adjacent headers is fetched once, then served from memory", async () => {
    const cache = new HeaderCache();
    const metrics = createMetrics({ recordRanges: true });
    const counter = { hits: 0 };
    const open = () =>
      withHeaderCache(withMetrics(new MemorySource(bytes), metrics), cache, ID(1), index, counter);
    assert.deepEqual(await open().read(0, 8640), bytes.slice(0, 8640));
    assert.deepEqual(metrics.ranges, [{ offset: 0, length: 8640 }]);
    assert.deepEqual(await open().read(0, 8640), bytes.slice(0, 8640));
    assert.deepEqual(await open().read(2880, 100), bytes.slice(2880, 2980));
    assert.equal(metrics.requests, 1);
    assert.equal(counter.hits, 2);
    // Data and a header that is not adjacent to the run pass through / are fetched on their own.
    assert.deepEqual(await open().read(9000, 10), bytes.slice(9000, 9010));
    assert.deepEqual(await open().read(17280, 2720), bytes.slice(17280, 20000));
    assert.equal(metrics.requests, 3);
    // Another dataset has its own entries.
    const other = withHeaderCache(new MemorySource(bytes), cache, ID(2), index, counter);
    await other.read(0, 2880);
    assert.equal(counter.hits, 2);
  });

  test("bounded by bytes, least recently used out first", () => {
    const cache = new HeaderCache(10);
    cache.set(ID(1), 0, new Uint8Array(4));
    cache.set(ID(1), 1, new Uint8Array(4));
    assert.ok(cache.get(ID(1), 0));
    cache.set(ID(1), 2, new Uint8Array(4));
    assert.equal(cache.get(ID(1), 1), undefined);
    assert.ok(cache.get(ID(1), 0) && cache.get(ID(1), 2));
    assert.equal(cache.bytes, 8);
  });
});

test("a request limiter bounds the reads in flight over many sources", async () => {
  const limiter = new RequestLimiter(3);
  const slow = {
    key: "slow",
    size: async () => 100,
    read: async (offset: number, length: number) => {
      await new Promise((r) => setTimeout(r, 5));
      return new Uint8Array(length).fill(offset);
    },
  };
  const sources = Array.from({ length: 5 }, () => withLimit(slow, limiter));
  const reads = await Promise.all(sources.flatMap((s) => [0, 1, 2, 3].map((o) => s.read(o, 2))));
  assert.equal(reads.length, 20);
  assert.equal(limiter.peak, 3);
  assert.equal(limiter.inFlight, 0);
});

test("an adaptive request limiter lets more requests in flight while they are slow, up to its maximum", async () => {
  const limiter = new RequestLimiter(2, { max: 8, referenceMs: 5 });
  const slow = {
    key: "slow",
    size: async () => 100,
    read: async (offset: number, length: number) => {
      await new Promise((r) => setTimeout(r, 25));
      return new Uint8Array(length).fill(offset);
    },
  };
  const source = withLimit(slow, limiter);
  // The first requests take about 25 ms against a 5 ms reference: the limit rises from 2 to the maximum.
  await Promise.all(Array.from({ length: 40 }, (_, i) => source.read(i, 1)));
  assert.equal(limiter.limit, 8);
  assert.equal(limiter.peak, 8);
  assert.equal(limiter.inFlight, 0);
  // A fixed limiter never grows.
  const fixed = new RequestLimiter(2);
  await Promise.all(Array.from({ length: 10 }, (_, i) => withLimit(slow, fixed).read(i, 1)));
  assert.equal(fixed.limit, 2);
  assert.equal(fixed.peak, 2);
});
