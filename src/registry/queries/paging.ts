/**
 * Limit and offset: the SQL clause when the database applies them, a slicer of pages when code must
 * (after an exact region test, or across several dataset types); and how rows are read, whole or a page
 * at a time from a cursor.
 */
import { type RawBuilder, sql } from "kysely";
import { InvalidQueryError } from "../../errors/index.ts";
import type { RegistryDatabase } from "../database.ts";
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

/** Applies `options`' offset and limit to a sequence that arrives in pages. */
export class PageSlicer {
  #skip: number;
  #left: number;

  constructor(options: QueryOptions) {
    checkCount("limit", options.limit ?? 0);
    checkCount("offset", options.offset ?? 0);
    this.#skip = options.offset ?? 0;
    this.#left = options.limit ?? Number.POSITIVE_INFINITY;
  }

  /** Whether the limit is reached (nothing more will be taken). */
  get done(): boolean {
    return this.#left <= 0;
  }

  /** The part of the next page that is inside the window. */
  take<T>(page: T[]): T[] {
    if (this.#skip === 0 && page.length <= this.#left) {
      this.#left -= page.length;
      return page;
    }
    const start = Math.min(this.#skip, page.length);
    this.#skip -= start;
    const kept = page.slice(start, start + Math.min(this.#left, page.length));
    this.#left -= kept.length;
    return kept;
  }
}

/** How a query's rows are read: all at once, or a page at a time from a cursor. */
export type RowReader = (query: RawBuilder<unknown>) => AsyncIterable<Record<string, unknown>[]>;

/** The reader for `pageSize` rows per page from a cursor; the whole result as one page when absent. */
export function rowReader(database: RegistryDatabase, pageSize?: number): RowReader {
  if (pageSize !== undefined) return (query) => database.pages(query, pageSize);
  return async function* (query) {
    yield await database.rows(query);
  };
}

/** Every item of `pages` in one array (the page itself when there is one). */
export async function collectPages<T>(pages: AsyncIterable<T[]>): Promise<T[]> {
  let out: T[] | undefined;
  let copied = false;
  for await (const page of pages) {
    if (out === undefined) out = page;
    else {
      if (!copied) {
        out = [...out];
        copied = true;
      }
      // A loop, not push(...page): a million arguments overflow the stack.
      for (const item of page) out.push(item);
    }
  }
  return out ?? [];
}
