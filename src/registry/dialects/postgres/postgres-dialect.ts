import { type CompiledQuery, Kysely, PostgresDialect, type QueryResult, type RawBuilder, sql } from "kysely";
import { InvalidArgumentError } from "../../../errors/index.ts";
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
import { postgresPages } from "./postgres-cursor.ts";
import { describeServer, type PgPool, typedPool } from "./postgres-errors.ts";
import { PreparedStatements } from "./postgres-prepared.ts";

export type { PgPool };

export interface PostgresDialectOptions {
  /** `postgresql://user:password@host:port/database`. */
  readonly connectionString?: string;
  /** Any other pg pool settings (host, port, user, database, max, …). */
  readonly pool?: Readonly<Record<string, unknown>>;
  /** The schema the registry's tables live in (created if missing); the server's default when absent. */
  readonly namespace?: string;
  /** Refuse writes at the session level too (`default_transaction_read_only`). */
  readonly readOnly?: boolean;
  /** Most connections the pool opens (10 by default). */
  readonly maxConnections?: number;
  /** How long connecting (TCP, TLS, startup) may take, in ms (10 000 by default; 0: no limit). */
  readonly connectTimeoutMs?: number;
  /**
   * How long one statement may run, in ms (600 000 by default; 0: no limit): the server cancels it,
   * and the client gives up 10 s later if the server does not answer at all.
   */
  readonly statementTimeoutMs?: number;
  /** How long a transaction may sit idle before the server ends it, in ms (600 000 by default; 0: no limit). */
  readonly idleInTransactionTimeoutMs?: number;
}

/** Timeouts when the options give none, in ms. */
const POSTGRES_TIMEOUT_DEFAULTS = Object.freeze({
  connectTimeoutMs: 10_000,
  statementTimeoutMs: 600_000,
  idleInTransactionTimeoutMs: 600_000,
});

/** How much longer than the statement timeout the client waits for a server that does not answer. */
const READ_TIMEOUT_MARGIN_MS = 10_000;

const CAPABILITIES: DialectCapabilities = Object.freeze({
  supportsDistinctOn: true,
  supportsReturning: true,
  singleConnection: false,
  transactionalDdl: true,
  maxBindParameters: 65535,
});

const NAMESPACE = /^[a-z_][a-z0-9_]{0,62}$/;
/** Prepared statement names, with room for the suffix a renaming adds (63 bytes at most in all). */
const STATEMENT_NAME = /^[a-z_][a-z0-9_]{0,47}$/;
const INT8_OID = 20;
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);
const MIN_SAFE = BigInt(Number.MIN_SAFE_INTEGER);

/** pg hands 64-bit integers back as text; they become numbers when safe, bigints otherwise. */
function parseInt8(text: string): number | bigint {
  const value = BigInt(text);
  return value <= MAX_SAFE && value >= MIN_SAFE ? Number(value) : value;
}

/** PostgreSQL through a pg connection pool. */
export class PostgresRegistryDialect implements RegistryDialect {
  readonly engine = "postgresql";
  readonly location: string;
  readonly kysely: Kysely<DynamicSchema>;
  readonly capabilities = CAPABILITIES;
  readonly keyedTableOptions = "";
  readonly readOnly: boolean;
  readonly namespace: string | null;
  readonly #makePool: () => PgPool;
  /**
   * Cursors hold their connection for as long as their reader takes (a slow client of the server), so
   * they get a pool of their own: they never starve the statements of everything else.
   */
  #cursorPool: PgPool | undefined;
  readonly #prepared: PreparedStatements;

  private constructor(
    location: string,
    makePool: () => PgPool,
    prepared: PreparedStatements,
    namespace: string | null,
    readOnly: boolean,
  ) {
    this.location = location;
    this.#prepared = prepared;
    this.#makePool = makePool;
    const pool = makePool();
    this.namespace = namespace;
    this.readOnly = readOnly;
    this.kysely = new Kysely<DynamicSchema>({ dialect: new PostgresDialect({ pool: pool as never }) });
  }

  static async open(options: PostgresDialectOptions): Promise<PostgresRegistryDialect> {
    const namespace = options.namespace ?? null;
    if (namespace !== null && !NAMESPACE.test(namespace)) {
      throw new InvalidArgumentError(
        `PostgreSQL namespace ${JSON.stringify(namespace)} is not accepted; accepted: lowercase letters, digits ` +
          "and underscores, not starting with a digit, at most 63 characters",
      );
    }
    const pg = await import("pg");
    const Pool = pg.default.Pool;
    const builtins = pg.default.types;
    const settings: string[] = [];
    if (namespace !== null) settings.push(`-c search_path=${namespace}`);
    if (options.readOnly) settings.push("-c default_transaction_read_only=on");
    const timeouts = {
      connectTimeoutMs: nonNegative(options.connectTimeoutMs, POSTGRES_TIMEOUT_DEFAULTS.connectTimeoutMs),
      statementTimeoutMs: nonNegative(
        options.statementTimeoutMs,
        POSTGRES_TIMEOUT_DEFAULTS.statementTimeoutMs,
      ),
      idleInTransactionTimeoutMs: nonNegative(
        options.idleInTransactionTimeoutMs,
        POSTGRES_TIMEOUT_DEFAULTS.idleInTransactionTimeoutMs,
      ),
    };
    const config = {
      ...(options.pool ?? {}),
      ...(options.connectionString !== undefined ? { connectionString: options.connectionString } : {}),
      max: options.maxConnections ?? 10,
      // 0 means no limit for each of these, in pg as in PostgreSQL.
      connectionTimeoutMillis: timeouts.connectTimeoutMs,
      statement_timeout: timeouts.statementTimeoutMs,
      idle_in_transaction_session_timeout: timeouts.idleInTransactionTimeoutMs,
      query_timeout:
        timeouts.statementTimeoutMs > 0 ? timeouts.statementTimeoutMs + READ_TIMEOUT_MARGIN_MS : 0,
      ...(settings.length > 0 ? { options: settings.join(" ") } : {}),
      types: {
        getTypeParser: ((oid: number, format?: "text" | "binary") =>
          oid === INT8_OID && format !== "binary"
            ? parseInt8
            : builtins.getTypeParser(oid, format as "text")) as typeof builtins.getTypeParser,
      },
    };
    const prepared = new PreparedStatements();
    const makePool = () => {
      const rawPool = new Pool(config) as PgPool;
      // An idle pooled connection that the server closes (restart, DROP DATABASE, idle timeout) is
      // dropped from the pool; the next query opens a new one. Without a listener it would crash the process.
      rawPool.on("error", () => {});
      return typedPool(rawPool, { server: describeServer(options.connectionString), ...timeouts }, prepared);
    };
    const dialect = new PostgresRegistryDialect(
      redact(options.connectionString ?? "postgresql://"),
      makePool,
      prepared,
      namespace,
      options.readOnly ?? false,
    );
    // Fail here, with the server's message, rather than on the first query.
    try {
      await sql`SELECT 1`.execute(dialect.kysely);
    } catch (err) {
      await dialect.close().catch(() => {});
      throw err;
    }
    return dialect;
  }

  columnType(type: ColumnTypeSpec): RawBuilder<unknown> {
    switch (type.kind) {
      case "int64":
        return sql`bigint`;
      case "int16":
        return sql`smallint`;
      case "autoincrement":
        return sql`bigint generated by default as identity primary key`;
      case "string":
        return sql.raw(`varchar(${Math.trunc(type.length ?? 255)})`);
      case "text":
        return sql`text`;
      case "float":
        return sql`double precision`;
      case "bool":
        return sql`boolean`;
      case "blob":
        return sql`bytea`;
      case "uuid":
        return sql`uuid`;
    }
  }

  async beginTransaction(db: Kysely<DynamicSchema>): Promise<void> {
    await sql`BEGIN`.execute(db);
  }

  async lockTable(db: Kysely<DynamicSchema>, table: string): Promise<void> {
    await sql`LOCK TABLE ${sql.table(table)} IN EXCLUSIVE MODE`.execute(db);
  }

  async lockForSchemaChange(db: Kysely<DynamicSchema>, table: string): Promise<void> {
    await sql`LOCK TABLE ${sql.table(table)} IN ACCESS EXCLUSIVE MODE`.execute(db);
  }

  rowsTable(rows: readonly (readonly unknown[])[], columns: readonly RowsColumn[]): RawBuilder<unknown> {
    return this.encodedRowsTable(rowsToJson(rows), columns);
  }

  encodedRowsTable(json: unknown, columns: readonly RowsColumn[]): RawBuilder<unknown> {
    const selections = columns.map(
      (c, i) => sql`(__e.v->>${sql.lit(i)})::${this.castType(c.type)} AS ${sql.id(c.name)}`,
    );
    return sql`(SELECT ${sql.join(selections)} FROM json_array_elements(${json}::json) AS __e(v))`;
  }

  jsonArray(items: readonly RawBuilder<unknown>[]): RawBuilder<unknown> {
    // json_build_array takes at most 100 arguments.
    return sql`json_build_array(${sql.join(items)})`;
  }

  globMatch(expr: RawBuilder<unknown>, pattern: string): RawBuilder<unknown> {
    // LIKE is case sensitive here; escape its own wildcards, then map the glob's.
    const like = pattern
      .replace(/[\\%_]/g, "\\$&")
      .replaceAll("*", "%")
      .replaceAll("?", "_");
    return sql`${expr} LIKE ${like} ESCAPE ${sql.lit("\\")}`;
  }

  async updateStatistics(db: Kysely<DynamicSchema>, tables: readonly string[]): Promise<void> {
    for (const table of tables) await sql`ANALYZE ${sql.table(table)}`.execute(db);
  }

  /**
   * Runs `run` on one pooled connection; an abort sends pg_cancel_backend for it from another one. The
   * connection is released only after the cancel request is answered, so a late cancel can never stop
   * a statement that the next user of the connection runs.
   */
  async cancellable<T>(signal: AbortSignal, run: (db: Kysely<DynamicSchema>) => Promise<T>): Promise<T> {
    return this.kysely.connection().execute(async (db) => {
      const { rows } = await sql<{ pid: number }>`SELECT pg_backend_pid() AS pid`.execute(db);
      const pid = rows[0]!.pid;
      let cancelling: Promise<unknown> | undefined;
      const cancel = () => {
        cancelling = sql`SELECT pg_cancel_backend(${pid})`.execute(this.kysely).catch(() => undefined);
      };
      if (signal.aborted) cancel();
      else signal.addEventListener("abort", cancel, { once: true });
      try {
        return await run(db);
      } finally {
        signal.removeEventListener("abort", cancel);
        await cancelling;
      }
    });
  }

  /**
   * Runs `query` as the named prepared statement `name` of the connection it lands on: parsed and
   * planned there once, then only bound and executed (see `postgres-prepared.ts`).
   */
  executePrepared(
    db: Kysely<DynamicSchema>,
    query: CompiledQuery,
    name: string,
  ): Promise<QueryResult<unknown>> {
    if (!STATEMENT_NAME.test(name)) return db.executeQuery(query);
    return this.#prepared.run(query.sql, name, () => db.executeQuery(query));
  }

  pages(
    query: CompiledQuery,
    pageSize: number,
    context: PagesContext,
  ): AsyncGenerator<Record<string, unknown>[]> {
    this.#cursorPool ??= this.#makePool();
    return postgresPages(this.#cursorPool, this.kysely, query, pageSize, context);
  }

  classifyError(err: unknown): DatabaseErrorKind {
    const code = typeof err === "object" && err !== null ? (err as { code?: unknown }).code : undefined;
    switch (code) {
      case "23505":
        return "unique";
      case "23503":
        return "foreignKey";
      case "23502":
        return "notNull";
      case "40001":
      case "40P01":
      case "55P03":
        return "busy";
      case "25006":
        return "readOnly";
      default:
        return "other";
    }
  }

  async prepareNamespace(): Promise<void> {
    if (this.namespace !== null) {
      await sql`CREATE SCHEMA IF NOT EXISTS ${sql.id(this.namespace)}`.execute(this.kysely);
    }
  }

  async hasTable(name: string): Promise<boolean> {
    const result = await sql<{ found: number }>`
      SELECT 1 AS found FROM information_schema.tables
      WHERE table_schema = current_schema() AND table_name = ${name}`.execute(this.kysely);
    return result.rows.length > 0;
  }

  async close(): Promise<void> {
    await this.kysely.destroy();
    await this.#cursorPool?.end();
  }

  private castType(type: ColumnTypeSpec): RawBuilder<unknown> {
    switch (type.kind) {
      case "int64":
      case "autoincrement":
        return sql`bigint`;
      case "int16":
        return sql`smallint`;
      case "string":
      case "text":
        return sql`text`;
      case "float":
        return sql`double precision`;
      case "bool":
        return sql`boolean`;
      case "uuid":
        return sql`uuid`;
      case "blob":
        return sql`bytea`;
    }
  }
}

function nonNegative(value: number | undefined, fallback: number): number {
  return value === undefined || !Number.isFinite(value) ? fallback : Math.max(0, Math.trunc(value));
}

/** The connection string without its password. */
function redact(uri: string): string {
  return uri.replace(/\/\/([^:@/]+):[^@/]*@/, "//$1:***@");
}
