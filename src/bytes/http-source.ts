import type { Dispatcher } from "undici";
import { ByteRangeError, EtagMismatchError, ObjectNotFoundError, RemoteStoreError } from "../errors/index.ts";
import type { ByteRange } from "./byte-source.ts";
import { discardBody, type HttpResponse, header, httpRequest, redact } from "./http-client.ts";
import { isWeakEtag, parseContentRange } from "./http-range.ts";
import { type RangeAnswer, RemoteSource, type RemoteTransferStats } from "./remote-source.ts";
import { isTransientStatus } from "./retry.ts";

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
export type HttpTransferStats = RemoteTransferStats;

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
export class HttpSource extends RemoteSource {
  readonly url: string;
  readonly #options: HttpSourceOptions;

  constructor(url: string, options: HttpSourceOptions = {}) {
    super(options.key ?? redact(url), options.size, options.etag);
    this.url = url;
    this.#options = options;
  }

  protected async fetchRange(want: ByteRange, range: string, signal?: AbortSignal): Promise<RangeAnswer> {
    const headers: Record<string, string> = { ...this.#options.headers, range };
    const pinned = this.etag;
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
      throw this.#statusError(res, "GET", want.offset, want.length);
    }
    this.checkEtag(header(res, "etag"));
    return {
      status: res.status,
      partial: res.status === 206,
      contentRange: header(res, "content-range"),
      contentLength: numberHeader(res, "content-length"),
      body: res.body,
      discard: () => discardBody(res),
    };
  }

  protected async head(): Promise<number> {
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
    this.checkEtag(header(res, "etag"));
    const size = numberHeader(res, "content-length");
    if (size === undefined) {
      throw new RemoteStoreError(this.key, "HEAD", "the answer has no Content-Length", {
        status: 200,
        retryable: false,
      });
    }
    return size;
  }

  /** ETags compared weakly (RFC 9110 §8.8.3.2): a weak and a strong form of one tag are the same version. */
  protected override sameEtag(a: string, b: string): boolean {
    return a.replace(/^W\//, "") === b.replace(/^W\//, "");
  }

  #statusError(res: HttpResponse, method: string, offset: number, length: number): Error {
    const status = res.status;
    if (status === 404 || status === 410) return new ObjectNotFoundError(this.key);
    if (status === 412) {
      return new EtagMismatchError(
        this.key,
        this.etag ?? "(none)",
        header(res, "etag") ?? "a different version",
      );
    }
    if (status === 416) {
      const total = parseContentRange(header(res, "content-range"))?.total;
      if (total !== undefined) this.learnSize(total);
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

/** An HttpSource over `url`. */
export function fromUrl(url: string, options?: HttpSourceOptions): HttpSource {
  return new HttpSource(url, options);
}
