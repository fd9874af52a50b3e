import { ByteRangeError } from "../errors/index.ts";

/**
 * Rejects offsets and lengths that can never name a range (negative, fractional, NaN, beyond 2^53),
 * so every source and wrapper fails the same way before doing any I/O.
 */
export function checkRange(key: string, offset: number, length: number): void {
  if (!Number.isSafeInteger(offset) || offset < 0) {
    throw new ByteRangeError(key, offset, length, "offset must be a non-negative integer");
  }
  if (!Number.isSafeInteger(length) || length < 0) {
    throw new ByteRangeError(key, offset, length, "length must be a non-negative integer");
  }
  if (!Number.isSafeInteger(offset + length)) {
    throw new ByteRangeError(key, offset, length, "range end is beyond 2^53");
  }
}

/** A range that ends past the object is an error, never a silently short answer. */
export function checkWithinSize(key: string, offset: number, length: number, size: number): void {
  if (offset + length > size) {
    throw new ByteRangeError(key, offset, length, `range ends past the end of the object (size ${size})`);
  }
}
