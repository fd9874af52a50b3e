import assert from "node:assert/strict";
import { mkdtemp, rm, stat, truncate, unlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { FileSource, fromFile } from "../../src/bytes/file-source.ts";
import { ByteRangeError, ObjectNotFoundError } from "../../src/errors/index.ts";
import { pattern } from "./helpers.ts";

describe("FileSource", () => {
  const bytes = pattern(10_000);
  let dir = "";
  let path = "";

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "butler-bytes-"));
    path = join(dir, "data.bin");
    await writeFile(path, bytes);
  });

  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  test("reads exact ranges of the file", async () => {
    const source = fromFile(path);
    try {
      assert.equal(source.key, path);
      assert.deepEqual(await source.read(0, 10), bytes.slice(0, 10));
      assert.deepEqual(await source.read(4321, 1234), bytes.slice(4321, 5555));
      assert.deepEqual(await source.read(9990, 10), bytes.slice(9990));
      assert.deepEqual(await source.read(10_000, 0), new Uint8Array(0));
    } finally {
      await source.close();
    }
  });

  test("returns arrays that own their buffer from offset 0", async () => {
    const source = fromFile(path);
    try {
      const got = await source.read(100, 64);
      assert.equal(got.byteOffset, 0);
      assert.equal(got.buffer.byteLength, 64);
    } finally {
      await source.close();
    }
  });

  test("size and size-mtime etag come from one stat", async () => {
    const source = new FileSource(path, { key: "file://custom" });
    try {
      assert.equal(source.key, "file://custom");
      assert.equal(source.etag, undefined);
      assert.equal(await source.size(), 10_000);
      const stats = await stat(path);
      assert.equal(source.etag, `${stats.size}-${stats.mtimeMs}`);
    } finally {
      await source.close();
    }
  });

  test("readInto fills a view of a larger buffer", async () => {
    const source = fromFile(path);
    try {
      const buffer = new Uint8Array(100);
      await source.readInto(2000, buffer.subarray(10, 60));
      assert.deepEqual(buffer.subarray(10, 60), bytes.slice(2000, 2050));
      assert.equal(buffer[9], 0);
      assert.equal(buffer[60], 0);
    } finally {
      await source.close();
    }
  });

  test("out-of-range and malformed reads are ByteRangeErrors", async () => {
    const source = fromFile(path);
    try {
      await assert.rejects(source.read(9995, 6), (err: unknown) => {
        assert.ok(err instanceof ByteRangeError);
        assert.equal(err.offset, 9995);
        assert.equal(err.length, 6);
        assert.equal(err.key, path);
        return true;
      });
      await assert.rejects(source.read(-1, 5), ByteRangeError);
      await assert.rejects(source.read(0, -5), ByteRangeError);
      await assert.rejects(source.read(0.5, 5), ByteRangeError);
      await assert.rejects(source.read(0, Number.NaN), ByteRangeError);
      await assert.rejects(source.read(10_001, 0), ByteRangeError);
    } finally {
      await source.close();
    }
  });

  test("a file that shrinks after the stat gives a short-read ByteRangeError", async () => {
    const shrinking = join(dir, "shrinking.bin");
    await writeFile(shrinking, bytes);
    const source = fromFile(shrinking);
    try {
      assert.equal(await source.size(), 10_000);
      await truncate(shrinking, 5000);
      await assert.rejects(source.read(4000, 2000), (err: unknown) => {
        assert.ok(err instanceof ByteRangeError);
        assert.match(err.message, /short read/);
        return true;
      });
    } finally {
      await source.close();
    }
  });

  test("a missing file is ObjectNotFoundError, for size and read alike", async () => {
    const source = fromFile(join(dir, "nope.bin"));
    await assert.rejects(source.size(), ObjectNotFoundError);
    await assert.rejects(source.read(0, 1), (err: unknown) => {
      assert.ok(err instanceof ObjectNotFoundError);
      assert.equal(err.code, "NOT_FOUND");
      return true;
    });
    await source.close();
  });

  test("a failed open is forgotten, so a file created later can be read", async () => {
    const later = join(dir, "later.bin");
    const source = fromFile(later);
    try {
      await assert.rejects(source.size(), ObjectNotFoundError);
      await writeFile(later, bytes.subarray(0, 10));
      assert.deepEqual(await source.read(2, 3), bytes.slice(2, 5));
    } finally {
      await source.close();
    }
  });

  test("the handle is opened once and reused until close", async () => {
    const doomed = join(dir, "doomed.bin");
    await writeFile(doomed, bytes);
    const source = fromFile(doomed);
    assert.deepEqual(await source.read(0, 4), bytes.slice(0, 4));
    // The open handle keeps the unlinked file readable; a reopen would not find it.
    await unlink(doomed);
    assert.deepEqual(await source.read(500, 4), bytes.slice(500, 504));
    await source.close();
    await assert.rejects(source.read(0, 4), ObjectNotFoundError);
  });

  test("an aborted signal rejects with an AbortError", async () => {
    const source = fromFile(path);
    try {
      await assert.rejects(source.read(0, 10, { signal: AbortSignal.abort() }), { name: "AbortError" });
      const target = new Uint8Array(4);
      await assert.rejects(source.readInto(0, target, { signal: AbortSignal.abort() }), {
        name: "AbortError",
      });
    } finally {
      await source.close();
    }
  });
});
