import type { ByteRange, ByteSource, ReadOptions } from "./byte-source.ts";

/** What went through a source: the numbers the timer log and the byte-budget tests read. */
export interface ByteMetrics {
  /** Read requests issued (`read` and `readInto`), failed ones included. */
  requests: number;
  /** Bytes returned by successful reads. */
  bytes: number;
  /** Sum of per-request wall time; concurrent requests overlap, so this can exceed elapsed time. */
  ms: number;
  /** Requests that failed (aborts included). */
  errors: number;
  /** `size()` calls, so tests can assert that a read needed no size probe (an HTTP HEAD). */
  sizeCalls: number;
  /** Every range requested, in request order, when recording was asked for. */
  ranges?: ByteRange[];
}

/** Zeroed metrics; `recordRanges` keeps every requested range (for tests: it grows without bound). */
export function createMetrics(options: { recordRanges?: boolean } = {}): ByteMetrics {
  const metrics: ByteMetrics = { requests: 0, bytes: 0, ms: 0, errors: 0, sizeCalls: 0 };
  if (options.recordRanges === true) metrics.ranges = [];
  return metrics;
}

/** Zeroes `metrics` in place (keeping range recording on if it was), so holders of it see the reset. */
export function resetMetrics(metrics: ByteMetrics): void {
  metrics.requests = 0;
  metrics.bytes = 0;
  metrics.ms = 0;
  metrics.errors = 0;
  metrics.sizeCalls = 0;
  if (metrics.ranges !== undefined) metrics.ranges.length = 0;
}

/** A ByteSource that also exposes the metrics it counts into. */
export interface MeteredSource extends ByteSource {
  readonly metrics: ByteMetrics;
}

class MetricsSource implements MeteredSource {
  readonly #source: ByteSource;
  readonly metrics: ByteMetrics;
  readonly readInto?: (offset: number, target: Uint8Array, options?: ReadOptions) => Promise<void>;

  constructor(source: ByteSource, metrics: ByteMetrics) {
    this.#source = source;
    this.metrics = metrics;
    // Offer readInto only when the source has it, so callers above keep their zero-copy path.
    if (source.readInto !== undefined) {
      const inner = source.readInto.bind(source);
      this.readInto = (offset, target, options) =>
        this.#measure(offset, target.byteLength, () => inner(offset, target, options)).then(() => {});
    }
  }

  get key(): string {
    return this.#source.key;
  }

  get etag(): string | undefined {
    return this.#source.etag;
  }

  size(): Promise<number> {
    this.metrics.sizeCalls += 1;
    return this.#source.size();
  }

  read(offset: number, length: number, options?: ReadOptions): Promise<Uint8Array> {
    return this.#measure(offset, length, () => this.#source.read(offset, length, options));
  }

  async close(): Promise<void> {
    await this.#source.close?.();
  }

  async #measure<T>(offset: number, length: number, run: () => Promise<T>): Promise<T> {
    const m = this.metrics;
    m.requests += 1;
    m.ranges?.push({ offset, length });
    const start = performance.now();
    try {
      const result = await run();
      m.bytes += length;
      return result;
    } catch (err) {
      m.errors += 1;
      throw err;
    } finally {
      m.ms += performance.now() - start;
    }
  }
}

/** Wraps `source` so every read is counted into `metrics` (fresh ones, with ranges off, by default). */
export function withMetrics(source: ByteSource, metrics: ByteMetrics = createMetrics()): MeteredSource {
  return new MetricsSource(source, metrics);
}
