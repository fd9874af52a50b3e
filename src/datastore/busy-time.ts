/**
 * Wall time during which at least one read of a source was in flight. Summing per-request times (as
 * `withMetrics` does) overcounts concurrent requests; this is the time a get actually waited on bytes,
 * so that "fetch" and "decode" add up to the read's wall time.
 */
import type { ByteSource, ReadOptions } from "../bytes/byte-source.ts";

export interface BusyClock {
  /** Milliseconds with one or more reads in flight so far. */
  readonly ms: number;
}

class BusySource implements ByteSource, BusyClock {
  readonly #source: ByteSource;
  readonly readInto?: (offset: number, target: Uint8Array, options?: ReadOptions) => Promise<void>;
  #inFlight = 0;
  #since = 0;
  #busy = 0;

  constructor(source: ByteSource) {
    this.#source = source;
    if (source.readInto !== undefined) {
      const inner = source.readInto.bind(source);
      this.readInto = (offset, target, options) => this.#time(() => inner(offset, target, options));
    }
  }

  get ms(): number {
    return this.#busy + (this.#inFlight > 0 ? performance.now() - this.#since : 0);
  }

  get key(): string {
    return this.#source.key;
  }

  get etag(): string | undefined {
    return this.#source.etag;
  }

  size(): Promise<number> {
    return this.#source.size();
  }

  read(offset: number, length: number, options?: ReadOptions): Promise<Uint8Array> {
    return this.#time(() => this.#source.read(offset, length, options));
  }

  async close(): Promise<void> {
    await this.#source.close?.();
  }

  async #time<T>(run: () => Promise<T>): Promise<T> {
    if (this.#inFlight++ === 0) this.#since = performance.now();
    try {
      return await run();
    } finally {
      if (--this.#inFlight === 0) this.#busy += performance.now() - this.#since;
    }
  }
}

/** Wraps `source`; the returned clock says how long reads were in flight. */
export function withBusyTime(source: ByteSource): { source: ByteSource; clock: BusyClock } {
  const busy = new BusySource(source);
  return { source: busy, clock: busy };
}
