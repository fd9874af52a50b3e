import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { MemorySource } from "../../src/bytes/memory-source.ts";
import { ByteRangeError } from "../../src/errors/index.ts";
import { pattern } from "./helpers.ts";

describe("MemorySource", () => {
  const bytes = pattern(100);

  test("reads exact ranges and reports its size", async () => {
    const source = new MemorySource(bytes, { key: "mem://a", etag: "v1" });
    assert.equal(source.key, "mem://a");
    assert.equal(source.etag, "v1");
    assert.equal(await source.size(), 100);
    assert.deepEqual(await source.read(10, 5), bytes.slice(10, 15));
    assert.deepEqual(await source.read(100, 0), new Uint8Array(0));
  });

  test("returns copies, so callers cannot change the source", async () => {
    const source = new MemorySource(bytes);
    const first = await source.read(0, 4);
    first.fill(0);
    assert.deepEqual(await source.read(0, 4), bytes.slice(0, 4));
  });

  test("readInto fills a view of a larger buffer", async () => {
    const source = new MemorySource(bytes);
    const buffer = new Uint8Array(20);
    await source.readInto(50, buffer.subarray(5, 15));
    assert.deepEqual(buffer.subarray(5, 15), bytes.slice(50, 60));
    assert.equal(buffer[4], 0);
    assert.equal(buffer[15], 0);
  });

  test("rejects bad and out-of-range reads", async () => {
    const source = new MemorySource(bytes);
    await assert.rejects(source.read(95, 6), ByteRangeError);
    await assert.rejects(source.read(-1, 1), ByteRangeError);
    await assert.rejects(source.read(0, 1.5), ByteRangeError);
    await assert.rejects(source.read(101, 0), ByteRangeError);
  });

  test("an aborted signal rejects with an AbortError", async () => {
    const source = new MemorySource(bytes);
    await assert.rejects(source.read(0, 1, { signal: AbortSignal.abort() }), { name: "AbortError" });
  });
});
