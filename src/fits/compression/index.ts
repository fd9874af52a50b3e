/**
 * Tile-compression algorithms (FITS 4.0 §10): which ZCMPTYPE names exist and which ones this package can
 * decode and encode. The codecs themselves are pure functions on one tile's bytes (no I/O, no headers).
 */
import { type FitsLocation, UnsupportedCompressionError } from "../../errors/index.ts";

export {
  DEFAULT_QUANTIZED_NULL,
  type DequantizeParams,
  DITHER_RANDOMS,
  DITHER2_ZERO_VALUE,
  dequantize,
  N_RANDOM,
  type QuantizeMethod,
  type QuantizeParams,
  quantize,
} from "./dither.ts";
export {
  type GunzipTileOptions,
  type GzipTileOptions,
  gunzipTile,
  gzipTile,
  shuffleBytes,
  unshuffleBytes,
} from "./gzip.ts";
export {
  type HcompressDecodeOptions,
  type HcompressTile,
  hcompressDecode,
  hcompressHeader,
} from "./hcompress.ts";
export { type RiceBytePix, riceDecode, riceEncode } from "./rice.ts";

/** Canonical algorithm names (`RICE_ONE` is an alias of `RICE_1`). */
export type CompressionAlgorithm =
  | "RICE_1"
  | "GZIP_1"
  | "GZIP_2"
  | "HCOMPRESS_1"
  | "NOCOMPRESS"
  | "PLIO_1"
  | "BZIP2_1";

export interface CompressionInfo {
  /** Canonical name. */
  readonly algorithm: CompressionAlgorithm;
  /** Tiles can be decoded by this package. */
  readonly decode: boolean;
  /** Tiles can be encoded by this package. */
  readonly encode: boolean;
}

const info = (algorithm: CompressionAlgorithm, decode: boolean, encode: boolean): CompressionInfo =>
  Object.freeze({ algorithm, decode, encode });

/** Every ZCMPTYPE value we recognise, by its spelling in headers. */
export const COMPRESSION_TYPES: ReadonlyMap<string, CompressionInfo> = new Map([
  ["RICE_1", info("RICE_1", true, true)],
  ["RICE_ONE", info("RICE_1", true, true)],
  ["GZIP_1", info("GZIP_1", true, true)],
  ["GZIP_2", info("GZIP_2", true, true)],
  ["NOCOMPRESS", info("NOCOMPRESS", true, true)],
  ["HCOMPRESS_1", info("HCOMPRESS_1", true, false)],
  ["PLIO_1", info("PLIO_1", false, false)],
  ["BZIP2_1", info("BZIP2_1", false, false)],
]);

/** ZCMPTYPE spellings this package decodes, for error messages. */
export const DECODABLE_COMPRESSION: readonly string[] = Object.freeze(
  [...COMPRESSION_TYPES].filter(([, v]) => v.decode).map(([k]) => k),
);

/**
 * Looks up a ZCMPTYPE value (trailing blanks ignored, case-insensitive) and returns its capabilities when
 * it can be decoded. Known-but-undecodable (`PLIO_1`, `BZIP2_1`) and unknown names throw
 * `UnsupportedCompressionError`, which lists the supported names.
 */
export function decoderFor(zcmptype: string, where: FitsLocation = {}): CompressionInfo {
  const entry = COMPRESSION_TYPES.get(zcmptype.trim().toUpperCase());
  if (entry === undefined || !entry.decode) {
    throw new UnsupportedCompressionError(zcmptype.trim(), DECODABLE_COMPRESSION, where);
  }
  return entry;
}
