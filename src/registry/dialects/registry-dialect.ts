import type { CompiledQuery, Kysely, QueryResult, RawBuilder } from "kysely";

/**
 * The registry's tables are made at run time (one per dimension element, per dimension group of
 * dataset types), so Kysely sees the schema as any table name with any columns.
 */
export type DynamicSchema = Record<string, Record<string, unknown>>;

/**
 * The column kinds the registry schema uses. Each dialect maps them to its own DDL type; the rest of
 * the registry never writes a type name.
 */
export type ColumnKind =
  /** 64-bit integer: dimension ids, TAI nanoseconds, collection ids. */
  | "int64"
  /** Small integer: collection type, chain position. */
  | "int16"
  /** A string of at most `length` characters. */
  | "string"
  /** Unbounded text: documentation, JSON. */
  | "text"
  | "float"
  | "bool"
  /** Bytes: regions (sphgeom encoding), hashes. */
  | "blob"
  /** A UUID in canonical lowercase text form on the way in and out. */
  | "uuid"
  /** A 64-bit integer that is the table's whole primary key, assigned by the database on insert. */
  | "autoincrement";

export interface ColumnTypeSpec {
  readonly kind: ColumnKind;
  /** Maximum length, for `string`. */
  readonly length?: number;
}

/** What an engine can do, for generic code to choose between equivalent SQL forms. */
export interface DialectCapabilities {
  /** `SELECT DISTINCT ON (...)`. */
  readonly supportsDistinctOn: boolean;
  /** `INSERT … RETURNING`. */
  readonly supportsReturning: boolean;
  /** One connection shared by everything (calls are serialized by a mutex). */
  readonly singleConnection: boolean;
  /** CREATE/DROP TABLE roll back with the transaction. */
  readonly transactionalDdl: boolean;
  /** Most bound parameters one statement may carry. */
  readonly maxBindParameters: number;
}

/** Why a statement failed, as far as generic code needs to know. */
export type DatabaseErrorKind = "unique" | "foreignKey" | "notNull" | "busy" | "readOnly" | "other";

/** Where a cursor runs (see `RegistryDialect.pages`). */
export interface PagesContext {
  /** The open transaction's executor, when the caller is in one. */
  readonly tx?: Kysely<DynamicSchema> | undefined;
  /** Aborts when the caller no longer wants the rows. */
  readonly signal?: AbortSignal | undefined;
}

/** A column of a relation built from bound values (see `RegistryDialect.rowsTable`). */
export interface RowsColumn {
  readonly name: string;
  readonly type: ColumnTypeSpec;
}

/**
 * One database engine as the registry sees it: a Kysely instance plus the few things that differ
 * between engines. Everything outside `src/registry/dialects/` talks to the database through this
 * interface and never names an engine.
 */
export interface RegistryDialect {
  /** Short engine name, for messages and logs only; generic code never branches on it. */
  readonly engine: string;
  /** Where the database is, with any password removed. */
  readonly location: string;
  /** The local files a file engine keeps (the database and its journals), so checks can tell them apart. */
  readonly files?: readonly string[];
  readonly kysely: Kysely<DynamicSchema>;
  readonly capabilities: DialectCapabilities;
  /** Whether the connection refuses writes at the database level too. */
  readonly readOnly: boolean;

  /** The DDL type for a column kind. */
  columnType(type: ColumnTypeSpec): RawBuilder<unknown>;
  /** What CREATE TABLE appends for a small table stored by its primary key (may be empty). */
  readonly keyedTableOptions: string;

  /**
   * Starts a transaction on `db`; `write` ones take the write lock up front where it matters, waiting for
   * it without blocking the event loop where the engine's own wait would (two connections of one process).
   */
  beginTransaction(db: Kysely<DynamicSchema>, mode: "read" | "write"): Promise<void>;

  /** Makes concurrent writers of `table` wait for this transaction (for checks done in code). */
  lockTable(db: Kysely<DynamicSchema>, table: string): Promise<void>;

  /**
   * Takes, for the rest of the transaction, the lock an ALTER TABLE of `table` needs, so a transaction
   * can take it before the row locks that go with the change.
   */
  lockForSchemaChange(db: Kysely<DynamicSchema>, table: string): Promise<void>;

  /**
   * A parenthesized relation whose rows are `rows` and whose columns are `columns`, carried by a single
   * bound parameter (so any number of rows fits one statement). Use it in FROM or JOIN with an alias,
   * or as a CTE body. Values: strings, safe-integer numbers, bigints, booleans, null (no bytes).
   */
  rowsTable(rows: readonly (readonly unknown[])[], columns: readonly RowsColumn[]): RawBuilder<unknown>;

  /** `rowsTable` of rows already encoded by `rowsToJson` (or of a statement template's slot). */
  encodedRowsTable(json: unknown, columns: readonly RowsColumn[]): RawBuilder<unknown>;

  /**
   * A case-sensitive match of `expr` against a glob `pattern` (a bound string in which `*` is any run of
   * characters and `?` any one character; nothing else is special).
   */
  globMatch(expr: RawBuilder<unknown>, pattern: string): RawBuilder<unknown>;

  /**
   * A JSON array of the values of `items` (at most 90): one column where a query would return many,
   * which the drivers turn into far fewer JavaScript objects. Floats keep every digit; read 64-bit
   * integers as text, as JSON numbers lose them.
   */
  jsonArray(items: readonly RawBuilder<unknown>[]): RawBuilder<unknown>;
  /** Refreshes the planner's statistics for the tables, where the engine's plans depend on them. */
  updateStatistics(db: Kysely<DynamicSchema>, tables: readonly string[]): Promise<void>;

  /** Classifies a driver error. */
  classifyError(err: unknown): DatabaseErrorKind;

  /**
   * Runs `run` on one connection and cancels the statement running there when `signal` aborts. Absent
   * where a running statement cannot be stopped (better-sqlite3 runs it on the main thread).
   */
  cancellable?<T>(signal: AbortSignal, run: (db: Kysely<DynamicSchema>) => Promise<T>): Promise<T>;

  /**
   * Runs `query`, a statement template's (whose text never varies), on `db` as a statement the server
   * keeps parsed and planned under `name` (lowercase letters, digits and underscores, derived from the
   * text), and fails as `db.executeQuery` would. Absent where the driver already keeps statements by text.
   */
  executePrepared?(
    db: Kysely<DynamicSchema>,
    query: CompiledQuery,
    name: string,
  ): Promise<QueryResult<unknown>>;

  /**
   * The rows of `query`, at most `pageSize` at a time, read from a database cursor so that one page is
   * in memory, not the result. Stopping the iteration (`return()`) closes the cursor; an abort of
   * `signal` while the database works on a page stops the statement where the engine can. Inside a
   * transaction (`tx`) the rows come from its connection.
   */
  pages(
    query: CompiledQuery,
    pageSize: number,
    context: PagesContext,
  ): AsyncGenerator<Record<string, unknown>[]>;

  /** Creates the namespace (schema) the registry lives in, when the engine has them and one is set. */
  prepareNamespace(): Promise<void>;

  /** Whether the registry's tables already exist here (tested by one table's presence). */
  hasTable(name: string): Promise<boolean>;

  close(): Promise<void>;
}

/** Encodes rows as JSON for `rowsTable`, writing bigints as exact JSON integers. */
export function rowsToJson(rows: readonly (readonly unknown[])[]): string {
  // A replacer runs for every value; rows of plain values (the usual case) need none.
  if (rows.every(plainRow)) return JSON.stringify(rows);
  let hasBigint = false;
  const text = JSON.stringify(rows, (_key, value) => {
    if (typeof value === "bigint") {
      hasBigint = true;
      return `\u0000${value.toString()}`;
    }
    if (value instanceof Uint8Array) throw new TypeError("rowsTable cannot carry bytes");
    return value;
  });
  return hasBigint ? text.replace(/"\\u0000(-?\d+)"/g, "$1") : text;
}

function plainRow(row: readonly unknown[]): boolean {
  for (const value of row) {
    const type = typeof value;
    if (type !== "string" && type !== "number" && type !== "boolean" && value !== null) return false;
  }
  return true;
}
