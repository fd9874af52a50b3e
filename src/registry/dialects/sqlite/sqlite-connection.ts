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
  /** The file opened (`:memory:` or empty for a database in memory). */
  readonly name?: string;
  /** Whether the database lives in memory only. */
  readonly memory?: boolean;
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
  readonly #mapError: (err: unknown) => unknown;
  #closed = false;

  /** `mapError` turns a driver error into the error to throw (see `sqlite-errors.ts`). */
  constructor(db: BetterSqliteDatabase, mapError: (err: unknown) => unknown = (err) => err) {
    this.#db = db;
    this.#mapError = mapError;
  }

  get raw(): BetterSqliteDatabase {
    return this.#db;
  }

  prepare(sql: string): SqliteStatement {
    let stmt = this.#cache.get(sql);
    if (stmt === undefined) {
      const prepare = () => {
        try {
          return this.#db.prepare(sql);
        } catch (err) {
          throw this.#mapError(err);
        }
      };
      stmt = new CachedStatement(prepare(), prepare, this.#mapError);
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

/** A prepared statement reused by SQL text; every driver error leaves it through `mapError`. */
class CachedStatement implements SqliteStatement {
  readonly #stmt: BetterSqliteStatement;
  readonly #fresh: () => BetterSqliteStatement;
  readonly #mapError: (err: unknown) => unknown;

  constructor(
    stmt: BetterSqliteStatement,
    fresh: () => BetterSqliteStatement,
    mapError: (err: unknown) => unknown,
  ) {
    this.#stmt = stmt.reader ? stmt.safeIntegers(true) : stmt;
    this.#fresh = fresh;
    this.#mapError = mapError;
  }

  get reader(): boolean {
    return this.#stmt.reader;
  }

  all(parameters: ReadonlyArray<unknown>): unknown[] {
    let rows: Record<string, unknown>[];
    try {
      rows = this.#stmt.all(bindable(parameters)) as Record<string, unknown>[];
    } catch (err) {
      throw this.#mapError(err);
    }
    for (const row of rows) normalizeRow(row);
    return rows;
  }

  run(parameters: ReadonlyArray<unknown>): { changes: number | bigint; lastInsertRowid: number | bigint } {
    try {
      return this.#stmt.run(bindable(parameters));
    } catch (err) {
      throw this.#mapError(err);
    }
  }

  *iterate(parameters: ReadonlyArray<unknown>): IterableIterator<unknown> {
    // A cached statement cannot serve two iterations at once, so streaming uses its own.
    const stmt = this.#fresh().safeIntegers(true);
    const rows = stmt.iterate(bindable(parameters)) as Iterator<Record<string, unknown>>;
    try {
      for (;;) {
        let step: IteratorResult<Record<string, unknown>>;
        try {
          step = rows.next();
        } catch (err) {
          throw this.#mapError(err);
        }
        if (step.done) return;
        yield normalizeRow(step.value);
      }
    } finally {
      // Stopped early: reset the statement, or its connection stays busy.
      rows.return?.();
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
