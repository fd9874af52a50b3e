/**
 * Decoded binary-table columns (FITS 4.0 §7.3) as natively typed JavaScript values, shared by the
 * reader (`bintable-read.ts`) and the writer (`bintable-write.ts`).
 *
 * Representation, chosen so that every column is one flat array and reading back what was written
 * gives the same values:
 *
 * | TFORM | `kind` | `values` (a fixed-width column holds `nrows × repeat` elements, row-major) |
 * | --- | --- | --- |
 * | `rL` | `logical` | `(boolean \| null)[]`: `T` → true, `F` → false, NUL (and any other byte) → null |
 * | `rX` | `bits` | `Uint8Array` of 0/1, one byte per bit; bit 0 of a row is the MSB of its first byte |
 * | `rB` | `integer` | `Uint8Array`; with TZERO = −128 `Int8Array` |
 * | `rI` | `integer` | `Int16Array`; with TZERO = 32768 `Uint16Array` |
 * | `rJ` | `integer` | `Int32Array`; with TZERO = 2^31 `Uint32Array` |
 * | `rK` | `integer` | `BigInt64Array`; with TZERO = 2^63 `BigUint64Array` |
 * | `rE` / `rD` | `float` | `Float32Array` / `Float64Array` |
 * | `rC` / `rM` | `complex` | `Float32Array` / `Float64Array` of `nrows × repeat × 2`: re, im interleaved |
 * | `rA` | `string` | `string[]`, one per row: cut at the first NUL, trailing blanks removed |
 * | `rA` + TDIMn with 2+ axes | `string_array` | `string[][]`: per row, `Π dim[1..]` strings of `dim[0]` chars |
 * | `1Pt` / `1Qt` | `varlen` | one cell per row: the representation of `t` above for that row's elements (`PA` → string, `PL` → `(boolean \| null)[]`, `PX` → 0/1 `Uint8Array`, `PB` → `Uint8Array`, `PC` → interleaved floats, …) |
 *
 * Scaling: TSCALn/TZEROn other than the unsigned conventions turn B/I/J/K/E/D (and C/M, both parts)
 * into `Float64Array` physical values `stored × TSCAL + TZERO` (`kind: "float"`/`"complex"`, with
 * `scale`/`zero` recorded); a stored integer equal to TNULLn becomes NaN there.
 *
 * Nulls: for integer columns that stay integers, TNULLn is recorded as `tnull` and `nullMask` (one byte
 * per element, 1 = null) marks the elements whose stored value equals it; the value itself is left as
 * decoded. Float columns use NaN natively (the standard's IEEE null). Variable-length integer cells
 * are not masked (use `tnull` to test them).
 */
import type { PixelArray } from "./pixels.ts";
import type { Tform, TformCode } from "./tform.ts";

/** Any typed array a numeric column decodes to. */
export type NumericArray = PixelArray;

export type IntegerArray =
  | Uint8Array
  | Int8Array
  | Int16Array
  | Uint16Array
  | Int32Array
  | Uint32Array
  | BigInt64Array
  | BigUint64Array;

export type FloatArray = Float32Array | Float64Array;

/** Element codes a column or a heap array can hold. */
export type ElementCode = Exclude<TformCode, "P" | "Q">;

/** The decoded elements of one variable-length array cell. */
export type VarCell = NumericArray | (boolean | null)[] | string;

interface ColumnBase {
  /** TTYPEn (trimmed), or `COLn` when the column has none. */
  name: string;
  /** 1-based column number n. */
  number: number;
  /** TFORMn as written, trimmed. */
  tform: string;
  /** TFORMn parsed. */
  format: Tform;
  /** TUNITn, when present. */
  unit?: string;
  /** TDIMn parsed, axis 1 first, when present. */
  dim?: number[];
  /**
   * Elements per row in `values`: the repeat count for L/X/B/I/J/K/E/D (bits for X, complex numbers for
   * C/M, each two floats); 1 for strings (one string per row) and for variable-length columns.
   */
  repeat: number;
}

export interface LogicalColumn extends ColumnBase {
  kind: "logical";
  values: (boolean | null)[];
}

export interface BitColumn extends ColumnBase {
  kind: "bits";
  values: Uint8Array;
}

export interface IntegerColumn extends ColumnBase {
  kind: "integer";
  values: IntegerArray;
  /** TNULLn: the stored integer that marks an undefined element. */
  tnull?: number | bigint;
  /** With TNULLn: 1 where the element is undefined. */
  nullMask?: Uint8Array;
}

export interface FloatColumn extends ColumnBase {
  kind: "float";
  values: FloatArray;
  /** TSCALn/TZEROn when they were applied (values are then physical `Float64Array`). */
  scale?: number;
  zero?: number;
  tnull?: number | bigint;
}

export interface ComplexColumn extends ColumnBase {
  kind: "complex";
  values: FloatArray;
  scale?: number;
  zero?: number;
}

export interface StringColumn extends ColumnBase {
  kind: "string";
  values: string[];
}

export interface StringArrayColumn extends ColumnBase {
  kind: "string_array";
  values: string[][];
}

export interface VarColumn extends ColumnBase {
  kind: "varlen";
  /** The element type of the heap arrays. */
  heapCode: ElementCode;
  values: VarCell[];
  scale?: number;
  zero?: number;
  tnull?: number | bigint;
}

export type TableColumn =
  | LogicalColumn
  | BitColumn
  | IntegerColumn
  | FloatColumn
  | ComplexColumn
  | StringColumn
  | StringArrayColumn
  | VarColumn;

export interface Table {
  /** Rows decoded (the length of the requested row range). */
  nrows: number;
  /** Index of the first decoded row in the whole table. */
  rowStart: number;
  /** Rows in the whole table (NAXIS2). */
  totalRows: number;
  columns: TableColumn[];
}

/** The column named `name` (case-insensitive), or undefined. */
export function findColumn(table: Pick<Table, "columns">, name: string): TableColumn | undefined {
  const wanted = name.trim().toUpperCase();
  return table.columns.find((c) => c.name.toUpperCase() === wanted);
}
