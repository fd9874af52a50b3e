import assert from "node:assert/strict";
import { CollectionType, type DatasetRef, Timespan } from "../../src/core/index.ts";
import {
  CollectionCycleError,
  CollectionNameError,
  CollectionTypeError,
  ConflictingDefinitionError,
  InvalidArgumentError,
  InvalidQueryError,
  MissingCollectionError,
  MissingDatasetTypeError,
  OrphanedRecordError,
} from "../../src/errors/index.ts";
import type { QueryDatasetAssociationsOptions } from "../../src/registry/index.ts";
import { parseButlerTime } from "../../src/time/index.ts";
import { bothWays, directOnlyRegistry, registryRepo } from "../support/both-ways.ts";
import { datasetsYamlRefs, loadBase, loadDatasets, makeChain } from "./registry-support.ts";

const { RUN, TAGGED, CHAINED, CALIBRATION } = CollectionType;

const day = (d: number) => parseButlerTime(`2020-01-${String(d).padStart(2, "0")}T00:00:00`);
const span = (a: number | null, b: number | null) =>
  new Timespan(a === null ? null : day(a), b === null ? null : day(b));

/** The bias of datasets.yaml in `run` for `detector`. */
function bias(refs: readonly DatasetRef[], run: string, detector: number): DatasetRef {
  return refs.find(
    (r) => r.datasetType.name === "bias" && r.run === run && r.dataId.get("detector") === detector,
  )!;
}

const SUITE = "registry collections";
const ADMIN =
  "registering, chaining, documenting and removing collections are administrators' writes, which a remote registry does not offer";

bothWays(
  SUITE,
  {
    make: registryRepo(async (registry) => {
      await registry.registerRun("imported_g", "g-band imports");
      await registry.registerRun("imported_r");
      await registry.registerCollection("tag", TAGGED);
      await registry.registerCollection("calibs", CALIBRATION, "calibrations");
      await makeChain(registry, "chain1", ["tag", "imported_r"]);
      await makeChain(registry, "chain2", ["chain1", "imported_g"]);
      // datasets.yaml's biases and flats in the two RUNs, some tagged, some certified.
      await loadBase(registry);
      const refs = await registry.importDatasets(datasetsYamlRefs(registry.universe).refs);
      await registry.associate("tag", [bias(refs, "imported_g", 2), bias(refs, "imported_r", 4)]);
      await registry.certify("calibs", [bias(refs, "imported_g", 2)], span(1, 10));
      await registry.certify("calibs", [bias(refs, "imported_r", 2)], span(10, 20));
      await registry.certify("calibs", [bias(refs, "imported_r", 3)], span(null, 5));
    }),
  },
  (suite) => {
    suite.test("queryCollections matches names, globs, RegExps and types", async ({ name, butler }) => {
      const { registry } = butler;
      assert.deepEqual(await registry.queryCollections(), [
        "imported_g",
        "imported_r",
        "tag",
        "calibs",
        "chain1",
        "chain2",
      ]);
      assert.deepEqual(await registry.queryCollections("imported_*"), ["imported_g", "imported_r"]);
      assert.deepEqual(await registry.queryCollections("imported_?"), ["imported_g", "imported_r"]);
      if (name === "direct") {
        assert.deepEqual(await registry.queryCollections(/^chain\d$/), ["chain1", "chain2"]);
      } else {
        // A regular expression is evaluated locally only; the wire takes names and globs.
        await assert.rejects(registry.queryCollections(/^chain\d$/), InvalidArgumentError);
      }
      assert.deepEqual(await registry.queryCollections(["tag", "imported_g"]), ["tag", "imported_g"]);
      assert.deepEqual(await registry.queryCollections(undefined, { collectionTypes: RUN }), [
        "imported_g",
        "imported_r",
      ]);
      assert.deepEqual(await registry.queryCollections("*", { collectionTypes: [TAGGED, CALIBRATION] }), [
        "tag",
        "calibs",
      ]);
      assert.deepEqual(await registry.queryCollections("chain2", { flattenChains: true }), [
        "tag",
        "imported_r",
        "imported_g",
      ]);
      assert.deepEqual(
        await registry.queryCollections("chain2", { flattenChains: true, includeChains: true }),
        ["chain2", "chain1", "tag", "imported_r", "imported_g"],
      );
      assert.deepEqual(
        await registry.queryCollections("chain2", { flattenChains: true, collectionTypes: RUN }),
        ["imported_r", "imported_g"],
      );
      assert.deepEqual(await registry.queryCollections("chain*", { collectionTypes: CHAINED }), [
        "chain1",
        "chain2",
      ]);
      assert.deepEqual(await registry.queryCollections("nothing*"), []);
      await assert.rejects(registry.queryCollections("nothing"), MissingCollectionError);
    });

    suite.test("collection types and documentation read back", async ({ butler: { registry } }) => {
      assert.equal(await registry.getCollectionType("imported_g"), RUN);
      assert.equal(await registry.getCollectionType("tag"), TAGGED);
      assert.equal(await registry.getCollectionType("calibs"), CALIBRATION);
      assert.equal(await registry.getCollectionType("chain2"), CHAINED);
      await assert.rejects(registry.getCollectionType("nope"), MissingCollectionError);
      assert.equal(await registry.getCollectionDocumentation("imported_g"), "g-band imports");
      assert.equal(await registry.getCollectionDocumentation("calibs"), "calibrations");
      assert.equal(await registry.getCollectionDocumentation("tag"), null);
      await assert.rejects(registry.getCollectionDocumentation("nope"), MissingCollectionError);
    });

    suite.test("chains read back with their children and parents", async ({ butler: { registry } }) => {
      assert.deepEqual(await registry.getCollectionChain("chain2"), ["chain1", "imported_g"]);
      assert.deepEqual(await registry.getCollectionChain("chain1"), ["tag", "imported_r"]);
      assert.deepEqual(await registry.getCollectionParentChains("imported_r"), ["chain1"]);
      assert.deepEqual(await registry.getCollectionParentChains("imported_g"), ["chain2"]);
      assert.deepEqual(await registry.getCollectionParentChains("chain1"), ["chain2"]);
      assert.deepEqual(await registry.getCollectionParentChains("calibs"), []);
      await assert.rejects(registry.getCollectionChain("imported_g"), CollectionTypeError);
      await assert.rejects(registry.getCollectionChain("nope"), MissingCollectionError);
    });

    suite.test(
      "queryDatasetAssociations lists memberships by collection, with validity ranges in CALIBRATION ones",
      async ({ butler: { registry } }) => {
        const { refs } = datasetsYamlRefs(registry.universe);
        const rows = async (options: QueryDatasetAssociationsOptions) =>
          (await registry.queryDatasetAssociations("bias", options))
            .map((a) => {
              const imported = refs.find((r) => r.id === a.ref.id);
              assert.ok(imported !== undefined && a.ref.equals(imported), `${a.ref}`);
              assert.equal(a.ref.run, imported.run);
              return [a.collection, a.ref.run, a.ref.dataId.get("detector"), a.timespan?.toString() ?? null];
            })
            .sort((x, y) => JSON.stringify(x).localeCompare(JSON.stringify(y)));
        const tagged = [
          ["tag", "imported_g", 2, null],
          ["tag", "imported_r", 4, null],
        ];
        const runR = [2, 3, 4].map((d) => ["imported_r", "imported_r", d, null]);
        const runG = [1, 2, 3].map((d) => ["imported_g", "imported_g", d, null]);
        const certified = [
          ["calibs", "imported_g", 2, span(1, 10).toString()],
          ["calibs", "imported_r", 2, span(10, 20).toString()],
          ["calibs", "imported_r", 3, span(null, 5).toString()],
        ];
        const sorted = (...lists: unknown[][][]) =>
          lists.flat().sort((x, y) => JSON.stringify(x).localeCompare(JSON.stringify(y)));
        assert.deepEqual(await rows({ collections: "tag" }), tagged);
        assert.deepEqual(await rows({ collections: "imported_r" }), runR);
        assert.deepEqual(await rows({ collections: "calibs" }), certified);
        // A timespan read back is the one certified, bounds and all.
        const [open] = (await registry.queryDatasetAssociations("bias", { collections: "calibs" })).filter(
          (a) => a.ref.dataId.get("detector") === 3,
        );
        assert.ok(open?.timespan instanceof Timespan && open.timespan.equals(span(null, 5)));
        assert.equal(open?.timespan?.begin, null);
        // A chain holds nothing itself; flattened, it is its members'.
        assert.deepEqual(await rows({ collections: "chain2" }), []);
        assert.deepEqual(
          await rows({ collections: "chain2", flattenChains: true }),
          sorted(tagged, runR, runG),
        );
        assert.deepEqual(
          await rows({ collections: "chain2", flattenChains: true, collectionTypes: RUN }),
          sorted(runR, runG),
        );
        // Every collection, or every one of some types.
        assert.deepEqual(await rows({}), sorted(tagged, runR, runG, certified));
        assert.deepEqual(await rows({ collectionTypes: [TAGGED, CALIBRATION] }), sorted(tagged, certified));
        assert.deepEqual(await rows({ collections: "imported_*", collectionTypes: TAGGED }), []);
        assert.deepEqual(await registry.queryDatasetAssociations("flat", { collections: "calibs" }), []);
        await assert.rejects(
          registry.queryDatasetAssociations("bias", { collections: "nope" }),
          MissingCollectionError,
        );
        await assert.rejects(
          registry.queryDatasetAssociations("dark", { collections: "tag" }),
          MissingDatasetTypeError,
        );
      },
    );
  },
);

directOnlyRegistry(
  `${SUITE}: registering`,
  ADMIN,
  "registering runs and collections reports whether they are new",
  async (registry) => {
    assert.equal(await registry.registerRun("run1", "first run"), true);
    assert.equal(await registry.registerRun("run1"), false);
    assert.equal(await registry.registerCollection("tag1", TAGGED), true);
    assert.equal(await registry.registerCollection("tag1", TAGGED), false);
    assert.equal(await registry.registerCollection("calib1", CALIBRATION, "calibs"), true);
    await assert.rejects(registry.registerCollection("run1", TAGGED), ConflictingDefinitionError);
    await assert.rejects(registry.registerRun("tag1"), ConflictingDefinitionError);
    await assert.rejects(registry.registerRun(""), CollectionNameError);
    await assert.rejects(registry.registerRun("x".repeat(65)), CollectionNameError);
    assert.equal(await registry.getCollectionType("run1"), RUN);
    assert.equal(await registry.getCollectionType("calib1"), CALIBRATION);
    await assert.rejects(registry.getCollectionType("nope"), MissingCollectionError);
    assert.equal(await registry.getCollectionDocumentation("run1"), "first run");
    assert.equal(await registry.getCollectionDocumentation("tag1"), null);
    await registry.setCollectionDocumentation("tag1", "tagged things");
    assert.equal(await registry.getCollectionDocumentation("tag1"), "tagged things");
  },
);

directOnlyRegistry(
  `${SUITE}: chains`,
  ADMIN,
  "chains nest, flatten depth-first without duplicates, and refuse cycles",
  async (registry) => {
    for (const run of ["a", "b", "c", "d"]) await registry.registerRun(run);
    await registry.registerCollection("tag", TAGGED);
    await makeChain(registry, "inner", ["b", "c"]);
    await makeChain(registry, "outer", ["a", "inner", "tag", "c", "d"]);
    assert.deepEqual(await registry.getCollectionChain("outer"), ["a", "inner", "tag", "c", "d"]);
    assert.deepEqual(await registry.collectionChainFlattened("outer"), ["a", "b", "c", "tag", "d"]);
    assert.deepEqual(await registry.getCollectionParentChains("c"), ["inner", "outer"]);
    assert.deepEqual(await registry.getCollectionParentChains("a"), ["outer"]);
    // Duplicates in a definition keep their first place.
    await makeChain(registry, "dups", ["b", "a", "b"]);
    assert.deepEqual(await registry.getCollectionChain("dups"), ["b", "a"]);
    // Cycles: directly, through another chain, and the chain itself.
    await assert.rejects(registry.setCollectionChain("inner", ["outer"]), CollectionCycleError);
    await assert.rejects(registry.setCollectionChain("inner", ["inner"]), CollectionCycleError);
    await makeChain(registry, "top", ["outer"]);
    await assert.rejects(
      registry.setCollectionChain("inner", ["b", "top"]),
      (err: Error) => err instanceof CollectionCycleError && err.child === "top",
    );
    assert.deepEqual(await registry.getCollectionChain("inner"), ["b", "c"]);
    // Not a chain, missing children, wildcards.
    await assert.rejects(registry.setCollectionChain("a", ["b"]), CollectionTypeError);
    await assert.rejects(registry.getCollectionChain("a"), CollectionTypeError);
    await assert.rejects(registry.setCollectionChain("inner", ["nope"]), MissingCollectionError);
    await assert.rejects(registry.setCollectionChain("inner", ["b*"]), InvalidQueryError);
    // flatten stores the leaves.
    await makeChain(registry, "flat", []);
    await registry.setCollectionChain("flat", ["outer", "a"], true);
    assert.deepEqual(await registry.getCollectionChain("flat"), ["a", "b", "c", "tag", "d"]);
    // Redefinition replaces the children.
    await registry.setCollectionChain("inner", ["d"]);
    assert.deepEqual(await registry.collectionChainFlattened("outer"), ["a", "d", "tag", "c"]);
  },
);

directOnlyRegistry(
  `${SUITE}: removal`,
  ADMIN,
  "removeCollection refuses chain children and RUNs with datasets",
  async (registry) => {
    const refs = await loadDatasets(registry);
    await registry.registerCollection("tag", TAGGED);
    await registry.associate("tag", refs.slice(0, 2));
    await makeChain(registry, "chain", ["tag", "imported_g"]);
    await assert.rejects(registry.removeCollection("tag"), OrphanedRecordError);
    await assert.rejects(registry.removeCollection("imported_r"), OrphanedRecordError);
    await assert.rejects(registry.removeCollection("nope"), MissingCollectionError);
    await registry.removeCollection("chain");
    assert.deepEqual(await registry.getCollectionParentChains("tag"), []);
    await registry.removeCollection("tag");
    await assert.rejects(registry.getCollectionType("tag"), MissingCollectionError);
    // The tagged datasets themselves stay.
    assert.ok((await registry.getDataset(refs[0]!.id)) !== null);
    await registry.registerRun("empty");
    await registry.removeCollection("empty");
    assert.deepEqual(await registry.queryCollections(), ["imported_g", "imported_r"]);
    // A name can be registered again, with another type.
    assert.equal(await registry.registerCollection("tag", CALIBRATION), true);
    assert.equal(await registry.getCollectionType("tag"), CALIBRATION);
  },
);
