import assert from "node:assert/strict";
import type { RegistryReader } from "../../src/butler/index.ts";
import {
  CollectionType,
  DataCoordinate,
  DatasetIdGenEnum,
  DatasetRef,
  DatasetType,
  makeDatasetId,
  uuidVersion,
} from "../../src/core/index.ts";
import {
  CollectionTypeError,
  ConflictingDefinitionError,
  DatasetNotFoundError,
  DimensionRecordNotFoundError,
  InvalidArgumentError,
  InvalidQueryError,
  MissingCollectionError,
  MissingDatasetTypeError,
} from "../../src/errors/index.ts";
import { bothWays, directOnlyRegistry, registryRepo } from "../support/both-ways.ts";
import { datasetsYamlRefs, loadBase, loadDatasets, makeChain } from "./registry-support.ts";

const cam1 = (detector: number | string, extra: Record<string, unknown> = {}) => ({
  instrument: "Cam1",
  detector,
  ...extra,
});

const SUITE = "registry datasets";
const ADMIN =
  "importing, inserting, associating and removing datasets (and removing dataset types) are administrators' writes, which a remote registry does not offer";

/** Each of `refs` reads back by id as imported, and a dataset of datasets.yaml has its full data ID. */
async function assertReadBack(registry: RegistryReader, refs: readonly DatasetRef[]): Promise<void> {
  for (const ref of refs) {
    const stored = await registry.getDataset(ref.id);
    assert.ok(stored?.equals(ref), `${ref}`);
    assert.equal(stored?.run, ref.run);
  }
  const flat = (await registry.getDataset("60c8a65c-7290-4c38-b1de-e3b1cdcf872d"))!;
  assert.deepEqual(flat.dataId.toObject(), {
    instrument: "Cam1",
    detector: 2,
    physical_filter: "Cam1-G",
    band: "g",
  });
  assert.equal(flat.run, "imported_g");
}

bothWays(
  SUITE,
  {
    make: registryRepo(async (registry) => {
      await loadDatasets(registry);
      await makeChain(registry, "g_then_r", ["imported_g", "imported_r"]);
      await makeChain(registry, "r_then_g", ["imported_r", "imported_g"]);
      await makeChain(registry, "nested", ["r_then_g", "imported_g"]);
    }),
  },
  (suite) => {
    suite.test("imported datasets read back by id, one or many", async ({ butler: { registry } }) => {
      const { refs } = datasetsYamlRefs(registry.universe);
      assert.equal(refs.length, 13);
      await assertReadBack(registry, refs);
      const unknown = "00000000-0000-4000-8000-000000000000";
      assert.equal(await registry.getDataset(unknown), null);
      const many = await registry.getDatasets([...refs.map((r) => r.id), unknown]);
      assert.deepEqual([...many.keys()].sort(), refs.map((r) => r.id).sort());
      for (const ref of refs) assert.equal(many.get(ref.id)?.run, ref.run);
    });

    suite.test("findDataset searches a chain in order", async ({ name, butler: { registry } }) => {
      const byId = new Map(datasetsYamlRefs(registry.universe).refs.map((r) => [r.id, r]));
      const find = (detector: number, collections: string | string[]) =>
        registry.findDataset("bias", cam1(detector), { collections });
      assert.equal((await find(2, "g_then_r"))?.run, "imported_g");
      assert.equal((await find(2, "r_then_g"))?.run, "imported_r");
      assert.equal((await find(2, "nested"))?.run, "imported_r");
      assert.equal((await find(1, "r_then_g"))?.run, "imported_g");
      assert.equal((await find(4, "g_then_r"))?.run, "imported_r");
      assert.equal((await find(2, ["imported_r", "imported_g"]))?.run, "imported_r");
      assert.equal(await find(4, "imported_g"), null);
      const found = (await find(3, "g_then_r"))!;
      assert.ok(found.equals(byId.get(found.id)!));
      // Alternate keys, implied values, a ref's data ID with extra dimensions ignored.
      const flat = await registry.findDataset("flat", cam1("Ab", { physical_filter: "Cam1-R1" }), {
        collections: "g_then_r",
      });
      assert.equal(flat?.run, "imported_r");
      assert.equal(flat?.dataId.get("band"), "r");
      assert.equal(
        (
          await registry.findDataset(
            "bias",
            { ...cam1(3), physical_filter: "Cam1-G" },
            { collections: "r_then_g" },
          )
        )?.run,
        "imported_r",
      );
      // Wildcards make the order undefined.
      await assert.rejects(find(1, "imported_*"), InvalidQueryError);
      await assert.rejects(
        registry.findDataset("bias", cam1(1), { collections: /imported/ }),
        // A regular expression is evaluated locally only; the wire takes names and globs.
        name === "direct" ? InvalidQueryError : InvalidArgumentError,
      );
      await assert.rejects(find(1, "nope"), MissingCollectionError);
      await assert.rejects(
        registry.findDataset("dark", cam1(1), { collections: "g_then_r" }),
        MissingDatasetTypeError,
      );
    });

    suite.directOnly(
      "findFirstDatasets is the local registry's batched find-first lookup; through a server, queryDatasets with findFirst answers it (next case)",
      "findFirstDatasets finds the first dataset of every data ID in one statement",
      async ({ registry }) => {
        const all = await registry.findFirstDatasets("bias", "r_then_g");
        const byDetector = new Map(all.map((r) => [r.dataId.get("detector"), r.run]));
        assert.deepEqual([...byDetector].sort(), [
          [1, "imported_g"],
          [2, "imported_r"],
          [3, "imported_r"],
          [4, "imported_r"],
        ]);
        const some = await registry.findFirstDatasets("bias", ["imported_g", "imported_r"], {
          dataIds: [cam1(2), cam1("Bb"), cam1(1)],
        });
        assert.deepEqual(some.map((r) => [r.dataId.get("detector"), r.run]).sort(), [
          [1, "imported_g"],
          [2, "imported_g"],
          [4, "imported_r"],
        ]);
        const flats = await registry.findFirstDatasets("flat", ["imported_g", "imported_r"]);
        assert.equal(flats.length, 7);
        assert.ok(flats.every((r) => r.dataId.hasFull()));
        assert.deepEqual(await registry.findFirstDatasets("bias", ["imported_g"], { dataIds: [] }), []);
        await assert.rejects(registry.findFirstDatasets("bias", "imported_*"), InvalidQueryError);
      },
    );

    suite.test(
      "queryDatasetAssociations answers the stored refs, full data IDs included",
      async ({ butler: { registry } }) => {
        const byId = new Map(datasetsYamlRefs(registry.universe).refs.map((r) => [r.id, r]));
        const flats = await registry.queryDatasetAssociations("flat", { collections: "imported_*" });
        assert.equal(flats.length, 7);
        for (const { ref, collection, timespan } of flats) {
          const imported = byId.get(ref.id)!;
          assert.ok(ref.equals(imported), `${ref}`);
          assert.equal(ref.run, imported.run);
          assert.equal(collection, imported.run);
          assert.equal(timespan, null);
          assert.ok(ref.dataId.hasFull(), `${ref.dataId}`);
          assert.deepEqual(ref.dataId.toObject(), imported.dataId.toObject());
          assert.equal(ref.datasetType.storageClass, "Exposure");
          assert.equal(ref.datasetType.isCalibration, true);
        }
        assert.deepEqual(
          flats.map((a) => a.ref.id).sort(),
          [...byId.values()]
            .filter((r) => r.datasetType.name === "flat")
            .map((r) => r.id)
            .sort(),
        );
        // A chain flattened without duplicates: each RUN once, whichever chains lead to it.
        const nested = await registry.queryDatasetAssociations("flat", {
          collections: ["nested", "g_then_r"],
          flattenChains: true,
        });
        assert.deepEqual(nested.map((a) => a.ref.id).sort(), flats.map((a) => a.ref.id).sort());
        assert.deepEqual(
          await registry.queryDatasetAssociations("flat", { collections: ["nested", "g_then_r"] }),
          [],
        );
      },
    );

    suite.test(
      "queryDatasets with findFirst finds the first dataset of every data ID",
      async ({ butler: { registry } }) => {
        const all = await registry.queryDatasets("bias", { collections: "r_then_g", findFirst: true });
        const byDetector = new Map(all.map((r) => [r.dataId.get("detector"), r.run]));
        assert.deepEqual([...byDetector].sort(), [
          [1, "imported_g"],
          [2, "imported_r"],
          [3, "imported_r"],
          [4, "imported_r"],
        ]);
        const some = await registry.queryDatasets("bias", {
          collections: ["imported_g", "imported_r"],
          findFirst: true,
          where: "detector.full_name IN ('Ab', 'Bb', 'Aa')",
        });
        assert.deepEqual(some.map((r) => [r.dataId.get("detector"), r.run]).sort(), [
          [1, "imported_g"],
          [2, "imported_g"],
          [4, "imported_r"],
        ]);
        const flats = await registry.queryDatasets("flat", {
          collections: ["imported_g", "imported_r"],
          findFirst: true,
        });
        assert.equal(flats.length, 7);
        assert.ok(flats.every((r) => r.dataId.hasFull()));
        await assert.rejects(
          registry.queryDatasets("bias", { collections: "imported_*", findFirst: true }),
          InvalidQueryError,
        );
      },
    );
  },
);

directOnlyRegistry(
  `${SUITE}: import`,
  ADMIN,
  "importDatasets keeps ids, is idempotent, and refuses a changed dataset",
  async (registry) => {
    const refs = await loadDatasets(registry);
    assert.equal(refs.length, 13);
    await assertReadBack(registry, refs);
    // The same refs again change nothing.
    await registry.importDatasets(datasetsYamlRefs(registry.universe).refs);
    assert.equal((await registry.findFirstDatasets("bias", ["imported_g", "imported_r"])).length, 4);
    // The same id with another data ID or run is a conflict.
    const bias = refs.find((r) => r.datasetType.name === "bias")!;
    const moved = new DatasetRef(bias.datasetType, bias.dataId, "imported_r", { id: bias.id });
    await assert.rejects(registry.importDatasets([moved]), ConflictingDefinitionError);
    const other = DataCoordinate.standardize(cam1(4), { dimensions: bias.datasetType.dimensions });
    await assert.rejects(
      registry.importDatasets([new DatasetRef(bias.datasetType, other, bias.run, { id: bias.id })]),
      ConflictingDefinitionError,
    );
    // A new id for a data ID the run already has is a conflict too.
    await assert.rejects(
      registry.importDatasets([new DatasetRef(bias.datasetType, bias.dataId, bias.run)]),
      ConflictingDefinitionError,
    );
    assert.equal(await registry.getDataset("00000000-0000-4000-8000-000000000000"), null);
  },
);

directOnlyRegistry(
  `${SUITE}: insert`,
  ADMIN,
  "insertDatasets makes ids in the three modes and refuses duplicates",
  async (registry) => {
    await loadBase(registry);
    await registry.registerRun("run1");
    await registry.registerRun("run2");
    const [unique] = await registry.insertDatasets("bias", [cam1(1)], "run1");
    assert.equal(uuidVersion(unique!.id), 7);
    const [byType] = await registry.insertDatasets("bias", [cam1(2)], "run1", DatasetIdGenEnum.DATAID_TYPE);
    const [byRun] = await registry.insertDatasets(
      "bias",
      [cam1(3)],
      "run1",
      DatasetIdGenEnum.DATAID_TYPE_RUN,
    );
    const bias = await registry.getDatasetType("bias");
    const dataId = (d: number) => DataCoordinate.standardize(cam1(d), { dimensions: bias.dimensions });
    assert.equal(byType!.id, makeDatasetId("run1", "bias", dataId(2), DatasetIdGenEnum.DATAID_TYPE));
    assert.equal(byRun!.id, makeDatasetId("run1", "bias", dataId(3), DatasetIdGenEnum.DATAID_TYPE_RUN));
    assert.equal(uuidVersion(byType!.id), 5);
    // DATAID_TYPE_RUN ids differ between runs, so the same data ID goes into another run.
    const [again] = await registry.insertDatasets(
      "bias",
      [cam1(3)],
      "run2",
      DatasetIdGenEnum.DATAID_TYPE_RUN,
    );
    assert.notEqual(again!.id, byRun!.id);
    // DATAID_TYPE ids do not: the same data ID in another run is the same dataset, a conflict.
    await assert.rejects(
      registry.insertDatasets("bias", [cam1(2)], "run2", DatasetIdGenEnum.DATAID_TYPE),
      (err: Error) => err instanceof ConflictingDefinitionError && /already exists/.test(err.message),
    );
    // The same type and data ID twice in one run.
    await assert.rejects(
      registry.insertDatasets("bias", [cam1(1)], "run1"),
      (err: Error) => err instanceof ConflictingDefinitionError && /detector: 1/.test(err.message),
    );
    await assert.rejects(
      registry.insertDatasets("bias", [cam1(4), cam1("Bb")], "run2"),
      ConflictingDefinitionError,
    );
    // Nothing of a failed batch is kept.
    await assert.rejects(
      registry.insertDatasets("bias", [cam1(4), cam1(1)], "run1"),
      ConflictingDefinitionError,
    );
    assert.equal(await registry.findDataset("bias", cam1(4), { collections: "run1" }), null);
    // Bad references.
    await assert.rejects(registry.insertDatasets("bias", [cam1(9)], "run1"), DimensionRecordNotFoundError);
    await assert.rejects(registry.insertDatasets("dark", [cam1(1)], "run1"), MissingDatasetTypeError);
    await assert.rejects(registry.insertDatasets("bias", [cam1(1)], "nope"), MissingCollectionError);
    await registry.registerCollection("tag", CollectionType.TAGGED);
    await assert.rejects(registry.insertDatasets("bias", [cam1(1)], "tag"), CollectionTypeError);
    // Alternate keys and implied values are resolved in bulk.
    const flats = await registry.insertDatasets(
      "flat",
      [cam1("Aa", { physical_filter: "Cam1-G" }), cam1(2, { physical_filter: "Cam1-R1" })],
      "run2",
    );
    assert.deepEqual(
      flats.map((r) => r.dataId.toObject()),
      [
        { instrument: "Cam1", detector: 1, physical_filter: "Cam1-G", band: "g" },
        { instrument: "Cam1", detector: 2, physical_filter: "Cam1-R1", band: "r" },
      ],
    );
    // A dataset type given as an object must be the registered one.
    const changed = DatasetType.fromNames(
      "bias",
      ["instrument", "detector"],
      "ExposureF",
      registry.universe,
      {
        isCalibration: true,
      },
    );
    await assert.rejects(registry.insertDatasets(changed, [cam1(4)], "run1"), ConflictingDefinitionError);
  },
);

directOnlyRegistry(
  `${SUITE}: associations`,
  ADMIN,
  "associate refuses another dataset of the same type and data ID; disassociate removes",
  async (registry) => {
    const refs = await loadDatasets(registry);
    await registry.registerCollection("tag", CollectionType.TAGGED);
    const bias = (run: string, detector: number) =>
      refs.find(
        (r) => r.datasetType.name === "bias" && r.run === run && r.dataId.get("detector") === detector,
      )!;
    await registry.associate("tag", [bias("imported_g", 2), bias("imported_g", 3)]);
    await registry.associate("tag", [bias("imported_g", 2)]);
    assert.equal(
      (await registry.findDataset("bias", cam1(2), { collections: "tag" }))?.id,
      bias("imported_g", 2).id,
    );
    // Same type and data ID from another run conflicts, and the whole call changes nothing.
    await assert.rejects(
      registry.associate("tag", [bias("imported_r", 4), bias("imported_r", 2)]),
      ConflictingDefinitionError,
    );
    assert.equal(await registry.findDataset("bias", cam1(4), { collections: "tag" }), null);
    // Once the old one is gone the new one may join.
    await registry.disassociate("tag", [bias("imported_g", 2)]);
    await registry.associate("tag", [bias("imported_r", 2), bias("imported_r", 4)]);
    assert.equal(
      (await registry.findDataset("bias", cam1(2), { collections: "tag" }))?.id,
      bias("imported_r", 2).id,
    );
    const associations = await registry.queryDatasetAssociations("bias", { collections: "tag" });
    assert.deepEqual(
      associations.map((a) => [a.ref.dataId.get("detector"), a.ref.run, a.collection, a.timespan]).sort(),
      [
        [2, "imported_r", "tag", null],
        [3, "imported_g", "tag", null],
        [4, "imported_r", "tag", null],
      ],
    );
    await assert.rejects(
      registry.associate("tag", [bias("imported_g", 3), bias("imported_r", 3)]),
      ConflictingDefinitionError,
    );
    await registry.disassociate("tag", [bias("imported_r", 2), bias("imported_g", 1)]);
    assert.equal(await registry.findDataset("bias", cam1(2), { collections: "tag" }), null);
    assert.equal((await registry.findDataset("bias", cam1(3), { collections: "tag" }))?.run, "imported_g");
    // Wrong collection types and unknown datasets.
    await assert.rejects(registry.associate("imported_g", [bias("imported_r", 2)]), CollectionTypeError);
    await registry.registerCollection("calib", CollectionType.CALIBRATION);
    await assert.rejects(registry.associate("calib", [bias("imported_r", 2)]), CollectionTypeError);
    await assert.rejects(registry.disassociate("calib", [bias("imported_r", 2)]), CollectionTypeError);
    const ghost = new DatasetRef(
      bias("imported_g", 1).datasetType,
      bias("imported_g", 1).dataId,
      "imported_g",
    );
    await assert.rejects(registry.associate("tag", [ghost]), DatasetNotFoundError);
    // All memberships of a type across RUN and TAGGED collections.
    const everywhere = await registry.queryDatasetAssociations("bias", {
      collectionTypes: [CollectionType.TAGGED],
    });
    assert.equal(everywhere.length, 2);
    const runs = await registry.queryDatasetAssociations("bias", { collections: "imported_*" });
    assert.equal(runs.length, 6);
  },
);

directOnlyRegistry(
  `${SUITE}: removal`,
  ADMIN,
  "removeDatasets removes datasets and their associations",
  async (registry) => {
    const refs = await loadDatasets(registry);
    await registry.registerCollection("tag", CollectionType.TAGGED);
    const extra = refs.find(
      (r) => r.run === "imported_r" && r.datasetType.name === "bias" && r.dataId.get("detector") === 4,
    )!;
    await registry.associate("tag", [...refs.filter((r) => r.run === "imported_g"), extra]);
    const biases = refs.filter((r) => r.datasetType.name === "bias" && r.run === "imported_g");
    await registry.removeDatasets(biases);
    for (const ref of biases) assert.equal(await registry.getDataset(ref.id), null);
    assert.equal(await registry.findDataset("bias", cam1(1), { collections: ["tag", "imported_g"] }), null);
    assert.deepEqual(
      (await registry.queryDatasetAssociations("bias", { collections: "tag" })).map((a) => a.ref.id),
      [extra.id],
    );
    // Ids not stored are ignored; the RUN can go once empty.
    await registry.removeDatasets([biases[0]!.id]);
    await registry.removeDatasets(refs.filter((r) => r.run === "imported_g"));
    await registry.removeCollection("imported_g");
    // Removed data IDs can be inserted again.
    await registry.registerRun("imported_g");
    await registry.insertDatasets("bias", [cam1(1)], "imported_g");
  },
);

directOnlyRegistry(
  `${SUITE}: dataset type removal`,
  ADMIN,
  "dataset types with datasets cannot be removed",
  async (registry) => {
    const refs = await loadDatasets(registry);
    await assert.rejects(registry.removeDatasetType("bias"), /datasets of that type exist/);
    await registry.removeDatasets(refs.filter((r) => r.datasetType.name === "bias"));
    await registry.removeDatasetType("bias");
    await assert.rejects(registry.getDatasetType("bias"), MissingDatasetTypeError);
    assert.deepEqual(
      (await registry.queryDatasetTypes()).map((t) => t.name),
      ["flat"],
    );
  },
);
