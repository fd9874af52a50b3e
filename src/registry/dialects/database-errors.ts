/**
 * The typed errors a registry database's failures become. Each dialect maps its driver's codes to
 * these in one place (`sqlite/sqlite-errors.ts`, `postgres/postgres-errors.ts`); everything above the
 * dialects sees a ButlerError with a code the CLI turns into an exit status, and a message that names
 * the database (never its password) and says what to do.
 */
import { ButlerError, InvalidQueryError } from "../../errors.ts";

/** What went wrong with the database itself, as opposed to a statement's values. */
export type RegistryDatabaseErrorCode =
  /** Another writer holds the lock longer than the busy timeout. */
  | "REGISTRY_LOCKED"
  /** A statement or an idle transaction ran past its timeout. */
  | "REGISTRY_TIMEOUT"
  /** The database cannot be reached or opened: refused, silent, missing, not openable. */
  | "REGISTRY_UNAVAILABLE"
  /** The disk (or quota) holding the database is full. */
  | "REGISTRY_FULL"
  /** The file is damaged, or is not a database at all. */
  | "REGISTRY_CORRUPT";

/** A registry database that cannot serve: locked, full, corrupt, unreachable, timed out. */
export class RegistryDatabaseError extends ButlerError {
  /** Where the database is (a path, or a URI without its password). */
  readonly location: string;
  /** The driver's own code (`SQLITE_BUSY`, `ECONNREFUSED`, `3D000`, …) when there was one. */
  readonly driverCode?: string;

  constructor(
    code: RegistryDatabaseErrorCode,
    location: string,
    message: string,
    options: { driverCode?: string; cause?: unknown } = {},
  ) {
    super(code, `registry database ${location}: ${message}`, { cause: options.cause });
    this.location = location;
    if (options.driverCode !== undefined) this.driverCode = options.driverCode;
  }
}

/** A value the database refused (out of range for its column type, not valid text, …). */
export function databaseValueError(detail: string, cause: unknown): InvalidQueryError {
  return new InvalidQueryError(
    `the registry database refused a value: ${detail}; integers must fit in 64 bits, numbers must be ` +
      "finite, and text must not contain NUL characters",
    { cause },
  );
}

/** The driver's error code (`code` of a Node or driver error), if any. */
export function driverCodeOf(err: unknown): string | undefined {
  const code = typeof err === "object" && err !== null ? (err as { code?: unknown }).code : undefined;
  return typeof code === "string" ? code : undefined;
}

/** The driver's message, for the end of ours. */
export function driverMessageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Seconds for messages: "10 s", "0.2 s". */
export function describeSeconds(ms: number): string {
  return `${Number((ms / 1000).toPrecision(3))} s`;
}
