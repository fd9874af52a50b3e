/**
 * The fetch step of a read: the byte ranges a formatter planned from the index are fetched up front,
 * coalesced across gaps that suit the store, in parallel, and the formatter's reads inside them are
 * served from memory. Reads outside them (tiles found through their descriptors, a file read without an
 * index) pass through to the source. A group larger than `maxFetchBytes` is left to the reader, which
 * reads it piece by piece instead of holding it whole.
 */
import type { ByteRange, ByteSource, ReadOptions } from "../bytes/byte-source.ts";
import { coalesceRanges } from "../bytes/coalesce-ranges.ts";

export interface PlannedFetchOptions {
  /** Bridge gaps up to this many bytes between planned ranges. */
  gapBytes: number;
  /** Fetch no group larger than this up front (default 4 MiB). */
  maxFetchBytes?: number;
  /** The object's size when known (from the byte index): `size()` then needs no request. */
  size?: number;
  signal?: AbortSignal;
}

const DEFAULT_MAX_FETCH_BYTES = 4 * 1024 * 1024;

interface Block {
  offset: number;
  bytes: Uint8Array;
}

/** The requests a plan becomes: its ranges coalesced across `gapBytes`, largest groups left out. */
export function plannedRequests(ranges: readonly ByteRange[], options: PlannedFetchOptions): ByteRange[] {
  const max = options.maxFetchBytes ?? DEFAULT_MAX_FETCH_BYTES;
  return coalesceRanges(
    ranges.filter((r) => r.length > 0),
    { gapBytes: options.gapBytes, maxRequestBytes: Number.MAX_SAFE_INTEGER },
  )
    .filter((g) => g.length <= max)
    .map(({ offset, length }) => ({ offset, length }));
}

class PlannedSource implements ByteSource {
  readonly #source: ByteSource;
  readonly #blocks: Block[];
  readonly #size: number | undefined;

  constructor(source: ByteSource, blocks: Block[], size: number | undefined) {
    this.#source = source;
    this.#blocks = blocks;
    this.#size = size;
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
    const block = this.#find(offset, length);
    if (block === undefined) return this.#source.read(offset, length, options);
    const at = offset - block.offset;
    // A copy: readers may decode in place (byte swapping), and a block serves several reads.
    return block.bytes.slice(at, at + length);
  }

  async readInto(offset: number, target: Uint8Array, options?: ReadOptions): Promise<void> {
    const block = this.#find(offset, target.byteLength);
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

  #find(offset: number, length: number): Block | undefined {
    return this.#blocks.find((b) => offset >= b.offset && offset + length <= b.offset + b.bytes.byteLength);
  }
}

/** Fetches the planned `ranges` of `source` now and returns a source that serves reads inside them. */
export async function fetchPlanned(
  source: ByteSource,
  ranges: readonly ByteRange[],
  options: PlannedFetchOptions,
): Promise<ByteSource> {
  const requests = plannedRequests(ranges, options);
  const signal = options.signal;
  const blocks = await Promise.all(
    requests.map(async (r) => ({
      offset: r.offset,
      bytes: await source.read(r.offset, r.length, signal === undefined ? undefined : { signal }),
    })),
  );
  return new PlannedSource(source, blocks, options.size);
}
