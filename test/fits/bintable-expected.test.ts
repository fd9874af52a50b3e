/**
 * Every binary table of every real fixture against EXPECTED.json (astropy's view): raw main-table and
 * heap bytes, column names and formats, and the decoded first row.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { describe, test } from "node:test";
import type { ByteSource, ReadOptions } from "../../src/bytes/byte-source.ts";
import {
  findColumn,
  readTable,
  readTableRaw,
  type Table,
  type TableColumn,
  tableLayout,
} from "../../src/fits/bintable.ts";
import { EXPECTED, type ExpectedHdu, openFixture } from "../support/fixtures.ts";

const sha256 = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");

const open = openFixture;

/** The descriptor element count of a P/Q column in row 0, from the raw main-table bytes. */
function firstDescriptorCount(raw: Uint8Array, column: { offset: number; tform: { code: string } }): number {
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  return column.tform.code === "Q" ? Number(view.getBigUint64(column.offset)) : view.getUint32(column.offset);
}

function checkFirstRow(
  table: Table,
  raw: Uint8Array,
  layout: ReturnType<typeof tableLayout>,
  want: ExpectedHdu,
) {
  for (const [name, expected] of Object.entries(want.first_row ?? {})) {
    const column = findColumn(table, name) as TableColumn;
    assert.ok(column !== undefined, `column ${name} decoded`);
    const label = `HDU ${want.index} column ${name}`;
    if (column.kind === "bits") {
      // Bit columns: EXPECTED records only their length.
      assert.equal(column.repeat, (expected as { array_len: number }).array_len, label);
      continue;
    }
    if (typeof expected === "object" && expected !== null && "array_len" in expected) {
      const length = (expected as { array_len: number }).array_len;
      if (column.kind === "varlen") {
        const info = layout.columns.find((c) => c.name === column.name)!;
        assert.equal(firstDescriptorCount(raw, info), length, `${label} descriptor count`);
        const cell = column.values[0]!;
        if (typeof cell === "string") assert.ok(cell.length <= length, label);
        else assert.equal(cell.length, length, label);
      } else {
        assert.equal(column.repeat, length, label);
        assert.equal(column.values.length, table.nrows * length, label);
      }
      continue;
    }
    const got = column.values[0];
    if (typeof expected === "string" && column.kind === "string") {
      assert.equal(got, expected, label);
    } else if (typeof expected === "number" || expected === "NaN") {
      const value = typeof got === "bigint" ? Number(got) : got;
      assert.equal(value, expected === "NaN" ? Number.NaN : expected, label);
    } else if (typeof expected === "boolean") {
      assert.equal(got, expected, label);
    } else {
      assert.fail(`${label}: unexpected EXPECTED value ${JSON.stringify(expected)}`);
    }
  }
}

const withTables = EXPECTED.filter((f) =>
  f.hdus.some((h) => h.kind === "bintable" || h.kind === "compressed_image"),
);

describe("binary tables of the real fixtures match EXPECTED.json", () => {
  test("the fixtures hold tables", () => {
    const count = withTables.flatMap((f) => f.hdus.filter((h) => h.kind === "bintable")).length;
    assert.ok(count >= 50, `found ${count} bintable HDUs`);
  });

  for (const file of withTables) {
    test(file.file, async () => {
      const { source, hdus, headers } = await open(file.file);
      for (const want of file.hdus) {
        if (want.kind !== "bintable" && want.kind !== "compressed_image") continue;
        const hdu = hdus[want.index]!;
        const header = headers[want.index]!;
        const layout = tableLayout(hdu, header);
        const table = await readTable(source, hdu, header);
        assert.deepEqual(
          table.columns.map((c) => [c.name, c.tform]),
          want.columns,
          `HDU ${want.index} columns`,
        );
        const raw = await readTableRaw(source, hdu, header);
        if (want.kind === "bintable") {
          assert.equal(sha256(raw.main), want.sha256_main_table, `HDU ${want.index} main table sha256`);
          assert.equal(sha256(raw.heap), want.sha256_heap, `HDU ${want.index} heap sha256`);
          assert.equal(table.nrows, (want as { nrows?: number }).nrows);
          checkFirstRow(table, raw.main, layout, want);
        } else {
          // The raw table of a compressed image: one row per tile, each a byte array from the heap.
          const data = findColumn(table, "COMPRESSED_DATA")!;
          assert.equal(data.kind, "varlen");
          assert.equal(table.nrows, hdu.naxis[1]);
          for (const cell of data.values) assert.ok(cell instanceof Uint8Array);
        }
      }
    });
  }
});

/** Counts the bytes and requests that reach the file. */
class CountingSource implements ByteSource {
  readonly key: string;
  requests: { offset: number; length: number }[] = [];
  constructor(readonly inner: ByteSource) {
    this.key = inner.key;
  }
  size(): Promise<number> {
    return this.inner.size();
  }
  read(offset: number, length: number, options?: ReadOptions): Promise<Uint8Array> {
    this.requests.push({ offset, length });
    return this.inner.read(offset, length, options);
  }
  get bytes(): number {
    return this.requests.reduce((sum, r) => sum + r.length, 0);
  }
}

describe("selective reads touch only the bytes they need", () => {
  test("one variable-length column of some rows: main-table rows once, only its heap spans", async () => {
    // calexp HDU 9 (Detector amplifiers): 4 rows, 13+ columns, linearity_coeffs 1QD(4).
    const { source, hdus, headers } = await open("real/lsst-obs_base-calexp.fits");
    const hdu = hdus[9]!;
    const header = headers[9]!;
    const full = await readTable(source, hdu, header);
    const counting = new CountingSource(source);
    const part = await readTable(counting, hdu, header, {
      columns: ["LINEARITY_COEFFS"],
      rows: [1, 3],
      gapBytes: 0,
    });
    assert.equal(part.nrows, 2);
    assert.equal(part.rowStart, 1);
    const want = findColumn(full, "linearity_coeffs")!.values.slice(1, 3);
    assert.deepEqual(part.columns[0]!.values, want);
    const [main, ...heap] = counting.requests;
    // Only the 16-byte descriptor of the two rows (stride included), not the whole table.
    assert.equal(main!.length, hdu.naxis[0]! + 16);
    const cellBytes = (want as Float64Array[]).reduce((sum, c) => sum + c.byteLength, 0);
    assert.equal(
      heap.reduce((sum, r) => sum + r.length, 0),
      cellBytes,
    );
    assert.ok(heap.length >= 1 && heap.length <= 2);
  });

  test("fixed columns never touch the heap; names are case-insensitive and keep the asked order", async () => {
    const { source, hdus, headers } = await open("real/lsst-obs_base-calexp.fits");
    const counting = new CountingSource(source);
    const table = await readTable(counting, hdus[14]!, headers[14]!, {
      columns: ["THROUGHPUTATMAX", "throughputAtMin"],
    });
    assert.deepEqual(
      table.columns.map((c) => c.name),
      ["throughputAtMax", "throughputAtMin"],
    );
    assert.equal(counting.requests.length, 1);
    assert.ok(counting.bytes <= hdus[14]!.naxis[0]! * hdus[14]!.naxis[1]!);
    assert.equal((table.columns[1]!.values as Float64Array)[0], 0.0203);
  });

  test("the chandra event table: TNULL on integer columns gives a null mask, units and bits decode", async () => {
    const { source, hdus, headers } = await open("real/astropy-chandra_time.fits");
    const table = await readTable(source, hdus[1]!, headers[1]!);
    const tdetx = findColumn(table, "tdetx")!;
    assert.equal(tdetx.kind, "integer");
    assert.ok(tdetx.kind === "integer" && tdetx.tnull === 9999 && tdetx.nullMask !== undefined);
    assert.deepEqual(Array.from(tdetx.nullMask!), [0, 0]);
    assert.equal(findColumn(table, "time")!.unit, "s");
    const status = findColumn(table, "status")!;
    assert.equal(status.kind, "bits");
    assert.equal(status.values.length, 2 * 32);
  });
});
