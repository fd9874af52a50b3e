/**
 * Reading BINTABLE HDUs (FITS 4.0 §7.3): the whole table or chosen columns and rows. The main-table
 * bytes of the requested rows are read once (only the span of each row the chosen columns cover);
 * the heap is read only for the chosen variable-length columns, and only the spans their descriptors
 * reference, coalesced into few requests. Decoded values are described in `bintable-types.ts`.
 */
import type { ByteRange, ByteSource } from "../bytes/byte-source.ts";
import { type CoalesceOptions, coalesceRanges } from "../bytes/coalesce-ranges.ts";
import { FitsFormatError, type FitsLocation, InvalidArgumentError } from "../errors/index.ts";
import {
  asBuffer,
  type Conversion,
  conversionOf,
  decodeCell,
  decodeLogicals,
  decodeNumbers,
  decodeString,
  nullMaskOf,
  parseTdim,
  runBytes,
  tnullOf,
  unpackBits,
} from "./bintable-codec.ts";
import type { ElementCode, IntegerArray, Table, TableColumn, VarCell } from "./bintable-types.ts";
import type { HduInfo } from "./hdu.ts";
import type { Header } from "./header.ts";
import { readChunks } from "./read-chunks.ts";
import { type ColumnLayout, tableColumns } from "./tform.ts";

export interface ReadTableOptions extends CoalesceOptions {
  /** Names of the columns to decode (case-insensitive), in the order wanted; default: all. */
  columns?: string[];
  /** Half-open row range `[start, end)`; default: every row. */
  rows?: [number, number];
  signal?: AbortSignal;
  /**
   * Refuse to decode more than this many heap bytes (summed over the cells read; descriptors may
   * share spans, so this can exceed PCOUNT). Default 1 GiB.
   */
  maxHeapBytes?: number;
}

/** Geometry and column descriptions of one binary table, from its header alone. */
export interface TableLayout {
  rowBytes: number;
  nrows: number;
  columns: ColumnInfo[];
  /** Absolute offset and length of the main table. */
  main: ByteRange;
  /** Absolute offset of the heap (data start + THEAP) and its length (up to the end of PCOUNT). */
  heap: ByteRange;
  /** THEAP, or NAXIS1 × NAXIS2 when absent. */
  theap: number;
}

/** A column's layout with what decoding it needs. */
export interface ColumnInfo extends ColumnLayout {
  tformText: string;
  unit?: string;
  dim?: number[];
  conversion: Conversion;
  tnull?: number | bigint;
}

const DEFAULT_MAX_HEAP_BYTES = 1024 * 1024 * 1024;

/** The largest heap request unless `maxRequestBytes` says otherwise: one is held at a time. */
const HEAP_READ_BYTES = 256 * 1024;

/** Reads the table's geometry and columns from its header; checks THEAP and the descriptor forms. */
export function tableLayout(hdu: HduInfo, header: Header, where: FitsLocation = {}): TableLayout {
  if (hdu.kind !== "bintable" && hdu.kind !== "compressed_image") {
    const hint = hdu.kind === "table" ? " (an ASCII table: use readAsciiTable)" : "";
    throw new InvalidArgumentError(`HDU ${hdu.index} is a ${hdu.kind}, not a binary table${hint}`);
  }
  const layouts = tableColumns(header, where);
  const rowBytes = hdu.naxis[0]!;
  const nrows = hdu.naxis[1]!;
  const mainLength = rowBytes * nrows;
  const theapValue = header.get("THEAP");
  let theap = mainLength;
  if (theapValue !== undefined && theapValue !== null) {
    if (typeof theapValue !== "number" || !Number.isInteger(theapValue)) {
      throw new FitsFormatError(`THEAP must be an integer, found ${JSON.stringify(theapValue)}`, where);
    }
    theap = theapValue;
  }
  const dataLength = mainLength + hdu.pcount;
  if (hdu.pcount > 0 && (theap < mainLength || theap > dataLength)) {
    throw new FitsFormatError(
      `THEAP = ${theap} is outside the table's data (${mainLength}..${dataLength})`,
      where,
    );
  }
  const columns = layouts.map((layout): ColumnInfo => {
    const n = layout.number;
    const code = (layout.tform.heapCode ?? layout.tform.code) as ElementCode;
    const info: ColumnInfo = {
      ...layout,
      tformText: (header.getString(`TFORM${n}`) ?? "").trim(),
      conversion: conversionOf(code, header.get(`TSCAL${n}`), header.get(`TZERO${n}`), where, n),
    };
    const unit = header.getString(`TUNIT${n}`);
    if (unit !== undefined) info.unit = unit.trimEnd();
    const dim = parseTdim(header.getString(`TDIM${n}`), where, n);
    if (dim !== undefined) {
      const product = dim.reduce((a, b) => a * b, 1);
      if (layout.tform.code !== "P" && layout.tform.code !== "Q" && product > layout.tform.repeat) {
        throw new FitsFormatError(
          `TDIM${n} = (${dim.join(",")}) has ${product} elements but TFORM${n} repeats ${layout.tform.repeat}`,
          where,
        );
      }
      info.dim = dim;
    }
    const tnull = tnullOf(header, n, code);
    if (tnull !== undefined) info.tnull = tnull;
    return info;
  });
  return {
    rowBytes,
    nrows,
    columns,
    main: { offset: hdu.dataOffset, length: mainLength },
    heap: { offset: hdu.dataOffset + theap, length: Math.max(0, dataLength - theap) },
    theap,
  };
}

/** The columns named in `names` (case-insensitive), or all of them. */
export function selectColumns(columns: ColumnInfo[], names?: string[]): ColumnInfo[] {
  if (names === undefined) return columns;
  return names.map((name) => {
    const wanted = name.trim().toUpperCase();
    const found = columns.find((c) => c.name.toUpperCase() === wanted);
    if (found === undefined) {
      throw new InvalidArgumentError(
        `the table has no column '${name}'; it has: ${columns.map((c) => c.name).join(", ")}`,
      );
    }
    return found;
  });
}

function rowRange(rows: [number, number] | undefined, nrows: number): [number, number] {
  if (rows === undefined) return [0, nrows];
  const [start, end] = rows;
  if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end) || start < 0 || end < start || end > nrows) {
    throw new InvalidArgumentError(`row range [${start}, ${end}) is not within the table's ${nrows} rows`);
  }
  return [start, end];
}

/** The bytes of the requested rows' main table covering `columns`: one range. */
export function mainTableRange(
  layout: TableLayout,
  columns: ColumnInfo[],
  rows: [number, number],
): { range: ByteRange; first: number } {
  const [start, end] = rows;
  let lo = layout.rowBytes;
  let hi = 0;
  for (const c of columns) {
    if (c.tform.width === 0) continue;
    lo = Math.min(lo, c.offset);
    hi = Math.max(hi, c.offset + c.tform.width);
  }
  if (end === start || hi <= lo) return { range: { offset: layout.main.offset, length: 0 }, first: 0 };
  return {
    range: {
      offset: layout.main.offset + start * layout.rowBytes + lo,
      length: (end - start - 1) * layout.rowBytes + (hi - lo),
    },
    first: lo,
  };
}

/** Reads and decodes a binary table (or the chosen columns and rows of it). */
export async function readTable(
  source: ByteSource,
  hdu: HduInfo,
  header: Header,
  options: ReadTableOptions = {},
): Promise<Table> {
  const where: FitsLocation = { uri: source.key, hdu: hdu.index, offset: hdu.dataOffset };
  const layout = tableLayout(hdu, header, where);
  const selected = selectColumns(layout.columns, options.columns);
  const rows = rowRange(options.rows, layout.nrows);
  const count = rows[1] - rows[0];
  const { range, first } = mainTableRange(layout, selected, rows);
  const signal = options.signal;
  const main =
    range.length > 0 ? await source.read(range.offset, range.length, { signal }) : new Uint8Array(0);
  const rowsView: RowsView = { bytes: main, first, stride: layout.rowBytes, count };

  const varColumns = selected.filter((c) => c.tform.code === "P" || c.tform.code === "Q");
  const heapCells = await readHeapCells(source, layout, varColumns, rowsView, options, where);
  const columns = selected.map((c) =>
    c.tform.code === "P" || c.tform.code === "Q"
      ? varColumn(c, heapCells.get(c)!)
      : fixedColumn(c, rowsView, where),
  );
  return { nrows: count, rowStart: rows[0], totalRows: layout.nrows, columns };
}

/** The main-table bytes of some rows: row r's column at `offset` starts at `r × stride + offset − first`. */
interface RowsView {
  bytes: Uint8Array;
  first: number;
  stride: number;
  count: number;
}

/** Copies one column's bytes out of the rows into a fresh, contiguous, aligned buffer. */
function gather(rows: RowsView, offset: number, width: number): Uint8Array {
  const out = new Uint8Array(rows.count * width);
  const { bytes, stride, count } = rows;
  const start = offset - rows.first;
  if (width === stride) {
    out.set(bytes.subarray(start, start + count * width));
  } else if (width >= 16) {
    for (let r = 0; r < count; r++) {
      const at = r * stride + start;
      out.set(bytes.subarray(at, at + width), r * width);
    }
  } else {
    for (let r = 0, o = 0; r < count; r++) {
      const at = r * stride + start;
      for (let k = 0; k < width; k++) out[o++] = bytes[at + k]!;
    }
  }
  return out;
}

function base(c: ColumnInfo): {
  name: string;
  number: number;
  tform: string;
  format: ColumnInfo["tform"];
  unit?: string;
  dim?: number[];
} {
  const out: ReturnType<typeof base> = {
    name: c.name,
    number: c.number,
    tform: c.tformText,
    format: c.tform,
  };
  if (c.unit !== undefined) out.unit = c.unit;
  if (c.dim !== undefined) out.dim = c.dim;
  return out;
}

function fixedColumn(c: ColumnInfo, rows: RowsView, where: FitsLocation): TableColumn {
  const { code, repeat, width } = c.tform;
  const n = rows.count;
  const start = c.offset - rows.first;
  switch (code) {
    case "L": {
      const values = new Array<boolean | null>(n * repeat);
      for (let r = 0; r < n; r++)
        decodeLogicals(rows.bytes, r * rows.stride + start, repeat, values, r * repeat);
      return { ...base(c), kind: "logical", repeat, values };
    }
    case "X": {
      const values = new Uint8Array(n * repeat);
      for (let r = 0; r < n; r++) unpackBits(rows.bytes, r * rows.stride + start, repeat, values, r * repeat);
      return { ...base(c), kind: "bits", repeat, values };
    }
    case "A":
      return stringColumn(c, rows, start, where);
    case "P":
    case "Q":
      throw new Error("unreachable: variable-length columns are decoded from the heap");
    default: {
      const bytes = gather(rows, c.offset, width);
      const values = decodeNumbers(code, bytes, n * repeat, c.conversion, c.tnull);
      if (code === "C" || code === "M") {
        const column: TableColumn = { ...base(c), kind: "complex", repeat, values: values as Float32Array };
        if (c.conversion.type === "linear") Object.assign(column, scaling(c.conversion));
        return column;
      }
      if (values instanceof Float32Array || values instanceof Float64Array) {
        const column: TableColumn = { ...base(c), kind: "float", repeat, values };
        if (c.conversion.type === "linear") Object.assign(column, scaling(c.conversion));
        if (c.tnull !== undefined) column.tnull = c.tnull;
        return column;
      }
      const column: TableColumn = { ...base(c), kind: "integer", repeat, values: values as IntegerArray };
      if (c.tnull !== undefined) {
        column.tnull = c.tnull;
        column.nullMask = nullMaskOf(column.values, code, c.conversion, c.tnull);
      }
      return column;
    }
  }
}

function scaling(conversion: Conversion): { scale?: number; zero?: number } {
  return conversion.type === "linear" ? { scale: conversion.scale, zero: conversion.zero } : {};
}

function stringColumn(c: ColumnInfo, rows: RowsView, start: number, where: FitsLocation): TableColumn {
  const width = c.tform.width;
  const buffer = asBuffer(rows.bytes);
  const n = rows.count;
  const dim = c.dim;
  if (dim !== undefined && dim.length >= 2) {
    const chars = dim[0]!;
    const strings = dim.slice(1).reduce((a, b) => a * b, 1);
    if (chars * strings > width) {
      throw new FitsFormatError(`TDIM${c.number} does not fit in ${width} characters`, where);
    }
    const values: string[][] = new Array(n);
    for (let r = 0; r < n; r++) {
      const at = r * rows.stride + start;
      const row: string[] = new Array(strings);
      for (let k = 0; k < strings; k++) row[k] = decodeString(buffer, at + k * chars, at + (k + 1) * chars);
      values[r] = row;
    }
    return { ...base(c), kind: "string_array", repeat: 1, values };
  }
  const values: string[] = new Array(n);
  for (let r = 0; r < n; r++) {
    const at = r * rows.stride + start;
    values[r] = decodeString(buffer, at, at + width);
  }
  return { ...base(c), kind: "string", repeat: 1, values };
}

function varColumn(c: ColumnInfo, values: VarCell[]): TableColumn {
  const column: TableColumn = {
    ...base(c),
    kind: "varlen",
    heapCode: c.tform.heapCode!,
    repeat: 1,
    values,
  };
  if (c.conversion.type === "linear") Object.assign(column, scaling(c.conversion));
  if (c.tnull !== undefined) column.tnull = c.tnull;
  return column;
}

/** One row's heap array: element count and byte offset within the heap. */
export interface Descriptor {
  count: number;
  offset: number;
}

/**
 * The descriptors of a P/Q column for the rows in `rows`, each checked against the heap: a
 * descriptor reaching outside `[0, heapLength)` is a FitsFormatError.
 */
function descriptors(c: ColumnInfo, rows: RowsView, heapLength: number, where: FitsLocation): Descriptor[] {
  const out: Descriptor[] = new Array(rows.count);
  const view = new DataView(rows.bytes.buffer, rows.bytes.byteOffset, rows.bytes.byteLength);
  const start = c.offset - rows.first;
  const isQ = c.tform.code === "Q";
  const heapCode = c.tform.heapCode!;
  for (let r = 0; r < rows.count; r++) {
    const at = r * rows.stride + start;
    let count: number;
    let offset: number;
    if (c.tform.repeat === 0) {
      count = 0;
      offset = 0;
    } else if (isQ) {
      count = uint64(view, at, c, where);
      offset = uint64(view, at + 8, c, where);
    } else {
      count = view.getUint32(at);
      offset = view.getUint32(at + 4);
    }
    const bytes = runBytes(heapCode, count);
    if (bytes > 0 && offset + bytes > heapLength) {
      throw new FitsFormatError(
        `column ${c.name} row ${r}: descriptor (${count} elements at heap offset ${offset}) reaches byte ` +
          `${offset + bytes} of a ${heapLength}-byte heap`,
        where,
      );
    }
    out[r] = { count, offset };
  }
  return out;
}

function uint64(view: DataView, at: number, c: ColumnInfo, where: FitsLocation): number {
  const high = view.getUint32(at);
  if (high >= 0x200000) {
    throw new FitsFormatError(`column ${c.name}: a 64-bit descriptor holds an absurd value`, where);
  }
  return high * 0x100000000 + view.getUint32(at + 4);
}

/** Reads the heap spans the descriptors of `columns` reference, coalesced, and decodes each cell. */
async function readHeapCells(
  source: ByteSource,
  layout: TableLayout,
  columns: ColumnInfo[],
  rows: RowsView,
  options: ReadTableOptions,
  where: FitsLocation,
): Promise<Map<ColumnInfo, VarCell[]>> {
  const cells = new Map<ColumnInfo, VarCell[]>();
  if (columns.length === 0) return cells;
  const limit = options.maxHeapBytes ?? DEFAULT_MAX_HEAP_BYTES;
  const ranges: ByteRange[] = [];
  const owners: { column: ColumnInfo; row: number; count: number }[] = [];
  const perColumn = columns.map((c) => descriptors(c, rows, layout.heap.length, where));
  let total = 0;
  columns.forEach((c, i) => {
    const heapCode = c.tform.heapCode!;
    perColumn[i]!.forEach((d, row) => {
      const length = runBytes(heapCode, d.count);
      if (length === 0) return;
      total += length;
      if (total > limit) {
        throw new FitsFormatError(
          `the descriptors of the requested cells reference more than ${limit} heap bytes; refusing to decode`,
          where,
        );
      }
      ranges.push({ offset: layout.heap.offset + d.offset, length });
      owners.push({ column: c, row, count: d.count });
    });
  });
  const groups = coalesceRanges(ranges, {
    ...options,
    maxRequestBytes: options.maxRequestBytes ?? HEAP_READ_BYTES,
  });
  for (const c of columns) cells.set(c, new Array<VarCell>(rows.count));
  // Empty cells first; then every referenced span from its group's bytes. Each cell is decoded into
  // its own array, so the groups are read one after the other through one reused buffer.
  columns.forEach((c, i) => {
    const list = cells.get(c)!;
    perColumn[i]!.forEach((d, row) => {
      if (runBytes(c.tform.heapCode!, d.count) === 0) list[row] = emptyCell(c);
    });
  });
  await readChunks(source, groups, options.signal, (group, chunk) => {
    // One Buffer view per chunk serves every string cell in it.
    const bytes = asBuffer(chunk);
    for (const member of group.members) {
      const { column, row, count } = owners[member]!;
      const at = ranges[member]!.offset - group.offset;
      cells.get(column)![row] = decodeCell(
        column.tform.heapCode!,
        bytes,
        at,
        count,
        column.conversion,
        column.tnull,
      );
    }
  });
  return cells;
}

function emptyCell(c: ColumnInfo): VarCell {
  return decodeCell(c.tform.heapCode!, new Uint8Array(0), 0, 0, c.conversion, c.tnull);
}

/**
 * Where the heap cells of some rows are: one range from the first cell's first byte to the last cell's
 * end (absolute offsets), undefined when the rows reference none. Reads only those rows.
 */
export async function heapSpan(
  source: ByteSource,
  hdu: HduInfo,
  header: Header,
  rows: [number, number],
  options: { signal?: AbortSignal } = {},
): Promise<ByteRange | undefined> {
  const where: FitsLocation = { uri: source.key, hdu: hdu.index, offset: hdu.dataOffset };
  const layout = tableLayout(hdu, header, where);
  const varColumns = layout.columns.filter((c) => c.tform.code === "P" || c.tform.code === "Q");
  const [start, end] = rowRange(rows, layout.nrows);
  if (varColumns.length === 0 || end === start) return undefined;
  const { range, first } = mainTableRange(layout, varColumns, [start, end]);
  const bytes = await source.read(range.offset, range.length, { signal: options.signal });
  const view: RowsView = { bytes, first, stride: layout.rowBytes, count: end - start };
  let lo = Number.POSITIVE_INFINITY;
  let hi = 0;
  for (const c of varColumns) {
    for (const d of descriptors(c, view, layout.heap.length, where)) {
      const length = runBytes(c.tform.heapCode!, d.count);
      if (length === 0) continue;
      lo = Math.min(lo, d.offset);
      hi = Math.max(hi, d.offset + length);
    }
  }
  return hi > lo ? { offset: layout.heap.offset + lo, length: hi - lo } : undefined;
}

export interface RawTable {
  /** Rows in the returned main-table bytes. */
  nrows: number;
  rowBytes: number;
  /** The main-table bytes of the requested rows (NAXIS1 × rows). */
  main: Uint8Array;
  /** The whole PCOUNT area after the main table (the gap before THEAP included). */
  heap: Uint8Array;
  /** THEAP minus NAXIS1 × NAXIS2: where the heap proper starts within `heap`. */
  heapStart: number;
}

/** The undecoded bytes of a table: its main-table rows and its heap area (e.g. for checksums). */
export async function readTableRaw(
  source: ByteSource,
  hdu: HduInfo,
  header: Header,
  options: { rows?: [number, number]; signal?: AbortSignal } = {},
): Promise<RawTable> {
  const where: FitsLocation = { uri: source.key, hdu: hdu.index, offset: hdu.dataOffset };
  const layout = tableLayout(hdu, header, where);
  const [start, end] = rowRange(options.rows, layout.nrows);
  const signal = options.signal;
  const mainLength = (end - start) * layout.rowBytes;
  const [main, heap] = await Promise.all([
    mainLength > 0
      ? source.read(layout.main.offset + start * layout.rowBytes, mainLength, { signal })
      : new Uint8Array(0),
    hdu.pcount > 0
      ? source.read(layout.main.offset + layout.main.length, hdu.pcount, { signal })
      : new Uint8Array(0),
  ]);
  return {
    nrows: end - start,
    rowBytes: layout.rowBytes,
    main,
    heap,
    heapStart: layout.theap - layout.main.length,
  };
}
