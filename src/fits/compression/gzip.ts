/**
 * GZIP_1 / GZIP_2 tile codecs (FITS 4.0 §10.4).
 *
 * A GZIP_1 tile is one gzip stream of the tile's big-endian pixel bytes. GZIP_2 shuffles the bytes first:
 * for N pixels of n bytes the stream holds the N most-significant bytes, then the N next bytes, and so on,
 * which makes slowly varying values compress much better. Inflating uses `node:zlib` with an output cap so
 * a corrupt or hostile tile cannot allocate more than the tile's size.
 */
import { gzipSync, unzipSync } from "node:zlib";
import { FitsFormatError } from "../../errors/index.ts";

export interface GunzipTileOptions {
  /**
   * Accept a tile that inflates to fewer than `expectedBytes` (some writers store e.g. 16-bit values for
   * a 32-bit tile, or a short last tile); the caller then interprets the shorter payload. Default: false,
   * a length mismatch is a `FitsFormatError`.
   */
  allowShort?: boolean;
}

/**
 * Inflates one gzip (or zlib) compressed tile that should hold exactly `expectedBytes` bytes.
 * Never produces more than `expectedBytes` bytes: larger payloads, corrupt streams and (unless
 * `allowShort`) short payloads throw `FitsFormatError`.
 */
export function gunzipTile(
  input: Uint8Array,
  expectedBytes: number,
  options: GunzipTileOptions = {},
): Uint8Array {
  if (!Number.isInteger(expectedBytes) || expectedBytes < 0) {
    throw new FitsFormatError(`GZIP tile: invalid expected size ${expectedBytes}`);
  }
  if (input.length === 0) {
    throw new FitsFormatError("GZIP tile: empty compressed tile");
  }
  let out: Buffer;
  try {
    // maxOutputLength must be ≥ 1; one spare byte lets "too long" be told apart from "exactly right".
    // An output buffer of that size (zlib's minimum is 64) instead of the default 16 KiB: one
    // allocation of the tile's size rather than a larger one per tile.
    const limit = expectedBytes + 1;
    out = unzipSync(input, { maxOutputLength: limit, chunkSize: Math.max(64, limit) });
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code === "ERR_BUFFER_TOO_LARGE") {
      throw new FitsFormatError(
        `GZIP tile inflates to more than the expected ${expectedBytes} bytes`,
        {},
        {
          cause: err,
        },
      );
    }
    throw new FitsFormatError(`GZIP tile is corrupt: ${(err as Error).message}`, {}, { cause: err });
  }
  if (out.length > expectedBytes) {
    throw new FitsFormatError(`GZIP tile inflates to more than the expected ${expectedBytes} bytes`);
  }
  if (out.length < expectedBytes && !options.allowShort) {
    throw new FitsFormatError(`GZIP tile inflates to ${out.length} bytes, expected ${expectedBytes}`);
  }
  return new Uint8Array(out.buffer, out.byteOffset, out.length);
}

function checkElementSize(length: number, elementSize: number, what: string): void {
  if (!Number.isInteger(elementSize) || elementSize < 1) {
    throw new FitsFormatError(`${what}: invalid element size ${elementSize}`);
  }
  if (length % elementSize !== 0) {
    throw new FitsFormatError(`${what}: ${length} bytes is not a whole number of ${elementSize}-byte values`);
  }
}

/**
 * Undoes the GZIP_2 byte shuffle: `out[i * n + b] = input[b * N + i]` for N values of n bytes.
 * Writes into `out` when given (same length as `input`) and returns it.
 */
export function unshuffleBytes(input: Uint8Array, elementSize: number, out?: Uint8Array): Uint8Array {
  checkElementSize(input.length, elementSize, "GZIP_2 unshuffle");
  const result = out ?? new Uint8Array(input.length);
  if (result === input) throw new RangeError("unshuffleBytes cannot work in place");
  if (result.length < input.length) throw new RangeError("unshuffleBytes: output too small");
  if (elementSize === 1) {
    result.set(input);
    return result;
  }
  const count = input.length / elementSize;
  for (let b = 0; b < elementSize; b++) {
    const plane = b * count;
    for (let i = 0, o = b; i < count; i++, o += elementSize) result[o] = input[plane + i]!;
  }
  return result;
}

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * Undoes the GZIP_2 shuffle and the big-endian order in one pass: the result holds the values in
 * native byte order, ready to view as a typed array. `flipSign` adds 2^(8n−1) to every value (the
 * FITS unsigned-integer conventions). One fused loop over whole words is several times faster than
 * unshuffling byte by byte and swapping afterwards.
 */
export function unshuffleToNative(
  input: Uint8Array,
  elementSize: number,
  flipSign = false,
  target?: Uint8Array,
): Uint8Array {
  checkElementSize(input.length, elementSize, "GZIP_2 unshuffle");
  const count = input.length / elementSize;
  if (target !== undefined && target.length !== input.length)
    throw new RangeError("unshuffleToNative: target size");
  // Typed-array views below need an aligned start; an unaligned target gets a copy at the end.
  const aligned = target !== undefined && target.byteOffset % elementSize === 0;
  const out = aligned ? target : new Uint8Array(input.length);
  const sign = flipSign ? 0x80 : 0;
  if (!LITTLE_ENDIAN || elementSize === 1 || elementSize === 8) {
    unshuffleBytes(input, elementSize, out);
    for (let i = 0; sign !== 0 && i < out.length; i += elementSize) out[i]! ^= sign;
    if (LITTLE_ENDIAN && elementSize === 8) Buffer.from(out.buffer, out.byteOffset, out.length).swap64();
    return finish(out, target);
  }
  // The byte planes are read by offset rather than through subarrays: no view objects per tile.
  if (elementSize === 2) {
    const o16 = new Uint16Array(out.buffer, out.byteOffset, count);
    for (let i = 0; i < count; i++) o16[i] = ((input[i]! ^ sign) << 8) | input[count + i]!;
    return finish(out, target);
  }
  const o32 = new Int32Array(out.buffer, out.byteOffset, count);
  const c2 = 2 * count;
  const c3 = 3 * count;
  for (let i = 0; i < count; i++) {
    o32[i] = ((input[i]! ^ sign) << 24) | (input[count + i]! << 16) | (input[c2 + i]! << 8) | input[c3 + i]!;
  }
  return finish(out, target);
}

/** Native-order words of a whole image, written tile by tile by `unshuffleInto`. */
export type NativeWords = Uint8Array | Uint16Array | Int32Array;

/** A view of `bytes` (aligned to `elementSize`) as the words `unshuffleInto` writes. */
export function nativeWords(bytes: Uint8Array, elementSize: 1 | 2 | 4): NativeWords {
  const count = bytes.byteLength / elementSize;
  if (elementSize === 2) return new Uint16Array(bytes.buffer, bytes.byteOffset, count);
  if (elementSize === 4) return new Int32Array(bytes.buffer, bytes.byteOffset, count);
  return bytes;
}

/**
 * `unshuffleToNative` of one tile straight into a larger array: `input` holds the GZIP_2 byte planes
 * of `input.length / n` values, which land in `out` from element `at`, where `out` is a `nativeWords`
 * view of width n (1, 2 or 4). Creates no views, so a whole image's tiles cost no allocations.
 */
export function unshuffleInto(input: Uint8Array, out: NativeWords, at: number, flipSign = false): void {
  const n = out.BYTES_PER_ELEMENT;
  checkElementSize(input.length, n, "GZIP_2 unshuffle");
  const count = input.length / n;
  if (at < 0 || at + count > out.length) throw new RangeError("unshuffleInto: target range");
  const sign = flipSign ? 0x80 : 0;
  if (n === 1) {
    for (let i = 0; i < count; i++) out[at + i] = input[i]! ^ sign;
  } else if (!LITTLE_ENDIAN) {
    // Big-endian hosts: the bytes of each value are in file order already.
    const bytes = new Uint8Array(out.buffer, out.byteOffset + at * n, count * n);
    unshuffleBytes(input, n, bytes);
    for (let i = 0; sign !== 0 && i < bytes.length; i += n) bytes[i]! ^= sign;
  } else if (n === 2) {
    for (let i = 0; i < count; i++) out[at + i] = ((input[i]! ^ sign) << 8) | input[count + i]!;
  } else {
    const c2 = 2 * count;
    const c3 = 3 * count;
    for (let i = 0; i < count; i++) {
      out[at + i] =
        ((input[i]! ^ sign) << 24) | (input[count + i]! << 16) | (input[c2 + i]! << 8) | input[c3 + i]!;
    }
  }
}

function finish(out: Uint8Array, target: Uint8Array | undefined): Uint8Array {
  if (target === undefined || target === out) return out;
  target.set(out);
  return target;
}

/** The GZIP_2 byte shuffle (inverse of `unshuffleBytes`): `out[b * N + i] = input[i * n + b]`. */
export function shuffleBytes(input: Uint8Array, elementSize: number, out?: Uint8Array): Uint8Array {
  checkElementSize(input.length, elementSize, "GZIP_2 shuffle");
  const result = out ?? new Uint8Array(input.length);
  if (result === input) throw new RangeError("shuffleBytes cannot work in place");
  if (result.length < input.length) throw new RangeError("shuffleBytes: output too small");
  if (elementSize === 1) {
    result.set(input);
    return result;
  }
  const count = input.length / elementSize;
  for (let b = 0; b < elementSize; b++) {
    const plane = b * count;
    for (let i = 0, s = b; i < count; i++, s += elementSize) result[plane + i] = input[s]!;
  }
  return result;
}

export interface GzipTileOptions {
  /** GZIP_2: shuffle bytes of values this wide before compressing. Omit (or 1) for GZIP_1. */
  shuffleElementSize?: number;
  /** zlib level 1..9 (default 6, like CFITSIO/fpack). */
  level?: number;
}

/** Compresses one tile's big-endian pixel bytes as a GZIP_1 (or, with `shuffleElementSize`, GZIP_2) tile. */
export function gzipTile(bytes: Uint8Array, options: GzipTileOptions = {}): Uint8Array {
  const n = options.shuffleElementSize ?? 1;
  const payload = n > 1 ? shuffleBytes(bytes, n) : bytes;
  const out = gzipSync(payload, { level: options.level ?? 6 });
  return new Uint8Array(out.buffer, out.byteOffset, out.length);
}
