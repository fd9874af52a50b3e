/**
 * Building tile-compressed image HDUs (FITS 4.0 §10) for writing: lossless GZIP_1/GZIP_2 for any
 * pixel type (Rubin's default recipe is GZIP_2 with row tiles) and RICE_1 for 8-32 bit integers.
 */
import { InvalidArgumentError } from "../errors.ts";
import type { Card } from "./card.ts";
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
  if (algorithm === "RICE_1" && (bitpix < 0 || bitpix === 64)) {
    throw new InvalidArgumentError(
      `RICE_1 compresses 8-, 16- and 32-bit integers only; use GZIP_2 for ${bitpix < 0 ? "floats" : "64-bit integers"}`,
    );
  }
  const tile = options.tile ?? shape.map((n, k) => (k === 0 ? n : 1));
  if (tile.length !== shape.length || tile.some((t) => !Number.isSafeInteger(t) || t < 1)) {
    throw new InvalidArgumentError(
      `tile ${tile.join("x")} must give a positive size for each of the ${shape.length} axes`,
    );
  }
  const grid: TileGrid = { shape: [...shape], tile, counts: shape.map((n, k) => Math.ceil(n / tile[k]!)) };
  const tiles = grid.counts.reduce((a, b) => a * b, 1);
  const stored = encodePixels(data, bitpix);

  const payloads: Uint8Array[] = [];
  for (let t = 0; t < tiles; t++) {
    const raw = gatherTile(stored, grid, t, width);
    payloads.push(encodeTile(raw, algorithm, width, options.level));
  }
  const heapLength = payloads.reduce((a, p) => a + p.length, 0);
  // 32-bit descriptors while the heap allows them, 64-bit beyond.
  const wide = heapLength >= 2 ** 31;
  const rowBytes = wide ? 16 : 8;
  const maxLength = payloads.reduce((a, p) => Math.max(a, p.length), 0);
  const out = new Uint8Array(rowBytes * tiles + heapLength);
  const view = new DataView(out.buffer);
  let heapAt = 0;
  payloads.forEach((payload, t) => {
    if (wide) {
      view.setBigUint64(t * 16, BigInt(payload.length));
      view.setBigUint64(t * 16 + 8, BigInt(heapAt));
    } else {
      view.setUint32(t * 8, payload.length);
      view.setUint32(t * 8 + 4, heapAt);
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
  header.set("TFIELDS", 1, { comment: "number of fields in each row" });
  header.set("TTYPE1", "COMPRESSED_DATA", { comment: "label for field 1" });
  header.set("TFORM1", `1${wide ? "Q" : "P"}B(${maxLength})`, {
    comment: "data format of field: variable length array",
  });
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
    header.set("ZVAL2", width, { comment: "bytes per pixel (1, 2, 4, or 8)" });
  }
  if (bitpix < 0) header.set("ZQUANTIZ", "NONE", { comment: "floats stored losslessly" });
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
    const from = y0 * nx * width;
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
