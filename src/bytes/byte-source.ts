/**
 * The contract at the bottom of every read: random access to the bytes of one object.
 * Ranges are half-open (`offset` inclusive, `offset + length` exclusive) everywhere in the code base;
 * they become HTTP's inclusive form only at the HTTP edge.
 */
export interface ReadOptions {
  signal?: AbortSignal;
}

export interface ByteSource {
  /** A stable name of the object (path or URI), used in cache keys and error messages. */
  readonly key: string;
  /** A validator of the object's version (ETag, or size+mtime for files), when known. */
  readonly etag?: string;
  /** Total size in bytes. */
  size(): Promise<number>;
  /**
   * Exactly `length` bytes starting at `offset`. A read past the end or a short answer is a
   * `ByteRangeError`, never a silently short array.
   */
  read(offset: number, length: number, options?: ReadOptions): Promise<Uint8Array>;
  /**
   * Optional zero-copy variant: fills all of `target` (`target.byteLength` bytes) from `offset`, so a
   * reader can land image data straight in the final typed array's buffer. Same range rules as `read`.
   * Callers without it fall back to `read` plus a copy (see `readInto` in `read-into.ts`).
   */
  readInto?(offset: number, target: Uint8Array, options?: ReadOptions): Promise<void>;
  /** Releases handles; reads after close may fail. */
  close?(): Promise<void>;
}

/** A half-open byte range `[offset, offset + length)`. */
export interface ByteRange {
  offset: number;
  length: number;
}
