/**
 * Reading tile-compressed images (FITS 4.0 §10): the tile table is read first, then only the tiles a
 * box intersects are fetched (their heap spans coalesced) and decoded, and their pixels placed.
 */
import type { ByteRange, ByteSource } from "../bytes/byte-source.ts";
import { type CoalesceOptions, coalesceRanges } from "../bytes/coalesce-ranges.ts";
import { FitsFormatError, type FitsLocation, InvalidArgumentError } from "../errors/index.ts";
import { dequantize, type QuantizeMethod } from "./compression/dither.ts";
import {
  gunzipTile,
  type NativeWords,
  nativeWords,
  unshuffleInto,
  unshuffleToNative,
} from "./compression/gzip.ts";
import { hcompressDecode } from "./compression/hcompress.ts";
import { decoderFor } from "./compression/index.ts";
import { riceDecode } from "./compression/rice.ts";
import type { CompressionInfo, HduInfo } from "./hdu.ts";
import type { Header } from "./header.ts";
import { checkBox, type ImageData, type PixelBox } from "./image.ts";
import {
  allocatePixels,
  bytesPerPixel,
  decodePixels,
  nativePixels,
  type PixelArray,
  type PixelScaling,
  pixelScaling,
} from "./pixels.ts";
import { readTileTable, type TileEntry, type TileTable } from "./tile-table.ts";
import { inflateTileRun, type TileCallback } from "./tiled-gzip.ts";

/**
 * The largest heap request of a tiled read unless `maxRequestBytes` says otherwise: a whole-image read
 * of GZIP tiles holds one such chunk of compressed bytes at a time.
 */
const TILE_READ_BYTES = 256 * 1024;

export interface TiledReadOptions extends CoalesceOptions {
  box?: PixelBox;
  signal?: AbortSignal;
  /** A tile table read before (e.g. cached); saves its request. */
  tileTable?: TileTable;
}

/** The grid of tiles over an image. */
export interface TileGrid {
  shape: number[];
  tile: number[];
  /** Tiles along each axis. */
  counts: number[];
}

export function tileGrid(compression: CompressionInfo): TileGrid {
  const counts = compression.shape.map((n, k) => Math.ceil(n / compression.tile[k]!));
  return { shape: compression.shape, tile: compression.tile, counts };
}

/** Start and size of tile `t` along every axis (edge tiles are clipped to the image). */
export function tileExtent(grid: TileGrid, t: number): { start: number[]; size: number[] } {
  const start: number[] = [];
  const size: number[] = [];
  let rest = t;
  for (let k = 0; k < grid.shape.length; k++) {
    const c = rest % grid.counts[k]!;
    rest = Math.floor(rest / grid.counts[k]!);
    const s = c * grid.tile[k]!;
    start.push(s);
    size.push(Math.min(grid.tile[k]!, grid.shape[k]! - s));
  }
  return { start, size };
}

/** Pixels in tile `t` (edge tiles are clipped), as `tileExtent` gives them, without its arrays. */
function tilePixels(grid: TileGrid, t: number): number {
  let pixels = 1;
  let rest = t;
  for (let k = 0; k < grid.shape.length; k++) {
    const count = grid.counts[k]!;
    const c = rest % count;
    rest = Math.floor(rest / count);
    pixels *= Math.min(grid.tile[k]!, grid.shape[k]! - c * grid.tile[k]!);
  }
  return pixels;
}

/** Indices of the tiles that intersect a box over the first two axes (all tiles without a box). */
export function tilesForBox(grid: TileGrid, box?: PixelBox): number[] {
  const total = grid.counts.reduce((a, b) => a * b, 1);
  if (box === undefined) return Array.from({ length: total }, (_, t) => t);
  const [tx, ty = 1] = grid.tile;
  const [ntx, nty = 1] = grid.counts;
  const x0 = Math.floor(box.x / tx!);
  const x1 = Math.floor((box.x + box.width - 1) / tx!);
  const y0 = Math.floor(box.y / ty);
  const y1 = Math.floor((box.y + box.height - 1) / ty);
  const planes = total / (ntx! * nty);
  const tiles: number[] = [];
  for (let p = 0; p < planes; p++) {
    for (let y = y0; y <= y1; y++) for (let x = x0; x <= x1; x++) tiles.push(p * ntx! * nty + y * ntx! + x);
  }
  return tiles;
}

/** The heap ranges a read of `box` fetches once the tile table is known, coalesced. */
export function planTileRead(
  hdu: HduInfo,
  table: TileTable,
  box?: PixelBox,
  options: CoalesceOptions = {},
): ByteRange[] {
  const grid = tileGrid(requireCompression(hdu));
  const ranges = tilesForBox(grid, box).map((t) => table.tiles[t]!);
  return coalesceRanges(ranges, tileCoalescing(options)).map(({ offset, length }) => ({ offset, length }));
}

/** The coalescing of tile reads: the caller's, with requests capped at `TILE_READ_BYTES` by default. */
function tileCoalescing(options: CoalesceOptions): CoalesceOptions {
  const out: CoalesceOptions = { maxRequestBytes: options.maxRequestBytes ?? TILE_READ_BYTES };
  if (options.gapBytes !== undefined) out.gapBytes = options.gapBytes;
  return out;
}

function requireCompression(hdu: HduInfo): CompressionInfo {
  if (hdu.compression === undefined)
    throw new InvalidArgumentError(`HDU ${hdu.index} is not a compressed image`);
  return hdu.compression;
}

/** The scaling of the logical image: ZBITPIX with the header's BZERO/BSCALE and ZBLANK or BLANK. */
function compressedScaling(hdu: HduInfo, header: Header): PixelScaling {
  const compression = requireCompression(hdu);
  const blank = header.get("ZBLANK") ?? header.get("BLANK");
  return pixelScaling(compression.zbitpix, header.get("BZERO"), header.get("BSCALE"), blank, {
    hdu: hdu.index,
  });
}

/** Reads a tile-compressed image, whole or a box of it. */
export async function readTiledImage(
  source: ByteSource,
  hdu: HduInfo,
  header: Header,
  options: TiledReadOptions = {},
): Promise<ImageData> {
  const compression = requireCompression(hdu);
  const where: FitsLocation = { uri: source.key, hdu: hdu.index };
  decoderFor(compression.algorithm, where);
  const grid = tileGrid(compression);
  const expectedTiles = grid.counts.reduce((a, b) => a * b, 1);
  if (hdu.naxis[1] !== expectedTiles) {
    throw new FitsFormatError(`table has ${hdu.naxis[1]} rows but the tiling needs ${expectedTiles}`, where);
  }
  checkPlausibleSize(hdu, grid, where);
  const box = options.box;
  if (box !== undefined) {
    checkBox(box, grid.shape);
    if (grid.shape.slice(2).some((n) => n !== 1)) {
      throw new InvalidArgumentError(
        `a box read needs a 2-D image; HDU ${hdu.index} is ${grid.shape.join("x")}`,
      );
    }
  }
  const table = options.tileTable ?? (await readTileTable(source, hdu, header, options));
  const scaling = compressedScaling(hdu, header);
  const outShape = box === undefined ? [...grid.shape] : [box.width, box.height, ...grid.shape.slice(2)];
  if (box === undefined) {
    const data = await readGzipRun(source, compression, grid, table, scaling, options);
    if (data !== undefined) return { data, shape: outShape, scaling };
  }
  const out = allocatePixels(
    scaling.type,
    outShape.reduce((a, b) => a * b, 1),
  );
  const region = box ?? { x: 0, y: 0, width: grid.shape[0] ?? 0, height: grid.shape[1] ?? 1 };
  const decoder = tileDecoder(compression, scaling, where);

  const wanted = tilesForBox(grid, box);
  const groups = coalesceRanges(
    wanted.map((t) => table.tiles[t]!),
    tileCoalescing(options),
  );
  await Promise.all(
    groups.map(async (group) => {
      const bytes =
        group.length === 0 ? new Uint8Array(0) : await source.read(group.offset, group.length, options);
      for (const member of group.members) {
        const t = wanted[member]!;
        const entry = table.tiles[t]!;
        const from = entry.offset - group.offset;
        const extent = tileExtent(grid, t);
        const target = contiguousTarget(extent, region, outShape, out);
        const tile = decoder(bytes.subarray(from, from + entry.length), entry, t, extent.size, target);
        if (tile !== undefined) placeTile(tile, extent, grid, out, region, outShape);
      }
    }),
  );
  return { data: out, shape: outShape, scaling };
}

/**
 * A whole-image read of lossless GZIP_1/GZIP_2 tiles whose pixels need no scaling, when the tiles
 * follow each other in the output (row tiles, plane tiles):
 * all tiles go through one inflater into one buffer that becomes the decoded array, GZIP_2 tiles
 * unshuffled in place as they complete (`tiled-gzip.ts`). Undefined when this does not apply or the
 * tiles turn out not to be a clean run of gzip members; the caller then decodes tile by tile.
 */
async function readGzipRun(
  source: ByteSource,
  compression: CompressionInfo,
  grid: TileGrid,
  table: TileTable,
  scaling: PixelScaling,
  options: TiledReadOptions,
): Promise<PixelArray | undefined> {
  const { algorithm, zbitpix } = compression;
  if (algorithm !== "GZIP_1" && algorithm !== "GZIP_2") return undefined;
  const raw = pixelScaling(zbitpix, undefined, undefined, undefined);
  const direct = zbitpix > 0 ? scaling.signFlip || scaling.type === raw.type : scaling.type === raw.type;
  if (!direct) return undefined;
  // Tiles follow each other in the output when the axes below the first split one are whole and
  // the tiles are one pixel deep along every axis above it (row tiles, plane tiles).
  let first = 0;
  while (first < grid.counts.length && grid.counts[first] === 1) first++;
  for (let k = first + 1; k < grid.counts.length; k++) {
    if (Math.min(grid.tile[k]!, grid.shape[k]!) !== 1) return undefined;
  }
  const isFloat = zbitpix < 0;
  const method = compression.quantize ?? "NO_DITHER";
  const tiles = table.tiles;
  if (tiles.some((e) => e.source !== "compressed" || (isFloat && e.scale !== undefined && method !== "NONE")))
    return undefined;
  const width = bytesPerPixel(zbitpix);
  const sizes = tiles.map((_, t) => tilePixels(grid, t) * width);
  let onTile: TileCallback | undefined;
  if (algorithm === "GZIP_2") {
    // Each tile is copied to one reused scratch buffer and unshuffled from there back into its place,
    // through one word view of the whole output: no allocation per tile.
    const scratch = new Uint8Array(sizes.reduce((a, b) => Math.max(a, b), 0));
    let words: NativeWords | undefined;
    onTile = (bytes, at, output) => {
      const shuffled = bytes.length === scratch.length ? scratch : scratch.subarray(0, bytes.length);
      shuffled.set(bytes);
      if (width === 8) unshuffleToNative(shuffled, width, scaling.signFlip, bytes);
      else {
        words ??= nativeWords(output, width as 1 | 2 | 4);
        unshuffleInto(shuffled, words, at / width, scaling.signFlip);
      }
    };
  }
  const runOptions: Parameters<typeof inflateTileRun>[3] = {
    chunkBytes: tileCoalescing(options).maxRequestBytes!,
  };
  if (options.signal !== undefined) runOptions.signal = options.signal;
  if (onTile !== undefined) runOptions.onTile = onTile;
  const bytes = await inflateTileRun(source, tiles, sizes, runOptions);
  if (bytes === undefined) return undefined;
  return algorithm === "GZIP_2" ? nativePixels(bytes, scaling) : decodePixels(bytes, scaling);
}

// No tile codec expands beyond ~1030:1 (deflate's limit; RICE's all-zero blocks reach ~200:1), so an
// image declaring far more pixels than its heap could hold is corrupt, and is refused before allocating.
const MAX_EXPANSION = 2048;

function checkPlausibleSize(hdu: HduInfo, grid: TileGrid, where: FitsLocation): void {
  const pixels = grid.shape.reduce((a, b) => a * b, 1);
  const bytes = pixels * bytesPerPixel(requireCompression(hdu).zbitpix);
  if (bytes > MAX_EXPANSION * hdu.dataLength + 1024 * 1024) {
    throw new FitsFormatError(
      `compressed image declares ${grid.shape.join("x")} pixels, implausible for ${hdu.dataLength} bytes of data`,
      where,
    );
  }
}

/**
 * Decodes one tile. When `target` is given (the tile's pixels are one contiguous run of the output),
 * a decoder may write the native bytes there and return undefined instead of a tile array.
 */
type TileDecoder = (
  bytes: Uint8Array,
  entry: TileEntry,
  tileIndex: number,
  size: number[],
  target?: Uint8Array,
) => PixelArray | undefined;

/** The output bytes a whole tile maps onto, when its rows are full output rows (row tiles of a full read). */
function contiguousTarget(
  extent: { start: number[]; size: number[] },
  region: PixelBox,
  outShape: number[],
  out: PixelArray,
): Uint8Array | undefined {
  const [x0 = 0, y0 = 0] = extent.start;
  const [w = 1, h = 1] = extent.size;
  if (extent.size.length > 2 || x0 !== region.x || w !== region.width || (outShape[0] ?? 1) !== w)
    return undefined;
  if (y0 < region.y || y0 + h > region.y + region.height) return undefined;
  const bytes = out.BYTES_PER_ELEMENT;
  const from = (y0 - region.y) * w * bytes;
  return new Uint8Array(out.buffer, out.byteOffset + from, w * h * bytes);
}

/** Builds the function that turns one tile's bytes into decoded pixels of the output type. */
function tileDecoder(compression: CompressionInfo, scaling: PixelScaling, where: FitsLocation): TileDecoder {
  const { algorithm, zbitpix } = compression;
  const isFloat = zbitpix < 0;
  const method = (compression.quantize ?? "NO_DITHER") as QuantizeMethod;
  const dither0 = compression.dither0 ?? 1;
  const params = compression.parameters;
  const blockSize = Number(params["BLOCKSIZE"] ?? 32);
  const rawScaling = pixelScaling(zbitpix, undefined, undefined, undefined);

  // Decoded values are the stored values in native order: they can go straight to the output.
  const direct =
    zbitpix > 0 ? scaling.signFlip || scaling.type === rawScaling.type : scaling.type === rawScaling.type;
  return (bytes, entry, tileIndex, size, target) => {
    const pixels = size.reduce((a, b) => a * b, 1);
    const tileWhere = { ...where, offset: entry.offset };
    if (entry.source === "gzip_fallback" || entry.source === "uncompressed") {
      // Tiles that could not be quantized hold the raw values, gzipped or as they are.
      const width = bytesPerPixel(zbitpix);
      const raw =
        entry.source === "gzip_fallback"
          ? gunzipTile(bytes, pixels * width)
          : copyExact(bytes, pixels * width, tileWhere);
      return decodePixels(raw, isFloat ? rawScaling : scaling);
    }
    const quantized = isFloat && entry.scale !== undefined && method !== "NONE";
    // Integer images store values of their own width; quantized floats are 32-bit integers.
    const width = quantized ? 4 : bytesPerPixel(zbitpix);
    if (algorithm === "RICE_1" || algorithm === "RICE_ONE") {
      if (isFloat && !quantized)
        throw new FitsFormatError("RICE_1 tile of a float image without ZSCALE", tileWhere);
      const bytePix = quantized ? 4 : Number(params["BYTEPIX"] ?? width);
      if (bytePix !== 1 && bytePix !== 2 && bytePix !== 4) {
        throw new FitsFormatError(`RICE_1 BYTEPIX = ${bytePix}; accepted: 1, 2, 4`, tileWhere);
      }
      const ints = withLocation(() => riceDecode(bytes, pixels, bytePix, blockSize), tileWhere);
      return quantized
        ? dequantizeTile(ints, entry, tileIndex, scaling, method, dither0)
        : scaleInts(ints, scaling);
    }
    if (algorithm === "HCOMPRESS_1") {
      const smooth = Number(params["SMOOTH"] ?? 0);
      const zbits = (quantized ? 32 : zbitpix) as 8 | 16 | 32;
      const [width = 1, height = 1] = size;
      const ints = withLocation(
        () => hcompressDecode(bytes, width, height, { smooth, zbitpix: zbits }),
        tileWhere,
      );
      return quantized
        ? dequantizeTile(ints, entry, tileIndex, scaling, method, dither0)
        : scaleInts(ints, scaling);
    }
    let raw: Uint8Array;
    if (algorithm === "NOCOMPRESS") raw = copyExact(bytes, pixels * width, tileWhere);
    else {
      raw = withLocation(() => gunzipTile(bytes, pixels * width), tileWhere);
      if (algorithm === "GZIP_2") {
        // Unshuffle straight to native order; the common lossless case then needs no further pass.
        if (!quantized && direct && target !== undefined && target.length === raw.length) {
          unshuffleToNative(raw, width, scaling.signFlip, target);
          return undefined;
        }
        const native = unshuffleToNative(raw, width, !quantized && scaling.signFlip);
        return quantized
          ? dequantizeTile(new Int32Array(native.buffer), entry, tileIndex, scaling, method, dither0)
          : nativePixels(native, scaling);
      }
    }
    if (!quantized) return decodePixels(raw, scaling);
    const ints = decodePixels(raw, pixelScaling(32, undefined, undefined, undefined)) as Int32Array;
    return dequantizeTile(ints, entry, tileIndex, scaling, method, dither0);
  };
}

function withLocation<T>(decode: () => T, where: FitsLocation): T {
  try {
    return decode();
  } catch (cause) {
    if (cause instanceof FitsFormatError && cause.hdu === undefined) {
      throw new FitsFormatError(cause.message, where, { cause });
    }
    throw cause;
  }
}

function copyExact(bytes: Uint8Array, length: number, where: FitsLocation): Uint8Array {
  if (bytes.length !== length) {
    throw new FitsFormatError(`uncompressed tile holds ${bytes.length} bytes, expected ${length}`, where);
  }
  return Uint8Array.prototype.slice.call(bytes);
}

function dequantizeTile(
  ints: Int32Array,
  entry: TileEntry,
  tileIndex: number,
  scaling: PixelScaling,
  method: QuantizeMethod,
  zdither0: number,
): PixelArray {
  const out = allocatePixels(scaling.type, ints.length) as Float32Array | Float64Array;
  const params = { method, scale: entry.scale!, zero: entry.zero ?? 0, tileIndex, zdither0 };
  dequantize(ints, out, 0, entry.blank === undefined ? params : { ...params, zblank: entry.blank });
  return out;
}

/** Integers of an integer image (as RICE decodes them) to the decoded type: BZERO/BSCALE and BLANK. */
function scaleInts(ints: Int32Array, scaling: PixelScaling): PixelArray {
  // 32-bit integers without scaling are already what the decoder produced.
  if (scaling.type === "int32") return ints;
  const out = allocatePixels(scaling.type, ints.length);
  if (out instanceof BigInt64Array || out instanceof BigUint64Array) {
    for (let i = 0; i < ints.length; i++) out[i] = BigInt(ints[i]!) + BigInt(scaling.bzero);
    return out;
  }
  const { bscale, bzero } = scaling;
  const blank = scaling.blank === undefined ? Number.NaN : Number(scaling.blank);
  const isFloat = out instanceof Float32Array || out instanceof Float64Array;
  if (!isFloat && bscale === 1 && bzero === 0) {
    out.set(ints);
    return out;
  }
  for (let i = 0; i < ints.length; i++) {
    const v = ints[i]!;
    out[i] = isFloat && v === blank ? Number.NaN : v * bscale + bzero;
  }
  return out;
}

/** Copies the part of a decoded tile that falls inside `region` to its place in `out`. */
function placeTile(
  tile: PixelArray,
  extent: { start: number[]; size: number[] },
  grid: TileGrid,
  out: PixelArray,
  region: PixelBox,
  outShape: number[],
): void {
  const [tx0 = 0, ty0 = 0] = extent.start;
  const [tw = 1, th = 1] = extent.size;
  const x0 = Math.max(tx0, region.x);
  const x1 = Math.min(tx0 + tw, region.x + region.width);
  const y0 = Math.max(ty0, region.y);
  const y1 = Math.min(ty0 + th, region.y + region.height);
  if (x0 >= x1 || y0 >= y1) return;
  const outWidth = outShape[0] ?? 1;
  const outPlane = outWidth * (outShape[1] ?? 1);
  // Higher axes: tiles span whole planes of the output when the image has more than two axes.
  const higherStart = extent.start.slice(2);
  const higherSize = extent.size.slice(2);
  const planeCount = higherSize.reduce((a, b) => a * b, 1);
  for (let p = 0; p < planeCount; p++) {
    const outPlaneIndex = planeIndex(p, higherStart, higherSize, grid.shape.slice(2));
    for (let y = y0; y < y1; y++) {
      const from = p * tw * th + (y - ty0) * tw + (x0 - tx0);
      const to = outPlaneIndex * outPlane + (y - region.y) * outWidth + (x0 - region.x);
      (out as Float64Array).set((tile as Float64Array).subarray(from, from + (x1 - x0)), to);
    }
  }
}

/** Index of the p-th plane of a tile among all planes of the image (axes 3 and up). */
function planeIndex(p: number, start: number[], size: number[], shape: number[]): number {
  let index = 0;
  let stride = 1;
  let rest = p;
  for (let k = 0; k < size.length; k++) {
    const c = rest % size[k]!;
    rest = Math.floor(rest / size[k]!);
    index += (start[k]! + c) * stride;
    stride *= shape[k]!;
  }
  return index;
}
