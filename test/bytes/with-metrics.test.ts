import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { MemorySource } from "../../src/bytes/memory-source.ts";
import { createMetrics, resetMetrics, withMetrics } from "../../src/bytes/with-metrics.ts";
import { ByteRangeError } from "../../src/errors/index.ts";
import { FlakySource, pattern } from "./helpers.ts";

describe("withMetrics", () => {
  const bytes = pattern(1000);

  test("counts requests, bytes, errors, size calls and records ranges", async () => {
    const metrics = createMetrics({ recordRanges: true });
    const source = withMetrics(new MemorySource(bytes, { key: "mem://m", etag: "e1" }), metrics);
    assert.equal(source.key, "mem://m");
    assert.equal(source.etag, "e1");
    assert.equal(await source.size(), 1000);
    assert.deepEqual(await source.read(100, 50), bytes.slice(100, 150));
    const target = new Uint8Array(10);
    await source.readInto!(0, target);
    assert.deepEqual(target, bytes.slice(0, 10));
    await assert.rejects(source.read(990, 20), ByteRangeError);
    assert.equal(metrics.requests, 3);
    assert.equal(metrics.bytes, 60);
    assert.equal(metrics.errors, 1);
    assert.equal(metrics.sizeCalls, 1);
    assert.ok(metrics.ms >= 0);
    assert.deepEqual(metrics.ranges, [
      { offset: 100, length: 50 },
      { offset: 0, length: 10 },
      { offset: 990, length: 20 },
    ]);
    assert.equal(source.metrics, metrics);
  });

  test("resetMetrics zeroes in place and keeps recording on", async () => {
    const metrics = createMetrics({ recordRanges: true });
    const source = withMetrics(new MemorySource(bytes), metrics);
    await source.read(0, 1);
    resetMetrics(metrics);
    assert.deepEqual(metrics, { requests: 0, bytes: 0, ms: 0, errors: 0, sizeCalls: 0, ranges: [] });
    await source.read(5, 2);
    assert.deepEqual(metrics.ranges, [{ offset: 5, length: 2 }]);
  });

  test("ranges are not recorded unless asked", async () => {
    const source = withMetrics(new MemorySource(bytes));
    await source.read(0, 1);
    assert.equal(source.metrics.ranges, undefined);
    assert.equal(source.metrics.requests, 1);
  });

  test("offers readInto only when the wrapped source has it", () => {
    assert.equal(typeof withMetrics(new MemorySource(bytes)).readInto, "function");
    assert.equal(withMetrics(new FlakySource(new MemorySource(bytes))).readInto, undefined);
  });
});
