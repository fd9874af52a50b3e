import type { SqliteDatabase, SqliteStatement } from "kysely";

/** The slice of a better-sqlite3 statement the registry calls. */
export interface BetterSqliteStatement {
  readonly reader: boolean;
  all(...params: unknown[]): unknown[];
  run(...params: unknown[]): { changes: number | bigint; lastInsertRowid: number | bigint };
  iterate(...params: unknown[]): IterableIterator<unknown>;
  safeIntegers(toggle?: boolean): this;
}

/** The slice of a better-sqlite3 database the registry calls. */
export interface BetterSqliteDatabase {
  prepare(sql: string): BetterSqliteStatement;
  pragma(source: string, options?: { simple?: boolean }): unknown;
  close(): void;
}

const STATEMENT_CACHE_SIZE = 256;

/**
 * Wraps a better-sqlite3 database for Kysely's SQLite driver, adding what the registry needs:
 * - prepared statements are reused by SQL text (a bounded cache), so repeated queries skip parsing;
 * - booleans are bound as 0/1 (better-sqlite3 refuses them);
 * - integers are read as bigints and handed back as numbers when they are safe integers, so 64-bit
 *   values (TAI nanoseconds) never lose precision and ordinary ids stay numbers.
 */
export class SqliteConnection implements SqliteDatabase {
  readonly #db: BetterSqliteDatabase;
  readonly #cache = new Map<string, CachedStatement>();
  #closed = false;

  constructor(db: BetterSqliteDatabase) {
    this.#db = db;
  }

  get raw(): BetterSqliteDatabase {
    return this.#db;
  }

  prepare(sql: string): SqliteStatement {
    let stmt = this.#cache.get(sql);
    if (stmt === undefined) {
      stmt = new CachedStatement(this.#db.prepare(sql), () => this.#db.prepare(sql));
      if (this.#cache.size >= STATEMENT_CACHE_SIZE) {
        const oldest = this.#cache.keys().next().value;
        if (oldest !== undefined) this.#cache.delete(oldest);
      }
      this.#cache.set(sql, stmt);
    }
    return stmt;
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#cache.clear();
    this.#db.close();
  }
}

class CachedStatement implements SqliteStatement {
  readonly #stmt: BetterSqliteStatement;
  readonly #fresh: () => BetterSqliteStatement;

  constructor(stmt: BetterSqliteStatement, fresh: () => BetterSqliteStatement) {
    this.#stmt = stmt.reader ? stmt.safeIntegers(true) : stmt;
    this.#fresh = fresh;
  }

  get reader(): boolean {
    return this.#stmt.reader;
  }

  all(parameters: ReadonlyArray<unknown>): unknown[] {
    const rows = this.#stmt.all(bindable(parameters)) as Record<string, unknown>[];
    for (const row of rows) normalizeRow(row);
    return rows;
  }

  run(parameters: ReadonlyArray<unknown>): { changes: number | bigint; lastInsertRowid: number | bigint } {
    return this.#stmt.run(bindable(parameters));
  }

  *iterate(parameters: ReadonlyArray<unknown>): IterableIterator<unknown> {
    // A cached statement cannot serve two iterations at once, so streaming uses its own.
    const stmt = this.#fresh().safeIntegers(true);
    for (const row of stmt.iterate(bindable(parameters)) as Iterable<Record<string, unknown>>) {
      yield normalizeRow(row);
    }
  }
}

function bindable(parameters: ReadonlyArray<unknown>): unknown[] {
  const out = new Array<unknown>(parameters.length);
  for (let i = 0; i < parameters.length; i++) {
    const value = parameters[i];
    out[i] = typeof value === "boolean" ? (value ? 1 : 0) : value;
  }
  return out;
}

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);
const MIN_SAFE = BigInt(Number.MIN_SAFE_INTEGER);

function normalizeRow(row: Record<string, unknown>): Record<string, unknown> {
  for (const key in row) {
    const value = row[key];
    if (typeof value === "bigint" && value <= MAX_SAFE && value >= MIN_SAFE) row[key] = Number(value);
  }
  return row;
}
