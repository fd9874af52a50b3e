import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { ByteSource, ReadOptions } from "../../src/bytes/byte-source.ts";
import { MemorySource } from "../../src/bytes/memory-source.ts";
import { type FlushReport, withCoalescing } from "../../src/bytes/with-coalescing.ts";
import { ByteRangeError } from "../../src/errors/index.ts";
import { GatedSource, pattern, recorded, settle } from "./helpers.ts";

const bytes = pattern(100_000);

describe("withCoalescing", () => {
  test("merges adjacent and small-gap reads of one tick into one request", async () => {
    const { source, metrics } = recorded(bytes);
    const coalesced = withCoalescing(source, { gapBytes: 100 });
    const got = await Promise.all([
      coalesced.read(1000, 10),
      coalesced.read(0, 500),
      coalesced.read(500, 400),
      coalesced.read(1010, 90),
    ]);
    assert.deepEqual(metrics.ranges, [{ offset: 0, length: 1100 }]);
    assert.deepEqual(got[0], bytes.slice(1000, 1010));
    assert.deepEqual(got[1], bytes.slice(0, 500));
    assert.deepEqual(got[2], bytes.slice(500, 900));
    assert.deepEqual(got[3], bytes.slice(1010, 1100));
  });

  test("splits at a gap wider than gapBytes", async () => {
    const { source, metrics } = recorded(bytes);
    const coalesced = withCoalescing(source, { gapBytes: 100 });
    const [a, b, c] = await Promise.all([
      coalesced.read(0, 100),
      coalesced.read(200, 50), // gap 100: merged
      coalesced.read(351, 49), // gap 101: split
    ]);
    assert.deepEqual(metrics.ranges, [
      { offset: 0, length: 250 },
      { offset: 351, length: 49 },
    ]);
    assert.deepEqual(a, bytes.slice(0, 100));
    assert.deepEqual(b, bytes.slice(200, 250));
    assert.deepEqual(c, bytes.slice(351, 400));
  });

  test("splits at maxRequestBytes, but sends one larger read whole", async () => {
    const { source, metrics } = recorded(bytes);
    const coalesced = withCoalescing(source, { maxRequestBytes: 1000 });
    const got = await Promise.all([
      coalesced.read(0, 600),
      coalesced.read(600, 600),
      coalesced.read(1200, 5000),
      coalesced.read(6200, 10),
    ]);
    assert.deepEqual(metrics.ranges, [
      { offset: 0, length: 600 },
      { offset: 600, length: 600 },
      { offset: 1200, length: 5000 },
      { offset: 6200, length: 10 },
    ]);
    assert.deepEqual(got[2], bytes.slice(1200, 6200));
  });

  test("default gap of 32 KiB bridges 32768 bytes and not 32769", async () => {
    const { source, metrics } = recorded(bytes);
    const coalesced = withCoalescing(source);
    await Promise.all([coalesced.read(0, 1), coalesced.read(32_769, 1), coalesced.read(65_539, 1)]);
    assert.deepEqual(metrics.ranges, [
      { offset: 0, length: 32_770 },
      { offset: 65_539, length: 1 },
    ]);
  });

  test("reads in different ticks are not merged", async () => {
    const { source, metrics } = recorded(bytes);
    const coalesced = withCoalescing(source);
    await coalesced.read(0, 10);
    await coalesced.read(10, 10);
    assert.deepEqual(metrics.ranges, [
      { offset: 0, length: 10 },
      { offset: 10, length: 10 },
    ]);
  });

  test("the immediate window also catches reads issued after an await", async () => {
    const { source, metrics } = recorded(bytes);
    const coalesced = withCoalescing(source, { window: "immediate" });
    const late = async () => {
      await Promise.resolve();
      await Promise.resolve();
      return coalesced.read(10, 10);
    };
    const [a, b] = await Promise.all([coalesced.read(0, 10), late()]);
    assert.deepEqual(metrics.ranges, [{ offset: 0, length: 20 }]);
    assert.deepEqual(a, bytes.slice(0, 10));
    assert.deepEqual(b, bytes.slice(10, 20));
  });

  test("reports each flush", async () => {
    const reports: FlushReport[] = [];
    const coalesced = withCoalescing(new MemorySource(bytes), {
      gapBytes: 10,
      onFlush: (r) => reports.push(r),
    });
    await Promise.all([coalesced.read(0, 10), coalesced.read(15, 5), coalesced.read(1000, 10)]);
    assert.deepEqual(reports, [
      {
        requestsIn: 3,
        requestsOut: 2,
        bytesRequested: 25,
        bytesFetched: 30,
        ranges: [
          { offset: 0, length: 20 },
          { offset: 1000, length: 10 },
        ],
      },
    ]);
  });

  test("overlapping callers get independent copies", async () => {
    const coalesced = withCoalescing(new MemorySource(bytes));
    const [a, b, c] = await Promise.all([
      coalesced.read(0, 100),
      coalesced.read(50, 100),
      coalesced.read(150, 10),
    ]);
    a.fill(0);
    assert.deepEqual(b, bytes.slice(50, 150));
    assert.deepEqual(c, bytes.slice(150, 160));
  });

  test("one caller aborting does not break the others, and the shared read is not aborted", async () => {
    const gated = new GatedSource(new MemorySource(bytes));
    const { source, metrics } = recorded(bytes, gated);
    const coalesced = withCoalescing(source);
    const controller = new AbortController();
    const a = coalesced.read(0, 10, { signal: controller.signal });
    const b = coalesced.read(10, 10);
    await settle();
    assert.equal(gated.waiting.length, 1);
    controller.abort();
    await assert.rejects(a, { name: "AbortError" });
    assert.equal(gated.waiting[0]!.signal, undefined);
    gated.open();
    assert.deepEqual(await b, bytes.slice(10, 20));
    assert.deepEqual(metrics.ranges, [{ offset: 0, length: 20 }]);
  });

  test("the shared read is aborted only when every caller has aborted", async () => {
    const gated = new GatedSource(new MemorySource(bytes));
    const coalesced = withCoalescing(gated);
    const ca = new AbortController();
    const cb = new AbortController();
    const a = coalesced.read(0, 10, { signal: ca.signal });
    const b = coalesced.read(10, 10, { signal: cb.signal });
    await settle();
    const shared = gated.waiting[0]!.signal!;
    ca.abort();
    await assert.rejects(a, { name: "AbortError" });
    assert.equal(shared.aborted, false);
    cb.abort();
    await assert.rejects(b, { name: "AbortError" });
    assert.equal(shared.aborted, true);
    gated.open();
  });

  test("a caller aborted while queued is dropped from the flush", async () => {
    const { source, metrics } = recorded(bytes);
    const coalesced = withCoalescing(source);
    const controller = new AbortController();
    const a = coalesced.read(0, 10, { signal: controller.signal });
    const b = coalesced.read(5000, 10);
    controller.abort();
    await assert.rejects(a, { name: "AbortError" });
    assert.deepEqual(await b, bytes.slice(5000, 5010));
    assert.deepEqual(metrics.ranges, [{ offset: 5000, length: 10 }]);
  });

  test("a read past the end fails alone; its neighbours are retried on their own", async () => {
    const small = bytes.slice(0, 100);
    const { source, metrics } = recorded(small);
    const coalesced = withCoalescing(source);
    const good = coalesced.read(0, 10);
    const bad = coalesced.read(90, 20);
    await assert.rejects(bad, ByteRangeError);
    assert.deepEqual(await good, small.slice(0, 10));
    assert.deepEqual(metrics.ranges, [
      { offset: 0, length: 110 },
      { offset: 0, length: 10 },
      { offset: 90, length: 20 },
    ]);
  });

  test("other failures reach every caller of the group", async () => {
    const failing: ByteSource = {
      key: "mem://failing",
      size: async () => 100,
      read: async () => {
        throw new Error("network down");
      },
    };
    const coalesced = withCoalescing(failing);
    const results = await Promise.allSettled([coalesced.read(0, 10), coalesced.read(10, 10)]);
    assert.deepEqual(
      results.map((r) => (r.status === "rejected" ? (r.reason as Error).message : "ok")),
      ["network down", "network down"],
    );
  });

  test("a short answer from the source is a ByteRangeError", async () => {
    const short: ByteSource = {
      key: "mem://short",
      size: async () => 100,
      read: async (_offset: number, length: number) => new Uint8Array(length - 1),
    };
    await assert.rejects(withCoalescing(short).read(0, 10), ByteRangeError);
  });

  test("a lone readInto goes straight to the source's readInto", async () => {
    const calls: string[] = [];
    const inner = new MemorySource(bytes);
    const spy: ByteSource = {
      key: inner.key,
      size: () => inner.size(),
      read: (o: number, l: number, opts?: ReadOptions) => {
        calls.push(`read ${o} ${l}`);
        return inner.read(o, l, opts);
      },
      readInto: (o: number, t: Uint8Array, opts?: ReadOptions) => {
        calls.push(`readInto ${o} ${t.byteLength}`);
        return inner.readInto(o, t, opts);
      },
    };
    const coalesced = withCoalescing(spy);
    const target = new Uint8Array(64);
    await coalesced.readInto!(100, target.subarray(32));
    assert.deepEqual(target.subarray(32), bytes.slice(100, 132));
    assert.deepEqual(calls, ["readInto 100 32"]);

    const other = new Uint8Array(10);
    const [, plain] = await Promise.all([coalesced.readInto!(200, other), coalesced.read(210, 5)]);
    assert.deepEqual(other, bytes.slice(200, 210));
    assert.deepEqual(plain, bytes.slice(210, 215));
    assert.deepEqual(calls, ["readInto 100 32", "read 200 15"]);
  });

  test("malformed ranges are rejected before queueing", async () => {
    const { source, metrics } = recorded(bytes);
    const coalesced = withCoalescing(source);
    await assert.rejects(coalesced.read(-1, 10), ByteRangeError);
    await assert.rejects(coalesced.read(0, 2.5), ByteRangeError);
    assert.equal(metrics.requests, 0);
  });

  test("forwards key, etag and size", async () => {
    const coalesced = withCoalescing(new MemorySource(bytes, { key: "mem://k", etag: "e" }));
    assert.equal(coalesced.key, "mem://k");
    assert.equal(coalesced.etag, "e");
    assert.equal(await coalesced.size(), bytes.length);
  });
});
