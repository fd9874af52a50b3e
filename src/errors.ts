/**
 * One error base for the whole butler. Every error has a stable `code` (the CLI maps codes to exit
 * statuses), typed fields that explain it, and the underlying failure as `cause`.
 * This module imports nothing so that every layer, however low, can use it.
 */
export class ButlerError extends Error {
  readonly code: string;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}

/** Narrows `err` to a ButlerError, optionally with one of the given codes. */
export function isButlerError(err: unknown, ...codes: string[]): err is ButlerError {
  return err instanceof ButlerError && (codes.length === 0 || codes.includes(err.code));
}

/** Where in a FITS stream a problem was found; every field is optional because not every check knows it. */
export interface FitsLocation {
  /** File path or URI of the stream. */
  uri?: string;
  /** 0-based HDU index. */
  hdu?: number;
  /** Byte offset in the (decompressed) stream. */
  offset?: number;
  /** 1-based card number within the HDU's header. */
  card?: number;
}

function describeLocation(where: FitsLocation): string {
  const parts: string[] = [];
  if (where.uri !== undefined) parts.push(where.uri);
  if (where.hdu !== undefined) parts.push(`HDU ${where.hdu}`);
  if (where.card !== undefined) parts.push(`card ${where.card}`);
  if (where.offset !== undefined) parts.push(`byte ${where.offset}`);
  return parts.length > 0 ? ` (${parts.join(", ")})` : "";
}

/** A FITS stream breaks the standard: truncated, garbage, inconsistent sizes, corrupt tiles. */
export class FitsFormatError extends ButlerError {
  readonly uri?: string;
  readonly hdu?: number;
  readonly offset?: number;
  readonly card?: number;

  constructor(message: string, where: FitsLocation = {}, options?: { cause?: unknown }) {
    super("FITS_FORMAT", `${message}${describeLocation(where)}`, options);
    this.uri = where.uri;
    this.hdu = where.hdu;
    this.offset = where.offset;
    this.card = where.card;
  }
}

/** A tile-compression algorithm we recognise but do not decode (or do not know at all). */
export class UnsupportedCompressionError extends ButlerError {
  readonly algorithm: string;

  constructor(algorithm: string, supported: readonly string[], where: FitsLocation = {}) {
    super(
      "UNSUPPORTED_COMPRESSION",
      `compression '${algorithm}' is not supported${describeLocation(where)}; supported: ${supported.join(", ")}`,
    );
    this.algorithm = algorithm;
  }
}

/** A CHECKSUM or DATASUM card does not match the bytes. */
export class ChecksumMismatchError extends ButlerError {
  constructor(message: string, where: FitsLocation = {}) {
    super("CHECKSUM_MISMATCH", `${message}${describeLocation(where)}`);
  }
}

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

/** Arguments or options that a function or command does not accept. */
export class InvalidArgumentError extends ButlerError {
  constructor(message: string) {
    super("INVALID_ARGUMENT", message);
  }
}
