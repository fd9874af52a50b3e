/**
 * The FITS checksum convention (FITS 4.0 §4.4.2.7 and Appendix J): DATASUM is the 32-bit ones'-complement
 * sum of the data unit's big-endian 32-bit words, written as an unsigned decimal string; CHECKSUM is a
 * 16-character ASCII encoding chosen so that the ones'-complement sum of the whole HDU (header and data)
 * is −0, i.e. all ones.
 */
import type { ByteSource } from "../bytes/byte-source.ts";
import { ChecksumMismatchError, type FitsLocation, InvalidArgumentError } from "../errors/index.ts";
import { CARD_LENGTH, type Card } from "./card.ts";
import type { HduInfo } from "./hdu.ts";
import type { Header } from "./header.ts";
import { formatHeader } from "./header-format.ts";
import { parseHeader } from "./header-parse.ts";

/** −0 in ones'-complement: the sum of an HDU whose CHECKSUM is right. */
export const NEGATIVE_ZERO = 0xffffffff;

// Words summed between folds: 65536 × 0xffff stays below 2^32, so `>>>` stays exact.
const WORDS_PER_FOLD = 65536;

/**
 * The 32-bit ones'-complement sum of `bytes` read as big-endian 32-bit words, added to `initial`.
 * A trailing partial word counts as if padded with zeros (as FITS data are). To chain sums over pieces,
 * every piece but the last must have a length that is a multiple of 4.
 */
export function dataSum(bytes: Uint8Array, initial = 0): number {
  let hi = initial >>> 16;
  let lo = initial & 0xffff;
  const n = bytes.length;
  const whole = n - (n % 4);
  let i = 0;
  while (i < whole) {
    const stop = Math.min(whole, i + WORDS_PER_FOLD * 4);
    for (; i < stop; i += 4) {
      hi += (bytes[i]! << 8) | bytes[i + 1]!;
      lo += (bytes[i + 2]! << 8) | bytes[i + 3]!;
    }
    [hi, lo] = fold(hi, lo);
  }
  if (whole < n) {
    const tail = [0, 0, 0, 0];
    for (let k = whole; k < n; k++) tail[k - whole] = bytes[k]!;
    hi += (tail[0]! << 8) | tail[1]!;
    lo += (tail[2]! << 8) | tail[3]!;
    [hi, lo] = fold(hi, lo);
  }
  return ((hi << 16) | lo) >>> 0;
}

/** Carries out of the low half go into the high half; carries out of the top wrap around (end-around carry). */
function fold(hi: number, lo: number): [number, number] {
  for (;;) {
    const hiCarry = hi >>> 16;
    const loCarry = lo >>> 16;
    if (hiCarry === 0 && loCarry === 0) return [hi, lo];
    hi = (hi & 0xffff) + loCarry;
    lo = (lo & 0xffff) + hiCarry;
  }
}

/** Ones'-complement sum of two 32-bit sums. */
export function addSums(a: number, b: number): number {
  const sum = (a >>> 0) + (b >>> 0);
  return (sum > 0xffffffff ? sum - 0xffffffff : sum) >>> 0;
}

// The 13 punctuation characters between the digits and the letters that the encoding avoids.
const EXCLUDED = new Set([0x3a, 0x3b, 0x3c, 0x3d, 0x3e, 0x3f, 0x40, 0x5b, 0x5c, 0x5d, 0x5e, 0x5f, 0x60]);
const ZERO = 0x30;

/**
 * The 16-character ASCII form of a sum (Appendix J). Each byte b becomes four characters that add up to
 * b + 4 × '0', adjusted in pairs so that none is punctuation; the characters are interleaved so that
 * each group of four stands for one 32-bit word, then rotated one place right because the value starts
 * at column 12 of the card, one byte before a word boundary. With `complement` (the CHECKSUM form) the
 * complement of `sum` is encoded.
 */
export function encodeChecksum(sum: number, complement = true): string {
  const value = (complement ? ~sum : sum) >>> 0;
  const chars = new Array<number>(16);
  for (let b = 0; b < 4; b++) {
    const byte = (value >>> (24 - 8 * b)) & 0xff;
    const quotient = (byte >> 2) + ZERO;
    const group = [quotient + (byte & 3), quotient, quotient, quotient];
    // Moving one unit from one character of a pair to the other keeps the group's sum.
    for (let changed = true; changed; ) {
      changed = false;
      for (let k = 0; k < 4; k += 2) {
        if (EXCLUDED.has(group[k]!) || EXCLUDED.has(group[k + 1]!)) {
          group[k]!++;
          group[k + 1]!--;
          changed = true;
        }
      }
    }
    for (let k = 0; k < 4; k++) chars[4 * k + b] = group[k]!;
  }
  let text = "";
  for (let i = 0; i < 16; i++) text += String.fromCharCode(chars[(i + 15) % 16]!);
  return text;
}

/** The sum a 16-character CHECKSUM-style string encodes (the inverse of `encodeChecksum`). */
export function decodeChecksum(text: string, complement = true): number {
  if (text.length !== 16)
    throw new InvalidArgumentError(`a checksum string has 16 characters, got '${text}'`);
  let value = 0;
  for (let b = 0; b < 4; b++) {
    let byte = 0;
    for (let k = 0; k < 4; k++) byte += text.charCodeAt((4 * k + b + 1) % 16) - ZERO;
    value = value * 256 + byte;
  }
  // Each group adds to one byte + carries; fold the total into 32 bits as a ones'-complement value.
  let v = value >>> 0;
  const high = Math.floor(value / 2 ** 32);
  if (high > 0) v = addSums(v, high);
  return (complement ? ~v : v) >>> 0;
}

export interface AddChecksumOptions {
  /** Comment of the CHECKSUM card; default: the existing card's comment, else "HDU checksum". */
  checksumComment?: string;
  /** Comment of the DATASUM card; default: the existing card's comment, else "data unit checksum". */
  datasumComment?: string;
}

/**
 * Sets DATASUM and CHECKSUM on `header` for this data unit so that the whole HDU, once the header is
 * formatted with `formatHeader`, sums to −0. Cards already present keep their position; others are
 * appended; a DATASUM that already holds the right sum is kept as written. Any later change to the
 * header or data invalidates them. Returns the header.
 *
 * Both cards are written from fixed-format images (value field padded to column 30, comment after
 * ` / ` at column 32), the layout CFITSIO and astropy give them: verifiers such as astropy re-format
 * these two cards before summing, so any other spacing would not verify there.
 */
export function addChecksum(header: Header, data: Uint8Array, options: AddChecksumOptions = {}): Header {
  const datasum = dataSum(data);
  const checksumComment = options.checksumComment ?? header.getCard("CHECKSUM")?.comment ?? "HDU checksum";
  const datasumComment = options.datasumComment ?? header.getCard("DATASUM")?.comment ?? "data unit checksum";
  putCard(header, checksumCard("CHECKSUM", "0000000000000000", checksumComment));
  // An existing DATASUM that already holds this sum stays as written (CFITSIO writes 0 as '         0').
  const existing = header.get("DATASUM");
  if (!(typeof existing === "string" && /^\s*\d+\s*$/.test(existing) && Number(existing) === datasum)) {
    putCard(header, checksumCard("DATASUM", String(datasum), datasumComment));
  }
  const headerSum = dataSum(formatHeader(header));
  const checksum = encodeChecksum(addSums(headerSum, datasum), true);
  putCard(header, checksumCard("CHECKSUM", checksum, checksumComment));
  return header;
}

/** The same as `addChecksum` (the name `writer.ts` uses). */
export const setChecksum = addChecksum;

/** A string card with a fixed-format image: `KEY     = 'value   '` padded to column 30, then ` / comment`. */
function checksumCard(key: string, value: string, comment: string): Card {
  if (!/^[\x20-\x7e]*$/.test(comment)) {
    throw new InvalidArgumentError(`the ${key} comment must be printable ASCII: '${comment}'`);
  }
  const field = `'${value.padEnd(8, " ")}'`.padEnd(20, " ");
  let image = `${key.padEnd(8, " ")}= ${field}`;
  if (comment !== "") image = `${image} / ${comment}`;
  image = image.slice(0, CARD_LENGTH).padEnd(CARD_LENGTH, " ");
  return { key, type: "string", value, comment, images: [image] };
}

/** Replaces the first card with the same key in place, or appends the card. */
function putCard(header: Header, card: Card): void {
  const at = header.cards.findIndex((c) => c.key === card.key);
  if (at < 0) {
    header.append(card);
    return;
  }
  header.delete(card.key);
  header.insert(at, card);
}

export interface ChecksumReport {
  /** Sum of the data unit. */
  datasum: number;
  /** Sum of header + data: −0 (0xffffffff) when CHECKSUM is right. */
  hduSum: number;
  /** DATASUM matches the data; undefined when the header has no DATASUM. */
  datasumOk?: boolean;
  /** The whole HDU sums to −0; undefined when the header has no CHECKSUM. */
  checksumOk?: boolean;
}

/** Checks DATASUM and CHECKSUM of one HDU from its header bytes (padded blocks) and data bytes. */
export function verifyHdu(
  headerBytes: Uint8Array,
  dataBytes: Uint8Array,
  where: FitsLocation = {},
): ChecksumReport {
  const header = parseHeader(headerBytes, where);
  return checksumReport(header, dataSum(headerBytes), dataSum(dataBytes));
}

function checksumReport(header: Header, headerSum: number, datasum: number): ChecksumReport {
  const hduSum = addSums(headerSum, datasum);
  const report: ChecksumReport = { datasum, hduSum };
  const stated = header.get("DATASUM");
  if (stated !== undefined) {
    const text = typeof stated === "string" ? stated.trim() : String(stated);
    report.datasumOk = /^\d+$/.test(text) && Number(text) === datasum;
  }
  if (header.has("CHECKSUM")) report.checksumOk = hduSum === NEGATIVE_ZERO;
  return report;
}

const CHUNK_BYTES = 8 * 1024 * 1024;

/** Reads one HDU (header blocks and padded data unit, in chunks) and checks its checksum cards. */
export async function verifyHduAt(
  source: ByteSource,
  hdu: HduInfo,
  header: Header,
  options: { signal?: AbortSignal } = {},
): Promise<ChecksumReport> {
  const headerBytes = await source.read(hdu.headerOffset, hdu.headerLength, options);
  // The padding of the last HDU may be missing from a truncated-but-readable file: sum what exists.
  const size = await source.size();
  const end = Math.min(hdu.dataOffset + hdu.dataSpan, size);
  let datasum = 0;
  for (let at = hdu.dataOffset; at < end; at += CHUNK_BYTES) {
    const length = Math.min(CHUNK_BYTES, end - at);
    datasum = dataSum(await source.read(at, length, options), datasum);
  }
  return checksumReport(header, dataSum(headerBytes), datasum);
}

/** Throws ChecksumMismatchError when a present DATASUM or CHECKSUM does not match. */
export function assertChecksum(report: ChecksumReport, where: FitsLocation = {}): void {
  if (report.datasumOk === false) {
    throw new ChecksumMismatchError(`DATASUM does not match the data (computed ${report.datasum})`, where);
  }
  if (report.checksumOk === false) {
    const hex = report.hduSum.toString(16).padStart(8, "0");
    throw new ChecksumMismatchError(
      `CHECKSUM does not match: the HDU sums to 0x${hex}, not 0xffffffff`,
      where,
    );
  }
}
