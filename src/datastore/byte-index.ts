/**
 * The byte index of a stored file: where its parts are, written while the file is written (put) or
 * computed once by scanning (ingest), kept as JSON in the datastore record. With it a formatter turns
 * "component X with parameters P" into byte ranges before any I/O. Versioned, so records written by an
 * older butler still read; an unknown version is treated as "no index" and the reader scans instead.
 *
 * Version 2 adds, for FITS exposures, where each archived component's rows are (`archive`); a version-1
 * record reads as before (its archived components read the archive index first).
 */
import type { ByteRange } from "../bytes/byte-source.ts";
import type { KnownHdu } from "../fits/fits-file.ts";
import type { HduInfo } from "../fits/hdu.ts";
import type { Header } from "../fits/header.ts";
import type { ArchiveLayout } from "../image/archive-layout.ts";
import { readXy0 } from "../image/pixel-origin.ts";

/** The version of the index this code writes. */
export const BYTE_INDEX_VERSION = 2;
/** Versions this code reads. */
const READABLE_VERSIONS: readonly number[] = [1, 2];

/**
 * One HDU of a FITS file: its header and data ranges, what it is (`KnownHdu`, what `FitsFile.fromIndex`
 * opens a file from), the xy0 of an image plane, and where a compressed image's tiles are.
 */
export interface FitsHduIndex extends KnownHdu {
  naxis: number[];
  /** For image planes with afw's `A` pixel WCS: the PARENT position of the first pixel (xy0). */
  xy0?: [number, number];
  /** Tile compression, for compressed images: the logical image and where the tile table and heap are. */
  compression?: {
    algorithm: string;
    zbitpix: number;
    /** ZNAXISn: the image shape, axis 1 first. */
    shape: number[];
    tile: number[];
    quantize?: string;
    /** The tile descriptor table (the binary table's main rows). */
    table: ByteRange;
    /** The heap holding the compressed tiles. */
    heap: ByteRange;
  };
}

export interface FitsByteIndex {
  version: 1 | 2;
  kind: "fits";
  /** File size in bytes, so a reader needs no size probe. */
  size: number;
  hdus: FitsHduIndex[];
  /** Version 2, afw Exposure files: each archived component's catalogs, rows and heap cells. */
  archive?: ArchiveLayout;
}

export interface WholeByteIndex {
  version: 1 | 2;
  kind: "whole";
  size: number;
}

/**
 * A Parquet file: where its footer (the metadata, its length and `PAR1`) is, so that the column names,
 * row count and schema are one read of exactly those bytes, and a read of some columns starts there.
 */
export interface ParquetByteIndex {
  version: 1 | 2;
  kind: "parquet";
  size: number;
  footer: ByteRange;
}

/** What a datastore record keeps about the parts of its file. JSON-serialisable. */
export type ByteIndex = FitsByteIndex | WholeByteIndex | ParquetByteIndex;

/** The index of a file read only as a whole (JSON, YAML, …). */
export function wholeIndex(size: number): WholeByteIndex {
  return { version: BYTE_INDEX_VERSION, kind: "whole", size };
}

/**
 * The index of a FITS file from the writer's (or scanner's) HDU descriptions. `headers`, when given,
 * supply THEAP for compressed HDUs whose heap does not follow the table directly, and the xy0 of
 * image planes.
 */
export function fitsIndex(
  hdus: readonly HduInfo[],
  headers?: readonly (Header | undefined)[],
): FitsByteIndex {
  const last = hdus[hdus.length - 1];
  const size = last === undefined ? 0 : last.dataOffset + last.dataSpan;
  return {
    version: BYTE_INDEX_VERSION,
    kind: "fits",
    size,
    hdus: hdus.map((hdu, i) => hduIndex(hdu, headers?.[i])),
  };
}

function hduIndex(hdu: HduInfo, header: Header | undefined): FitsHduIndex {
  const entry: FitsHduIndex = {
    kind: hdu.kind,
    headerOffset: hdu.headerOffset,
    headerLength: hdu.headerLength,
    dataOffset: hdu.dataOffset,
    dataLength: hdu.dataLength,
    bitpix: hdu.bitpix,
    naxis: [...hdu.naxis],
  };
  if (hdu.extname !== undefined) entry.name = hdu.extname;
  if (hdu.exttype !== undefined) entry.exttype = hdu.exttype;
  if (hdu.extver !== 1) entry.extver = hdu.extver;
  if (header?.has("CRVAL1A") && hdu.kind !== "bintable" && hdu.kind !== "table") {
    const xy0 = readXy0(header);
    entry.xy0 = [xy0.x, xy0.y];
  }
  const c = hdu.compression;
  if (c !== undefined) {
    const tableLength = (hdu.naxis[0] ?? 0) * (hdu.naxis[1] ?? 0);
    const theap = header?.getInteger("THEAP") ?? tableLength;
    entry.compression = {
      algorithm: c.algorithm,
      zbitpix: c.zbitpix,
      shape: [...c.shape],
      tile: [...c.tile],
      table: { offset: hdu.dataOffset, length: tableLength },
      heap: { offset: hdu.dataOffset + theap, length: Math.max(0, hdu.dataLength - theap) },
    };
    if (c.quantize !== undefined) entry.compression.quantize = c.quantize;
  }
  return entry;
}

/** Total header bytes of a FITS index: the most a header-only read should fetch. */
export function headerBytes(index: FitsByteIndex, hdus?: number): number {
  return index.hdus.slice(0, hdus).reduce((sum, h) => sum + h.headerLength, 0);
}

/** The index as stored in a record (a JSON string). */
export function serializeByteIndex(index: ByteIndex | null | undefined): string | null {
  return index === null || index === undefined ? null : JSON.stringify(index);
}

/**
 * An index read back from a record: a JSON string or an already-parsed object (PostgreSQL drivers may
 * parse JSON columns). Null, unparseable or unknown versions give null, so the reader falls back to scanning.
 */
export function parseByteIndex(stored: unknown): ByteIndex | null {
  if (stored === null || stored === undefined || stored === "") return null;
  let value: unknown = stored;
  if (typeof stored === "string") {
    try {
      value = JSON.parse(stored);
    } catch {
      return null;
    }
  }
  if (value === null || typeof value !== "object") return null;
  const v = value as Partial<ByteIndex>;
  if (typeof v.version !== "number" || !READABLE_VERSIONS.includes(v.version)) return null;
  if (v.kind === "whole" && typeof v.size === "number") return v as WholeByteIndex;
  if (v.kind === "fits" && Array.isArray((v as FitsByteIndex).hdus)) return v as FitsByteIndex;
  if (v.kind === "parquet" && typeof v.size === "number") {
    const footer = (v as ParquetByteIndex).footer;
    if (
      footer !== null &&
      typeof footer === "object" &&
      Number.isSafeInteger(footer.offset) &&
      Number.isSafeInteger(footer.length) &&
      footer.offset >= 0 &&
      footer.offset + footer.length === v.size
    ) {
      return v as ParquetByteIndex;
    }
  }
  return null;
}
