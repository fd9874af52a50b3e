/** Errors of reading and writing bytes: the `bytes` layer's sources and the `resources` layer's paths. */
import { ButlerError, InvalidArgumentError } from "./base.ts";

/** A read asked for bytes outside the object, or the object returned fewer bytes than asked. */
export class ByteRangeError extends ButlerError {
  readonly key: string;
  readonly offset: number;
  readonly length: number;

  constructor(key: string, offset: number, length: number, detail: string) {
    super("BYTE_RANGE", `cannot read ${length} bytes at offset ${offset} of ${key}: ${detail}`);
    this.key = key;
    this.offset = offset;
    this.length = length;
  }
}

/** The object was not found where its key says. */
export class ObjectNotFoundError extends ButlerError {
  readonly key: string;

  constructor(key: string, options?: { cause?: unknown }) {
    super("NOT_FOUND", `no such object: ${key}`, options);
    this.key = key;
  }
}

/** The object changed between two reads (its ETag or modification stamp differs). */
export class EtagMismatchError extends ButlerError {
  readonly key: string;

  constructor(key: string, expected: string, actual: string) {
    super("ETAG_MISMATCH", `${key} changed while being read: etag ${expected} became ${actual}`);
    this.key = key;
  }
}

/**
 * A remote store (HTTP, WebDAV, S3) answered with an error or could not be reached. `retryable` says
 * whether trying again may help (5xx, 429, timeouts, resets, truncated bodies); `status` is the HTTP
 * status when there was an answer.
 */
export class RemoteStoreError extends ButlerError {
  readonly uri: string;
  readonly operation: string;
  readonly status?: number;
  readonly retryable: boolean;

  constructor(
    uri: string,
    operation: string,
    detail: string,
    options: { status?: number; retryable: boolean; cause?: unknown },
  ) {
    super(
      "REMOTE_STORE",
      `${operation} ${uri} failed: ${detail}`,
      options.cause === undefined ? undefined : { cause: options.cause },
    );
    this.uri = uri;
    this.operation = operation;
    if (options.status !== undefined) this.status = options.status;
    this.retryable = options.retryable;
  }
}

/** A remote operation kept failing with transient errors until its retry budget was spent; `cause` is the last failure. */
export class RetriesExhaustedError extends ButlerError {
  readonly uri: string;
  readonly operation: string;
  readonly attempts: number;
  readonly elapsedMs: number;

  constructor(uri: string, operation: string, attempts: number, elapsedMs: number, cause: unknown) {
    const last = cause instanceof Error ? `: ${cause.message}` : "";
    super(
      "RETRIES_EXHAUSTED",
      `${operation} ${uri} gave up after ${attempts} attempt${attempts === 1 ? "" : "s"} in ${Math.round(elapsedMs)} ms${last}`,
      { cause },
    );
    this.uri = uri;
    this.operation = operation;
    this.attempts = attempts;
    this.elapsedMs = elapsedMs;
  }
}

/** A write that must not replace an existing object found one at its target. */
export class ResourceExistsError extends ButlerError {
  readonly uri: string;

  constructor(uri: string, options?: { cause?: unknown }) {
    super("RESOURCE_EXISTS", `${uri} already exists and would be replaced`, options);
    this.uri = uri;
  }
}

/** A URI that cannot name a resource: unknown scheme, malformed, or missing a bucket or host. */
export class InvalidUriError extends InvalidArgumentError {
  readonly uri: string;

  constructor(uri: string, reason: string) {
    super(`invalid resource URI '${uri}': ${reason}`);
    this.uri = uri;
  }
}

/** The disk (or quota) that holds a file is full. */
export class StorageFullError extends ButlerError {
  readonly path: string;

  constructor(path: string, options?: { cause?: unknown }) {
    super(
      "STORAGE_FULL",
      `no space left to write ${path} (disk or quota full); free space there and try again`,
      options,
    );
    this.path = path;
  }
}
