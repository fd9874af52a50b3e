import type { ByteSource, ReadOptions } from "../bytes/byte-source.ts";
import { MemorySource } from "../bytes/memory-source.ts";
import { InvalidArgumentError, ObjectNotFoundError, ResourceExistsError } from "../errors/index.ts";
import {
  type ListOptions,
  type ResourceEntry,
  type ResourceOptions,
  ResourcePath,
  type WriteOptions,
} from "./resource-path.ts";

interface MemObject {
  bytes: Uint8Array;
  etag: string;
}

// One process-wide store, keyed by `namespace + path`: every mem:// path of a namespace sees the same files.
const store = new Map<string, MemObject>();
let version = 0;

/**
 * A file in this process's memory (`mem://namespace/path`), for tests and scratch repositories.
 * Like S3 it has no directories, only prefixes. Writes replace the bytes in one step (atomic), and
 * a ByteSource opened before a write keeps reading the old bytes.
 */
export class MemResourcePath extends ResourcePath {
  constructor(namespace: string, path: string, options: ResourceOptions = {}) {
    super("mem", namespace, path, options);
  }

  protected withPath(path: string): MemResourcePath {
    return new MemResourcePath(this.authority, path, this.options);
  }

  get #key(): string {
    return this.authority + this.path;
  }

  async exists(): Promise<boolean> {
    if (!this.isDirectory) return store.has(this.#key);
    for (const key of store.keys()) if (key.startsWith(this.#key)) return true;
    return false;
  }

  async size(): Promise<number> {
    return this.#get().bytes.byteLength;
  }

  async read(): Promise<Uint8Array> {
    return this.#get().bytes.slice();
  }

  async write(data: Uint8Array | string, options: WriteOptions = {}): Promise<void> {
    this.#checkFile("write");
    if (options.overwrite === false && store.has(this.#key)) throw new ResourceExistsError(this.uri);
    const bytes = typeof data === "string" ? new TextEncoder().encode(data) : data.slice();
    store.set(this.#key, { bytes, etag: `"mem-${++version}"` });
  }

  async remove(): Promise<boolean> {
    this.#checkFile("remove");
    return store.delete(this.#key);
  }

  async list(options: ListOptions = {}): Promise<ResourceEntry[]> {
    const recursive = options.recursive ?? true;
    const prefix = this.isDirectory ? this.#key : `${this.#key}/`;
    const files: ResourceEntry[] = [];
    const directories = new Set<string>();
    for (const [key, object] of [...store.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
      if (!key.startsWith(prefix)) continue;
      const rest = key.slice(prefix.length);
      const slash = rest.indexOf("/");
      if (!recursive && slash >= 0) {
        directories.add(rest.slice(0, slash + 1));
        continue;
      }
      files.push({
        path: this.withPath(key.slice(this.authority.length)),
        isDirectory: false,
        size: object.bytes.byteLength,
      });
    }
    const dirs = [...directories].map((d) => ({
      path: this.withPath(prefix.slice(this.authority.length) + d),
      isDirectory: true,
    }));
    return [...dirs, ...files];
  }

  async mkdir(): Promise<void> {
    // Prefixes need no creating.
  }

  openSource(): ByteSource {
    this.#checkFile("open");
    return new PinnedMemSource(this.uri, () => this.#get());
  }

  #get(): MemObject {
    this.#checkFile("read");
    const object = store.get(this.#key);
    if (object === undefined) throw new ObjectNotFoundError(this.uri);
    return object;
  }

  #checkFile(operation: string): void {
    if (this.isDirectory)
      throw new InvalidArgumentError(`cannot ${operation} ${this.uri}: it names a directory`);
  }
}

/**
 * A source that finds its object on first use, like the remote ones (so a missing object fails the
 * read, not the open), then keeps those bytes whatever is written later.
 */
class PinnedMemSource implements ByteSource {
  readonly key: string;
  readonly #find: () => MemObject;
  #source: MemorySource | undefined;

  constructor(key: string, find: () => MemObject) {
    this.key = key;
    this.#find = find;
  }

  get etag(): string | undefined {
    return this.#source?.etag;
  }

  async size(): Promise<number> {
    return this.#pinned().size();
  }

  async read(offset: number, length: number, options?: ReadOptions): Promise<Uint8Array> {
    return this.#pinned().read(offset, length, options);
  }

  async readInto(offset: number, target: Uint8Array, options?: ReadOptions): Promise<void> {
    return this.#pinned().readInto(offset, target, options);
  }

  #pinned(): MemorySource {
    if (this.#source === undefined) {
      const object = this.#find();
      this.#source = new MemorySource(object.bytes, { key: this.key, etag: object.etag });
    }
    return this.#source;
  }
}

/** Empties one namespace of the memory store, or all of it. */
export function clearMemStore(namespace?: string): void {
  if (namespace === undefined) store.clear();
  else for (const key of [...store.keys()]) if (key.startsWith(`${namespace}/`)) store.delete(key);
}
