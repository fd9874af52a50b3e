/**
 * The parsed byte indexes a record store keeps: one parse per record while its JSON is unchanged, a
 * fresh parse when the stored JSON changes, nothing kept for removed records, and a bound on size.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { sql } from "kysely";
import { type ByteIndex, serializeByteIndex, wholeIndex } from "../../src/datastore/byte-index.ts";
import { ByteIndexCache } from "../../src/datastore/byte-index-cache.ts";
import { KyselyRecordStore } from "../../src/datastore/kysely-record-store.ts";
import type { StoredFileRecord } from "../../src/datastore/records.ts";
import { forEachDialect } from "../registry/registry-support.ts";

const ID_1 = "00000000-0000-7000-8000-000000000001";
const ID_2 = "00000000-0000-7000-8000-000000000002";

const record = (datasetId: string, byteIndex: ByteIndex | null): StoredFileRecord => ({
  datasetId,
  component: null,
  path: `a/${datasetId}.fits`,
  formatter: "FitsExposureFormatter",
  storageClass: "ExposureF",
  checksum: null,
  fileSize: byteIndex?.size ?? 2880,
  byteIndex,
});

test("one parse per record while its JSON is the same; the index is shared and frozen", () => {
  const cache = new ByteIndexCache();
  const json = serializeByteIndex(wholeIndex(100))!;
  const first = cache.parse(ID_1, "c", json);
  assert.deepEqual(first, wholeIndex(100));
  assert.equal(cache.parse(ID_1, "c", `${json}`), first, "the same object for the same JSON");
  assert.ok(Object.isFrozen(first));
  assert.throws(() => {
    (first as { size: number }).size = 5;
  }, TypeError);
  const other = cache.parse(ID_1, "d", json);
  assert.notEqual(other, first, "another component is another record");
  assert.equal(cache.size, 2);
});

test("a record whose JSON changed is parsed again; unreadable JSON stays null", () => {
  const cache = new ByteIndexCache();
  const before = cache.parse(ID_1, "c", serializeByteIndex(wholeIndex(100)));
  const after = cache.parse(ID_1, "c", serializeByteIndex(wholeIndex(200)));
  assert.equal(before?.size, 100);
  assert.equal(after?.size, 200);
  assert.equal(cache.size, 1);
  assert.equal(cache.chars, serializeByteIndex(wholeIndex(200))!.length);
  assert.equal(cache.parse(ID_1, "c", "{not json"), null);
  assert.equal(cache.parse(ID_1, "c", null), null);
  const parsed = { version: 2, kind: "whole", size: 7 };
  assert.equal(cache.parse(ID_2, "c", parsed), parsed, "an already-parsed value is checked, not cached");
});

test("forget drops every component of the removed datasets", () => {
  const cache = new ByteIndexCache();
  const json = serializeByteIndex(wholeIndex(1));
  cache.parse(ID_1, "a", json);
  cache.parse(ID_1, "b", json);
  cache.parse(ID_2, "a", json);
  cache.forget([ID_1]);
  assert.equal(cache.size, 1);
  assert.equal(cache.chars, json!.length);
});

test("the cache holds at most maxChars of JSON, dropping the least recently used", () => {
  const json = serializeByteIndex(wholeIndex(1))!;
  const cache = new ByteIndexCache(json.length * 3);
  const ids = Array.from({ length: 10 }, (_, i) => `00000000-0000-7000-8000-00000000001${i}`);
  const first = cache.parse(ids[0]!, "c", json);
  for (const id of ids.slice(1, 3)) cache.parse(id, "c", json);
  assert.equal(cache.parse(ids[0]!, "c", json), first, "a hit makes it the most recent");
  for (const id of ids.slice(3)) {
    cache.parse(id, "c", json);
    assert.ok(cache.chars <= cache.maxChars);
    assert.ok(cache.size <= 3);
  }
  assert.notEqual(cache.parse(ids[0]!, "c", json), first, "evicted, so parsed again");
  const huge = new ByteIndexCache(10);
  assert.deepEqual(huge.parse(ID_1, "c", json), wholeIndex(1), "larger than the cache: parsed, not kept");
  assert.equal(huge.size, 0);
});

forEachDialect("record store's byte index cache", (ctx) => {
  test("a changed or removed record never reads a stale index", async () => {
    const registry = await ctx.makeRegistry();
    const records = new KyselyRecordStore(registry.sharedDatabase());
    await records.createTables();
    await records.insert([record(ID_1, wholeIndex(100)), record(ID_2, wholeIndex(300))]);
    const [first] = await records.get([ID_1]);
    const [again] = await records.get([ID_1]);
    assert.equal(again!.byteIndex, first!.byteIndex, "parsed once");
    // Another process rewrites the row: its new JSON is parsed.
    await sql`UPDATE file_datastore_records SET byte_index = ${serializeByteIndex(wholeIndex(150))}`.execute(
      registry.dialect.kysely,
    );
    assert.equal((await records.get([ID_1]))[0]!.byteIndex?.size, 150);
    await records.remove([ID_1]);
    await records.moveToTrash([ID_2]);
    assert.equal(records.byteIndexes.size, 0, "removed and trashed records are forgotten");
    await records.insert([record(ID_1, wholeIndex(200))]);
    assert.equal((await records.get([ID_1]))[0]!.byteIndex?.size, 200);
    assert.equal((await records.listTrash())[0]!.byteIndex?.size, 150);
  });
});
