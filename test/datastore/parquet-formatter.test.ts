/**
 * The Parquet formatter: what each read fetches, measured through the metrics wrapper (the footer alone
 * for `columns`/`rowcount`/`schema`, the footer and the chosen columns' chunks for a `columns` read),
 * the byte index it writes, and table datasets put and read through the FileDatastore with components
 * and parameters checked before any I/O.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { describe, test } from "node:test";
import type { ByteRange } from "../../src/bytes/byte-source.ts";
import { FileSource } from "../../src/bytes/file-source.ts";
import { createMetrics, withMetrics } from "../../src/bytes/with-metrics.ts";
import { defaultStorageClasses } from "../../src/core/index.ts";
import { type ParquetByteIndex, parseByteIndex, serializeByteIndex } from "../../src/datastore/byte-index.ts";
import { ParquetFormatter } from "../../src/datastore/formatters/parquet.ts";
import {
  InvalidParameterError,
  TableFormatError,
  UnknownColumnError,
  UnknownComponentError,
  UnknownParameterError,
} from "../../src/errors/index.ts";
import { columnChunkRanges, parseFooter } from "../../src/table/parquet.ts";
import { Table } from "../../src/table/table.ts";
import { freshDir, instrumentRef, makeRepo } from "./helpers.ts";

const storageClasses = defaultStorageClasses();
const formatter = new ParquetFormatter();

function catalog(rows = 3000): Table {
  return Table.fromColumns({
    id: BigInt64Array.from({ length: rows }, (_, i) => BigInt(i) * 1000003n),
    ra: Float64Array.from({ length: rows }, (_, i) => 150 + Math.sin(i)),
    dec: Float64Array.from({ length: rows }, (_, i) => 2 + Math.cos(i)),
    g_flux: Float32Array.from({ length: rows }, (_, i) => i * 1.5),
    r_flux: Float32Array.from({ length: rows }, (_, i) => i * 2.5),
    band: Array.from({ length: rows }, (_, i) => "ugrizy"[i % 6]!),
  });
}

async function written(table = catalog()): Promise<{ path: string; index: ParquetByteIndex }> {
  const path = join(freshDir("parquet"), "table.parq");
  const result = await formatter.write(table, { storageClass: storageClasses.get("ArrowTable"), path });
  assert.equal(result.index.kind, "parquet");
  return { path, index: result.index as ParquetByteIndex };
}

function metered(path: string) {
  const metrics = createMetrics({ recordRanges: true });
  return { source: withMetrics(new FileSource(path), metrics), metrics };
}

const total = (ranges: readonly ByteRange[]) => ranges.reduce((s, r) => s + r.length, 0);
const overlaps = (a: ByteRange, b: ByteRange) =>
  a.offset < b.offset + b.length && b.offset < a.offset + a.length;

describe("ParquetFormatter reads only what it needs", () => {
  test("columns, rowcount and schema: one read of exactly the footer with the index", async () => {
    const { path, index } = await written();
    const sc = storageClasses.get("DataFrame");
    for (const [component, want] of [
      ["columns", ["id", "ra", "dec", "g_flux", "r_flux", "band"]],
      ["rowcount", 3000],
      [
        "schema",
        {
          columns: [
            { name: "id", type: "int64", nullable: false },
            { name: "ra", type: "float64", nullable: false },
            { name: "dec", type: "float64", nullable: false },
            { name: "g_flux", type: "float32", nullable: false },
            { name: "r_flux", type: "float32", nullable: false },
            { name: "band", type: "string", nullable: false },
          ],
        },
      ],
    ] as const) {
      const { source, metrics } = metered(path);
      assert.deepEqual(await formatter.read(source, { storageClass: sc, component, index }), want);
      assert.deepEqual(metrics.ranges, [index.footer], component);
      assert.equal(metrics.sizeCalls, 0, "no size probe");
      await source.close?.();
    }
    assert.deepEqual(formatter.plan({ storageClass: sc, component: "rowcount" }, index), [index.footer]);
  });

  test("without an index: the last 8 bytes, then the footer", async () => {
    const { path, index } = await written();
    const { source, metrics } = metered(path);
    const size = index.size;
    assert.equal(
      await formatter.read(source, { storageClass: storageClasses.get("ArrowTable"), component: "rowcount" }),
      3000,
    );
    assert.deepEqual(metrics.ranges, [{ offset: size - 8, length: 8 }, index.footer]);
    assert.deepEqual(await formatter.index(new FileSource(path)), index, "ingest finds the same index");
  });

  test("a columns read fetches the footer and those columns' chunks, nothing else", async () => {
    const { path, index } = await written();
    const metadata = parseFooter(
      (await new FileSource(path).read(index.footer.offset, index.footer.length)).slice(),
    );
    assert.ok(metadata.row_groups.length >= 2);
    const { source, metrics } = metered(path);
    const table = (await formatter.read(source, {
      storageClass: storageClasses.get("ArrowAstropy"),
      parameters: { columns: ["dec", "*_flux"] },
      index,
    })) as Table;
    assert.deepEqual(table.columnNames, ["dec", "g_flux", "r_flux"]);
    assert.deepEqual(table.row(2999), {
      dec: 2 + Math.cos(2999),
      g_flux: Math.fround(2999 * 1.5),
      r_flux: Math.fround(2999 * 2.5),
    });
    const chosen = columnChunkRanges(metadata, ["dec", "g_flux", "r_flux"]);
    const others = columnChunkRanges(metadata, ["id", "ra", "band"]);
    const read = metrics.ranges!;
    assert.deepEqual(read[0], index.footer, "the footer first");
    assert.equal(metrics.bytes, index.footer.length + total(chosen), "footer + chosen chunks, exactly");
    for (const r of read)
      for (const o of others)
        assert.ok(!overlaps(r, o), `read ${r.offset}+${r.length} touches another column`);
    await source.close?.();
  });

  test("an unknown column is an UnknownColumnError listing the columns, after reading the footer only", async () => {
    const { path, index } = await written();
    const { source, metrics } = metered(path);
    await assert.rejects(
      formatter.read(source, {
        storageClass: storageClasses.get("ArrowTable"),
        parameters: { columns: ["ra", "psfFlux"] },
        index,
      }),
      (e: unknown) =>
        e instanceof UnknownColumnError &&
        e.column === "psfFlux" &&
        /its columns are: id, ra, dec, g_flux, r_flux, band/.test(e.message),
    );
    assert.deepEqual(metrics.ranges, [index.footer]);
  });

  test("the whole table round-trips; a file that is not Parquet is a TableFormatError", async () => {
    const table = catalog(10);
    const { path, index } = await written(table);
    const back = (await formatter.read(new FileSource(path), {
      storageClass: storageClasses.get("DataFrame"),
      index,
    })) as Table;
    assert.deepEqual(back.schema, table.schema);
    assert.deepEqual(back.row(7), table.row(7));
    const bogus = join(freshDir("bogus"), "x.parq");
    await import("node:fs/promises").then((fs) => fs.writeFile(bogus, "not a parquet file at all"));
    await assert.rejects(formatter.index(new FileSource(bogus)), TableFormatError);
  });

  test("the byte index survives the record's JSON, and a damaged one is ignored", async () => {
    const { index } = await written(catalog(5));
    assert.deepEqual(parseByteIndex(serializeByteIndex(index)), index);
    assert.equal(parseByteIndex(JSON.stringify({ ...index, footer: { offset: 0, length: 1 } })), null);
  });
});

describe("table datasets in the FileDatastore", () => {
  test("put, then get the table, some columns, and each derived component from the footer alone", async () => {
    const repo = await makeRepo();
    const ref = instrumentRef("objectTable", "DataFrame");
    const table = catalog();
    await repo.datastore.put(table, ref);
    const record = await repo.datastore.getRecord(ref.id);
    assert.equal(record.formatter, "ParquetFormatter");
    assert.ok(record.path.endsWith(".parq"), record.path);
    const index = record.byteIndex as ParquetByteIndex;
    assert.equal(index.kind, "parquet");

    const whole = await repo.datastore.get<Table>(ref);
    assert.deepEqual(whole.value.columnNames, table.columnNames);
    assert.deepEqual(whole.value.row(1234), table.row(1234));

    const rowcount = await repo.datastore.get<number>(ref, { component: "rowcount" });
    assert.equal(rowcount.value, 3000);
    assert.equal(rowcount.metrics.bytesRead, index.footer.length);
    assert.equal(rowcount.metrics.requests, 1);
    const columns = await repo.datastore.get(ref, { component: "columns" });
    assert.deepEqual(columns.value, ["id", "ra", "dec", "g_flux", "r_flux", "band"]);

    const some = await repo.datastore.get<Table>(ref, { parameters: { columns: "band" } });
    assert.deepEqual(some.value.columnNames, ["band"]);
    assert.ok(
      some.metrics.bytesRead < whole.metrics.bytesRead / 3,
      `${some.metrics.bytesRead} of ${whole.metrics.bytesRead}`,
    );
  });

  test("bad components and parameters fail before any I/O with what is accepted", async () => {
    const repo = await makeRepo();
    const ref = instrumentRef("sourceTable", "ArrowTable");
    await repo.datastore.put(catalog(4), ref);
    await assert.rejects(
      repo.datastore.get(ref, { component: "rows" }),
      (e: unknown) =>
        e instanceof UnknownComponentError &&
        /accepted components: columns, rowcount, schema/.test(e.message),
    );
    await assert.rejects(
      repo.datastore.get(ref, { parameters: { filters: [] } }),
      (e: unknown) => e instanceof UnknownParameterError && /accepted parameters: columns/.test(e.message),
    );
    await assert.rejects(repo.datastore.get(ref, { parameters: { columns: 3 } }), InvalidParameterError);
    await assert.rejects(repo.datastore.get(ref, { parameters: { columns: [] } }), InvalidParameterError);
    await assert.rejects(repo.datastore.get(ref, { parameters: { columns: ["nope"] } }), UnknownColumnError);
  });
});
