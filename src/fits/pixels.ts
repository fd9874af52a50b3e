/**
 * From big-endian FITS pixel bytes to native typed arrays (FITS 4.0 §5.3, §4.4.2.5): byte order,
 * BZERO/BSCALE with the unsigned-integer conventions, and BLANK.
 */
import { FitsFormatError, type FitsLocation } from "../errors/index.ts";
import type { CardValue } from "./card.ts";

export type PixelArray =
  | Uint8Array
  | Int8Array
  | Int16Array
  | Uint16Array
  | Int32Array
  | Uint32Array
  | BigInt64Array
  | BigUint64Array
  | Float32Array
  | Float64Array;

/** The decoded pixel type, named like numpy's dtypes that astropy returns. */
export type PixelType =
  | "uint8"
  | "int8"
  | "int16"
  | "uint16"
  | "int32"
  | "uint32"
  | "int64"
  | "uint64"
  | "float32"
  | "float64";

/** How stored values become physical values. */
export interface PixelScaling {
  bitpix: number;
  /** Physical = stored × bscale + bzero. */
  bscale: number;
  bzero: number;
  /** BLANK: the stored integer that marks an undefined pixel. */
  blank?: number | bigint;
  /** The decoded type: an unsigned convention, the stored type, or a float when scaled. */
  type: PixelType;
  /** An unsigned convention that flipping the sign bit implements (no arithmetic needed). */
  signFlip: boolean;
}

const UNSIGNED_OFFSET: Record<number, { bzero: bigint; type: PixelType }> = {
  8: { bzero: -128n, type: "int8" },
  16: { bzero: 32768n, type: "uint16" },
  32: { bzero: 2147483648n, type: "uint32" },
  64: { bzero: 9223372036854775808n, type: "uint64" },
};

/** The decoded type of each BITPIX without scaling. */
export const STORED_TYPE: Record<number, PixelType> = {
  8: "uint8",
  16: "int16",
  32: "int32",
  64: "int64",
  [-32]: "float32",
  [-64]: "float64",
};

/** Works out the decoded type for a BITPIX with its BZERO, BSCALE and BLANK cards. */
export function pixelScaling(
  bitpix: number,
  bzeroValue: CardValue | undefined,
  bscaleValue: CardValue | undefined,
  blankValue: CardValue | undefined,
  where: FitsLocation = {},
): PixelScaling {
  const bscale = toNumber(bscaleValue, "BSCALE", 1, where);
  const bzero = toNumber(bzeroValue, "BZERO", 0, where);
  const scaling: PixelScaling = { bitpix, bscale, bzero, type: STORED_TYPE[bitpix]!, signFlip: false };
  if (bitpix > 0 && (typeof blankValue === "number" || typeof blankValue === "bigint"))
    scaling.blank = blankValue;
  const unsigned = UNSIGNED_OFFSET[bitpix];
  if (unsigned !== undefined && bscale === 1 && bzeroEquals(bzeroValue, unsigned.bzero)) {
    scaling.type = unsigned.type;
    scaling.signFlip = true;
  } else if (bscale !== 1 || bzero !== 0) {
    // Scaled integers become floats wide enough for their range, as astropy does.
    scaling.type = bitpix === 8 || bitpix === 16 || bitpix === -32 ? "float32" : "float64";
  }
  return scaling;
}

function bzeroEquals(value: CardValue | undefined, expected: bigint): boolean {
  if (typeof value === "bigint") return value === expected;
  if (typeof value === "number" && Number.isInteger(value)) return BigInt(value) === expected;
  // A float BZERO such as 3.2768E4 still means the unsigned convention.
  return typeof value === "number" && value === Number(expected);
}

function toNumber(value: CardValue | undefined, key: string, fallback: number, where: FitsLocation): number {
  if (value === undefined || value === null) return fallback;
  if (typeof value === "number") return value;
  if (typeof value === "bigint") return Number(value);
  throw new FitsFormatError(`${key} must be a number, found ${JSON.stringify(value)}`, where);
}

/** Bytes per stored pixel. */
export function bytesPerPixel(bitpix: number): number {
  return Math.abs(bitpix) / 8;
}

const ARRAY_OF: Record<
  PixelType,
  new (
    buffer: ArrayBuffer,
    byteOffset: number,
    length: number,
  ) => PixelArray
> = {
  uint8: Uint8Array,
  int8: Int8Array,
  int16: Int16Array,
  uint16: Uint16Array,
  int32: Int32Array,
  uint32: Uint32Array,
  int64: BigInt64Array,
  uint64: BigUint64Array,
  float32: Float32Array,
  float64: Float64Array,
};

/** A zero-filled array of `type` with `length` elements. */
export function allocatePixels(type: PixelType, length: number): PixelArray {
  const Ctor = ARRAY_OF[type];
  const bytes = length * (Ctor as unknown as { BYTES_PER_ELEMENT: number }).BYTES_PER_ELEMENT;
  return new Ctor(new ArrayBuffer(bytes), 0, length);
}

/**
 * Decodes big-endian stored pixels in place when the decoded type has the stored width (the common
 * case: no copy, no second buffer), else into a new float array. `raw` must be aligned to its width.
 */
export function decodePixels(raw: Uint8Array, scaling: PixelScaling): PixelArray {
  const width = bytesPerPixel(scaling.bitpix);
  if (scaling.signFlip) flipSignBits(raw, width);
  swapToNative(raw, width);
  return nativePixels(raw, scaling);
}

/**
 * The decoded pixels of stored values already in native byte order (with the sign bit flipped for the
 * unsigned conventions): a view when no scaling is needed, else a new float array.
 */
export function nativePixels(raw: Uint8Array, scaling: PixelScaling): PixelArray {
  const count = raw.byteLength / bytesPerPixel(scaling.bitpix);
  const Stored = ARRAY_OF[scaling.signFlip ? scaling.type : STORED_TYPE[scaling.bitpix]!];
  const stored = new Stored(raw.buffer as ArrayBuffer, raw.byteOffset, count);
  if (scaling.signFlip || scaling.type === STORED_TYPE[scaling.bitpix]) return stored;
  return scale(stored, scaling);
}

function scale(stored: PixelArray, scaling: PixelScaling): PixelArray {
  const out = allocatePixels(scaling.type, stored.length) as Float32Array | Float64Array;
  return scaleInto(stored, out, scaling.bscale, scaling.bzero, scaling.blank);
}

/** physical = stored × scale + zero into `out`; stored values equal to `blank` become NaN. */
export function scaleInto<T extends Float32Array | Float64Array>(
  stored: PixelArray,
  out: T,
  scale: number,
  zero: number,
  blank?: number | bigint,
): T {
  if (stored instanceof BigInt64Array || stored instanceof BigUint64Array) {
    const blankBig = blank === undefined ? undefined : BigInt(blank);
    for (let i = 0; i < stored.length; i++) {
      const v = stored[i]!;
      out[i] = v === blankBig ? Number.NaN : Number(v) * scale + zero;
    }
    return out;
  }
  const numbers = stored as Exclude<PixelArray, BigInt64Array | BigUint64Array>;
  const blankNumber = blank === undefined ? Number.NaN : Number(blank);
  for (let i = 0; i < numbers.length; i++) {
    const v = numbers[i]!;
    out[i] = v === blankNumber ? Number.NaN : v * scale + zero;
  }
  return out;
}

/** Big-endian → native: Buffer's swap16/32/64 are native loops, far faster than DataView. */
export function swapToNative(raw: Uint8Array, width: number): void {
  if (width === 1 || !LITTLE_ENDIAN) return;
  const buffer = Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
  if (width === 2) buffer.swap16();
  else if (width === 4) buffer.swap32();
  else buffer.swap64();
}

/** Adds 2^(8·width−1) modulo 2^(8·width) to every big-endian integer: the unsigned conventions. */
function flipSignBits(raw: Uint8Array, width: number): void {
  for (let i = 0; i < raw.length; i += width) raw[i]! ^= 0x80;
}

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Native → big-endian bytes for writing, with the unsigned conventions undone. */
export function encodePixels(data: PixelArray, bitpix: number): Uint8Array {
  const width = bytesPerPixel(bitpix);
  const out = new Uint8Array(data.length * width);
  out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
  swapToNative(out, width);
  if (
    data instanceof Int8Array ||
    data instanceof Uint16Array ||
    data instanceof Uint32Array ||
    data instanceof BigUint64Array
  ) {
    flipSignBits(out, width);
  }
  return out;
}

/** The BITPIX and BZERO that store an array of this type without loss. */
export function storageOf(data: PixelArray): { bitpix: number; bzero?: bigint } {
  if (data instanceof Uint8Array) return { bitpix: 8 };
  if (data instanceof Int8Array) return { bitpix: 8, bzero: -128n };
  if (data instanceof Int16Array) return { bitpix: 16 };
  if (data instanceof Uint16Array) return { bitpix: 16, bzero: 32768n };
  if (data instanceof Int32Array) return { bitpix: 32 };
  if (data instanceof Uint32Array) return { bitpix: 32, bzero: 2147483648n };
  if (data instanceof BigInt64Array) return { bitpix: 64 };
  if (data instanceof BigUint64Array) return { bitpix: 64, bzero: 9223372036854775808n };
  if (data instanceof Float32Array) return { bitpix: -32 };
  return { bitpix: -64 };
}

/** The decoded type of an array. */
export function pixelTypeOf(data: PixelArray): PixelType {
  for (const [type, Ctor] of Object.entries(ARRAY_OF)) if (data instanceof Ctor) return type as PixelType;
  throw new FitsFormatError("unknown pixel array type");
}
