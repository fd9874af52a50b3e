/** `butler.registry` searches the butler's default collections when a query names none, as daf_butler's does. */
import assert from "node:assert/strict";
import { bothWays, demoRepo } from "../support/both-ways.ts";

const DATA_ID = { instrument: "DemoCam", visit: 2026031000, detector: 0 };

bothWays(
  "butler.registry with default collections",
  {
    make: demoRepo({ visits: 2, detectors: 1, size: [64, 48] }),
    butler: { collections: "DemoCam/defaults" },
  },
  (suite) => {
    suite.test("queryDatasets and findDataset search them", async ({ butler }) => {
      const refs = await butler.registry.queryDatasets("calexp", { findFirst: true });
      assert.equal(refs.length, 2);
      const ref = await butler.registry.findDataset("calexp", DATA_ID);
      assert.equal(ref?.run, "DemoCam/runs/demo");
    });

    suite.test("dataset constraints of data ID and record queries search them", async ({ butler }) => {
      assert.equal((await butler.registry.queryDataIds(["visit"], { datasets: "calexp" })).length, 2);
      assert.equal((await butler.registry.queryDimensionRecords("visit", { datasets: "calexp" })).length, 2);
    });

    suite.test("collections given explicitly win", async ({ butler }) => {
      const refs = await butler.registry.queryDatasets("bias", { collections: "DemoCam/calib" });
      assert.ok(refs.length > 0);
      assert.equal(
        await butler.registry.findDataset("calexp", DATA_ID, { collections: "DemoCam/calib" }),
        null,
      );
    });

    suite.test("a butler without defaults still asks for collections", async ({ open }) => {
      const plain = await open();
      await assert.rejects(() => plain.registry.queryDatasets("calexp", {}), { code: "INVALID_QUERY" });
      await assert.rejects(() => plain.registry.findDataset("calexp", DATA_ID), { code: "INVALID_QUERY" });
    });
  },
);
