import type { ByteSource, ReadOptions } from "./byte-source.ts";
import { checkRange, checkWithinSize } from "./check-range.ts";

export interface MemorySourceOptions {
  /** Name used in cache keys and errors; defaults to a unique `mem://` URI. */
  key?: string;
  etag?: string;
}

let counter = 0;

/**
 * A ByteSource over bytes already in memory (tests, in-memory objects). Reads return copies, so a
 * caller that decodes in place (byte-swapping FITS data) cannot change what the next caller sees.
 */
export class MemorySource implements ByteSource {
  readonly key: string;
  readonly etag?: string;
  readonly #bytes: Uint8Array;

  constructor(bytes: Uint8Array, options: MemorySourceOptions = {}) {
    // A Buffer's slice() is a view, not a copy; hold a plain Uint8Array so reads always copy.
    this.#bytes = new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.key = options.key ?? `mem://source-${++counter}`;
    this.etag = options.etag;
  }

  async size(): Promise<number> {
    return this.#bytes.byteLength;
  }

  async read(offset: number, length: number, options?: ReadOptions): Promise<Uint8Array> {
    this.#check(offset, length, options);
    return this.#bytes.slice(offset, offset + length);
  }

  async readInto(offset: number, target: Uint8Array, options?: ReadOptions): Promise<void> {
    this.#check(offset, target.byteLength, options);
    target.set(this.#bytes.subarray(offset, offset + target.byteLength));
  }

  #check(offset: number, length: number, options: ReadOptions | undefined): void {
    options?.signal?.throwIfAborted();
    checkRange(this.key, offset, length);
    checkWithinSize(this.key, offset, length, this.#bytes.byteLength);
  }
}

/** A MemorySource over `bytes`. */
export function fromBytes(bytes: Uint8Array, options?: MemorySourceOptions): MemorySource {
  return new MemorySource(bytes, options);
}
