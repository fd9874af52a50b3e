/**
 * SQLite driver errors → typed registry errors, in one place. Constraint errors pass through untouched:
 * the registry classifies and reports them itself (see `classifyError`).
 */
import { isButlerError, RegistryDatabaseError } from "../../../errors/index.ts";
import { databaseValueError, describeSeconds, driverCodeOf, driverMessageOf } from "../database-errors.ts";

/** What a mapped error needs to say: where the database is and how long a writer waits. */
export interface SqliteErrorContext {
  readonly location: string;
  readonly busyTimeoutMs: number;
}

/** The typed error for a better-sqlite3 failure, or `err` itself when it is not one we map. */
export function mapSqliteError(err: unknown, context: SqliteErrorContext): unknown {
  if (isButlerError(err)) return err;
  const code = driverCodeOf(err);
  const where = context.location;
  const detail = driverMessageOf(err);
  const options = { ...(code === undefined ? {} : { driverCode: code }), cause: err };
  if (code === undefined) {
    // better-sqlite3 checks the directory itself and throws a plain TypeError.
    if (err instanceof TypeError && /directory does not exist/.test(detail)) {
      return new RegistryDatabaseError(
        "REGISTRY_UNAVAILABLE",
        where,
        "cannot be opened: its directory does not exist; check the path (registry.db in butler.yaml)",
        options,
      );
    }
    if (err instanceof RangeError && /too big|out of range|integer/i.test(detail)) {
      return databaseValueError(detail, err);
    }
    return err;
  }
  if (code.startsWith("SQLITE_BUSY") || code.startsWith("SQLITE_LOCKED")) {
    return new RegistryDatabaseError(
      "REGISTRY_LOCKED",
      where,
      `the repository is locked by another writer (waited ${describeSeconds(context.busyTimeoutMs)}); ` +
        "try again when the other write has finished, or raise registry.busyTimeout in butler.yaml",
      options,
    );
  }
  if (code === "SQLITE_FULL" || code === "ENOSPC") {
    return new RegistryDatabaseError(
      "REGISTRY_FULL",
      where,
      `the disk holding the database is full (${detail}); free space there and try again`,
      options,
    );
  }
  if (code.startsWith("SQLITE_CORRUPT")) {
    return new RegistryDatabaseError(
      "REGISTRY_CORRUPT",
      where,
      `the database file is damaged (${detail}); restore it from a backup`,
      options,
    );
  }
  if (code === "SQLITE_NOTADB") {
    return new RegistryDatabaseError(
      "REGISTRY_CORRUPT",
      where,
      "is not a SQLite database; check registry.db in butler.yaml points at the registry file",
      options,
    );
  }
  if (code.startsWith("SQLITE_CANTOPEN")) {
    return new RegistryDatabaseError(
      "REGISTRY_UNAVAILABLE",
      where,
      "cannot be opened (a directory, a missing directory, or no permission); check registry.db in " +
        "butler.yaml names a database file you can read",
      options,
    );
  }
  if (code === "SQLITE_TOOBIG" || code === "SQLITE_RANGE") return databaseValueError(detail, err);
  return err;
}
