import type { ByteRange, ByteSource, ReadOptions } from "../../src/bytes/byte-source.ts";
import { MemorySource } from "../../src/bytes/memory-source.ts";
import {
  type ByteMetrics,
  createMetrics,
  type MeteredSource,
  withMetrics,
} from "../../src/bytes/with-metrics.ts";

/** Bytes whose value depends on their position, so a misplaced slice shows up. */
export function pattern(size: number): Uint8Array {
  const bytes = new Uint8Array(size);
  for (let i = 0; i < size; i++) bytes[i] = (i * 31 + (i >> 8) * 7 + 1) & 0xff;
  return bytes;
}

/** A memory source wrapped in metrics that record every requested range. */
export function recorded(
  bytes: Uint8Array,
  inner?: ByteSource,
): { source: MeteredSource; metrics: ByteMetrics } {
  const metrics = createMetrics({ recordRanges: true });
  return { source: withMetrics(inner ?? new MemorySource(bytes), metrics), metrics };
}

/** Lets every pending promise callback run (microtasks and one macrotask turn). */
export function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Fails its first `failures` reads with `error`, then reads normally. */
export class FlakySource implements ByteSource {
  readonly key: string;
  failures: number;
  readonly error: Error;
  readonly #inner: ByteSource;

  constructor(inner: ByteSource, failures = 1, error = new Error("transient failure")) {
    this.#inner = inner;
    this.key = inner.key;
    this.failures = failures;
    this.error = error;
  }

  size(): Promise<number> {
    return this.#inner.size();
  }

  async read(offset: number, length: number, options?: ReadOptions): Promise<Uint8Array> {
    if (this.failures > 0) {
      this.failures -= 1;
      throw this.error;
    }
    return this.#inner.read(offset, length, options);
  }
}

interface Waiting {
  range: ByteRange;
  signal: AbortSignal | undefined;
  open(): void;
  fail(err: unknown): void;
}

/** Holds every read until the test opens it, so concurrency is arranged, not timed. */
export class GatedSource implements ByteSource {
  readonly key: string;
  etag?: string;
  readonly waiting: Waiting[] = [];
  readonly #inner: ByteSource;

  constructor(inner: ByteSource) {
    this.#inner = inner;
    this.key = inner.key;
  }

  size(): Promise<number> {
    return this.#inner.size();
  }

  async read(offset: number, length: number, options?: ReadOptions): Promise<Uint8Array> {
    await new Promise<void>((open, fail) => {
      this.waiting.push({ range: { offset, length }, signal: options?.signal, open, fail });
    });
    return this.#inner.read(offset, length);
  }

  /** Opens the pending read at `index` of `waiting` and forgets it. */
  open(index = 0): void {
    const [w] = this.waiting.splice(index, 1);
    if (w === undefined) throw new Error("no read is waiting");
    w.open();
  }
}
