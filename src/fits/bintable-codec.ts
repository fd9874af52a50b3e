/**
 * Element-level codec of binary tables (FITS 4.0 §7.3.3): big-endian runs of one element type to
 * native typed arrays and back, TSCALn/TZEROn with the unsigned conventions, TNULLn, TDIMn.
 * Byte order is swapped with Buffer's native swap16/32/64 on aligned copies, never element by element.
 */
import { FitsFormatError, type FitsLocation, InvalidArgumentError } from "../errors/index.ts";
import type { ElementCode, FloatArray, IntegerArray, NumericArray, VarCell } from "./bintable-types.ts";
import type { CardValue } from "./card.ts";
import type { Header } from "./header.ts";
import { scaleInto, swapToNative } from "./pixels.ts";
import { ELEMENT_BYTES } from "./tform.ts";

const { P: _descriptor32, Q: _descriptor64, ...FIXED_BYTES } = ELEMENT_BYTES;

/** Bytes per element of each element code (X: bits, see `runBytes`). */
const ELEMENT_WIDTH: Record<ElementCode, number> = { ...FIXED_BYTES, X: 1 };

/** Bytes taken by `count` elements of `code` (bits are packed, 8 to a byte). */
export function runBytes(code: ElementCode, count: number): number {
  return code === "X" ? Math.ceil(count / 8) : count * ELEMENT_WIDTH[code];
}

/** How stored numbers become values. */
export type Conversion =
  | { type: "plain" }
  /** The unsigned conventions (and TZERO = −128 for signed bytes): flip the sign bit, no arithmetic. */
  | { type: "unsigned" }
  /** Physical = stored × scale + zero, as Float64Array. */
  | { type: "linear"; scale: number; zero: number };

/** TZEROn of the unsigned conventions (FITS 4.0 Table 19). */
export const UNSIGNED_ZERO: Partial<Record<ElementCode, bigint>> = {
  B: -128n,
  I: 32768n,
  J: 2147483648n,
  K: 9223372036854775808n,
};

const SCALABLE = new Set<ElementCode>(["B", "I", "J", "K", "E", "D", "C", "M"]);
const INTEGER_CODES = new Set<ElementCode>(["B", "I", "J", "K"]);

export function isIntegerCode(code: ElementCode): boolean {
  return INTEGER_CODES.has(code);
}

/** The conversion TSCALn/TZEROn ask for on elements of `code` (ignored for L, X and A, as the standard says). */
export function conversionOf(
  code: ElementCode,
  tscal: CardValue | undefined,
  tzero: CardValue | undefined,
  where: FitsLocation,
  n: number,
): Conversion {
  if (!SCALABLE.has(code)) return { type: "plain" };
  const scale = numberOf(tscal, `TSCAL${n}`, 1, where);
  const zero = numberOf(tzero, `TZERO${n}`, 0, where);
  const unsigned = UNSIGNED_ZERO[code];
  if (unsigned !== undefined && scale === 1 && equalsBig(tzero, unsigned)) return { type: "unsigned" };
  if (scale === 1 && zero === 0) return { type: "plain" };
  return { type: "linear", scale, zero };
}

function equalsBig(value: CardValue | undefined, expected: bigint): boolean {
  if (typeof value === "bigint") return value === expected;
  // 9223372036854775808 written as a float (9.223372036854775808E18) is the same number.
  return typeof value === "number" && Number.isInteger(value) && BigInt(value) === expected;
}

function numberOf(value: CardValue | undefined, key: string, fallback: number, where: FitsLocation): number {
  if (value === undefined || value === null) return fallback;
  if (typeof value === "number") return value;
  if (typeof value === "bigint") return Number(value);
  throw new FitsFormatError(`${key} must be a number, found ${JSON.stringify(value)}`, where);
}

/** TNULLn of an integer column, or undefined. */
export function tnullOf(header: Header, n: number, code: ElementCode): number | bigint | undefined {
  if (!isIntegerCode(code)) return undefined;
  const value = header.get(`TNULL${n}`);
  return typeof value === "number" && Number.isInteger(value)
    ? value
    : typeof value === "bigint"
      ? value
      : undefined;
}

/** TDIMn parsed (`(8,4)` → [8, 4]), or undefined when absent. */
export function parseTdim(text: string | undefined, where: FitsLocation, n: number): number[] | undefined {
  if (text === undefined) return undefined;
  const match = /^\s*\(([\d\s,]+)\)\s*$/.exec(text);
  const dims = match?.[1]?.split(",").map((s) => Number(s.trim()));
  if (dims === undefined || dims.some((d) => !Number.isSafeInteger(d) || d < 0)) {
    throw new FitsFormatError(`TDIM${n} = '${text}' is not of the form (n1,n2,...)`, where);
  }
  return dims;
}

type IntegerCtor = new (buffer: ArrayBuffer, byteOffset: number, length: number) => IntegerArray;
type FloatCtor = new (buffer: ArrayBuffer, byteOffset: number, length: number) => FloatArray;

const PLAIN_ARRAY: Record<"B" | "I" | "J" | "K" | "E" | "D", IntegerCtor | FloatCtor> = {
  B: Uint8Array,
  I: Int16Array,
  J: Int32Array,
  K: BigInt64Array,
  E: Float32Array,
  D: Float64Array,
};

const UNSIGNED_ARRAY: Record<"B" | "I" | "J" | "K", IntegerCtor> = {
  B: Int8Array,
  I: Uint16Array,
  J: Uint32Array,
  K: BigUint64Array,
};

/** Flips the most significant bit of every big-endian `width`-byte integer: stored ↔ unsigned. */
export function flipSignBits(bytes: Uint8Array, width: number): void {
  for (let i = 0; i < bytes.length; i += width) bytes[i]! ^= 0x80;
}

/**
 * Decodes `count` numeric elements of `code` (B I J K E D, or C/M as 2 × count floats) from `bytes`,
 * which the caller owns: they are swapped in place and viewed, so they must start at a multiple of the
 * element width within their buffer (fresh copies do).
 */
export function decodeNumbers(
  code: "B" | "I" | "J" | "K" | "E" | "D" | "C" | "M",
  bytes: Uint8Array,
  count: number,
  conversion: Conversion,
  tnull?: number | bigint,
): NumericArray {
  const isComplex = code === "C" || code === "M";
  const part = code === "C" ? "E" : code === "M" ? "D" : code;
  const width = ELEMENT_WIDTH[part];
  const elements = isComplex ? count * 2 : count;
  if (conversion.type === "unsigned" && part in UNSIGNED_ARRAY) {
    flipSignBits(bytes, width);
    swapToNative(bytes, width);
    const Ctor = UNSIGNED_ARRAY[part as keyof typeof UNSIGNED_ARRAY];
    return new Ctor(bytes.buffer as ArrayBuffer, bytes.byteOffset, elements);
  }
  swapToNative(bytes, width);
  const stored = new PLAIN_ARRAY[part](bytes.buffer as ArrayBuffer, bytes.byteOffset, elements);
  if (conversion.type !== "linear") return stored;
  return scaleInto(stored, new Float64Array(stored.length), conversion.scale, conversion.zero, tnull);
}

/**
 * 1 where a decoded integer element equals TNULLn. Unsigned columns hold stored + TZERO, so the
 * stored null is shifted the same way before comparing.
 */
export function nullMaskOf(
  values: IntegerArray,
  code: ElementCode,
  conversion: Conversion,
  tnull: number | bigint,
): Uint8Array {
  const mask = new Uint8Array(values.length);
  let target = BigInt(tnull);
  if (conversion.type === "unsigned") {
    const bits = BigInt(ELEMENT_WIDTH[code] * 8);
    target = BigInt.asUintN(Number(bits), target + UNSIGNED_ZERO[code]!);
    if (code === "B") target = BigInt.asIntN(8, target);
  }
  if (values instanceof BigInt64Array || values instanceof BigUint64Array) {
    for (let i = 0; i < values.length; i++) if (values[i] === target) mask[i] = 1;
    return mask;
  }
  const t = Number(target);
  const numbers = values as Exclude<IntegerArray, BigInt64Array | BigUint64Array>;
  for (let i = 0; i < numbers.length; i++) if (numbers[i] === t) mask[i] = 1;
  return mask;
}

const T = 0x54;
const F = 0x46;

/** `T`/`F`/other bytes to true/false/null, into `out[at..]` (a new array when `out` is not given). */
export function decodeLogicals(
  bytes: Uint8Array,
  start: number,
  count: number,
  out: (boolean | null)[] = new Array<boolean | null>(count),
  at = 0,
): (boolean | null)[] {
  for (let i = 0; i < count; i++) {
    const b = bytes[start + i];
    out[at + i] = b === T ? true : b === F ? false : null;
  }
  return out;
}

/** Unpacks `count` bits from `start`, most significant bit first, into 0/1 bytes at `out[at..]`. */
export function unpackBits(
  bytes: Uint8Array,
  start: number,
  count: number,
  out: Uint8Array,
  at: number,
): void {
  for (let i = 0; i < count; i++) out[at + i] = (bytes[start + (i >> 3)]! >> (7 - (i & 7))) & 1;
}

/** The characters of `[start, end)` up to the first NUL, trailing blanks removed (FITS 4.0 §7.3.3.1). */
export function decodeString(bytes: Buffer, start: number, end: number): string {
  let stop = bytes.indexOf(0, start);
  if (stop < 0 || stop > end) stop = end;
  while (stop > start && bytes[stop - 1] === 0x20) stop--;
  return bytes.toString("latin1", start, stop);
}

/** A Buffer view of `bytes` (no copy). */
export function asBuffer(bytes: Uint8Array): Buffer {
  if (Buffer.isBuffer(bytes)) return bytes;
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/**
 * Decodes one heap array of `count` elements of `code` from `bytes[start..]`. Numeric elements are
 * copied first, so the source buffer is left untouched and the result is aligned.
 */
export function decodeCell(
  code: ElementCode,
  bytes: Uint8Array,
  start: number,
  count: number,
  conversion: Conversion,
  tnull?: number | bigint,
): VarCell {
  switch (code) {
    case "A":
      return decodeString(asBuffer(bytes), start, start + count);
    case "L":
      return decodeLogicals(bytes, start, count);
    case "X": {
      const out = new Uint8Array(count);
      unpackBits(bytes, start, count, out, 0);
      return out;
    }
    default: {
      // Uint8Array's slice copies into a fresh, aligned buffer (a Buffer's slice would be a view).
      const copy = Uint8Array.prototype.slice.call(bytes, start, start + runBytes(code, count));
      return decodeNumbers(code, copy, count, conversion, tnull);
    }
  }
}

// ---------------------------------------------------------------------------------------------------
// Encoding

type Numeric = number | bigint;

const INTEGER_RANGE: Record<"B" | "I" | "J", [number, number]> = {
  B: [0, 255],
  I: [-32768, 32767],
  J: [-2147483648, 2147483647],
};

/** The stored-type typed array constructor for code `code` (no conversions). */
function storedArrayOf(code: "B" | "I" | "J" | "K" | "E" | "D", length: number): NumericArray {
  switch (code) {
    case "B":
      return new Uint8Array(length);
    case "I":
      return new Int16Array(length);
    case "J":
      return new Int32Array(length);
    case "K":
      return new BigInt64Array(length);
    case "E":
      return new Float32Array(length);
    default:
      return new Float64Array(length);
  }
}

/** The native bytes of `array` copied, swapped to big-endian. */
function bigEndianCopy(array: NumericArray, width: number): Uint8Array {
  const out = new Uint8Array(array.byteLength);
  out.set(new Uint8Array(array.buffer, array.byteOffset, array.byteLength));
  swapToNative(out, width);
  return out;
}

/** The typed array that stores values of `code` through the unsigned convention. */
export function unsignedArrayCode(values: unknown): "B" | "I" | "J" | "K" | undefined {
  if (values instanceof Int8Array) return "B";
  if (values instanceof Uint16Array) return "I";
  if (values instanceof Uint32Array) return "J";
  if (values instanceof BigUint64Array) return "K";
  return undefined;
}

/**
 * Big-endian bytes of numeric values to be stored as `code` (C/M: interleaved re, im). With the
 * unsigned conversion the values are unsigned numbers (any array); with linear scaling they are
 * physical numbers, stored as round((v − zero) / scale) for integers, NaN becoming `tnull`.
 */
export function encodeNumbers(
  code: "B" | "I" | "J" | "K" | "E" | "D" | "C" | "M",
  values: ArrayLike<Numeric>,
  conversion: Conversion,
  what: string,
  tnull?: number | bigint,
): Uint8Array {
  const part = code === "C" ? "E" : code === "M" ? "D" : code;
  const width = ELEMENT_WIDTH[part];
  const n = values.length;
  if (conversion.type === "unsigned") {
    const unsignedCode = part as "B" | "I" | "J" | "K";
    // Fast path: the matching unsigned typed array only needs a byte swap and a sign-bit flip.
    if (unsignedArrayCode(values) === unsignedCode) {
      const out = bigEndianCopy(values as unknown as NumericArray, width);
      flipSignBits(out, width);
      return out;
    }
    const offset = UNSIGNED_ZERO[unsignedCode]!;
    const stored = storedArrayOf(unsignedCode, n);
    for (let i = 0; i < n; i++) {
      const v = toBigInt(values[i]!, what) - offset;
      setInteger(stored, i, v, unsignedCode, what);
    }
    return bigEndianCopy(stored, width);
  }
  const stored = storedArrayOf(part, n);
  if (conversion.type === "linear") {
    const { scale, zero } = conversion;
    for (let i = 0; i < n; i++) {
      const v = Number(values[i]!);
      if (part === "E" || part === "D") {
        (stored as FloatArray)[i] = (v - zero) / scale;
      } else if (Number.isNaN(v)) {
        if (tnull === undefined) throw new InvalidArgumentError(`${what}: NaN needs a tnull to be stored`);
        setInteger(stored, i, BigInt(tnull), part, what);
      } else {
        setInteger(stored, i, BigInt(Math.round((v - zero) / scale)), part, what);
      }
    }
    return bigEndianCopy(stored, width);
  }
  if (stored.constructor === (values as object).constructor) {
    return bigEndianCopy(values as unknown as NumericArray, width);
  }
  if (part === "E" || part === "D") {
    const floats = stored as FloatArray;
    for (let i = 0; i < n; i++) floats[i] = Number(values[i]!);
  } else if (part === "K") {
    const ints = stored as BigInt64Array;
    for (let i = 0; i < n; i++) {
      const v = toBigInt(values[i]!, what);
      if (v !== BigInt.asIntN(64, v)) throw new InvalidArgumentError(`${what}: ${v} does not fit in 64 bits`);
      ints[i] = v;
    }
  } else {
    const [lo, hi] = INTEGER_RANGE[part];
    const ints = stored as Uint8Array | Int16Array | Int32Array;
    for (let i = 0; i < n; i++) {
      const v = Number(values[i]!);
      if (!Number.isInteger(v) || v < lo || v > hi) {
        throw new InvalidArgumentError(
          `${what}: ${values[i]} is not an integer in ${lo}..${hi} (TFORM ${part})`,
        );
      }
      ints[i] = v;
    }
  }
  return bigEndianCopy(stored, width);
}

function toBigInt(value: Numeric, what: string): bigint {
  if (typeof value === "bigint") return value;
  if (!Number.isInteger(value)) throw new InvalidArgumentError(`${what}: ${value} is not an integer`);
  return BigInt(value);
}

function setInteger(
  stored: NumericArray,
  i: number,
  v: bigint,
  code: "B" | "I" | "J" | "K",
  what: string,
): void {
  if (code === "K") {
    if (v !== BigInt.asIntN(64, v)) throw new InvalidArgumentError(`${what}: ${v} does not fit in TFORM K`);
    (stored as BigInt64Array)[i] = v;
    return;
  }
  const [lo, hi] = INTEGER_RANGE[code];
  const n = Number(v);
  if (n < lo || n > hi) throw new InvalidArgumentError(`${what}: stored value ${n} is outside ${lo}..${hi}`);
  (stored as Uint8Array | Int16Array | Int32Array)[i] = n;
}

/** `T`/`F`/NUL bytes for logicals (null and undefined → NUL). */
export function encodeLogicals(values: ArrayLike<boolean | null | undefined>): Uint8Array {
  const out = new Uint8Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    out[i] = v === true ? T : v === false ? F : 0;
  }
  return out;
}

/** Packs `count` truthy/falsy values from `values[from..]` into `out[at..]`, most significant bit first. */
export function packBits(
  values: ArrayLike<number | boolean>,
  from: number,
  count: number,
  out: Uint8Array,
  at: number,
): void {
  for (let i = 0; i < count; i++) {
    if (values[from + i]) out[at + (i >> 3)]! |= 0x80 >> (i & 7);
  }
}

/** Writes `text` as FITS characters (printable ASCII) into `out[at..at+width)`, blank-padded. */
export function writeString(text: string, out: Uint8Array, at: number, width: number, what: string): void {
  if (text.length > width) {
    throw new InvalidArgumentError(`${what}: '${text}' is longer than the column's ${width} characters`);
  }
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 32 || c > 126) {
      throw new InvalidArgumentError(
        `${what}: FITS strings hold printable ASCII; code ${c} at ${i} of '${text}'`,
      );
    }
    out[at + i] = c;
  }
  out.fill(0x20, at + text.length, at + width);
}
