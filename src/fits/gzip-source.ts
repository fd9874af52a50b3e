/**
 * Whole-file gzip (`.fits.gz`) as a ByteSource with bounded memory. A gzip stream has no random access,
 * so a small file is inflated at once; a large one is inflated as a stream, keeping only a window of
 * recent bytes: a header read inflates only up to the END card it needs, and a scan of every header
 * walks the stream once without holding it. A read that needs more bytes at once than the cap
 * (`BUTLER_GZIP_MAX_BYTES`, 2 GiB by default) is refused before anything is inflated, so a gzip bomb
 * costs time, never memory.
 */
import { Readable } from "node:stream";
import { createGunzip, gunzipSync } from "node:zlib";
import type { ByteSource, ReadOptions } from "../bytes/byte-source.ts";
import { checkRange, checkWithinSize } from "../bytes/check-range.ts";
import { MemorySource } from "../bytes/memory-source.ts";
import { FitsFormatError, InvalidArgumentError } from "../errors/index.ts";

/** The environment variable that sets the most bytes one read of a gzip-wrapped file may inflate. */
const GZIP_MAX_BYTES_ENV = "BUTLER_GZIP_MAX_BYTES";
const DEFAULT_MAX_BYTES = 2 * 1024 ** 3;
/** Files that declare (and turn out to be) at most this many bytes are inflated whole, for speed. */
const INFLATE_WHOLE_BYTES = 64 * 1024 ** 2;
/** Inflated bytes kept before the current read position, so nearby reads need no restart. */
const WINDOW_BYTES = 16 * 1024 ** 2;
const CHUNK_BYTES = 1024 ** 2;

export interface GzipOptions {
  /** The most bytes one read may inflate; `BUTLER_GZIP_MAX_BYTES`, else 2 GiB. */
  readonly maxBytes?: number;
  /** Files up to this size (compressed and declared) are inflated whole at once; 64 MiB by default. */
  readonly inflateWholeBytes?: number;
}

/** The cap on one read's inflated bytes: the option, else the environment variable, else 2 GiB. */
export function gzipMaxBytes(option?: number): number {
  if (option !== undefined) return option;
  const text = process.env[GZIP_MAX_BYTES_ENV];
  if (text === undefined || text.trim() === "") return DEFAULT_MAX_BYTES;
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value <= 0) {
    throw new InvalidArgumentError(
      `${GZIP_MAX_BYTES_ENV}=${JSON.stringify(text)} is not accepted; accepted: a positive whole number of bytes`,
    );
  }
  return value;
}

/** Whether the first bytes are gzip's magic number. */
export function isGzip(magic: Uint8Array): boolean {
  return magic.length >= 2 && magic[0] === 0x1f && magic[1] === 0x8b;
}

/** Replaces a gzip-wrapped stream by a source of its inflated bytes; other sources pass through. */
export async function inflateIfGzip(source: ByteSource, options: GzipOptions = {}): Promise<ByteSource> {
  const size = await source.size();
  if (size < 2 || !isGzip(await source.read(0, 2))) return source;
  const uri = source.key;
  if (size < 18) throw new FitsFormatError(`gzip stream is truncated: ${size} bytes`, { uri });
  const maxBytes = gzipMaxBytes(options.maxBytes);
  // ISIZE, the last four bytes: the inflated size modulo 2^32 as the writer declared it.
  const trailer = await source.read(size - 4, 4);
  const declared = new DataView(trailer.buffer, trailer.byteOffset, 4).getUint32(0, true);
  const whole = options.inflateWholeBytes ?? INFLATE_WHOLE_BYTES;
  if (declared <= whole && size <= whole) {
    const compressed = await source.read(0, size);
    try {
      const inflated = gunzipSync(compressed, { maxOutputLength: Math.max(1, Math.min(whole, maxBytes)) });
      await source.close?.();
      return new MemorySource(new Uint8Array(inflated.buffer, inflated.byteOffset, inflated.byteLength), {
        key: uri,
      });
    } catch (cause) {
      // More than declared (a bomb that lies about its size): stream it instead.
      if ((cause as { code?: string }).code !== "ERR_BUFFER_TOO_LARGE") {
        await source.close?.();
        throw new FitsFormatError(
          `gzip stream cannot be inflated: ${(cause as Error).message}`,
          { uri },
          { cause },
        );
      }
    }
  }
  return new GzipSource(source, size, declared, maxBytes);
}

interface Chunk {
  readonly start: number;
  readonly bytes: Uint8Array;
}

/** The inflated bytes of a gzip stream, read forward with a window; reading backwards restarts. */
export class GzipSource implements ByteSource {
  readonly key: string;
  readonly #compressed: ByteSource;
  readonly #compressedSize: number;
  readonly #size: number;
  readonly #maxBytes: number;
  #chunks: Chunk[] = [];
  #produced = 0;
  #stream: AsyncIterator<Uint8Array> | undefined;
  /** Reads run one at a time: they share the stream. */
  #queue: Promise<unknown> = Promise.resolve();

  constructor(compressed: ByteSource, compressedSize: number, declaredSize: number, maxBytes: number) {
    this.key = compressed.key;
    this.#compressed = compressed;
    this.#compressedSize = compressedSize;
    this.#size = declaredSize;
    this.#maxBytes = maxBytes;
  }

  async size(): Promise<number> {
    return this.#size;
  }

  /** The most bytes one read may inflate. */
  get maxBytes(): number {
    return this.#maxBytes;
  }

  /**
   * Refuses, before inflating anything, to read `length` bytes of a data part at `offset` when they
   * exceed the cap: a whole read of a gzip bomb's image would hold all of it in memory.
   */
  checkWholeRead(length: number, offset: number): void {
    if (length > this.#maxBytes) throw this.#tooLarge(length, offset);
  }

  #tooLarge(length: number, offset: number): FitsFormatError {
    return new FitsFormatError(
      `reading ${length} bytes of a gzip-wrapped file needs them inflated in memory, more than the ` +
        `${this.#maxBytes}-byte limit (${GZIP_MAX_BYTES_ENV}); raise it, or store the file uncompressed ` +
        "or tile-compressed (.fits.fz)",
      { uri: this.key, offset },
    );
  }

  read(offset: number, length: number, options?: ReadOptions): Promise<Uint8Array> {
    checkRange(this.key, offset, length);
    checkWithinSize(this.key, offset, length, this.#size);
    if (length > this.#maxBytes) return Promise.reject(this.#tooLarge(length, offset));
    const result = this.#queue.then(() => this.#read(offset, length, options));
    this.#queue = result.catch(() => undefined);
    return result;
  }

  async close(): Promise<void> {
    await this.#restart(false);
    await this.#compressed.close?.();
  }

  async #read(offset: number, length: number, options?: ReadOptions): Promise<Uint8Array> {
    options?.signal?.throwIfAborted();
    const end = offset + length;
    if (this.#stream === undefined || offset < (this.#chunks[0]?.start ?? this.#produced)) {
      await this.#restart(true);
    }
    while (this.#produced < end) {
      options?.signal?.throwIfAborted();
      const next = await this.#stream!.next();
      if (next.done) {
        throw new FitsFormatError(
          `gzip stream inflates to ${this.#produced} bytes but declares ${this.#size}`,
          { uri: this.key, offset: this.#produced },
        );
      }
      this.#chunks.push({ start: this.#produced, bytes: next.value });
      this.#produced += next.value.byteLength;
      // Keep what this read needs and a window before the stream's position; drop the rest.
      const keepFrom = Math.min(offset, this.#produced - WINDOW_BYTES);
      while (
        this.#chunks.length > 0 &&
        this.#chunks[0]!.start + this.#chunks[0]!.bytes.byteLength <= keepFrom
      ) {
        this.#chunks.shift();
      }
    }
    const out = new Uint8Array(length);
    for (const chunk of this.#chunks) {
      const from = Math.max(offset, chunk.start);
      const to = Math.min(end, chunk.start + chunk.bytes.byteLength);
      if (from < to) out.set(chunk.bytes.subarray(from - chunk.start, to - chunk.start), from - offset);
    }
    return out;
  }

  async #restart(open: boolean): Promise<void> {
    await this.#stream?.return?.();
    this.#chunks = [];
    this.#produced = 0;
    this.#stream = open ? inflateStream(this.#compressed, this.#compressedSize) : undefined;
  }
}

/** The inflated bytes of `source`, chunk by chunk, reading the compressed bytes a megabyte at a time. */
async function* inflateStream(source: ByteSource, size: number): AsyncGenerator<Uint8Array> {
  const input = Readable.from(
    (async function* () {
      for (let at = 0; at < size; at += CHUNK_BYTES)
        yield await source.read(at, Math.min(CHUNK_BYTES, size - at));
    })(),
  );
  const gunzip = createGunzip({ chunkSize: CHUNK_BYTES });
  input.on("error", (err) => gunzip.destroy(err));
  input.pipe(gunzip);
  try {
    for await (const chunk of gunzip) yield chunk as Uint8Array;
  } catch (cause) {
    if (cause instanceof FitsFormatError) throw cause;
    throw new FitsFormatError(
      `gzip stream cannot be inflated: ${(cause as Error).message}`,
      { uri: source.key },
      { cause },
    );
  } finally {
    input.destroy();
    gunzip.destroy();
  }
}
