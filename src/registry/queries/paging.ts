/**
 * Limit and offset: the SQL clause when the database applies them, the slice when code must (after an
 * exact region test, or across several dataset types).
 */
import { type RawBuilder, sql } from "kysely";
import { InvalidQueryError } from "../../errors/index.ts";
import type { QueryOptions } from "./query-options.ts";

/** LIMIT for "no limit" with an OFFSET (some engines need a LIMIT; any bigint is accepted). */
const NO_LIMIT = 9_223_372_036_854_775_807n;

export function limitClause(options: QueryOptions): RawBuilder<unknown> {
  const limit = options.limit ?? NO_LIMIT;
  const offset = options.offset ?? 0;
  checkCount("limit", limit);
  checkCount("offset", offset);
  return sql`LIMIT ${limit} OFFSET ${offset}`;
}

function checkCount(name: string, value: number | bigint): void {
  if (typeof value === "bigint" ? value < 0n : !Number.isSafeInteger(value) || value < 0) {
    throw new InvalidQueryError(`${name} must be a non-negative integer, got ${value}`);
  }
}

export function sliceResults<T>(items: T[], options: QueryOptions): T[] {
  if (options.limit === undefined && options.offset === undefined) return items;
  checkCount("limit", options.limit ?? 0);
  checkCount("offset", options.offset ?? 0);
  const start = options.offset ?? 0;
  return items.slice(start, options.limit === undefined ? undefined : start + options.limit);
}
