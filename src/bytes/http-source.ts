import type { Dispatcher } from "undici";
import { ByteRangeError, EtagMismatchError, ObjectNotFoundError, RemoteStoreError } from "../errors.ts";
import type { ByteSource, ReadOptions } from "./byte-source.ts";
import { checkRange, checkWithinSize } from "./check-range.ts";
import { fillFromBody } from "./fill-from-body.ts";
import { discardBody, type HttpResponse, header, httpRequest, redact } from "./http-client.ts";
import { isWeakEtag, parseContentRange, rangeHeader } from "./http-range.ts";
import { isTransientStatus, transportError } from "./retry.ts";

export interface HttpSourceOptions {
  /** Name used in cache keys and errors; defaults to the URL without its query (which may be a credential). */
  key?: string;
  /** The object's size when the caller knows it (a datastore record): no HEAD is ever sent then. */
  size?: number;
  /** The version the caller expects; every read must match it. Otherwise the first answer's ETag is kept. */
  etag?: string;
  /** Extra request headers (authorization). */
  headers?: Record<string, string>;
  headersTimeoutMs?: number;
  bodyTimeoutMs?: number;
  dispatcher?: Dispatcher;
}

/** What went over the wire, which can differ from what callers read (see `fullResponses`). */
export interface HttpTransferStats {
  /** GET requests sent. */
  gets: number;
  /** HEAD requests sent (size probes). */
  heads: number;
  /** Body bytes received, including those of whole-object answers beyond the range asked. */
  bytesReceived: number;
  /** Range requests the server answered with the whole object (200): served by slicing. */
  fullResponses: number;
}

/**
 * A ByteSource over one HTTP(S) URL. Each read is one GET with an exact `Range: bytes=a-b`; the size
 * is taken from the caller, or learned from the first Content-Range, and only probed with HEAD when
 * asked for before either. The first ETag seen is pinned: later reads send it as If-Match (412 → a
 * changed object) and compare the answer's ETag, for servers that ignore If-Match.
 *
 * Failures are typed: 404/410 → ObjectNotFoundError, 416 or a range past the end → ByteRangeError,
 * a changed ETag → EtagMismatchError, 408/429/5xx, resets, stalls and truncated bodies → retryable
 * RemoteStoreErrors (wrap with `withRetry`), other statuses → final RemoteStoreErrors.
 */
export class HttpSource implements ByteSource {
  readonly key: string;
  readonly url: string;
  readonly stats: HttpTransferStats = { gets: 0, heads: 0, bytesReceived: 0, fullResponses: 0 };
  readonly #options: HttpSourceOptions;
  #size: number | undefined;
  #sizeProbe: Promise<number> | undefined;
  #etag: string | undefined;

  constructor(url: string, options: HttpSourceOptions = {}) {
    this.url = url;
    this.key = options.key ?? redact(url);
    this.#options = options;
    this.#size = options.size;
    this.#etag = options.etag;
  }

  get etag(): string | undefined {
    return this.#etag;
  }

  size(): Promise<number> {
    if (this.#size !== undefined) return Promise.resolve(this.#size);
    // Concurrent first callers share one HEAD; a failed probe is forgotten so a retry probes again.
    this.#sizeProbe ??= this.#head().finally(() => {
      this.#sizeProbe = undefined;
    });
    return this.#sizeProbe;
  }

  async read(offset: number, length: number, options?: ReadOptions): Promise<Uint8Array> {
    options?.signal?.throwIfAborted();
    checkRange(this.key, offset, length);
    if (this.#size !== undefined) checkWithinSize(this.key, offset, length, this.#size);
    const target = new Uint8Array(length);
    await this.#fill(offset, target, options?.signal);
    return target;
  }

  async readInto(offset: number, target: Uint8Array, options?: ReadOptions): Promise<void> {
    options?.signal?.throwIfAborted();
    checkRange(this.key, offset, target.byteLength);
    if (this.#size !== undefined) checkWithinSize(this.key, offset, target.byteLength, this.#size);
    await this.#fill(offset, target, options?.signal);
  }

  async #fill(offset: number, target: Uint8Array, signal: AbortSignal | undefined): Promise<void> {
    const length = target.byteLength;
    if (length === 0) {
      // HTTP cannot name an empty range; an empty read only needs to be within the object.
      checkWithinSize(this.key, offset, 0, await this.size());
      return;
    }
    const headers: Record<string, string> = {
      ...this.#options.headers,
      range: rangeHeader(this.key, offset, length),
    };
    const pinned = this.#etag;
    if (pinned !== undefined && !isWeakEtag(pinned)) headers["if-match"] = pinned;
    this.stats.gets += 1;
    const res = await httpRequest({
      method: "GET",
      url: this.url,
      headers,
      signal,
      headersTimeoutMs: this.#options.headersTimeoutMs,
      bodyTimeoutMs: this.#options.bodyTimeoutMs,
      dispatcher: this.#options.dispatcher,
    });
    if (res.status !== 206 && res.status !== 200) {
      await discardBody(res);
      throw this.#statusError(res, "GET", offset, length);
    }
    this.#checkEtag(res);
    const contentLength = numberHeader(res, "content-length");
    let skip = 0;
    if (res.status === 206) {
      const span = parseContentRange(header(res, "content-range"));
      if (span?.total !== undefined) this.#size = span.total;
      if (span?.start !== offset || span.end === undefined) {
        await discardBody(res);
        throw new RemoteStoreError(
          this.key,
          "GET",
          `answered range ${header(res, "content-range")} to ${headers.range}`,
          {
            status: 206,
            retryable: false,
          },
        );
      }
      if (span.end < offset + length - 1) {
        await discardBody(res);
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
      if (contentLength !== undefined) {
        this.#size = contentLength;
        if (offset + length > contentLength) {
          await discardBody(res);
          throw new ByteRangeError(
            this.key,
            offset,
            length,
            `range ends past the end of the object (size ${contentLength})`,
          );
        }
      }
      skip = offset;
    }
    const got = { filled: 0, received: 0 };
    try {
      await fillFromBody(res.body, target, skip, contentLength, got);
    } catch (err) {
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

  async #head(): Promise<number> {
    this.stats.heads += 1;
    const res = await httpRequest({
      method: "HEAD",
      url: this.url,
      headers: this.#options.headers,
      headersTimeoutMs: this.#options.headersTimeoutMs,
      dispatcher: this.#options.dispatcher,
    });
    await discardBody(res);
    if (res.status !== 200) throw this.#statusError(res, "HEAD", 0, 0);
    this.#checkEtag(res);
    const size = numberHeader(res, "content-length");
    if (size === undefined) {
      throw new RemoteStoreError(this.key, "HEAD", "the answer has no Content-Length", {
        status: 200,
        retryable: false,
      });
    }
    this.#size = size;
    return size;
  }

  /** Pins the first ETag seen; a different one later means the object changed under us. */
  #checkEtag(res: HttpResponse): void {
    const etag = header(res, "etag");
    if (etag === undefined) return;
    if (this.#etag === undefined) this.#etag = etag;
    else if (!sameEtag(this.#etag, etag)) throw new EtagMismatchError(this.key, this.#etag, etag);
  }

  #statusError(res: HttpResponse, method: string, offset: number, length: number): Error {
    const status = res.status;
    if (status === 404 || status === 410) return new ObjectNotFoundError(this.key);
    if (status === 412) {
      return new EtagMismatchError(
        this.key,
        this.#etag ?? "(none)",
        header(res, "etag") ?? "a different version",
      );
    }
    if (status === 416) {
      const total = parseContentRange(header(res, "content-range"))?.total;
      if (total !== undefined) this.#size = total;
      const size = total === undefined ? "" : ` (size ${total})`;
      return new ByteRangeError(this.key, offset, length, `range not satisfiable${size}`);
    }
    return new RemoteStoreError(this.key, method, `HTTP ${status}`, {
      status,
      retryable: isTransientStatus(status),
    });
  }
}

function numberHeader(res: HttpResponse, name: string): number | undefined {
  const value = header(res, name);
  if (value === undefined || !/^\d+$/.test(value.trim())) return undefined;
  return Number(value);
}

/** ETags compared weakly (RFC 9110 §8.8.3.2): a weak and a strong form of one tag are the same version. */
function sameEtag(a: string, b: string): boolean {
  return a.replace(/^W\//, "") === b.replace(/^W\//, "");
}

/** An HttpSource over `url`. */
export function fromUrl(url: string, options?: HttpSourceOptions): HttpSource {
  return new HttpSource(url, options);
}
