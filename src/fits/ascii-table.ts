/**
 * Reading ASCII table extensions (XTENSION = 'TABLE', FITS 4.0 §7.2): fixed-width text rows with
 * columns placed by TBCOLn and formatted by Fortran-style TFORMn (Aw, Iw, Fw.d, Ew.d, Dw.d).
 *
 * Decoded values: `A` → `string[]` (trailing blanks removed); `I` → `Float64Array` (exact up to 2^53);
 * `F`/`E`/`D` → `Float64Array`. TSCALn/TZEROn are applied to numeric columns. A field equal to TNULLn
 * (compared without surrounding blanks) is undefined: NaN, with `nullMask` set to 1. A blank numeric
 * field is 0, as the standard says (§7.2.5), unless TNULLn is blank. Real fields follow Fortran input
 * rules: without an explicit decimal point it is implied `d` digits from the right (deprecated but
 * standard); exponents may be written with E, D or a bare sign.
 */
import type { ByteSource } from "../bytes/byte-source.ts";
import { FitsFormatError, type FitsLocation, InvalidArgumentError } from "../errors/index.ts";
import { asBuffer } from "./bintable-codec.ts";
import type { HduInfo } from "./hdu.ts";
import type { Header } from "./header.ts";

export type AsciiCode = "A" | "I" | "F" | "E" | "D";

export interface AsciiTform {
  code: AsciiCode;
  width: number;
  /** Digits after the decimal point (F/E/D). */
  decimals?: number;
}

interface AsciiColumnBase {
  name: string;
  number: number;
  tform: string;
  format: AsciiTform;
  /** 0-based character offset of the field in a row (TBCOLn − 1). */
  offset: number;
  unit?: string;
}

export interface AsciiStringColumn extends AsciiColumnBase {
  kind: "string";
  values: string[];
}

export interface AsciiNumberColumn extends AsciiColumnBase {
  kind: "integer" | "float";
  values: Float64Array;
  /** Present when some field equals TNULLn: 1 marks it. */
  nullMask?: Uint8Array;
  scale?: number;
  zero?: number;
}

export type AsciiTableColumn = AsciiStringColumn | AsciiNumberColumn;

export interface AsciiTable {
  nrows: number;
  rowStart: number;
  totalRows: number;
  columns: AsciiTableColumn[];
}

const ASCII_TFORM = /^([AIFED])(\d+)(?:\.(\d+))?$/;

/** Parses an ASCII-table TFORMn such as `A8`, `I6`, `F10.3`, `E15.7`, `D25.17`. */
export function parseAsciiTform(text: string, where: FitsLocation = {}): AsciiTform {
  const match = ASCII_TFORM.exec(text.trim().toUpperCase());
  const code = match?.[1] as AsciiCode | undefined;
  const width = Number(match?.[2]);
  if (
    match === null ||
    code === undefined ||
    width < 1 ||
    ((code === "A" || code === "I") && match[3] !== undefined)
  ) {
    throw new FitsFormatError(
      `TFORM '${text}' is not an ASCII table format (Aw, Iw, Fw.d, Ew.d, Dw.d)`,
      where,
    );
  }
  const tform: AsciiTform = { code, width };
  if (match[3] !== undefined) tform.decimals = Number(match[3]);
  return tform;
}

export interface ReadAsciiTableOptions {
  /** Names of the columns to decode (case-insensitive); default: all. */
  columns?: string[];
  /** Half-open row range; default: all rows. */
  rows?: [number, number];
  signal?: AbortSignal;
}

export interface AsciiLayout {
  name: string;
  number: number;
  tform: string;
  format: AsciiTform;
  offset: number;
  unit?: string;
  tnull?: string;
  scale: number;
  zero: number;
}

/** The columns of an ASCII table header, each checked to lie within NAXIS1. */
function asciiTableColumns(hdu: HduInfo, header: Header, where: FitsLocation = {}): AsciiLayout[] {
  if (hdu.kind !== "table")
    throw new InvalidArgumentError(`HDU ${hdu.index} is a ${hdu.kind}, not an ASCII table`);
  const fields = header.getInteger("TFIELDS");
  if (fields === undefined || fields < 0 || fields > 999) {
    throw new FitsFormatError(`ASCII table TFIELDS = ${fields} is missing or outside 0..999`, where);
  }
  const rowChars = hdu.naxis[0]!;
  const out: AsciiLayout[] = [];
  for (let n = 1; n <= fields; n++) {
    const tform = header.getString(`TFORM${n}`);
    if (tform === undefined) throw new FitsFormatError(`column ${n} has no TFORM${n}`, where);
    const format = parseAsciiTform(tform, where);
    const tbcol = header.getInteger(`TBCOL${n}`);
    if (tbcol === undefined || tbcol < 1 || tbcol - 1 + format.width > rowChars) {
      throw new FitsFormatError(
        `TBCOL${n} = ${tbcol} with width ${format.width} does not fit in NAXIS1 = ${rowChars}`,
        where,
      );
    }
    const layout: AsciiLayout = {
      name: header.getString(`TTYPE${n}`)?.trim() ?? `COL${n}`,
      number: n,
      tform: tform.trim(),
      format,
      offset: tbcol - 1,
      scale: header.getNumber(`TSCAL${n}`) ?? 1,
      zero: header.getNumber(`TZERO${n}`) ?? 0,
    };
    const unit = header.getString(`TUNIT${n}`);
    if (unit !== undefined) layout.unit = unit.trimEnd();
    const tnull = header.getString(`TNULL${n}`);
    if (tnull !== undefined) layout.tnull = tnull.trim();
    out.push(layout);
  }
  return out;
}

/** Reads an ASCII table (or chosen columns and rows of it): one read of the rows' bytes. */
export async function readAsciiTable(
  source: ByteSource,
  hdu: HduInfo,
  header: Header,
  options: ReadAsciiTableOptions = {},
): Promise<AsciiTable> {
  const where: FitsLocation = { uri: source.key, hdu: hdu.index, offset: hdu.dataOffset };
  const all = asciiTableColumns(hdu, header, where);
  const selected =
    options.columns?.map((name) => {
      const found = all.find((c) => c.name.toUpperCase() === name.trim().toUpperCase());
      if (found === undefined) {
        throw new InvalidArgumentError(
          `the table has no column '${name}'; it has: ${all.map((c) => c.name).join(", ")}`,
        );
      }
      return found;
    }) ?? all;
  const rowChars = hdu.naxis[0]!;
  const totalRows = hdu.naxis[1]!;
  const [start, end] = options.rows ?? [0, totalRows];
  if (
    !Number.isSafeInteger(start) ||
    !Number.isSafeInteger(end) ||
    start < 0 ||
    end < start ||
    end > totalRows
  ) {
    throw new InvalidArgumentError(
      `row range [${start}, ${end}) is not within the table's ${totalRows} rows`,
    );
  }
  const nrows = end - start;
  const bytes =
    nrows > 0 && rowChars > 0
      ? await source.read(hdu.dataOffset + start * rowChars, nrows * rowChars, { signal: options.signal })
      : new Uint8Array(0);
  const text = asBuffer(bytes);
  const columns = selected.map((c) => decodeAsciiColumn(c, text, nrows, rowChars, start, where));
  return { nrows, rowStart: start, totalRows, columns };
}

function decodeAsciiColumn(
  c: AsciiLayout,
  text: Buffer,
  nrows: number,
  rowChars: number,
  firstRow: number,
  where: FitsLocation,
): AsciiTableColumn {
  const base: AsciiColumnBase = {
    name: c.name,
    number: c.number,
    tform: c.tform,
    format: c.format,
    offset: c.offset,
  };
  if (c.unit !== undefined) base.unit = c.unit;
  const width = c.format.width;
  if (c.format.code === "A") {
    const values: string[] = new Array(nrows);
    for (let r = 0; r < nrows; r++) {
      const at = r * rowChars + c.offset;
      values[r] = text.toString("latin1", at, at + width).trimEnd();
    }
    return { ...base, kind: "string", values };
  }
  const values = new Float64Array(nrows);
  let nullMask: Uint8Array | undefined;
  const scaled = c.scale !== 1 || c.zero !== 0;
  for (let r = 0; r < nrows; r++) {
    const at = r * rowChars + c.offset;
    const field = text.toString("latin1", at, at + width).trim();
    if (c.tnull !== undefined && field === c.tnull) {
      nullMask ??= new Uint8Array(nrows);
      nullMask[r] = 1;
      values[r] = Number.NaN;
      continue;
    }
    const v =
      field === ""
        ? 0
        : c.format.code === "I"
          ? parseInteger(field)
          : parseReal(field, c.format.decimals ?? 0);
    if (Number.isNaN(v)) {
      throw new FitsFormatError(
        `column ${c.name} row ${firstRow + r}: '${field}' is not a valid ${c.format.code}${width} value`,
        where,
      );
    }
    values[r] = scaled ? v * c.scale + c.zero : v;
  }
  const column: AsciiNumberColumn = { ...base, kind: c.format.code === "I" ? "integer" : "float", values };
  if (nullMask !== undefined) column.nullMask = nullMask;
  if (scaled) {
    column.scale = c.scale;
    column.zero = c.zero;
  }
  return column;
}

function parseInteger(field: string): number {
  return /^[+-]?\d+$/.test(field) ? Number(field) : Number.NaN;
}

// Fortran real input: optional sign, digits with an optional point, optional exponent written with
// E or D, or as a bare signed number after the mantissa (1.5-3 means 1.5E-3).
const REAL = /^([+-]?)(\d*)(?:\.(\d*))?(?:(?:[EeDd]([+-]?\d+))|([+-]\d+))?$/;

/**
 * Parses a Fortran-formatted real. Without an explicit decimal point the point is implied `decimals`
 * digits from the right of the mantissa (FITS 4.0 §7.2.5, Fortran Fw.d input rules).
 */
function parseReal(field: string, decimals: number): number {
  const match = REAL.exec(field);
  if (match === null) return Number.NaN;
  const [, sign, whole = "", fraction, exp1, exp2] = match;
  if (whole === "" && (fraction === undefined || fraction === "")) return Number.NaN;
  const exponent = Number(exp1 ?? exp2 ?? 0);
  let mantissa: string;
  if (fraction !== undefined) {
    mantissa = `${whole || "0"}.${fraction || "0"}`;
  } else if (decimals > 0) {
    const digits = whole.padStart(decimals + 1, "0");
    mantissa = `${digits.slice(0, -decimals)}.${digits.slice(-decimals)}`;
  } else {
    mantissa = whole;
  }
  return Number(`${sign}${mantissa}e${exponent}`);
}
