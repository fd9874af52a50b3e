import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { InvalidRegionError } from "../../src/errors/index.ts";
import { Box, Circle, ConvexPolygon, LonLat, POS_FORMS, parsePosRegion } from "../../src/sphgeom/index.ts";

const ll = (lon: number, lat: number) => LonLat.fromDegrees(lon, lat).toVector();

describe("IVOA SIAv2 POS strings", () => {
  test("CIRCLE ra dec r", () => {
    const c = parsePosRegion("CIRCLE 12.5 -30 0.25");
    assert.ok(c instanceof Circle);
    assert.ok(Math.abs(LonLat.fromVector(c.center).lonDegrees - 12.5) < 1e-12);
    assert.ok(Math.abs(LonLat.fromVector(c.center).latDegrees + 30) < 1e-12);
    assert.ok(Math.abs((c.openingAngle * 180) / Math.PI - 0.25) < 1e-12);
    assert.ok(parsePosRegion("  circle\t1e1  +2.  .5 ") instanceof Circle);
  });

  test("RANGE lon1 lon2 lat1 lat2, with unbounded sides", () => {
    const b = parsePosRegion("RANGE 10 20 -5 5");
    assert.ok(b instanceof Box);
    assert.ok(b.contains(ll(15, 0)) && !b.contains(ll(25, 0)) && !b.contains(ll(15, 6)));
    const band = parsePosRegion("RANGE 0 360 -2 2") as Box;
    assert.ok(band.isFullLongitude() && band.contains(ll(200, 1)));
    const polar = parsePosRegion("RANGE -Inf +Inf 89 +Inf") as Box;
    assert.ok(polar.isFullLongitude());
    assert.equal(polar.latMax, Math.PI / 2);
    assert.ok(polar.contains(ll(77, 89.5)));
    const wrap = parsePosRegion("RANGE 350 10 0 1") as Box;
    assert.ok(wrap.contains(ll(0, 0.5)) && !wrap.contains(ll(180, 0.5)));
  });

  test("POLYGON vertices in any order give the same convex hull", () => {
    const a = parsePosRegion("POLYGON 10 0 20 0 20 10 10 10");
    const b = parsePosRegion("POLYGON 20 10 10 0 10 10 20 0");
    assert.ok(a instanceof ConvexPolygon && b instanceof ConvexPolygon);
    assert.equal(a.relate(b), b.relate(a));
    assert.ok(a.contains(b) && b.contains(a));
    assert.ok(a.contains(ll(15, 5)));
  });

  test("malformed strings are InvalidRegionErrors listing the accepted forms", () => {
    const bad = [
      "",
      "CIRCLE 1 2",
      "CIRCLE a b c",
      "CIRCLE 1 2 3 4",
      "RANGE 1 2 3",
      "RANGE 0 10 5 1",
      "RANGE +Inf 10 0 1",
      "POLYGON 1 2 3 4",
      "POLYGON 1 2 3 4 5",
      "ELLIPSE 1 2 3 4 5",
      "CIRCLE Inf 0 1",
    ];
    for (const pos of bad) {
      assert.throws(
        () => parsePosRegion(pos),
        (err: unknown) =>
          err instanceof InvalidRegionError &&
          err.kind === "pos" &&
          POS_FORMS.every((form) => err.message.includes(form)),
        pos,
      );
    }
    assert.throws(() => parsePosRegion("CIRCLE 0 95 1"), /invalid latitude angle/);
    assert.throws(() => parsePosRegion("RANGE 0 10 -95 0"), /invalid latitude angle/);
    assert.throws(() => parsePosRegion("POLYGON 0 0 10 0 20 0"), InvalidRegionError);
  });
});
