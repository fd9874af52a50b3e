/** Errors of the `fits` layer: streams that break the FITS standard. */
import { ButlerError } from "./base.ts";

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

export function describeLocation(where: FitsLocation): string {
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
