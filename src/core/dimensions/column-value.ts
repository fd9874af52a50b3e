import type { ColumnType } from "./column-spec.ts";

/** A primary key value in a data ID: ints are safe-integer numbers, strings are strings. */
export type DataIdValue = number | string;

/**
 * The value in the form a column of this type stores, or undefined when the value has the wrong
 * type: ints are safe integers (bigints in range are converted), floats finite numbers, hashes bytes.
 */
export function normalizeColumnValue(
  type: ColumnType,
  value: unknown,
): number | string | boolean | Uint8Array | undefined {
  switch (type) {
    case "int":
      if (typeof value === "number") return Number.isSafeInteger(value) ? value : undefined;
      if (typeof value === "bigint") {
        return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER)
          ? Number(value)
          : undefined;
      }
      return undefined;
    case "float":
      return typeof value === "number" && Number.isFinite(value) ? value : undefined;
    case "string":
      return typeof value === "string" ? value : undefined;
    case "bool":
      return typeof value === "boolean" ? value : undefined;
    case "hash":
      return value instanceof Uint8Array ? value : undefined;
  }
}

/** A value for messages: strings quoted, bytes as a length. */
export function showValue(value: unknown): string {
  if (value instanceof Uint8Array) return `<${value.length} bytes>`;
  if (typeof value === "bigint") return `${value}n`;
  if (typeof value === "string") return JSON.stringify(value);
  return String(value);
}
