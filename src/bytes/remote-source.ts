import { ByteRangeError, EtagMismatchError, RemoteStoreError } from "../errors/index.ts";
import type { ByteRange, ByteSource, ReadOptions } from "./byte-source.ts";
import { checkRange, checkWithinSize } from "./check-range.ts";
import { fillFromBody } from "./fill-from-body.ts";
import { parseContentRange, rangeHeader } from "./http-range.ts";
import { transportError } from "./retry.ts";

/** What went over the wire, which can differ from what callers read (see `fullResponses`). */
export interface RemoteTransferStats {
  /** GET requests sent. */
  gets: number;
  /** HEAD requests sent (size probes). */
  heads: number;
  /** Body bytes received, including those of whole-object answers beyond the range asked. */
  bytesReceived: number;
  /** Range requests the server answered with the whole object (200): served by slicing. */
  fullResponses: number;
}

/** A successful answer to one ranged GET, before its body is read. */
export interface RangeAnswer {
  /** The HTTP status, when known. */
  status: number | undefined;
  /** The answer is the range asked for (206, or a Content-Range), not the whole object. */
  partial: boolean;
  contentRange: string | undefined;
  contentLength: number | undefined;
  body: AsyncIterable<Uint8Array>;
  /** Lets go of a body that will not be read. */
  discard(): Promise<void> | void;
  /** Lets go of a body that failed while being read, when that needs doing. */
  abandon?(): void;
}

/**
 * The part of a ByteSource over a remote object that does not depend on the protocol: the size from
 * the caller, a Content-Range or one shared HEAD probe; the pinned ETag; range checks before any
 * request; and checking and reading a ranged answer into its target. Subclasses send the requests:
 * `head()` for the size and `fetchRange()` for one ranged GET, turning failures into typed errors.
 */
export abstract class RemoteSource implements ByteSource {
  readonly key: string;
  readonly stats: RemoteTransferStats = { gets: 0, heads: 0, bytesReceived: 0, fullResponses: 0 };
  #size: number | undefined;
  #sizeProbe: Promise<number> | undefined;
  #etag: string | undefined;

  constructor(key: string, size: number | undefined, etag: string | undefined) {
    this.key = key;
    this.#size = size;
    this.#etag = etag;
  }

  get etag(): string | undefined {
    return this.#etag;
  }

  size(): Promise<number> {
    if (this.#size !== undefined) return Promise.resolve(this.#size);
    // Concurrent first callers share one HEAD; a failed probe is forgotten so a retry probes again.
    this.#sizeProbe ??= this.head()
      .then((size) => {
        this.#size = size;
        return size;
      })
      .finally(() => {
        this.#sizeProbe = undefined;
      });
    return this.#sizeProbe;
  }

  async read(offset: number, length: number, options?: ReadOptions): Promise<Uint8Array> {
    this.#check(offset, length, options);
    const target = new Uint8Array(length);
    await this.#fill(offset, target, options?.signal);
    return target;
  }

  async readInto(offset: number, target: Uint8Array, options?: ReadOptions): Promise<void> {
    this.#check(offset, target.byteLength, options);
    await this.#fill(offset, target, options?.signal);
  }

  /** Sends one HEAD (counted in `stats.heads`) and returns the object's size. */
  protected abstract head(): Promise<number>;

  /**
   * Sends one GET (counted in `stats.gets`) for the bytes `want`, whose Range header is `range`.
   * Failed statuses become typed errors; the answer's ETag is checked before returning.
   */
  protected abstract fetchRange(want: ByteRange, range: string, signal?: AbortSignal): Promise<RangeAnswer>;

  /** Whether two ETags name the same version. */
  protected sameEtag(a: string, b: string): boolean {
    return a === b;
  }

  /** Pins the first ETag seen; a different one later means the object changed under us. */
  protected checkEtag(etag: string | undefined): void {
    if (etag === undefined) return;
    if (this.#etag === undefined) this.#etag = etag;
    else if (!this.sameEtag(this.#etag, etag)) throw new EtagMismatchError(this.key, this.#etag, etag);
  }

  /** Records the object's size, learned from an answer. */
  protected learnSize(size: number): void {
    this.#size = size;
  }

  /** Fails before any request when the read is aborted, malformed or past a known end. */
  #check(offset: number, length: number, options: ReadOptions | undefined): void {
    options?.signal?.throwIfAborted();
    checkRange(this.key, offset, length);
    if (this.#size !== undefined) checkWithinSize(this.key, offset, length, this.#size);
  }

  async #fill(offset: number, target: Uint8Array, signal: AbortSignal | undefined): Promise<void> {
    const length = target.byteLength;
    if (length === 0) {
      // HTTP cannot name an empty range; an empty read only needs to be within the object.
      checkWithinSize(this.key, offset, 0, await this.size());
      return;
    }
    const range = rangeHeader(this.key, offset, length);
    const res = await this.fetchRange({ offset, length }, range, signal);
    let skip = 0;
    if (res.partial) {
      const span = parseContentRange(res.contentRange);
      if (span?.total !== undefined) this.#size = span.total;
      if (span?.start !== offset || span.end === undefined) {
        await res.discard();
        throw new RemoteStoreError(this.key, "GET", `answered range ${res.contentRange} to ${range}`, {
          status: res.status,
          retryable: false,
        });
      }
      if (span.end < offset + length - 1) {
        await res.discard();
        const size = span.total ?? span.end + 1;
        throw new ByteRangeError(
          this.key,
          offset,
          length,
          `range ends past the end of the object (size ${size})`,
        );
      }
    } else {
      // The server ignored Range and sent the whole object: take our slice of it.
      this.stats.fullResponses += 1;
      if (res.contentLength !== undefined) {
        this.#size = res.contentLength;
        if (offset + length > res.contentLength) {
          await res.discard();
          throw new ByteRangeError(
            this.key,
            offset,
            length,
            `range ends past the end of the object (size ${res.contentLength})`,
          );
        }
      }
      skip = offset;
    }
    const got = { filled: 0, received: 0 };
    try {
      await fillFromBody(res.body, target, skip, res.contentLength, got);
    } catch (err) {
      res.abandon?.();
      if (signal?.aborted) throw signal.reason;
      throw transportError(this.key, "GET", err);
    } finally {
      // Counted on every path, so a truncated or abandoned body still shows in the transfer stats.
      this.stats.bytesReceived += got.received;
    }
    if (got.filled < length) {
      throw new RemoteStoreError(this.key, "GET", `body ended after ${got.filled} of ${length} bytes`, {
        status: res.status,
        retryable: true,
      });
    }
  }
}
