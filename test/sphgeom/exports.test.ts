/**
 * Region encodings, and facts about the real regions in daf_butler's export files (spatial.yaml:
 * visits, detectors, tracts, patches), each checked with the library and with independent sampling
 * (gnomonic point-in-polygon).
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { InvalidRegionError } from "../../src/errors/index.ts";
import {
  Box,
  bytesToHex,
  Circle,
  ConvexPolygon,
  decodeRegion,
  decodeRegionHex,
  encodeRegionHex,
  HtmPixelization,
  hexToBytes,
  LonLat,
  orientation,
  rangesContain,
  WITHIN,
} from "../../src/sphgeom/index.ts";
import { gnomonicContains, randomPointNear, rng } from "./helpers.ts";
import { encodedRegions, peerFile, regionRecords } from "./peer-data.ts";

describe("ConvexPolygon encoding on real exports", () => {
  test("every polygon in spatial.yaml decodes, is convex and re-encodes identically", (t) => {
    const hexes = encodedRegions("spatial.yaml");
    if (hexes.length === 0) {
      t.skip("shared peer-data/spatial.yaml not found");
      return;
    }
    assert.equal(hexes.length, 24);
    for (const hex of hexes) {
      const bytes = hexToBytes(hex);
      assert.equal(bytes[0], 0x70);
      const region = decodeRegionHex(hex);
      assert.ok(region instanceof ConvexPolygon);
      const n = (bytes.length - 1) / 24;
      assert.equal(region.vertices.length, n);
      for (const v of region.vertices) assert.ok(Math.abs(v.norm() - 1) < 1e-15, `|v| = ${v.norm()}`);
      // Convex: every vertex is a strict left turn (exact predicate), so the hull is all of them.
      const vs = region.vertices;
      for (let i = 0; i < n; i++) {
        assert.equal(orientation(vs[i]!, vs[(i + 1) % n]!, vs[(i + 2) % n]!), 1, `turn at vertex ${i + 1}`);
      }
      assert.equal(region.hull.length, n);
      assert.equal(encodeRegionHex(region), hex);
      assert.equal(bytesToHex(region.encode()), hex);
    }
  });

  test("every polygon in the ci_hsc and hsc-rc2 exports round-trips", (t) => {
    const hexes = [
      ...encodedRegions("ci_hsc-subset.yaml"),
      ...encodedRegions("ci_hsc-subset-skymap.yaml"),
      ...encodedRegions("hsc-rc2-subset.yaml"),
    ];
    if (hexes.length === 0 || peerFile("hsc-rc2-subset.yaml") === undefined) {
      t.skip("shared peer-data exports not found");
      return;
    }
    assert.ok(hexes.length > 1300);
    for (const hex of hexes) {
      const p = decodeRegionHex(hex) as ConvexPolygon;
      assert.equal(encodeRegionHex(p), hex);
      assert.ok(p.hull.length >= 3);
      assert.ok(p.contains(p.centroid()));
    }
  });
});

describe("Circle and Box encodings", () => {
  test("Circle: 0x63 + center, squared chord length, opening angle", () => {
    const c = Circle.fromDegrees(150, -30, 0.5);
    const bytes = c.encode();
    assert.equal(bytes.length, 41);
    assert.equal(bytes[0], 0x63);
    const view = new DataView(bytes.buffer);
    assert.equal(view.getFloat64(1, true), c.center.x);
    assert.equal(view.getFloat64(25, true), c.squaredChordLength);
    assert.equal(view.getFloat64(33, true), c.openingAngle);
    const back = decodeRegion(bytes) as Circle;
    assert.ok(back instanceof Circle);
    assert.deepEqual([back.center.x, back.center.y, back.center.z], [c.center.x, c.center.y, c.center.z]);
    assert.equal(back.openingAngle, c.openingAngle);
    assert.equal(bytesToHex(back.encode()), bytesToHex(bytes));
  });

  test("Box: 0x62 + lon a, lon b, lat a, lat b", () => {
    const b = Box.fromCenterSize(0, 10, 4, 2);
    const bytes = b.encode();
    assert.equal(bytes.length, 33);
    assert.equal(bytes[0], 0x62);
    const back = decodeRegion(bytes) as Box;
    assert.ok(back instanceof Box);
    assert.deepEqual(
      [back.lonMin, back.lonMax, back.latMin, back.latMax],
      [b.lonMin, b.lonMax, b.latMin, b.latMax],
    );
    assert.ok(back.contains(LonLat.fromDegrees(359, 10.5).toVector()));
    const full = decodeRegion(Box.full().encode()) as Box;
    assert.ok(full.isFullLongitude());
  });

  test("malformed bytes are InvalidRegionErrors", () => {
    const poly = ConvexPolygon.fromLonLatDegrees([0, 0, 1, 0, 1, 1]).encode();
    assert.throws(() => decodeRegion(new Uint8Array([0x71, 0, 0])), /supported: 0x70 ConvexPolygon/);
    assert.throws(() => decodeRegion(new Uint8Array()), InvalidRegionError);
    assert.throws(() => decodeRegion(poly.subarray(0, poly.length - 1)), InvalidRegionError);
    assert.throws(() => decodeRegion(poly.subarray(0, 1 + 48)), /3 or more vertices/);
    const stretched = poly.slice();
    new DataView(stretched.buffer).setFloat64(1, 2, true);
    assert.throws(() => decodeRegion(stretched), /length/);
    assert.throws(() => hexToBytes("70a"), InvalidRegionError);
    assert.throws(() => hexToBytes("zz"), InvalidRegionError);
  });
});

interface Named {
  element: string;
  record: Record<string, unknown>;
  polygon: ConvexPolygon;
}

function load(): Named[] {
  return regionRecords("spatial.yaml").map((r) => ({
    element: r.element,
    record: r.record,
    polygon: decodeRegionHex(r.hex) as ConvexPolygon,
  }));
}

/** Random points inside a polygon (rejection sampling in its bounding circle, oracle test). */
function samplesIn(rand: () => number, p: ConvexPolygon, n: number) {
  const bc = p.boundingCircle();
  const out = [];
  while (out.length < n) {
    const q = randomPointNear(rand, bc.center, bc.openingAngle);
    if (gnomonicContains(p.hull, q)) out.push(q);
  }
  return out;
}

describe("spatial.yaml regions", () => {
  const all = load();
  const skip = all.length === 0 ? "shared peer-data/spatial.yaml not found" : false;
  const of = (element: string) => all.filter((r) => r.element === element);

  test("each visit_detector_region lies within its visit", { skip }, () => {
    const rand = rng(30);
    const visits = new Map(of("visit").map((v) => [v.record["id"], v.polygon]));
    const vdrs = of("visit_detector_region");
    assert.equal(vdrs.length, 8);
    for (const vdr of vdrs) {
      const visit = visits.get(vdr.record["visit"])!;
      assert.ok(vdr.polygon.relate(visit) & WITHIN);
      for (const q of samplesIn(rand, vdr.polygon, 200)) assert.ok(gnomonicContains(visit.hull, q));
    }
  });

  test("patches lie within their tract, contain their centres, and tile it", { skip }, () => {
    const rand = rng(31);
    const tracts = new Map(of("tract").map((t) => [t.record["id"], t.polygon]));
    const patches = of("patch");
    assert.equal(patches.length, 12);
    for (const patch of patches) {
      const tract = tracts.get(patch.record["tract"])!;
      assert.ok(tract.contains(patch.polygon), `tract ${patch.record["tract"]} patch ${patch.record["id"]}`);
      const center = patch.polygon.centroid();
      assert.ok(patch.polygon.contains(center));
      assert.ok(tract.contains(center));
      assert.ok(gnomonicContains(patch.polygon.hull, center));
    }
    for (const [id, tract] of tracts) {
      const own = patches.filter((p) => p.record["tract"] === id);
      assert.equal(own.length, 6);
      for (const q of samplesIn(rand, tract, 500)) {
        assert.ok(
          own.some((p) => p.polygon.contains(q)),
          `a point of tract ${id} is in none of its patches`,
        );
      }
    }
  });

  test("visits overlap exactly the patches that sampling finds", { skip }, () => {
    const rand = rng(32);
    const expected = new Map([
      [1, ["0/0", "0/1", "0/2", "0/3", "0/4"]],
      [2, ["0/4", "0/5", "1/0", "1/1", "1/2"]],
    ]);
    const patches = of("patch");
    for (const visit of of("visit")) {
      const id = visit.record["id"] as number;
      const overlapping = patches
        .filter((p) => visit.polygon.overlaps(p.polygon))
        .map((p) => `${p.record["tract"]}/${p.record["id"]}`)
        .sort();
      assert.deepEqual(overlapping, expected.get(id));
      const sampled = new Set<string>();
      for (const q of samplesIn(rand, visit.polygon, 3000)) {
        for (const p of patches) {
          if (gnomonicContains(p.polygon.hull, q)) sampled.add(`${p.record["tract"]}/${p.record["id"]}`);
        }
      }
      assert.deepEqual([...sampled].sort(), expected.get(id));
    }
  });

  test("htm7 envelopes of the visits hold the pixels of their detector regions' points", { skip }, () => {
    const rand = rng(33);
    const htm = new HtmPixelization(7);
    const visits = new Map(of("visit").map((v) => [v.record["id"], htm.envelope(v.polygon)]));
    for (const vdr of of("visit_detector_region")) {
      const ranges = visits.get(vdr.record["visit"])!;
      for (const q of samplesIn(rand, vdr.polygon, 100)) assert.ok(rangesContain(ranges, htm.index(q)));
    }
  });
});
