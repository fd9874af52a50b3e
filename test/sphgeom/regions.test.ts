import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { InvalidRegionError } from "../../src/errors/index.ts";
import {
  Box,
  Circle,
  CONTAINS,
  ConvexPolygon,
  capsIntersect,
  DISJOINT,
  describeRelationship,
  INTERSECTS,
  invertRelationship,
  LonLat,
  orientation,
  relateByCaps,
  UnitVector3d,
  WITHIN,
} from "../../src/sphgeom/index.ts";
import {
  DEG,
  oracleContains,
  randomBox,
  randomCircle,
  randomPoint,
  randomPointNear,
  randomPolygon,
  rng,
  shuffle,
} from "./helpers.ts";

const ll = (lon: number, lat: number) => LonLat.fromDegrees(lon, lat).toVector();

describe("Circle", () => {
  test("contains points just inside and not just outside its radius", () => {
    const c = Circle.fromDegrees(30, -20, 2);
    const rand = rng(10);
    for (let i = 0; i < 200; i++) {
      const dir = c.center.orthogonal();
      const axis = c.center.cross(dir).normalize();
      const phi = rand() * 2 * Math.PI;
      const t = UnitVector3d.of(
        Math.cos(phi) * dir.x + Math.sin(phi) * axis.x,
        Math.cos(phi) * dir.y + Math.sin(phi) * axis.y,
        Math.cos(phi) * dir.z + Math.sin(phi) * axis.z,
      );
      const at = (r: number) =>
        UnitVector3d.of(
          Math.cos(r) * c.center.x + Math.sin(r) * t.x,
          Math.cos(r) * c.center.y + Math.sin(r) * t.y,
          Math.cos(r) * c.center.z + Math.sin(r) * t.z,
        );
      assert.ok(c.contains(at(2 * DEG * (1 - 1e-9))));
      assert.ok(!c.contains(at(2 * DEG * (1 + 1e-9))));
    }
    assert.ok(c.contains(c.center));
  });

  test("full, zero-radius and invalid circles", () => {
    assert.ok(Circle.full().contains(ll(1, 2)));
    assert.ok(new Circle(UnitVector3d.X, 4).isFull());
    const point = new Circle(UnitVector3d.X, 0);
    assert.ok(point.contains(UnitVector3d.X));
    assert.ok(!point.contains(ll(1e-6, 0)));
    assert.throws(() => Circle.fromDegrees(0, 0, -1), InvalidRegionError);
    assert.throws(() => Circle.fromDegrees(0, 95, 1), /invalid latitude angle/);
  });
});

describe("ConvexPolygon", () => {
  const square = ConvexPolygon.fromLonLatDegrees([10, -5, 20, -5, 20, 5, 10, 5]);

  test("contains interior points, its boundary and vertices, not exterior points", () => {
    assert.ok(square.contains(ll(15, 0)));
    assert.ok(square.contains(ll(10.000001, 0)));
    for (const v of square.hull) assert.ok(square.contains(v));
    assert.ok(!square.contains(ll(9.999, 0)));
    assert.ok(!square.contains(ll(15, 5.1)));
    assert.ok(!square.contains(ll(195, 0))); // antipodal side
    // The top edge is a great circle: it bulges poleward of latitude 5° between the corners, to
    // atan(tan 5° / cos 5°) = 5.019° at longitude 15°.
    assert.ok(square.contains(ll(15, 5.018)));
    assert.ok(!square.contains(ll(15, 5.02)));
  });

  test("convexHull ignores input order, interior points and duplicates", () => {
    const rand = rng(11);
    for (let trial = 0; trial < 50; trial++) {
      const center = randomPoint(rand);
      const pts: UnitVector3d[] = [];
      for (let i = 0; i < 12; i++) pts.push(randomPointNear(rand, center, 0.3));
      const reference = ConvexPolygon.convexHull(pts);
      const key = (p: ConvexPolygon) => canonicalCycle(p.hull.map((v) => `${v.x},${v.y},${v.z}`));
      for (let k = 0; k < 4; k++) {
        const shuffled = shuffle(rand, [...pts, pts[0]!, pts[3]!]);
        assert.deepEqual(key(ConvexPolygon.convexHull(shuffled)), key(reference));
      }
      // Hull vertices turn left everywhere; every input point is inside.
      const h = reference.hull;
      for (let i = 0; i < h.length; i++)
        assert.equal(orientation(h[i]!, h[(i + 1) % h.length]!, h[(i + 2) % h.length]!), 1);
      for (const p of pts) assert.ok(reference.contains(p));
    }
  });

  test("convexHull drops points in the middle of an edge", () => {
    const p = ConvexPolygon.convexHull([ll(0, 0), ll(10, 0), ll(5, 0), ll(10, 10), ll(0, 10)]);
    assert.equal(p.hull.length, 4);
  });

  test("degenerate inputs are InvalidRegionErrors", () => {
    assert.throws(() => ConvexPolygon.convexHull([ll(0, 0), ll(1, 1)]), InvalidRegionError);
    assert.throws(() => ConvexPolygon.convexHull([ll(0, 0), ll(10, 0), ll(20, 0)]), /collinear/);
    assert.throws(
      () => ConvexPolygon.convexHull([ll(0, 0), ll(120, 0), ll(240, 0), ll(0, 10)]),
      /hemisphere/,
    );
    assert.throws(() => ConvexPolygon.fromLonLatDegrees([0, 0, 1, 1, 2]), InvalidRegionError);
  });

  test("fromVertices keeps counter-clockwise input and rejects clockwise input", () => {
    const ccw = [ll(0, 0), ll(10, 0), ll(10, 10), ll(0, 10)];
    const p = ConvexPolygon.fromVertices(ccw);
    assert.equal(p.vertices.length, 4);
    assert.ok(p.contains(ll(5, 5)));
    assert.throws(() => ConvexPolygon.fromVertices([...ccw].reverse()), /counter-clockwise/);
  });

  test("bounding circle contains the polygon", () => {
    const rand = rng(12);
    for (let i = 0; i < 30; i++) {
      const p = randomPolygon(rand, randomPoint(rand), 0.5);
      const bc = p.boundingCircle();
      assert.ok(bc.contains(p));
      for (let k = 0; k < 50; k++) {
        const q = randomPointNear(rand, p.centroid(), 0.6);
        if (p.contains(q)) assert.ok(bc.contains(q));
      }
    }
  });
});

describe("Box", () => {
  test("fromCenterSize uses full extents and wraps through longitude 0", () => {
    const b = Box.fromCenterSize(0, 0, 20, 10);
    assert.ok(Math.abs(b.lonMin / DEG - 350) < 1e-9);
    assert.ok(Math.abs(b.lonMax / DEG - 10) < 1e-9);
    assert.ok(Math.abs(b.latMin / DEG + 5) < 1e-12 && Math.abs(b.latMax / DEG - 5) < 1e-12);
    assert.ok(b.contains(ll(355, 0)) && b.contains(ll(5, 4.9)) && b.contains(ll(0, 0)));
    assert.ok(!b.contains(ll(15, 0)) && !b.contains(ll(0, 5.1)) && !b.contains(ll(180, 0)));
  });

  test("clips at the poles, full longitude, validation", () => {
    const cap = Box.fromCenterSize(0, 88, 10, 10);
    assert.equal(cap.latMax, Math.PI / 2);
    assert.ok(cap.contains(UnitVector3d.Z));
    assert.ok(Box.fromCenterSize(0, 0, 400, 2).isFullLongitude());
    assert.ok(Box.fromCenterSize(0, 0, 400, 2).contains(ll(200, 0.5)));
    assert.throws(() => Box.fromCenterSize(0, 91, 1, 1), /invalid latitude angle/);
    assert.throws(() => Box.fromCenterSize(0, 0, -1, 1), InvalidRegionError);
    assert.throws(() => Box.fromDegrees(0, 10, 5, 4), InvalidRegionError);
  });

  test("a wide box (over 180° of longitude) is handled in two pieces", () => {
    const wide = Box.fromDegrees(10, 300, -10, 10);
    assert.equal(wide.capPieces().length, 2);
    assert.ok(wide.contains(ll(200, 0)) && !wide.contains(ll(330, 0)));
    assert.ok(wide.overlaps(Circle.fromDegrees(200, 0, 1)));
    assert.ok(wide.isDisjointFrom(Circle.fromDegrees(330, 0, 1)));
    assert.ok(wide.contains(Circle.fromDegrees(150, 0, 5)));
  });

  test("bounding circle contains the box", () => {
    const rand = rng(13);
    for (let i = 0; i < 40; i++) {
      const b = randomBox(rand, randomPoint(rand), rand() * 2);
      const bc = b.boundingCircle();
      for (let k = 0; k < 100; k++) {
        const q = randomPoint(rand);
        if (b.contains(q)) assert.ok(bc.contains(q), `${b} ${bc}`);
      }
    }
  });
});

describe("caps", () => {
  test("intersection of caps", () => {
    const north = { n: UnitVector3d.Z, d: 0 };
    const south = { n: UnitVector3d.of(0, 0, -1), d: 0 };
    assert.ok(capsIntersect([north, south])); // the equator
    assert.ok(!capsIntersect([north, { n: UnitVector3d.of(0, 0, -1), d: 0.01 }]));
    assert.ok(capsIntersect([]));
    const smallA = { n: UnitVector3d.X, d: Math.cos(0.1) };
    const smallB = { n: UnitVector3d.of(Math.cos(0.15), Math.sin(0.15), 0), d: Math.cos(0.1) };
    const smallC = { n: UnitVector3d.of(Math.cos(0.25), Math.sin(0.25), 0), d: Math.cos(0.1) };
    assert.ok(capsIntersect([smallA, smallB]));
    assert.ok(!capsIntersect([smallA, smallC]));
  });
});

type AnyRegion = Circle | ConvexPolygon | Box;

function randomRegion(rand: () => number, center: UnitVector3d, size: number): AnyRegion {
  const k = rand();
  if (k < 0.4) return randomPolygon(rand, center, size);
  if (k < 0.75) return randomCircle(rand, center, size);
  return randomBox(rand, center, size);
}

describe("relate agrees with brute-force sampling", () => {
  test("random pairs of circles, polygons and boxes", (t) => {
    const rand = rng(20);
    let witnessed = 0;
    let unwitnessed = 0;
    let containsSeen = 0;
    for (let trial = 0; trial < 300; trial++) {
      const c1 = randomPoint(rand);
      const size = rand() < 0.2 ? 0.8 : 0.1;
      const a = randomRegion(rand, c1, size);
      // A third of the pairs are a small region near the other's centre, to exercise containment.
      const b =
        trial % 3 === 0
          ? randomRegion(rand, randomPointNear(rand, c1, 0.2 * size), 0.3 * size)
          : randomRegion(rand, randomPointNear(rand, c1, 1.5 * size), size);
      const rel = a.relate(b);
      if (b.relate(a) !== invertRelationship(rel)) assert.fail(`relate is not symmetric for ${a} and ${b}`);
      assert.equal(a.isDisjointFrom(b), (rel & DISJOINT) !== 0);
      assert.equal(a.overlaps(b), (rel & INTERSECTS) !== 0);
      assert.equal(a.contains(b), (rel & CONTAINS) !== 0);
      assert.equal(a.isWithin(b), (rel & WITHIN) !== 0);
      if (rel & CONTAINS) containsSeen++;
      // Sample the union of the two bounding circles.
      const ba = a.boundingCircle();
      const bb = b.boundingCircle();
      let { both, aNotB, bNotA } = sampleRelation(rand, a, b, [ba, bb], 300, true);
      if (rel & INTERSECTS && both === 0) {
        // A thin overlap: look harder inside the smaller bounding circle.
        both = sampleRelation(rand, a, b, [ba.openingAngle < bb.openingAngle ? ba : bb], 20000, false).both;
      }
      const what = `${a} vs ${b}: ${describeRelationship(rel)} (both ${both}, aNotB ${aNotB}, bNotA ${bNotA})`;
      if (both > 0) assert.ok(rel & INTERSECTS, what);
      if (rel & CONTAINS) assert.equal(bNotA, 0, what);
      if (rel & WITHIN) assert.equal(aNotB, 0, what);
      if (rel & INTERSECTS) {
        if (both > 0) witnessed++;
        else unwitnessed++;
      }
    }
    t.diagnostic(
      `relate vs sampling: ${witnessed} witnessed overlaps, ${unwitnessed} unwitnessed, ${containsSeen} containments`,
    );
    assert.ok(witnessed > 80, `witnessed ${witnessed}`);
    assert.ok(unwitnessed <= 2, `unwitnessed ${unwitnessed} of ${witnessed}`);
    assert.ok(containsSeen > 25, `containment seen ${containsSeen}`);
  });

  test("wide, wrapping and polar boxes", () => {
    const rand = rng(22);
    const boxes = [
      Box.fromDegrees(10, 300, -10, 10), // 290° of longitude: two cap pieces
      Box.fromDegrees(300, 20, -30, -5), // wraps through 0
      Box.fromDegrees(0, 360, 70, 90), // polar cap
      Box.fromDegrees(0, 360, -3, 3), // equatorial band
      Box.fromDegrees(100, 280, -90, -60), // half a polar cap
    ];
    for (const box of boxes) {
      const bc = box.boundingCircle();
      for (let trial = 0; trial < 40; trial++) {
        const center = randomPointNear(rand, bc.center, Math.min(Math.PI, bc.openingAngle + 0.2));
        const other = trial % 2 === 0 ? randomPolygon(rand, center, 0.2) : randomCircle(rand, center, 0.2);
        const rel = box.relate(other);
        const ob = other.boundingCircle();
        let { both, bNotA } = sampleRelation(rand, box, other, [ob], 400, true);
        if (rel & INTERSECTS && both === 0) both = sampleRelation(rand, box, other, [ob], 20000, false).both;
        const what = `${box} vs ${other}: ${describeRelationship(rel)} (both ${both}, in other only ${bNotA})`;
        assert.equal(both > 0, (rel & INTERSECTS) !== 0, what);
        if (rel & CONTAINS) assert.equal(bNotA, 0, what);
      }
    }
  });

  test("the exact polygon and circle paths agree with the generic cap path", () => {
    const rand = rng(21);
    let disagreements = 0;
    for (let trial = 0; trial < 300; trial++) {
      const c1 = randomPoint(rand);
      const pick = (c: UnitVector3d) =>
        rand() < 0.5 ? randomPolygon(rand, c, 0.2) : randomCircle(rand, c, 0.2);
      const a = pick(c1);
      const b = pick(randomPointNear(rand, c1, 0.5));
      if (a.relate(b) !== relateByCaps(a, b)) disagreements++;
    }
    assert.equal(disagreements, 0);
  });

  test("touching and nested shapes", () => {
    const left = ConvexPolygon.fromLonLatDegrees([0, 0, 10, 0, 10, 10, 0, 10]);
    const right = ConvexPolygon.fromLonLatDegrees([10, 0, 20, 0, 20, 10, 10, 10]);
    assert.ok(left.overlaps(right)); // closed sets sharing an edge
    const inner = ConvexPolygon.fromLonLatDegrees([2, 2, 8, 2, 8, 8, 2, 8]);
    assert.equal(left.relate(inner), INTERSECTS | CONTAINS);
    assert.equal(left.relate(left), INTERSECTS | CONTAINS | WITHIN);
    assert.ok(left.contains(Circle.fromDegrees(5, 5, 1)));
    assert.ok(!left.contains(Circle.fromDegrees(5, 5, 6)));
    assert.ok(Circle.fromDegrees(5, 5, 20).contains(left));
    // Caps wider than a hemisphere: contained iff the polygon misses the small complementary cap.
    assert.ok(Circle.fromDegrees(5, 5, 170).contains(left));
    assert.ok(!Circle.fromDegrees(185, -5, 175).contains(left));
    assert.equal(Circle.fromDegrees(0, 0, 1).relate(Circle.fromDegrees(3, 0, 1)), DISJOINT);
    assert.equal(Circle.fromDegrees(0, 0, 3).relate(Circle.fromDegrees(1, 0, 1)), INTERSECTS | CONTAINS);
    assert.ok(Box.fromDegrees(0, 10, 0, 10).contains(inner));
    assert.ok(Box.fromDegrees(-1, 11, -1, 11).contains(left));
    assert.ok(!Box.fromDegrees(0, 10, 0, 10).contains(left)); // the top edge bulges past latitude 10°
  });
});

/** Counts of oracle-tested sample points in both regions, in a only, in b only. */
function sampleRelation(
  rand: () => number,
  a: AnyRegion,
  b: AnyRegion,
  sources: readonly Circle[],
  n: number,
  checkContains: boolean,
): { both: number; aNotB: number; bNotA: number } {
  let both = 0;
  let aNotB = 0;
  let bNotA = 0;
  for (let k = 0; k < n; k++) {
    const src = sources[k % sources.length]!;
    const p = randomPointNear(rand, src.center, Math.min(src.openingAngle, Math.PI));
    const inA = oracleContains(a, p);
    const inB = oracleContains(b, p);
    if (checkContains && a.contains(p) !== inA)
      assert.fail(`contains(${p}) disagrees with the oracle for ${a}`);
    if (inA && inB) both++;
    else if (inA) aNotB++;
    else if (inB) bNotA++;
  }
  return { both, aNotB, bNotA };
}

function canonicalCycle(keys: string[]): string[] {
  let best = 0;
  for (let i = 1; i < keys.length; i++) if (keys[i]! < keys[best]!) best = i;
  return [...keys.slice(best), ...keys.slice(0, best)];
}
