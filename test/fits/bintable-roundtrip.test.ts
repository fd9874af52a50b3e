/**
 * Writing binary tables: every TFORM code, P and Q heaps, unsigned TZERO, linear scaling with TNULL,
 * TDIM, strings with quotes; written to a file, scanned and read back equal; cross-checked with astropy
 * and fitsverify when they are installed; corrupt descriptors and bad inputs rejected.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { FileSource } from "../../src/bytes/file-source.ts";
import { MemorySource } from "../../src/bytes/memory-source.ts";
import { FitsFormatError, InvalidArgumentError } from "../../src/errors/index.ts";
import {
  encodeTable,
  findColumn,
  readTable,
  readTableRaw,
  type Table,
  type TableColumn,
  type TableColumnInput,
} from "../../src/fits/bintable.ts";
import { addChecksum, verifyHduAt } from "../../src/fits/checksum.ts";
import { Header, makeCard } from "../../src/fits/header.ts";
import { formatHeader } from "../../src/fits/header-format.ts";
import { scanFits } from "../../src/fits/scan.ts";
import { fitsverifyPath, hasAstropy, PYTHON } from "../support/oracles.ts";

/** A whole FITS file: an empty primary HDU followed by the given extensions. */
function fitsFile(...extensions: { header: Header; data: Uint8Array }[]): Uint8Array {
  const primary = new Header();
  primary.append(makeCard("SIMPLE", true, { comment: "conforms to FITS standard" }));
  primary.append(makeCard("BITPIX", 8));
  primary.append(makeCard("NAXIS", 0));
  primary.append(makeCard("EXTEND", true));
  const parts = [formatHeader(primary)];
  for (const ext of extensions) parts.push(formatHeader(ext.header), ext.data);
  return Buffer.concat(parts);
}

const NROWS = 3;

/** One column of every kind; 3 rows. */
function allColumns(): TableColumnInput[] {
  return [
    { name: "flag", format: "1L", values: [true, false, null] },
    { name: "flags2", format: "2L", values: [true, true, false, null, null, false] },
    {
      name: "bits",
      format: "12X",
      values: Uint8Array.from({ length: 36 }, (_, i) => ((i * 7) % 3 === 0 ? 1 : 0)),
    },
    { name: "byte", values: Uint8Array.of(0, 128, 255) },
    { name: "sbyte", values: Int8Array.of(-128, 0, 127) },
    { name: "short", values: Int16Array.of(-32768, 0, 32767) },
    { name: "ushort", values: Uint16Array.of(0, 32768, 65535), unit: "adu" },
    { name: "int", values: Int32Array.of(-2147483648, -1, 2147483647), tnull: -1 },
    { name: "uint", values: Uint32Array.of(0, 2147483648, 4294967295) },
    { name: "long", values: BigInt64Array.of(-(2n ** 63n), 0n, 2n ** 63n - 1n) },
    { name: "ulong", values: BigUint64Array.of(0n, 2n ** 63n, 2n ** 64n - 1n) },
    { name: "ushort_null", values: Uint16Array.of(7, 65535, 1), tnull: 32767 },
    { name: "float", values: Float32Array.of(1.5, Number.NaN, Number.NEGATIVE_INFINITY) },
    { name: "double", values: Float64Array.of(Math.PI, -0, 1e300), unit: "m/s" },
    { name: "matrix", format: "6D", dim: [3, 2], values: Float64Array.from({ length: 18 }, (_, i) => i / 4) },
    { name: "complex", format: "1C", values: Float32Array.of(1, -1, 2.5, 0, 0, 3) },
    { name: "dcomplex", format: "2M", values: Float64Array.from({ length: 12 }, (_, i) => i - 6.5) },
    { name: "text", format: "12A", values: ["it's here", "", "twelve chars"] },
    {
      name: "words",
      format: "12A",
      dim: [4, 3],
      values: [
        ["ab", "cd", "ef"],
        ["", "x", ""],
        ["abcd", "efgh", "ijkl"],
      ],
    },
    { name: "scaled", format: "1I", scale: 0.5, zero: 10, tnull: -32768, values: [10, 11.5, Number.NaN] },
    { name: "vbytes", format: "PB", values: [Uint8Array.of(1, 2, 3), new Uint8Array(0), Uint8Array.of(255)] },
    {
      name: "qbytes",
      format: "QB",
      values: [Uint8Array.from({ length: 300 }, (_, i) => i & 255), Uint8Array.of(9), new Uint8Array(0)],
    },
    {
      name: "vushort",
      format: "PI",
      values: [Uint16Array.of(65535, 0), Uint16Array.of(32768), new Uint16Array(0)],
    },
    {
      name: "vint",
      format: "QJ",
      values: [Int32Array.of(-5, 5), Int32Array.of(), Int32Array.of(1, 2, 3, 4)],
    },
    {
      name: "vlong",
      format: "PK",
      values: [BigInt64Array.of(-1n), BigInt64Array.of(2n ** 40n), BigInt64Array.of()],
    },
    {
      name: "vfloat",
      format: "PE",
      values: [Float32Array.of(0.25), Float32Array.of(), Float32Array.of(1, 2)],
    },
    {
      name: "vdouble",
      format: "QD",
      values: [Float64Array.of(1e-300, Number.NaN), Float64Array.of(7), Float64Array.of()],
    },
    { name: "vtext", format: "PA", values: ["variable 'quoted'", "", "x"] },
    { name: "qtext", format: "QA", values: ["a", "bb", "ccc"] },
    { name: "vlogical", format: "PL", values: [[true, false], [], [null, true, false]] },
    {
      name: "vbits",
      format: "PX",
      values: [Uint8Array.of(1, 0, 1, 1, 0, 0, 0, 0, 1), Uint8Array.of(), Uint8Array.of(1)],
    },
    {
      name: "vcomplex",
      format: "PC",
      values: [Float32Array.of(1, 2, 3, 4), Float32Array.of(), Float32Array.of(-1, -2)],
    },
    {
      name: "vdcomplex",
      format: "QM",
      values: [Float64Array.of(), Float64Array.of(0.5, -0.5), Float64Array.of()],
    },
  ];
}

/** What readTable should give back for an input column: the input itself, except for scaled physical values. */
function expectedValues(input: TableColumnInput): unknown {
  return input.name === "scaled" ? Float64Array.of(10, 11.5, Number.NaN) : input.values;
}

// astropy 5.2 rejects variable-length bit arrays (1PX), which FITS allows; its copy leaves them out.
const astropyColumns = () => allColumns().filter((c) => c.format !== "PX");

let dir: string;
let path: string;
let astropyPath: string;
before(() => {
  dir = mkdtempSync(join(tmpdir(), "butler-bintable-"));
  path = join(dir, "all-columns.fits");
  astropyPath = join(dir, "astropy-columns.fits");
  for (const [file, columns] of [
    [path, allColumns()],
    [astropyPath, astropyColumns()],
  ] as const) {
    const table = encodeTable(columns, { extname: "ALL 'TYPES'" });
    table.header.append(makeCard("ORIGIN", "butler-ts test", { comment: "a user card" }));
    addChecksum(table.header, table.data);
    writeFileSync(file, fitsFile(table));
  }
});
after(() => {
  rmSync(dir, { recursive: true, force: true });
});

async function readBack(): Promise<{ table: Table; header: Header; source: FileSource }> {
  const source = new FileSource(path);
  const index = await scanFits(source);
  assert.equal(index.hdus.length, 2);
  assert.equal(index.hdus[1]!.kind, "bintable");
  const table = await readTable(source, index.hdus[1]!, index.headers[1]!);
  return { table, header: index.headers[1]!, source };
}

describe("encodeTable → file → scanFits + readTable", () => {
  test("the header follows the mandatory order and describes every column", async () => {
    const { header, source } = await readBack();
    await source.close();
    assert.deepEqual(
      header.cards.slice(0, 8).map((c) => c.key),
      ["XTENSION", "BITPIX", "NAXIS", "NAXIS1", "NAXIS2", "PCOUNT", "GCOUNT", "TFIELDS"],
    );
    assert.equal(header.get("XTENSION"), "BINTABLE");
    assert.equal(header.get("NAXIS2"), NROWS);
    assert.equal(header.get("GCOUNT"), 1);
    assert.equal(header.get("TFIELDS"), allColumns().length);
    assert.equal(header.get("EXTNAME"), "ALL 'TYPES'");
    assert.equal(header.has("THEAP"), false);
    const tform = (name: string) => {
      const n = allColumns().findIndex((c) => c.name === name) + 1;
      return [
        header.get(`TFORM${n}`),
        header.get(`TZERO${n}`),
        header.get(`TSCAL${n}`),
        header.get(`TNULL${n}`),
      ];
    };
    assert.deepEqual(tform("ushort"), ["1I", 32768, undefined, undefined]);
    assert.deepEqual(tform("sbyte"), ["1B", -128, undefined, undefined]);
    assert.deepEqual(tform("uint"), ["1J", 2147483648, undefined, undefined]);
    assert.deepEqual(tform("ulong"), ["1K", 9223372036854775808n, undefined, undefined]);
    assert.deepEqual(tform("scaled"), ["1I", 10, 0.5, -32768]);
    assert.deepEqual(tform("qbytes"), ["1QB(300)", undefined, undefined, undefined]);
    assert.deepEqual(tform("vushort"), ["1PI(2)", 32768, undefined, undefined]);
    assert.deepEqual(tform("bits"), ["12X", undefined, undefined, undefined]);
    assert.equal(header.get("TDIM15"), "(3,2)");
  });

  test("every column reads back equal", async () => {
    const { table, source } = await readBack();
    await source.close();
    assert.equal(table.nrows, NROWS);
    const inputs = allColumns();
    assert.deepEqual(
      table.columns.map((c) => c.name),
      inputs.map((c) => c.name),
    );
    for (const input of inputs) {
      const column = findColumn(table, input.name)!;
      assert.deepEqual(column.values, expectedValues(input), `column ${input.name}`);
    }
    const kinds = Object.fromEntries(table.columns.map((c) => [c.name, c.kind]));
    assert.equal(kinds.bits, "bits");
    assert.equal(kinds.words, "string_array");
    assert.equal(kinds.complex, "complex");
    assert.equal(kinds.scaled, "float");
    assert.equal(kinds.vtext, "varlen");
    const int = findColumn(table, "int") as Extract<TableColumn, { kind: "integer" }>;
    assert.deepEqual(Array.from(int.nullMask!), [0, 1, 0]);
    const ushortNull = findColumn(table, "ushort_null") as Extract<TableColumn, { kind: "integer" }>;
    assert.deepEqual(
      Array.from(ushortNull.nullMask!),
      [0, 1, 0],
      "TNULL of an unsigned column is the stored value",
    );
    assert.deepEqual(findColumn(table, "matrix")!.dim, [3, 2]);
    assert.equal(findColumn(table, "ushort")!.unit, "adu");
  });

  test("the data unit is padded with zeros and the checksum verifies", async () => {
    const { source } = await readBack();
    const index = await scanFits(source);
    const hdu = index.hdus[1]!;
    assert.equal(hdu.dataSpan % 2880, 0);
    const report = await verifyHduAt(source, hdu, index.headers[1]!);
    assert.equal(report.datasumOk, true);
    assert.equal(report.checksumOk, true);
    const raw = await readTableRaw(source, hdu, index.headers[1]!);
    assert.equal(raw.heap.length, hdu.pcount);
    assert.equal(raw.heapStart, 0);
    await source.close();
  });

  test("a subset of rows and columns equals the same slice of the full read", async () => {
    const { table: full, source } = await readBack();
    const index = await scanFits(source);
    const part = await readTable(source, index.hdus[1]!, index.headers[1]!, {
      columns: ["qbytes", "words", "dcomplex", "vdouble", "bits"],
      rows: [1, 3],
    });
    await source.close();
    assert.deepEqual(part.columns[0]!.values, findColumn(full, "qbytes")!.values.slice(1));
    assert.deepEqual(part.columns[1]!.values, findColumn(full, "words")!.values.slice(1));
    assert.deepEqual(part.columns[2]!.values, findColumn(full, "dcomplex")!.values.slice(4));
    assert.deepEqual(part.columns[3]!.values, findColumn(full, "vdouble")!.values.slice(1));
    assert.deepEqual(part.columns[4]!.values, findColumn(full, "bits")!.values.slice(12));
  });

  test("astropy reads the table with the same values", {
    skip: !hasAstropy() && "astropy is not installed",
  }, () => {
    const script = String.raw`
import json, math, re, sys
import numpy as np
from astropy.io import fits

def norm(x):
    if isinstance(x, (bytes, np.bytes_)): return x.decode("latin1")
    if isinstance(x, (str, np.str_)): return str(x)
    if isinstance(x, (bool, np.bool_)): return bool(x)
    if isinstance(x, (int, np.integer)): return str(int(x))
    if isinstance(x, (complex, np.complexfloating)): return [norm(float(x.real)), norm(float(x.imag))]
    if isinstance(x, (float, np.floating)):
        f = float(x)
        return f if math.isfinite(f) else str(f)
    if isinstance(x, (np.ndarray, list, tuple)): return [norm(v) for v in np.asarray(x).ravel()]
    return repr(x)

with fits.open(sys.argv[1], checksum=True) as hdul:
    hdu = hdul[1]
    out = {"__checksum": [int(hdu.verify_checksum()), int(hdu.verify_datasum())]}
    for c in hdu.columns:
        col = hdu.data[c.name]
        rows = []
        for r in range(len(hdu.data)):
            v = col[r]
            if re.match(r"^\d*[PQ]A", c.format):
                rows.append("".join(str(ch) for ch in np.asarray(v).ravel()))
            elif re.match(r"^\d*[PQ]L", c.format):
                # astropy 5.2 returns variable-length logicals as their raw bytes ('T' = 84).
                rows.append([int(b) == 84 for b in np.asarray(v).ravel()])
            else:
                rows.append(norm(v))
        out[c.name] = rows
    print(json.dumps(out))
`;
    const run = spawnSync(PYTHON, ["-c", script, astropyPath], { cwd: tmpdir(), encoding: "utf8" });
    assert.equal(run.status, 0, run.stderr);
    const astropy = JSON.parse(run.stdout) as Record<string, unknown[]>;
    assert.deepEqual(astropy.__checksum, [1, 1], "astropy verifies CHECKSUM and DATASUM");
    const ours = asAstropyRows(astropyColumns());
    for (const [name, rows] of Object.entries(ours)) {
      // astropy reads TZERO = -128 bytes as floats (compare numbers through their text) and keeps the
      // blank padding of TDIM string arrays (trim it).
      assert.deepEqual(numbersAsText(astropy[name]), numbersAsText(rows), `astropy column ${name}`);
    }
  });

  test("fitsverify finds no errors", {
    skip: fitsverifyPath() === undefined && "fitsverify is not installed",
  }, () => {
    for (const file of [path, astropyPath]) {
      const run = spawnSync(fitsverifyPath()!, ["-e", "-q", file], { encoding: "utf8" });
      assert.equal(run.status, 0, `${run.stdout}${run.stderr}`);
    }
  });
});

/** Our input values in the shape the astropy script prints (astropy has no null logicals: they read false). */
function asAstropyRows(inputs: TableColumnInput[]): Record<string, unknown[]> {
  const out: Record<string, unknown[]> = {};
  for (const input of inputs) {
    const name = input.name;
    // Left out: astropy does not turn a scaled column's TNULL into NaN, and it applies TZERO to
    // variable-length int16 arrays in int16 arithmetic (65535 reads as -1). Our reading of both is
    // checked by the round trip above.
    if (name === "scaled" || name === "vushort") continue;
    const values = input.values as ArrayLike<unknown>;
    const format = input.format ?? `1${typedCode(values)}`;
    const code = format.replace(/\(.*$/, "").slice(-1);
    const isInteger = "BIJK".includes(code);
    const num = (v: unknown): unknown => {
      if (typeof v === "bigint" || (isInteger && typeof v === "number")) return String(v);
      if (typeof v !== "number") return v === true;
      if (Number.isFinite(v)) return v;
      return Number.isNaN(v) ? "nan" : v > 0 ? "inf" : "-inf";
    };
    const repeat = Number(/^\d+/.exec(format)?.[0] ?? 1);
    const rows: unknown[] = [];
    for (let r = 0; r < NROWS; r++) {
      if (format.startsWith("P") || format.startsWith("Q")) {
        const cell = values[r] as ArrayLike<unknown> | string;
        if (typeof cell === "string") rows.push(cell);
        else if (code === "C" || code === "M") rows.push(pairs(Array.from(cell, num)));
        else rows.push(Array.from(cell, num));
      } else if (code === "A") {
        rows.push(values[r]);
      } else if (code === "C" || code === "M") {
        const row = Array.from({ length: repeat * 2 }, (_, k) => num(values[r * repeat * 2 + k]));
        rows.push(repeat === 1 ? row : pairs(row));
      } else if (code === "X") {
        rows.push(Array.from({ length: repeat }, (_, k) => values[r * repeat + k] === 1));
      } else {
        const row = Array.from({ length: repeat }, (_, k) => num(values[r * repeat + k]));
        rows.push(repeat === 1 ? row[0] : row);
      }
    }
    out[name] = rows;
  }
  return out;
}

function typedCode(values: unknown): string {
  if (values instanceof Uint8Array || values instanceof Int8Array) return "B";
  if (values instanceof Int16Array || values instanceof Uint16Array) return "I";
  if (values instanceof Int32Array || values instanceof Uint32Array) return "J";
  if (values instanceof BigInt64Array || values instanceof BigUint64Array) return "K";
  if (values instanceof Float32Array) return "E";
  return "D";
}

function numbersAsText(value: unknown): unknown {
  if (typeof value === "number") return String(value);
  if (Array.isArray(value)) return value.map(numbersAsText);
  return typeof value === "string" ? value.trimEnd() : value;
}

function pairs(flat: unknown[]): unknown[][] {
  const out: unknown[][] = [];
  for (let i = 0; i < flat.length; i += 2) out.push([flat[i], flat[i + 1]]);
  return out;
}

describe("bad inputs and corrupt tables are rejected", () => {
  function memoryTable(columns: TableColumnInput[]): { bytes: Uint8Array } {
    return { bytes: fitsFile(encodeTable(columns)) };
  }

  async function read(bytes: Uint8Array, options = {}) {
    const source = new MemorySource(bytes);
    const index = await scanFits(source);
    return readTable(source, index.hdus[1]!, index.headers[1]!, options);
  }

  test("a descriptor reaching past the heap is a FitsFormatError", async () => {
    const { bytes } = memoryTable([
      { name: "v", format: "PB", values: [Uint8Array.of(1, 2, 3), Uint8Array.of(4)] },
    ]);
    const dataStart = 2880 * 2;
    const view = new DataView(bytes.buffer, bytes.byteOffset);
    view.setUint32(dataStart + 8 + 4, 3); // row 1: 1 element at heap offset 3 (heap has 4 bytes): fine
    await read(bytes);
    view.setUint32(dataStart + 8 + 4, 4); // now at offset 4: one past the end
    await assert.rejects(read(bytes), FitsFormatError);
    view.setUint32(dataStart + 8, 0xffffffff); // absurd count
    await assert.rejects(read(bytes), /descriptor/);
  });

  test("an absurd 64-bit descriptor is a FitsFormatError, never an allocation", async () => {
    const { bytes } = memoryTable([{ name: "q", format: "QD", values: [Float64Array.of(1)] }]);
    const view = new DataView(bytes.buffer, bytes.byteOffset);
    view.setBigUint64(2880 * 2, 2n ** 60n);
    await assert.rejects(read(bytes), FitsFormatError);
  });

  test("cells sharing one heap span beyond maxHeapBytes are refused", async () => {
    const { bytes } = memoryTable([
      { name: "v", format: "PB", values: Array.from({ length: 10 }, () => new Uint8Array(100)) },
    ]);
    const all = await read(bytes);
    assert.equal(all.columns[0]!.values.length, 10);
    await assert.rejects(read(bytes, { maxHeapBytes: 500 }), /more than 500 heap bytes/);
  });

  test("unknown columns and bad row ranges are InvalidArgumentErrors", async () => {
    const { bytes } = memoryTable([{ name: "a", values: Int32Array.of(1, 2) }]);
    await assert.rejects(read(bytes, { columns: ["b"] }), InvalidArgumentError);
    await assert.rejects(read(bytes, { rows: [1, 3] }), InvalidArgumentError);
    const empty = await read(bytes, { rows: [1, 1] });
    assert.equal(empty.nrows, 0);
    assert.deepEqual(empty.columns[0]!.values, new Int32Array(0));
  });

  test("the writer refuses values that do not fit", () => {
    assert.throws(() => encodeTable([{ name: "s", format: "3A", values: ["abcd"] }]), InvalidArgumentError);
    assert.throws(() => encodeTable([{ name: "s", values: ["é"] }]), /printable ASCII/);
    assert.throws(() => encodeTable([{ name: "i", format: "1I", values: [40000] }]), InvalidArgumentError);
    assert.throws(() => encodeTable([{ name: "i", format: "1J", values: [1.5] }]), InvalidArgumentError);
    assert.throws(
      () =>
        encodeTable([
          { name: "a", values: Int16Array.of(1, 2) },
          { name: "b", values: Int16Array.of(1) },
        ]),
      /rows/,
    );
    assert.throws(
      () => encodeTable([{ name: "r", format: "2E", values: Float32Array.of(1, 2, 3) }]),
      /multiple/,
    );
    assert.throws(
      () => encodeTable([{ name: "x", format: "1E", tnull: 0, values: Float32Array.of(1) }]),
      /TNULL/,
    );
    assert.throws(() => encodeTable([{ name: "n", format: "1J", scale: 2, values: [Number.NaN] }]), /tnull/);
  });

  test("formats are inferred from the values", async () => {
    const encoded = encodeTable([
      { name: "u", values: Uint32Array.of(1, 2) },
      { name: "s", values: ["a", "abc"] },
      { name: "b", values: [true, false] },
      { name: "d", values: [1.5, 2] },
      { name: "k", values: [1n, 2n] },
      { name: "v", values: [Int16Array.of(1), Int16Array.of(2, 3)] },
      {
        name: "w",
        dim: [2, 2],
        values: [
          ["a", "b"],
          ["cd", ""],
        ],
      },
    ]);
    const h = encodedHeader(encoded.header);
    assert.deepEqual(h, ["1J", "3A", "1L", "1D", "1K", "1PI(2)", "4A"]);
    const table = await read(fitsFile(encoded));
    assert.deepEqual(table.columns[0]!.values, Uint32Array.of(1, 2));
    assert.deepEqual(table.columns[5]!.values, [Int16Array.of(1), Int16Array.of(2, 3)]);
    assert.deepEqual(table.columns[6]!.values, [
      ["a", "b"],
      ["cd", ""],
    ]);
  });

  test("a table without columns or rows", async () => {
    const encoded = encodeTable([], { nrows: 0 });
    assert.equal(encoded.data.length, 0);
    const table = await read(fitsFile(encoded));
    assert.deepEqual(table.columns, []);
  });
});

function encodedHeader(header: Header): unknown[] {
  const n = header.getInteger("TFIELDS")!;
  return Array.from({ length: n }, (_, i) => header.get(`TFORM${i + 1}`));
}
