/**
 * Building tile-compressed image HDUs (FITS 4.0 §10) for writing: lossless GZIP_1/GZIP_2 for any
 * pixel type (Rubin's default recipe is GZIP_2 with row tiles) and RICE_1 for 8-32 bit integers.
 *
 * Floating-point images may instead be quantized (lossy, §10.2): each tile's values become 32-bit
 * integers `round((x − ZZERO)/ZSCALE + R − 0.5)` with CFITSIO's dither sequence R, then are compressed
 * like integers (RICE_1 is what Rubin's lossy16 recipe uses). ZSCALE and ZZERO go in per-tile columns,
 * NaN pixels are written as ZBLANK, and with SUBTRACTIVE_DITHER_2 exact zeros stay exact.
 */
import { InvalidArgumentError } from "../errors/index.ts";
import type { Card } from "./card.ts";
import { DEFAULT_QUANTIZED_NULL, N_RANDOM, quantize } from "./compression/dither.ts";
import { gzipTile } from "./compression/gzip.ts";
import { type RiceBytePix, riceEncode } from "./compression/rice.ts";
import { Header } from "./header.ts";
import { appendUserCards, checkShape, type HduParts } from "./image-hdu.ts";
import { encodePixels, type PixelArray, storageOf } from "./pixels.ts";
import { type TileGrid, tileExtent } from "./tiled-image.ts";

// NOCOMPRESS is read but not written: CFITSIO 4.2 and astropy 5.2 cannot decompress it.
export type WriteCompression = "GZIP_1" | "GZIP_2" | "RICE_1";
export const WRITABLE_COMPRESSION: readonly WriteCompression[] = ["GZIP_1", "GZIP_2", "RICE_1"];

export interface CompressedHduOptions {
  algorithm: WriteCompression;
  /** Tile shape, axis 1 first; default whole rows (`[width, 1, …]`). */
  tile?: number[];
  /** zlib level for the GZIP algorithms. */
  level?: number;
  /** Cards of the logical image to carry (EXTNAME, WCS, …). */
  header?: Header | Iterable<Card>;
  /** Quantize a floating-point image (lossy); without it floats are stored losslessly. */
  quantize?: QuantizeOptions;
}

export type WriteQuantizeMethod = "NO_DITHER" | "SUBTRACTIVE_DITHER_1" | "SUBTRACTIVE_DITHER_2";
export const WRITE_QUANTIZE_METHODS: readonly WriteQuantizeMethod[] = [
  "NO_DITHER",
  "SUBTRACTIVE_DITHER_1",
  "SUBTRACTIVE_DITHER_2",
];

export interface QuantizeOptions {
  method: WriteQuantizeMethod;
  /**
   * The quantization step (ZSCALE) of every tile, e.g. a noise sigma over 16 computed from the whole
   * plane (Rubin's lossy16). Without it each tile's step is its own noise estimate over `level`.
   */
  scale?: number;
  /** Steps per noise sigma when `scale` is not given (CFITSIO's default is 4). */
  level?: number;
  /** ZDITHER0, the dither seed: 1–10000 (default 1). */
  zdither0?: number;
}

const RICE_BLOCK_SIZE = 32;

/** A compressed image HDU holding `data` with `shape` (axis 1 first) losslessly. */
export function compressedImageHdu(
  data: PixelArray,
  shape: readonly number[],
  options: CompressedHduOptions,
): HduParts {
  checkShape(shape, data.length);
  const { algorithm } = options;
  if (!WRITABLE_COMPRESSION.includes(algorithm)) {
    throw new InvalidArgumentError(
      `cannot write compression '${algorithm}'; writable: ${WRITABLE_COMPRESSION.join(", ")}`,
    );
  }
  const { bitpix, bzero } = storageOf(data);
  const width = Math.abs(bitpix) / 8;
  if (algorithm === "RICE_1" && options.quantize === undefined && (bitpix < 0 || bitpix === 64)) {
    throw new InvalidArgumentError(
      `RICE_1 compresses 8-, 16- and 32-bit integers only; use GZIP_2 for ${bitpix < 0 ? "floats" : "64-bit integers"}`,
    );
  }
  const q = options.quantize;
  if (q !== undefined) checkQuantize(q, bitpix);
  const tile = options.tile ?? shape.map((n, k) => (k === 0 ? n : 1));
  if (tile.length !== shape.length || tile.some((t) => !Number.isSafeInteger(t) || t < 1)) {
    throw new InvalidArgumentError(
      `tile ${tile.join("x")} must give a positive size for each of the ${shape.length} axes`,
    );
  }
  const grid: TileGrid = { shape: [...shape], tile, counts: shape.map((n, k) => Math.ceil(n / tile[k]!)) };
  const tiles = grid.counts.reduce((a, b) => a * b, 1);
  const payloads: Uint8Array[] = [];
  const scaling: { scale: number; zero: number }[] = [];
  if (q === undefined) {
    const stored = encodePixels(data, bitpix);
    for (let t = 0; t < tiles; t++) {
      const raw = gatherTile(stored, grid, t, width);
      payloads.push(encodeTile(raw, algorithm, width, options.level));
    }
  } else {
    // Tiles are gathered as float64 values, quantized, then coded as 4-byte integers.
    const values = Float64Array.from(data as ArrayLike<number>);
    const asBytes = new Uint8Array(values.buffer);
    for (let t = 0; t < tiles; t++) {
      const tileValues = new Float64Array(gatherTile(asBytes, grid, t, 8).slice().buffer);
      const { ints, scale, zero } = quantizeTile(tileValues, q, t);
      scaling.push({ scale, zero });
      const raw = new Uint8Array(ints.length * 4);
      const view = new DataView(raw.buffer);
      for (let i = 0; i < ints.length; i++) view.setInt32(i * 4, ints[i]!);
      payloads.push(encodeTile(raw, algorithm, 4, options.level));
    }
  }
  const heapLength = payloads.reduce((a, p) => a + p.length, 0);
  // 32-bit descriptors while the heap allows them, 64-bit beyond.
  const wide = heapLength >= 2 ** 31;
  const descriptorBytes = wide ? 16 : 8;
  // Quantized tiles carry their ZSCALE and ZZERO (two doubles) after the descriptor.
  const rowBytes = descriptorBytes + (q === undefined ? 0 : 16);
  const maxLength = payloads.reduce((a, p) => Math.max(a, p.length), 0);
  const out = new Uint8Array(rowBytes * tiles + heapLength);
  const view = new DataView(out.buffer);
  let heapAt = 0;
  payloads.forEach((payload, t) => {
    if (wide) {
      view.setBigUint64(t * rowBytes, BigInt(payload.length));
      view.setBigUint64(t * rowBytes + 8, BigInt(heapAt));
    } else {
      view.setUint32(t * rowBytes, payload.length);
      view.setUint32(t * rowBytes + 4, heapAt);
    }
    const tileScaling = scaling[t];
    if (tileScaling !== undefined) {
      view.setFloat64(t * rowBytes + descriptorBytes, tileScaling.scale);
      view.setFloat64(t * rowBytes + descriptorBytes + 8, tileScaling.zero);
    }
    out.set(payload, rowBytes * tiles + heapAt);
    heapAt += payload.length;
  });

  const header = new Header();
  header.set("XTENSION", "BINTABLE", { comment: "binary table extension" });
  header.set("BITPIX", 8, { comment: "8-bit bytes" });
  header.set("NAXIS", 2, { comment: "2-dimensional binary table" });
  header.set("NAXIS1", rowBytes, { comment: "width of table in bytes" });
  header.set("NAXIS2", tiles, { comment: "number of rows in table" });
  header.set("PCOUNT", heapLength, { comment: "size of special data area" });
  header.set("GCOUNT", 1, { comment: "one data group (required keyword)" });
  header.set("TFIELDS", q === undefined ? 1 : 3, { comment: "number of fields in each row" });
  header.set("TTYPE1", "COMPRESSED_DATA", { comment: "label for field 1" });
  header.set("TFORM1", `1${wide ? "Q" : "P"}B(${maxLength})`, {
    comment: "data format of field: variable length array",
  });
  if (q !== undefined) {
    header.set("TTYPE2", "ZSCALE", { comment: "label for field 2" });
    header.set("TFORM2", "1D", { comment: "data format of field: 8-byte DOUBLE" });
    header.set("TTYPE3", "ZZERO", { comment: "label for field 3" });
    header.set("TFORM3", "1D", { comment: "data format of field: 8-byte DOUBLE" });
  }
  header.set("ZIMAGE", true, { comment: "extension contains compressed image" });
  header.set("ZTENSION", "IMAGE", { comment: "image extension" });
  header.set("ZBITPIX", bitpix, { comment: "data type of original image" });
  header.set("ZNAXIS", shape.length, { comment: "dimension of original image" });
  shape.forEach((n, k) => {
    header.set(`ZNAXIS${k + 1}`, n, { comment: `length of original image axis` });
  });
  tile.forEach((n, k) => {
    header.set(`ZTILE${k + 1}`, n, { comment: `size of tiles to be compressed` });
  });
  header.set("ZCMPTYPE", algorithm, { comment: "compression algorithm" });
  if (algorithm === "RICE_1") {
    header.set("ZNAME1", "BLOCKSIZE", { comment: "compression block size" });
    header.set("ZVAL1", RICE_BLOCK_SIZE, { comment: "pixels per block" });
    header.set("ZNAME2", "BYTEPIX", { comment: "bytes per pixel (1, 2, 4, or 8)" });
    header.set("ZVAL2", q === undefined ? width : 4, { comment: "bytes per pixel (1, 2, 4, or 8)" });
  }
  if (q !== undefined) {
    header.set("ZQUANTIZ", q.method, { comment: "quantization method of floats" });
    if (q.method !== "NO_DITHER") header.set("ZDITHER0", q.zdither0 ?? 1, { comment: "dithering offset" });
    header.set("ZBLANK", DEFAULT_QUANTIZED_NULL, { comment: "null value in the quantized integers" });
  } else if (bitpix < 0) header.set("ZQUANTIZ", "NONE", { comment: "floats stored losslessly" });
  header.set("ZPCOUNT", 0, { comment: "number of parameters" });
  header.set("ZGCOUNT", 1, { comment: "number of groups" });
  if (bzero !== undefined) {
    header.set("BZERO", bzero, { comment: "offset for unsigned integers" });
    header.set("BSCALE", 1);
  }
  appendUserCards(header, options.header, true);
  return { header, data: out };
}

/** Copies tile `t`'s stored bytes (row-major within the tile) out of the image's stored bytes. */
function gatherTile(stored: Uint8Array, grid: TileGrid, t: number, width: number): Uint8Array {
  const { start, size } = tileExtent(grid, t);
  const nx = grid.shape[0] ?? 1;
  const [x0 = 0, y0 = 0] = start;
  const [w = 1, h = 1] = size;
  const higher = size.slice(2);
  const planes = higher.reduce((a, b) => a * b, 1);
  const planeStride = nx * (grid.shape[1] ?? 1);
  if (h === 1 && planes === 1 && w === nx) {
    // One whole row of one plane: the plane counts too (a 3-d image's row tiles).
    let plane = 0;
    let stride = 1;
    for (let k = 2; k < start.length; k++) {
      plane += start[k]! * stride;
      stride *= grid.shape[k]!;
    }
    const from = (plane * planeStride + y0 * nx) * width;
    return stored.subarray(from, from + w * width);
  }
  const out = new Uint8Array(w * h * planes * width);
  let at = 0;
  for (let p = 0; p < planes; p++) {
    let plane = 0;
    let stride = 1;
    let rest = p;
    for (let k = 0; k < higher.length; k++) {
      const c = rest % higher[k]!;
      rest = Math.floor(rest / higher[k]!);
      plane += (start[k + 2]! + c) * stride;
      stride *= grid.shape[k + 2]!;
    }
    for (let y = y0; y < y0 + h; y++) {
      const from = (plane * planeStride + y * nx + x0) * width;
      out.set(stored.subarray(from, from + w * width), at);
      at += w * width;
    }
  }
  return out;
}

function encodeTile(raw: Uint8Array, algorithm: WriteCompression, width: number, level?: number): Uint8Array {
  switch (algorithm) {
    case "GZIP_1":
      return gzipTile(raw, { level });
    case "GZIP_2":
      return gzipTile(raw, { shuffleElementSize: width, level });
    case "RICE_1":
      return riceEncode(storedIntegers(raw, width), width as RiceBytePix, RICE_BLOCK_SIZE);
  }
}

/** Big-endian stored integers as signed numbers of their width. */
function storedIntegers(raw: Uint8Array, width: number): Int32Array {
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const out = new Int32Array(raw.byteLength / width);
  for (let i = 0; i < out.length; i++) {
    out[i] = width === 1 ? view.getInt8(i) : width === 2 ? view.getInt16(i * 2) : view.getInt32(i * 4);
  }
  return out;
}

function checkQuantize(q: QuantizeOptions, bitpix: number): void {
  if (bitpix > 0) {
    throw new InvalidArgumentError(
      "quantization applies to floating-point images only; integers are stored losslessly",
    );
  }
  if (!WRITE_QUANTIZE_METHODS.includes(q.method)) {
    throw new InvalidArgumentError(
      `quantize method '${q.method}'; known: ${WRITE_QUANTIZE_METHODS.join(", ")}`,
    );
  }
  if (q.scale !== undefined && !(q.scale > 0 && Number.isFinite(q.scale))) {
    throw new InvalidArgumentError(`quantize scale must be a positive finite number; got ${q.scale}`);
  }
  if (q.scale === undefined && !(q.level !== undefined && q.level > 0 && Number.isFinite(q.level))) {
    throw new InvalidArgumentError("quantizing needs a scale, or a level (steps per noise sigma)");
  }
  const seed = q.zdither0 ?? 1;
  if (!Number.isInteger(seed) || seed < 1 || seed > N_RANDOM) {
    throw new InvalidArgumentError(`ZDITHER0 must be an integer from 1 to ${N_RANDOM}; got ${seed}`);
  }
}

/** The median of the finite values of `values` (reorders a copy). */
function median(values: number[]): number {
  if (values.length === 0) return 0;
  values.sort((a, b) => a - b);
  const mid = values.length >> 1;
  return values.length % 2 === 1 ? values[mid]! : (values[mid - 1]! + values[mid]!) / 2;
}

/**
 * A tile's noise sigma from the median absolute second difference of consecutive finite values
 * (CFITSIO's "noise3" estimator: 0.6052697 · median|2x[i] − x[i−2] − x[i+2]|), robust to sources and
 * gradients. Zero for a constant tile.
 */
export function estimateNoise(values: ArrayLike<number>): number {
  const finite: number[] = [];
  for (let i = 0; i < values.length; i++) if (Number.isFinite(values[i])) finite.push(values[i]!);
  if (finite.length < 5) return 0;
  const diffs: number[] = [];
  for (let i = 2; i < finite.length - 2; i++)
    diffs.push(Math.abs(2 * finite[i]! - finite[i - 2]! - finite[i + 2]!));
  return 0.6052697 * median(diffs);
}

/**
 * Quantizes one tile: the step is the given scale (or the tile's noise over the level); the zero point is
 * the middle of the tile's finite range, so the integers straddle 0 clear of the reserved null codes.
 * A tile too wide for 32-bit integers at that step is an InvalidArgumentError naming it.
 */
function quantizeTile(
  values: Float64Array,
  q: QuantizeOptions,
  tileIndex: number,
): { ints: Int32Array; scale: number; zero: number } {
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (const v of values) {
    if (Number.isNaN(v)) continue;
    if (!Number.isFinite(v)) {
      throw new InvalidArgumentError(
        `tile ${tileIndex} holds ${v}, which quantization cannot store (NaN can)`,
      );
    }
    if (v < min) min = v;
    if (v > max) max = v;
  }
  if (min > max) min = max = 0; // an all-NaN tile
  let scale = q.scale ?? estimateNoise(values) / q.level!;
  // No measurable noise (a flat tile): a step far below float32 precision keeps the values as they are.
  if (!(scale > 0)) scale = Math.max(Math.abs(min), Math.abs(max), 1e-30) * 2 ** -26;
  const zero = (min + max) / 2;
  if ((max - min) / scale > 2 * 2147483640) {
    throw new InvalidArgumentError(
      `tile ${tileIndex} spans ${min}..${max}, too wide for 32-bit integers at a step of ${scale}; use a lossless recipe`,
    );
  }
  const ints = new Int32Array(values.length);
  quantize(values, ints, { method: q.method, scale, zero, tileIndex, zdither0: q.zdither0 ?? 1 });
  return { ints, scale, zero };
}
