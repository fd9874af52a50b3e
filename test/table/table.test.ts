/**
 * The Table type: columns and their types, nulls, column selection by name and glob, and the typed
 * errors for what a table cannot be.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { TableFormatError, UnknownColumnError } from "../../src/errors/index.ts";
import { selectColumnNames, Table } from "../../src/table/table.ts";

describe("Table", () => {
  test("types come from the typed arrays and the values; the schema lists them in order", () => {
    const t = Table.fromColumns({
      ra: Float64Array.of(1, 2),
      flux: Float32Array.of(3, 4),
      id: BigInt64Array.of(1n, 2n),
      flag: [true, false],
      name: ["a", null],
    });
    assert.equal(t.numRows, 2);
    assert.deepEqual(t.schema.columns, [
      { name: "ra", type: "float64", nullable: false },
      { name: "flux", type: "float32", nullable: false },
      { name: "id", type: "int64", nullable: false },
      { name: "flag", type: "bool", nullable: false },
      { name: "name", type: "string", nullable: true },
    ]);
    assert.deepEqual(t.row(1), { ra: 2, flux: 4, id: 2n, flag: false, name: null });
  });

  test("a valid mask makes a numeric column nullable and its row values null", () => {
    const t = Table.fromColumns({ x: { values: Int32Array.of(1, 0, 3), valid: Uint8Array.of(1, 0, 1) } });
    assert.equal(t.schema.columns[0]!.nullable, true);
    assert.equal(t.row(1).x, null);
    assert.equal(t.row(2).x, 3);
  });

  test("bad tables are TableFormatErrors that say what is wrong", () => {
    assert.throws(
      () => Table.fromColumns({ a: Float64Array.of(1, 2), b: Float64Array.of(1) }),
      (e: unknown) =>
        e instanceof TableFormatError && /column 'b' has 1 rows; the table has 2/.test(e.message),
    );
    assert.throws(() => Table.fromColumns({ a: [] }), /cannot tell its type/);
    assert.throws(() => Table.fromColumns({ a: ["x", 3 as unknown as string] }), /holds 3 at row 1/);
    assert.throws(
      () => Table.fromColumns({ a: { values: Float64Array.of(1), type: "int32" } }),
      /not a int32 typed array/,
    );
    assert.throws(
      () => Table.fromColumns({ a: { values: ["x", null], nullable: false } }),
      /declared not nullable but has missing values/,
    );
    // An empty table of known types is fine.
    assert.equal(Table.fromColumns({ a: { values: [], type: "string" } }).numRows, 0);
  });

  test("select: names and globs in the order given, table order within a glob, each once", () => {
    const t = Table.fromColumns({
      a_flux: Float64Array.of(1),
      b_flux: Float64Array.of(2),
      ra: Float64Array.of(3),
      dec: Float64Array.of(4),
    });
    assert.deepEqual(t.select(["dec", "*_flux", "a_flux"]).columnNames, ["dec", "a_flux", "b_flux"]);
    assert.deepEqual(t.select("?a").columnNames, ["ra"]);
    assert.deepEqual(t.select("ra").row(0), { ra: 3 });
    // Globs are case-sensitive and regex characters in names are literal.
    assert.deepEqual(selectColumnNames(["a.b", "axb"], "a.b"), ["a.b"]);
    assert.throws(
      () => t.select(["RA"]),
      (e: unknown) =>
        e instanceof UnknownColumnError &&
        e.code === "UNKNOWN_COLUMN" &&
        e.column === "RA" &&
        /its columns are: a_flux, b_flux, ra, dec/.test(e.message),
    );
    assert.throws(() => t.column("nope"), UnknownColumnError);
  });
});
