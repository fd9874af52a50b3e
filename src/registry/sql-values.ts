/*
 * Conversions of values read back from either engine. Dialects hand integers back as numbers when
 * they are safe integers and as bigints beyond that; booleans may come back as 0/1; bytes as Buffers.
 */

/** A column value as a JS number (ids, dimension values). */
export function toNumber(value: unknown): number {
  if (typeof value === "number") return value;
  if (typeof value === "bigint") return Number(value);
  if (typeof value === "string") return Number(value);
  throw new TypeError(`expected an integer column value, got ${typeof value}`);
}

/** A 64-bit column value (TAI nanoseconds) as a bigint. */
export function toBigInt(value: unknown): bigint {
  if (typeof value === "bigint") return value;
  if (typeof value === "number") return BigInt(value);
  if (typeof value === "string") return BigInt(value);
  throw new TypeError(`expected a 64-bit integer column value, got ${typeof value}`);
}

export function toBool(value: unknown): boolean {
  return value === true || value === 1 || value === 1n || value === "1" || value === "t" || value === "true";
}

/** Bytes as a plain Uint8Array (not a driver's Buffer), so comparisons and equality are uniform. */
export function toBytes(value: unknown): Uint8Array {
  if (value instanceof Uint8Array) return new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
  throw new TypeError(`expected a bytes column value, got ${typeof value}`);
}

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Whether two column values (as bound or as read back) are the same. */
export function columnValuesEqual(a: unknown, b: unknown): boolean {
  if (a === null || a === undefined) return b === null || b === undefined;
  if (b === null || b === undefined) return false;
  if (a instanceof Uint8Array || b instanceof Uint8Array) {
    return a instanceof Uint8Array && b instanceof Uint8Array && bytesEqual(a, b);
  }
  if (typeof a === "boolean" || typeof b === "boolean") return toBool(a) === toBool(b);
  if (typeof a === "bigint" || typeof b === "bigint") {
    try {
      return toBigInt(a) === toBigInt(b);
    } catch {
      return false;
    }
  }
  return a === b;
}

/** Splits an array into slices of at most `size`. */
export function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
