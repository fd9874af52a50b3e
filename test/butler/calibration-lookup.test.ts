/** Calibration lookups as daf_butler does them: the exposure or visit a data ID names picks the certified calibration. */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { Butler } from "../../src/butler/index.ts";
import { Timespan } from "../../src/core/index.ts";
import { makeDemoRepo } from "../../src/demo/demo-survey.ts";
import { parseTimeLiteral } from "../../src/time/index.ts";

const scratch = mkdtempSync(join(tmpdir(), "butler-calibration-lookup-"));
after(() => rmSync(scratch, { recursive: true, force: true }));
const repo = join(scratch, "demo");
const DETECTOR = { instrument: "DemoCam", detector: 0 };

describe("a calibration lookup", () => {
  let butler: Butler;
  /** The first bias's validity ends here; the second's begins. */
  let boundary: bigint;
  before(async () => {
    await makeDemoRepo(repo, { visits: 1, detectors: 1, size: [64, 48] });
    butler = await Butler.open(repo, { collections: "DemoCam/defaults" });
    const ranges = await butler.registry.queryDatasetAssociations("bias", { collections: "DemoCam/calib" });
    assert.equal(ranges.length, 2);
    boundary = ranges.map((r) => r.timespan!).find((t) => t.endNs < Timespan.UNBOUNDED.endNs)!.endNs;
  });
  after(() => butler.close());

  const runOf = async (dataId: Record<string, unknown>, timespan?: Timespan) =>
    (await butler.getURI("bias", dataId, timespan === undefined ? {} : { timespan })).toString();

  test("with a visit in the data ID uses that visit's time", async () => {
    const [visit] = await butler.registry.queryDimensionRecords("visit", {});
    assert.ok((visit!.timespan as Timespan).endNs < boundary);
    assert.match(await runOf({ ...DETECTOR, visit: visit!.id }), /calib\/bias\/1\//);
  });

  test("an explicit timespan wins", async () => {
    const later = new Timespan(boundary + 1_000_000_000n, boundary + 2_000_000_000n);
    assert.match(await runOf(DETECTOR, later), /calib\/bias\/2\//);
    const earlier = new Timespan(null, parseTimeLiteral("2026-03-10T03:00:00"));
    assert.match(await runOf(DETECTOR, earlier), /calib\/bias\/1\//);
  });

  test("with no time at all is ambiguous, and says so", async () => {
    await assert.rejects(() => runOf(DETECTOR), { code: "CALIBRATION_LOOKUP" });
  });
});
