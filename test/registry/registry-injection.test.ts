import assert from "node:assert/strict";
import { test } from "node:test";
import { CollectionType, DatasetType } from "../../src/core/index.ts";
import { DatasetTypeError } from "../../src/errors/index.ts";
import { TABLES } from "../../src/registry/index.ts";
import { forEachDialect, loadBase, makeChain } from "./registry-support.ts";

/**
 * Strings that break SQL built by pasting values: quotes, comments, statement ends, placeholders,
 * LIKE characters. (Glob characters * and ? make a name a pattern in name expressions, as in daf_butler.)
 */
const HOSTILE = [
  "x'; DROP TABLE dataset; --",
  'run"; DELETE FROM collection; --',
  "a' OR '1'='1",
  "back\\slash\\'quote",
  "100%_like",
  "ünïcødé ✓ 🚀",
  "$1 :name @p %s",
  "semi;colon -- comment",
];

forEachDialect("registry injection", (ctx) => {
  test("hostile collection names are stored and returned verbatim", async () => {
    const registry = await ctx.makeRegistry();
    await loadBase(registry);
    for (const name of HOSTILE) assert.equal(await registry.registerRun(name, `doc of ${name}`), true);
    await makeChain(registry, HOSTILE[1]!.replace("run", "chain"), [...HOSTILE].reverse());
    const names = await registry.queryCollections(undefined, { collectionTypes: CollectionType.RUN });
    assert.deepEqual(names, HOSTILE);
    for (const name of HOSTILE) {
      assert.equal(await registry.getCollectionType(name), CollectionType.RUN);
      assert.equal(await registry.getCollectionDocumentation(name), `doc of ${name}`);
    }
    assert.deepEqual(
      await registry.collectionChainFlattened(HOSTILE[1]!.replace("run", "chain")),
      [...HOSTILE].reverse(),
    );
    // LIKE characters are not wildcards; globs only know * and ?.
    await assert.rejects(registry.getCollectionType("100%"));
    assert.deepEqual(await registry.queryCollections("100%_*"), ["100%_like"]);
    // Datasets in a hostile run, found through a hostile chain.
    const [ref] = await registry.insertDatasets("bias", [{ instrument: "Cam1", detector: 1 }], HOSTILE[0]!);
    const found = await registry.findDataset(
      "bias",
      { instrument: "Cam1", detector: 1 },
      {
        collections: HOSTILE[1]!.replace("run", "chain"),
      },
    );
    assert.equal(found?.run, HOSTILE[0]);
    assert.equal(found?.id, ref!.id);
    // Every table is still there.
    assert.equal((await registry.queryDatasetTypes()).length, 2);
    assert.ok(await registry.dialect.hasTable(TABLES.dataset));
  });

  test("hostile dataset type names are refused by validation; keyword names work", async () => {
    const registry = await ctx.makeRegistry();
    for (const name of ["x'; DROP TABLE dataset_type; --", "a b", "1abc", "instrument"]) {
      assert.throws(
        () => DatasetType.fromNames(name, ["instrument"], "X", registry.universe),
        DatasetTypeError,
      );
      await assert.rejects(registry.getDatasetType(name));
    }
    for (const name of ["select", "drop_table", "where", "from", "union"]) {
      await registry.registerDatasetType(
        DatasetType.fromNames(name, ["instrument"], "Storage'Class\"", registry.universe),
      );
    }
    const types = await registry.queryDatasetTypes();
    assert.deepEqual(
      types.map((t) => t.name),
      ["drop_table", "from", "select", "union", "where"],
    );
    assert.ok(types.every((t) => t.storageClass === "Storage'Class\""));
  });

  test("hostile record values are stored and returned verbatim and match data IDs exactly", async () => {
    const registry = await ctx.makeRegistry();
    await loadBase(registry);
    const records = HOSTILE.map((value, i) => ({
      instrument: "Cam1",
      id: 100 + i,
      full_name: value.slice(0, 32),
      raft: value.slice(0, 32),
      purpose: value.slice(0, 32),
    }));
    await registry.insertDimensionData("detector", records);
    for (const record of records) {
      const stored = await registry.getDimensionRecord("detector", {
        instrument: "Cam1",
        detector: record.id,
      });
      assert.deepEqual({ ...stored }, { ...record, name_in_raft: null });
      const byName = await registry.expandDataId({ instrument: "Cam1", detector: record.full_name });
      assert.equal(byName.get("detector"), record.id);
    }
    // An instrument named like an injection, used as a governor everywhere.
    const evil = "Cam'); DROP TABLE detector;--";
    await registry.insertDimensionData("instrument", [{ name: evil }]);
    await registry.insertDimensionData("detector", [{ instrument: evil, id: 1, full_name: "Aa" }]);
    await registry.registerRun("run");
    const [ref] = await registry.insertDatasets("bias", [{ instrument: evil, detector: "Aa" }], "run");
    assert.equal(ref!.dataId.get("instrument"), evil);
    assert.equal((await registry.getDataset(ref!.id))?.dataId.get("instrument"), evil);
    assert.deepEqual((await registry.getCollectionSummary("run")).governors.instrument, [evil]);
    assert.equal(
      (await registry.findFirstDatasets("bias", "run", { dataIds: [{ instrument: evil, detector: 1 }] }))[0]
        ?.id,
      ref!.id,
    );
  });
});
