/**
 * Writing BINTABLE HDUs (FITS 4.0 §7.3): columns of every TFORM code, variable-length arrays (P and
 * Q descriptors) with their heap, the unsigned conventions through TZEROn, linear TSCALn/TZEROn,
 * TNULLn, TDIMn. The values take the same shapes `readTable` returns (see `bintable-types.ts`), so
 * a table read back equals the one written.
 */
import { InvalidArgumentError } from "../errors/index.ts";
import {
  type Conversion,
  encodeLogicals,
  encodeNumbers,
  isIntegerCode,
  packBits,
  runBytes,
  UNSIGNED_ZERO,
  unsignedArrayCode,
  writeString,
} from "./bintable-codec.ts";
import type { ElementCode, NumericArray } from "./bintable-types.ts";
import { BLOCK_LENGTH, type CardValue } from "./card.ts";
import { Header, makeCard } from "./header.ts";
import { parseTform, type Tform } from "./tform.ts";

/** One variable-length cell as given to the writer. */
export type VarCellInput =
  | NumericArray
  | readonly number[]
  | readonly bigint[]
  | readonly (boolean | null | undefined)[]
  | string;

export type ColumnValuesInput =
  | NumericArray
  | readonly number[]
  | readonly bigint[]
  | readonly (boolean | null | undefined)[]
  | readonly string[]
  | readonly (readonly string[])[]
  | readonly VarCellInput[];

export interface TableColumnInput {
  /** TTYPEn. */
  name: string;
  /**
   * TFORMn without the `(emax)` of variable-length columns (the writer adds it), e.g. `1J`, `3E`,
   * `16A`, `12X`, `2C`, `PB`, `QD`, `PA`. When omitted it is inferred from `values`: a typed array gives
   * its type with repeat 1 (Uint16Array → `1I` + TZERO 32768, …), `string[]` gives `wA` for the longest
   * string, `boolean[]` gives `1L`, `number[]` gives `1D`, `bigint[]` gives `1K`, and an array of
   * typed arrays or arrays gives a `P` column of their type.
   */
  format?: string;
  /** Row-major values in the shapes `readTable` returns: `nrows × repeat` elements (X: 0/1 or booleans). */
  values: ColumnValuesInput;
  unit?: string;
  /** TDIMn, axis 1 first. For `A` columns with 2+ axes, values are `string[][]`. */
  dim?: number[];
  /** TNULLn: the stored integer that means "undefined" (integer codes only). */
  tnull?: number | bigint;
  /**
   * TSCALn/TZEROn. Values are then physical numbers, stored as round((v − zero) / scale) for integer
   * codes (NaN → `tnull`). A zero equal to an unsigned convention's offset with scale 1 is that
   * convention (values are the unsigned numbers).
   */
  scale?: number;
  zero?: number | bigint;
  /** TDISPn. */
  display?: string;
  /** Comment of the TTYPEn card. */
  comment?: string;
}

export interface EncodeTableOptions {
  /** EXTNAME (and EXTVER) written after TFIELDS. */
  extname?: string;
  extver?: number;
  /** Row count of a table without columns (otherwise it comes from the values). */
  nrows?: number;
}

export interface EncodedTable {
  /** Mandatory cards in FITS order, column cards, EXTNAME; append user cards before formatting. */
  header: Header;
  /** Main table, heap, zero padding to a multiple of 2880 bytes. */
  data: Uint8Array;
  nrows: number;
  rowBytes: number;
  /** Heap bytes (PCOUNT). */
  heapBytes: number;
}

interface Planned {
  input: TableColumnInput;
  n: number;
  tform: Tform;
  /** Element code of the values (the heap code for P/Q). */
  code: ElementCode;
  conversion: Conversion;
  nrows: number;
  /** Row-major bytes: nrows × tform.width. */
  bytes?: Uint8Array;
  maxLength?: number;
}

// Descriptors of P columns are 32-bit; keep offsets clear of the sign bit for readers that use int32.
const MAX_P_HEAP = 2 ** 31 - 1;

/** Encodes columns as one BINTABLE HDU: a header and the padded data unit. */
export function encodeTable(
  columns: readonly TableColumnInput[],
  options: EncodeTableOptions = {},
): EncodedTable {
  const planned = columns.map((input, i) => plan(input, i + 1));
  let nrows = options.nrows;
  for (const p of planned) {
    if (nrows === undefined) nrows = p.nrows;
    else if (p.nrows !== nrows) {
      throw new InvalidArgumentError(
        `column '${p.input.name}' has ${p.nrows} rows but the table has ${nrows}`,
      );
    }
  }
  nrows ??= 0;
  if (!Number.isSafeInteger(nrows) || nrows < 0)
    throw new InvalidArgumentError(`nrows = ${nrows} is invalid`);

  const heapChunks: Uint8Array[] = [];
  let heapBytes = 0;
  for (const p of planned) {
    if (p.tform.code === "P" || p.tform.code === "Q") {
      heapBytes = encodeVarColumn(p, heapChunks, heapBytes);
    } else {
      p.bytes = encodeFixedColumn(p);
    }
  }

  const rowBytes = planned.reduce((sum, p) => sum + p.tform.width, 0);
  const mainBytes = rowBytes * nrows;
  const dataLength = mainBytes + heapBytes;
  const data = new Uint8Array(Math.ceil(dataLength / BLOCK_LENGTH) * BLOCK_LENGTH);
  let offset = 0;
  for (const p of planned) {
    scatter(p.bytes!, data, nrows, p.tform.width, rowBytes, offset);
    offset += p.tform.width;
  }
  let at = mainBytes;
  for (const chunk of heapChunks) {
    data.set(chunk, at);
    at += chunk.length;
  }
  return {
    header: tableHeader(planned, rowBytes, nrows, heapBytes, options),
    data,
    nrows,
    rowBytes,
    heapBytes,
  };
}

function scatter(
  bytes: Uint8Array,
  out: Uint8Array,
  nrows: number,
  width: number,
  rowBytes: number,
  offset: number,
): void {
  if (width === 0) return;
  if (width === rowBytes) {
    out.set(bytes, 0);
    return;
  }
  for (let r = 0; r < nrows; r++) {
    const to = r * rowBytes + offset;
    if (width >= 16) out.set(bytes.subarray(r * width, (r + 1) * width), to);
    else for (let k = 0; k < width; k++) out[to + k] = bytes[r * width + k]!;
  }
}

function what(p: { input: TableColumnInput; n: number }): string {
  return `column ${p.n} '${p.input.name}'`;
}

/** Works out the column's TFORM, conversion and row count from its input. */
function plan(input: TableColumnInput, n: number): Planned {
  const label = `column ${n} '${input.name}'`;
  if (typeof input.name !== "string") throw new InvalidArgumentError(`${label}: name must be a string`);
  const values = input.values as ArrayLike<unknown>;
  if (values === null || typeof values !== "object" || typeof values.length !== "number") {
    throw new InvalidArgumentError(`${label}: values must be an array or a typed array`);
  }
  const tform = parseTform(input.format ?? inferFormat(input, label));
  const code = (tform.heapCode ?? tform.code) as ElementCode;
  if (input.tnull !== undefined && !isIntegerCode(code)) {
    throw new InvalidArgumentError(`${label}: TNULL applies to integer columns (B, I, J, K), not ${code}`);
  }
  if (
    (input.scale !== undefined || input.zero !== undefined) &&
    !["B", "I", "J", "K", "E", "D", "C", "M"].includes(code)
  ) {
    throw new InvalidArgumentError(`${label}: TSCAL/TZERO apply to numeric columns, not ${code}`);
  }
  const isVar = tform.code === "P" || tform.code === "Q";
  const sample = isVar ? firstTypedCell(values) : values;
  const conversion = conversionFor(input, code, sample);
  let nrows: number;
  if (isVar) {
    nrows = values.length;
  } else if (code === "A") {
    nrows = values.length;
    checkStringShape(input, tform, label);
  } else {
    const perRow = tform.repeat * (code === "C" || code === "M" ? 2 : 1);
    if (perRow === 0) {
      throw new InvalidArgumentError(`${label}: repeat 0 columns carry no values; give 'nrows' instead`);
    }
    if (values.length % perRow !== 0) {
      throw new InvalidArgumentError(
        `${label}: ${values.length} values is not a multiple of ${perRow} per row`,
      );
    }
    nrows = values.length / perRow;
  }
  if (input.dim !== undefined) {
    const product = input.dim.reduce((a, b) => a * b, 1);
    if (input.dim.some((d) => !Number.isSafeInteger(d) || d < 0) || (!isVar && product > tform.repeat)) {
      throw new InvalidArgumentError(
        `${label}: TDIM (${input.dim.join(",")}) does not fit TFORM ${tform.repeat}${code}`,
      );
    }
  }
  return { input, n, tform, code, conversion, nrows };
}

function inferFormat(input: TableColumnInput, label: string): string {
  const values = input.values as ArrayLike<unknown>;
  const typed = typedCode(values);
  const repeat = input.dim?.reduce((a, b) => a * b, 1) ?? 1;
  if (typed !== undefined) return `${repeat}${typed}`;
  const first = Array.from(values).find((v) => v !== null && v !== undefined);
  if (Array.isArray(first) && typeof first[0] === "string") {
    if (input.dim === undefined || input.dim.length < 2) {
      throw new InvalidArgumentError(`${label}: string arrays need 'dim' ([characters, strings, ...])`);
    }
    return `${repeat}A`;
  }
  if (typeof first === "string") {
    const width = Math.max(1, ...(values as string[]).map((s) => s.length));
    return `${width}A`;
  }
  if (typeof first === "boolean" || (first === undefined && values.length > 0)) return `${repeat}L`;
  if (typeof first === "number") return `${repeat}D`;
  if (typeof first === "bigint") return `${repeat}K`;
  if (typeof first === "object") {
    const cell = firstTypedCell(values) as ArrayLike<unknown> | undefined;
    const cellCode =
      (cell !== undefined ? typedCode(cell) : undefined) ??
      (Array.from(values as ArrayLike<ArrayLike<unknown>>).some((c) => typeof c[0] === "boolean")
        ? "L"
        : "D");
    return `P${cellCode}`;
  }
  throw new InvalidArgumentError(`${label}: cannot infer a TFORM from the values; give 'format'`);
}

/** The TFORM code of a typed array. */
function typedCode(values: unknown): ElementCode | undefined {
  if (values instanceof Uint8Array || values instanceof Int8Array) return "B";
  if (values instanceof Int16Array || values instanceof Uint16Array) return "I";
  if (values instanceof Int32Array || values instanceof Uint32Array) return "J";
  if (values instanceof BigInt64Array || values instanceof BigUint64Array) return "K";
  if (values instanceof Float32Array) return "E";
  if (values instanceof Float64Array) return "D";
  return undefined;
}

/** The first non-empty typed-array cell of a variable-length column (decides unsigned storage). */
function firstTypedCell(values: ArrayLike<unknown>): unknown {
  for (let i = 0; i < values.length; i++) {
    const cell = values[i];
    if (ArrayBuffer.isView(cell)) return cell;
  }
  return undefined;
}

function conversionFor(input: TableColumnInput, code: ElementCode, sample: unknown): Conversion {
  const unsigned = UNSIGNED_ZERO[code];
  if (input.scale !== undefined || input.zero !== undefined) {
    const scale = input.scale ?? 1;
    if (unsigned !== undefined && scale === 1 && isExactly(input.zero, unsigned)) {
      return { type: "unsigned" };
    }
    if (!Number.isFinite(scale) || scale === 0)
      throw new InvalidArgumentError(`TSCAL must be finite and non-zero`);
    return { type: "linear", scale, zero: Number(input.zero ?? 0) };
  }
  if (unsigned !== undefined && unsignedArrayCode(sample) === code) return { type: "unsigned" };
  return { type: "plain" };
}

function isExactly(value: number | bigint | undefined, expected: bigint): boolean {
  if (typeof value === "bigint") return value === expected;
  return typeof value === "number" && Number.isInteger(value) && BigInt(value) === expected;
}

function checkStringShape(input: TableColumnInput, tform: Tform, label: string): void {
  const values = input.values as ArrayLike<unknown>;
  const multi = input.dim !== undefined && input.dim.length >= 2;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (multi ? !Array.isArray(v) : typeof v !== "string") {
      throw new InvalidArgumentError(
        `${label}: row ${i} must be ${multi ? "an array of strings (TDIM has 2+ axes)" : "a string"}`,
      );
    }
  }
  if (multi) {
    const [chars, ...rest] = input.dim!;
    const strings = rest.reduce((a, b) => a * b, 1);
    if (chars! * strings > tform.repeat) {
      throw new InvalidArgumentError(`${label}: TDIM does not fit ${tform.repeat} characters`);
    }
  }
}

function encodeFixedColumn(p: Planned): Uint8Array {
  const { tform, code, nrows } = p;
  const values = p.input.values as ArrayLike<unknown>;
  const label = what(p);
  switch (code) {
    case "L":
      return encodeLogicals(values as ArrayLike<boolean | null | undefined>);
    case "X": {
      const out = new Uint8Array(nrows * tform.width);
      for (let r = 0; r < nrows; r++) {
        packBits(values as ArrayLike<number | boolean>, r * tform.repeat, tform.repeat, out, r * tform.width);
      }
      return out;
    }
    case "A": {
      const out = new Uint8Array(nrows * tform.width);
      const dim = p.input.dim;
      if (dim !== undefined && dim.length >= 2) {
        const chars = dim[0]!;
        const strings = dim.slice(1).reduce((a, b) => a * b, 1);
        for (let r = 0; r < nrows; r++) {
          const row = values[r] as readonly string[];
          if (row.length > strings) {
            throw new InvalidArgumentError(
              `${label} row ${r}: ${row.length} strings but TDIM allows ${strings}`,
            );
          }
          const at = r * tform.width;
          out.fill(0x20, at, at + tform.width);
          row.forEach((s, k) => {
            writeString(s, out, at + k * chars, chars, `${label} row ${r}`);
          });
        }
      } else {
        for (let r = 0; r < nrows; r++) {
          writeString(values[r] as string, out, r * tform.width, tform.width, `${label} row ${r}`);
        }
      }
      return out;
    }
    default:
      return encodeNumbers(
        code as "B" | "I" | "J" | "K" | "E" | "D" | "C" | "M",
        values as ArrayLike<number | bigint>,
        p.conversion,
        label,
        p.input.tnull,
      );
  }
}

/** Encodes each cell into the heap (after `heapBytes` bytes already there) and the descriptors. */
function encodeVarColumn(p: Planned, heap: Uint8Array[], heapBytes: number): number {
  const { tform, code, nrows } = p;
  const cells = p.input.values as ArrayLike<unknown>;
  const isQ = tform.code === "Q";
  const out = new Uint8Array(nrows * tform.width);
  const view = new DataView(out.buffer);
  let maxLength = 0;
  let offset = heapBytes;
  for (let r = 0; r < nrows; r++) {
    const label = `${what(p)} row ${r}`;
    const [bytes, count] = encodeCell(code, cells[r], p, label);
    maxLength = Math.max(maxLength, count);
    const cellOffset = count === 0 ? 0 : offset;
    if (!isQ && offset + bytes.length > MAX_P_HEAP) {
      throw new InvalidArgumentError(`${what(p)}: the heap outgrows 32-bit P descriptors; use a Q format`);
    }
    if (tform.width > 0) {
      const at = r * tform.width;
      if (isQ) {
        view.setBigUint64(at, BigInt(count));
        view.setBigUint64(at + 8, BigInt(cellOffset));
      } else {
        view.setUint32(at, count);
        view.setUint32(at + 4, cellOffset);
      }
    }
    if (bytes.length > 0) {
      heap.push(bytes);
      offset += bytes.length;
    }
  }
  p.bytes = out;
  p.maxLength = maxLength;
  return offset;
}

function encodeCell(code: ElementCode, cell: unknown, p: Planned, label: string): [Uint8Array, number] {
  if (cell === undefined || cell === null) return [new Uint8Array(0), 0];
  switch (code) {
    case "A": {
      if (typeof cell !== "string") throw new InvalidArgumentError(`${label}: a PA/QA cell must be a string`);
      const out = new Uint8Array(cell.length);
      writeString(cell, out, 0, cell.length, label);
      return [out, cell.length];
    }
    case "L": {
      const values = cell as ArrayLike<boolean | null | undefined>;
      return [encodeLogicals(values), values.length];
    }
    case "X": {
      const values = cell as ArrayLike<number | boolean>;
      const out = new Uint8Array(runBytes("X", values.length));
      packBits(values, 0, values.length, out, 0);
      return [out, values.length];
    }
    default: {
      const values = cell as ArrayLike<number | bigint>;
      if (typeof values.length !== "number")
        throw new InvalidArgumentError(`${label}: a cell must be an array`);
      const isComplex = code === "C" || code === "M";
      if (isComplex && values.length % 2 !== 0) {
        throw new InvalidArgumentError(
          `${label}: complex cells hold re, im pairs (an even number of values)`,
        );
      }
      const bytes = encodeNumbers(
        code as "B" | "I" | "J" | "K" | "E" | "D" | "C" | "M",
        values,
        p.conversion,
        label,
        p.input.tnull,
      );
      return [bytes, isComplex ? values.length / 2 : values.length];
    }
  }
}

function tformText(p: Planned): string {
  const { tform, code } = p;
  if (tform.code === "P" || tform.code === "Q")
    return `${tform.repeat}${tform.code}${code}(${p.maxLength ?? 0})`;
  return `${tform.repeat}${code}`;
}

/** The header: mandatory keywords in FITS order (§7.3.1), then per-column keywords, then EXTNAME. */
function tableHeader(
  planned: Planned[],
  rowBytes: number,
  nrows: number,
  heapBytes: number,
  options: EncodeTableOptions,
): Header {
  const header = new Header();
  const add = (key: string, value: CardValue, comment?: string, type?: "float") => {
    const opts: { comment?: string; type?: "float" } = {};
    if (comment !== undefined) opts.comment = comment;
    if (type !== undefined) opts.type = type;
    header.append(makeCard(key, value, opts));
  };
  add("XTENSION", "BINTABLE", "binary table extension");
  add("BITPIX", 8, "8-bit bytes");
  add("NAXIS", 2, "2-dimensional binary table");
  add("NAXIS1", rowBytes, "width of table in bytes");
  add("NAXIS2", nrows, "number of rows in table");
  add("PCOUNT", heapBytes, "size of special data area");
  add("GCOUNT", 1, "one data group");
  add("TFIELDS", planned.length, "number of fields in each row");
  if (options.extname !== undefined) add("EXTNAME", options.extname, "name of this extension");
  if (options.extver !== undefined) add("EXTVER", options.extver);
  for (const p of planned) {
    const { n, input, code, conversion } = p;
    add(`TTYPE${n}`, input.name, input.comment);
    add(`TFORM${n}`, tformText(p));
    if (input.unit !== undefined) add(`TUNIT${n}`, input.unit);
    if (input.dim !== undefined) add(`TDIM${n}`, `(${input.dim.join(",")})`);
    if (conversion.type === "unsigned") {
      const zero = UNSIGNED_ZERO[code]!;
      add(`TZERO${n}`, code === "K" ? zero : Number(zero), "offset for unsigned integers");
    } else if (conversion.type === "linear") {
      add(`TSCAL${n}`, conversion.scale, undefined, "float");
      add(`TZERO${n}`, conversion.zero, undefined, "float");
    }
    if (input.tnull !== undefined) add(`TNULL${n}`, input.tnull);
    if (input.display !== undefined) add(`TDISP${n}`, input.display);
  }
  return header;
}
