/**
 * The small components on their own: FilterLabel's legacy-name heuristics, PhotoCalib's Calib-era
 * conversion, Polygon, SummaryStats, and their archive encodings read back.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { InvalidArgumentError } from "../../src/errors/index.ts";
import {
  decodeFilterLabel,
  encodeFilterLabel,
  FilterLabel,
  filterLabelFromLegacyName,
} from "../../src/image/filter-label.ts";
import {
  decodePhotoCalib,
  encodePhotoCalib,
  PhotoCalib,
  REFERENCE_FLUX_NJY,
} from "../../src/image/photo-calib.ts";
import { decodePolygon, encodePolygon, Polygon } from "../../src/image/polygon.ts";
import { decodeSkyWcsText, encodeSkyWcsText } from "../../src/image/sky-wcs-archive.ts";
import { decodeSummaryStats, encodeSummaryStats, SummaryStats } from "../../src/image/summary-stats.ts";

describe("FilterLabel", () => {
  test("afw's heuristics for a legacy FILTER value", () => {
    const cases: [string, string | undefined][] = [
      ["_unknown_", undefined],
      ["", undefined],
      ["r2", 'FilterLabel(band="r", physical="HSC-R2")'],
      ["i2", 'FilterLabel(band="i", physical="HSC-I2")'],
      ["SOLID", 'FilterLabel(physical="solid plate 0.0 0.0")'],
      ["g", 'FilterLabel(band="g")'],
      ["white", 'FilterLabel(band="white")'],
      ["N921", 'FilterLabel(band="N921")'],
      ["I945", 'FilterLabel(band="I945")'],
      ["I9", 'FilterLabel(physical="I9")'],
      ["HSC-I", 'FilterLabel(physical="HSC-I")'],
      ["r_57", 'FilterLabel(physical="r_57")'],
    ];
    for (const [name, expected] of cases)
      assert.equal(filterLabelFromLegacyName(name)?.toString(), expected, name);
  });

  test("archive encoding reads back; an empty label is refused", () => {
    for (const label of [
      new FilterLabel({ band: "r" }),
      new FilterLabel({ band: "r", physical: "HSC-R2" }),
    ]) {
      assert.ok(decodeFilterLabel(encodeFilterLabel(label, 7))?.equals(label));
    }
    assert.throws(() => new FilterLabel({}), InvalidArgumentError);
  });
});

describe("PhotoCalib", () => {
  test("FLUXMAG0 converts as afw does", () => {
    const calib = PhotoCalib.fromFluxMag0(1e10, 1e8);
    assert.equal(calib.calibrationMean, REFERENCE_FLUX_NJY / 1e10);
    assert.equal(calib.calibrationErr, (REFERENCE_FLUX_NJY * 1e8) / 1e20);
    assert.ok(Math.abs(calib.instFluxToMagnitude(1e10)) < 1e-12, "FLUXMAG0 counts are magnitude 0");
    assert.ok(Math.abs(calib.instFluxAtZeroMagnitude - 1e10) < 1e-3);
  });

  test("a new constant PhotoCalib is archived with its constant bounded field", () => {
    const calib = new PhotoCalib({ calibrationMean: 2, calibrationErr: 0.5 });
    let next = 100;
    const objects = encodePhotoCalib(calib, 50, () => next++);
    assert.deepEqual(
      objects.map((o) => [o.id, o.name]),
      [
        [100, "ChebyshevBoundedField"],
        [50, "PhotoCalib"],
      ],
    );
    const back = decodePhotoCalib(objects[1]!)!;
    assert.ok(back.equals(calib));
    assert.equal(back.fieldId, 100);
    assert.throws(() =>
      encodePhotoCalib(new PhotoCalib({ calibrationMean: 1, isConstant: false }), 1, () => 2),
    );
  });
});

test("Polygon, SummaryStats and SkyWcs text survive their archive encodings", () => {
  const polygon = new Polygon([0, 10, 10, 0, 0], [0, 0, 5, 5, 0]);
  assert.ok(polygon.contains(5, 2.5) && !polygon.contains(11, 2));
  assert.ok(decodePolygon(encodePolygon(polygon, 3))?.equals(polygon));
  const stats = new SummaryStats("psfSigma: 1.5\nzeroPoint: .nan\nraCorners:\n- 1.0\n- 2.0\n");
  assert.equal(stats.number("psfSigma"), 1.5);
  assert.ok(Number.isNaN(stats.number("zeroPoint")));
  assert.deepEqual(stats.values?.raCorners, [1, 2]);
  assert.ok(decodeSummaryStats(encodeSummaryStats(stats, 1))?.equals(stats));
  assert.equal(new SummaryStats(": not yaml: [").values, undefined, "unparsable text is kept as text");
  const text = "1 SkyWcs 0  Begin FrameSet\n End FrameSet\n";
  assert.equal(decodeSkyWcsText(encodeSkyWcsText(text, 2)), text);
});
