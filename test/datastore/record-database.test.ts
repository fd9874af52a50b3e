/**
 * The record store in the registry's database (`Registry.sharedDatabase()`), on each engine: records
 * commit and roll back with registry transactions, and the table takes the engine's keyed-table DDL
 * from the dialect.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { sql } from "kysely";
import { KyselyRecordStore } from "../../src/datastore/kysely-record-store.ts";
import type { StoredFileRecord } from "../../src/datastore/records.ts";
import { forEachDialect } from "../registry/registry-support.ts";

const record = (datasetId: string): StoredFileRecord => ({
  datasetId,
  component: null,
  path: `a/${datasetId}.fits`,
  formatter: "FitsExposureFormatter",
  storageClass: "ExposureF",
  checksum: null,
  fileSize: 2880,
  byteIndex: null,
});

const ID_1 = "00000000-0000-7000-8000-000000000001";
const ID_2 = "00000000-0000-7000-8000-000000000002";

forEachDialect("record store in the registry's database", (ctx) => {
  test("records follow registry transactions; the table has the dialect's keyed-table options", async () => {
    const registry = await ctx.makeRegistry();
    const records = new KyselyRecordStore(registry.sharedDatabase());
    await records.createTables();
    await registry.transaction(() => records.insert([record(ID_1)]));
    await assert.rejects(
      registry.transaction(async () => {
        await records.insert([record(ID_2)]);
        throw new Error("roll back");
      }),
      /roll back/,
    );
    assert.deepEqual(
      (await records.get([ID_1, ID_2])).map((r) => r.datasetId),
      [ID_1],
      "the rolled-back insert left nothing",
    );
    const options = registry.dialect.keyedTableOptions;
    if (ctx.dialect === "sqlite") {
      assert.equal(options, "WITHOUT ROWID");
      const { rows } = await sql<{ sql: string }>`
        SELECT sql FROM sqlite_master WHERE name = 'file_datastore_records'`.execute(registry.dialect.kysely);
      assert.match(rows[0]!.sql, /WITHOUT ROWID\s*$/);
    } else {
      assert.equal(options, "");
    }
  });
});
