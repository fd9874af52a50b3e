// Behaviours daf_butler's registry test suite (python/lsst/daf/butler/registry/tests/_registry.py)
// checks on its exported test repositories, re-stated against our registry and the same peer files.
// Each describe names the daf_butler test method it ports; the expected answers are daf_butler's.
import assert from "node:assert/strict";
import { test } from "node:test";
import { componentsHook } from "../../src/butler/storage-classes.ts";
import {
  CollectionType,
  DataCoordinate,
  type DatasetRef,
  DatasetType,
  defaultStorageClasses,
  Timespan,
} from "../../src/core/index.ts";
import {
  CalibrationLookupError,
  CollectionCycleError,
  CollectionTypeError,
  ConflictingDefinitionError,
  MissingCollectionError,
  MissingDatasetTypeError,
} from "../../src/errors/index.ts";
import type { Registry } from "../../src/registry/index.ts";
import { timeFromIso } from "../../src/time/index.ts";
import {
  assertExplains,
  dataIdKeys,
  emptyReasons,
  idsOf,
  loadPeer,
  loadPeerAfter,
  missingPeer,
  valuesOf,
} from "./ported-support.ts";
import { forEachDialect, makeChain } from "./registry-support.ts";

const SKIP = missingPeer("base.yaml", "datasets.yaml");

/** A find-first lookup of one bias (null when absent). */
function bias(registry: Registry, detector: number, collections: string | string[]) {
  return registry.findDataset("bias", { instrument: "Cam1", detector }, { collections });
}

/** Like `bias`, but the dataset must exist. */
async function mustBias(registry: Registry, detector: number, collections: string | string[]) {
  const ref = await bias(registry, detector, collections);
  assert.ok(ref !== null, `no bias for detector ${detector} in ${collections}`);
  return ref;
}

function same(a: DatasetRef | null, b: DatasetRef | null): void {
  assert.equal(a?.id ?? null, b?.id ?? null);
}

forEachDialect("testFindDataset (daf_butler _registry.py)", (ctx) => {
  test("findDataset finds what was inserted and nothing else", {
    skip: missingPeer("base.yaml"),
  }, async () => {
    const registry = await ctx.makeRegistry();
    await loadPeer(registry, "base.yaml");
    const run = "tésτ";
    await registry.registerRun(run);
    const [input] = await registry.insertDatasets("bias", [{ instrument: "Cam1", detector: 4 }], run);
    same(await bias(registry, 4, [run]), input!);
    // A data ID without the detector cannot identify a bias.
    await assert.rejects(registry.findDataset("bias", { instrument: "Cam1" }, { collections: run }));
    const [ref1] = await registry.insertDatasets("bias", [{ instrument: "Cam1", detector: 1 }], run);
    const [ref2] = await registry.insertDatasets("bias", [{ instrument: "Cam1", detector: 2 }], run);
    same(await bias(registry, 1, run), ref1!);
    same(await bias(registry, 2, run), ref2!);
    assert.notEqual((await bias(registry, 1, run))!.id, ref2!.id);
    assert.equal(await bias(registry, 3, run), null);
  });
});

forEachDialect("testComponentLookups (daf_butler _registry.py)", (ctx) => {
  test("component datasets are found through their parents", {
    skip: SKIP,
  }, async () => {
    const registry = await ctx.makeRegistry();
    registry.componentsOf = componentsHook(defaultStorageClasses());
    await loadPeer(registry, "base.yaml", "datasets.yaml");
    const collection = "imported_g";
    const parent = await mustBias(registry, 1, collection);
    const child = await registry.findDataset("bias.wcs", parent.dataId, { collections: collection });
    assert.ok(child !== null);
    assert.equal(child.id, parent.id);
    assert.equal(child.datasetType.name, "bias.wcs");
    // Data IDs constrained by the existence of a component dataset are the parent's.
    const dataIds = await registry.queryDataIds(["detector"], {
      datasets: ["bias.wcs"],
      collections: collection,
    });
    assert.deepEqual(valuesOf(dataIds, "detector"), [1, 2, 3]);
    const children = await registry.queryDatasets("bias.wcs", { collections: collection });
    assert.deepEqual(
      children.map((r) => r.datasetType.name),
      ["bias.wcs", "bias.wcs", "bias.wcs"],
    );
    assert.deepEqual(dataIdKeys(children.map((r) => r.dataId)), dataIdKeys(dataIds));
  });
});

forEachDialect("testDatasetTypeComponentQueries (daf_butler _registry.py)", (ctx) => {
  test("components are listed only when asked for", { skip: SKIP }, async () => {
    const registry = await ctx.makeRegistry();
    registry.componentsOf = componentsHook(defaultStorageClasses());
    await loadPeer(registry, "base.yaml", "datasets.yaml");
    const names = async (...args: Parameters<Registry["queryDatasetTypes"]>) =>
      new Set((await registry.queryDatasetTypes(...args)).map((t) => t.name));
    assert.deepEqual(await names(), new Set(["bias", "flat"]));
    assert.deepEqual(await names(undefined, { components: false }), new Set(["bias", "flat"]));
    const all = await names(undefined, { components: true });
    for (const n of ["bias", "flat", "bias.wcs", "flat.photoCalib"]) assert.ok(all.has(n), n);
    assert.ok(all.size > 4);
    assert.deepEqual(await names(/^bias.*/), new Set(["bias"]));
    assert.deepEqual(await names(/^bias.*/, { components: false }), new Set(["bias"]));
    const biasAll = await names(/^bias.*/, { components: true });
    assert.ok(biasAll.has("bias") && biasAll.has("bias.wcs") && biasAll.size > 2);
    assert.deepEqual(await names(/^bias\.wcs/, { components: false }), new Set());
    assert.deepEqual(await names(/^bias\.wcs/, { components: true }), new Set(["bias.wcs"]));
  });

  test("a pattern only a component matches returns that component by default", { skip: SKIP }, async () => {
    const registry = await ctx.makeRegistry();
    registry.componentsOf = componentsHook(defaultStorageClasses());
    await loadPeer(registry, "base.yaml", "datasets.yaml");
    const names = (await registry.queryDatasetTypes(/^bias\.wcs/)).map((t) => t.name);
    assert.deepEqual(names, ["bias.wcs"]);
  });
});

forEachDialect("testCollections (daf_butler _registry.py)", (ctx) => {
  test("TAGGED and CHAINED collections change what findDataset sees", { skip: SKIP }, async () => {
    const registry = await ctx.makeRegistry();
    await loadPeer(registry, "base.yaml", "datasets.yaml");
    const run1 = "imported_g";
    const run2 = "imported_r";
    await registry.setCollectionDocumentation(run1, "doc for run1");
    assert.equal(await registry.getCollectionDocumentation(run1), "doc for run1");
    await registry.setCollectionDocumentation(run1, null);
    assert.equal(await registry.getCollectionDocumentation(run1), null);
    const ref1 = await mustBias(registry, 1, run1);
    const ref2 = await mustBias(registry, 2, run1);
    const tag1 = "tag1";
    await registry.registerCollection(tag1, CollectionType.TAGGED, "doc for tag1");
    const setOf = async (...args: Parameters<Registry["queryCollections"]>) =>
      new Set(await registry.queryCollections(...args));
    assert.deepEqual(await setOf(undefined, { collectionTypes: CollectionType.RUN }), new Set([run1, run2]));
    assert.deepEqual(
      await setOf(undefined, { collectionTypes: [CollectionType.TAGGED, CollectionType.RUN] }),
      new Set([tag1, run1, run2]),
    );
    assert.equal(await registry.getCollectionDocumentation(tag1), "doc for tag1");
    await registry.associate(tag1, [ref1, ref2]);
    same(await bias(registry, 1, tag1), ref1);
    same(await bias(registry, 2, tag1), ref2);
    await registry.disassociate(tag1, [ref1]);
    assert.equal(await bias(registry, 1, tag1), null);
    same(await bias(registry, 1, run1), ref1);
    same(await bias(registry, 2, tag1), ref2);
    assert.deepEqual(await setOf(), new Set([run1, run2, tag1]));
    // Associating again is harmless.
    await registry.associate(tag1, [ref1, ref2]);
    same(await bias(registry, 1, tag1), ref1);
    same(await bias(registry, 2, tag1), ref2);
    // (Associating a different dataset with the same type and data ID: see the next test.)
    const ref2b = await mustBias(registry, 2, run2);
    assert.notEqual(ref2b.id, ref2.id);

    const chain1 = "chain1";
    await registry.registerCollection(chain1, CollectionType.CHAINED);
    assert.equal(await registry.getCollectionType(chain1), CollectionType.CHAINED);
    assert.deepEqual(await registry.getCollectionChain(chain1), []);
    assert.deepEqual(await setOf(undefined, { flattenChains: false }), new Set([tag1, run1, run2, chain1]));
    assert.deepEqual(await setOf(undefined, { flattenChains: true }), new Set([tag1, run1, run2]));
    await assert.rejects(registry.setCollectionChain(chain1, [tag1, chain1]), CollectionCycleError);
    await registry.setCollectionChain(chain1, [tag1, run2]);
    assert.deepEqual(await registry.getCollectionChain(chain1), [tag1, run2]);
    assert.deepEqual(await registry.getCollectionParentChains(tag1), [chain1]);
    assert.deepEqual(await registry.getCollectionParentChains(run2), [chain1]);
    same(await bias(registry, 1, chain1), ref1);
    same(await bias(registry, 2, chain1), ref2);
    // Without ref2 in tag1, the chain falls through to run2.
    await registry.disassociate(tag1, [ref2]);
    same(await bias(registry, 2, chain1), ref2b);
    const chain2 = "chain2";
    await makeChain(registry, chain2, [run2, chain1]);
    assert.deepEqual(await registry.getCollectionParentChains(chain1), [chain2]);
    assert.deepEqual(new Set(await registry.getCollectionParentChains(run2)), new Set([chain1, chain2]));
    assert.deepEqual(
      await setOf(/imported_./, { flattenChains: false }),
      new Set(["imported_r", "imported_g"]),
    );
    assert.deepEqual(
      await setOf([/imported_./, "chain1"], { flattenChains: false }),
      new Set(["imported_r", "imported_g", "chain1"]),
    );
    // Recursion: bias 1 is not in run2 but is in tag1 through chain1.
    assert.equal(await bias(registry, 1, run2), null);
    same(await bias(registry, 1, chain2), ref1);
    same(await bias(registry, 2, chain2), ref2b);
    const flat = { instrument: "Cam1", detector: 3, physical_filter: "Cam1-R2" };
    const ref4 = await registry.findDataset("flat", flat, { collections: run2 });
    assert.ok(ref4 !== null);
    same(await registry.findDataset("flat", flat, { collections: chain2 }), ref4);
    // Members of a chain cannot be removed; removal failures change nothing.
    await assert.rejects(registry.removeCollection(run2));
    assert.equal(await registry.getCollectionType(run2), CollectionType.RUN);
    await assert.rejects(registry.removeCollection(chain1));
    assert.equal(await registry.getCollectionType(chain1), CollectionType.CHAINED);
    await registry.removeCollection(chain2);
    await assert.rejects(registry.getCollectionType(chain2), MissingCollectionError);
    await registry.removeCollection(chain1);
    // Our registry refuses to remove a RUN that still holds datasets (daf_butler removes them too).
    await registry.removeDatasets(await registry.queryDatasets("*", { collections: run2 }));
    await registry.removeCollection(run2);
    await assert.rejects(registry.getCollectionType(run2), MissingCollectionError);
    await assert.rejects(registry.getCollectionType(chain1), MissingCollectionError);
    await registry.removeCollection(tag1);
    await assert.rejects(registry.getCollectionType(tag1), MissingCollectionError);
  });
});

forEachDialect("testCollections, conflicting associations (daf_butler _registry.py)", (ctx) => {
  test("another dataset with the same type and data ID cannot join a TAGGED collection", {
    skip: SKIP,
  }, async () => {
    const registry = await ctx.makeRegistry();
    await loadPeer(registry, "base.yaml", "datasets.yaml");
    const tag1 = "tag1";
    await registry.registerCollection(tag1, CollectionType.TAGGED);
    const ref1 = await mustBias(registry, 1, "imported_g");
    const ref2 = await mustBias(registry, 2, "imported_g");
    await registry.associate(tag1, [ref1, ref2]);
    const ref2b = await mustBias(registry, 2, "imported_r");
    await assert.rejects(registry.associate(tag1, [ref2b]), ConflictingDefinitionError);
    same(await bias(registry, 1, tag1), ref1);
    same(await bias(registry, 2, tag1), ref2);
    // A batch with one harmless and one conflicting dataset also changes nothing.
    const ref3 = await mustBias(registry, 3, "imported_g");
    await assert.rejects(registry.associate(tag1, [ref3, ref2b]), ConflictingDefinitionError);
    same(await bias(registry, 1, tag1), ref1);
    same(await bias(registry, 2, tag1), ref2);
    assert.equal(await bias(registry, 3, tag1), null);
  });
});

forEachDialect("testCollectionChainFlatten (daf_butler _registry.py)", (ctx) => {
  test("setCollectionChain flattens nested chains only when asked", async () => {
    const registry = await ctx.makeRegistry();
    await registry.registerCollection("inner", CollectionType.CHAINED);
    await registry.registerCollection("innermost", CollectionType.RUN);
    await registry.setCollectionChain("inner", ["innermost"]);
    await registry.registerCollection("outer", CollectionType.CHAINED);
    await registry.setCollectionChain("outer", ["inner"], false);
    assert.deepEqual(await registry.getCollectionChain("outer"), ["inner"]);
    await registry.setCollectionChain("outer", ["inner"], true);
    assert.deepEqual(await registry.getCollectionChain("outer"), ["innermost"]);
  });
});

forEachDialect("testQueryDatasetsDeduplication (daf_butler _registry.py)", (ctx) => {
  test("findFirst keeps the first dataset of each data ID in collection order", { skip: SKIP }, async () => {
    const registry = await ctx.makeRegistry();
    await loadPeer(registry, "base.yaml", "datasets.yaml");
    const g = async (d: number) => mustBias(registry, d, "imported_g");
    const r = async (d: number) => mustBias(registry, d, "imported_r");
    const both = ["imported_g", "imported_r"];
    assert.deepEqual(
      idsOf(await registry.queryDatasets("bias", { collections: both })),
      idsOf([await g(1), await g(2), await g(3), await r(2), await r(3), await r(4)]),
    );
    assert.deepEqual(
      idsOf(await registry.queryDatasets("bias", { collections: both, findFirst: true })),
      idsOf([await g(1), await g(2), await g(3), await r(4)]),
    );
    assert.deepEqual(
      idsOf(
        await registry.queryDatasets("bias", { collections: ["imported_r", "imported_g"], findFirst: true }),
      ),
      idsOf([await g(1), await r(2), await r(3), await r(4)]),
    );
  });
});

forEachDialect("testQueryResults (daf_butler _registry.py)", (ctx) => {
  test("data IDs of a where query and the datasets found for them", { skip: SKIP }, async () => {
    const registry = await ctx.makeRegistry();
    await loadPeer(registry, "base.yaml", "datasets.yaml");
    const science = "detector.purpose = 'SCIENCE'"; // rejects detector 4
    const dataIds = await registry.queryDataIds(["detector", "physical_filter"], {
      where: science,
      dataId: { instrument: "Cam1" },
    });
    const expected: string[] = [];
    for (const d of [1, 2, 3]) {
      for (const p of ["Cam1-G", "Cam1-R1", "Cam1-R2"]) {
        expected.push(
          DataCoordinate.standardize(
            { instrument: "Cam1", detector: d, physical_filter: p },
            { universe: registry.universe },
          ).key,
        );
      }
    }
    assert.deepEqual(
      dataIds.map((d) => d.subset(["detector", "physical_filter"]).key).sort(),
      expected.sort(),
    );
    assert.deepEqual([...dataIds[0]!.dimensions.required].sort(), [
      "detector",
      "instrument",
      "physical_filter",
    ]);
    const flat = (detector: number, physical_filter: string) =>
      registry.findDataset(
        "flat",
        { instrument: "Cam1", detector, physical_filter },
        { collections: "imported_r" },
      );
    assert.deepEqual(
      idsOf(await registry.queryDatasets("flat", { collections: ["imported_r"], where: science })),
      idsOf([await flat(1, "Cam1-R1"), await flat(2, "Cam1-R1"), await flat(3, "Cam1-R2")]),
    );
    // The detector subset of those data IDs, and the biases found for it.
    const detectors = await registry.queryDataIds(["detector"], {
      where: science,
      dataId: { instrument: "Cam1" },
    });
    assert.deepEqual(valuesOf(detectors, "detector"), [1, 2, 3]);
    const searched = ["imported_r", "imported_g"];
    assert.deepEqual(
      idsOf(await registry.queryDatasets("bias", { collections: searched, where: science })),
      idsOf([
        await bias(registry, 1, "imported_g"),
        await bias(registry, 2, "imported_g"),
        await bias(registry, 3, "imported_g"),
        await bias(registry, 2, "imported_r"),
        await bias(registry, 3, "imported_r"),
      ]),
    );
    assert.deepEqual(
      idsOf(await registry.queryDatasets("bias", { collections: searched, where: science, findFirst: true })),
      idsOf([
        await bias(registry, 1, "imported_g"),
        await bias(registry, 2, "imported_r"),
        await bias(registry, 3, "imported_r"),
      ]),
    );
  });
});

forEachDialect("testEmptyDimensionsQueries (daf_butler _registry.py)", (ctx) => {
  test("dataset types and data IDs with no dimensions", { skip: missingPeer("base.yaml") }, async () => {
    const registry = await ctx.makeRegistry();
    await loadPeer(registry, "base.yaml");
    const schema = DatasetType.fromNames("schema", [], "Catalog", registry.universe);
    await registry.registerDatasetType(schema);
    await registry.registerRun("run1");
    await registry.registerRun("run2");
    const [dataset1] = await registry.insertDatasets(schema, [{}], "run1");
    const [dataset2] = await registry.insertDatasets(schema, [{}], "run2");
    const query = (collections: string[], findFirst: boolean) =>
      registry.queryDatasets(schema, { collections, findFirst });
    assert.deepEqual(idsOf(await query(["run1", "run2"], false)), idsOf([dataset1!, dataset2!]));
    assert.deepEqual(idsOf(await query(["run1", "run2"], true)), idsOf([dataset1!]));
    assert.deepEqual(idsOf(await query(["run2", "run1"], true)), idsOf([dataset2!]));
    const empty = await registry.queryDataIds([]);
    assert.equal(empty.length, 1);
    assert.ok(empty[0]!.equals(DataCoordinate.makeEmpty(registry.universe)));
    // Non-empty data IDs constrained by a dataset with an empty data ID.
    const instruments = await registry.queryDataIds(["instrument"], { datasets: "schema", collections: "*" });
    assert.deepEqual(valuesOf(instruments, "instrument"), ["Cam1"]);
    // ... and when that dataset is gone from the only collection searched.
    await registry.removeDatasets([dataset2!]);
    assert.deepEqual(
      await registry.queryDataIds(["instrument"], { datasets: "schema", collections: "run2" }),
      [],
    );
  });
});

forEachDialect("testCalibrationCollections (daf_butler _registry.py)", (ctx) => {
  test("certify, decertify and validity-range lookups", { skip: SKIP }, async () => {
    const registry = await ctx.makeRegistry();
    await loadPeer(registry, "base.yaml", "datasets.yaml");
    const t = [1, 2, 3, 4, 5].map((h) => timeFromIso(`2020-01-01T0${h}:00:00`, "tai"));
    const [t1, t2, t3, t4, t5] = t as [bigint, bigint, bigint, bigint, bigint];
    const bounds = [null, t1, t2, t3, t4, t5, null];
    const allTimespans: Timespan[] = [];
    for (let i = 0; i < bounds.length; i++) {
      for (let j = i + 1; j < bounds.length; j++) allTimespans.push(new Timespan(bounds[i]!, bounds[j]!));
    }
    const bias2a = await mustBias(registry, 2, "imported_g");
    const bias3a = await mustBias(registry, 3, "imported_g");
    const bias2b = await mustBias(registry, 2, "imported_r");
    const bias3b = await mustBias(registry, 3, "imported_r");
    const collection = "Cam1/calibs/default";
    await registry.registerCollection(collection, CollectionType.CALIBRATION);
    await assert.rejects(registry.associate(collection, [bias2a]), CollectionTypeError);
    await registry.certify(collection, [bias2a], new Timespan(t2, t4));
    // Queries see the certified dataset while no find-first or temporal join is involved.
    assert.deepEqual(
      idsOf(await registry.queryDatasets("bias", { collections: collection })),
      idsOf([bias2a]),
    );
    assert.deepEqual(
      idsOf(await registry.queryDatasets("bias", { collections: [collection, "imported_r"] })),
      idsOf([bias2a, bias2b, bias3b, await mustBias(registry, 4, "imported_r")]),
    );
    assert.deepEqual(
      valuesOf(
        await registry.queryDataIds("detector", { datasets: "bias", collections: collection }),
        "detector",
      ),
      [2],
    );
    assert.deepEqual(
      valuesOf(
        await registry.queryDataIds("detector", {
          datasets: "bias",
          collections: [collection, "imported_r"],
        }),
        "detector",
      ),
      [2, 3, 4],
    );
    // Nothing overlapping [t2, t4) may be certified for detector 2.
    for (const [b, e] of [
      [null, t3],
      [null, t5],
      [t1, t3],
      [t1, t5],
      [t1, null],
      [t2, t3],
      [t2, t5],
      [t2, null],
    ] as const) {
      await assert.rejects(
        registry.certify(collection, [bias2b], new Timespan(b, e)),
        ConflictingDefinitionError,
      );
    }
    // Another detector may overlap it.
    await registry.certify(collection, [bias3a], new Timespan(t1, t3));
    await registry.certify(collection, [bias2b, bias3b], new Timespan(t4, null));

    const associations = await registry.queryDatasetAssociations("bias", {
      collections: [collection, "imported_g", "imported_r"],
    });
    const describe = (ref: DatasetRef, c: string, span: Timespan | null) =>
      `${ref.id} ${c} ${span === null ? "-" : `${span.begin ?? "-inf"}..${span.end ?? "+inf"}`}`;
    assert.deepEqual(
      associations.map((a) => describe(a.ref, a.collection, a.timespan)).sort(),
      [
        describe(await mustBias(registry, 1, "imported_g"), "imported_g", null),
        describe(await mustBias(registry, 4, "imported_r"), "imported_r", null),
        describe(bias2a, "imported_g", null),
        describe(bias3a, "imported_g", null),
        describe(bias2b, "imported_r", null),
        describe(bias3b, "imported_r", null),
        describe(bias2a, collection, new Timespan(t2, t4)),
        describe(bias3a, collection, new Timespan(t1, t3)),
        describe(bias2b, collection, new Timespan(t4, null)),
        describe(bias3b, collection, new Timespan(t4, null)),
      ].sort(),
    );

    const AMBIGUOUS = "ambiguous";
    type Expected = DatasetRef | null | typeof AMBIGUOUS;
    const lookup = async (detector: number, timespan: Timespan, expected: Expected) => {
      const run = () =>
        registry.findDataset("bias", { instrument: "Cam1", detector }, { collections: collection, timespan });
      if (expected === AMBIGUOUS) {
        await assert.rejects(run(), CalibrationLookupError, `detector ${detector} ${timespan}`);
      } else {
        assert.equal((await run())?.id ?? null, expected?.id ?? null, `detector ${detector} ${timespan}`);
      }
    };
    const ts = (b: bigint | null, e: bigint | null) => new Timespan(b, e);
    const A = AMBIGUOUS;
    const table1: [number, bigint | null, bigint | null, Expected][] = [
      [2, null, t1, null],
      [2, null, t2, null],
      [2, null, t3, bias2a],
      [2, null, t4, bias2a],
      [2, null, t5, A],
      [2, null, null, A],
      [2, t1, t2, null],
      [2, t1, t3, bias2a],
      [2, t1, t4, bias2a],
      [2, t1, t5, A],
      [2, t1, null, A],
      [2, t2, t3, bias2a],
      [2, t2, t4, bias2a],
      [2, t2, t5, A],
      [2, t2, null, A],
      [2, t3, t4, bias2a],
      [2, t3, t5, A],
      [2, t3, null, A],
      [2, t4, t5, bias2b],
      [2, t4, null, bias2b],
      [2, t5, null, bias2b],
      [3, null, t1, null],
      [3, null, t2, bias3a],
      [3, null, t3, bias3a],
      [3, null, t4, bias3a],
      [3, null, t5, A],
      [3, null, null, A],
      [3, t1, t2, bias3a],
      [3, t1, t3, bias3a],
      [3, t1, t4, bias3a],
      [3, t1, t5, A],
      [3, t1, null, A],
      [3, t2, t3, bias3a],
      [3, t2, t4, bias3a],
      [3, t2, t5, A],
      [3, t2, null, A],
      [3, t3, t4, null],
      [3, t3, t5, bias3b],
      [3, t3, null, bias3b],
      [3, t4, t5, bias3b],
      [3, t4, null, bias3b],
      [3, t5, null, bias3b],
    ];
    for (const [d, b, e, expected] of table1) await lookup(d, ts(b, e), expected);

    // Decertifying [t3, t5) for every data ID truncates bias2a to [t2, t3) and both b's to [t5, ∞).
    await registry.decertify(collection, "bias", new Timespan(t3, t5));
    const table2: [number, bigint | null, bigint | null, Expected][] = [
      [2, null, t1, null],
      [2, null, t2, null],
      [2, null, t3, bias2a],
      [2, null, t4, bias2a],
      [2, null, t5, bias2a],
      [2, null, null, A],
      [2, t1, t2, null],
      [2, t1, t3, bias2a],
      [2, t1, t4, bias2a],
      [2, t1, t5, bias2a],
      [2, t1, null, A],
      [2, t2, t3, bias2a],
      [2, t2, t4, bias2a],
      [2, t2, t5, bias2a],
      [2, t2, null, A],
      [2, t3, t4, null],
      [2, t3, t5, null],
      [2, t3, null, bias2b],
      [2, t4, t5, null],
      [2, t4, null, bias2b],
      [2, t5, null, bias2b],
      [3, null, t1, null],
      [3, null, t2, bias3a],
      [3, null, t3, bias3a],
      [3, null, t4, bias3a],
      [3, null, t5, bias3a],
      [3, null, null, A],
      [3, t1, t2, bias3a],
      [3, t1, t3, bias3a],
      [3, t1, t4, bias3a],
      [3, t1, t5, bias3a],
      [3, t1, null, A],
      [3, t2, t3, bias3a],
      [3, t2, t4, bias3a],
      [3, t2, t5, bias3a],
      [3, t2, null, A],
      [3, t3, t4, null],
      [3, t3, t5, null],
      [3, t3, null, bias3b],
      [3, t4, t5, null],
      [3, t4, null, bias3b],
      [3, t5, null, bias3b],
    ];
    for (const [d, b, e, expected] of table2) await lookup(d, ts(b, e), expected);

    // Decertify everything for explicit data IDs: nothing is found any more.
    await registry.decertify(collection, "bias", new Timespan(null, null), {
      dataIds: [
        { instrument: "Cam1", detector: 2 },
        { instrument: "Cam1", detector: 3 },
      ],
    });
    for (const d of [2, 3]) for (const span of allTimespans) await lookup(d, span, null);
    // Certified over all time, a and a are always found.
    await registry.certify(collection, [bias2a, bias3a], new Timespan(null, null));
    for (const span of allTimespans) {
      await lookup(2, span, bias2a);
      await lookup(3, span, bias3a);
    }
    // Decertifying [t2, t4) for detector 2 splits its one range in two.
    await registry.decertify(collection, "bias", new Timespan(t2, t4), {
      dataIds: [{ instrument: "Cam1", detector: 2 }],
    });
    for (const span of allTimespans) {
      await lookup(3, span, bias3a);
      const before = span.overlaps(new Timespan(null, t2));
      const after = span.overlaps(new Timespan(t4, null));
      await lookup(2, span, before && after ? A : before || after ? bias2a : null);
    }
  });
});

forEachDialect("testSkipCalibs (daf_butler _registry.py)", (ctx) => {
  test("chains, globs and RegExps skip CALIBRATION collections they cannot search", {
    skip: SKIP,
  }, async () => {
    const registry = await ctx.makeRegistry();
    await loadPeer(registry, "base.yaml", "datasets.yaml");
    const calib = "Cam1/calibs/default";
    await registry.registerCollection(calib, CollectionType.CALIBRATION);
    // daf_butler certifies every bias here; one per data ID keeps the validity ranges disjoint.
    const biases = await registry.queryDatasets("bias", {
      collections: ["imported_g", "imported_r"],
      findFirst: true,
    });
    await registry.certify(calib, biases, new Timespan(null, null));
    const chain = "Cam1/chain";
    await makeChain(registry, chain, [calib, "imported_g", "imported_r"]);
    assert.ok((await registry.queryDatasets("bias", { collections: chain })).length > 0);
    assert.ok(
      (await registry.queryDataIds(["instrument", "detector"], { datasets: "bias", collections: chain }))
        .length > 0,
    );
    assert.ok((await registry.queryDatasets("bias", { collections: "*d*" })).length > 0);
    assert.ok((await registry.queryDatasets("bias", { collections: /.*/ })).length > 0);
    assert.ok((await registry.queryDatasets("bias", { collections: "*" })).length > 0);
    assert.ok((await registry.queryDatasets("bias", { collections: chain, findFirst: true })).length > 0);
  });
});

forEachDialect("testIngestTimeQuery (daf_butler _registry.py)", (ctx) => {
  test("ingest_date compares with time literals and bound Dates", { skip: SKIP }, async () => {
    const registry = await ctx.makeRegistry();
    const types = await loadPeer(registry, "base.yaml");
    const dt0 = new Date();
    await loadPeerAfter(registry, types, "datasets.yaml");
    const dt1 = new Date();
    const all = (where?: string, bind?: Record<string, unknown>) =>
      registry
        .queryDatasets("*", { collections: "*", ...(where ? { where } : {}), ...(bind ? { bind } : {}) })
        .then((r) => r.length);
    const len0 = await all();
    assert.ok(len0 > 0);
    assert.equal(await all("ingest_date > T'2000-01-01'"), len0);
    assert.equal(await all("ingest_date > T'2050-01-01'"), 0);
    // No 37 s (TAI − UTC) offset: one second either side of the load decides.
    const iso = (d: Date) => d.toISOString().replace("T", " ").replace("Z", "");
    const before = new Date(dt0.getTime() - 1000);
    const after = new Date(dt1.getTime() + 1000);
    for (const [dt, op, expected] of [
      [before, ">", len0],
      [before, "<", 0],
      [after, "<", len0],
      [after, ">", 0],
    ] as const) {
      assert.equal(await all(`ingest_date ${op} T'${iso(dt)}'`), expected, `${op} ${iso(dt)}`);
      assert.equal(await all(`ingest_date ${op} ingest_time`, { ingest_time: dt }), expected);
    }
  });
});

forEachDialect("testCollectionSummaries (daf_butler _registry.py)", (ctx) => {
  test("summaries of RUN, CHAINED, TAGGED and CALIBRATION collections", { skip: SKIP }, async () => {
    const registry = await ctx.makeRegistry();
    await loadPeer(registry, "base.yaml", "datasets.yaml");
    // Governors without values are listed with an empty list; daf_butler leaves them out.
    const summary = async (collection: string) => {
      const { datasetTypes, governors } = await registry.getCollectionSummary(collection);
      return {
        datasetTypes,
        governors: Object.fromEntries(Object.entries(governors).filter(([, v]) => v.length > 0)),
      };
    };
    const expected1 = { datasetTypes: ["bias", "flat"], governors: { instrument: ["Cam1"] } };
    assert.deepEqual(await summary("imported_g"), expected1);
    assert.deepEqual(await summary("imported_r"), expected1);
    await makeChain(registry, "chain", ["imported_r", "imported_g"]);
    assert.deepEqual(await summary("chain"), expected1);
    const flats = await registry.queryDatasets("flat", { collections: "imported_g" });
    await registry.registerCollection("tag", CollectionType.TAGGED);
    await registry.associate("tag", flats);
    await registry.registerCollection("calibs", CollectionType.CALIBRATION);
    await registry.certify("calibs", flats, new Timespan(null, null));
    const expected2 = { datasetTypes: ["flat"], governors: { instrument: ["Cam1"] } };
    assert.deepEqual(await summary("tag"), expected2);
    assert.deepEqual(await summary("calibs"), expected2);
    registry.refresh();
    assert.deepEqual(await summary("imported_g"), expected1);
    assert.deepEqual(await summary("tag"), expected2);
    assert.deepEqual(await summary("calibs"), expected2);
  });
});

forEachDialect("testBindInQueryDatasets (daf_butler _registry.py)", (ctx) => {
  test("a bound value gives what the same value in the data ID gives", { skip: SKIP }, async () => {
    const registry = await ctx.makeRegistry();
    await loadPeer(registry, "base.yaml", "datasets.yaml");
    const byDataId = await registry.queryDatasets("flat", { collections: "*", dataId: { band: "r" } });
    const byBind = await registry.queryDatasets("flat", {
      collections: "*",
      where: "band = my_band",
      bind: { my_band: "r" },
    });
    assert.equal(byDataId.length, 4);
    assert.deepEqual(idsOf(byBind), idsOf(byDataId));
  });
});

forEachDialect("testQueryIntRangeExpressions (daf_butler _registry.py)", (ctx) => {
  test("IN ranges include their stop and honour their stride", {
    skip: missingPeer("base.yaml"),
  }, async () => {
    const registry = await ctx.makeRegistry();
    await loadPeer(registry, "base.yaml");
    const detectors = async (where: string) =>
      valuesOf(
        await registry.queryDataIds(["detector"], { dataId: { instrument: "Cam1" }, where }),
        "detector",
      );
    assert.deepEqual(await detectors("detector IN (1..2)"), [1, 2]);
    assert.deepEqual(await detectors("detector IN (1..4:2)"), [1, 3]);
    assert.deepEqual(await detectors("detector IN (2..4:2)"), [2, 4]);
  });
});

forEachDialect("testDatasetConstrainedDimensionRecordQueries (daf_butler _registry.py)", (ctx) => {
  test("a dataset constraint with more dimensions than the element", { skip: SKIP }, async () => {
    const registry = await ctx.makeRegistry();
    await loadPeer(registry, "base.yaml", "datasets.yaml");
    const records = await registry.queryDimensionRecords("physical_filter", {
      datasets: ["flat"],
      collections: "imported_r",
    });
    assert.deepEqual(new Set(records.map((r) => r.name)), new Set(["Cam1-R1", "Cam1-R2"]));
  });
});

forEachDialect("testSkyPixDatasetQueries (daf_butler _registry.py)", (ctx) => {
  test("queries over a sky pixel dimension a dataset type uses", {
    skip: missingPeer("base.yaml"),
  }, async () => {
    const registry = await ctx.makeRegistry();
    await loadPeer(registry, "base.yaml");
    const type = DatasetType.fromNames("a", ["htm7", "instrument"], "int", registry.universe);
    await registry.registerDatasetType(type);
    await registry.registerRun("r");
    assert.deepEqual(
      await registry.queryDataIds(["htm7", "instrument"], { datasets: type, collections: "r" }),
      [],
    );
    assert.deepEqual(await registry.queryDatasets(type, { collections: "r" }), []);
    // The first htm7 pixel: 8 × 4^7.
    const dataId = { instrument: "Cam1", htm7: 8 * 4 ** 7 };
    const [ref] = await registry.insertDatasets(type, [dataId], "r");
    const found = await registry.queryDataIds(["htm7", "instrument"], { datasets: type, collections: "r" });
    assert.deepEqual(
      found.map((d) => [d.get("instrument"), d.get("htm7")]),
      [["Cam1", 8 * 4 ** 7]],
    );
    assert.deepEqual(idsOf(await registry.queryDatasets(type, { collections: "r" })), idsOf([ref!]));
  });
});

forEachDialect("test_long_query_names (daf_butler _registry.py)", (ctx) => {
  test("a 68-character dataset type name survives find-first (PostgreSQL truncates at 63)", async () => {
    const registry = await ctx.makeRegistry();
    const name = "abcd".repeat(17);
    await registry.registerDatasetType(DatasetType.fromNames(name, [], "Exposure", registry.universe));
    await registry.registerRun("run1");
    await registry.registerRun("run2");
    const [ref1] = await registry.insertDatasets(name, [{}], "run1");
    await registry.insertDatasets(name, [{}], "run2");
    assert.deepEqual(
      idsOf(await registry.queryDatasets(name, { collections: ["run1", "run2"], findFirst: true })),
      idsOf([ref1!]),
    );
  });
});

forEachDialect("testAbstractQuery (daf_butler _registry.py)", (ctx) => {
  test("band values come from physical_filter records", async () => {
    const registry = await ctx.makeRegistry();
    await registry.insertDimensionData("instrument", [{ name: "DummyCam" }]);
    await registry.insertDimensionData("physical_filter", [
      { instrument: "DummyCam", name: "dummy_i", band: "i" },
      { instrument: "DummyCam", name: "dummy_i2", band: "i" },
      { instrument: "DummyCam", name: "dummy_r", band: "r" },
    ]);
    const bands = await registry.queryDataIds(["band"]);
    assert.equal(bands.length, 2);
    assert.deepEqual(valuesOf(bands, "band"), ["i", "r"]);
  });
});

forEachDialect("testQueryResultSummaries (daf_butler _registry.py)", (ctx) => {
  test("empty results come with the reasons", {
    skip: missingPeer("base.yaml", "datasets.yaml", "spatial.yaml"),
  }, async () => {
    const registry = await ctx.makeRegistry();
    await loadPeer(registry, "base.yaml", "datasets.yaml", "spatial.yaml");
    await registry.registerCollection("biases", CollectionType.TAGGED);
    await registry.associate("biases", await registry.queryDatasets("bias", { collections: ["imported_g"] }));
    const query1 = await registry.queryDataIds(["physical_filter"], { dataId: { band: "r" }, explain: true });
    assert.equal(query1.length, 2);
    assert.deepEqual(await registry.queryDataIds(["physical_filter"], { dataId: { band: "h" } }), []);
    assert.ok(
      (
        await emptyReasons(() =>
          registry.queryDataIds(["physical_filter"], { dataId: { band: "h" }, explain: true }),
        )
      ).length > 0,
    );
    // Problems that can be spotted before running the query.
    assertExplains(
      await emptyReasons(() => registry.queryDatasets("flat", { collections: ["biases"], explain: true })),
      "flat",
      "biases",
    );
    assertExplains(
      await emptyReasons(() =>
        registry.queryDataIds(["detector", "physical_filter"], {
          datasets: "flat",
          collections: ["biases"],
          explain: true,
        }),
      ),
      "flat",
      "biases",
    );
    assertExplains(
      await emptyReasons(() => registry.queryDatasets("flat", { collections: /potato.+/, explain: true })),
      "potato",
    );
    // Problems found by cheap follow-up queries.
    assertExplains(
      await emptyReasons(() => registry.queryDataIds(["subfilter"], { explain: true })),
      "subfilter",
    );
    assertExplains(
      await emptyReasons(() => registry.queryDimensionRecords("subfilter", { explain: true })),
      "subfilter",
    );
    // Four pixel-level overlaps in the database, one of which the exact region test removes.
    const query3 = await registry.queryDataIds(["visit", "tract"], {
      dataId: { instrument: "Cam1", skymap: "SkyMap1" },
      explain: true,
    });
    assert.deepEqual(query3.map((d) => `${d.get("visit")}/${d.get("tract")}`).sort(), ["1/0", "2/0", "2/1"]);
    // Overlaps in the database, all removed by the exact region test.
    const reasons4 = await emptyReasons(() =>
      registry.queryDataIds(["visit", "tract"], {
        dataId: { instrument: "Cam1", skymap: "SkyMap1" },
        where: "visit=1 AND detector=1 AND tract=0 AND patch=4",
        explain: true,
      }),
    );
    assertExplains(reasons4, "overlap");
    // A selection that leaves nothing, all in the database.
    assertExplains(
      await emptyReasons(() =>
        registry.queryDimensionRecords("detector", {
          where: "detector.purpose = 'no-purpose'",
          dataId: { instrument: "Cam1" },
          explain: true,
        }),
      ),
      "no-purpose",
    );
  });

  // A deliberate difference: daf_butler answers an unknown dataset type with an empty result that
  // explains itself. Here it is a MissingDatasetTypeError with the close registered names, because an
  // empty table is what a misspelt name ('calexpp') most often produces, and the error says how to fix it.
  test("an unknown dataset type is a MissingDatasetTypeError naming close registered ones", {
    skip: SKIP,
  }, async () => {
    const registry = await ctx.makeRegistry();
    await loadPeer(registry, "base.yaml", "datasets.yaml");
    const missing = (name: string) => (err: unknown) =>
      err instanceof MissingDatasetTypeError && err.datasetType === name && err.message.includes(`'${name}'`);
    await assert.rejects(
      registry.queryDatasets("nonexistent", { collections: "*", explain: true }),
      missing("nonexistent"),
    );
    await assert.rejects(
      registry.queryDataIds(["detector"], { datasets: ["nonexistent"], collections: "*", explain: true }),
      missing("nonexistent"),
    );
    await assert.rejects(
      registry.queryDimensionRecords("detector", {
        datasets: ["nonexistent"],
        collections: "*",
        explain: true,
      }),
      missing("nonexistent"),
    );
    await assert.rejects(
      registry.queryDatasets("biass", { collections: "*" }),
      (err: unknown) => err instanceof MissingDatasetTypeError && /did you mean 'bias'\?/.test(err.message),
    );
  });
});
