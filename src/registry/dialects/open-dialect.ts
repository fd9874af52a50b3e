import { InvalidArgumentError } from "../../errors/index.ts";
import type { RegistryDialect } from "./registry-dialect.ts";

export interface OpenDialectOptions {
  /** Refuse writes at the database level too. */
  readonly readOnly?: boolean;
  /** For file engines: a missing file is a RegistryNotFoundError, never a new empty database. */
  readonly mustExist?: boolean;
  /** For server engines: the schema (namespace) the registry's tables live in. */
  readonly namespace?: string;
  /** For file engines: how long to wait for another writer, in ms (10 000 by default). */
  readonly busyTimeoutMs?: number;
  /** For server engines: the most pooled connections. */
  readonly maxConnections?: number;
  /** For server engines: how long connecting may take, in ms (0: no limit). */
  readonly connectTimeoutMs?: number;
  /** For server engines: how long one statement may run, in ms (0: no limit). */
  readonly statementTimeoutMs?: number;
  /** For server engines: how long a transaction may sit idle, in ms (0: no limit). */
  readonly idleInTransactionTimeoutMs?: number;
}

/** The database URI of a new repository's registry: a file beside the datastore in the repository root. */
export function defaultDatabaseUri(root: string): string {
  return `sqlite:///${root}/gen3.sqlite3`;
}

/** The engines `openDialect` knows, for messages. */
export const SUPPORTED_DATABASE_URIS =
  "a file path, ':memory:', 'sqlite:///relative/path', 'sqlite:////absolute/path', 'sqlite://' (memory), " +
  "or 'postgresql://user@host:port/database' (also 'postgres://', 'postgresql+driver://')";

/**
 * Opens the engine a database URI names:
 * - a plain path or `:memory:` → SQLite;
 * - `sqlite:///path` → SQLite (SQLAlchemy's form: three slashes then a relative path, four for an
 *   absolute one; `sqlite://` alone is an in-memory database);
 * - `postgresql://…` or `postgres://…` → PostgreSQL; `?namespace=` (or `options.namespace`) picks the schema.
 * Engine modules are loaded only when their URI appears.
 */
export async function openDialect(uri: string, options: OpenDialectOptions = {}): Promise<RegistryDialect> {
  if (typeof uri !== "string" || uri.trim() === "") {
    throw new InvalidArgumentError(`empty registry database URI; accepted: ${SUPPORTED_DATABASE_URIS}`);
  }
  const scheme = /^([a-zA-Z][a-zA-Z0-9+.-]*):\/\//.exec(uri)?.[1]?.toLowerCase();
  if (scheme === undefined) return openSqlite(uri, options);
  if (scheme === "sqlite") {
    const rest = uri.slice("sqlite://".length);
    if (rest === "" || rest === "/" || rest === "/:memory:") return openSqlite(":memory:", options);
    if (!rest.startsWith("/")) {
      throw new InvalidArgumentError(
        `SQLite URI ${JSON.stringify(uri)} has a host part; accepted: ${SUPPORTED_DATABASE_URIS}`,
      );
    }
    return openSqlite(decodeURIComponent(rest.slice(1).split("?")[0]!), options);
  }
  if (scheme === "postgresql" || scheme === "postgres" || scheme.startsWith("postgresql+")) {
    const url = new URL(uri.replace(/^[^:]+:/, "postgresql:"));
    const namespace = options.namespace ?? url.searchParams.get("namespace") ?? undefined;
    url.searchParams.delete("namespace");
    const { PostgresRegistryDialect } = await import("./postgres/postgres-dialect.ts");
    return PostgresRegistryDialect.open({
      connectionString: url.toString(),
      ...(namespace !== undefined ? { namespace } : {}),
      ...(options.readOnly !== undefined ? { readOnly: options.readOnly } : {}),
      ...(options.maxConnections !== undefined ? { maxConnections: options.maxConnections } : {}),
      ...(options.connectTimeoutMs !== undefined ? { connectTimeoutMs: options.connectTimeoutMs } : {}),
      ...(options.statementTimeoutMs !== undefined ? { statementTimeoutMs: options.statementTimeoutMs } : {}),
      ...(options.idleInTransactionTimeoutMs !== undefined
        ? { idleInTransactionTimeoutMs: options.idleInTransactionTimeoutMs }
        : {}),
    });
  }
  throw new InvalidArgumentError(
    `unsupported registry database URI scheme '${scheme}://'; accepted: ${SUPPORTED_DATABASE_URIS}`,
  );
}

async function openSqlite(path: string, options: OpenDialectOptions): Promise<RegistryDialect> {
  const { SqliteRegistryDialect } = await import("./sqlite/sqlite-dialect.ts");
  return SqliteRegistryDialect.open({
    path,
    ...(options.readOnly !== undefined ? { readOnly: options.readOnly } : {}),
    ...(options.mustExist !== undefined ? { mustExist: options.mustExist } : {}),
    ...(options.busyTimeoutMs !== undefined ? { busyTimeoutMs: options.busyTimeoutMs } : {}),
  });
}
