/** The preview's stretches and PNG encoder, on pixel sets whose answers are known. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { inflateSync } from "node:zlib";
import { encodePng } from "../../src/web/png.ts";
import { applyStretch, stretchLimits, zscaleLimits } from "../../src/web/stretch.ts";

/** A seeded normal deviate generator (mulberry32 + Box–Muller), so the test sees the same pixels. */
function normal(seed: number): () => number {
  let a = seed;
  const uniform = () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return () => Math.sqrt(-2 * Math.log(1 - uniform())) * Math.cos(2 * Math.PI * uniform());
}

test("zscale of a ramp is its whole (sampled) range; of sky noise with stars, a few sigma around the sky", () => {
  const ramp = Float64Array.from({ length: 10_000 }, (_, i) => i);
  // zscale works on a sample of 1000 values (every 10th here), so the range is the sample's.
  assert.deepEqual(zscaleLimits(ramp), [0, 9990]);

  const next = normal(7);
  const sky = Float64Array.from({ length: 100_000 }, (_, i) => (i % 50 === 0 ? 20_000 : 100 + 5 * next()));
  sky[17] = Number.NaN;
  const [z1, z2] = zscaleLimits(sky);
  assert.ok(z1 > 70 && z1 < 100, `z1 ${z1}`);
  assert.ok(z2 > 100 && z2 < 130, `z2 ${z2}: the stars are left out`);
  const [a1, a2] = stretchLimits(sky, "asinh");
  assert.equal(a1, z1);
  assert.equal(a2, 20_000, "asinh keeps the bright end");
});

test("stretches run from black to white, monotonically; asinh lifts the faint end; NaN is black", () => {
  const values = Float64Array.from({ length: 101 }, (_, i) => i);
  for (const stretch of ["zscale", "asinh"] as const) {
    const grey = applyStretch(values, stretch, [0, 100]);
    assert.equal(grey[0], 0);
    assert.equal(grey[100], 255);
    for (let i = 1; i < grey.length; i++) assert.ok(grey[i]! >= grey[i - 1]!);
  }
  assert.equal(applyStretch(values, "zscale", [0, 100])[50], 128);
  assert.ok(applyStretch(values, "asinh", [0, 100])[50]! > 190);
  assert.deepEqual([...applyStretch([Number.NaN, -5, 500], "zscale", [0, 100])], [0, 0, 255]);
});

test("a PNG holds its size, colour type and rows, each behind filter byte 0", () => {
  const pixels = Uint8Array.from({ length: 3 * 2 * 3 }, (_, i) => i * 10);
  const png = encodePng(3, 2, pixels, 3);
  assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  assert.equal(png.toString("latin1", 12, 16), "IHDR");
  assert.deepEqual([png.readUInt32BE(16), png.readUInt32BE(20), png[24], png[25]], [3, 2, 8, 2]);
  const idatLength = png.readUInt32BE(33);
  assert.equal(png.toString("latin1", 37, 41), "IDAT");
  const raw = inflateSync(png.subarray(41, 41 + idatLength));
  assert.deepEqual([...raw], [0, ...pixels.subarray(0, 9), 0, ...pixels.subarray(9)]);
  assert.equal(png.toString("latin1", png.length - 8, png.length - 4), "IEND");
  assert.throws(() => encodePng(3, 2, pixels, 4), RangeError);
});
