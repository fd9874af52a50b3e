/**
 * What one HDU is and where its parts are, derived from its header alone (FITS 4.0 §3–§7, §10).
 */
import { FitsFormatError, type FitsLocation } from "../errors/index.ts";
import { BLOCK_LENGTH, type CardValue } from "./card.ts";
import type { Header } from "./header.ts";

export type HduKind = "primary" | "image" | "bintable" | "table" | "compressed_image" | "random_groups";

/** Tile compression of a `compressed_image` HDU (FITS 4.0 §10). */
export interface CompressionInfo {
  /** ZCMPTYPE as written, e.g. `GZIP_2`, `RICE_1`, `RICE_ONE`. */
  algorithm: string;
  /** BITPIX of the uncompressed image. */
  zbitpix: number;
  /** ZNAXISn: the image shape, axis 1 first. */
  shape: number[];
  /** ZTILEn: the tile shape (defaults: whole rows). */
  tile: number[];
  /** ZQUANTIZ, when present. */
  quantize?: string;
  /** ZDITHER0, when present. */
  dither0?: number;
  /** ZNAMEi/ZVALi algorithm parameters. */
  parameters: Record<string, CardValue>;
}

export interface HduInfo {
  index: number;
  kind: HduKind;
  headerOffset: number;
  /** Header bytes including padding (a multiple of 2880). */
  headerLength: number;
  dataOffset: number;
  /** Data bytes as the header declares them, without padding. */
  dataLength: number;
  /** Data bytes including padding to 2880. */
  dataSpan: number;
  /** Number of logical cards (CONTINUE cards joined), END excluded. */
  cardCount: number;
  extname?: string;
  extver: number;
  exttype?: string;
  bitpix: number;
  /** NAXISn, axis 1 first (for tables: [row bytes, rows]). */
  naxis: number[];
  pcount: number;
  gcount: number;
  compression?: CompressionInfo;
}

const VALID_BITPIX: readonly number[] = [8, 16, 32, 64, -32, -64];

/** Rounds a byte count up to whole 2880-byte blocks. */
export function padToBlock(bytes: number): number {
  return Math.ceil(bytes / BLOCK_LENGTH) * BLOCK_LENGTH;
}

// Refuse sizes that cannot be real so a corrupt header never drives a giant allocation or loop.
const MAX_AXES = 999;
const MAX_DATA_BYTES = 2 ** 52;

/**
 * Describes the HDU whose header starts at `headerOffset` and spans `headerLength` bytes.
 * Validates the mandatory keywords and the declared data size.
 */
export function describeHdu(
  header: Header,
  index: number,
  headerOffset: number,
  headerLength: number,
  where: FitsLocation,
): HduInfo {
  const first = header.length > 0 ? header.cardAt(0) : undefined;
  const isPrimary = index === 0;
  if (isPrimary) {
    if (first?.key !== "SIMPLE")
      throw new FitsFormatError("not a FITS file: first card is not SIMPLE", where);
    if (first.value !== true)
      throw new FitsFormatError("SIMPLE is not T: the file does not conform to FITS", where);
  } else if (first?.key !== "XTENSION") {
    throw new FitsFormatError(`extension header does not start with XTENSION (found '${first?.key}')`, where);
  }
  const bitpix = requireInteger(header, "BITPIX", where);
  if (!VALID_BITPIX.includes(bitpix)) {
    throw new FitsFormatError(`BITPIX = ${bitpix} is not one of ${VALID_BITPIX.join(", ")}`, where);
  }
  const axes = requireInteger(header, "NAXIS", where);
  if (axes < 0 || axes > MAX_AXES)
    throw new FitsFormatError(`NAXIS = ${axes} is outside 0..${MAX_AXES}`, where);
  const naxis: number[] = [];
  for (let k = 1; k <= axes; k++) {
    const n = requireInteger(header, `NAXIS${k}`, where);
    if (n < 0) throw new FitsFormatError(`NAXIS${k} = ${n} is negative`, where);
    naxis.push(n);
  }
  const xtension = isPrimary ? undefined : String(header.get("XTENSION") ?? "").trim();
  const pcount = isPrimary && header.get("GROUPS") !== true ? 0 : (header.getInteger("PCOUNT") ?? 0);
  const gcount = isPrimary && header.get("GROUPS") !== true ? 1 : (header.getInteger("GCOUNT") ?? 1);
  if (pcount < 0 || gcount < 0) throw new FitsFormatError(`PCOUNT/GCOUNT must not be negative`, where);
  const kind = kindOf(header, xtension, naxis, where);
  if (
    (kind === "bintable" || kind === "compressed_image" || kind === "table") &&
    (axes !== 2 || bitpix !== 8)
  ) {
    throw new FitsFormatError(`a ${xtension} extension needs BITPIX = 8 and NAXIS = 2`, where);
  }
  // Random groups have NAXIS1 = 0 and do not count it (FITS 4.0 §6).
  const counted = kind === "random_groups" ? naxis.slice(1) : naxis;
  const elements = axes === 0 ? 0 : counted.reduce((a, b) => a * b, 1);
  const dataLength = axes === 0 && pcount === 0 ? 0 : (Math.abs(bitpix) / 8) * gcount * (pcount + elements);
  if (!Number.isSafeInteger(dataLength) || dataLength > MAX_DATA_BYTES) {
    throw new FitsFormatError(`declared data size ${dataLength} bytes is absurd`, where);
  }
  const info: HduInfo = {
    index,
    kind,
    headerOffset,
    headerLength,
    dataOffset: headerOffset + headerLength,
    dataLength,
    dataSpan: padToBlock(dataLength),
    cardCount: header.length,
    extver: header.getInteger("EXTVER") ?? 1,
    bitpix,
    naxis,
    pcount,
    gcount,
  };
  const extname = header.getString("EXTNAME");
  if (extname !== undefined) info.extname = extname.trimEnd();
  const exttype = header.getString("EXTTYPE");
  if (exttype !== undefined) info.exttype = exttype.trimEnd();
  if (kind === "compressed_image") info.compression = compressionOf(header, where);
  return info;
}

function kindOf(header: Header, xtension: string | undefined, naxis: number[], where: FitsLocation): HduKind {
  if (xtension === undefined) {
    return header.get("GROUPS") === true && naxis[0] === 0 ? "random_groups" : "primary";
  }
  switch (xtension) {
    case "IMAGE":
    case "IUEIMAGE":
      return "image";
    case "TABLE":
      return "table";
    case "BINTABLE":
    case "A3DTABLE":
      return header.get("ZIMAGE") === true ? "compressed_image" : "bintable";
    default:
      throw new FitsFormatError(`unknown XTENSION '${xtension}'; known: IMAGE, TABLE, BINTABLE`, where);
  }
}

function compressionOf(header: Header, where: FitsLocation): CompressionInfo {
  const algorithm = header.getString("ZCMPTYPE")?.trim();
  if (algorithm === undefined) throw new FitsFormatError("compressed image without ZCMPTYPE", where);
  const zbitpix = requireInteger(header, "ZBITPIX", where);
  if (!VALID_BITPIX.includes(zbitpix)) {
    throw new FitsFormatError(`ZBITPIX = ${zbitpix} is not one of ${VALID_BITPIX.join(", ")}`, where);
  }
  const axes = requireInteger(header, "ZNAXIS", where);
  if (axes < 0 || axes > MAX_AXES)
    throw new FitsFormatError(`ZNAXIS = ${axes} is outside 0..${MAX_AXES}`, where);
  const shape: number[] = [];
  const tile: number[] = [];
  for (let k = 1; k <= axes; k++) {
    const n = requireInteger(header, `ZNAXIS${k}`, where);
    if (n < 0) throw new FitsFormatError(`ZNAXIS${k} = ${n} is negative`, where);
    shape.push(n);
    // Default tiles are whole rows: ZTILE1 = ZNAXIS1, the others 1.
    const t = header.getInteger(`ZTILE${k}`) ?? (k === 1 ? n : 1);
    if (t < 1) throw new FitsFormatError(`ZTILE${k} = ${t} must be at least 1`, where);
    tile.push(t);
  }
  const parameters: Record<string, CardValue> = {};
  for (let i = 1; i < 100; i++) {
    const name = header.getString(`ZNAME${i}`);
    if (name === undefined) break;
    parameters[name.trim().toUpperCase()] = header.get(`ZVAL${i}`) ?? null;
  }
  const info: CompressionInfo = { algorithm, zbitpix, shape, tile, parameters };
  const quantize = header.getString("ZQUANTIZ");
  if (quantize !== undefined) info.quantize = quantize.trim();
  const dither0 = header.getInteger("ZDITHER0");
  if (dither0 !== undefined) info.dither0 = dither0;
  return info;
}

function requireInteger(header: Header, key: string, where: FitsLocation): number {
  const value = header.get(key);
  if (value === undefined) throw new FitsFormatError(`mandatory keyword ${key} is missing`, where);
  if (typeof value === "bigint") throw new FitsFormatError(`${key} = ${value} is absurdly large`, where);
  if (typeof value !== "number" || !Number.isInteger(value)) {
    throw new FitsFormatError(`${key} must be an integer, found ${JSON.stringify(value)}`, where);
  }
  return value;
}
