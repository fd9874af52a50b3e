/**
 * Maps AWS SDK v3 failures to typed errors. Statuses the caller gives a meaning of its own (412: a
 * changed object on GET, an existing one on a no-clobber PUT; 416) come back as RemoteStoreErrors
 * carrying the status, for the caller to translate.
 */
import { ButlerError, ObjectNotFoundError, RemoteStoreError } from "../errors/index.ts";
import { isTransientStatus, transportError } from "./retry.ts";

interface SdkError {
  name?: string;
  message?: string;
  $retryable?: unknown;
  $metadata?: { httpStatusCode?: number };
}

const TRANSIENT_S3_NAMES = new Set([
  "InternalError",
  "ServiceUnavailable",
  "SlowDown",
  "Throttling",
  "ThrottlingException",
  "RequestTimeout",
  "RequestTimeTooSkewed",
]);

/** The typed error for an SDK failure of `operation` on `uri`; an abort rethrows the signal's reason. */
export function s3Error(uri: string, operation: string, err: unknown, signal?: AbortSignal): unknown {
  if (signal?.aborted) return signal.reason;
  if (err instanceof ButlerError) return err;
  const e = (err ?? {}) as SdkError;
  const status = e.$metadata?.httpStatusCode;
  const name = e.name ?? "";
  if (status === undefined) return transportError(uri, operation, err);
  if (status === 404 || name === "NoSuchKey" || name === "NotFound") {
    return new ObjectNotFoundError(uri, { cause: err });
  }
  const retryable = isTransientStatus(status) || TRANSIENT_S3_NAMES.has(name) || e.$retryable !== undefined;
  const detail = `HTTP ${status}${name !== "" && name !== "Unknown" ? ` ${name}` : ""}`;
  return new RemoteStoreError(uri, operation, detail, { status, retryable, cause: err });
}

/** The HTTP status an SDK error carries, if any. */
export function s3Status(err: unknown): number | undefined {
  return (err as SdkError | undefined)?.$metadata?.httpStatusCode;
}
