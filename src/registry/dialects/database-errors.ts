/**
 * Helpers that turn a registry database's failures into typed errors (`RegistryDatabaseError`). Each dialect maps its driver's codes to
 * these in one place (`sqlite/sqlite-errors.ts`, `postgres/postgres-errors.ts`); everything above the
 * dialects sees a ButlerError with a code the CLI turns into an exit status, and a message that names
 * the database (never its password) and says what to do.
 */
import { InvalidQueryError } from "../../errors/index.ts";

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
