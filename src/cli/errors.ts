/**
 * How the CLI reports failures: one line naming what went wrong, an exit status per error code, and
 * the stack only with `--traceback`.
 */
import { ButlerError, type ErrorCode } from "../errors/index.ts";

/**
 * Exit statuses per error code, as README's table documents them. A code that is not here must be in
 * GENERAL_FAILURE_CODES; test/cli/exit-status.test.ts keeps the two lists covering every code.
 */
export const EXIT_STATUS = {
  INVALID_ARGUMENT: 2,
  USAGE: 2,
  INVALID_QUERY: 2,
  EXPRESSION_SYNTAX: 2,
  DIMENSION_NAME: 2,
  UNKNOWN_PARAMETER: 2,
  INVALID_PARAMETER: 2,
  UNKNOWN_COMPONENT: 2,
  MISSING_COLLECTION: 3,
  MISSING_DATASET_TYPE: 3,
  NOT_FOUND: 3,
  DATASET_NOT_FOUND: 3,
  MISSING_COMPONENT: 3,
  REGISTRY_NOT_FOUND: 3,
  TOKEN_NOT_FOUND: 3,
  SERVER_CONFIG: 2,
  SERVER_URL: 2,
  FITS_FORMAT: 4,
  UNSUPPORTED_COMPRESSION: 4,
  CHECKSUM_MISMATCH: 4,
  BYTE_RANGE: 5,
  ETAG_MISMATCH: 5,
  // The registry database: try again later (6), cannot be reached or opened (7), full (8), damaged (9).
  REGISTRY_LOCKED: 6,
  REGISTRY_TIMEOUT: 6,
  SERVER_BUSY: 6,
  REGISTRY_UNAVAILABLE: 7,
  SERVER_UNREACHABLE: 7,
  REGISTRY_FULL: 8,
  REGISTRY_CORRUPT: 9,
  // A local disk or quota is full.
  STORAGE_FULL: 8,
} as const satisfies Partial<Record<ErrorCode, number>>;

/** Codes that exit with 1, the status of any failure without a status of its own. */
export const GENERAL_FAILURE_CODES: readonly ErrorCode[] = [
  "FILE_NOT_SERVED",
  "CLIENT_GONE",
  "QUERY_TIME_LIMIT",
  "QUERY_CANCELLED",
  "REQUEST_TOO_LARGE",
  "UNAUTHENTICATED",
  "FORBIDDEN",
  "SERVER_ERROR",
  "SERVER_STREAM_INTERRUPTED",
  "NOT_OFFERED_REMOTELY",
  "REMOTE_STORE",
  "RETRIES_EXHAUSTED",
  "RESOURCE_EXISTS",
  "IMAGE_FORMAT",
  "MASK_PLANE",
  "COMPONENT_NOT_LOADED",
  "UNKNOWN_COLUMN",
  "TABLE_FORMAT",
  "INVALID_TIME",
  "DIMENSION_CONFIG",
  "DIMENSION_VALUE",
  "INCONSISTENT_DATA_ID",
  "UNRESOLVED_DATA_ID",
  "DATASET_TYPE",
  "INVALID_DATASET_ID",
  "COLLECTION_NAME",
  "COLLECTION_TYPE",
  "MISSING_STORAGE_CLASS",
  "STORAGE_CLASS_CONFIG",
  "CONFLICTING_DEFINITION",
  "COLLECTION_CYCLE",
  "DATA_ID_VALUE",
  "DIMENSION_RECORD_NOT_FOUND",
  "READ_ONLY_REGISTRY",
  "EMPTY_QUERY_RESULT",
  "CALIBRATION_LOOKUP",
  "ORPHANED_RECORD",
  "SCHEMA_VERSION",
  "EXPORT_FORMAT",
  "REGISTRY_NOT_WRITEABLE",
  "FILE_TEMPLATE",
  "DATASET_NOT_IN_DATASTORE",
  "DATASET_FILE_NOT_FOUND",
  "FILE_INTEGRITY",
  "UNKNOWN_FORMATTER",
  "FORMATTER_LOOKUP",
  "WRITE_RECIPE",
  "FORMATTER",
  "DATASTORE_CONFIG",
  "PATH_ESCAPE",
  "READ_ONLY_BUTLER",
  "NO_DEFAULT_COLLECTION",
  "REPOSITORY_CONFIG",
  // daf_butler exits 1 on these too.
  "REFUSED",
  "VERIFY_FAILED",
  "CONFIG_VALIDATION",
];

const STATUS_OF: Partial<Record<ErrorCode, number>> = EXIT_STATUS;

let pendingStatus = 0;

/**
 * For a command that finishes its output but must still exit with a failure status (a listing of a
 * damaged file): `main` returns the highest status set this way once the command returns.
 */
export function setExitStatus(status: number): void {
  pendingStatus = Math.max(pendingStatus, status);
}

/** The status set with `setExitStatus` since the last call, then 0 again. */
export function takeExitStatus(): number {
  const status = pendingStatus;
  pendingStatus = 0;
  return status;
}

/** The exit status for an error. */
export function exitStatusOf(err: unknown): number {
  if (err instanceof ButlerError) return STATUS_OF[err.code] ?? 1;
  const code = (err as { code?: string }).code;
  if (code === "ENOENT") return EXIT_STATUS.NOT_FOUND;
  return 1;
}

/** The message line printed for an error. */
export function describeError(err: unknown): string {
  if (err instanceof ButlerError) return `butler: error [${err.code}]: ${err.cliMessage ?? err.message}`;
  if (err instanceof Error) {
    const code = (err as { code?: string }).code;
    return `butler: error${code ? ` [${code}]` : ""}: ${err.message}`;
  }
  return `butler: error: ${String(err)}`;
}
