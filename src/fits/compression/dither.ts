/**
 * Quantization of floating-point tiles (FITS 4.0 §10.2): integer ↔ float conversion with optional
 * subtractive dithering, bit-compatible with CFITSIO.
 *
 * Decoding (`dequantize`):
 * - `NO_DITHER` (and pre-2009 files without ZQUANTIZ): value = I·scale + zero;
 * - `SUBTRACTIVE_DITHER_1`: value = (I − R + 0.5)·scale + zero, R from the shared random sequence;
 * - `SUBTRACTIVE_DITHER_2`: the same, except I = −2147483646 decodes to exactly 0.0;
 * - I = ZBLANK decodes to NaN (checked first).
 * Arithmetic is done in double precision and rounded once when stored in a Float32Array.
 *
 * The dither sequence for the tile with 0-based index t starts at seed index
 * `iseed = (t + ZDITHER0 − 1) mod 10000` and pixel index `k = trunc(float32(R[iseed]·500))`; every pixel
 * (null and zero ones included) uses R[k] and then advances k; when k reaches 10000, iseed advances by
 * one (mod 10000) and k restarts at `trunc(float32(R[iseed]·500))`.
 */
import { FitsFormatError, InvalidArgumentError } from "../../errors/index.ts";

/** Number of values in the dither sequence. */
export const N_RANDOM = 10000;

/** The integer that SUBTRACTIVE_DITHER_2 uses for pixels that were exactly 0.0. */
export const DITHER2_ZERO_VALUE = -2147483646;

/** CFITSIO's ZBLANK for quantized floating-point tiles (used when writing NaN pixels). */
export const DEFAULT_QUANTIZED_NULL = -2147483647;

/**
 * Builds the 10 000 float32 values of the Park–Miller "minimal standard" generator (multiplier 16807,
 * modulus 2^31 − 1, seed 1), each divided by the modulus.
 */
function buildRandomSequence(): Float32Array {
  const modulus = 2147483647;
  const values = new Float32Array(N_RANDOM);
  let seed = 1;
  for (let i = 0; i < N_RANDOM; i++) {
    // 16807 · seed < 2^46: exact in a double.
    const product = 16807 * seed;
    seed = product - modulus * Math.trunc(product / modulus);
    values[i] = seed / modulus;
  }
  if (seed !== 1043618065) {
    // Guard against an engine with non-IEEE arithmetic; should never happen.
    throw new Error(`dither sequence self-check failed: final seed ${seed}`);
  }
  return values;
}

/** The dither random sequence R[0..9999] (float32 values in (0, 1)). Do not modify. */
export const DITHER_RANDOMS: Float32Array = buildRandomSequence();

export type QuantizeMethod = "NO_DITHER" | "SUBTRACTIVE_DITHER_1" | "SUBTRACTIVE_DITHER_2" | "NONE";

export interface DequantizeParams {
  /**
   * `ZQUANTIZ` (absent → `NO_DITHER`). `NONE` is accepted and treated as the plain linear scaling
   * (lossless float tiles are not quantized and never need this function).
   */
  method: QuantizeMethod;
  /** ZSCALE of the tile. */
  scale: number;
  /** ZZERO of the tile. */
  zero: number;
  /** ZBLANK of the tile (column value, else keyword); integers equal to it become NaN. */
  zblank?: number;
  /** 0-based tile index (table row − 1). */
  tileIndex: number;
  /** ZDITHER0 (1..10000; default 1). */
  zdither0?: number;
}

function isDithered(method: QuantizeMethod): boolean {
  return method === "SUBTRACTIVE_DITHER_1" || method === "SUBTRACTIVE_DITHER_2";
}

/** Seed index for a tile: `(tileIndex + zdither0 − 1) mod 10000`, validated. */
function firstSeed(tileIndex: number, zdither0: number): number {
  if (!Number.isInteger(tileIndex) || tileIndex < 0) {
    throw new FitsFormatError(`quantized tile: invalid tile index ${tileIndex}`);
  }
  if (!Number.isInteger(zdither0) || zdither0 < 0) {
    throw new FitsFormatError(`quantized tile: invalid ZDITHER0 ${zdither0}`);
  }
  return (((tileIndex + zdither0 - 1) % N_RANDOM) + N_RANDOM) % N_RANDOM;
}

function startIndex(iseed: number): number {
  return Math.trunc(Math.fround(DITHER_RANDOMS[iseed]! * 500));
}

/**
 * Converts the quantized integers of one tile into floating-point pixels, writing
 * `out[outOffset .. outOffset + ints.length)`.
 */
export function dequantize(
  ints: Int32Array,
  out: Float32Array | Float64Array,
  outOffset: number,
  params: DequantizeParams,
): void {
  const n = ints.length;
  if (outOffset < 0 || outOffset + n > out.length) {
    throw new RangeError(
      `dequantize: ${n} values at offset ${outOffset} do not fit an array of ${out.length}`,
    );
  }
  const { scale, zero } = params;
  const blank = params.zblank ?? Number.NaN; // NaN never equals an integer: no null check
  if (!isDithered(params.method)) {
    for (let i = 0; i < n; i++) {
      const v = ints[i]!;
      out[outOffset + i] = v === blank ? Number.NaN : v * scale + zero;
    }
    return;
  }

  const dither2 = params.method === "SUBTRACTIVE_DITHER_2";
  const zeroValue = dither2 ? DITHER2_ZERO_VALUE : Number.NaN;
  const r = DITHER_RANDOMS;
  let iseed = firstSeed(params.tileIndex, params.zdither0 ?? 1);
  let k = startIndex(iseed);
  let i = 0;
  while (i < n) {
    // Pixels until the random index wraps.
    const stop = Math.min(n, i + (N_RANDOM - k));
    for (; i < stop; i++, k++) {
      const v = ints[i]!;
      if (v === blank) out[outOffset + i] = Number.NaN;
      else if (v === zeroValue) out[outOffset + i] = 0;
      else out[outOffset + i] = (v - r[k]! + 0.5) * scale + zero;
    }
    if (k === N_RANDOM) {
      iseed = (iseed + 1) % N_RANDOM;
      k = startIndex(iseed);
    }
  }
}

export interface QuantizeParams {
  method: Exclude<QuantizeMethod, "NONE">;
  /** ZSCALE to write for the tile (> 0). */
  scale: number;
  /** ZZERO to write for the tile. */
  zero: number;
  /** Integer written for NaN pixels (default −2147483647, which must then be written as ZBLANK). */
  zblank?: number;
  /** 0-based tile index. */
  tileIndex: number;
  /** ZDITHER0 (1..10000; default 1). */
  zdither0?: number;
}

/** Rounds half away from zero (CFITSIO's NINT). */
function roundHalfAway(x: number): number {
  return x >= 0 ? Math.trunc(x + 0.5) : Math.trunc(x - 0.5);
}

/**
 * Quantizes one tile of floats with a given scale and zero (the inverse of `dequantize`): integers land in
 * `out` (same length as `values`). NaN pixels become `zblank`; with SUBTRACTIVE_DITHER_2 pixels equal to
 * 0.0 become −2147483646 so they decode exactly. Throws `InvalidArgumentError` when a scaled value does
 * not fit a 32-bit integer clear of the reserved null/zero codes (choose a larger scale).
 */
export function quantize(values: ArrayLike<number>, out: Int32Array, params: QuantizeParams): void {
  const n = values.length;
  if (out.length < n) throw new RangeError(`quantize: output holds ${out.length} values, need ${n}`);
  const { scale, zero } = params;
  if (!(scale > 0) || !Number.isFinite(scale) || !Number.isFinite(zero)) {
    throw new InvalidArgumentError(`quantize: invalid scale ${scale} or zero ${zero}`);
  }
  const blank = params.zblank ?? DEFAULT_QUANTIZED_NULL;
  const dithered = isDithered(params.method);
  const dither2 = params.method === "SUBTRACTIVE_DITHER_2";
  // Keep clear of the reserved codes at the bottom of the int32 range.
  const lo = -2147483645;
  const hi = 2147483647;
  let iseed = dithered ? firstSeed(params.tileIndex, params.zdither0 ?? 1) : 0;
  let k = dithered ? startIndex(iseed) : 0;
  for (let i = 0; i < n; i++) {
    const x = values[i]!;
    let q: number;
    if (Number.isNaN(x)) q = blank;
    else if (dither2 && x === 0) q = DITHER2_ZERO_VALUE;
    else {
      const scaled = dithered ? (x - zero) / scale + DITHER_RANDOMS[k]! - 0.5 : (x - zero) / scale;
      q = roundHalfAway(scaled);
      if (!(q >= lo && q <= hi)) {
        throw new InvalidArgumentError(`quantize: pixel ${i} (${x}) is out of range for scale ${scale}`);
      }
    }
    out[i] = q;
    if (dithered && ++k === N_RANDOM) {
      iseed = (iseed + 1) % N_RANDOM;
      k = startIndex(iseed);
    }
  }
}
