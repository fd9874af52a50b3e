import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { InvalidArgumentError } from "../../src/errors/index.ts";
import {
  angleBetween,
  Box,
  Circle,
  type ConvexPolygon,
  decodeRegionHex,
  HtmPixelization,
  orientation,
  type PixelRange,
  rangesContain,
  rangesSize,
  UnitVector3d,
} from "../../src/sphgeom/index.ts";
import { DEG, randomBox, randomCircle, randomPoint, randomPointNear, randomPolygon, rng } from "./helpers.ts";
import { encodedRegions } from "./peer-data.ts";

const centroid = ([a, b, c]: readonly UnitVector3d[]) =>
  UnitVector3d.of(a!.x + b!.x + c!.x, a!.y + b!.y + c!.y, a!.z + b!.z + c!.z);

function randomId(rand: () => number, level: number): number {
  let id = 8 + Math.floor(rand() * 8);
  for (let l = 0; l < level; l++) id = id * 4 + Math.floor(rand() * 4);
  return id;
}

describe("HTM ids", () => {
  test("root trixels: octant points, poles and axes", () => {
    const h0 = new HtmPixelization(0);
    const octants: [number, number, number, number, string][] = [
      [1, 1, -1, 8, "S0"],
      [-1, 1, -1, 9, "S1"],
      [-1, -1, -1, 10, "S2"],
      [1, -1, -1, 11, "S3"],
      [1, -1, 1, 12, "N0"],
      [-1, -1, 1, 13, "N1"],
      [-1, 1, 1, 14, "N2"],
      [1, 1, 1, 15, "N3"],
    ];
    for (const [x, y, z, id, name] of octants) {
      assert.equal(h0.index(UnitVector3d.of(x, y, z)), id, name);
      assert.equal(HtmPixelization.asString(id), name);
    }
    // Boundary conventions: z ≥ 0 is north; on a root meridian the eastern trixel.
    assert.equal(h0.index(UnitVector3d.Z), 15);
    assert.equal(h0.index(UnitVector3d.of(0, 0, -1)), 8);
    assert.equal(h0.index(UnitVector3d.X), 15);
    assert.equal(h0.index(UnitVector3d.Y), 14);
    assert.equal(h0.index(UnitVector3d.of(-1, 0, 0)), 13);
    assert.equal(h0.index(UnitVector3d.of(0, -1, 0)), 12);
  });

  test("root triangles have the standard vertices, counter-clockwise", () => {
    const v = (x: number, y: number, z: number) => [x, y, z];
    const expected: Record<number, number[][]> = {
      8: [v(1, 0, 0), v(0, 0, -1), v(0, 1, 0)],
      9: [v(0, 1, 0), v(0, 0, -1), v(-1, 0, 0)],
      10: [v(-1, 0, 0), v(0, 0, -1), v(0, -1, 0)],
      11: [v(0, -1, 0), v(0, 0, -1), v(1, 0, 0)],
      12: [v(1, 0, 0), v(0, 0, 1), v(0, -1, 0)],
      13: [v(0, -1, 0), v(0, 0, 1), v(-1, 0, 0)],
      14: [v(-1, 0, 0), v(0, 0, 1), v(0, 1, 0)],
      15: [v(0, 1, 0), v(0, 0, 1), v(1, 0, 0)],
    };
    for (let id = 8; id < 16; id++) {
      const tri = HtmPixelization.triangle(id);
      assert.deepEqual(
        tri.map((p) => [p.x, p.y, p.z].map((c) => c + 0)),
        expected[id],
      );
      assert.equal(orientation(tri[0], tri[1], tri[2]), 1);
    }
  });

  test("levelOf, names, parents and children", () => {
    assert.equal(HtmPixelization.levelOf(8), 0);
    assert.equal(HtmPixelization.levelOf(15), 0);
    assert.equal(HtmPixelization.levelOf(32), 1);
    assert.equal(HtmPixelization.levelOf(63), 1);
    assert.equal(HtmPixelization.levelOf(8 * 4 ** 7), 7);
    assert.equal(HtmPixelization.levelOf(2 ** 52 - 1), 24);
    for (const bad of [0, 7, 16, 31, 64, 2 ** 52, -8, 8.5, Number.NaN])
      assert.equal(HtmPixelization.levelOf(bad), -1);
    assert.equal(HtmPixelization.asString(62), "N32");
    assert.equal(HtmPixelization.asString(8 * 4 ** 3), "S0000");
    assert.equal(HtmPixelization.parent(62), 15);
    assert.deepEqual(HtmPixelization.children(15), [60, 61, 62, 63]);
    assert.throws(() => HtmPixelization.parent(9), InvalidArgumentError);
    assert.throws(() => HtmPixelization.triangle(5), InvalidArgumentError);
    assert.throws(() => new HtmPixelization(25), InvalidArgumentError);
    assert.deepEqual(new HtmPixelization(7).universe(), [[8 * 4 ** 7, 16 * 4 ** 7]]);
  });

  test("index(centroid of trixel) is the trixel, at every level", () => {
    const rand = rng(40);
    for (const level of [0, 1, 2, 5, 7, 10, 15, 20, 24]) {
      const htm = new HtmPixelization(level);
      for (let i = 0; i < 40; i++) {
        const id = randomId(rand, level);
        assert.equal(HtmPixelization.levelOf(id), level);
        const tri = htm.triangle(id);
        assert.equal(orientation(tri[0], tri[1], tri[2]), 1);
        assert.equal(htm.index(centroid(tri)), id, `level ${level} id ${id}`);
      }
    }
  });

  test("a point's trixel at level L+1 is a child of its trixel at level L", () => {
    const rand = rng(41);
    const levels = Array.from({ length: 25 }, (_, l) => new HtmPixelization(l));
    for (let i = 0; i < 100; i++) {
      const p = randomPoint(rand);
      const ids = levels.map((h) => h.index(p));
      for (let l = 1; l <= 24; l++) assert.equal(HtmPixelization.parent(ids[l]!), ids[l - 1]);
      // The child triangles' vertices are the parent's vertices and edge midpoints.
      const [v0, v1, v2] = HtmPixelization.triangle(ids[10]!);
      const [w0, w1, w2] = HtmPixelization.triangle(ids[10]! * 4 + 3);
      assert.ok(angleBetween(w0, UnitVector3d.of(v1.x + v2.x, v1.y + v2.y, v1.z + v2.z)) < 1e-15);
      assert.ok(angleBetween(w1, UnitVector3d.of(v0.x + v2.x, v0.y + v2.y, v0.z + v2.z)) < 1e-15);
      assert.ok(angleBetween(w2, UnitVector3d.of(v0.x + v1.x, v0.y + v1.y, v0.z + v1.z)) < 1e-15);
      assert.ok(HtmPixelization.triangle(ids[24]!).every((v) => angleBetween(v, p) < 1e-6));
    }
  });

  test("points are in the (closed) trixel index() assigns", () => {
    const rand = rng(42);
    const htm = new HtmPixelization(9);
    for (let i = 0; i < 300; i++) {
      const p = randomPoint(rand);
      const pixel = htm.pixel(htm.index(p));
      assert.ok(pixel.contains(p), `point ${p} outside trixel ${htm.index(p)}`);
    }
  });
});

type AnyRegion = Circle | ConvexPolygon | Box;

function sampleInside(rand: () => number, region: AnyRegion, n: number): UnitVector3d[] {
  const bc = region.boundingCircle();
  const out: UnitVector3d[] = [];
  for (let tries = 0; out.length < n && tries < 200 * n; tries++) {
    const q = randomPointNear(rand, bc.center, bc.openingAngle);
    if (region.contains(q)) out.push(q);
  }
  return out;
}

function assertSortedMerged(ranges: readonly PixelRange[]): void {
  for (let i = 0; i < ranges.length; i++) {
    assert.ok(ranges[i]![0] < ranges[i]![1]);
    if (i > 0) assert.ok(ranges[i - 1]![1] < ranges[i]![0], "ranges must be sorted and merged");
  }
}

describe("HTM envelope and interior", () => {
  test("envelope holds the pixel of every sampled point; interior pixels are inside", () => {
    const rand = rng(43);
    for (let trial = 0; trial < 60; trial++) {
      const size = [0.002, 0.02, 0.2, 1][trial % 4]!;
      // Fine levels only for small regions, to keep the number of trixels (and the test) small.
      const level = Math.min([0, 2, 5, 7, 7, 9, 12][trial % 7]!, size >= 0.2 ? 7 : 12);
      const htm = new HtmPixelization(level);
      const center = randomPoint(rand);
      const kind = trial % 3;
      const region =
        kind === 0
          ? randomPolygon(rand, center, size)
          : kind === 1
            ? randomCircle(rand, center, size)
            : randomBox(rand, center, size);
      const envelope = htm.envelope(region);
      const interior = htm.interior(region);
      assertSortedMerged(envelope);
      assertSortedMerged(interior);
      for (const q of sampleInside(rand, region, 150)) {
        if (!rangesContain(envelope, htm.index(q))) assert.fail(`level ${level} ${region}: missed ${q}`);
      }
      for (const [b, e] of interior) assert.ok(rangesContain(envelope, b) && rangesContain(envelope, e - 1));
      for (let k = 0; k < Math.min(30, interior.length); k++) {
        const [b, e] = interior[Math.floor(rand() * interior.length)]!;
        for (const id of [b, e - 1, Math.floor((b + e) / 2)]) {
          const tri = htm.triangle(id);
          assert.ok(region.contains(centroid(tri)));
          for (const v of tri)
            if (!region.contains(v)) assert.fail(`interior trixel ${id} vertex outside ${region}`);
        }
      }
    }
  });

  test("envelope is tight: every trixel comes within its own size of the region", () => {
    const rand = rng(44);
    const htm = new HtmPixelization(8);
    for (let trial = 0; trial < 20; trial++) {
      const center = randomPoint(rand);
      const region = trial % 2 === 0 ? randomPolygon(rand, center, 0.05) : randomCircle(rand, center, 0.05);
      for (const [b, e] of htm.envelope(region)) {
        for (let id = b; id < e; id++) {
          const tri = htm.triangle(id);
          const c = centroid(tri);
          const radius = Math.max(...tri.map((v) => angleBetween(c, v)));
          const distance =
            region instanceof Circle
              ? Math.max(0, angleBetween(region.center, c) - region.openingAngle)
              : region.distanceTo(c);
          if (distance > radius * (1 + 1e-9)) assert.fail(`trixel ${id} is ${distance} from ${region}`);
        }
      }
    }
  });

  test("a small circle at level 7 needs few ranges", () => {
    const htm = new HtmPixelization(7);
    const rand = rng(45);
    for (let i = 0; i < 50; i++) {
      const c = new Circle(randomPoint(rand), 0.01 * DEG);
      const env = htm.envelope(c);
      assert.ok(env.length >= 1 && env.length <= 3, `${env.length} ranges`);
      assert.ok(rangesSize(env) <= 6, `${rangesSize(env)} trixels`);
    }
    // A 1° circle at level 7 (trixels ~0.5°): a handful of ranges.
    const big = htm.envelope(Circle.fromDegrees(45, 30, 1));
    assert.ok(rangesSize(big) < 60, `${rangesSize(big)} trixels`);
  });

  test("maxRanges closes the smallest gaps and stays conservative", () => {
    const htm = new HtmPixelization(10);
    const region = Circle.fromDegrees(120, -40, 1);
    const full = htm.envelope(region);
    assert.ok(full.length > 4);
    const few = htm.envelope(region, 4);
    assert.ok(few.length <= 4);
    assertSortedMerged(few);
    for (const [b, e] of full) assert.ok(rangesContain(few, b) && rangesContain(few, e - 1));
  });

  test("the whole sky and a polar box", () => {
    const htm = new HtmPixelization(3);
    assert.deepEqual(htm.envelope(Circle.full()), htm.universe());
    assert.deepEqual(htm.interior(Circle.full()), htm.universe());
    const cap = Box.fromDegrees(0, 360, 80, 90);
    const env = htm.envelope(cap);
    for (const lon of [0, 45, 90, 135, 180, 225, 270, 315]) {
      for (const lat of [80.5, 85, 89.9, 90]) {
        const v = Box.fromDegrees(lon, lon, lat, lat).boundingCircle().center;
        assert.ok(rangesContain(env, htm.index(v)));
      }
    }
  });

  test("indexes the hsc-rc2 regions at htm7 in well under a second", (t) => {
    const hexes = encodedRegions("hsc-rc2-subset.yaml");
    if (hexes.length === 0) {
      t.skip("shared peer-data/hsc-rc2-subset.yaml not found");
      return;
    }
    const regions = hexes.map((h) => decodeRegionHex(h));
    const htm = new HtmPixelization(7);
    const start = performance.now();
    let total = 0;
    for (const r of regions) total += rangesSize(htm.envelope(r));
    const ms = performance.now() - start;
    t.diagnostic(`${regions.length} regions → ${total} htm7 trixels in ${ms.toFixed(0)} ms`);
    assert.ok(ms < 1000, `${ms} ms`);
    assert.ok(total >= regions.length);
  });
});
