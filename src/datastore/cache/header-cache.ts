/**
 * An in-memory cache of the header bytes of remote files, keyed by (dataset ID, part): a FITS HDU's
 * header, a Parquet footer. The parts come from the record's byte index, so a repeated metadata scan of
 * remote datasets is served from memory without a request. Bounded by bytes, least recently used first
 * out. Datasets never change once stored, so entries never go stale.
 *
 * `withHeaderCache` wraps the source of one read: a read inside a run of adjacent parts (the prefetch of
 * a header scan asks for exactly such a run) is answered from the cache when every part is there;
 * otherwise the whole run is fetched in one read, kept, and the asked bytes returned. Other reads pass
 * through.
 */
import type { ByteRange, ByteSource, ReadOptions } from "../../bytes/byte-source.ts";
import type { ByteIndex } from "../byte-index.ts";

const DEFAULT_HEADER_CACHE_BYTES = 16 * 1024 * 1024;

export class HeaderCache {
  readonly maxBytes: number;
  readonly #entries = new Map<string, Uint8Array>();
  #bytes = 0;
  hits = 0;
  misses = 0;

  constructor(maxBytes = DEFAULT_HEADER_CACHE_BYTES) {
    this.maxBytes = maxBytes;
  }

  get bytes(): number {
    return this.#bytes;
  }

  get(datasetId: string, part: number): Uint8Array | undefined {
    const key = `${datasetId}#${part}`;
    const bytes = this.#entries.get(key);
    if (bytes !== undefined) {
      // Most recently used last.
      this.#entries.delete(key);
      this.#entries.set(key, bytes);
    }
    return bytes;
  }

  set(datasetId: string, part: number, bytes: Uint8Array): void {
    if (bytes.byteLength > this.maxBytes) return;
    const key = `${datasetId}#${part}`;
    const old = this.#entries.get(key);
    if (old !== undefined) {
      this.#bytes -= old.byteLength;
      this.#entries.delete(key);
    }
    this.#entries.set(key, bytes);
    this.#bytes += bytes.byteLength;
    for (const [k, v] of this.#entries) {
      if (this.#bytes <= this.maxBytes) break;
      this.#entries.delete(k);
      this.#bytes -= v.byteLength;
    }
  }

  clear(): void {
    this.#entries.clear();
    this.#bytes = 0;
  }
}

/** The cacheable parts of a file, by the index: FITS headers, a Parquet footer. */
export function headerParts(index: ByteIndex | null): ByteRange[] {
  if (index === null) return [];
  if (index.kind === "fits")
    return index.hdus.map((h) => ({ offset: h.headerOffset, length: h.headerLength }));
  if (index.kind === "parquet") return [index.footer];
  return [];
}

/** Counts of one wrapped read. */
export interface HeaderCacheCounter {
  /** Reads answered from memory. */
  hits: number;
}

class HeaderCachedSource implements ByteSource {
  readonly #source: ByteSource;
  readonly #cache: HeaderCache;
  readonly #datasetId: string;
  readonly #parts: ByteRange[];
  readonly #counter: HeaderCacheCounter;

  constructor(
    source: ByteSource,
    cache: HeaderCache,
    datasetId: string,
    parts: ByteRange[],
    counter: HeaderCacheCounter,
  ) {
    this.#source = source;
    this.#cache = cache;
    this.#datasetId = datasetId;
    this.#parts = parts;
    this.#counter = counter;
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

  async read(offset: number, length: number, options?: ReadOptions): Promise<Uint8Array> {
    const run = this.#run(offset, length);
    if (run === undefined) return this.#source.read(offset, length, options);
    const [first, last] = run;
    const start = this.#parts[first]!.offset;
    const pieces: Uint8Array[] = [];
    for (let i = first; i <= last; i++) {
      const cached = this.#cache.get(this.#datasetId, i);
      if (cached === undefined) break;
      pieces.push(cached);
    }
    let bytes: Uint8Array;
    if (pieces.length === last - first + 1) {
      this.#counter.hits++;
      this.#cache.hits++;
      bytes = concat(pieces);
    } else {
      this.#cache.misses++;
      const end = this.#parts[last]!.offset + this.#parts[last]!.length;
      bytes = await this.#source.read(start, end - start, options);
      for (let i = first; i <= last; i++) {
        const part = this.#parts[i]!;
        this.#cache.set(
          this.#datasetId,
          i,
          bytes.slice(part.offset - start, part.offset - start + part.length),
        );
      }
    }
    return bytes.slice(offset - start, offset - start + length);
  }

  async readInto(offset: number, target: Uint8Array, options?: ReadOptions): Promise<void> {
    if (this.#run(offset, target.byteLength) === undefined && this.#source.readInto !== undefined) {
      return this.#source.readInto(offset, target, options);
    }
    target.set(await this.read(offset, target.byteLength, options));
  }

  async close(): Promise<void> {
    await this.#source.close?.();
  }

  /** The parts [first, last], adjacent to each other, that hold the whole range; undefined when none do. */
  #run(offset: number, length: number): [number, number] | undefined {
    if (length <= 0) return undefined;
    const first = this.#parts.findIndex((p) => offset >= p.offset && offset < p.offset + p.length);
    if (first < 0) return undefined;
    const end = offset + length;
    let last = first;
    while (end > this.#parts[last]!.offset + this.#parts[last]!.length) {
      const next = this.#parts[last + 1];
      const current = this.#parts[last]!;
      if (next === undefined || next.offset !== current.offset + current.length) return undefined;
      last++;
    }
    return [first, last];
  }
}

function concat(pieces: Uint8Array[]): Uint8Array {
  if (pieces.length === 1) return pieces[0]!;
  const out = new Uint8Array(pieces.reduce((n, p) => n + p.byteLength, 0));
  let at = 0;
  for (const p of pieces) {
    out.set(p, at);
    at += p.byteLength;
  }
  return out;
}

/** Wraps the source of one dataset's read so its header parts come from (and go to) `cache`. */
export function withHeaderCache(
  source: ByteSource,
  cache: HeaderCache,
  datasetId: string,
  index: ByteIndex | null,
  counter: HeaderCacheCounter,
): ByteSource {
  const parts = headerParts(index);
  return parts.length === 0 ? source : new HeaderCachedSource(source, cache, datasetId, parts, counter);
}
