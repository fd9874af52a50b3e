import assert from "node:assert/strict";
import { CollectionType } from "../../src/core/index.ts";
import {
  CollectionCycleError,
  CollectionNameError,
  CollectionTypeError,
  ConflictingDefinitionError,
  InvalidArgumentError,
  InvalidQueryError,
  MissingCollectionError,
  OrphanedRecordError,
} from "../../src/errors/index.ts";
import { bothWays, directOnlyRegistry, registryRepo } from "../support/both-ways.ts";
import { loadDatasets, makeChain } from "./registry-support.ts";

const { RUN, TAGGED, CHAINED, CALIBRATION } = CollectionType;

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
