import { type FileHandle, open } from "node:fs/promises";
import { resolve } from "node:path";
import { ByteRangeError, InvalidArgumentError, ObjectNotFoundError } from "../errors.ts";
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

/**
 * A ByteSource over a local file. The handle is opened on first use and reused for every read
 * (one `open` per object, not per range); `close()` releases it, and a later read opens it again.
 * The size and the `size-mtime` validator come from one `stat` of that handle.
 */
export class FileSource implements ByteSource {
  readonly key: string;
  readonly path: string;
  #handle: Promise<FileHandle> | undefined;
  #info: Promise<FileInfo> | undefined;
  #etag: string | undefined;

  constructor(path: string, options: FileSourceOptions = {}) {
    this.path = resolve(path);
    this.key = options.key ?? this.path;
  }

  /** `${size}-${mtimeMs}`, known after the first `size()` or read. */
  get etag(): string | undefined {
    return this.#etag;
  }

  async size(): Promise<number> {
    return (await this.#stat()).size;
  }

  async read(offset: number, length: number, options?: ReadOptions): Promise<Uint8Array> {
    // A fresh ArrayBuffer per read (not Buffer's shared pool), so callers may view `.buffer` as a typed array.
    // Checked before allocating, so a bad length is a ByteRangeError and not a RangeError or an OOM.
    await this.#check(offset, length, options?.signal);
    const target = new Uint8Array(length);
    await this.#fill(offset, target, options?.signal);
    return target;
  }

  async readInto(offset: number, target: Uint8Array, options?: ReadOptions): Promise<void> {
    await this.#check(offset, target.byteLength, options?.signal);
    await this.#fill(offset, target, options?.signal);
  }

  async close(): Promise<void> {
    const handle = this.#handle;
    this.#handle = undefined;
    this.#info = undefined;
    if (handle !== undefined) await (await handle.catch(() => undefined))?.close();
  }

  async #check(offset: number, length: number, signal: AbortSignal | undefined): Promise<void> {
    signal?.throwIfAborted();
    checkRange(this.key, offset, length);
    const { size } = await this.#stat();
    checkWithinSize(this.key, offset, length, size);
  }

  async #fill(offset: number, target: Uint8Array, signal: AbortSignal | undefined): Promise<void> {
    const length = target.byteLength;
    const handle = await this.#open();
    // The kernel may return fewer bytes than asked; loop until the range is filled.
    let done = 0;
    while (done < length) {
      signal?.throwIfAborted();
      const { bytesRead } = await handle.read(target, done, length - done, offset + done);
      if (bytesRead === 0) {
        throw new ByteRangeError(this.key, offset, length, `short read: file ended after ${done} bytes`);
      }
      done += bytesRead;
    }
  }

  #open(): Promise<FileHandle> {
    if (this.#handle === undefined) {
      const opening = open(this.path, "r").catch((err: unknown) => {
        // Forget the failure so a file created later can still be read.
        if (this.#handle === opening) this.#handle = undefined;
        throw mapOpenError(this.key, err);
      });
      this.#handle = opening;
    }
    return this.#handle;
  }

  #stat(): Promise<FileInfo> {
    if (this.#info === undefined) {
      const stating = this.#open()
        .then((handle) => handle.stat())
        .then((stats) => {
          if (!stats.isFile()) throw new InvalidArgumentError(`${this.key} is not a regular file`);
          const info = { size: stats.size, etag: `${stats.size}-${stats.mtimeMs}` };
          this.#etag = info.etag;
          return info;
        })
        .catch((err: unknown) => {
          if (this.#info === stating) this.#info = undefined;
          throw err;
        });
      this.#info = stating;
    }
    return this.#info;
  }
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
