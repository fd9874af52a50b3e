import { InvalidArgumentError } from "../errors/index.ts";
import { raceAbort } from "./abort.ts";
import type { ByteSource, ReadOptions } from "./byte-source.ts";
import { checkLength, checkRange, checkWithinSize } from "./check-range.ts";
import { invoke } from "./invoke.ts";

export interface BlockCacheOptions {
  /** Reads are widened to whole blocks of this many bytes (the last block of the object is shorter). */
  blockSize?: number;
  /** Upper bound on cached bytes; blocks a read in progress still needs may briefly exceed it. */
  maxBytes?: number;
}

/** Counters for the timer log: hits and misses are counted in blocks. */
export interface BlockCacheStats {
  hits: number;
  misses: number;
  evictions: number;
}

/** A ByteSource that also tells what its cache holds. */
export interface BlockCachedSource extends ByteSource {
  readonly stats: BlockCacheStats;
  /** Bytes of fetched blocks currently held. */
  readonly cachedBytes: number;
  readInto(offset: number, target: Uint8Array, options?: ReadOptions): Promise<void>;
}

export const DEFAULT_BLOCK_SIZE = 64 * 1024;
export const DEFAULT_CACHE_BYTES = 64 * 1024 * 1024;

interface Block {
  /** Resolves to the block's bytes; shared by every reader that needs the block while it is in flight. */
  promise: Promise<Uint8Array>;
  /** Set once fetched; only blocks with data count towards `maxBytes` and can be evicted. */
  data: Uint8Array | undefined;
  /** Reads in progress that need this block; a pinned block is never evicted. */
  pins: number;
}

/**
 * The cache map doubles as the LRU list: a Map iterates in insertion order, and a hit re-inserts
 * its block at the end, so eviction walks from the least recently used.
 *
 * Aborts: a caller's signal rejects only that caller. Fetches are shared by every reader of their
 * blocks, so they are never aborted; a fetch that finishes after its caller left still fills the cache.
 */
class BlockCacheSource implements BlockCachedSource {
  readonly #source: ByteSource;
  readonly #blockSize: number;
  readonly #maxBytes: number;
  readonly #blocks = new Map<string, Block>();
  #cachedBytes = 0;
  #size: Promise<number> | undefined;
  readonly stats: BlockCacheStats = { hits: 0, misses: 0, evictions: 0 };

  constructor(source: ByteSource, options: BlockCacheOptions) {
    this.#source = source;
    this.#blockSize = options.blockSize ?? DEFAULT_BLOCK_SIZE;
    this.#maxBytes = options.maxBytes ?? DEFAULT_CACHE_BYTES;
    if (!Number.isSafeInteger(this.#blockSize) || this.#blockSize <= 0) {
      throw new InvalidArgumentError(`blockSize must be a positive integer, got ${options.blockSize}`);
    }
    if (!Number.isSafeInteger(this.#maxBytes) || this.#maxBytes < 0) {
      throw new InvalidArgumentError(`maxBytes must be a non-negative integer, got ${options.maxBytes}`);
    }
  }

  get key(): string {
    return this.#source.key;
  }

  get etag(): string | undefined {
    return this.#source.etag;
  }

  get cachedBytes(): number {
    return this.#cachedBytes;
  }

  /** Asked once: block boundaries need it to clip the last block. A failure is forgotten. */
  size(): Promise<number> {
    if (this.#size === undefined) {
      const asking = this.#source.size().catch((err: unknown) => {
        if (this.#size === asking) this.#size = undefined;
        throw err;
      });
      this.#size = asking;
    }
    return this.#size;
  }

  async read(offset: number, length: number, options?: ReadOptions): Promise<Uint8Array> {
    // A copy, never a view of a cached block: callers may decode in place.
    const size = await this.#check(offset, length, options?.signal);
    const target = new Uint8Array(length);
    await this.#fill(offset, target, size, options?.signal);
    return target;
  }

  async readInto(offset: number, target: Uint8Array, options?: ReadOptions): Promise<void> {
    const size = await this.#check(offset, target.byteLength, options?.signal);
    await this.#fill(offset, target, size, options?.signal);
  }

  async close(): Promise<void> {
    await this.#source.close?.();
  }

  /** Validates the range before anything is allocated or fetched; returns the object size. */
  async #check(offset: number, length: number, signal: AbortSignal | undefined): Promise<number> {
    signal?.throwIfAborted();
    checkRange(this.key, offset, length);
    const size = await raceAbort(this.size(), signal);
    checkWithinSize(this.key, offset, length, size);
    return size;
  }

  async #fill(
    offset: number,
    target: Uint8Array,
    size: number,
    signal: AbortSignal | undefined,
  ): Promise<void> {
    const length = target.byteLength;
    if (length === 0) return;

    const bs = this.#blockSize;
    const first = Math.floor(offset / bs);
    const last = Math.floor((offset + length - 1) / bs);
    // Read after size(): a file source learns its etag from the same stat.
    const prefix = `${this.key}\u0000${this.etag ?? ""}\u0000`;
    const needed: Block[] = [];
    let run: { first: number; blocks: Block[] } | undefined;
    for (let b = first; b <= last; b++) {
      const key = prefix + b;
      let block = this.#blocks.get(key);
      if (block !== undefined) {
        this.stats.hits += 1;
        this.#blocks.delete(key);
        this.#blocks.set(key, block);
        if (run !== undefined) this.#fetchRun(prefix, run.first, run.blocks, size);
        run = undefined;
      } else {
        this.stats.misses += 1;
        block = { promise: Promise.resolve(new Uint8Array(0)), data: undefined, pins: 0 };
        this.#blocks.set(key, block);
        if (run === undefined) run = { first: b, blocks: [] };
        run.blocks.push(block);
      }
      block.pins += 1;
      needed.push(block);
    }
    if (run !== undefined) this.#fetchRun(prefix, run.first, run.blocks, size);

    try {
      const blocks = await raceAbort(Promise.all(needed.map((block) => block.promise)), signal);
      let written = 0;
      for (let i = 0; i < blocks.length; i++) {
        const blockStart = (first + i) * bs;
        const from = Math.max(offset, blockStart) - blockStart;
        const to = Math.min(offset + length, blockStart + bs) - blockStart;
        target.set(blocks[i]!.subarray(from, to), written);
        written += to - from;
      }
    } finally {
      for (const block of needed) block.pins -= 1;
      this.#evict();
    }
  }

  /** One underlying read for a run of consecutive missing blocks, then split into blocks. */
  #fetchRun(prefix: string, first: number, blocks: Block[], size: number): void {
    const bs = this.#blockSize;
    const start = first * bs;
    const end = Math.min((first + blocks.length) * bs, size);
    const fetched = invoke(() => this.#source.read(start, end - start)).then((bytes) => {
      checkLength(this.key, start, end - start, bytes);
      return bytes;
    });
    blocks.forEach((block, i) => {
      let key = prefix + (first + i);
      block.promise = fetched.then(
        (bytes) => {
          // Copies for multi-block runs, so evicting one block frees its memory.
          const data = blocks.length === 1 ? bytes : bytes.slice(i * bs, Math.min((i + 1) * bs, end - start));
          block.data = data;
          key = this.#rekeyIfEtagLearned(prefix, key, block, first + i);
          if (this.#blocks.get(key) === block) this.#cachedBytes += data.byteLength;
          this.#evict();
          return data;
        },
        (err: unknown) => {
          // Forget the failure so the next reader fetches again.
          if (this.#blocks.get(key) === block) this.#blocks.delete(key);
          throw err;
        },
      );
      // Readers that aborted no longer listen; keep their blocks' failures from being unhandled.
      block.promise.catch(() => {});
    });
  }

  /**
   * A remote source learns its ETag from its first answer, so blocks fetched before were keyed with
   * none. The bytes are of the version that answer pinned (a later different one is an error), so
   * they move under the ETag's key instead of being orphaned.
   */
  #rekeyIfEtagLearned(prefix: string, key: string, block: Block, index: number): string {
    if (this.etag === undefined || !prefix.endsWith("\u0000\u0000")) return key;
    const learned = `${this.key}\u0000${this.etag}\u0000${index}`;
    if (this.#blocks.get(key) !== block || this.#blocks.has(learned)) return key;
    this.#blocks.delete(key);
    this.#blocks.set(learned, block);
    return learned;
  }

  #evict(): void {
    if (this.#cachedBytes <= this.#maxBytes) return;
    for (const [key, block] of this.#blocks) {
      if (this.#cachedBytes <= this.#maxBytes) break;
      if (block.data === undefined || block.pins > 0) continue;
      this.#blocks.delete(key);
      this.#cachedBytes -= block.data.byteLength;
      this.stats.evictions += 1;
    }
  }
}

/**
 * Wraps `source` with a block cache: reads are widened to aligned blocks, blocks are shared by
 * concurrent readers while in flight, kept up to `maxBytes` with LRU eviction, and keyed by the
 * source's key and etag so a changed object is never served from old blocks.
 */
export function withBlockCache(source: ByteSource, options: BlockCacheOptions = {}): BlockCachedSource {
  return new BlockCacheSource(source, options);
}
