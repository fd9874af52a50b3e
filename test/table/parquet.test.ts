/**
 * Tables as Parquet: a round trip of every column type with its extremes and nulls, across row groups;
 * the file layout checked by hand (magic bytes, footer length, column chunk ranges that hold the
 * column's own little-endian values); and, when pyarrow is installed, pyarrow reading our file.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { TableFormatError } from "../../src/errors/index.ts";
import {
  columnChunkRanges,
  columnNamesOf,
  encodeParquet,
  footerRange,
  keyValueMetadata,
  parseFooter,
  readParquetTable,
  rowCountOf,
  schemaOf,
} from "../../src/table/parquet.ts";
import { Table } from "../../src/table/table.ts";

const scratch = mkdtempSync(join(tmpdir(), "butler-parquet-"));
after(() => rmSync(scratch, { recursive: true, force: true }));

const ROWS = 2500; // more than the writer's first row group (1000 rows)

/** Deterministic values: a linear congruential sequence, so failures reproduce. */
function sequence(n: number, seed = 7): number[] {
  const out: number[] = [];
  let s = seed;
  for (let i = 0; i < n; i++) {
    s = (s * 1103515245 + 12345) % 2147483648;
    out.push(s);
  }
  return out;
}

export function everyTypeTable(rows = ROWS): Table {
  const r = sequence(rows);
  // Distinct doubles with no shared 4-byte runs: Snappy stores them as they are (see the layout test).
  const f64 = Float64Array.from(r, (_, i) =>
    i === 0 ? Number.NaN : i === 1 ? -0 : i === 2 ? -Infinity : Math.sin(i) * 1e5 + i / 3,
  );
  const valid = Uint8Array.from(r, (_, i) => (i % 5 === 3 ? 0 : 1));
  return Table.fromColumns(
    {
      f64,
      f32: Float32Array.from(r, (v, i) => (i === 0 ? Number.POSITIVE_INFINITY : v / 3.1)),
      i8: Int8Array.from(r, (v, i) => (i === 0 ? -128 : i === 1 ? 127 : v)),
      i16: Int16Array.from(r, (v, i) => (i === 0 ? -32768 : i === 1 ? 32767 : v)),
      i32: Int32Array.from(r, (v, i) => (i === 0 ? -2147483648 : i === 1 ? 2147483647 : v - 1e9)),
      i64: BigInt64Array.from(r, (v, i) =>
        i === 0 ? -(2n ** 63n) : i === 1 ? 2n ** 63n - 1n : BigInt(v) * 4096n,
      ),
      u8: Uint8Array.from(r, (v, i) => (i === 0 ? 255 : v)),
      u16: Uint16Array.from(r, (v, i) => (i === 0 ? 65535 : v)),
      u32: Uint32Array.from(r, (v, i) => (i === 0 ? 4294967295 : v * 2)),
      u64: BigUint64Array.from(r, (v, i) => (i === 0 ? 2n ** 64n - 1n : BigInt(v) * 8192n)),
      flag: Array.from(r, (v) => v % 3 === 0),
      name: Array.from(r, (v, i) =>
        i % 7 === 2 ? null : i === 0 ? "" : i === 1 ? "ünïcødé ✓ 🚀" : `obj-${v}`,
      ),
      maybe: { values: Float64Array.from(r, (v, i) => (valid[i] ? v : Number.NaN)), valid },
      maybeInt: { values: Int32Array.from(r, (v, i) => (valid[i] ? v % 1000 : 0)), valid },
      maybeFlag: { values: Array.from(r, (v, i) => valid[i] === 1 && v % 2 === 0), valid },
    },
    { metadata: { "butler-ts": "test", units: '{"f64": "nJy"}' } },
  );
}

function assertSameTable(got: Table, want: Table): void {
  assert.deepEqual(got.schema, want.schema);
  assert.equal(got.numRows, want.numRows);
  for (const name of want.columnNames) {
    const a = got.column(name);
    const b = want.column(name);
    assert.equal(a.values.constructor, b.values.constructor, `${name} keeps its array type`);
    assert.deepEqual(a.valid, b.valid, `${name} nulls`);
    // Compare present values only (a missing value's slot is unspecified), with NaN and -0 exact.
    for (let i = 0; i < want.numRows; i++) {
      if (b.valid !== undefined && b.valid[i] === 0) continue;
      assert.ok(
        Object.is(a.values[i], b.values[i]),
        `${name}[${i}]: ${String(a.values[i])} != ${String(b.values[i])}`,
      );
    }
  }
}

const NO_PYARROW =
  "pyarrow is not installed (Debian has no python3-pyarrow; `pip install pyarrow` provides it)";
let pyarrow: string | null | undefined;

/** A Python with pyarrow: /usr/bin/python3 or the python3 on PATH. */
function pyarrowPython(): string | undefined {
  pyarrow ??=
    ["/usr/bin/python3", "python3"].find(
      (p) => spawnSync(p, ["-c", "import pyarrow.parquet"], { cwd: tmpdir() }).status === 0,
    ) ?? null;
  return pyarrow ?? undefined;
}

describe("Parquet codec", () => {
  test("every column type round-trips, with extremes, NaN, -0, infinities, nulls and metadata", async () => {
    const table = everyTypeTable();
    const { bytes, footer } = encodeParquet(table);
    const metadata = parseFooter(bytes.subarray(footer.offset));
    assert.equal(rowCountOf(metadata), ROWS);
    assert.ok(metadata.row_groups.length >= 2, "several row groups");
    assert.deepEqual(columnNamesOf(metadata), table.columnNames);
    assert.deepEqual(schemaOf(metadata), table.schema);
    const back = await readParquetTable(bytes.slice().buffer, metadata);
    assertSameTable(back, table);
    assert.equal(back.metadata["butler-ts"], "test");
    assert.equal(back.metadata.units, '{"f64": "nJy"}');
  });

  test("an empty table and a one-column subset read back", async () => {
    const empty = Table.fromColumns({
      a: { values: new Float64Array(0) },
      s: { values: [], type: "string" },
    });
    const { bytes, footer } = encodeParquet(empty);
    const metadata = parseFooter(bytes.subarray(footer.offset));
    assert.equal(rowCountOf(metadata), 0);
    assertSameTable(await readParquetTable(bytes.slice().buffer, metadata), empty);
    const table = everyTypeTable(50);
    const encoded = encodeParquet(table);
    const md = parseFooter(encoded.bytes.subarray(encoded.footer.offset));
    const subset = await readParquetTable(encoded.bytes.slice().buffer, md, ["u64", "name"]);
    assertSameTable(subset, table.select(["u64", "name"]));
  });

  test("the file layout, checked by hand: PAR1 at both ends, the footer length, and column chunks", () => {
    const table = everyTypeTable();
    const { bytes, footer } = encodeParquet(table);
    const text = (a: number, b: number) => new TextDecoder().decode(bytes.subarray(a, b));
    assert.equal(text(0, 4), "PAR1");
    assert.equal(text(bytes.length - 4, bytes.length), "PAR1");
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const metadataLength = view.getUint32(bytes.length - 8, true);
    assert.deepEqual(footer, { offset: bytes.length - 8 - metadataLength, length: metadataLength + 8 });
    assert.deepEqual(footerRange(bytes.subarray(bytes.length - 8), bytes.length), footer);

    const metadata = parseFooter(bytes.subarray(footer.offset));
    const elements = metadata.schema.slice(1);
    const physical = Object.fromEntries(
      elements.map((e) => [e.name, `${e.type}/${e.converted_type ?? "-"}/${e.repetition_type}`]),
    );
    assert.deepEqual(physical, {
      f64: "DOUBLE/-/REQUIRED",
      f32: "FLOAT/-/REQUIRED",
      i8: "INT32/INT_8/REQUIRED",
      i16: "INT32/INT_16/REQUIRED",
      i32: "INT32/-/REQUIRED",
      i64: "INT64/-/REQUIRED",
      u8: "INT32/UINT_8/REQUIRED",
      u16: "INT32/UINT_16/REQUIRED",
      u32: "INT32/UINT_32/REQUIRED",
      u64: "INT64/UINT_64/REQUIRED",
      flag: "BOOLEAN/-/REQUIRED",
      name: "BYTE_ARRAY/UTF8/OPTIONAL",
      maybe: "DOUBLE/-/OPTIONAL",
      maybeInt: "INT32/-/OPTIONAL",
      maybeFlag: "BOOLEAN/-/OPTIONAL",
    });

    // Every chunk lies between the leading magic and the footer, and no two overlap.
    const all = columnChunkRanges(metadata, table.columnNames);
    assert.equal(all.length, table.numColumns * metadata.row_groups.length);
    let end = 4;
    for (const r of all) {
      assert.ok(r.offset >= end, `chunk at ${r.offset} overlaps the one ending at ${end}`);
      end = r.offset + r.length;
    }
    assert.ok(end <= footer.offset);

    // Distinct doubles do not compress: the f64 column's little-endian values of the first row group
    // sit verbatim inside f64's first chunk, and in no other column's chunk.
    const firstGroupRows = Number(metadata.row_groups[0]!.num_rows);
    const f64 = table.column("f64").values as Float64Array;
    const want = new Uint8Array(f64.buffer, 8 * 3, 8 * 64); // rows 3..66: plain distinct values
    const find = (r: { offset: number; length: number }) =>
      Buffer.from(bytes.subarray(r.offset, r.offset + r.length)).indexOf(Buffer.from(want));
    const [f64Chunk] = columnChunkRanges(metadata, ["f64"]);
    assert.ok(firstGroupRows > 67);
    assert.ok(find(f64Chunk!) >= 0, "f64 values inside f64's chunk");
    for (const r of columnChunkRanges(metadata, ["f32", "i64", "maybe"])) assert.equal(find(r), -1);
  });

  test("what is not Parquet, or not a column type we hold, is a TableFormatError", () => {
    assert.throws(() => footerRange(new TextEncoder().encode("12345678"), 100), /does not end with PAR1/);
    const tail = new Uint8Array(8);
    new DataView(tail.buffer).setUint32(0, 1000, true);
    tail.set(new TextEncoder().encode("PAR1"), 4);
    assert.throws(() => footerRange(tail, 100), TableFormatError);
    assert.throws(
      () => parseFooter(new Uint8Array([1, 2, 3, 4, 0, 0, 0, 0, 80, 65, 82, 49])),
      TableFormatError,
    );
  });

  test("pyarrow, an independent reader, reads our file to the same values", (t) => {
    const python = pyarrowPython();
    if (python === undefined) {
      t.skip(NO_PYARROW);
      return;
    }
    const table = everyTypeTable(300);
    const path = join(scratch, "every-type.parq");
    writeFileSync(path, encodeParquet(table).bytes);
    const script = `
import json, math, sys
import pyarrow.parquet as pq
t = pq.read_table(sys.argv[1])
def plain(v):
    if isinstance(v, float) and not math.isfinite(v): return repr(v)
    if isinstance(v, int) and abs(v) > 2**53: return str(v)
    return v
print(json.dumps({"rows": t.num_rows, "types": {f.name: str(f.type) for f in t.schema},
  "nullable": {f.name: f.nullable for f in t.schema},
  "values": {n: [plain(v) for v in t.column(n).to_pylist()] for n in t.column_names}}))
`;
    const run = spawnSync(python, ["-c", script, path], {
      encoding: "utf8",
      cwd: tmpdir(),
      maxBuffer: 64 << 20,
    });
    assert.equal(run.status, 0, run.stderr);
    const got = JSON.parse(run.stdout.trim().split("\n").pop()!) as {
      rows: number;
      types: Record<string, string>;
      nullable: Record<string, boolean>;
      values: Record<string, unknown[]>;
    };
    assert.equal(got.rows, 300);
    assert.deepEqual(got.types, {
      f64: "double",
      f32: "float",
      i8: "int8",
      i16: "int16",
      i32: "int32",
      i64: "int64",
      u8: "uint8",
      u16: "uint16",
      u32: "uint32",
      u64: "uint64",
      flag: "bool",
      name: "string",
      maybe: "double",
      maybeInt: "int32",
      maybeFlag: "bool",
    });
    for (const name of table.columnNames) {
      const column = table.column(name);
      const want = Array.from(column.values as ArrayLike<unknown>, (v, i) => {
        if (column.valid !== undefined && column.valid[i] === 0) return null;
        if (typeof v === "number" && !Number.isFinite(v))
          return Number.isNaN(v) ? "nan" : v > 0 ? "inf" : "-inf";
        if (typeof v === "bigint") return v > 2n ** 53n || v < -(2n ** 53n) ? v.toString() : Number(v);
        return name === "f32" ? v : v;
      });
      assert.deepEqual(got.values[name], want, name);
    }
  });

  test("we read what pyarrow writes: dictionary pages, nulls, its own metadata; unsupported types are named", async (t) => {
    const python = pyarrowPython();
    if (python === undefined) {
      t.skip(NO_PYARROW);
      return;
    }
    const path = join(scratch, "from-pyarrow.parquet");
    const script = `
import sys, datetime
import pyarrow as pa, pyarrow.parquet as pq
n = 3000
t = pa.table({
  "id": pa.array([i * 7 for i in range(n)], pa.int64()),
  "flux": pa.array([None if i % 11 == 0 else i / 4 for i in range(n)], pa.float64()),
  "band": pa.array([None if i % 13 == 0 else "gri"[i % 3] for i in range(n)], pa.string()),
  "small": pa.array([i % 200 for i in range(n)], pa.uint8()),
  "when": pa.array([datetime.datetime(2024, 1, 1)] * n, pa.timestamp("us")),
})
pq.write_table(t, sys.argv[1], row_group_size=1000)
`;
    const run = spawnSync(python, ["-c", script, path], { encoding: "utf8", cwd: tmpdir() });
    assert.equal(run.status, 0, run.stderr);
    const bytes = new Uint8Array(readFileSync(path));
    const footer = footerRange(bytes.subarray(bytes.length - 8), bytes.length);
    const metadata = parseFooter(bytes.subarray(footer.offset));
    assert.equal(rowCountOf(metadata), 3000);
    assert.deepEqual(columnNamesOf(metadata), ["id", "flux", "band", "small", "when"]);
    assert.throws(() => schemaOf(metadata), /column 'when' is INT64 \(TIMESTAMP\)/);
    const table = await readParquetTable(bytes.slice().buffer, metadata, ["id", "flux", "band", "small"]);
    assert.ok("ARROW:schema" in table.metadata);
    assert.deepEqual(
      table.schema.columns.map((c) => `${c.name}:${c.type}:${c.nullable}`),
      ["id:int64:true", "flux:float64:true", "band:string:true", "small:uint8:true"],
    );
    for (const i of [0, 1, 11, 13, 2999]) {
      assert.deepEqual(table.row(i), {
        id: BigInt(i * 7),
        flux: i % 11 === 0 ? null : i / 4,
        band: i % 13 === 0 ? null : "gri"[i % 3],
        small: i % 200,
      });
    }
    // Written back, pyarrow's own schema entry is dropped so it cannot contradict ours.
    assert.ok(!("ARROW:schema" in keyValueMetadata(parseFooter(encodeParquet(table).bytes))));
  });
});
