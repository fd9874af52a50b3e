import assert from "node:assert/strict";
import { test } from "node:test";
import { sql } from "kysely";
import {
  CollectionType,
  DatasetType,
  DimensionUniverse,
  defaultUniverse,
  Timespan,
} from "../../src/core/index.ts";
import {
  ConflictingDefinitionError,
  isButlerError,
  MissingCollectionError,
  ReadOnlyRegistryError,
  RegistryNotFoundError,
  SchemaVersionError,
} from "../../src/errors/index.ts";
import { ATTRIBUTES, Registry, SCHEMA_VERSION, TABLES } from "../../src/registry/index.ts";
import { parseButlerTime } from "../../src/time/index.ts";
import { forEachDialect, loadDatasets } from "./registry-support.ts";

forEachDialect("registry lifecycle", (ctx) => {
  test("a repository reopens with its own universe and refuses a second create", async () => {
    const config = structuredClone(defaultUniverse().config) as { version: number };
    config.version = 42;
    const universe = DimensionUniverse.fromConfig(config);
    const uri = ctx.newUri();
    const created = ctx.track(await Registry.create({ db: uri, universe }));
    await created.registerRun("run1");
    await created.close();
    const reopened = ctx.track(await Registry.open({ db: uri }));
    assert.equal(reopened.universe.version, 42);
    assert.deepEqual(
      reopened.universe.elements.map((e) => e.name),
      universe.elements.map((e) => e.name),
    );
    assert.equal(await reopened.getCollectionType("run1"), CollectionType.RUN);
    await assert.rejects(Registry.create({ db: uri }), ConflictingDefinitionError);
    // A database without a registry: an empty PostgreSQL namespace; SQLite never makes a missing file.
    await assert.rejects(
      Registry.open({ db: ctx.newUri() }),
      ctx.dialect === "sqlite" ? RegistryNotFoundError : SchemaVersionError,
    );
  });

  test("a newer schema version is refused with a typed error", async () => {
    const uri = ctx.newUri();
    const registry = ctx.track(await Registry.create({ db: uri }));
    await registry.internals.database.upsert(
      TABLES.attributes,
      [{ name: ATTRIBUTES.schemaVersion, value: String(SCHEMA_VERSION + 1) }],
      ["name"],
    );
    await assert.rejects(
      Registry.open({ db: uri }),
      (err: Error) => err instanceof SchemaVersionError && err.found === String(SCHEMA_VERSION + 1),
    );
  });

  test("a read-only registry reads but refuses every write", async () => {
    const uri = ctx.newUri();
    const writer = ctx.track(await Registry.create({ db: uri }));
    const refs = await loadDatasets(writer);
    const reader = ctx.track(await Registry.open({ db: uri, writeable: false }));
    assert.equal(reader.isWriteable, false);
    assert.equal(
      (await reader.findDataset("bias", { instrument: "Cam1", detector: 1 }, { collections: "imported_g" }))
        ?.id,
      refs[0]!.id,
    );
    const bias = await reader.getDatasetType("bias");
    const writes: [string, () => Promise<unknown>][] = [
      ["insertDimensionData", () => reader.insertDimensionData("instrument", [{ name: "Cam2" }])],
      ["syncDimensionData", () => reader.syncDimensionData("instrument", { name: "Cam2" })],
      ["registerRun", () => reader.registerRun("run")],
      ["registerCollection", () => reader.registerCollection("tag", CollectionType.TAGGED)],
      ["setCollectionChain", () => reader.setCollectionChain("chain", ["imported_g"])],
      ["setCollectionDocumentation", () => reader.setCollectionDocumentation("imported_g", "doc")],
      ["removeCollection", () => reader.removeCollection("imported_g")],
      [
        "registerDatasetType",
        () => reader.registerDatasetType(DatasetType.fromNames("x", ["instrument"], "X", reader.universe)),
      ],
      ["removeDatasetType", () => reader.removeDatasetType("bias")],
      [
        "insertDatasets",
        () => reader.insertDatasets(bias, [{ instrument: "Cam1", detector: 4 }], "imported_g"),
      ],
      ["importDatasets", () => reader.importDatasets(refs)],
      ["removeDatasets", () => reader.removeDatasets(refs)],
      ["associate", () => reader.associate("tag", refs)],
      ["disassociate", () => reader.disassociate("tag", refs)],
      ["certify", () => reader.certify("calib", refs, Timespan.UNBOUNDED)],
      ["decertify", () => reader.decertify("calib", bias, Timespan.UNBOUNDED)],
    ];
    for (const [operation, write] of writes) {
      await assert.rejects(
        write(),
        (err: Error) =>
          err instanceof ReadOnlyRegistryError &&
          err.operation === operation &&
          isButlerError(err, "READ_ONLY_REGISTRY"),
      );
    }
    // The database refuses writes too, even through the raw connection.
    await assert.rejects(
      reader.internals.database.insert(TABLES.attributes, [{ name: "x", value: "y" }]),
      (err: unknown) => reader.internals.database.classifyError(err) === "readOnly",
    );
    assert.equal((await writer.queryDatasetTypes()).length, 2);
  });

  test("transactions roll back everything, and nested ones roll back only their part", async () => {
    const registry = await ctx.makeRegistry();
    await assert.rejects(
      registry.transaction(async () => {
        await registry.registerRun("lost");
        await registry.insertDimensionData("instrument", [{ name: "Lost" }]);
        throw new Error("boom");
      }),
      /boom/,
    );
    await assert.rejects(registry.getCollectionType("lost"), MissingCollectionError);
    assert.equal(await registry.getDimensionRecord("instrument", { instrument: "Lost" }), null);
    await registry.transaction(async () => {
      await registry.registerRun("kept");
      await assert.rejects(
        registry.transaction(async () => {
          await registry.registerRun("inner");
          await registry.registerRun("kept"); // fine: same type
          await registry.registerCollection("kept", CollectionType.TAGGED); // conflict
        }),
        ConflictingDefinitionError,
      );
      await registry.registerRun("after");
    });
    assert.deepEqual(await registry.queryCollections(), ["kept", "after"]);
    // A failed call inside a transaction leaves the transaction usable.
    await registry.transaction(async () => {
      await assert.rejects(
        registry.insertDimensionData("detector", [{ instrument: "None", id: 1, full_name: "x" }]),
      );
      await registry.insertDimensionData("instrument", [{ name: "Cam9" }]);
    });
    assert.ok((await registry.getDimensionRecord("instrument", { instrument: "Cam9" })) !== null);
  });

  test("ingest dates and timespans are exact 64-bit TAI nanoseconds", async () => {
    const registry = await ctx.makeRegistry();
    const refs = await loadDatasets(registry);
    const rows = await registry.internals.database.rows<{ ingest_date: unknown }>(
      sql`SELECT ingest_date FROM ${sql.table(TABLES.dataset)} WHERE id = ${refs[0]!.id}`,
    );
    const ingest = rows[0]!.ingest_date;
    assert.equal(typeof ingest, "bigint");
    assert.ok((ingest as bigint) > parseButlerTime("2020-01-01T00:00:00"));
    const odd = parseButlerTime("2099-12-31T23:59:59.123456789");
    await registry.insertDimensionData("day_obs", [
      { instrument: "Cam1", id: 20991231, timespan: new Timespan(odd, odd + 7n) },
    ]);
    const record = await registry.getDimensionRecord("day_obs", { instrument: "Cam1", day_obs: 20991231 });
    const stored = record?.timespan as Timespan;
    assert.equal(stored.begin, odd);
    assert.equal(stored.end, odd + 7n);
  });
});
