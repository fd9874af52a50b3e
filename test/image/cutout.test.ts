/**
 * Cutouts: a bbox read (PARENT or LOCAL origin) equals the same slice of a full read, for plain and
 * tile-compressed planes and for an image with xy0 ≠ 0; the plane headers move to the cutout's grid
 * (CRPIX, LTV, A-WCS) so that their WCS still describes the same sky.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { InvalidArgumentError } from "../../src/errors/index.ts";
import { Box2I } from "../../src/image/box.ts";
import { readImagePlane } from "../../src/image/component-readers.ts";
import { readXy0 } from "../../src/image/pixel-origin.ts";
import { Extent2I } from "../../src/image/point.ts";
import { readExposure } from "../../src/image/read-exposure.ts";
import { readSkyWcs } from "../../src/image/wcs-header.ts";
import { CALEXP, CALEXP_GZIP, CALEXP_RICE, HSC, openFits, TICKET, VERSION2 } from "./helpers.ts";

const CASES: [string, (full: Box2I) => Box2I][] = [
  [CALEXP, () => Box2I.fromCorners(5, 3, 40, 29)],
  [CALEXP_GZIP, () => Box2I.fromCorners(0, 10, 63, 10)],
  [CALEXP_RICE, () => Box2I.fromCorners(33, 0, 63, 31)],
  [VERSION2, () => Box2I.fromCorners(9, 9, 9, 9)],
  [HSC, () => Box2I.fromCorners(150, 120, 237, 260)],
  ["derived/HSC-small-fpack-gzip2-tiles64x50.fits", () => Box2I.fromCorners(163, 149, 299, 201)],
  [TICKET, () => Box2I.fromCorners(100, 200, 355, 201)],
];

describe("cutouts equal the same slice of a full read", () => {
  for (const [file, boxOf] of CASES) {
    test(file, async () => {
      const fits = await openFits(file);
      const full = await readExposure(fits);
      const box = boxOf(full.bbox);
      const expected = full.maskedImage.subset(box);
      const parent = await readExposure(fits, { bbox: box });
      assert.ok(parent.bbox.equals(box), "the cutout's bbox is in PARENT coordinates");
      assert.ok(parent.maskedImage.equals(expected), "PARENT cutout");
      const local = box.shift(new Extent2I(-full.bbox.minX, -full.bbox.minY));
      const viaLocal = await readExposure(fits, { bbox: local, origin: "LOCAL" });
      assert.ok(viaLocal.bbox.equals(box));
      assert.ok(viaLocal.maskedImage.equals(expected), "LOCAL cutout");
      assert.ok(parent.info.equals(full.info), "the ExposureInfo does not depend on the cutout");
    });
  }
});

test("the cutout's plane headers are moved to its grid and describe the same sky", async () => {
  const fits = await openFits(HSC);
  const box = Box2I.fromCorners(150, 120, 237, 260);
  const full = await readImagePlane(fits, "image");
  const cut = await readImagePlane(fits, "image", { bbox: box });
  const h = cut.header!;
  assert.equal(h.getNumber("CRPIX1"), full.header!.getNumber("CRPIX1")! - 50);
  assert.equal(h.getNumber("CRPIX2"), full.header!.getNumber("CRPIX2")! - 20);
  assert.equal(h.getNumber("LTV1"), -150);
  assert.equal(h.getNumber("LTV2"), -120);
  assert.equal(h.getNumber("CRVAL1A"), 150);
  assert.equal(h.getNumber("CRVAL2A"), 120);
  assert.ok(readXy0(h).equals(box.minimum));
  assert.ok(!h.has("NAXIS1") && !h.has("BITPIX"), "structural keys are not kept");
  const fromCut = readSkyWcs(h, readXy0(h))!;
  const fromFull = readSkyWcs(full.header!, readXy0(full.header!))!;
  for (const [x, y] of [
    [150, 120],
    [237, 260],
    [200.5, 199.25],
  ]) {
    const a = fromCut.pixelToSky(x!, y!);
    const b = fromFull.pixelToSky(x!, y!);
    assert.ok(Math.abs(a.ra - b.ra) < 1e-12 && Math.abs(a.dec - b.dec) < 1e-12);
  }
});

test("a mask cutout keeps its plane dictionary", async () => {
  const fits = await openFits(CALEXP_GZIP);
  const mask = await readImagePlane(fits, "mask", { bbox: Box2I.fromCorners(0, 0, 3, 3) });
  assert.equal(mask.planes.getBit("UNMASKEDNAN"), 14);
  assert.equal(mask.array.length, 16);
});

test("boxes outside the image are refused, naming the coordinates used", async () => {
  const fits = await openFits(HSC);
  await assert.rejects(
    readExposure(fits, { bbox: Box2I.fromCorners(0, 0, 10, 10) }),
    (e: unknown) => e instanceof InvalidArgumentError && /given as PARENT.*not inside/.test(e.message),
  );
  await assert.rejects(
    readExposure(fits, { bbox: Box2I.fromCorners(150, 150, 210, 210), origin: "LOCAL" }),
    (e: unknown) => e instanceof InvalidArgumentError && /given as LOCAL/.test(e.message),
  );
  await assert.rejects(readImagePlane(await openFits(TICKET), "variance"), /no variance plane/);
});
