/**
 * A ByteSource that fetches a planned set of ranges up front (coalesced, in parallel) and serves the
 * reads that fall inside them from memory; other reads pass through. A formatter wraps its source in
 * it with the ranges its plan gives, so a header-only read is one request per contiguous header run
 * instead of one per 2880-byte block, and a known size saves the size probe (an HTTP HEAD later).
 */
import type { ByteRange, ByteSource, ReadOptions } from "../bytes/byte-source.ts";
import { coalesceRanges } from "../bytes/coalesce-ranges.ts";

export interface PrefetchOptions {
  /** The object's size, when known (from the byte index): `size()` then needs no request. */
  size?: number;
  /** Bridge gaps up to this many bytes between planned ranges (default 0: only adjacent ones merge). */
  gapBytes?: number;
}

interface Block {
  offset: number;
  bytes: Uint8Array;
}

class PrefetchSource implements ByteSource {
  readonly #source: ByteSource;
  readonly #ranges: ByteRange[];
  readonly #size: number | undefined;
  #blocks: Promise<Block[]> | undefined;

  constructor(source: ByteSource, ranges: readonly ByteRange[], options: PrefetchOptions) {
    this.#source = source;
    this.#size = options.size;
    this.#ranges = coalesceRanges(
      ranges.filter((r) => r.length > 0),
      { gapBytes: options.gapBytes ?? 0, maxRequestBytes: Number.MAX_SAFE_INTEGER },
    ).map(({ offset, length }) => ({ offset, length }));
  }

  get key(): string {
    return this.#source.key;
  }

  get etag(): string | undefined {
    return this.#source.etag;
  }

  size(): Promise<number> {
    return this.#size === undefined ? this.#source.size() : Promise.resolve(this.#size);
  }

  async read(offset: number, length: number, options?: ReadOptions): Promise<Uint8Array> {
    const block = await this.#find(offset, length, options);
    if (block === undefined) return this.#source.read(offset, length, options);
    const at = offset - block.offset;
    return block.bytes.slice(at, at + length);
  }

  async readInto(offset: number, target: Uint8Array, options?: ReadOptions): Promise<void> {
    const block = await this.#find(offset, target.byteLength, options);
    if (block !== undefined) {
      const at = offset - block.offset;
      target.set(block.bytes.subarray(at, at + target.byteLength));
    } else if (this.#source.readInto !== undefined) {
      await this.#source.readInto(offset, target, options);
    } else {
      target.set(await this.#source.read(offset, target.byteLength, options));
    }
  }

  async close(): Promise<void> {
    await this.#source.close?.();
  }

  async #find(offset: number, length: number, options?: ReadOptions): Promise<Block | undefined> {
    const inside = this.#ranges.some((r) => offset >= r.offset && offset + length <= r.offset + r.length);
    if (!inside) return undefined;
    if (this.#blocks === undefined) {
      const fetching = Promise.all(
        this.#ranges.map(async (r) => ({
          offset: r.offset,
          bytes: await this.#source.read(r.offset, r.length, options),
        })),
      );
      this.#blocks = fetching;
      // A failed prefetch is not kept: the next read tries again.
      fetching.catch(() => {
        if (this.#blocks === fetching) this.#blocks = undefined;
      });
    }
    const blocks = await this.#blocks;
    return blocks.find((b) => offset >= b.offset && offset + length <= b.offset + b.bytes.byteLength);
  }
}

/** Wraps `source` so reads inside `ranges` are served from one up-front fetch of those ranges. */
export function withPrefetch(
  source: ByteSource,
  ranges: readonly ByteRange[],
  options: PrefetchOptions = {},
): ByteSource {
  return new PrefetchSource(source, ranges, options);
}
