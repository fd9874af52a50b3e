/**
 * Every real Exposure fixture reads with all its components, and the values are those its headers
 * and archive tables hold (literal values taken from the files with astropy, and the decoded pixel
 * hashes of EXPECTED.json).
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { ImageFormatError } from "../../src/errors/index.ts";
import { columnValues } from "../../src/image/archive-types.ts";
import { Box2I } from "../../src/image/box.ts";
import { DEFAULT_MASK_PLANES } from "../../src/image/mask-planes.ts";
import { REFERENCE_FLUX_NJY } from "../../src/image/photo-calib.ts";
import { readExposure } from "../../src/image/read-exposure.ts";
import { EXPECTED, sha256BigEndian } from "../support/fixtures.ts";
import {
  CALEXP,
  CALEXP_GZIP,
  CALEXP_RICE,
  EXPOSURE_FIXTURES,
  HSC,
  openFits,
  TICKET,
  VERSION2,
} from "./helpers.ts";

function expectedHashes(file: string): string[] {
  const entry = EXPECTED.find((f) => f.file === file);
  assert.ok(entry, `EXPECTED.json describes ${file}`);
  return entry.hdus.filter((h) => h.sha256_decoded_be !== undefined).map((h) => h.sha256_decoded_be!);
}

describe("every Exposure fixture reads whole, pixels as CFITSIO/astropy decode them", () => {
  for (const file of EXPOSURE_FIXTURES) {
    test(file, async () => {
      const exposure = await readExposure(await openFits(file));
      const hashes = expectedHashes(file);
      assert.equal(sha256BigEndian(exposure.image.array), hashes[0], "image pixels");
      if (hashes.length >= 3) {
        assert.equal(sha256BigEndian(exposure.mask.array), hashes[1], "mask pixels");
        assert.equal(sha256BigEndian(exposure.variance.array), hashes[2], "variance pixels");
      }
      assert.ok(exposure.mask.bbox.equals(exposure.bbox) && exposure.variance.bbox.equals(exposure.bbox));
      assert.ok(exposure.info.visitInfo !== undefined, "afw always has a VisitInfo");
    });
  }
});

describe("the modern calexp (EXPINFO_V = 2)", () => {
  for (const file of [CALEXP, CALEXP_GZIP, CALEXP_RICE]) {
    test(`${file}: components match its header and archive`, async () => {
      const { info, bbox, mask, image } = await readExposure(await openFits(file));
      assert.ok(bbox.equals(Box2I.fromCorners(0, 0, 63, 31)));
      assert.equal(image.pixelType, "float32");
      assert.equal(mask.pixelType, "int32");
      assert.deepEqual(mask.planes.toJSON(), {
        BAD: 0,
        SAT: 1,
        INTRP: 2,
        CR: 3,
        EDGE: 4,
        DETECTED: 5,
        DETECTED_NEGATIVE: 6,
        SUSPECT: 7,
        NO_DATA: 8,
        VIGNETTED: 9,
        STREAK: 10,
        BRIGHT_OBJECT: 11,
        CROSSTALK: 12,
        NOT_DEBLENDED: 13,
        UNMASKEDNAN: 14,
      });

      const v = info.visitInfo!;
      assert.equal(v.exposureTime, 30);
      assert.equal(v.darkTime, 30);
      assert.equal(v.date?.toIso("tai"), "2013-11-02T06:01:31.788500000");
      assert.equal(v.era, 131.73587354355);
      assert.deepEqual(v.boresightRaDec, { ra: 320.249908333333, dec: 0.250025 });
      assert.deepEqual(v.boresightAzAlt, { az: 220.54040256, alt: 65.01202705 });
      assert.equal(v.boresightAirmass, 1.10305078976126);
      assert.equal(v.boresightRotAngle, 270);
      assert.equal(v.rotType, "SKY");
      assert.deepEqual(v.observatory, {
        longitude: -155.476667,
        latitude: 19.825556,
        elevation: 4139.00000000048,
      });
      assert.deepEqual(v.weather, { airTemperature: -0.699999999999989, airPressure: 62160, humidity: 42 });
      assert.equal(v.object, "STRIPE82L");
      assert.equal(v.hasSimulatedContent, false);
      assert.ok(Number.isNaN(v.focusZ) && v.instrumentLabel === "" && v.id === 0);

      assert.equal(info.id, 180802004);
      assert.deepEqual(info.detector, { name: "1_42", serial: "4", id: 4 });
      assert.equal(info.filter?.band, "300");
      assert.equal(info.filter?.physical, "HSC-I");
      assert.equal(info.photoCalib?.calibrationMean, 1.9940875054616918);
      assert.equal(info.photoCalib?.calibrationErr, 0.00034856714373740624);
      assert.equal(info.photoCalib?.isConstant, true);
      assert.equal(info.photoCalib?.fieldId, 247);

      const wcs = info.wcs!;
      assert.deepEqual(wcs.crpix, [1200.73728, 1493.754755], "CRPIX − 1 + xy0");
      assert.deepEqual(wcs.crval, [320.729416266032, -0.32082280660093]);
      assert.equal(wcs.sip?.a[2]?.[0], 5.71179577033349e-6);
      assert.equal(wcs.sip?.bp?.[0]?.[0], 0.0008944281425692);
      assert.equal(wcs.radesys, "ICRS");
      assert.match(wcs.ast ?? "", /^1 SkyWcs 0 {2}Begin FrameSet\n/);

      assert.equal(info.validPolygon?.x.length, 8);
      assert.equal(info.validPolygon?.x[0], -0.5009755066603316);
      assert.ok(Math.abs(info.validPolygon!.y[5]! + 0.5) < 1e-9);
      assert.ok(info.validPolygon!.contains(1000, 1000));
      assert.match(info.summaryStats?.text ?? "", /^astromOffsetMean: \.nan\n/);
      assert.equal(info.summaryStats?.number("psfSigma"), 1);
      assert.ok(Number.isNaN(info.summaryStats?.number("zeroPoint")));

      // Undecoded components are kept as typed archive objects with their rows.
      assert.deepEqual([...info.components.keys()].sort(), [
        "AP_CORR_MAP",
        "COADD_INPUTS",
        "DETECTOR",
        "PSF",
        "TRANSMISSION_CURVE",
      ]);
      const psf = info.psf!;
      assert.equal(psf.name, "GaussianPsf");
      assert.equal(psf.id, 249);
      assert.equal((columnValues(psf.catalogs[0]!, "sigma") as Float64Array)[0], 4);
      const apCorr = info.apCorrMap!;
      assert.equal(apCorr.catalogs[0]?.nrows, 46);
      assert.equal((columnValues(apCorr.catalogs[0]!, "name") as string[])[0], "base_GaussianFlux_instFlux");
      assert.equal(info.coaddInputs?.catalogs.length, 2);
      assert.equal(info.coaddInputs?.catalogs[0]?.nrows, 0);
      assert.equal(info.transmissionCurve?.name, "ProductTransmissionCurve");
      assert.equal(info.detectorObject?.catalogs.length, 2, "the Detector and its amplifiers");
      assert.equal(info.archive.size, 296, "every archive object, nested ones included");

      // The metadata is the primary header minus what other components own.
      const md = info.metadata;
      for (const gone of [
        "SIMPLE",
        "EXPINFO_V",
        "AR_HDU",
        "PSF_ID",
        "ARCHIVE_ID_PSF",
        "EXPTIME",
        "DATE-AVG",
      ]) {
        assert.ok(!md.has(gone), `${gone} is not metadata`);
      }
      for (const gone of ["TIMESYS", "BORE-RA", "HAS-SIMULATED-CONTENT", "EXPID", "DETNAME", "DETSER"]) {
        assert.ok(!md.has(gone), `${gone} is not metadata`);
      }
      assert.equal(md.cards[0]?.key, "UT-STR");
      assert.equal(md.getString("FILTER"), "HSC-I", "the stray raw FILTER key stays metadata in v2 files");
      assert.equal(md.getNumber("ISR_OSCAN_LEVEL0"), 1164.15496826172);
      assert.ok(!md.cards.some((c) => /Flexible Image Transport/.test(c.comment ?? "")));
      assert.ok(md.cards.some((c) => /PARAMETERS FOR HYPER SUPRIME_CAM/.test(c.comment ?? "")));
    });
  }
});

test("an older v2 file without any EXTNAME reads by position and AR_HDU", async () => {
  const fits = await openFits(VERSION2);
  assert.ok(fits.hdus.every((h) => h.extname === undefined));
  const { info, bbox, mask } = await readExposure(fits);
  assert.ok(bbox.equals(Box2I.fromCorners(0, 0, 9, 9)));
  assert.deepEqual(mask.planes.names, DEFAULT_MASK_PLANES.slice(0, 9));
  assert.equal(info.id, 12345);
  assert.deepEqual(info.detector, { name: "detector 1", serial: "xkcd722", id: 1 });
  assert.equal(info.filter?.toString(), 'FilterLabel(band="N656", physical="ha")');
  assert.equal(info.photoCalib?.calibrationMean, 1e6);
  assert.equal(info.photoCalib?.calibrationErr, 2e4);
  const v = info.visitInfo!;
  assert.equal(v.exposureTime, 30);
  assert.equal(v.darkTime, 600);
  assert.equal(v.date?.toIso(), "2020-01-20T12:34:56.000000000");
  assert.equal(v.rotType, "UNKNOWN");
  assert.deepEqual(v.observatory, { longitude: -12.345, latitude: 123.45, elevation: 2000 });
  assert.equal(info.wcs?.hasSip, false);
  assert.deepEqual(info.wcs?.crpix, [4, 4]);
  assert.ok(info.wcs?.ast?.startsWith("1 SkyWcs 0"));
  assert.deepEqual([...info.components.keys()], ["DETECTOR"]);
  assert.equal(info.metadata.length, 0, "every primary key belongs to a component");
});

test("the legacy v0 HSC file: xy0, uint16 mask, FLUXMAG0, TIME-MID, FILTER key, TanWcs archive", async () => {
  const { info, bbox, mask, image } = await readExposure(await openFits(HSC));
  assert.ok(bbox.equals(Box2I.fromCorners(100, 100, 299, 299)), "xy0 from CRVAL1A/2A");
  assert.equal(mask.pixelType, "uint16");
  assert.equal(mask.planes.bitsAvailable, 16);
  assert.equal(mask.planes.getBit("CROSSTALK"), 8);
  assert.equal(mask.planes.getBit("UNMASKEDNAN"), 10);
  assert.equal(image.get(100, 100), image.array[0], "PARENT (100, 100) is the first pixel");
  // TIME-MID is UTC; 1969-12-31T23:59:51.999918240 UTC is exactly 1970-01-01T00:00:00 TAI.
  assert.equal(info.visitInfo?.date?.nsecs, 0n);
  assert.equal(info.visitInfo?.date?.toIso("utc"), "1969-12-31T23:59:51.999918240");
  assert.equal(info.visitInfo?.exposureTime, 0);
  // FLUXMAG0 = 0 converts as afw does: infinite calibration, NaN error.
  assert.equal(info.photoCalib?.calibrationMean, Number.POSITIVE_INFINITY);
  assert.ok(Number.isNaN(info.photoCalib?.calibrationErr));
  assert.equal(info.filter, undefined, "FILTER = '_unknown_' is no filter");
  // The header TAN-SIP agrees with the archived TanWcs, whose crpix is already in PARENT pixels.
  const tanWcs = info.archive.get(info.archiveIds.get("WCS")!)!;
  assert.equal(tanWcs.name, "TanWcs");
  assert.equal(tanWcs.catalogs.length, 2, "main and SIP catalogs");
  const crpix = columnValues(tanWcs.catalogs[0]!, "crpix") as Float64Array;
  assert.ok(
    Math.abs(info.wcs!.crpix[0] - crpix[0]!) < 1e-9 && Math.abs(info.wcs!.crpix[1] - crpix[1]!) < 1e-9,
  );
  assert.equal(info.wcs?.radesys, "FK5");
  assert.equal(info.wcs?.equinox, 2000);
  assert.equal(info.components.size, 0);
  assert.equal(info.metadata.length, 0);
});

test("a tile-compressed single image after an empty primary is the image plane", async () => {
  const exposure = await readExposure(await openFits(TICKET));
  assert.ok(exposure.bbox.equals(Box2I.fromCorners(0, 0, 511, 511)));
  assert.equal(exposure.mask.count(exposure.mask.planes.names), 0, "no mask HDU: an empty mask");
  assert.ok(exposure.variance.array.every((v) => v === 0));
  assert.equal(exposure.info.wcs, undefined);
  assert.equal(exposure.info.metadata.length, 0, "compression and checksum keys are not metadata");
});

test("PhotoCalib conversions follow afw", () => {
  assert.ok(Math.abs(REFERENCE_FLUX_NJY - 3.630780547701e12) < 1e3, "AB zero point in nJy");
});

test("a plane whose EXTTYPE names another plane is refused", async () => {
  const { encodeFits } = await import("../../src/fits/writer.ts");
  const { imageHdu, emptyPrimaryHdu } = await import("../../src/fits/image-hdu.ts");
  const { Header } = await import("../../src/fits/header.ts");
  const { MemorySource } = await import("../../src/bytes/memory-source.ts");
  const header = new Header();
  header.set("EXTTYPE", "MASK");
  const { bytes } = encodeFits([emptyPrimaryHdu(), imageHdu(new Float32Array(4), [2, 2], { header })]);
  const fits = await openFits(new MemorySource(bytes, { key: "mem://bad" }));
  await assert.rejects(readExposure(fits), (e: unknown) => {
    assert.ok(e instanceof ImageFormatError);
    assert.match(e.message, /should hold the image plane .* EXTTYPE is 'MASK'/);
    return true;
  });
});
