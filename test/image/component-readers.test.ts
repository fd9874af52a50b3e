/**
 * Component readers touch only what their component needs. The file is opened through a metered
 * source (FitsFile.open scans the headers), the metrics are reset, and each reader's byte ranges must
 * fall inside the HDUs it is allowed to read — none at all for header-only components.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { FileSource } from "../../src/bytes/file-source.ts";
import { type ByteMetrics, createMetrics, resetMetrics, withMetrics } from "../../src/bytes/with-metrics.ts";
import type { FitsFile } from "../../src/fits/fits-file.ts";
import { Box2I } from "../../src/image/box.ts";
import {
  openArchive,
  readArchiveComponent,
  readBBox,
  readDetectorSummary,
  readDimensions,
  readExposureId,
  readFilter,
  readImagePlane,
  readMetadata,
  readPhotoCalib,
  readSummaryStats,
  readValidPolygon,
  readVisitInfo,
  readWcs,
  readXy0,
} from "../../src/image/component-readers.ts";
import { readExposure } from "../../src/image/read-exposure.ts";
import { fixturePath } from "../support/fixtures.ts";
import { CALEXP, CALEXP_GZIP, EXPOSURE_FIXTURES, HSC, openFits } from "./helpers.ts";

async function metered(file: string): Promise<{ fits: FitsFile; metrics: ByteMetrics }> {
  const metrics = createMetrics({ recordRanges: true });
  const fits = await openFits(withMetrics(new FileSource(fixturePath(file)), metrics));
  resetMetrics(metrics);
  return { fits, metrics };
}

/** Asserts every range read lies in the data of one of `hdus`, and returns the bytes per HDU. */
function assertInside(fits: FitsFile, metrics: ByteMetrics, hdus: number[]): Map<number, number> {
  const bytes = new Map<number, number>();
  for (const r of metrics.ranges!) {
    const hdu = hdus.find((i) => {
      const h = fits.hdus[i]!;
      return r.offset >= h.dataOffset && r.offset + r.length <= h.dataOffset + h.dataSpan;
    });
    assert.ok(
      hdu !== undefined,
      `range ${r.offset}+${r.length} is outside the data of HDUs ${hdus.join(", ")}`,
    );
    bytes.set(hdu, (bytes.get(hdu) ?? 0) + r.length);
  }
  return bytes;
}

// HDUs of the calexp fixture (astropy's listing): 4 ARCHIVE_INDEX, 5 the bytes table holding the
// SummaryStats, 6 SkyWcs, 7 Detector, 10 Polygon, 11 FilterLabel, 16 PhotoCalib, 19 GaussianPsf.
const INDEX = 4;

describe("header-only components read nothing once the headers are scanned", () => {
  for (const file of EXPOSURE_FIXTURES) {
    test(file, async () => {
      const { fits, metrics } = await metered(file);
      await readMetadata(fits);
      await readVisitInfo(fits);
      await readExposureId(fits);
      await readBBox(fits);
      await readXy0(fits);
      await readDimensions(fits);
      await readWcs(fits, { archive: null });
      assert.equal(metrics.requests, 0);
      assert.equal(metrics.sizeCalls, 0);
    });
  }
  test("legacy components come from the header too (v0 FILTER, FLUXMAG0)", async () => {
    const { fits, metrics } = await metered(HSC);
    assert.equal(await readFilter(fits), undefined);
    assert.equal((await readPhotoCalib(fits))?.calibrationMean, Number.POSITIVE_INFINITY);
    assert.equal(metrics.requests, 0);
  });
});

describe("archived components read the index and their own rows only", () => {
  const cases: [string, (fits: FitsFile) => Promise<unknown>, number, (value: unknown) => void][] = [
    ["readWcs", (f) => readWcs(f), 6, (w) => assert.match((w as { ast: string }).ast, /^1 SkyWcs/)],
    [
      "readFilter",
      readFilter,
      11,
      (f) => assert.equal(String(f), 'FilterLabel(band="300", physical="HSC-I")'),
    ],
    [
      "readPhotoCalib",
      readPhotoCalib,
      16,
      (p) => assert.equal((p as { calibrationMean: number }).calibrationMean, 1.9940875054616918),
    ],
    [
      "readDetectorSummary",
      readDetectorSummary,
      7,
      (d) => assert.deepEqual(d, { name: "1_42", serial: "4", id: 4 }),
    ],
    ["readValidPolygon", readValidPolygon, 10, (p) => assert.equal((p as { x: number[] }).x.length, 8)],
    [
      "readSummaryStats",
      readSummaryStats,
      5,
      (s) => assert.match((s as { text: string }).text, /psfSigma: 1.0/),
    ],
    [
      "readArchiveComponent(PSF)",
      (f) => readArchiveComponent(f, "PSF"),
      19,
      (o) => assert.equal((o as { name: string }).name, "GaussianPsf"),
    ],
  ];
  for (const [name, read, hdu, check] of cases) {
    test(name, async () => {
      const { fits, metrics } = await metered(CALEXP);
      check(await read(fits));
      const bytes = assertInside(fits, metrics, [INDEX, hdu]);
      assert.ok(bytes.has(INDEX) && bytes.has(hdu), `read the index and HDU ${hdu}`);
      const table = fits.hdus[hdu]!;
      assert.ok(bytes.get(hdu)! <= table.dataLength, "no more than that table");
    });
  }

  test("the Detector summary reads only the Detector's first catalog, not its amplifiers", async () => {
    const { fits, metrics } = await metered(CALEXP);
    await readDetectorSummary(fits);
    assertInside(fits, metrics, [INDEX, 7]);
  });

  test("a shared ArchiveReader reads the index once for several components", async () => {
    const { fits, metrics } = await metered(CALEXP);
    const archive = (await openArchive(fits))!;
    await Promise.all([
      readFilter(fits, { archive }),
      readPhotoCalib(fits, { archive }),
      readWcs(fits, { archive }),
    ]);
    const bytes = assertInside(fits, metrics, [INDEX, 6, 11, 16]);
    assert.equal(bytes.get(INDEX), fits.hdus[INDEX]!.dataLength, "the index table once");
  });
});

describe("plane cutouts read only the pixels under the box", () => {
  test("uncompressed: the rows of the box", async () => {
    const { fits, metrics } = await metered(CALEXP);
    const box = Box2I.fromCorners(10, 5, 20, 14);
    const image = await readImagePlane(fits, "image", { bbox: box });
    assert.equal(image.array.length, box.area);
    assertInside(fits, metrics, [1]);
    assert.ok(metrics.bytes <= box.height * 64 * 4, `${metrics.bytes} bytes for 10 rows of 256`);
  });

  test("tile-compressed: the tile table and the tiles of the box", async () => {
    const { fits, metrics } = await metered(CALEXP_GZIP);
    const box = Box2I.fromCorners(0, 30, 63, 31);
    const variance = await readImagePlane(fits, "variance", { bbox: box });
    assert.equal(variance.array.length, box.area);
    assertInside(fits, metrics, [3]);
    assert.ok(
      metrics.bytes < fits.hdus[3]!.dataLength / 4,
      `${metrics.bytes} of ${fits.hdus[3]!.dataLength} bytes`,
    );
  });

  test("a whole read touches the planes and the archive, never a header again", async () => {
    const { fits, metrics } = await metered(CALEXP);
    await readExposure(fits);
    assertInside(
      fits,
      metrics,
      fits.hdus.map((h) => h.index).filter((i) => i > 0),
    );
  });
});
