import { RetriesExhaustedError } from "../errors/index.ts";
import type { ByteSource, ReadOptions } from "./byte-source.ts";
import { type RetryEvent, type RetryPolicy, retrying } from "./retry.ts";

export interface RetryOptions extends RetryPolicy {
  onRetry?: (event: RetryEvent) => void;
}

/** Counters of what the retries did, for the timer log and tests. */
export interface RetryStats {
  /** Attempts beyond the first, over all calls. */
  retries: number;
  /** Calls that spent their budget and failed with RetriesExhaustedError. */
  exhausted: number;
}

export interface RetryingSource extends ByteSource {
  readonly stats: RetryStats;
}

/**
 * Retries each read (and size probe) of a remote source on transient failures within the policy's
 * budget. Reads are idempotent: a retried `readInto` refills its target from the start. Stack it below
 * `withMetrics` to count caller reads, above it to count every attempt.
 */
class RetrySource implements RetryingSource {
  readonly #source: ByteSource;
  readonly #options: RetryOptions;
  readonly stats: RetryStats = { retries: 0, exhausted: 0 };
  readonly readInto?: (offset: number, target: Uint8Array, options?: ReadOptions) => Promise<void>;

  constructor(source: ByteSource, options: RetryOptions) {
    this.#source = source;
    this.#options = options;
    if (source.readInto !== undefined) {
      const inner = source.readInto.bind(source);
      this.readInto = (offset, target, opts) =>
        this.#run("GET", opts?.signal, () => inner(offset, target, opts));
    }
  }

  get key(): string {
    return this.#source.key;
  }

  get etag(): string | undefined {
    return this.#source.etag;
  }

  size(): Promise<number> {
    return this.#run("HEAD", undefined, () => this.#source.size());
  }

  read(offset: number, length: number, options?: ReadOptions): Promise<Uint8Array> {
    return this.#run("GET", options?.signal, () => this.#source.read(offset, length, options));
  }

  async close(): Promise<void> {
    await this.#source.close?.();
  }

  async #run<T>(operation: string, signal: AbortSignal | undefined, run: () => Promise<T>): Promise<T> {
    try {
      return await retrying(run, this.#options, {
        uri: this.key,
        operation,
        signal,
        onRetry: (event) => {
          this.stats.retries += 1;
          this.#options.onRetry?.(event);
        },
      });
    } catch (err) {
      if (err instanceof RetriesExhaustedError) this.stats.exhausted += 1;
      throw err;
    }
  }
}

/** Wraps `source` so transient failures are retried with backoff (see `retrying` for the rules). */
export function withRetry(source: ByteSource, options: RetryOptions = {}): RetryingSource {
  return new RetrySource(source, options);
}
