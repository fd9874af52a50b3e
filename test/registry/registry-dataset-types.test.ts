import assert from "node:assert/strict";
import { DatasetType } from "../../src/core/index.ts";
import {
  ConflictingDefinitionError,
  DatasetTypeError,
  InvalidArgumentError,
  MissingDatasetTypeError,
} from "../../src/errors/index.ts";
import { calibsTableName, type Registry, tagsTableName } from "../../src/registry/index.ts";
import { bothWays, directOnlyRegistry, registryRepo } from "../support/both-ways.ts";
import { loadBase } from "./registry-support.ts";

const SUITE = "registry dataset types";
const ADMIN =
  "registering and removing dataset types are administrators' writes, which a remote registry does not offer";

bothWays(
  SUITE,
  {
    make: registryRepo(async (registry) => {
      await loadBase(registry);
      await registry.registerDatasetType(
        DatasetType.fromNames("calexp", ["instrument", "detector"], "ExposureF", registry.universe),
      );
    }),
  },
  (suite) => {
    suite.test(
      "queryDatasetTypes takes names, globs, RegExps and reports missing names",
      async ({ name, butler: { registry } }) => {
        const names = async (...args: Parameters<typeof registry.queryDatasetTypes>) =>
          (await registry.queryDatasetTypes(...args)).map((t) => t.name);
        assert.deepEqual(await names(), ["bias", "calexp", "flat"]);
        assert.deepEqual(await names("*"), ["bias", "calexp", "flat"]);
        assert.deepEqual(await names("?las"), []);
        assert.deepEqual(await names("*a*"), ["bias", "calexp", "flat"]);
        if (name === "direct") {
          assert.deepEqual(await names(/^(b|f)/), ["bias", "flat"]);
        } else {
          // A regular expression is evaluated locally only; the wire takes names and globs.
          await assert.rejects(names(/^(b|f)/), InvalidArgumentError);
        }
        const missing: string[] = [];
        assert.deepEqual(await names(["flat", "dark", "bias*"], { missing }), ["bias", "flat"]);
        assert.deepEqual(missing, ["dark"]);
      },
    );

    suite.directOnly(
      "componentsOf is a hook on a local registry; a served registry takes components from its butler's storage classes",
      "components come from the hook until storage classes are known",
      async ({ registry }) => {
        const names = async (...args: Parameters<Registry["queryDatasetTypes"]>) =>
          (await registry.queryDatasetTypes(...args)).map((t) => t.name);
        const missing: string[] = [];
        registry.componentsOf = (storageClass) =>
          storageClass === "ExposureF" ? { wcs: "Wcs", psf: "Psf" } : [];
        assert.deepEqual(await names("calexp.*", { components: true }), ["calexp.psf", "calexp.wcs"]);
        const [wcs] = await registry.queryDatasetTypes("calexp.wcs");
        assert.equal(wcs?.storageClass, "Wcs");
        assert.equal(wcs?.parentStorageClass, "ExposureF");
        const both = missing.length;
        await registry.queryDatasetTypes("calexp.nothing", { missing });
        assert.equal(missing.length, both + 1);
      },
    );

    suite.test("components come from the butler's storage classes", async ({ butler: { registry } }) => {
      const components = (await registry.queryDatasetTypes("calexp.*", { components: true })).map(
        (t) => t.name,
      );
      assert.ok(components.includes("calexp.psf") && components.includes("calexp.wcs"), `${components}`);
      assert.ok(components.every((name) => name.startsWith("calexp.")));
      const [wcs] = await registry.queryDatasetTypes("calexp.wcs");
      assert.equal(wcs?.storageClass, "Wcs");
      assert.equal(wcs?.parentStorageClass, "ExposureF");
      const missing: string[] = [];
      await registry.queryDatasetTypes("calexp.nothing", { missing });
      assert.deepEqual(missing, ["calexp.nothing"]);
    });

    suite.test(
      "getDatasetType reads a registered type and refuses unknown names and components",
      async ({ butler: { registry } }) => {
        const calexp = DatasetType.fromNames(
          "calexp",
          ["instrument", "detector"],
          "ExposureF",
          registry.universe,
        );
        const stored = await registry.getDatasetType("calexp");
        assert.ok(stored.equals(calexp));
        assert.deepEqual(stored.dimensions.names, calexp.dimensions.names);
        assert.equal((await registry.getDatasetType("bias")).isCalibration, true);
        await assert.rejects(registry.getDatasetType("nope"), MissingDatasetTypeError);
        await assert.rejects(
          registry.getDatasetType("calexp.wcs"),
          (err: Error) => err instanceof MissingDatasetTypeError && /component/.test(err.message),
        );
      },
    );
  },
);

directOnlyRegistry(
  `${SUITE}: registration`,
  `${ADMIN}, and their tables are registry internals`,
  "registration is idempotent and conflicts are refused",
  async (registry) => {
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
  },
);

directOnlyRegistry(
  `${SUITE}: removal`,
  ADMIN,
  "removeDatasetType takes names and globs and ignores unknown names",
  async (registry) => {
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
  },
);
