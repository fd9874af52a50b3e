/**
 * The table of a tile-compressed image (FITS 4.0 §10.1): one row per tile with the heap descriptor of
 * its compressed bytes and, for quantized floats, its ZSCALE/ZZERO/ZBLANK. Reading it costs one
 * range of NAXIS1 × NAXIS2 bytes (16 bytes a row for Rubin's row tiles); no heap bytes are touched.
 */
import type { ByteSource } from "../bytes/byte-source.ts";
import { FitsFormatError, type FitsLocation } from "../errors/index.ts";
import type { HduInfo } from "./hdu.ts";
import type { Header } from "./header.ts";
import { type ColumnLayout, tableColumns } from "./tform.ts";

/** Where one tile's bytes are and how to turn them into pixels. */
export interface TileEntry {
  /** Absolute byte offset of the tile's bytes in the stream and their length. */
  offset: number;
  length: number;
  /** Which column holds the bytes: the compressed data, or a fallback for tiles that could not be compressed. */
  source: "compressed" | "gzip_fallback" | "uncompressed";
  /** For `uncompressed` fallbacks and non-byte descriptors: bytes per stored element. */
  elementBytes: number;
  scale?: number;
  zero?: number;
  blank?: number;
}

export interface TileTable {
  tiles: TileEntry[];
  /** Offset and length of the table itself and of the heap, for the datastore's byte index. */
  tableRange: { offset: number; length: number };
  heapRange: { offset: number; length: number };
}

const FALLBACKS: [string, TileEntry["source"]][] = [
  ["GZIP_COMPRESSED_DATA", "gzip_fallback"],
  ["UNCOMPRESSED_DATA", "uncompressed"],
];

/** Where a compressed image's table and heap lie, from its header alone. */
function tileTableRanges(hdu: HduInfo, header: Header): Pick<TileTable, "tableRange" | "heapRange"> {
  const tableLength = hdu.naxis[0]! * hdu.naxis[1]!;
  const theap = header.getInteger("THEAP") ?? tableLength;
  if (theap < tableLength || theap > hdu.dataLength) {
    throw new FitsFormatError(
      `THEAP = ${theap} is outside the table's data (${tableLength}..${hdu.dataLength})`,
      {
        hdu: hdu.index,
      },
    );
  }
  return {
    tableRange: { offset: hdu.dataOffset, length: tableLength },
    heapRange: { offset: hdu.dataOffset + theap, length: hdu.dataLength - theap },
  };
}

/** Reads and decodes the tile table of a compressed image HDU. */
export async function readTileTable(
  source: ByteSource,
  hdu: HduInfo,
  header: Header,
  options: { signal?: AbortSignal } = {},
): Promise<TileTable> {
  const where: FitsLocation = { uri: source.key, hdu: hdu.index, offset: hdu.dataOffset };
  const columns = tableColumns(header, where);
  const ranges = tileTableRanges(hdu, header);
  const rows = hdu.naxis[1]!;
  const rowBytes = hdu.naxis[0]!;
  const heapStart = ranges.heapRange.offset;
  const heapBytes = ranges.heapRange.length;
  const table = await source.read(ranges.tableRange.offset, ranges.tableRange.length, options);
  const view = new DataView(table.buffer, table.byteOffset, table.byteLength);

  const byName = (name: string) => columns.find((c) => c.name.toUpperCase() === name);
  const data = byName("COMPRESSED_DATA");
  if (data === undefined) throw new FitsFormatError("compressed image has no COMPRESSED_DATA column", where);
  const fallbacks = FALLBACKS.map(([name, kind]) => [byName(name), kind] as const).filter(
    ([c]) => c !== undefined,
  );
  const scale = numericColumn(byName("ZSCALE"), header.getNumber("ZSCALE"), where);
  const zero = numericColumn(byName("ZZERO"), header.getNumber("ZZERO"), where);
  const blank = numericColumn(byName("ZBLANK"), header.getNumber("ZBLANK"), where);

  const tiles: TileEntry[] = [];
  for (let row = 0; row < rows; row++) {
    const base = row * rowBytes;
    let entry = descriptorAt(view, base, data, "compressed", heapStart, heapBytes, where);
    if (entry.length === 0) {
      for (const [column, kind] of fallbacks) {
        const candidate = descriptorAt(view, base, column!, kind, heapStart, heapBytes, where);
        if (candidate.length > 0) {
          entry = candidate;
          break;
        }
      }
    }
    const s = scale(view, base);
    if (s !== undefined) entry.scale = s;
    const z = zero(view, base);
    if (z !== undefined) entry.zero = z;
    const b = blank(view, base);
    if (b !== undefined) entry.blank = b;
    tiles.push(entry);
  }
  return { tiles, ...ranges };
}

function descriptorAt(
  view: DataView,
  rowBase: number,
  column: ColumnLayout,
  source: TileEntry["source"],
  heapStart: number,
  heapBytes: number,
  where: FitsLocation,
): TileEntry {
  const { code, heapCode, repeat } = column.tform;
  if ((code !== "P" && code !== "Q") || repeat === 0) {
    throw new FitsFormatError(`column ${column.name} must be a variable-length array (1P or 1Q)`, where);
  }
  const at = rowBase + column.offset;
  const count = code === "P" ? view.getUint32(at) : Number(view.getBigUint64(at));
  const offset = code === "P" ? view.getUint32(at + 4) : Number(view.getBigUint64(at + 8));
  const elementBytes = ELEMENT_BYTES_OF[heapCode!] ?? 1;
  const length = count * elementBytes;
  if (offset + length > heapBytes) {
    throw new FitsFormatError(
      `tile descriptor of ${column.name} points outside the heap (${offset}+${length} > ${heapBytes})`,
      where,
    );
  }
  return { offset: heapStart + offset, length, source, elementBytes };
}

const ELEMENT_BYTES_OF: Record<string, number> = { B: 1, I: 2, J: 4, K: 8, E: 4, D: 8 };

/** A per-tile value from a column, or a constant from a header keyword, or nothing. */
function numericColumn(
  column: ColumnLayout | undefined,
  constant: number | undefined,
  where: FitsLocation,
): (view: DataView, rowBase: number) => number | undefined {
  if (column === undefined) return () => constant;
  const at = column.offset;
  switch (column.tform.code) {
    case "D":
      return (view, base) => view.getFloat64(base + at);
    case "E":
      return (view, base) => view.getFloat32(base + at);
    case "J":
      return (view, base) => view.getInt32(base + at);
    case "I":
      return (view, base) => view.getInt16(base + at);
    case "K":
      return (view, base) => Number(view.getBigInt64(base + at));
    default:
      throw new FitsFormatError(`column ${column.name} has unexpected format ${column.tform.code}`, where);
  }
}
