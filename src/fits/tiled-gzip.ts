/**
 * Whole-image reads of GZIP_1/GZIP_2 tiles through one inflater into one buffer.
 *
 * Inflating tile by tile (`gunzipTile`) creates a zlib engine and a fresh output buffer per tile. For a
 * 1024×1024 plane that is 1,024 buffers of garbage, which the collector frees only when it gets to
 * them, so a full read peaked at several times the decoded size. Here the tiles of a whole-image read,
 * stored one after the other in the heap, are gzip members of one stream: they are fetched in bounded
 * chunks into one reused buffer, fed to a single streaming gunzip whose output buffer is sized to the
 * whole image, and that buffer becomes the decoded array.
 * Each tile is handed to `onTile` (GZIP_2's unshuffle) as soon as its bytes are complete.
 *
 * Every tile is still checked on its own: it must start with a gzip header and end with a trailer whose
 * length is the tile's size, and the CRC-32 of the bytes decoded at the tile's place must equal its
 * trailer's, so the result is exactly what decoding each tile alone gives. When any of this does not
 * hold (zlib-format tiles, padding between members, a corrupt tile), `inflateTileRun` returns undefined
 * and the caller decodes tile by tile, which reports the fault as before.
 */
import { crc32, createGunzip } from "node:zlib";
import type { ByteRange, ByteSource } from "../bytes/byte-source.ts";
import { readInto } from "../bytes/read-into.ts";

export interface TileRunOptions {
  /** Largest request: tiles are fetched in groups up to this size (a larger tile alone). */
  chunkBytes: number;
  signal?: AbortSignal;
  /**
   * Called once per tile, in order, with its decoded bytes (a view of the output, from byte `at`) and
   * the whole output; may rewrite the tile's bytes in place.
   */
  onTile?: TileCallback;
}

export type TileCallback = (bytes: Uint8Array, at: number, output: Uint8Array) => void;

// A gzip member: a 10-byte header (1f 8b, method 8 = deflate), the deflate data, then CRC-32 and ISIZE.
const MIN_MEMBER_BYTES = 18;
// Beyond this the single output buffer is not attempted (Buffer's limit is near 4 GiB).
const MAX_RUN_BYTES = 2 ** 31;

/** A run is not a clean sequence of gzip members: the caller decodes tile by tile instead. */
class NotARun extends Error {}

/**
 * The heap ranges a run of `tiles` is fetched in: consecutive tiles grouped up to `chunkBytes`.
 * Undefined unless every tile directly follows the previous one and could be a gzip member.
 */
export function tileRunChunks(tiles: readonly ByteRange[], chunkBytes: number): ByteRange[] | undefined {
  // The grouping `coalesceRanges` makes of adjacent ranges, without its per-range bookkeeping.
  const chunks: ByteRange[] = [];
  let current: ByteRange | undefined;
  for (let t = 0; t < tiles.length; t++) {
    const { offset, length } = tiles[t]!;
    if (length < MIN_MEMBER_BYTES) return undefined;
    if (current === undefined) current = { offset, length };
    else if (offset !== current.offset + current.length) return undefined;
    else if (current.length + length <= chunkBytes) current.length += length;
    else {
      chunks.push(current);
      current = { offset, length };
    }
  }
  if (current !== undefined) chunks.push(current);
  return chunks;
}

/**
 * Inflates `tiles` (heap ranges, in output order, each directly after the previous), whose decoded
 * sizes are `sizes`, into one buffer of their total size. Undefined when the tiles are not a clean run
 * of gzip members of those sizes (nothing is returned half-done: the caller starts over tile by tile).
 * Read errors and aborts are thrown.
 */
export async function inflateTileRun(
  source: ByteSource,
  tiles: readonly ByteRange[],
  sizes: readonly number[],
  options: TileRunOptions,
): Promise<Uint8Array | undefined> {
  const total = sizes.reduce((a, b) => a + b, 0);
  if (tiles.length === 0 || tiles.length !== sizes.length || total === 0 || total > MAX_RUN_BYTES)
    return undefined;
  const chunks = tileRunChunks(tiles, options.chunkBytes);
  if (chunks === undefined) return undefined;
  const run = new TileRun(tiles.length, sizes, total, options.onTile);
  try {
    await run.feed(source, tiles, chunks, options.signal);
    return run.result();
  } catch (err) {
    if (err instanceof NotARun) return undefined;
    throw err;
  } finally {
    run.close();
  }
}

/** One streaming gunzip over a run of tiles, and the bookkeeping of where each tile's bytes land. */
class TileRun {
  readonly #gunzip;
  readonly #count: number;
  readonly #sizes: readonly number[];
  readonly #total: number;
  readonly #onTile: TileCallback | undefined;
  /** Each tile's CRC-32 from its trailer, known once its chunk has been checked. */
  readonly #crcs: Int32Array;
  #store: Uint8Array | undefined;
  #written = 0;
  /** The next tile to complete, and where it starts and ends in the output. */
  #next = 0;
  #tileStart = 0;
  #tileEnd: number;
  #failure: unknown;
  #ended = false;
  #settle: (() => void) | undefined;

  constructor(count: number, sizes: readonly number[], total: number, onTile: TileCallback | undefined) {
    this.#count = count;
    this.#sizes = sizes;
    this.#total = total;
    this.#onTile = onTile;
    this.#crcs = new Int32Array(count);
    this.#tileEnd = sizes[0]!;
    // One output buffer for the whole run (one spare byte tells "too long" from "exactly right"); the
    // streaming inflater hands its output out as consecutive views of it, which are kept in place.
    this.#gunzip = createGunzip({ chunkSize: Math.max(64, total + 1) });
    this.#gunzip.on("data", (chunk: Buffer) => this.#onData(chunk));
    this.#gunzip.on("error", (err: unknown) => this.#fail(err));
    this.#gunzip.on("end", () => {
      this.#ended = true;
      this.#settle?.();
    });
    this.#gunzip.on("close", () => {
      if (!this.#ended) this.#fail(new NotARun("the inflater closed before the end"));
    });
  }

  /** Reads the chunks into two alternating buffers, each inflating while the next one is read. */
  async feed(
    source: ByteSource,
    tiles: readonly ByteRange[],
    chunks: readonly ByteRange[],
    signal: AbortSignal | undefined,
  ): Promise<void> {
    const buffer = new Uint8Array(chunks.reduce((n, c) => Math.max(n, c.length), 0));
    const options = signal === undefined ? undefined : { signal };
    let first = 0;
    for (const chunk of chunks) {
      const bytes = chunk.length === buffer.length ? buffer : buffer.subarray(0, chunk.length);
      // The previous chunk's write has completed, so the inflater is done with the buffer.
      await readInto(source, chunk.offset, bytes, options);
      first = this.#checkMembers(tiles, first, chunk, bytes);
      await this.#write(bytes);
      this.#throwIfFailed();
    }
    await new Promise<void>((resolve) => {
      this.#settle = resolve;
      if (this.#ended || this.#failure !== undefined) resolve();
      else this.#gunzip.end();
    });
    this.#throwIfFailed();
  }

  /** The decoded run, once every tile has been placed and checked. */
  result(): Uint8Array {
    if (!this.#ended || this.#written !== this.#total || this.#next !== this.#count) {
      throw new NotARun("the members decode to a different size");
    }
    return this.#store!;
  }

  close(): void {
    this.#gunzip.destroy();
  }

  /** Checks the member framing of the tiles in `chunk` and notes their CRCs; returns the next tile. */
  #checkMembers(tiles: readonly ByteRange[], first: number, chunk: ByteRange, bytes: Uint8Array): number {
    const end = chunk.offset + chunk.length;
    let t = first;
    for (; t < this.#count && tiles[t]!.offset < end; t++) {
      const from = tiles[t]!.offset - chunk.offset;
      const to = from + tiles[t]!.length;
      if (bytes[from] !== 0x1f || bytes[from + 1] !== 0x8b || bytes[from + 2] !== 8) {
        throw new NotARun("not a gzip member");
      }
      // Compared as signed 32-bit integers, which need no heap numbers.
      if (int32le(bytes, to - 4) !== (this.#sizes[t]! | 0)) throw new NotARun("gzip ISIZE differs");
      this.#crcs[t] = int32le(bytes, to - 8);
    }
    return t;
  }

  #write(bytes: Uint8Array): Promise<void> {
    // Settles on the write's callback or on a failure, whichever comes first; a failure is recorded
    // by the error listener and checked after.
    return new Promise((resolve) => {
      this.#settle = resolve;
      this.#gunzip.write(bytes, () => resolve());
    });
  }

  #onData(chunk: Buffer): void {
    if (this.#failure !== undefined) return;
    // Nothing may throw out of a stream listener: a fault is recorded and ends the run instead.
    try {
      this.#take(chunk);
    } catch (err) {
      this.#fail(err);
    }
  }

  #take(chunk: Buffer): void {
    const end = this.#written + chunk.length;
    if (end > this.#total) {
      this.#fail(new NotARun("the members decode to more than the tiles hold"));
      return;
    }
    if (this.#store === undefined) this.#store = adoptOrAllocate(chunk, this.#total);
    const store = this.#store;
    if (chunk.buffer !== store.buffer || chunk.byteOffset !== store.byteOffset + this.#written) {
      store.set(chunk, this.#written);
    }
    this.#written = end;
    while (this.#next < this.#count && this.#written >= this.#tileEnd) {
      const t = this.#next;
      const bytes = store.subarray(this.#tileStart, this.#tileEnd);
      if ((crc32(bytes) | 0) !== this.#crcs[t]) {
        this.#fail(new NotARun("a tile's bytes do not match its CRC"));
        return;
      }
      this.#onTile?.(bytes, this.#tileStart, store);
      this.#next = t + 1;
      this.#tileStart = this.#tileEnd;
      if (this.#next < this.#count) this.#tileEnd += this.#sizes[this.#next]!;
    }
  }

  #fail(err: unknown): void {
    if (this.#failure !== undefined) return;
    this.#failure = err;
    this.#settle?.();
  }

  #throwIfFailed(): void {
    if (this.#failure === undefined) return;
    // A zlib error here means the tiles are not a clean run; tile-by-tile decoding reports the fault.
    throw this.#failure instanceof NotARun
      ? this.#failure
      : new NotARun("gunzip failed", { cause: this.#failure });
  }
}

function int32le(bytes: Uint8Array, at: number): number {
  return bytes[at]! | (bytes[at + 1]! << 8) | (bytes[at + 2]! << 16) | (bytes[at + 3]! << 24);
}

/**
 * The whole-run buffer: the inflater's own output buffer when the first output is the start of one
 * that holds the run (its later output then lands in place), else a fresh one.
 */
function adoptOrAllocate(first: Buffer, total: number): Uint8Array {
  const own = first.buffer;
  if (first.byteOffset === 0 && own.byteLength >= total && own.byteLength - total <= 64) {
    return new Uint8Array(own, 0, total);
  }
  return new Uint8Array(total);
}
