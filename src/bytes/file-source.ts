import { closeSync, fstatSync, openSync, read, readSync } from "node:fs";
import { resolve } from "node:path";
import { ByteRangeError, InvalidArgumentError, ObjectNotFoundError } from "../errors/index.ts";
import type { ByteSource, ReadOptions } from "./byte-source.ts";
import { checkRange, checkWithinSize } from "./check-range.ts";

export interface FileSourceOptions {
  /** Name used in cache keys and errors; defaults to the absolute path. */
  key?: string;
}

interface FileInfo {
  size: number;
  etag: string;
}

// Reads up to this size are served synchronously: on a local disk they take microseconds, while a
// thread-pool hop costs tens of microseconds, which dominated header scans of many small files.
const SYNC_READ_BYTES = 64 * 1024;

/**
 * A ByteSource over a local file. The file is opened on first use and the descriptor reused for every
 * read (one `open` per object, not per range); `close()` releases it, and a later read opens it again.
 * The size and the `size-mtime` validator come from one `fstat` of that descriptor. Opening, stat and
 * small reads are synchronous (local, microseconds); large reads go through the thread pool so that a
 * 64 MiB image read does not block the event loop.
 */
export class FileSource implements ByteSource {
  readonly key: string;
  readonly path: string;
  #fd: number | undefined;
  #info: FileInfo | undefined;

  constructor(path: string, options: FileSourceOptions = {}) {
    this.path = resolve(path);
    this.key = options.key ?? this.path;
  }

  /** `${size}-${mtimeMs}`, known after the first `size()` or read. */
  get etag(): string | undefined {
    return this.#info?.etag;
  }

  async size(): Promise<number> {
    return this.#stat().size;
  }

  async read(offset: number, length: number, options?: ReadOptions): Promise<Uint8Array> {
    // A fresh ArrayBuffer per read (not Buffer's shared pool), so callers may view `.buffer` as a typed array.
    // Checked before allocating, so a bad length is a ByteRangeError and not a RangeError or an OOM.
    this.#check(offset, length, options?.signal);
    const target = new Uint8Array(length);
    await this.#fill(offset, target, options?.signal);
    return target;
  }

  async readInto(offset: number, target: Uint8Array, options?: ReadOptions): Promise<void> {
    this.#check(offset, target.byteLength, options?.signal);
    await this.#fill(offset, target, options?.signal);
  }

  async close(): Promise<void> {
    const fd = this.#fd;
    this.#fd = undefined;
    this.#info = undefined;
    if (fd !== undefined) closeSync(fd);
  }

  #check(offset: number, length: number, signal: AbortSignal | undefined): void {
    signal?.throwIfAborted();
    checkRange(this.key, offset, length);
    checkWithinSize(this.key, offset, length, this.#stat().size);
  }

  async #fill(offset: number, target: Uint8Array, signal: AbortSignal | undefined): Promise<void> {
    const length = target.byteLength;
    const fd = this.#open();
    // The kernel may return fewer bytes than asked; loop until the range is filled.
    let done = 0;
    while (done < length) {
      signal?.throwIfAborted();
      const want = length - done;
      const bytesRead =
        want <= SYNC_READ_BYTES
          ? readSync(fd, target, done, want, offset + done)
          : await readAsync(fd, target, done, want, offset + done);
      if (bytesRead === 0) {
        throw new ByteRangeError(this.key, offset, length, `short read: file ended after ${done} bytes`);
      }
      done += bytesRead;
    }
  }

  #open(): number {
    if (this.#fd === undefined) {
      try {
        this.#fd = openSync(this.path, "r");
      } catch (err) {
        throw mapOpenError(this.key, err);
      }
    }
    return this.#fd;
  }

  #stat(): FileInfo {
    if (this.#info === undefined) {
      const stats = fstatSync(this.#open());
      if (!stats.isFile()) throw new InvalidArgumentError(`${this.key} is not a regular file`);
      this.#info = { size: stats.size, etag: `${stats.size}-${stats.mtimeMs}` };
    }
    return this.#info;
  }
}

function readAsync(
  fd: number,
  target: Uint8Array,
  at: number,
  length: number,
  position: number,
): Promise<number> {
  return new Promise((resolvePromise, reject) => {
    read(fd, target, at, length, position, (err, bytesRead) =>
      err ? reject(err) : resolvePromise(bytesRead),
    );
  });
}

function mapOpenError(key: string, err: unknown): unknown {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (code === "ENOENT" || code === "ENOTDIR") return new ObjectNotFoundError(key, { cause: err });
  return err;
}

/** A FileSource over the file at `path`. */
export function fromFile(path: string, options?: FileSourceOptions): FileSource {
  return new FileSource(path, options);
}
