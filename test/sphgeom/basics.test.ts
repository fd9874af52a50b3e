import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { InvalidRegionError } from "../../src/errors/index.ts";
import {
  angleBetween,
  LonLat,
  normalizeLongitude,
  orientation,
  TWO_PI,
  toDegrees,
  toRadians,
  UnitVector3d,
  Vector3d,
} from "../../src/sphgeom/index.ts";
import { hasAstropy, runAstropy } from "../support/oracles.ts";
import { haversine, randomPoint, rng } from "./helpers.ts";

describe("angles", () => {
  test("degrees and radians convert both ways", () => {
    assert.equal(toRadians(180), Math.PI);
    assert.equal(toDegrees(Math.PI / 2), 90);
    assert.ok(Math.abs(toDegrees(toRadians(123.456)) - 123.456) < 1e-12);
  });

  test("longitudes normalize into [0, 2π)", () => {
    assert.equal(normalizeLongitude(0), 0);
    assert.equal(normalizeLongitude(TWO_PI), 0);
    assert.ok(Math.abs(normalizeLongitude(-Math.PI / 2) - 1.5 * Math.PI) < 1e-15);
    assert.ok(Math.abs(normalizeLongitude(5 * Math.PI) - Math.PI) < 1e-14);
    const tiny = normalizeLongitude(-1e-300);
    assert.ok(tiny >= 0 && tiny < TWO_PI);
  });
});

describe("LonLat", () => {
  test("normalizes longitude and keeps latitude", () => {
    const ll = LonLat.fromDegrees(-10, 5);
    assert.ok(Math.abs(ll.lonDegrees - 350) < 1e-12);
    assert.ok(Math.abs(ll.latDegrees - 5) < 1e-12);
    assert.ok(Math.abs(LonLat.fromDegrees(370, 0).lonDegrees - 10) < 1e-12);
    assert.equal(LonLat.fromDegrees(0, 90).lat, Math.PI / 2);
    assert.equal(LonLat.fromDegrees(0, -90).lat, -Math.PI / 2);
  });

  test("dec outside ±90° is a typed 'invalid latitude angle' error", () => {
    for (const dec of [90.0001, -91, 180]) {
      assert.throws(
        () => LonLat.fromDegrees(10, dec),
        (err: unknown) =>
          err instanceof InvalidRegionError &&
          err.code === "INVALID_ARGUMENT" &&
          /invalid latitude angle/.test(err.message),
      );
    }
    assert.throws(() => LonLat.fromRadians(0, 2), /invalid latitude angle/);
    assert.throws(() => LonLat.fromDegrees(Number.NaN, 0), InvalidRegionError);
  });

  test("round-trips through unit vectors", () => {
    const rand = rng(1);
    for (let i = 0; i < 500; i++) {
      const lon = rand() * 360;
      const lat = rand() * 180 - 90;
      const back = LonLat.fromVector(LonLat.fromDegrees(lon, lat).toVector());
      assert.ok(Math.abs(back.latDegrees - lat) < 1e-12, `lat ${lat}`);
      if (Math.abs(lat) < 89.9999) {
        const dLon = Math.abs(back.lonDegrees - lon);
        assert.ok(Math.min(dLon, 360 - dLon) < 1e-9, `lon ${lon} -> ${back.lonDegrees}`);
      }
    }
    const v = randomPoint(rand);
    const again = LonLat.fromVector(v).toVector();
    assert.ok(angleBetween(v, again) < 1e-15);
  });

  test("known directions", () => {
    const near = (v: UnitVector3d, x: number, y: number, z: number) =>
      assert.ok(Math.abs(v.x - x) < 1e-15 && Math.abs(v.y - y) < 1e-15 && Math.abs(v.z - z) < 1e-15, `${v}`);
    near(LonLat.fromDegrees(0, 0).toVector(), 1, 0, 0);
    near(LonLat.fromDegrees(90, 0).toVector(), 0, 1, 0);
    near(LonLat.fromDegrees(180, 0).toVector(), -1, 0, 0);
    const pole = LonLat.fromDegrees(123, 90).toVector();
    assert.deepEqual([pole.x, pole.y, pole.z], [0, 0, 1]);
    assert.equal(LonLat.fromVector(UnitVector3d.Z).lon, 0);
  });
});

describe("UnitVector3d", () => {
  test("of() normalizes, rejects zero and non-finite vectors", () => {
    const v = UnitVector3d.of(3, 0, 4);
    assert.ok(Math.abs(v.x - 0.6) < 1e-16 && Math.abs(v.z - 0.8) < 1e-16);
    assert.ok(Math.abs(UnitVector3d.of(1e-200, 1e-200, 0).norm() - 1) < 1e-15);
    assert.ok(Math.abs(UnitVector3d.of(1e200, 1e200, 1e200).norm() - 1) < 1e-15);
    assert.throws(() => UnitVector3d.of(0, 0, 0), InvalidRegionError);
    assert.throws(() => UnitVector3d.of(Number.NaN, 0, 1), InvalidRegionError);
    assert.throws(() => new Vector3d(0, 0, 0).normalize(), InvalidRegionError);
  });

  test("dot, cross, orthogonal", () => {
    const x = UnitVector3d.X;
    const y = UnitVector3d.Y;
    assert.equal(x.dot(y), 0);
    const z = x.cross(y);
    assert.deepEqual([z.x, z.y, z.z], [0, 0, 1]);
    const rand = rng(2);
    for (let i = 0; i < 200; i++) {
      const v = randomPoint(rand);
      const o = v.orthogonal();
      assert.ok(Math.abs(v.dot(o)) < 1e-15);
      assert.ok(Math.abs(o.norm() - 1) < 1e-15);
    }
    for (const axis of [UnitVector3d.X, UnitVector3d.Y, UnitVector3d.Z]) {
      assert.equal(axis.orthogonal().dot(axis), 0);
    }
  });

  test("angleBetween is accurate at tiny and near-π separations", () => {
    const a = UnitVector3d.X;
    for (const t of [1e-12, 1e-8, 0.5, Math.PI - 1e-9]) {
      const b = UnitVector3d.of(Math.cos(t), Math.sin(t), 0);
      assert.ok(Math.abs(angleBetween(a, b) - t) <= 1e-15 * Math.max(1, t) + t * 1e-12, `t=${t}`);
    }
    const rand = rng(3);
    for (let i = 0; i < 200; i++) {
      const p = randomPoint(rand);
      const q = randomPoint(rand);
      assert.ok(Math.abs(angleBetween(p, q) - haversine(p, q)) < 1e-12);
    }
  });
});

describe("orientation", () => {
  const X = UnitVector3d.X;
  const Y = UnitVector3d.Y;
  const Z = UnitVector3d.Z;

  test("counter-clockwise is +1, clockwise −1, coplanar 0", () => {
    assert.equal(orientation(X, Y, Z), 1);
    assert.equal(orientation(Y, X, Z), -1);
    assert.equal(orientation(X, Y, UnitVector3d.of(1, 1, 0)), 0);
    assert.equal(orientation(X, X, Z), 0);
  });

  test("decides signs below floating-point resolution exactly", () => {
    assert.equal(orientation(X, Y, new Vector3d(1, 1, 1e-300)), 1);
    assert.equal(orientation(X, Y, new Vector3d(1, 1, -5e-324)), -1);
    // c = a + b rounded: the exact determinant is the tiny rounding residue, whatever its sign,
    // and every permutation must agree with it.
    const rand = rng(4);
    let nonzero = 0;
    for (let i = 0; i < 300; i++) {
      const a = randomPoint(rand);
      const b = randomPoint(rand);
      const c = new Vector3d(a.x + b.x, a.y + b.y, a.z + b.z);
      const o = orientation(a, b, c);
      if (o !== 0) nonzero++;
      assert.equal(orientation(b, c, a), o);
      assert.equal(orientation(c, a, b), o);
      const flipped = o === 0 ? 0 : -o;
      assert.equal(orientation(b, a, c), flipped);
      assert.equal(orientation(a, c, b), flipped);
      const k = new Vector3d(2 * c.x, 2 * c.y, 2 * c.z); // exact scaling keeps the sign
      assert.equal(orientation(a, b, k), o);
    }
    assert.ok(nonzero > 0, "some residues must be non-zero");
  });

  test("agrees with the plain determinant when that is well conditioned", () => {
    const rand = rng(5);
    for (let i = 0; i < 500; i++) {
      const a = randomPoint(rand);
      const b = randomPoint(rand);
      const c = randomPoint(rand);
      const det = a.dot(b.cross(c));
      if (Math.abs(det) > 1e-10) assert.equal(orientation(a, b, c), Math.sign(det));
    }
  });
});

describe("astropy oracle", () => {
  test("angular separations match SkyCoord.separation", (t) => {
    if (!hasAstropy()) {
      t.skip("astropy is not available to /usr/bin/python3");
      return;
    }
    const rand = rng(6);
    const pairs: [number, number, number, number][] = [];
    for (let i = 0; i < 40; i++) {
      const scale = i < 10 ? 1e-6 : 180;
      const ra = rand() * 360;
      const dec = rand() * 170 - 85;
      pairs.push([
        ra,
        dec,
        ra + (rand() - 0.5) * scale,
        Math.max(-90, Math.min(90, dec + (rand() - 0.5) * scale)),
      ]);
    }
    const seps = runAstropy<number[]>(
      `
import json, sys
import numpy as np
from astropy.coordinates import SkyCoord
import astropy.units as u
p = np.array(json.loads(sys.argv[1]), dtype=float)
a = SkyCoord(p[:, 0] * u.deg, p[:, 1] * u.deg)
b = SkyCoord(p[:, 2] * u.deg, p[:, 3] * u.deg)
out = [float(x) for x in a.separation(b).deg]
print(json.dumps(out))
`,
      [JSON.stringify(pairs)],
    );
    pairs.forEach(([ra1, dec1, ra2, dec2], i) => {
      const ours = toDegrees(
        angleBetween(LonLat.fromDegrees(ra1, dec1).toVector(), LonLat.fromDegrees(ra2, dec2).toVector()),
      );
      assert.ok(Math.abs(ours - seps[i]!) < 1e-9, `pair ${i}: ${ours} vs ${seps[i]}`);
    });
  });
});
