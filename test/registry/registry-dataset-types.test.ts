import assert from "node:assert/strict";
import { test } from "node:test";
import { DatasetType } from "../../src/core/index.ts";
import {
  ConflictingDefinitionError,
  DatasetTypeError,
  MissingDatasetTypeError,
} from "../../src/errors/index.ts";
import { calibsTableName, tagsTableName } from "../../src/registry/index.ts";
import { forEachDialect, loadBase } from "./registry-support.ts";

forEachDialect("registry dataset types", (ctx) => {
  test("registration is idempotent and conflicts are refused", async () => {
    const registry = await ctx.makeRegistry();
    const u = registry.universe;
    const calexp = DatasetType.fromNames("calexp", ["instrument", "visit", "detector"], "ExposureF", u);
    assert.equal(await registry.registerDatasetType(calexp), true);
    assert.equal(await registry.registerDatasetType(calexp), false);
    const stored = await registry.getDatasetType("calexp");
    assert.ok(stored.equals(calexp));
    assert.deepEqual(stored.dimensions.names, calexp.dimensions.names);
    for (const changed of [
      DatasetType.fromNames("calexp", ["instrument", "visit"], "ExposureF", u),
      DatasetType.fromNames("calexp", ["instrument", "visit", "detector"], "ExposureI", u),
      DatasetType.fromNames("calexp", ["instrument", "visit", "detector"], "ExposureF", u, {
        isCalibration: true,
      }),
    ]) {
      await assert.rejects(registry.registerDatasetType(changed), ConflictingDefinitionError);
    }
    await assert.rejects(
      registry.registerDatasetType(calexp.makeComponentDatasetType("wcs", "Wcs")),
      DatasetTypeError,
    );
    await assert.rejects(registry.getDatasetType("nope"), MissingDatasetTypeError);
    await assert.rejects(
      registry.getDatasetType("calexp.wcs"),
      (err: Error) => err instanceof MissingDatasetTypeError && /component/.test(err.message),
    );
    // Types with the same dimensions share association tables; calibration types get calibs tables.
    const src = DatasetType.fromNames("src", ["instrument", "visit", "detector"], "SourceCatalog", u);
    await registry.registerDatasetType(src);
    const records = await Promise.all(["calexp", "src"].map((n) => registry.internals.datasetTypes.get(n)));
    assert.equal(records[0]!.tagsTable, tagsTableName(calexp.dimensions));
    assert.equal(records[1]!.tagsTable, records[0]!.tagsTable);
    assert.equal(records[0]!.calibsTable, null);
    await loadBase(registry);
    const bias = await registry.internals.datasetTypes.get("bias");
    assert.equal(bias.calibsTable, calibsTableName(bias.datasetType.dimensions));
  });

  test("queryDatasetTypes takes names, globs, RegExps and reports missing names", async () => {
    const registry = await ctx.makeRegistry();
    await loadBase(registry);
    const u = registry.universe;
    await registry.registerDatasetType(
      DatasetType.fromNames("calexp", ["instrument", "detector"], "ExposureF", u),
    );
    const names = async (...args: Parameters<typeof registry.queryDatasetTypes>) =>
      (await registry.queryDatasetTypes(...args)).map((t) => t.name);
    assert.deepEqual(await names(), ["bias", "calexp", "flat"]);
    assert.deepEqual(await names("*"), ["bias", "calexp", "flat"]);
    assert.deepEqual(await names("?las"), []);
    assert.deepEqual(await names("*a*"), ["bias", "calexp", "flat"]);
    assert.deepEqual(await names(/^(b|f)/), ["bias", "flat"]);
    const missing: string[] = [];
    assert.deepEqual(await names(["flat", "dark", "bias*"], { missing }), ["bias", "flat"]);
    assert.deepEqual(missing, ["dark"]);
    // Components come from the hook until storage classes are known.
    registry.componentsOf = (storageClass) =>
      storageClass === "ExposureF" ? { wcs: "Wcs", psf: "Psf" } : [];
    assert.deepEqual(await names("calexp.*", { components: true }), ["calexp.psf", "calexp.wcs"]);
    const [wcs] = await registry.queryDatasetTypes("calexp.wcs");
    assert.equal(wcs?.storageClass, "Wcs");
    assert.equal(wcs?.parentStorageClass, "ExposureF");
    const both = missing.length;
    await registry.queryDatasetTypes("calexp.nothing", { missing });
    assert.equal(missing.length, both + 1);
  });

  test("removeDatasetType takes names and globs and ignores unknown names", async () => {
    const registry = await ctx.makeRegistry();
    const u = registry.universe;
    for (const name of ["a1", "a2", "b1"]) {
      await registry.registerDatasetType(DatasetType.fromNames(name, ["instrument"], "X", u));
    }
    await registry.removeDatasetType("a*");
    await registry.removeDatasetType(["nope", "b1"]);
    assert.deepEqual(await registry.queryDatasetTypes(), []);
    // A removed name can be registered again, even differently.
    assert.equal(
      await registry.registerDatasetType(DatasetType.fromNames("a1", ["instrument"], "Y", u)),
      true,
    );
  });
});
