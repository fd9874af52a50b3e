/**
 * The error base for the whole butler. Every error has a stable `code` from `ERROR_CODES` (the CLI maps
 * codes to exit statuses), typed fields that explain it, and the underlying failure as `cause`.
 * The errors of each layer live beside this file, one file per layer; `index.ts` exports them all.
 * Nothing here imports a layer, so every layer, however low, can use these.
 */

/**
 * Every error code, grouped by the layer that raises it. A code names a kind of failure, not a class:
 * a subclass may share its parent's code (`InvalidUriError` is an `INVALID_ARGUMENT`).
 */
export const ERROR_CODES = [
  // any layer
  "INVALID_ARGUMENT",
  // bytes, resources
  "BYTE_RANGE",
  "NOT_FOUND",
  "ETAG_MISMATCH",
  "REMOTE_STORE",
  "RETRIES_EXHAUSTED",
  "RESOURCE_EXISTS",
  "STORAGE_FULL",
  // fits
  "FITS_FORMAT",
  "UNSUPPORTED_COMPRESSION",
  "CHECKSUM_MISMATCH",
  // image
  "IMAGE_FORMAT",
  "MASK_PLANE",
  "COMPONENT_NOT_LOADED",
  // table
  "UNKNOWN_COLUMN",
  "TABLE_FORMAT",
  // time
  "INVALID_TIME",
  // core
  "DIMENSION_CONFIG",
  "DIMENSION_NAME",
  "DIMENSION_VALUE",
  "INCONSISTENT_DATA_ID",
  "UNRESOLVED_DATA_ID",
  "DATASET_TYPE",
  "INVALID_DATASET_ID",
  "COLLECTION_NAME",
  "COLLECTION_TYPE",
  "MISSING_STORAGE_CLASS",
  "STORAGE_CLASS_CONFIG",
  "MISSING_COMPONENT",
  "UNKNOWN_COMPONENT",
  "UNKNOWN_PARAMETER",
  "INVALID_PARAMETER",
  // registry
  "EXPRESSION_SYNTAX",
  "CONFLICTING_DEFINITION",
  "MISSING_DATASET_TYPE",
  "MISSING_COLLECTION",
  "COLLECTION_CYCLE",
  "DATA_ID_VALUE",
  "DIMENSION_RECORD_NOT_FOUND",
  "READ_ONLY_REGISTRY",
  "INVALID_QUERY",
  "EMPTY_QUERY_RESULT",
  "CALIBRATION_LOOKUP",
  "ORPHANED_RECORD",
  "DATASET_NOT_FOUND",
  "SCHEMA_VERSION",
  "EXPORT_FORMAT",
  "REGISTRY_NOT_FOUND",
  "REGISTRY_NOT_WRITEABLE",
  "REGISTRY_LOCKED",
  "REGISTRY_TIMEOUT",
  "REGISTRY_UNAVAILABLE",
  "REGISTRY_FULL",
  "REGISTRY_CORRUPT",
  "TOKEN_NOT_FOUND",
  "QUERY_CANCELLED",
  // datastore
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
  // butler
  "READ_ONLY_BUTLER",
  "NO_DEFAULT_COLLECTION",
  "REPOSITORY_CONFIG",
  // server, client
  "FILE_NOT_SERVED",
  "CLIENT_GONE",
  "QUERY_TIME_LIMIT",
  "SERVER_CONFIG",
  "REQUEST_TOO_LARGE",
  "UNAUTHENTICATED",
  "FORBIDDEN",
  "SERVER_ERROR",
  "SERVER_BUSY",
  "SERVER_UNREACHABLE",
  "SERVER_STREAM_INTERRUPTED",
  "SERVER_URL",
  "NOT_OFFERED_REMOTELY",
  // cli
  "USAGE",
  "REFUSED",
  "VERIFY_FAILED",
  "CONFIG_VALIDATION",
] as const;

/** A stable error code: what kind of failure an error is. */
export type ErrorCode = (typeof ERROR_CODES)[number];

export class ButlerError extends Error {
  readonly code: ErrorCode;
  /**
   * The message in a command-line user's words, where the API's differ (`--collections` for
   * `{ collections }`); the CLI prints it instead of `message`.
   */
  cliMessage?: string;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}

/** Narrows `err` to a ButlerError, optionally with one of the given codes. */
export function isButlerError(err: unknown, ...codes: ErrorCode[]): err is ButlerError {
  return err instanceof ButlerError && (codes.length === 0 || codes.includes(err.code));
}

/** Arguments or options that a function or command does not accept. */
export class InvalidArgumentError extends ButlerError {
  constructor(message: string) {
    super("INVALID_ARGUMENT", message);
  }
}
