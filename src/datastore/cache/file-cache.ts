/**
 * The local file cache of a remote datastore, after daf_butler's cache manager: whole files of datasets
 * read from a remote root, kept in one directory as `<dataset id><extension>`.
 *
 * - A file enters under a hidden temporary name in the cache directory and is renamed into place only
 *   once all of it is written and its size checked, so no reader ever sees a partial file. Rename is
 *   atomic, so several processes may share the directory: the last of two identical inserts wins.
 * - A read hard-links the cached file into `exempt/` for as long as it is in use, so expiry (in this
 *   process or another) cannot pull it from under the reader; the link goes when the read is done.
 * - Expiry runs at every insert, from a fresh listing of the directory (other processes add files too):
 *   `files=N` and `datasets=N` keep the N most recently used, `size=BYTES` removes the least recently
 *   used until the rest fit, `age=SECONDS` removes files older than that. `disabled` caches nothing.
 *   A hit refreshes the file's time, so "least recently used" is what it says.
 */
import { randomBytes } from "node:crypto";
import { mkdirSync, rmSync } from "node:fs";
import { link, mkdir, readdir, rename, stat, unlink, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { getLogger } from "../../log.ts";
import type { CacheSettings } from "./cache-config.ts";

const log = getLogger("datastore.cache");

const EXEMPT = "exempt";
/** Temporary and exempt files older than this are litter of a process that died. */
const STALE_MS = 60 * 60 * 1000;

export interface CachedFile {
  /** A local path to read; valid until `release()`. */
  path: string;
  release(): Promise<void>;
}

export interface CacheEntry {
  name: string;
  datasetId: string;
  size: number;
  mtimeMs: number;
}

export interface FileCacheStats {
  hits: number;
  misses: number;
  inserts: number;
  expired: number;
}

/** What decides whether a dataset is cacheable: the keys tried in order, then `default`. */
export interface CacheSubject {
  datasetType: string;
  parentDatasetType?: string;
  storageClass: string;
  storageClassAncestors?: readonly string[];
}

export class FileCache {
  readonly settings: CacheSettings;
  readonly stats: FileCacheStats = { hits: 0, misses: 0, inserts: 0, expired: 0 };
  #root: string | undefined;

  constructor(settings: CacheSettings) {
    this.settings = settings;
    this.#root = settings.root;
  }

  /** False when the expiry mode is `disabled`. */
  get enabled(): boolean {
    return this.settings.mode !== "disabled";
  }

  /** The cache directory, made on first use (a temporary one, removed at exit, when none is configured). */
  get root(): string {
    if (this.#root === undefined) {
      const dir = join(tmpdir(), `butler-cache-dir-${process.pid}-${randomBytes(4).toString("hex")}`);
      mkdirSync(join(dir, EXEMPT), { recursive: true });
      process.once("exit", () => rmSync(dir, { recursive: true, force: true }));
      this.#root = dir;
    }
    return this.#root;
  }

  /** Whether datasets of this type may be cached (`cacheable` keys, then `default`). */
  isCacheable(subject: CacheSubject): boolean {
    if (!this.enabled) return false;
    const keys = [
      subject.datasetType,
      subject.parentDatasetType,
      subject.storageClass,
      ...(subject.storageClassAncestors ?? []),
    ];
    for (const key of keys) {
      if (key !== undefined && key in this.settings.cacheable) return this.settings.cacheable[key] === true;
    }
    return this.settings.default;
  }

  /** Whether a file of `size` bytes may enter at all (`size=` mode: not when it alone is too big). */
  accepts(size: number): boolean {
    return this.enabled && !(this.settings.mode === "size" && size > this.settings.threshold);
  }

  /** The name a dataset's file has in the cache. */
  static fileName(datasetId: string, extension: string): string {
    return `${datasetId}${extension}`;
  }

  /** The cached file of a dataset, held for reading, or undefined (counted as a hit or a miss). */
  async find(datasetId: string, extension: string): Promise<CachedFile | undefined> {
    if (!this.enabled) return undefined;
    const name = FileCache.fileName(datasetId, extension);
    const file = join(this.root, name);
    if (this.settings.mode === "age") {
      const info = await stat(file).catch(() => undefined);
      if (info !== undefined && Date.now() - info.mtimeMs > this.settings.threshold * 1000) {
        await this.#unlink(file);
        this.stats.expired++;
      }
    }
    const exempt = join(this.root, EXEMPT, `${randomBytes(4).toString("hex")}-${name}`);
    try {
      await mkdir(join(this.root, EXEMPT), { recursive: true });
      await link(file, exempt);
    } catch {
      this.stats.misses++;
      return undefined;
    }
    this.stats.hits++;
    if (this.settings.mode !== "age") {
      const now = new Date();
      await utimes(file, now, now).catch(() => {});
    }
    return { path: exempt, release: () => this.#unlink(exempt) };
  }

  /**
   * Adds a dataset's file (its whole bytes): written under a temporary name, checked, renamed into
   * place, then older files expired. Returns false when the file was not kept (too big, or the cache
   * directory failed: a cache failure never fails the read).
   */
  async insert(datasetId: string, extension: string, bytes: Uint8Array): Promise<boolean> {
    if (!this.accepts(bytes.byteLength)) return false;
    const name = FileCache.fileName(datasetId, extension);
    const temp = join(this.root, `.tmp-${randomBytes(6).toString("hex")}-${name}`);
    try {
      await writeFile(temp, bytes, { flag: "wx" });
      const written = (await stat(temp)).size;
      if (written !== bytes.byteLength) throw new Error(`wrote ${written} of ${bytes.byteLength} bytes`);
      await rename(temp, join(this.root, name));
    } catch (err) {
      await this.#unlink(temp);
      log.warning(`could not add ${name} to the cache at ${this.root}: ${(err as Error).message}`);
      return false;
    }
    this.stats.inserts++;
    await this.expire(name).catch((err: unknown) => {
      log.warning(`cache expiry at ${this.root} failed: ${(err as Error).message}`);
    });
    return true;
  }

  /** The cached files, oldest first (by last use). */
  async entries(): Promise<CacheEntry[]> {
    let names: string[];
    try {
      names = await readdir(this.root);
    } catch {
      return [];
    }
    const entries: CacheEntry[] = [];
    for (const name of names) {
      if (name.startsWith(".") || name === EXEMPT) continue;
      const info = await stat(join(this.root, name)).catch(() => undefined);
      if (info === undefined || !info.isFile()) continue;
      entries.push({ name, datasetId: datasetIdOf(name), size: info.size, mtimeMs: info.mtimeMs });
    }
    return entries.sort((a, b) => a.mtimeMs - b.mtimeMs || (a.name < b.name ? -1 : 1));
  }

  /** Applies the expiry mode; `keep` (the file just added) is never removed. */
  async expire(keep?: string): Promise<void> {
    await this.#removeLitter();
    const { mode, threshold } = this.settings;
    if (mode === "none" || mode === "disabled") return;
    const entries = await this.entries();
    const doomed: CacheEntry[] = [];
    switch (mode) {
      case "files": {
        const candidates = entries.filter((e) => e.name !== keep);
        const excess = entries.length - threshold;
        doomed.push(...candidates.slice(0, Math.max(0, excess)));
        break;
      }
      case "datasets": {
        const keepId = keep === undefined ? undefined : datasetIdOf(keep);
        // Datasets in order of their most recent file; all files of a dataset go together.
        const latest = new Map<string, number>();
        for (const e of entries) latest.set(e.datasetId, Math.max(latest.get(e.datasetId) ?? 0, e.mtimeMs));
        const order = [...latest.entries()].sort((a, b) => a[1] - b[1]).map(([id]) => id);
        const excess = order.length - threshold;
        const gone = new Set(order.filter((id) => id !== keepId).slice(0, Math.max(0, excess)));
        doomed.push(...entries.filter((e) => gone.has(e.datasetId)));
        break;
      }
      case "size": {
        let total = entries.reduce((sum, e) => sum + e.size, 0);
        for (const e of entries) {
          if (total <= threshold) break;
          if (e.name === keep) continue;
          doomed.push(e);
          total -= e.size;
        }
        break;
      }
      case "age": {
        const now = Date.now();
        doomed.push(...entries.filter((e) => e.name !== keep && now - e.mtimeMs > threshold * 1000));
        break;
      }
    }
    for (const e of doomed) {
      await this.#unlink(join(this.root, e.name));
      this.stats.expired++;
    }
  }

  /** Temporary files and exempt links left by processes that died. */
  async #removeLitter(): Promise<void> {
    const now = Date.now();
    // A link's ctime is when it was made, whatever the age of the file it shares.
    const sweep = async (dir: string, match: (name: string) => boolean) => {
      const names = await readdir(dir).catch(() => [] as string[]);
      for (const name of names) {
        if (!match(name)) continue;
        const info = await stat(join(dir, name)).catch(() => undefined);
        if (info !== undefined && now - info.ctimeMs > STALE_MS) await this.#unlink(join(dir, name));
      }
    };
    await sweep(this.root, (n) => n.startsWith(".tmp-"));
    await sweep(join(this.root, EXEMPT), () => true);
  }

  async #unlink(path: string): Promise<void> {
    await unlink(path).catch(() => {});
  }
}

/** The dataset ID of a cache file name (`<uuid>[_<component>]<ext>`). */
function datasetIdOf(name: string): string {
  return /^[0-9a-fA-F-]{36}/.exec(name)?.[0] ?? name.split(".")[0]!;
}
