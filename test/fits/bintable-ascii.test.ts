/**
 * ASCII table extensions (XTENSION = 'TABLE'): a hand-built table with every TFORM code, Fortran input
 * rules (implied decimal point, D exponents, exponents without a letter), TNULL, blank fields (zero) and
 * TSCAL/TZERO; and, when astropy is installed, a table astropy wrote.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { FileSource } from "../../src/bytes/file-source.ts";
import { MemorySource } from "../../src/bytes/memory-source.ts";
import { FitsFormatError, InvalidArgumentError } from "../../src/errors/index.ts";
import { type AsciiTableColumn, parseAsciiTform, readAsciiTable } from "../../src/fits/ascii-table.ts";
import { readTable } from "../../src/fits/bintable.ts";
import type { CardValue } from "../../src/fits/card.ts";
import { Header, makeCard } from "../../src/fits/header.ts";
import { formatHeader } from "../../src/fits/header-format.ts";
import { scanFits } from "../../src/fits/scan.ts";

interface Field {
  name: string;
  tform: string;
  tbcol: number;
  extra?: Record<string, CardValue>;
}

/** A FITS file with an empty primary and one ASCII table whose rows are given field by field. */
function asciiTableFile(fields: Field[], rows: string[][], rowChars: number): Uint8Array {
  const primary = new Header([
    makeCard("SIMPLE", true),
    makeCard("BITPIX", 8),
    makeCard("NAXIS", 0),
    makeCard("EXTEND", true),
  ]);
  const header = new Header([
    makeCard("XTENSION", "TABLE"),
    makeCard("BITPIX", 8),
    makeCard("NAXIS", 2),
    makeCard("NAXIS1", rowChars),
    makeCard("NAXIS2", rows.length),
    makeCard("PCOUNT", 0),
    makeCard("GCOUNT", 1),
    makeCard("TFIELDS", fields.length),
  ]);
  fields.forEach((f, i) => {
    const n = i + 1;
    header.append(makeCard(`TTYPE${n}`, f.name));
    header.append(makeCard(`TBCOL${n}`, f.tbcol));
    header.append(makeCard(`TFORM${n}`, f.tform));
    for (const [key, value] of Object.entries(f.extra ?? {})) header.append(makeCard(`${key}${n}`, value));
  });
  let text = "";
  for (const row of rows) {
    const line = Buffer.alloc(rowChars, " ");
    fields.forEach((f, i) => {
      line.write(row[i]!, f.tbcol - 1, "latin1");
    });
    text += line.toString("latin1");
  }
  const data = Buffer.from(text.padEnd(Math.ceil(text.length / 2880) * 2880, " "), "latin1");
  return Buffer.concat([formatHeader(primary), formatHeader(header), data]);
}

const FIELDS: Field[] = [
  { name: "NAME", tform: "A8", tbcol: 1 },
  { name: "COUNT", tform: "I6", tbcol: 10, extra: { TNULL: "-99", TUNIT: "ct" } },
  { name: "FIX", tform: "F8.3", tbcol: 17 },
  { name: "EXP", tform: "E12.4", tbcol: 26, extra: { TSCAL: 2.0, TZERO: 1.0 } },
  { name: "DBL", tform: "D14.6", tbcol: 39 },
];

const ROWS = [
  ["alpha   ", "    42", "   12345", "  1.5000E+03", "  1.234560D-02"],
  ["beta", "   -99", "  -1.500", "      1.25-3", "              "],
  ["", "      ", "    .5  ", "    -2.0E0  ", "         1E300"],
];

async function open(bytes: Uint8Array) {
  const source = new MemorySource(bytes);
  const index = await scanFits(source);
  return { source, hdu: index.hdus[1]!, header: index.headers[1]! };
}

describe("ASCII tables", () => {
  test("TFORM parsing", () => {
    assert.deepEqual(parseAsciiTform("A8"), { code: "A", width: 8 });
    assert.deepEqual(parseAsciiTform("I10 "), { code: "I", width: 10 });
    assert.deepEqual(parseAsciiTform("f8.3"), { code: "F", width: 8, decimals: 3 });
    assert.deepEqual(parseAsciiTform("D25.17"), { code: "D", width: 25, decimals: 17 });
    assert.throws(() => parseAsciiTform("1J"), FitsFormatError);
    assert.throws(() => parseAsciiTform("I6.2"), FitsFormatError);
  });

  test("a hand-built table decodes with Fortran input rules, TNULL, blanks and scaling", async () => {
    const { source, hdu, header } = await open(asciiTableFile(FIELDS, ROWS, 55));
    assert.equal(hdu.kind, "table");
    const table = await readAsciiTable(source, hdu, header);
    assert.equal(table.nrows, 3);
    const byName = Object.fromEntries(table.columns.map((c) => [c.name, c])) as Record<
      string,
      AsciiTableColumn
    >;
    assert.deepEqual(byName.NAME!.values, ["alpha", "beta", ""]);
    assert.equal(byName.COUNT!.kind, "integer");
    assert.equal(byName.COUNT!.unit, "ct");
    // TNULL marks row 1; a blank field is 0 (FITS 4.0 §7.2.5).
    assert.deepEqual(byName.COUNT!.values, Float64Array.of(42, Number.NaN, 0));
    assert.deepEqual(Array.from((byName.COUNT as { nullMask: Uint8Array }).nullMask), [0, 1, 0]);
    // F8.3 without a decimal point: the point is implied 3 digits from the right.
    assert.deepEqual(byName.FIX!.values, Float64Array.of(12.345, -1.5, 0.5));
    assert.equal((byName.FIX as { nullMask?: Uint8Array }).nullMask, undefined);
    // TSCAL = 2, TZERO = 1; "1.25-3" is 1.25E-3.
    assert.deepEqual(byName.EXP!.values, Float64Array.of(3001, 1.0025, -3));
    // "1E300" in D14.6 has no decimal point: the mantissa 1 is read as 0.000001.
    assert.deepEqual(byName.DBL!.values, Float64Array.of(0.0123456, 0, 1e294));
  });

  test("chosen columns and rows", async () => {
    const { source, hdu, header } = await open(asciiTableFile(FIELDS, ROWS, 55));
    const table = await readAsciiTable(source, hdu, header, { columns: ["dbl", "name"], rows: [1, 3] });
    assert.deepEqual(
      table.columns.map((c) => c.name),
      ["DBL", "NAME"],
    );
    assert.deepEqual(table.columns[1]!.values, ["beta", ""]);
    await assert.rejects(readAsciiTable(source, hdu, header, { columns: ["nope"] }), InvalidArgumentError);
    await assert.rejects(readAsciiTable(source, hdu, header, { rows: [2, 4] }), InvalidArgumentError);
    await assert.rejects(readTable(source, hdu, header), /ASCII table/);
  });

  test("garbage in a numeric field and columns past NAXIS1 are FitsFormatErrors", async () => {
    const bad = asciiTableFile(FIELDS, [["x", "  4x2 ", "1", "1", "1"]], 55);
    const opened = await open(bad);
    await assert.rejects(readAsciiTable(opened.source, opened.hdu, opened.header), /not a valid I6/);
    // DBL spans columns 39..52 but the rows are only 50 characters wide.
    const narrow = await open(asciiTableFile(FIELDS, ROWS, 50));
    await assert.rejects(readAsciiTable(narrow.source, narrow.hdu, narrow.header), /TBCOL5/);
  });
});

const PYTHON = "/usr/bin/python3";
const hasAstropy =
  existsSync(PYTHON) && spawnSync(PYTHON, ["-c", "import astropy"], { cwd: tmpdir() }).status === 0;

describe("an ASCII table written by astropy", () => {
  const dir = mkdtempSync(join(tmpdir(), "butler-ascii-"));
  after(() => rmSync(dir, { recursive: true, force: true }));

  test("reads the same values", { skip: !hasAstropy && "astropy is not installed" }, async () => {
    const path = join(dir, "ascii.fits");
    const script = `
import json, sys
import numpy as np
from astropy.io import fits
cols = [
    fits.Column(name="name", format="A10", array=np.array(["M31", "NGC 1316", ""])),
    fits.Column(name="n", format="I8", array=np.array([1, -20, 300000])),
    fits.Column(name="f", format="F10.4", array=np.array([1.25, -0.0625, 1234.5])),
    fits.Column(name="e", format="E15.7", array=np.array([1.5e-10, -3.25e20, 0.0])),
    fits.Column(name="d", format="D25.17", array=np.array([np.pi, -1e-300, 2.0 / 3.0])),
]
fits.HDUList([fits.PrimaryHDU(), fits.TableHDU.from_columns(cols)]).writeto(sys.argv[1])
with fits.open(sys.argv[1]) as hdul:
    data = hdul[1].data
    print(json.dumps({c.name: [v.rstrip() if isinstance(v, str) else float(v) for v in data[c.name].tolist()] for c in hdul[1].columns}))
`;
    const run = spawnSync(PYTHON, ["-c", script, path], { cwd: tmpdir(), encoding: "utf8" });
    assert.equal(run.status, 0, run.stderr);
    const expected = JSON.parse(run.stdout) as Record<string, (string | number)[]>;
    const source = new FileSource(path);
    try {
      const index = await scanFits(source);
      assert.equal(index.hdus[1]!.kind, "table");
      const table = await readAsciiTable(source, index.hdus[1]!, index.headers[1]!);
      for (const column of table.columns) {
        const want = expected[column.name]!;
        assert.deepEqual(
          Array.from(column.values as ArrayLike<string | number>),
          want,
          `column ${column.name}`,
        );
      }
    } finally {
      await source.close();
    }
  });
});
