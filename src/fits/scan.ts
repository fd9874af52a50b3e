/**
 * Walks a FITS stream HDU by HDU reading header blocks only: each data part is skipped by the size its
 * header declares, so scanning a 2 GB file costs a few kilobytes of I/O.
 */
import type { ByteSource } from "../bytes/byte-source.ts";
import { FitsFormatError } from "../errors/index.ts";
import { BLOCK_LENGTH, CARD_LENGTH } from "./card.ts";
import { describeHdu, type HduInfo } from "./hdu.ts";
import type { Header } from "./header.ts";
import { asciiText, findEndCard, parseHeaderText } from "./header-parse.ts";

export interface ScanOptions {
  /** Stop after this many HDUs (e.g. 1 to read only the primary header). */
  maxHdus?: number;
  signal?: AbortSignal;
  /** Header blocks fetched per read; 1 reads exactly the header's blocks, more trades bytes for round trips. */
  blocksPerRead?: number;
  /**
   * Stop at the first structural error after the primary header and return the HDUs read so far, with
   * the error as `error`, instead of throwing (for listings of damaged files).
   */
  partial?: boolean;
}

export interface FitsIndex {
  /** The stream's key (path or URI). */
  uri: string;
  size: number;
  hdus: HduInfo[];
  headers: Header[];
  /** Bytes after the last HDU that are not a valid extension (ignored, as astropy and CFITSIO do). */
  trailingBytes: number;
  /** With `partial`: why the scan stopped before the end of the file. */
  error?: FitsFormatError;
}

// A header longer than this is certainly corrupt; real ones hold a few hundred cards.
const MAX_HEADER_BYTES = 64 * 1024 * 1024;

/**
 * Reads the header that starts at `offset`; returns its text up to and including the END card's block.
 * With `optionalExtension`, a first block that does not start with XTENSION gives undefined.
 */
export async function readHeaderText(
  source: ByteSource,
  offset: number,
  size: number,
  where: { uri: string; hdu: number },
  options: ScanOptions & { optionalExtension?: boolean } = {},
): Promise<{ text: string; length: number } | undefined> {
  const step = Math.max(1, options.blocksPerRead ?? 1) * BLOCK_LENGTH;
  // Each read's text is searched on its own and the parts joined once at the end: appending to one
  // string and searching it would flatten the growing string again on every block.
  const parts: string[] = [];
  let read = 0;
  for (;;) {
    const at = offset + read;
    if (at >= size) {
      throw new FitsFormatError("file ends inside a header (no END card)", { ...where, offset: at });
    }
    if (read >= MAX_HEADER_BYTES) {
      throw new FitsFormatError(`header exceeds ${MAX_HEADER_BYTES} bytes without END`, { ...where, offset });
    }
    const length = Math.min(step, size - at);
    if (length < BLOCK_LENGTH) {
      throw new FitsFormatError("file is truncated: a header block is incomplete", { ...where, offset: at });
    }
    const bytes = await source.read(at, length - (length % BLOCK_LENGTH), { signal: options.signal });
    const part = asciiText(bytes);
    if (read === 0 && options.optionalExtension && !part.startsWith("XTENSION")) return undefined;
    // Say "not FITS" at once rather than searching a non-FITS file for an END card.
    if (read === 0 && where.hdu === 0 && !part.startsWith("SIMPLE  =")) {
      throw new FitsFormatError("not a FITS file: first card is not SIMPLE", { ...where, offset: 0 });
    }
    parts.push(part);
    const end = findEndCard(part);
    // A block that starts the next extension before any END: this header's END card is missing, and
    // reading on would swallow the next HDU's header as this one's.
    const searched = end >= 0 ? end * CARD_LENGTH : part.length;
    for (let block = read === 0 ? BLOCK_LENGTH : 0; block < searched; block += BLOCK_LENGTH) {
      if (part.startsWith("XTENSION=", block)) {
        throw new FitsFormatError(
          "header has no END card: the next HDU's header (XTENSION) starts before one",
          { ...where, offset: at + block },
        );
      }
    }
    if (end >= 0) {
      const cards = read / CARD_LENGTH + end + 1;
      const length = Math.ceil((cards * CARD_LENGTH) / BLOCK_LENGTH) * BLOCK_LENGTH;
      const text = parts.length === 1 ? part : parts.join("");
      return { text: text.length === length ? text : text.slice(0, length), length };
    }
    read += part.length;
  }
}

/** Scans every HDU of `source`. */
export async function scanFits(source: ByteSource, options: ScanOptions = {}): Promise<FitsIndex> {
  const uri = source.key;
  const size = await source.size();
  const hdus: HduInfo[] = [];
  const headers: Header[] = [];
  let offset = 0;
  const max = options.maxHdus ?? Number.POSITIVE_INFINITY;
  if (size < BLOCK_LENGTH) {
    throw new FitsFormatError(`not a FITS file: ${size} bytes is less than one 2880-byte block`, { uri });
  }
  while (offset < size && hdus.length < max) {
    const index = hdus.length;
    // After the primary, anything but another XTENSION is trailing padding or junk.
    if (index > 0 && size - offset < BLOCK_LENGTH) break;
    let next: { hdu: HduInfo; header: Header } | undefined;
    try {
      next = await scanHdu(source, offset, size, index, options);
    } catch (err) {
      if (!options.partial || index === 0 || !(err instanceof FitsFormatError)) throw err;
      return { uri, size, hdus, headers, trailingBytes: 0, error: err };
    }
    if (next === undefined) break;
    hdus.push(next.hdu);
    headers.push(next.header);
    offset = next.hdu.dataOffset + next.hdu.dataSpan;
  }
  return { uri, size, hdus, headers, trailingBytes: hdus.length < max ? Math.max(0, size - offset) : 0 };
}

/** The HDU whose header starts at `offset`; undefined when an extension's place holds no XTENSION. */
async function scanHdu(
  source: ByteSource,
  offset: number,
  size: number,
  index: number,
  options: ScanOptions,
): Promise<{ hdu: HduInfo; header: Header } | undefined> {
  const uri = source.key;
  const where = { uri, hdu: index };
  const found = await readHeaderText(source, offset, size, where, {
    ...options,
    optionalExtension: index > 0,
  });
  if (found === undefined) return undefined;
  const { text, length } = found;
  const header = parseHeaderText(text, { ...where, offset });
  const hdu = describeHdu(header, index, offset, length, { ...where, offset });
  if (hdu.dataOffset + hdu.dataLength > size) {
    throw new FitsFormatError(
      `file is truncated: data needs ${hdu.dataLength} bytes from ${hdu.dataOffset} but the file has ${size}`,
      { ...where, offset: hdu.dataOffset },
    );
  }
  return { hdu, header };
}

/**
 * The HDU whose header is known to start at `offset` and span `length` bytes (from a byte index): one
 * read of exactly those bytes, parsed and described as a scan would, without looking for the END card
 * block by block.
 */
export async function readHduAt(
  source: ByteSource,
  index: number,
  offset: number,
  length: number,
  options: { signal?: AbortSignal } = {},
): Promise<{ hdu: HduInfo; header: Header }> {
  const where = { uri: source.key, hdu: index, offset };
  if (length <= 0 || length % BLOCK_LENGTH !== 0) {
    throw new FitsFormatError(
      `a header spans whole 2880-byte blocks; the index gives ${length} bytes`,
      where,
    );
  }
  const text = asciiText(await source.read(offset, length, { signal: options.signal }));
  if (findEndCard(text) < 0) {
    throw new FitsFormatError(
      "the indexed header has no END card: the file no longer matches its index",
      where,
    );
  }
  // The file was checked when it was indexed: values are parsed when read.
  const header = parseHeaderText(text, where, { lazy: true });
  return { hdu: describeHdu(header, index, offset, length, where), header };
}
