/**
 * Writing in afw's layout: every fixture read → written → read back equals the original (pixels,
 * every component, archive objects row for row with their ids); the files pass `fitsverify -e` and
 * astropy decodes the same pixels and keys; changed components are re-encoded and new ones added.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { FileSource } from "../../src/bytes/file-source.ts";
import { FitsFile } from "../../src/fits/fits-file.ts";
import { writeFits } from "../../src/fits/writer.ts";
import { ArchiveReader } from "../../src/image/archive.ts";
import { ArchiveSchema, archiveObjectsEqual } from "../../src/image/archive-types.ts";
import { encodeArchive } from "../../src/image/archive-write.ts";
import { Box2I } from "../../src/image/box.ts";
import { Exposure } from "../../src/image/exposure.ts";
import { ExposureInfo } from "../../src/image/exposure-info.ts";
import { FilterLabel } from "../../src/image/filter-label.ts";
import { Image } from "../../src/image/image.ts";
import { Mask } from "../../src/image/mask.ts";
import { MaskPlaneDict } from "../../src/image/mask-planes.ts";
import { MaskedImage } from "../../src/image/masked-image.ts";
import { PhotoCalib } from "../../src/image/photo-calib.ts";
import { Polygon } from "../../src/image/polygon.ts";
import { readExposure } from "../../src/image/read-exposure.ts";
import { SkyWcs } from "../../src/image/sky-wcs.ts";
import { VisitInfo } from "../../src/image/visit-info.ts";
import { type WriteExposureOptions, writeExposure } from "../../src/image/write-exposure.ts";
import { DateTime } from "../../src/time/date-time.ts";
import { sha256BigEndian } from "../support/fixtures.ts";
import { fitsverify, fitsverifyPath, hasAstropy, runAstropy } from "../support/oracles.ts";
import { CALEXP, EXPOSURE_FIXTURES, HSC, openFits, VERSION2 } from "./helpers.ts";

const dir = mkdtempSync(join(tmpdir(), "butler-image-write-"));
after(() => rmSync(dir, { recursive: true, force: true }));

let counter = 0;
const written: { file: string; source: string; exposure: Exposure }[] = [];

async function roundTrip(
  exposure: Exposure,
  options: WriteExposureOptions = {},
): Promise<{ path: string; back: Exposure; fits: FitsFile }> {
  const path = join(dir, `exposure-${counter++}.fits`);
  await writeFits(path, writeExposure(exposure, options));
  const fits = await openFits(new FileSource(path));
  return { path, back: await readExposure(fits), fits };
}

describe("read → write → read gives the same Exposure", () => {
  for (const file of EXPOSURE_FIXTURES) {
    for (const compression of ["GZIP_2", "none"] as const) {
      test(`${file} (${compression})`, async () => {
        const original = await readExposure(await openFits(file));
        const { path, back } = await roundTrip(original, { compression });
        written.push({ file: path, source: file, exposure: original });
        assert.ok(back.maskedImage.equals(original.maskedImage), "pixels, boxes, mask planes");
        assert.ok(back.info.equals(original.info), "every component");
        for (const [id, object] of original.info.archive) {
          const copy = back.info.archive.get(id);
          assert.ok(
            copy !== undefined && archiveObjectsEqual(object, copy),
            `archive object ${id} row for row`,
          );
        }
        for (const [key, id] of original.info.archiveIds) {
          if (key !== "WCS") assert.equal(back.info.archiveIds.get(key), id, `${key} keeps archive id ${id}`);
        }
      });
    }
  }
});

test("the written layout is afw's", async () => {
  const original = await readExposure(await openFits(CALEXP));
  const { fits } = await roundTrip(original);
  const primary = fits.header(0);
  assert.equal(fits.hdus[0]!.naxis.length, 0);
  assert.equal(primary.getInteger("EXPINFO_V"), 2);
  assert.equal(primary.getInteger("AR_HDU"), 5);
  assert.equal(primary.getInteger("ARCHIVE_ID_PSF"), 249);
  assert.equal(primary.getInteger("PSF_ID"), 249);
  assert.equal(primary.getInteger("EXPID"), 180802004);
  assert.equal(primary.getString("DATE-AVG"), "2013-11-02T06:01:31.788500000");
  assert.equal(primary.getString("TIMESYS"), "TAI");
  assert.equal(primary.getBoolean("HAS-SIMULATED-CONTENT"), false);
  assert.equal(primary.getString("DETNAME"), "1_42");
  assert.ok(!primary.has("EXTNAME"));
  ["IMAGE", "MASK", "VARIANCE"].forEach((name, i) => {
    const hdu = fits.hdus[i + 1]!;
    const h = fits.header(i + 1);
    assert.equal(hdu.kind, "compressed_image");
    assert.equal(hdu.compression?.algorithm, "GZIP_2");
    assert.deepEqual(hdu.compression?.tile, [64, 1], "row tiles");
    assert.equal(hdu.extname, name);
    assert.equal(hdu.exttype, name);
    assert.equal(h.getBoolean("INHERIT"), true);
    assert.equal(h.getString("CTYPE1A"), "LINEAR");
    assert.equal(h.getNumber("CRVAL1A"), 0);
    assert.equal(h.getNumber("LTV1"), 0);
    assert.equal(h.getString("CTYPE1"), "RA---TAN-SIP");
    assert.equal(h.getNumber("CRPIX1"), 1201.73728);
  });
  assert.equal(fits.header(2).getInteger("MP_UNMASKEDNAN"), 14);
  const index = fits.header(4);
  assert.equal(index.getString("EXTTYPE"), "ARCHIVE_INDEX");
  assert.equal(index.getInteger("AR_NCAT"), fits.hdus.length - 4);
  for (let i = 5; i < fits.hdus.length; i++) {
    const h = fits.header(i);
    assert.equal(h.getString("EXTTYPE"), "ARCHIVE_DATA");
    assert.equal(h.getInteger("AR_CATN"), i - 4);
  }
  // The summary statistics share their table with the TransformPoint2ToPoint2 objects, as afw writes.
  const shared = fits.hdus.findIndex((h) =>
    fits.header(h.index).getAll("AR_NAME").includes("ExposureSummaryStats"),
  );
  assert.deepEqual(fits.header(shared).getAll("AR_NAME"), [
    "ExposureSummaryStats",
    "TransformPoint2ToPoint2",
  ]);
  assert.equal(fits.hdus[shared]!.extname, "TransformPoint2ToPoint2");
  const cheb = fits.hdus.filter((h) => h.extname === "ChebyshevBoundedField").map((h) => h.extver);
  assert.deepEqual(cheb, [1, 2], "a repeated EXTNAME gets EXTVER");
});

test("changed and new components are encoded; the rest is kept", async () => {
  const original = await readExposure(await openFits(VERSION2));
  original.info.photoCalib = new PhotoCalib({ calibrationMean: 2.5, calibrationErr: 0.1 });
  original.info.filter = new FilterLabel({ band: "r" });
  const { back } = await roundTrip(original, { compression: "none" });
  assert.equal(back.info.photoCalib?.calibrationMean, 2.5);
  assert.equal(back.info.photoCalib?.calibrationErr, 0.1);
  assert.equal(back.info.filter?.toString(), 'FilterLabel(band="r")');
  assert.equal(back.info.archiveIds.get("PHOTOCALIB"), 2, "a changed component keeps its id");
  assert.equal(back.info.archiveIds.get("FILTER"), 9);
  assert.ok(
    archiveObjectsEqual(back.info.archive.get(4)!, original.info.archive.get(4)!),
    "the Detector is untouched",
  );
});

test("a legacy v0 file is written as v2: PhotoCalib and its bounded field archived, FILTER gone", async () => {
  const original = await readExposure(await openFits(HSC));
  const { fits, back } = await roundTrip(original);
  assert.equal(fits.header(0).getInteger("EXPINFO_V"), 2);
  assert.ok(!fits.header(0).has("FLUXMAG0") && !fits.header(0).has("TIME-MID"));
  assert.equal(fits.header(0).getString("DATE-AVG"), "1970-01-01T00:00:00.000000000");
  const archive = (await ArchiveReader.open(fits))!;
  const photoCalibId = back.info.archiveIds.get("PHOTOCALIB")!;
  assert.equal(archive.nameOf(photoCalibId), "PhotoCalib");
  assert.equal(back.info.photoCalib?.calibrationMean, Number.POSITIVE_INFINITY);
  assert.equal(archive.nameOf(back.info.photoCalib!.fieldId!), "ChebyshevBoundedField");
  assert.equal(archive.nameOf(1), "TanWcs", "the legacy TanWcs object survives");
  assert.equal(back.mask.pixelType, "uint16", "the legacy mask type is kept");
  assert.ok(back.bbox.equals(original.bbox));
});

test("the archive writer: objects without catalogs, shared schemas, ids checked", () => {
  const schema = new ArchiveSchema([{ name: "value", format: "1D" }]);
  const hdus = encodeArchive([
    { id: 1, name: "Empty", module: "m", catalogs: [] },
    { id: 2, name: "A", module: "", catalogs: [{ schema, nrows: 1, values: [Float64Array.of(1)] }] },
    { id: 3, name: "B", module: "", catalogs: [{ schema, nrows: 2, values: [Float64Array.of(2, 3)] }] },
    { id: 4, name: "A", module: "", catalogs: [{ schema, nrows: 1, values: [Float64Array.of(4)] }] },
  ]);
  assert.equal(hdus.length, 2, "index + one shared table");
  assert.deepEqual(hdus[1]!.header.getAll("AR_NAME"), ["A", "B"]);
  assert.equal(hdus[1]!.header.getString("EXTNAME"), "A", "EXTNAME is the class stored last");
  assert.equal(hdus[1]!.header.getInteger("NAXIS2"), 4);
  assert.throws(
    () =>
      encodeArchive([
        { id: 1, name: "X", module: "", catalogs: [] },
        { id: 1, name: "Y", module: "", catalogs: [] },
      ]),
    /unique positive integers/,
  );
});

test("an Exposure built in memory writes and reads back", async () => {
  const bbox = Box2I.fromCorners(-20, 30, 43, 69);
  const image = Image.zeros(bbox, "float32");
  image.array.forEach((_, i) => {
    image.array[i] = Math.sin(i) * 100;
  });
  const mask = Mask.zerosMask(bbox, "int32", MaskPlaneDict.defaults().withPlane("CUSTOM"));
  mask.set(0, 40, mask.getPlaneBitMask(["CUSTOM", "SAT"]));
  const info = new ExposureInfo();
  info.metadata.set("OBSERVER", "someone", { comment: "who" }).set("BUNIT", "nJy");
  info.id = 42;
  info.wcs = new SkyWcs({ crpix: [10, 50], crval: [150.1, 2.2], cd: [-5e-5, 0, 0, 5e-5] });
  info.visitInfo = new VisitInfo({ exposureTime: 15, date: DateTime.fromIso("2025-01-02T03:04:05", "tai") });
  info.photoCalib = new PhotoCalib({ calibrationMean: 0.5, calibrationErr: 0.01 });
  info.filter = new FilterLabel({ band: "i", physical: "i_39" });
  info.detector = { name: "R22_S11", serial: "ITL-1" };
  info.validPolygon = new Polygon([-20, 43, 43, -20], [30, 30, 69, 69]);
  const exposure = new Exposure(new MaskedImage(image, mask), info);
  const { path, back, fits } = await roundTrip(exposure);
  written.push({ file: path, source: "in-memory", exposure });
  assert.ok(back.maskedImage.equals(exposure.maskedImage));
  assert.ok(back.info.equals(exposure.info));
  assert.equal(fits.header(1).getString("BUNIT"), "nJy");
  assert.equal(fits.header(3).getString("BUNIT"), "nJy**2");
  assert.equal(fits.header(1).getNumber("CRPIX1"), 10 + 1 + 20, "CRPIX for xy0 = (-20, 30)");
  assert.equal(fits.header(1).getNumber("LTV1"), 20);
  assert.deepEqual([...back.info.archiveIds.keys()], ["PHOTOCALIB", "FILTER", "VALID_POLYGON"]);
});

describe("independent readers accept what we write", () => {
  test("fitsverify -e finds no errors", {
    skip: fitsverifyPath() === undefined && "fitsverify is not installed",
  }, () => {
    assert.ok(written.length > 0);
    for (const { file } of written) {
      const run = fitsverify(file);
      assert.equal(run.status, 0, run.output);
    }
  });

  test("astropy opens every file and decodes the same pixels", {
    skip: !hasAstropy() && "astropy is not installed",
  }, () => {
    const script = `
import hashlib, json, sys, warnings
import numpy as np
from astropy.io import fits
warnings.simplefilter("ignore")
out = []
for path in sys.argv[1:]:
    with fits.open(path) as hdul:
        planes = [hashlib.sha256(np.ascontiguousarray(np.asarray(hdul[i].data).astype(np.asarray(hdul[i].data).dtype.newbyteorder(">"))).tobytes()).hexdigest() for i in (1, 2, 3)]
        out.append({"planes": planes, "names": [h.name for h in hdul[:5]], "expid": hdul[0].header.get("EXPID"),
                    "index_rows": len(hdul[4].data), "ar_hdu": hdul[0].header["AR_HDU"]})
print(json.dumps(out))
`;
    const results = runAstropy<
      { planes: string[]; names: string[]; expid: number | null; index_rows: number; ar_hdu: number }[]
    >(
      script,
      written.map((w) => w.file),
    );
    written.forEach(({ source, exposure }, i) => {
      const r = results[i]!;
      assert.deepEqual(
        r.planes,
        [exposure.image.array, exposure.mask.array, exposure.variance.array].map((a) => sha256BigEndian(a)),
        source,
      );
      assert.deepEqual(r.names, ["PRIMARY", "IMAGE", "MASK", "VARIANCE", "ARCHIVE_INDEX"]);
      assert.equal(r.expid, exposure.info.id ?? null);
      assert.equal(r.ar_hdu, 5);
    });
  });
});

// encodeFits returns a Buffer, whose slice() is a view, not a copy; the table decoder swaps the bytes
// it gets in place, so the in-memory stream is given as a plain Uint8Array (see the report).
test("an in-memory encoding with mixed plane compressions reads back", async () => {
  const { encodeFits } = await import("../../src/fits/writer.ts");
  const { MemorySource } = await import("../../src/bytes/memory-source.ts");
  const original = await readExposure(await openFits(VERSION2));
  const { bytes } = encodeFits(
    writeExposure(original, { compression: { image: "GZIP_1", mask: "RICE_1", variance: "none" } }),
  );
  const back = await readExposure(
    await FitsFile.open(new MemorySource(new Uint8Array(bytes), { key: "mem://v2" })),
  );
  assert.ok(back.equals(original));
  assert.throws(() => writeExposure(original, { compression: { image: "RICE_1" } }), /integer planes only/);
});
