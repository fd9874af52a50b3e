/**
 * Binary table column formats (TFORMn, FITS 4.0 §7.3.1) and the byte layout of a table row.
 */
import { FitsFormatError, type FitsLocation } from "../errors/index.ts";
import type { Header } from "./header.ts";

/** Element type codes of binary tables: L X B I J K A E D C M, and P/Q descriptors. */
export type TformCode = "L" | "X" | "B" | "I" | "J" | "K" | "A" | "E" | "D" | "C" | "M" | "P" | "Q";

export interface Tform {
  /** The repeat count r of `rT`. */
  repeat: number;
  code: TformCode;
  /** For P/Q descriptors: the element type stored in the heap. */
  heapCode?: Exclude<TformCode, "P" | "Q">;
  /** For P/Q descriptors: the declared maximum element count `(emax)`, when given. */
  maxLength?: number;
  /** Bytes this column occupies in a row. */
  width: number;
}

/** Bytes of one element of each code (X counts bits: r bits take ceil(r/8) bytes). */
export const ELEMENT_BYTES: Record<Exclude<TformCode, "X">, number> = {
  L: 1,
  B: 1,
  I: 2,
  J: 4,
  K: 8,
  A: 1,
  E: 4,
  D: 8,
  C: 8,
  M: 16,
  P: 8,
  Q: 16,
};

const TFORM = /^(\d*)([LXBIJKAEDCMPQ])([LXBIJKAEDCM])?(?:\((\d+)\))?(.*)$/;

/** Parses one TFORMn value such as `1J`, `32A`, `1PB(675)`, `1QD`, `32X`. */
export function parseTform(text: string, where: FitsLocation = {}): Tform {
  const match = TFORM.exec(text.trim().toUpperCase());
  if (match === null) {
    throw new FitsFormatError(
      `TFORM '${text}' is not a binary table format (rT with T one of L X B I J K A E D C M P Q)`,
      where,
    );
  }
  const repeat = match[1] === "" ? 1 : Number(match[1]);
  if (!Number.isSafeInteger(repeat))
    throw new FitsFormatError(`TFORM '${text}' has an absurd repeat count`, where);
  const code = match[2] as TformCode;
  const tform: Tform = { repeat, code, width: 0 };
  if (code === "P" || code === "Q") {
    if (match[3] === undefined)
      throw new FitsFormatError(`TFORM '${text}' lacks the heap element type`, where);
    if (repeat > 1) throw new FitsFormatError(`TFORM '${text}': descriptor repeat must be 0 or 1`, where);
    tform.heapCode = match[3] as Tform["heapCode"];
    if (match[4] !== undefined) tform.maxLength = Number(match[4]);
    tform.width = repeat * ELEMENT_BYTES[code];
  } else {
    tform.width = code === "X" ? Math.ceil(repeat / 8) : repeat * ELEMENT_BYTES[code];
  }
  return tform;
}

/** One column of a binary table with its place in the row. */
export interface ColumnLayout {
  /** 1-based column number n of TTYPEn/TFORMn. */
  number: number;
  /** TTYPEn, or `COLn` when the column has no name. */
  name: string;
  tform: Tform;
  /** Byte offset of the column within a row. */
  offset: number;
}

/** Columns of a BINTABLE header with their row offsets; checks that they fill NAXIS1 exactly. */
export function tableColumns(header: Header, where: FitsLocation = {}): ColumnLayout[] {
  const fields = header.getInteger("TFIELDS");
  if (fields === undefined) throw new FitsFormatError("binary table without TFIELDS", where);
  if (fields < 0 || fields > 999) throw new FitsFormatError(`TFIELDS = ${fields} is outside 0..999`, where);
  const columns: ColumnLayout[] = [];
  let offset = 0;
  for (let n = 1; n <= fields; n++) {
    const form = header.getString(`TFORM${n}`);
    if (form === undefined) throw new FitsFormatError(`column ${n} has no TFORM${n}`, where);
    const tform = parseTform(form, where);
    const name = header.getString(`TTYPE${n}`)?.trim() ?? `COL${n}`;
    columns.push({ number: n, name, tform, offset });
    offset += tform.width;
  }
  const rowBytes = header.getInteger("NAXIS1");
  if (rowBytes !== offset) {
    throw new FitsFormatError(`the columns take ${offset} bytes per row but NAXIS1 = ${rowBytes}`, where);
  }
  return columns;
}
