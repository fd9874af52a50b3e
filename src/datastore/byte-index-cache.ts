/**
 * Parsed byte indexes by record, so that reading a dataset again does not parse its index's JSON again
 * (several KB for an Exposure with its archive layout, and the largest allocation of a metadata get).
 * An entry is used only while the record's stored JSON is the same string, so a record that changed is
 * parsed afresh; removed records are dropped; the cache holds at most `maxChars` characters of JSON,
 * least recently used first out. Cached indexes are frozen: every reader shares them.
 */
import { type ByteIndex, parseByteIndex } from "./byte-index.ts";

/** About 1,200 Exposure indexes with their archive layout (~7 KB of JSON each). */
export const DEFAULT_BYTE_INDEX_CACHE_CHARS = 8 * 1024 * 1024;

interface Entry {
  json: string;
  index: ByteIndex | null;
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === "object" && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

export class ByteIndexCache {
  readonly maxChars: number;
  readonly #entries = new Map<string, Entry>();
  #chars = 0;

  constructor(maxChars = DEFAULT_BYTE_INDEX_CACHE_CHARS) {
    this.maxChars = maxChars;
  }

  /** Entries held. */
  get size(): number {
    return this.#entries.size;
  }

  /** Characters of JSON held. */
  get chars(): number {
    return this.#chars;
  }

  /**
   * The index of the record of (`datasetId`, `component`) stored as `stored` (what `parseByteIndex`
   * accepts). Only JSON strings are cached; an already-parsed value (some PostgreSQL drivers) is checked
   * and returned as it is.
   */
  parse(datasetId: string, component: string, stored: unknown): ByteIndex | null {
    if (typeof stored !== "string" || stored.length > this.maxChars) return parseByteIndex(stored);
    const key = `${datasetId}/${component}`;
    const entries = this.#entries;
    const found = entries.get(key);
    if (found !== undefined) {
      entries.delete(key);
      if (found.json === stored) {
        entries.set(key, found);
        return found.index;
      }
      this.#chars -= found.json.length;
    }
    const index = deepFreeze(parseByteIndex(stored));
    entries.set(key, { json: stored, index });
    this.#chars += stored.length;
    for (const [oldest, entry] of entries) {
      if (this.#chars <= this.maxChars) break;
      entries.delete(oldest);
      this.#chars -= entry.json.length;
    }
    return index;
  }

  /** Forgets the records of these datasets (every component): they were removed. */
  forget(datasetIds: readonly string[]): void {
    if (this.#entries.size === 0 || datasetIds.length === 0) return;
    const ids = new Set(datasetIds);
    for (const [key, entry] of this.#entries) {
      if (!ids.has(key.slice(0, key.indexOf("/")))) continue;
      this.#entries.delete(key);
      this.#chars -= entry.json.length;
    }
  }

  clear(): void {
    this.#entries.clear();
    this.#chars = 0;
  }
}
