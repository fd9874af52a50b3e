/** Calibration lookups as daf_butler does them: the exposure or visit a data ID names picks the certified calibration. */
import assert from "node:assert/strict";
import type { ButlerApi } from "../../src/butler/butler-api.ts";
import { Butler } from "../../src/butler/index.ts";
import { Timespan } from "../../src/core/index.ts";
import { parseTimeLiteral } from "../../src/time/index.ts";
import { bothWays, demoRepo } from "../support/both-ways.ts";

const DETECTOR = { instrument: "DemoCam", detector: 0 };
const makeDemo = demoRepo({ visits: 1, detectors: 1, size: [64, 48] });

/** The first bias's validity ends here; the second's begins. */
let boundary: bigint;

bothWays(
  "a calibration lookup",
  {
    async make(repo, db, ctx) {
      await makeDemo(repo, db, ctx);
      const butler = await Butler.open(repo);
      try {
        const ranges = await butler.registry.queryDatasetAssociations("bias", {
          collections: "DemoCam/calib",
        });
        assert.equal(ranges.length, 2);
        boundary = ranges.map((r) => r.timespan!).find((t) => t.endNs < Timespan.UNBOUNDED.endNs)!.endNs;
      } finally {
        await butler.close();
      }
    },
    butler: { collections: "DemoCam/defaults" },
  },
  (suite) => {
    const runOf = async (butler: ButlerApi, dataId: Record<string, unknown>, timespan?: Timespan) =>
      (await butler.getURI("bias", dataId, timespan === undefined ? {} : { timespan })).toString();

    suite.test("with a visit in the data ID uses that visit's time", async ({ butler }) => {
      const [visit] = await butler.registry.queryDimensionRecords("visit", {});
      assert.ok((visit!.timespan as Timespan).endNs < boundary);
      assert.match(await runOf(butler, { ...DETECTOR, visit: visit!.id }), /calib\/bias\/1\//);
    });

    suite.test("an explicit timespan wins", async ({ butler }) => {
      const later = new Timespan(boundary + 1_000_000_000n, boundary + 2_000_000_000n);
      assert.match(await runOf(butler, DETECTOR, later), /calib\/bias\/2\//);
      const earlier = new Timespan(null, parseTimeLiteral("2026-03-10T03:00:00"));
      assert.match(await runOf(butler, DETECTOR, earlier), /calib\/bias\/1\//);
    });

    suite.test("with no time at all is ambiguous, and says so", async ({ butler }) => {
      await assert.rejects(() => runOf(butler, DETECTOR), { code: "CALIBRATION_LOOKUP" });
    });
  },
);
