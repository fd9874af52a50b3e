/**
 * Values and terms the where compiler binds or joins: JavaScript values checked for what every engine
 * accepts (64-bit integers, finite numbers, text without NUL), and long AND/OR joins kept shallow.
 */
import { type RawBuilder, sql } from "kysely";
import { Timespan } from "../../core/index.ts";
import { Box, Circle, ConvexPolygon } from "../../sphgeom/index.ts";
import { timeFromDate } from "../../time/index.ts";
import type { Compiled } from "./where-scope.ts";

/** IN lists longer than this are bound as one parameter (a JSON array), not one parameter per value. */
export const INLINE_IN_LIST_LIMIT = 100;

export const INT64_MIN = -(2n ** 63n);
export const INT64_MAX = 2n ** 63n - 1n;
export const INT64_RANGE = `accepted integers are ${INT64_MIN} to ${INT64_MAX}`;

/** Terms joined flat up to this many; SQLite parses `a AND b AND …` as a tree of depth n (limit 1000). */
const FLAT_JOIN_LIMIT = 64;

/** `terms` joined by `op`, parenthesized in halves when there are many so the SQL stays shallow. */
export function joinBalanced(terms: readonly RawBuilder<unknown>[], op: "AND" | "OR"): RawBuilder<unknown> {
  if (terms.length <= FLAT_JOIN_LIMIT) return sql.join(terms, sql` ${sql.raw(op)} `);
  const middle = terms.length >>> 1;
  return sql`(${joinBalanced(terms.slice(0, middle), op)}) ${sql.raw(op)} (${joinBalanced(terms.slice(middle), op)})`;
}

/**
 * A bound value from JavaScript: numbers, bigints, strings, Dates (as TAI), Timespans and Regions.
 * `invalid` makes the error, given the reason when there is a specific one.
 */
export function bindValue(value: unknown, invalid: (why?: string) => Error): Compiled {
  switch (typeof value) {
    case "number":
      if (!Number.isFinite(value)) throw invalid(`is ${value}; accepted: finite numbers`);
      if (Number.isInteger(value) && !Number.isSafeInteger(value)) {
        // An integral double beyond 2^53 is an integer only if it fits 64 bits; bind it exactly.
        return bindValue(BigInt(value), invalid);
      }
      return {
        kind: "scalar",
        type: Number.isInteger(value) ? "int" : "float",
        sql: sql`${value}`,
        constant: value,
      };
    case "bigint":
      if (value < INT64_MIN || value > INT64_MAX) {
        throw invalid(`is ${value}, outside the 64-bit integer range; ${INT64_RANGE}`);
      }
      return { kind: "scalar", type: "int", sql: sql`${value}`, constant: value };
    case "string":
      if (value.includes("\u0000")) throw invalid("holds a NUL character; accepted: text without NUL");
      return { kind: "scalar", type: "string", sql: sql`${value}`, text: value, constant: value };
    default:
      break;
  }
  if (value instanceof Date) return { kind: "scalar", type: "time", sql: sql`${timeFromDate(value)}` };
  if (value instanceof Timespan)
    return { kind: "timespan", begin: sql`${value.beginNs}`, end: sql`${value.endNs}` };
  if (value instanceof Circle || value instanceof Box || value instanceof ConvexPolygon) {
    return { kind: "region", constant: value };
  }
  throw invalid();
}

export function describeValue(value: unknown): string {
  if (value === null) return "null";
  if (typeof value === "object") return value.constructor?.name ?? "object";
  return typeof value;
}
