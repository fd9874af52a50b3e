/** `butler.registry` searches the butler's default collections when a query names none, as daf_butler's does. */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { Butler } from "../../src/butler/index.ts";
import { makeDemoRepo } from "../../src/demo/demo-survey.ts";

const scratch = mkdtempSync(join(tmpdir(), "butler-default-collections-"));
after(() => rmSync(scratch, { recursive: true, force: true }));
const repo = join(scratch, "demo");
const DATA_ID = { instrument: "DemoCam", visit: 2026031000, detector: 0 };

describe("butler.registry with default collections", () => {
  let butler: Butler;
  before(async () => {
    await makeDemoRepo(repo, { visits: 2, detectors: 1, size: [64, 48] });
    butler = await Butler.open(repo, { collections: "DemoCam/defaults" });
  });
  after(() => butler.close());

  test("queryDatasets and findDataset search them", async () => {
    const refs = await butler.registry.queryDatasets("calexp", { findFirst: true });
    assert.equal(refs.length, 2);
    const ref = await butler.registry.findDataset("calexp", DATA_ID);
    assert.equal(ref?.run, "DemoCam/runs/demo");
  });

  test("dataset constraints of data ID and record queries search them", async () => {
    assert.equal((await butler.registry.queryDataIds(["visit"], { datasets: "calexp" })).length, 2);
    assert.equal((await butler.registry.queryDimensionRecords("visit", { datasets: "calexp" })).length, 2);
  });

  test("collections given explicitly win", async () => {
    const refs = await butler.registry.queryDatasets("bias", { collections: "DemoCam/calib" });
    assert.ok(refs.length > 0);
    assert.equal(
      await butler.registry.findDataset("calexp", DATA_ID, { collections: "DemoCam/calib" }),
      null,
    );
  });

  test("a butler without defaults still asks for collections", async () => {
    const plain = await Butler.open(repo);
    try {
      await assert.rejects(() => plain.registry.queryDatasets("calexp", {}), { code: "INVALID_QUERY" });
      await assert.rejects(() => plain.registry.findDataset("calexp", DATA_ID), { code: "INVALID_QUERY" });
    } finally {
      await plain.close();
    }
  });
});
