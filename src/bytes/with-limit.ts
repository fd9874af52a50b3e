/**
 * A bound on the reads in flight across many sources: every source wrapped with one `RequestLimiter`
 * waits for a slot before each read (and size probe), so a batch of gets against one remote store keeps
 * at most `limit` requests open however many datasets it reads at once. Waiters are served in order.
 */
import type { ByteSource, ReadOptions } from "./byte-source.ts";

export const DEFAULT_REQUEST_LIMIT = 16;

export class RequestLimiter {
  readonly limit: number;
  #inFlight = 0;
  /** The most requests that were ever in flight at once. */
  peak = 0;
  readonly #waiting: (() => void)[] = [];

  constructor(limit = DEFAULT_REQUEST_LIMIT) {
    this.limit = Math.max(1, Math.floor(limit));
  }

  get inFlight(): number {
    return this.#inFlight;
  }

  /** Runs `fn` in a slot. */
  async run<T>(fn: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    signal?.throwIfAborted();
    if (this.#inFlight >= this.limit) {
      // Woken with the slot of a read that ended: the count already includes this one.
      await new Promise<void>((resolve) => this.#waiting.push(resolve));
    } else {
      this.#inFlight++;
    }
    this.peak = Math.max(this.peak, this.#inFlight);
    try {
      signal?.throwIfAborted();
      return await fn();
    } finally {
      const next = this.#waiting.shift();
      if (next !== undefined) next();
      else this.#inFlight--;
    }
  }
}

class LimitedSource implements ByteSource {
  readonly #source: ByteSource;
  readonly #limiter: RequestLimiter;
  readonly readInto?: (offset: number, target: Uint8Array, options?: ReadOptions) => Promise<void>;

  constructor(source: ByteSource, limiter: RequestLimiter) {
    this.#source = source;
    this.#limiter = limiter;
    if (source.readInto !== undefined) {
      const inner = source.readInto.bind(source);
      this.readInto = (offset, target, options) =>
        limiter.run(() => inner(offset, target, options), options?.signal);
    }
  }

  get key(): string {
    return this.#source.key;
  }

  get etag(): string | undefined {
    return this.#source.etag;
  }

  size(): Promise<number> {
    return this.#limiter.run(() => this.#source.size());
  }

  read(offset: number, length: number, options?: ReadOptions): Promise<Uint8Array> {
    return this.#limiter.run(() => this.#source.read(offset, length, options), options?.signal);
  }

  async close(): Promise<void> {
    await this.#source.close?.();
  }
}

/** Wraps `source` so its reads take a slot of `limiter`. */
export function withLimit(source: ByteSource, limiter: RequestLimiter): ByteSource {
  return new LimitedSource(source, limiter);
}
