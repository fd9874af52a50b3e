/**
 * Values out of the objects a component read returns, for tables: header keys of `metadata`, dotted
 * field paths of anything else (`boresightRaDec.ra`, `crval`), each made a printable cell.
 */
import { Header } from "../fits/header.ts";
import type { Row } from "./output.ts";

/** The value of `key` in a component object (a header key, or a dotted property path). */
export function componentValue(object: unknown, key: string): unknown {
  if (object instanceof Header) return object.get(key) ?? object.get(key.toUpperCase());
  let value: unknown = object;
  for (const part of key.split(".")) {
    if (value === null || value === undefined || typeof value !== "object") return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}

/** A printable cell: scalars as they are, bigints and objects with their own text as text. */
export function printable(value: unknown): Row[string] {
  if (value === null || value === undefined) return null;
  if (typeof value === "string" || typeof value === "number" || typeof value === "boolean") return value;
  if (typeof value === "bigint") return value.toString();
  if (Array.isArray(value)) return JSON.stringify(value);
  const text = String(value);
  return text === "[object Object]"
    ? JSON.stringify(value, (_k, v) => (typeof v === "bigint" ? v.toString() : v))
    : text;
}

/** The keys a component object offers by default: a header's keys, or an object's scalar fields. */
export function defaultKeys(object: unknown): string[] {
  if (object instanceof Header)
    return [
      ...new Set(
        [...object].map((card) => card.key).filter((k) => k !== "" && k !== "COMMENT" && k !== "HISTORY"),
      ),
    ];
  if (object === null || typeof object !== "object") return [];
  return Object.entries(object)
    .filter(([, v]) => v !== undefined && typeof v !== "function")
    .map(([k]) => k);
}
