import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { ByteSource, ReadOptions } from "../../src/bytes/byte-source.ts";
import { MemorySource } from "../../src/bytes/memory-source.ts";
import { withBlockCache } from "../../src/bytes/with-block-cache.ts";
import { ByteRangeError, InvalidArgumentError } from "../../src/errors/index.ts";
import { FlakySource, GatedSource, pattern, recorded, settle } from "./helpers.ts";

const bytes = pattern(1000);

describe("withBlockCache", () => {
  test("widens reads to aligned blocks and serves repeats from the cache", async () => {
    const { source, metrics } = recorded(bytes);
    const cached = withBlockCache(source, { blockSize: 16 });
    assert.deepEqual(await cached.read(10, 20), bytes.slice(10, 30));
    assert.deepEqual(metrics.ranges, [{ offset: 0, length: 32 }]);
    assert.deepEqual(await cached.read(5, 3), bytes.slice(5, 8));
    assert.deepEqual(await cached.read(16, 16), bytes.slice(16, 32));
    assert.equal(metrics.requests, 1);
    assert.deepEqual(cached.stats, { hits: 2, misses: 2, evictions: 0 });
    assert.equal(cached.cachedBytes, 32);
  });

  test("fetches each run of consecutive missing blocks as one request", async () => {
    const { source, metrics } = recorded(bytes);
    const cached = withBlockCache(source, { blockSize: 16 });
    await cached.read(32, 16); // block 2
    await cached.read(80, 1); // block 5
    assert.deepEqual(await cached.read(0, 112), bytes.slice(0, 112)); // blocks 0..6
    assert.deepEqual(metrics.ranges, [
      { offset: 32, length: 16 },
      { offset: 80, length: 16 },
      { offset: 0, length: 32 },
      { offset: 48, length: 32 },
      { offset: 96, length: 16 },
    ]);
  });

  test("clips the last block to the object size", async () => {
    const { source, metrics } = recorded(bytes.slice(0, 40));
    const cached = withBlockCache(source, { blockSize: 16 });
    assert.deepEqual(await cached.read(35, 5), bytes.slice(35, 40));
    assert.deepEqual(await cached.read(20, 20), bytes.slice(20, 40));
    assert.deepEqual(metrics.ranges, [
      { offset: 32, length: 8 },
      { offset: 16, length: 16 },
    ]);
    assert.equal(cached.cachedBytes, 24);
  });

  test("rejects reads past the end and malformed reads without fetching", async () => {
    const { source, metrics } = recorded(bytes.slice(0, 40));
    const cached = withBlockCache(source, { blockSize: 16 });
    await assert.rejects(cached.read(35, 6), ByteRangeError);
    await assert.rejects(cached.read(-1, 1), ByteRangeError);
    await assert.rejects(cached.read(0, 0.5), ByteRangeError);
    assert.deepEqual(await cached.read(40, 0), new Uint8Array(0));
    assert.equal(metrics.requests, 0);
    assert.equal(metrics.sizeCalls, 1);
  });

  test("concurrent reads of one block share one fetch", async () => {
    const gated = new GatedSource(new MemorySource(bytes));
    const { source, metrics } = recorded(bytes, gated);
    const cached = withBlockCache(source, { blockSize: 64 });
    const a = cached.read(0, 10);
    const b = cached.read(30, 20);
    await settle();
    assert.equal(gated.waiting.length, 1);
    gated.open();
    assert.deepEqual(await a, bytes.slice(0, 10));
    assert.deepEqual(await b, bytes.slice(30, 50));
    assert.deepEqual(metrics.ranges, [{ offset: 0, length: 64 }]);
  });

  test("evicts the least recently used blocks to stay within maxBytes", async () => {
    const { source, metrics } = recorded(bytes);
    const cached = withBlockCache(source, { blockSize: 16, maxBytes: 32 });
    await cached.read(0, 1); // block 0
    await cached.read(16, 1); // block 1
    await cached.read(0, 1); // touch block 0: block 1 is now the oldest
    await cached.read(32, 1); // block 2 evicts block 1
    assert.equal(cached.cachedBytes, 32);
    assert.equal(cached.stats.evictions, 1);
    metrics.ranges!.length = 0;
    await cached.read(0, 1);
    await cached.read(32, 1);
    assert.deepEqual(metrics.ranges, []);
    await cached.read(16, 1);
    assert.deepEqual(metrics.ranges, [{ offset: 16, length: 16 }]);
  });

  test("a read larger than the budget still succeeds and leaves the cache within it", async () => {
    const { source } = recorded(bytes);
    const cached = withBlockCache(source, { blockSize: 16, maxBytes: 32 });
    assert.deepEqual(await cached.read(0, 100), bytes.slice(0, 100));
    assert.ok(cached.cachedBytes <= 32, `cachedBytes ${cached.cachedBytes}`);
  });

  test("never evicts a block a read in progress still needs", async () => {
    const gated = new GatedSource(new MemorySource(bytes));
    const { source, metrics } = recorded(bytes, gated);
    const cached = withBlockCache(source, { blockSize: 16, maxBytes: 16 });
    const warm = cached.read(0, 16); // block 0
    await settle();
    gated.open();
    await warm;
    const slow = cached.read(0, 32); // pins block 0, waits for block 1
    const other = cached.read(64, 1); // block 4: over budget when it lands
    await settle();
    assert.deepEqual(
      gated.waiting.map((w) => w.range),
      [
        { offset: 16, length: 16 },
        { offset: 64, length: 16 },
      ],
    );
    gated.open(1);
    await other;
    // Block 0 is pinned by `slow`, so block 4 was the one to go.
    metrics.ranges!.length = 0;
    assert.deepEqual(await cached.read(0, 16), bytes.slice(0, 16));
    assert.deepEqual(metrics.ranges, []);
    gated.open();
    assert.deepEqual(await slow, bytes.slice(0, 32));
    assert.ok(cached.cachedBytes <= 16, `cachedBytes ${cached.cachedBytes}`);
  });

  test("a failed fetch is forgotten, so the next read retries", async () => {
    const flaky = new FlakySource(new MemorySource(bytes), 1);
    const { source, metrics } = recorded(bytes, flaky);
    const cached = withBlockCache(source, { blockSize: 16 });
    const results = await Promise.allSettled([cached.read(0, 4), cached.read(8, 4)]);
    assert.deepEqual(
      results.map((r) => r.status),
      ["rejected", "rejected"],
    );
    assert.equal((results[0] as PromiseRejectedResult).reason, flaky.error);
    assert.equal(cached.cachedBytes, 0);
    assert.deepEqual(await cached.read(0, 4), bytes.slice(0, 4));
    assert.deepEqual(metrics.ranges, [
      { offset: 0, length: 16 },
      { offset: 0, length: 16 },
    ]);
  });

  test("a caller that aborts leaves the shared fetch to the others", async () => {
    const gated = new GatedSource(new MemorySource(bytes));
    const { source, metrics } = recorded(bytes, gated);
    const cached = withBlockCache(source, { blockSize: 16 });
    const controller = new AbortController();
    const a = cached.read(0, 4, { signal: controller.signal });
    const b = cached.read(4, 4);
    await settle();
    controller.abort();
    await assert.rejects(a, { name: "AbortError" });
    assert.equal(gated.waiting[0]!.signal, undefined);
    gated.open();
    assert.deepEqual(await b, bytes.slice(4, 8));
    assert.deepEqual(await cached.read(0, 4), bytes.slice(0, 4));
    assert.deepEqual(metrics.ranges, [{ offset: 0, length: 16 }]);
  });

  test("the cache key includes the etag, so a changed object is fetched again", async () => {
    const inner = new MemorySource(bytes);
    let etag = "v1";
    const versioned: ByteSource = {
      key: "mem://versioned",
      get etag() {
        return etag;
      },
      size: () => inner.size(),
      read: (o: number, l: number, opts?: ReadOptions) => inner.read(o, l, opts),
    };
    const { source, metrics } = recorded(bytes, versioned);
    const cached = withBlockCache(source, { blockSize: 16 });
    await cached.read(0, 4);
    await cached.read(0, 4);
    etag = "v2";
    assert.equal(cached.etag, "v2");
    await cached.read(0, 4);
    assert.deepEqual(metrics.ranges, [
      { offset: 0, length: 16 },
      { offset: 0, length: 16 },
    ]);
  });

  test("blocks fetched before the source learned its etag are kept under it", async () => {
    const inner = new MemorySource(bytes);
    let etag: string | undefined;
    // Like a remote source: the first answer tells the version.
    const learning: ByteSource = {
      key: "mem://learning",
      get etag() {
        return etag;
      },
      size: () => inner.size(),
      read: async (o: number, l: number, opts?: ReadOptions) => {
        const out = await inner.read(o, l, opts);
        etag ??= "v1";
        return out;
      },
    };
    const { source, metrics } = recorded(bytes, learning);
    const cached = withBlockCache(source, { blockSize: 16 });
    await cached.read(0, 4);
    await cached.read(4, 4);
    assert.deepEqual(metrics.ranges, [{ offset: 0, length: 16 }]);
    assert.equal(cached.stats.hits, 1);
  });

  test("returns copies, so decoding in place cannot corrupt the cache", async () => {
    const cached = withBlockCache(new MemorySource(bytes), { blockSize: 16 });
    const first = await cached.read(0, 16);
    first.fill(0);
    assert.deepEqual(await cached.read(0, 16), bytes.slice(0, 16));
  });

  test("readInto fills a view across block boundaries", async () => {
    const cached = withBlockCache(new MemorySource(bytes), { blockSize: 16 });
    const buffer = new Uint8Array(60);
    await cached.readInto(7, buffer.subarray(5, 55));
    assert.deepEqual(buffer.subarray(5, 55), bytes.slice(7, 57));
    assert.equal(buffer[4], 0);
    assert.equal(buffer[55], 0);
  });

  test("asks the size once", async () => {
    const { source, metrics } = recorded(bytes);
    const cached = withBlockCache(source, { blockSize: 16 });
    await Promise.all([cached.read(0, 1), cached.read(100, 1), cached.size()]);
    assert.equal(await cached.size(), 1000);
    assert.equal(metrics.sizeCalls, 1);
  });

  test("rejects meaningless options", () => {
    const inner = new MemorySource(bytes);
    assert.throws(() => withBlockCache(inner, { blockSize: 0 }), InvalidArgumentError);
    assert.throws(() => withBlockCache(inner, { maxBytes: -1 }), InvalidArgumentError);
  });
});
