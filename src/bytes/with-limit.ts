/**
 * A bound on the reads in flight across many sources: every source wrapped with one `RequestLimiter`
 * waits for a slot before each read (and size probe), so a batch of gets against one remote store keeps
 * at most `limit` requests open however many datasets it reads at once. Waiters are served in order.
 */
import type { ByteSource, ReadOptions } from "./byte-source.ts";

export const DEFAULT_REQUEST_LIMIT = 16;
/** How far an adaptive limit may grow: the shared HTTP agent's connections per origin. */
export const ADAPTIVE_REQUEST_MAX = 32;

export interface AdaptiveLimit {
  /** The most requests in flight the limit may grow to. */
  max: number;
  /** The request time at which `limit` requests keep the store busy; slower answers raise the limit. */
  referenceMs?: number;
}

/** Request time at which the base limit suffices: loopback and LAN stores answer faster. */
const DEFAULT_REFERENCE_MS = 5;

export class RequestLimiter {
  /** The limit it starts with, and never goes below. */
  readonly base: number;
  /** The most it may grow to (equal to `base` when it does not adapt). */
  readonly max: number;
  readonly #referenceMs: number;
  #limit: number;
  #inFlight = 0;
  /** Smoothed time of a request (ms), the latency the limit adapts to. */
  #averageMs: number | undefined;
  /** The most requests that were ever in flight at once. */
  peak = 0;
  readonly #waiting: (() => void)[] = [];

  /**
   * `limit` requests at once; with `adaptive`, more while requests are slow: in flight there are as many
   * as keep the store busy for the measured request time (`limit × ms / referenceMs`, up to `max`), so
   * a batch over a high-latency link needs fewer round trips.
   */
  constructor(limit = DEFAULT_REQUEST_LIMIT, adaptive?: AdaptiveLimit) {
    this.base = Math.max(1, Math.floor(limit));
    this.max = Math.max(this.base, Math.floor(adaptive?.max ?? this.base));
    this.#referenceMs = adaptive?.referenceMs ?? DEFAULT_REFERENCE_MS;
    this.#limit = this.base;
  }

  /** The current limit. */
  get limit(): number {
    return this.#limit;
  }

  get inFlight(): number {
    return this.#inFlight;
  }

  /** Runs `fn` in a slot. */
  async run<T>(fn: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    signal?.throwIfAborted();
    if (this.#inFlight >= this.#limit) {
      // Woken with the slot of a read that ended: the count already includes this one.
      await new Promise<void>((resolve) => this.#waiting.push(resolve));
    } else {
      this.#inFlight++;
    }
    this.peak = Math.max(this.peak, this.#inFlight);
    const started = performance.now();
    try {
      signal?.throwIfAborted();
      return await fn();
    } finally {
      this.#adapt(performance.now() - started);
      const next = this.#inFlight <= this.#limit ? this.#waiting.shift() : undefined;
      if (next !== undefined) next();
      else this.#inFlight--;
      // A raised limit lets more waiters in at once.
      while (this.#inFlight < this.#limit && this.#waiting.length > 0) {
        this.#inFlight++;
        this.#waiting.shift()!();
      }
    }
  }

  #adapt(ms: number): void {
    if (this.max === this.base) return;
    this.#averageMs = this.#averageMs === undefined ? ms : 0.8 * this.#averageMs + 0.2 * ms;
    const wanted = Math.ceil((this.base * this.#averageMs) / this.#referenceMs);
    this.#limit = Math.min(this.max, Math.max(this.base, wanted));
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
