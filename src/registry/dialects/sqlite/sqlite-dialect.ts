import { resolve } from "node:path";
import { type CompiledQuery, Kysely, type RawBuilder, SqliteDialect, sql } from "kysely";
import { RegistryDatabaseError } from "../../../errors/index.ts";
import {
  type ColumnTypeSpec,
  type DatabaseErrorKind,
  type DialectCapabilities,
  type DynamicSchema,
  type PagesContext,
  type RegistryDialect,
  type RowsColumn,
  rowsToJson,
} from "../registry-dialect.ts";
import { openSqliteFile } from "./open-file.ts";
import { type BetterSqliteDatabase, SqliteConnection } from "./sqlite-connection.ts";
import { sqlitePages } from "./sqlite-cursor.ts";
import { mapSqliteError } from "./sqlite-errors.ts";

export interface SqliteDialectOptions {
  /** A file path, or `:memory:`. */
  readonly path: string;
  /** Open a read-only connection (the file must exist) and refuse writes (`PRAGMA query_only`). */
  readonly readOnly?: boolean;
  /** A missing file is a RegistryNotFoundError instead of a new database (opening, not creating). */
  readonly mustExist?: boolean;
  /** How long a writer waits for another process's lock (10 000 ms by default), then REGISTRY_LOCKED. */
  readonly busyTimeoutMs?: number;
  /** An already opened better-sqlite3 database to use instead of opening `path`. */
  readonly database?: BetterSqliteDatabase;
}

const CAPABILITIES: DialectCapabilities = Object.freeze({
  supportsDistinctOn: false,
  supportsReturning: true,
  singleConnection: true,
  transactionalDdl: true,
  // SQLite's default SQLITE_MAX_VARIABLE_NUMBER since 3.32.
  maxBindParameters: 32766,
});

/**
 * The SQLite engine through better-sqlite3: WAL journal, `busy_timeout`, foreign keys on, one
 * connection behind Kysely's mutex, and prepared statements reused by SQL text.
 */
export class SqliteRegistryDialect implements RegistryDialect {
  readonly engine = "sqlite";
  readonly location: string;
  readonly kysely: Kysely<DynamicSchema>;
  readonly capabilities = CAPABILITIES;
  /** No hidden rowid B-tree beside the primary key's. */
  readonly keyedTableOptions = "WITHOUT ROWID";
  readonly readOnly: boolean;
  readonly #connection: SqliteConnection;
  readonly #database: BetterSqliteDatabase;
  readonly #busyTimeoutMs: number;
  #cleanup: (() => void) | undefined;

  private constructor(
    location: string,
    database: BetterSqliteDatabase,
    readOnly: boolean,
    busyTimeoutMs: number,
    cleanup?: () => void,
  ) {
    this.location = location;
    this.#cleanup = cleanup;
    this.#database = database;
    this.#connection = new SqliteConnection(database, (err) =>
      mapSqliteError(err, { location, busyTimeoutMs }),
    );
    this.#busyTimeoutMs = busyTimeoutMs;
    this.readOnly = readOnly;
    this.kysely = new Kysely<DynamicSchema>({ dialect: new SqliteDialect({ database: this.#connection }) });
  }

  static async open(options: SqliteDialectOptions): Promise<SqliteRegistryDialect> {
    const busy = Math.max(0, Math.trunc(options.busyTimeoutMs ?? 10000));
    const context = { location: options.path, busyTimeoutMs: busy };
    let db = options.database;
    let cleanup: (() => void) | undefined;
    const readOnly = options.readOnly ?? false;
    if (db === undefined) {
      try {
        const opened = await openSqliteFile(options.path, {
          readOnly,
          ...(options.mustExist === undefined ? {} : { mustExist: options.mustExist }),
        });
        db = opened.database;
        cleanup = opened.cleanup;
      } catch (err) {
        throw mapSqliteError(err, context);
      }
    }
    try {
      db.pragma(`busy_timeout = ${busy}`);
      // Setting the journal mode writes the file; a read-only connection reads it in whatever mode it is.
      if (options.path !== ":memory:" && options.path !== "" && !readOnly) {
        db.pragma("journal_mode = WAL");
        // In WAL mode NORMAL keeps the database consistent on a crash; only the last commits may be lost.
        db.pragma("synchronous = NORMAL");
      }
      db.pragma("foreign_keys = ON");
    } catch (err) {
      db.close();
      cleanup?.();
      throw mapSqliteError(err, context);
    }
    if (readOnly) db.pragma("query_only = ON");
    return new SqliteRegistryDialect(options.path, db, readOnly, busy, cleanup);
  }

  get files(): readonly string[] {
    if (this.location === ":memory:" || this.location === "") return [];
    const db = resolve(this.location);
    return [db, `${db}-wal`, `${db}-shm`, `${db}-journal`];
  }

  columnType(type: ColumnTypeSpec): RawBuilder<unknown> {
    switch (type.kind) {
      case "int64":
      case "int16":
        return sql`integer`;
      case "autoincrement":
        // AUTOINCREMENT: ids are never reused, so a stale cache in another process cannot mix them up.
        return sql`integer primary key autoincrement`;
      case "string":
        return sql.raw(`varchar(${Math.trunc(type.length ?? 255)})`);
      case "text":
      case "uuid":
        return sql`text`;
      case "float":
        return sql`real`;
      case "bool":
        return sql`boolean`;
      case "blob":
        return sql`blob`;
    }
  }

  /**
   * Write transactions begin IMMEDIATE: they take the write lock at once, so a transaction that reads and
   * then writes cannot fail half-way because another process wrote in between.
   * better-sqlite3 is synchronous: its busy handler sleeps on the event loop's thread, so a second
   * connection of this process waiting there would also stall the first one that holds the lock, until
   * the timeout. The write lock is therefore tried without the handler and waited for with timers.
   */
  async beginTransaction(db: Kysely<DynamicSchema>, mode: "read" | "write"): Promise<void> {
    if (mode === "read" || this.readOnly) {
      await sql`BEGIN`.execute(db);
      return;
    }
    const deadline = Date.now() + this.#busyTimeoutMs;
    for (let attempt = 0; ; attempt++) {
      this.#database.pragma("busy_timeout = 0");
      try {
        await sql`BEGIN IMMEDIATE`.execute(db);
        return;
      } catch (err) {
        if (this.classifyError(err) !== "busy" || Date.now() >= deadline) throw err;
      } finally {
        this.#database.pragma(`busy_timeout = ${this.#busyTimeoutMs}`);
      }
      // Backoff with jitter: 1, 2, 4 … up to 50 ms.
      const wait = Math.min(50, 2 ** Math.min(attempt, 6)) * (0.5 + Math.random() / 2);
      await new Promise((resolve) => setTimeout(resolve, wait));
    }
  }

  async lockTable(): Promise<void> {
    // Write transactions already hold the database's single write lock.
  }

  async lockForSchemaChange(): Promise<void> {
    // As lockTable: the write lock covers it.
  }

  rowsTable(rows: readonly (readonly unknown[])[], columns: readonly RowsColumn[]): RawBuilder<unknown> {
    return this.encodedRowsTable(rowsToJson(rows), columns);
  }

  encodedRowsTable(json: unknown, columns: readonly RowsColumn[]): RawBuilder<unknown> {
    const selections = columns.map(
      (c, i) => sql`json_extract(value, ${sql.lit(`$[${i}]`)}) AS ${sql.id(c.name)}`,
    );
    return sql`(SELECT ${sql.join(selections)} FROM json_each(${json}))`;
  }

  jsonArray(items: readonly RawBuilder<unknown>[]): RawBuilder<unknown> {
    return sql`json_array(${sql.join(items)})`;
  }

  globMatch(expr: RawBuilder<unknown>, pattern: string): RawBuilder<unknown> {
    // GLOB is case sensitive; only its `[` class syntax must be neutralised.
    return sql`${expr} GLOB ${pattern.replaceAll("[", "[[]")}`;
  }

  /**
   * Deliberately nothing. The registry's queries fix their join order (CROSS JOIN), so SQLite needs
   * no statistics; and with STAT4 statistics SQLite re-prepares a statement whenever its bound values
   * change, which made each find-first lookup 40× slower in measurements.
   */
  async updateStatistics(): Promise<void> {}

  classifyError(err: unknown): DatabaseErrorKind {
    if (err instanceof RegistryDatabaseError && err.code === "REGISTRY_LOCKED") return "busy";
    const code = typeof err === "object" && err !== null ? (err as { code?: unknown }).code : undefined;
    if (typeof code !== "string") return "other";
    if (code === "SQLITE_CONSTRAINT_UNIQUE" || code === "SQLITE_CONSTRAINT_PRIMARYKEY") return "unique";
    if (code === "SQLITE_CONSTRAINT_FOREIGNKEY") return "foreignKey";
    if (code === "SQLITE_CONSTRAINT_NOTNULL") return "notNull";
    if (code.startsWith("SQLITE_BUSY") || code.startsWith("SQLITE_LOCKED")) return "busy";
    if (code.startsWith("SQLITE_READONLY")) return "readOnly";
    return "other";
  }

  pages(
    query: CompiledQuery,
    pageSize: number,
    context: PagesContext,
  ): AsyncGenerator<Record<string, unknown>[]> {
    const source = {
      database: this.#database,
      kysely: this.kysely,
      busyTimeoutMs: this.#busyTimeoutMs,
      mapError: (err: unknown) =>
        mapSqliteError(err, { location: this.location, busyTimeoutMs: this.#busyTimeoutMs }),
    };
    return sqlitePages(source, query, pageSize, context);
  }

  async prepareNamespace(): Promise<void> {
    // SQLite has one namespace per file.
  }

  async hasTable(name: string): Promise<boolean> {
    const result = await sql<{ found: number }>`
      SELECT 1 AS found FROM sqlite_master WHERE type = 'table' AND name = ${name}`.execute(this.kysely);
    return result.rows.length > 0;
  }

  async close(): Promise<void> {
    await this.kysely.destroy();
    // Kysely closes the database only when it has used it; close it in every case.
    this.#connection.close();
    this.#cleanup?.();
    this.#cleanup = undefined;
  }
}
