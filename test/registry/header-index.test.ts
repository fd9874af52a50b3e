/**
 * The header index in the registry on each engine: the migrations from schema versions 1 and 2, typed values
 * (64-bit integers, logicals, NULL for absent keys), a value of another type kept as its string and
 * logged once, key name normalisation, and removal of keys.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { sql } from "kysely";
import { DatasetType } from "../../src/core/index.ts";
import { parseHeaderKey, type TypedHeaderValue } from "../../src/fits/header-key.ts";
import { type LogRecord, setLogSinks } from "../../src/log.ts";
import {
  ATTRIBUTES,
  HEADER_TABLES,
  headerValuesTableName,
  Registry,
  TABLES,
} from "../../src/registry/index.ts";
import { NARROW_HEADER_TABLE } from "../../src/registry/schema/header-tables.ts";
import { SCHEMA_VERSION } from "../../src/registry/schema/schema-version.ts";
import { createTable } from "../../src/registry/schema/table-spec.ts";
import { forEachDialect, loadDatasets } from "./registry-support.ts";

forEachDialect("header index (registry)", (ctx) => {
  test("a version 1 registry is migrated: the header key table is created on a writeable open", async () => {
    const uri = ctx.newUri();
    const created = await Registry.create({ db: uri });
    const db = created.internals.database;
    await db.rows(sql`DROP TABLE ${sql.table(HEADER_TABLES.key)}`);
    await db.upsert(TABLES.attributes, [{ name: ATTRIBUTES.schemaVersion, value: "1" }], ["name"]);
    await created.close();
    await assert.rejects(Registry.open({ db: uri, writeable: false }), /older than 3/);
    const opened = ctx.track(await Registry.open({ db: uri }));
    assert.ok(await opened.dialect.hasTable(HEADER_TABLES.key));
    const [row] = await opened.internals.database.rows<{ value: string }>(
      sql`SELECT value FROM ${sql.table(TABLES.attributes)} WHERE name = ${ATTRIBUTES.schemaVersion}`,
    );
    assert.equal(row!.value, String(SCHEMA_VERSION));
  });

  test("a version 2 registry's values (a row per dataset and key) move to a table per dataset type", async () => {
    const uri = ctx.newUri();
    const created = await Registry.create({ db: uri });
    const refs = await loadDatasets(created);
    const type = refs[0]!.datasetType.name;
    const ids = refs.filter((r) => r.datasetType.name === type).map((r) => r.id);
    const db = created.internals.database;
    const typeId = (await created.internals.datasetTypes.get(type)).id;
    // Version 2's layout: keys with their types, values one row per dataset and key.
    await createTable(db.db, db.dialect, {
      name: NARROW_HEADER_TABLE,
      columns: [
        { name: "dataset_id", type: { kind: "uuid" } },
        { name: "key_id", type: { kind: "int64" } },
        { name: "bool_value", type: { kind: "bool" }, nullable: true },
        { name: "int_value", type: { kind: "int64" }, nullable: true },
        { name: "float_value", type: { kind: "float" }, nullable: true },
        { name: "string_value", type: { kind: "text" }, nullable: true },
      ],
      primaryKey: ["dataset_id", "key_id"],
    });
    await db.insert(HEADER_TABLES.key, [
      { dataset_type_id: typeId, name: "EXPTIME", type: "float" },
      { dataset_type_id: typeId, name: "OBJECT", type: "string" },
      { dataset_type_id: typeId, name: "NEVER", type: null },
    ]);
    const keys = await db.rows<{ key_id: unknown; name: string }>(
      sql`SELECT key_id, name FROM ${sql.table(HEADER_TABLES.key)}`,
    );
    const id = (name: string) => Number(keys.find((k) => k.name === name)!.key_id);
    const v = (dataset: string, key: string, float: number | null, text: string | null) => ({
      dataset_id: dataset,
      key_id: id(key),
      bool_value: null,
      int_value: null,
      float_value: float,
      string_value: text,
    });
    await db.insert(NARROW_HEADER_TABLE, [
      v(ids[0]!, "EXPTIME", 30, null),
      v(ids[0]!, "OBJECT", null, "M31"),
      v(ids[0]!, "NEVER", null, null),
      v(ids[1]!, "EXPTIME", null, "long"),
      v(ids[1]!, "OBJECT", null, null),
    ]);
    await db.upsert(TABLES.attributes, [{ name: ATTRIBUTES.schemaVersion, value: "2" }], ["name"]);
    await created.close();

    const opened = ctx.track(await Registry.open({ db: uri }));
    assert.equal(await opened.dialect.hasTable(NARROW_HEADER_TABLE), false);
    const headers = opened.internals.headers;
    const values = await headers.values(type, ids);
    assert.deepEqual(Object.fromEntries(values.get(ids[0]!)!), { EXPTIME: 30, NEVER: null, OBJECT: "M31" });
    assert.deepEqual(Object.fromEntries(values.get(ids[1]!)!), { EXPTIME: "long", OBJECT: null });
    assert.equal(values.has(ids[2]!), false);
    assert.deepEqual(await headers.missing(type, ["EXPTIME", "OBJECT"], ids.slice(0, 3)), [ids[2]].sort());
    assert.deepEqual(await headers.missing(type, ["NEVER"], ids.slice(0, 2)), [ids[1]]);
    const found = await opened.queryDatasets(type, {
      collections: refs[0]!.run,
      where: "header.EXPTIME = 30",
    });
    assert.deepEqual(
      found.map((r) => r.id),
      [ids[0]],
    );
  });

  test("values keep their type; a mismatched one is a string, logged once; removing a key drops its values", async () => {
    const registry = ctx.track(await Registry.create({ db: ctx.newUri() }));
    const refs = await loadDatasets(registry);
    const type = refs[0]!.datasetType.name;
    const ids = refs.filter((r) => r.datasetType.name === type && r.run === refs[0]!.run).map((r) => r.id);
    assert.ok(ids.length >= 3, `${ids.length} datasets`);
    const headers = registry.internals.headers;
    const logged: LogRecord[] = [];
    const previous = setLogSinks([(record) => logged.push(record)]);
    try {
      await registry.transaction(() =>
        headers.record(type, [
          {
            datasetId: ids[0]!,
            values: new Map([
              ["exptime", { type: "float", value: 30 }],
              ["HIERARCH ESO DET CHIP NAME", { type: "string", value: "CCD-1" }],
              ["BIG", { type: "integer", value: 2n ** 62n }],
              ["SIMPLE", { type: "logical", value: true }],
            ]),
          },
          {
            datasetId: ids[1]!,
            values: new Map([
              ["EXPTIME", { type: "integer", value: 15 }],
              ["ESO DET CHIP NAME", null],
              ["BIG", { type: "float", value: 1.5 }],
              ["SIMPLE", { type: "logical", value: false }],
            ]),
          },
          {
            datasetId: ids[2]!,
            values: new Map([["BIG", { type: "string", value: "many" }]]),
          },
        ]),
      );
    } finally {
      setLogSinks(previous);
    }
    const keys = Object.fromEntries((await headers.keys(type)).map((k) => [k.name, k.type]));
    assert.deepEqual(keys, {
      BIG: "integer",
      "ESO DET CHIP NAME": "string",
      EXPTIME: "float",
      SIMPLE: "logical",
    });
    const values = await headers.values(type, ids);
    assert.deepEqual(Object.fromEntries(values.get(ids[0]!)!), {
      BIG: 2n ** 62n,
      "ESO DET CHIP NAME": "CCD-1",
      EXPTIME: 30,
      SIMPLE: true,
    });
    // An integer in a float column is a float; a float or a string in an integer column is its string.
    assert.deepEqual(Object.fromEntries(values.get(ids[1]!)!), {
      BIG: "1.5",
      "ESO DET CHIP NAME": null,
      EXPTIME: 15,
      SIMPLE: false,
    });
    assert.deepEqual(Object.fromEntries(values.get(ids[2]!)!), { BIG: "many" });
    const warnings = logged.filter((r) => r.level === "warning").map((r) => r.message);
    assert.equal(warnings.length, 2, warnings.join("\n"));
    assert.match(warnings[0]!, /BIG of .* is indexed as integer, but a float value \(1\.5\)/);
    assert.match(warnings[1]!, /a string value \(many\)/);
    // Typed comparisons in where use the typed column only.
    const found = await registry.queryDatasets(type, {
      collections: refs[0]!.run,
      where: `HEADER(${type}, 'BIG') > 1000 AND header.SIMPLE`,
    });
    assert.deepEqual(
      found.map((r) => r.id),
      [ids[0]],
    );
    assert.deepEqual(await headers.missing(type, ["BIG"], ids), []);
    assert.deepEqual(await headers.missing(type, ["SIMPLE", "BIG"], ids), [ids[2]]);

    await registry.transaction(() => headers.removeKeys(type, ["big"]));
    // A removed dataset type takes its values table with it.
    await registry.registerDatasetType(
      DatasetType.fromNames("headerless", ["instrument"], "StructuredDataDict", registry.universe),
    );
    await registry.transaction(() => headers.addKeys("headerless", ["X"]));
    const table = headerValuesTableName((await registry.internals.datasetTypes.get("headerless")).id);
    assert.ok(await registry.dialect.hasTable(table));
    await registry.removeDatasetType("headerless");
    assert.equal(await registry.dialect.hasTable(table), false);
    assert.deepEqual(
      (await headers.keys(type)).map((k) => k.name),
      ["ESO DET CHIP NAME", "EXPTIME", "SIMPLE"],
    );
    assert.equal(parseHeaderKey("image:bunit").name, "IMAGE:BUNIT");
    assert.equal(parseHeaderKey("HIERARCH  eso det  chip").name, "ESO DET CHIP");
    assert.throws(() => parseHeaderKey("A=B"), /invalid header key 'A=B'/);
    // A scan over more keys than one JSON array column holds (89): every value back, typed.
    const many = new Map<string, TypedHeaderValue>(
      Array.from({ length: 100 }, (_, i) => [
        `K${i}`,
        i % 2 === 0 ? { type: "integer", value: 2n ** 60n + BigInt(i) } : { type: "float", value: i + 0.1 },
      ]),
    );
    await registry.transaction(() => headers.record(type, [{ datasetId: ids[0]!, values: many }]));
    const keyRecords = (await headers.keys(type)).filter((k) => k.name.startsWith("K"));
    const [scanned] = await registry.internals.queries.queryDatasetHeaders(
      refs[0]!.datasetType,
      { collections: refs[0]!.run, dataId: refs[0]!.dataId },
      keyRecords,
    );
    assert.equal(scanned!.id, ids[0]);
    assert.equal(scanned!.complete, true);
    assert.deepEqual(scanned!.values, Object.fromEntries([...many].map(([k, v]) => [k, v!.value])));
  });
});
