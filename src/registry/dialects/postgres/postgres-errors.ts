/**
 * pg driver errors → typed registry errors, in one place: `typedPool` wraps the pool Kysely uses, so
 * every connect and every statement fails with a ButlerError naming `host:port/database` (never the
 * password). Constraint and serialization errors pass through: the registry classifies them itself.
 */
import { InvalidQueryError, isButlerError, RegistryDatabaseError } from "../../../errors/index.ts";
import { databaseValueError, describeSeconds, driverCodeOf, driverMessageOf } from "../database-errors.ts";
import type { PreparedStatements } from "./postgres-prepared.ts";

/** The slice of a pg Pool the dialect and Kysely call. */
export interface PgPool {
  connect(): Promise<unknown>;
  end(): Promise<void>;
  on(event: "error", listener: (err: Error) => void): unknown;
}

/** What a mapped error needs to say. */
export interface PostgresErrorContext {
  /** `host:port/database`. */
  readonly server: string;
  readonly connectTimeoutMs: number;
  readonly statementTimeoutMs: number;
  readonly idleInTransactionTimeoutMs: number;
}

const NETWORK_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ETIMEDOUT",
  "EPIPE",
]);

/** `host:port/database` of a connection string, for messages. */
export function describeServer(connectionString: string | undefined): string {
  try {
    const url = new URL(connectionString ?? "postgresql://");
    const host = url.hostname || process.env.PGHOST || "localhost";
    const port = url.port || process.env.PGPORT || "5432";
    const database = decodeURIComponent(url.pathname.replace(/^\//, "")) || "(default database)";
    return `${host}:${port}/${database}`;
  } catch {
    return "(unparsable connection string)";
  }
}

/** The typed error for a pg failure during `phase`, or `err` itself when it is not one we map. */
function mapPostgresError(err: unknown, phase: "connect" | "query", context: PostgresErrorContext): unknown {
  if (isButlerError(err)) return err;
  const code = driverCodeOf(err);
  const detail = driverMessageOf(err);
  const where = `postgresql://${context.server}`;
  const options = { ...(code === undefined ? {} : { driverCode: code }), cause: err };
  const unavailable = (message: string) =>
    new RegistryDatabaseError("REGISTRY_UNAVAILABLE", where, message, options);
  const timeout = (message: string) => new RegistryDatabaseError("REGISTRY_TIMEOUT", where, message, options);
  switch (code) {
    case "3D000":
      return unavailable(`${detail}; create it, or fix the database name in registry.db of butler.yaml`);
    case "28P01":
    case "28000":
      return unavailable(`the server refused the login (${detail}); check the user and credentials`);
    case "57014":
      return timeout(
        `a statement ran longer than the statement timeout (${describeSeconds(context.statementTimeoutMs)}) ` +
          "and was cancelled; narrow the query, or raise registry.statementTimeout in butler.yaml",
      );
    case "25P03":
      return timeout(
        `the server closed a transaction left idle longer than ${describeSeconds(context.idleInTransactionTimeoutMs)} ` +
          "(registry.idleInTransactionTimeout in butler.yaml); the transaction was rolled back",
      );
    case "53100":
      return new RegistryDatabaseError(
        "REGISTRY_FULL",
        where,
        `the server's disk is full (${detail}); ask its administrator to free space`,
        options,
      );
    case "XX001":
    case "XX002":
      return new RegistryDatabaseError(
        "REGISTRY_CORRUPT",
        where,
        `the server reports damaged data (${detail}); ask its administrator to restore it`,
        options,
      );
    case "22003":
    case "22P02":
    case "22021":
    case "22P05":
    case "54000":
      return databaseValueError(detail, err);
    case "08P01":
      return new InvalidQueryError(
        `the registry database refused the statement (${detail}); a statement carries at most 65,535 values`,
        { cause: err },
      );
  }
  if (code !== undefined && (NETWORK_CODES.has(code) || code.startsWith("08") || code.startsWith("57P"))) {
    return unavailable(`cannot reach the server (${detail}); check that it runs and accepts connections`);
  }
  if (/timeout expired|connection timeout|timeout exceeded when trying to connect/i.test(detail)) {
    return unavailable(
      `the server did not answer within the connect timeout (${describeSeconds(context.connectTimeoutMs)}); ` +
        "check that it runs, or raise registry.connectTimeout in butler.yaml",
    );
  }
  if (/Query read timeout/.test(detail)) {
    return timeout(
      `the server did not answer a statement within ${describeSeconds(context.statementTimeoutMs)} plus a margin; ` +
        "check that it runs, or raise registry.statementTimeout in butler.yaml",
    );
  }
  if (/Connection terminated|not queryable|connection error/i.test(detail)) {
    return unavailable(
      `the connection was closed (${detail}): the server restarted, or a transaction stayed idle longer ` +
        `than ${describeSeconds(context.idleInTransactionTimeoutMs)} (registry.idleInTransactionTimeout)`,
    );
  }
  if (phase === "connect" && code === undefined) {
    return unavailable(`cannot connect (${detail})`);
  }
  return err;
}

interface PgClient {
  query(...args: unknown[]): unknown;
  getTransactionStatus?(): string | null;
  on(event: "error", listener: (err: Error) => void): unknown;
  connection?: { stream?: { destroy(): void } };
}

const NO_ERROR = new Error("no error");

/**
 * `pool` with every connect and statement failure mapped by `mapPostgresError`. A statement that timed
 * out on the client side leaves its connection unusable, so that connection is closed (and the pool drops
 * it on release). Statements go through `prepared`, when given, which names those asked for.
 */
export function typedPool(
  pool: PgPool,
  context: PostgresErrorContext,
  prepared?: PreparedStatements,
): PgPool {
  // The last error a checked-out connection reported on its own (the server ending the session for an
  // idle transaction): pg emits it as an event, which would crash the process without a listener, and
  // the next statement then fails with a vaguer message.
  const lost = new WeakMap<PgClient, Error>();
  return {
    async connect() {
      let client: PgClient;
      try {
        client = (await pool.connect()) as PgClient;
      } catch (err) {
        throw mapPostgresError(err, "connect", context);
      }
      if (!lost.has(client)) {
        lost.set(client, NO_ERROR);
        client.on("error", (err) => lost.set(client, err));
      }
      return new Proxy(client, {
        get(target, prop) {
          const value = Reflect.get(target, prop, target);
          if (prop !== "query") return typeof value === "function" ? value.bind(target) : value;
          return (...args: unknown[]) => {
            const submitted = prepared === undefined ? target.query(...args) : prepared.submit(target, args);
            // Cursors (objects with `submit`) return themselves, not a promise.
            if (!(submitted instanceof Promise)) return submitted;
            return submitted.catch((err: unknown) => {
              if (/Query read timeout/.test(driverMessageOf(err))) target.connection?.stream?.destroy();
              const earlier = lost.get(target);
              const reason = earlier !== undefined && earlier !== NO_ERROR && driverCodeOf(err) === undefined;
              throw mapPostgresError(reason ? earlier : err, "query", context);
            });
          };
        },
      });
    },
    end: () => pool.end(),
    on: (event, listener) => pool.on(event, listener),
  };
}
