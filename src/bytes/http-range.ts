/**
 * The HTTP edge of byte ranges: half-open ranges become inclusive `Range: bytes=a-b` headers here and
 * nowhere else. Suffix (`bytes=-N`) and open-ended (`bytes=a-`) forms are never sent: some stores
 * mishandle them, and an exact range lets a server and a test agree on every byte.
 */
import { ByteRangeError } from "../errors/index.ts";

/** `bytes=a-b` for the half-open range `[offset, offset + length)`; `length` must be positive. */
export function rangeHeader(key: string, offset: number, length: number): string {
  if (length <= 0) throw new ByteRangeError(key, offset, length, "an HTTP range cannot be empty");
  return `bytes=${offset}-${offset + length - 1}`;
}

/** A parsed `Content-Range`: the inclusive span sent (none in a 416's `bytes *` form), and the total when given. */
export interface ContentRange {
  start?: number;
  end?: number;
  total?: number;
}

// Accepts `bytes a-b/total`, `bytes a-b/` + `*` (total unknown) and `bytes ` + `*` + `/total` (a 416).
/** Parses a Content-Range header; undefined when malformed or absent. */
export function parseContentRange(value: string | undefined): ContentRange | undefined {
  if (value === undefined) return undefined;
  const m = /^\s*bytes\s+(?:(\d+)-(\d+)|\*)\/(\d+|\*)\s*$/i.exec(value);
  if (m === null) return undefined;
  const range: ContentRange = {};
  if (m[1] !== undefined && m[2] !== undefined) {
    range.start = Number(m[1]);
    range.end = Number(m[2]);
  }
  if (m[3] !== "*") range.total = Number(m[3]);
  return range;
}

/** True for a weak validator (`W/"…"`), which If-Match may not use (RFC 9110 §13.1.1). */
export function isWeakEtag(etag: string): boolean {
  return etag.startsWith("W/");
}
