import assert from "node:assert/strict";
import { test } from "node:test";
import { CollectionType, type DatasetRef, DatasetType, Timespan } from "../../src/core/index.ts";
import {
  CalibrationLookupError,
  CollectionTypeError,
  ConflictingDefinitionError,
  DatasetTypeError,
} from "../../src/errors/index.ts";
import type { Registry } from "../../src/registry/index.ts";
import { parseButlerTime } from "../../src/time/index.ts";
import { forEachDialect, loadDatasets, makeChain } from "./registry-support.ts";

const t = (day: number) => parseButlerTime(`2020-01-${String(day).padStart(2, "0")}T00:00:00`);
const span = (a: number | null, b: number | null) =>
  new Timespan(a === null ? null : t(a), b === null ? null : t(b));
const cam1 = (detector: number) => ({ instrument: "Cam1", detector });

async function setUp(registry: Registry): Promise<(run: string, detector: number) => DatasetRef> {
  const refs = await loadDatasets(registry);
  await registry.registerCollection("calib", CollectionType.CALIBRATION);
  return (run, detector) =>
    refs.find(
      (r) => r.datasetType.name === "bias" && r.run === run && r.dataId.get("detector") === detector,
    )!;
}

forEachDialect("registry calibrations", (ctx) => {
  test("certify refuses overlapping validity and the wrong collection or dataset type", async () => {
    const registry = await ctx.makeRegistry();
    const bias = await setUp(registry);
    await registry.certify("calib", [bias("imported_g", 2), bias("imported_g", 3)], span(1, 10));
    await registry.certify("calib", [bias("imported_r", 2)], span(10, 20));
    await assert.rejects(
      registry.certify("calib", [bias("imported_r", 3)], span(5, 15)),
      (err: Error) => err instanceof ConflictingDefinitionError && /already valid/.test(err.message),
    );
    // Unbounded ranges overlap everything on their open side.
    await assert.rejects(
      registry.certify("calib", [bias("imported_r", 2)], span(null, 2)),
      ConflictingDefinitionError,
    );
    await registry.certify("calib", [bias("imported_r", 4)], span(null, null));
    await assert.rejects(
      registry.certify("calib", [bias("imported_r", 4)], span(30, 31)),
      ConflictingDefinitionError,
    );
    // Two datasets of one data ID in one call.
    await assert.rejects(
      registry.certify("calib", [bias("imported_g", 3), bias("imported_r", 3)], span(25, 26)),
      ConflictingDefinitionError,
    );
    await registry.registerCollection("tag", CollectionType.TAGGED);
    await assert.rejects(registry.certify("tag", [bias("imported_g", 1)], span(1, 2)), CollectionTypeError);
    await assert.rejects(
      registry.certify("imported_g", [bias("imported_g", 1)], span(1, 2)),
      CollectionTypeError,
    );
    await assert.rejects(registry.certify("calib", [bias("imported_g", 1)], Timespan.EMPTY), /non-empty/);
    // A type that is not a calibration cannot be certified.
    await registry.registerDatasetType(
      DatasetType.fromNames("raw", ["instrument", "detector"], "Exposure", registry.universe),
    );
    const [raw] = await registry.insertDatasets("raw", [cam1(1)], "imported_g");
    await assert.rejects(registry.certify("calib", [raw!], span(1, 2)), DatasetTypeError);
  });

  test("calibration lookup needs a timespan and finds the overlapping dataset", async () => {
    const registry = await ctx.makeRegistry();
    const bias = await setUp(registry);
    await registry.certify("calib", [bias("imported_g", 2)], span(1, 10));
    await registry.certify("calib", [bias("imported_r", 2)], span(10, 20));
    await makeChain(registry, "chain", ["calib", "imported_g"]);
    const find = (timespan: Timespan | null, collections: string | string[] = "calib") =>
      registry.findDataset("bias", cam1(2), { collections, timespan });
    assert.equal(await find(null), null);
    assert.equal((await find(span(2, 3)))?.id, bias("imported_g", 2).id);
    assert.equal((await find(span(12, 13)))?.id, bias("imported_r", 2).id);
    assert.equal((await find(new Timespan(t(10), t(10))))?.id, bias("imported_r", 2).id);
    assert.equal(await find(span(25, 26)), null);
    // Without a timespan CALIBRATION collections are skipped, and the chain falls through to the run.
    assert.equal((await find(null, "chain"))?.run, "imported_g");
    assert.equal((await find(span(12, 13), "chain"))?.id, bias("imported_r", 2).id);
    assert.equal((await find(span(25, 26), "chain"))?.run, "imported_g");
    // A timespan that overlaps two validity ranges is ambiguous.
    await assert.rejects(
      find(span(5, 15)),
      (err: Error) => err instanceof CalibrationLookupError && err.collection === "calib",
    );
    await assert.rejects(
      registry.findFirstDatasets("bias", "chain", { timespan: span(5, 15) }),
      CalibrationLookupError,
    );
    const first = await registry.findFirstDatasets("bias", "chain", { timespan: span(12, 13) });
    assert.deepEqual(
      first.map((r) => [r.dataId.get("detector"), r.id]).sort(),
      [
        [1, bias("imported_g", 1).id],
        [2, bias("imported_r", 2).id],
        [3, bias("imported_g", 3).id],
      ].sort(),
    );
    const keyed = await registry.findFirstDatasets("bias", "chain", {
      timespan: span(2, 3),
      dataIds: [cam1(2)],
    });
    assert.deepEqual(
      keyed.map((r) => r.id),
      [bias("imported_g", 2).id],
    );
    const associations = await registry.queryDatasetAssociations("bias", { collections: "calib" });
    assert.deepEqual(
      associations.map((a) => [a.ref.id, a.collection, a.timespan?.toString()]),
      [
        [bias("imported_g", 2).id, "calib", span(1, 10).toString()],
        [bias("imported_r", 2).id, "calib", span(10, 20).toString()],
      ],
    );
  });

  test("decertify truncates and splits validity ranges", async () => {
    const registry = await ctx.makeRegistry();
    const bias = await setUp(registry);
    await registry.certify("calib", [bias("imported_g", 1), bias("imported_g", 2)], span(1, 20));
    await registry.certify("calib", [bias("imported_g", 3)], span(1, 5));
    // Split detector 1's and 2's ranges; detector 3's lies before and is untouched.
    await registry.decertify("calib", "bias", span(10, 12));
    const ranges = async (detector: number) =>
      (await registry.queryDatasetAssociations("bias", { collections: "calib" }))
        .filter((a) => a.ref.dataId.get("detector") === detector)
        .map((a) => a.timespan!.toString())
        .sort();
    assert.deepEqual(await ranges(1), [span(1, 10).toString(), span(12, 20).toString()].sort());
    assert.deepEqual(await ranges(3), [span(1, 5).toString()]);
    // Only the given data IDs; truncating the end.
    await registry.decertify("calib", "bias", span(15, null), { dataIds: [cam1(2)] });
    assert.deepEqual(await ranges(2), [span(1, 10).toString(), span(12, 15).toString()].sort());
    assert.deepEqual(await ranges(1), [span(1, 10).toString(), span(12, 20).toString()].sort());
    // Removing everything.
    await registry.decertify("calib", "bias", span(null, null));
    assert.deepEqual(await registry.queryDatasetAssociations("bias", { collections: "calib" }), []);
    // The freed validity can be certified again.
    await registry.certify("calib", [bias("imported_r", 2)], span(1, 30));
    assert.equal(
      (await registry.findDataset("bias", cam1(2), { collections: "calib", timespan: span(11, 12) }))?.run,
      "imported_r",
    );
    await assert.rejects(registry.decertify("imported_g", "bias", span(1, 2)), CollectionTypeError);
  });
});
