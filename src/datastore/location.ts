/**
 * The datastore root: every file operation of the datastore goes through it, addressed by the path a
 * record keeps (relative to the root, `/`-separated, or absolute for files ingested in place outside
 * it). `LocalRoot` is a directory on this machine; S3 and WebDAV roots implement the same interface.
 *
 * Writes are atomic and never clobber: a file is written under a temporary name in its target
 * directory (`.<name>.tmp-<random>`), then moved into place with a hard link (which fails if the
 * target exists) and an unlink of the temporary name. Writes and removals inside the root check that
 * the directory they touch is still inside it once symbolic links are resolved (`confine.ts`).
 */
import { createHash, randomBytes } from "node:crypto";
import { createReadStream, type Dirent } from "node:fs";
import {
  copyFile,
  constants as fsConstants,
  link,
  lstat,
  mkdir,
  readdir,
  rename,
  rmdir,
  stat,
  symlink,
  unlink,
  writeFile,
} from "node:fs/promises";
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { ByteSource } from "../bytes/byte-source.ts";
import { FileSource } from "../bytes/file-source.ts";
import type { RetryPolicy } from "../bytes/retry.ts";
import { DatastoreConfigError, InvalidArgumentError, isButlerError } from "../errors/index.ts";
import { resourcePath } from "../resources/from-uri.ts";
import { confineEntry, isWithin } from "./confine.ts";

/**
 * The name of a temporary file of an atomic write: `.<name>.tmp-<random>` (beside its target on a local
 * root, and for WebDAV's PUT before the MOVE). Left behind only by a write that died.
 */
export const TEMPORARY_NAME = /^\..+\.tmp-[0-9a-z]+$/;

/**
 * Where a butler server keeps the files of puts between upload and commit: a hidden directory of the
 * root that no file template produces. Its files are named `<expires>-<random hex><extension>` (expiry
 * in UNIX seconds), so anything sweeping the root knows from the name alone which were abandoned.
 */
export const UPLOAD_DIR = ".butler-uploads";
export const UPLOAD_FILE_NAME = /^\d{1,12}-[0-9a-f]{24}(\.[A-Za-z0-9.]{1,16})?$/;

/** The expiry (ms since the epoch) an upload's file name carries, or undefined for any other name. */
export function uploadExpiryMs(name: string): number | undefined {
  return UPLOAD_FILE_NAME.test(name) ? Number(name.slice(0, name.indexOf("-"))) * 1000 : undefined;
}

/** One file under a root, as a listing sees it. */
export interface RootEntry {
  /** The record path (relative to the root, `/`-separated). */
  path: string;
  size?: number;
  /** Last modification, in ms since the epoch, when the store says. */
  modifiedMs?: number;
}

/** How a file enters the datastore on ingest (`direct` and in-place ingests transfer nothing). */
export type FileTransfer = "copy" | "move" | "link" | "symlink" | "relsymlink";

export interface OpenRootOptions {
  /** The file's size when the caller knows it (the record's): remote sources then send no HEAD. */
  size?: number;
}

export interface DatastoreRoot {
  /** The root as a URI, ending in `/`. */
  readonly uri: string;
  /**
   * True when the files are reached over the network: reads trust the record's size instead of
   * probing, and whole-file reads go through the local cache.
   */
  readonly remote?: boolean;
  /** The URI of a record path. */
  uriOf(path: string): string;
  /** Size of the file at a record path, or undefined when there is none. */
  size(path: string): Promise<number | undefined>;
  /** A ByteSource over the file at a record path: one attempt per read (see `retryPolicy`). */
  open(path: string, options?: OpenRootOptions): ByteSource;
  /** How reads of the file at a record path are retried; undefined for a local file (never retried). */
  retryPolicy(path: string): RetryPolicy | undefined;
  /** The whole file at a record path, in one request (remote roots, for the cache). */
  download?(path: string): Promise<Uint8Array>;
  /** Makes the client ready before the first request (remote roots; see `ResourcePath.connect`). */
  connect?(): Promise<void>;
  /** Creates the directories a file at `path` needs; returns those it created, outermost first. */
  makeParents(path: string): Promise<string[]>;
  /** Removes directories made by `makeParents` that are empty again (innermost first); never throws. */
  removeEmptyDirectories(dirs: readonly string[]): Promise<void>;
  /** A fresh temporary name beside `path`. */
  tempPath(path: string): string;
  /** Moves a temporary file to `path`; an existing file there is an `EEXIST` error and is left alone. */
  moveIntoPlace(temp: string, path: string): Promise<void>;
  /** Deletes the file at a path; false when it was already gone. */
  remove(path: string): Promise<boolean>;
  /** Brings an outside file in under a temporary name. */
  transferIn(source: string, temp: string, mode: FileTransfer): Promise<void>;
  /** The record path of a local file: relative when inside the root, else undefined. */
  relativePath(file: string): string | undefined;
  /** sha256 of the file at a path, as `sha256:<hex>`. */
  checksum(path: string): Promise<string>;
  /** Every file under the root (a symbolic link is an entry, never followed). */
  list?(): AsyncIterable<RootEntry>;
  /**
   * Removes the temporaries of dead writes, older than `olderThanMs`, from the directory a file at
   * `path` goes in; returns the record paths removed.
   */
  sweepTemporaries?(path: string, olderThanMs: number): Promise<string[]>;
}

/** A local path from a path or `file://` URI; other schemes are not supported by a local root. */
export function localPath(pathOrUri: string): string {
  if (/^file:/i.test(pathOrUri)) return fileURLToPath(pathOrUri);
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(pathOrUri)) {
    throw new DatastoreConfigError(`'${pathOrUri}' is not a local path (a path or file:// URI)`);
  }
  return resolve(pathOrUri);
}

/** True for a path or `file://` URI (a root on this machine), false for `s3://`, `gs://`, `https://`, `dav://`, `mem://`. */
export function isLocalRoot(pathOrUri: string): boolean {
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(pathOrUri)?.[1]?.toLowerCase();
  return scheme === undefined || scheme === "file";
}

function errno(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException | undefined)?.code;
}

export class LocalRoot implements DatastoreRoot {
  /** Absolute path of the root directory. */
  readonly path: string;
  readonly uri: string;

  constructor(root: string) {
    this.path = localPath(root);
    this.uri = pathToFileURL(this.path + sep).href;
  }

  /** The local file of a record path. */
  resolve(path: string): string {
    if (/^file:/i.test(path)) return fileURLToPath(path);
    if (isAbsolute(path)) return path;
    const full = resolve(this.path, path);
    if (full !== this.path && !full.startsWith(this.path + sep)) {
      throw new DatastoreConfigError(`record path '${path}' leaves the datastore root ${this.path}`);
    }
    return full;
  }

  uriOf(path: string): string {
    if (!isLocalRoot(path)) return path;
    return pathToFileURL(this.resolve(path)).href;
  }

  async size(path: string): Promise<number | undefined> {
    if (!isLocalRoot(path)) {
      // A remote file (an ingest source, a direct ingest of a URI).
      try {
        return await resourcePath(path).size();
      } catch (err) {
        if (isButlerError(err, "NOT_FOUND")) return undefined;
        throw err;
      }
    }
    try {
      // stat, not lstat: a symlinked (ingested) file has the size of what it points at.
      const stats = await stat(this.resolve(path));
      return stats.isDirectory() ? undefined : stats.size;
    } catch (err) {
      if (errno(err) === "ENOENT" || errno(err) === "ENOTDIR") return undefined;
      throw err;
    }
  }

  open(path: string, options: OpenRootOptions = {}): ByteSource {
    if (!isLocalRoot(path)) return resourcePath(path).openSource(options);
    return new FileSource(this.resolve(path));
  }

  retryPolicy(path: string): RetryPolicy | undefined {
    // A direct ingest may record a remote URI in a local root.
    return isLocalRoot(path) ? undefined : (resourcePath(path).options.retry ?? {});
  }

  async makeParents(path: string): Promise<string[]> {
    const full = this.resolve(path);
    await confineEntry(this.path, full);
    const dir = dirname(full);
    const first = await mkdir(dir, { recursive: true });
    if (first === undefined) return [];
    const created: string[] = [];
    for (let d = dir; ; d = dirname(d)) {
      created.unshift(d);
      if (d === first || d === dirname(d)) break;
    }
    return created;
  }

  async removeEmptyDirectories(dirs: readonly string[]): Promise<void> {
    for (const dir of [...dirs].reverse()) {
      try {
        await rmdir(dir);
      } catch {
        // Not empty (another dataset uses it) or already gone: keep going outwards is pointless.
        return;
      }
    }
  }

  tempPath(path: string): string {
    const full = this.resolve(path);
    return join(dirname(full), `.${basename(full)}.tmp-${randomBytes(6).toString("hex")}`);
  }

  async moveIntoPlace(temp: string, path: string): Promise<void> {
    const target = this.resolve(path);
    await confineEntry(this.path, target);
    try {
      await link(temp, target);
    } catch (err) {
      const code = errno(err);
      if (code === "EEXIST") throw err;
      // File systems without hard links: check, then rename (a small race that link() avoids).
      if (code !== "EPERM" && code !== "ENOTSUP" && code !== "EOPNOTSUPP" && code !== "EMLINK") throw err;
      if ((await this.size(path)) !== undefined) {
        throw Object.assign(new Error(`EEXIST: file already exists, ${target}`), { code: "EEXIST" });
      }
      await rename(temp, target);
      return;
    }
    // The file is in place; a temporary name left behind is only litter.
    await unlink(temp).catch(() => {});
  }

  async remove(path: string): Promise<boolean> {
    if (!isLocalRoot(path)) return resourcePath(path).remove();
    const full = this.resolve(path);
    // A path outside the root as text is the caller's own (a moved ingest's source); one inside must
    // not lead out of it.
    if (isWithin(this.path, full)) await confineEntry(this.path, full);
    try {
      await unlink(full);
      return true;
    } catch (err) {
      if (errno(err) === "ENOENT") return false;
      throw err;
    }
  }

  async transferIn(source: string, temp: string, mode: FileTransfer): Promise<void> {
    if (!isLocalRoot(source)) {
      // A remote file (another repository's store, a remote export): downloaded, whatever the mode says
      // of moving it (a moved source is removed once the transaction has committed).
      if (mode !== "copy" && mode !== "move") {
        throw new InvalidArgumentError(
          `transfer '${mode}' cannot bring in the remote file ${source}; use copy, move or auto`,
        );
      }
      await writeFile(temp, await resourcePath(source).read(), { flag: "wx" });
      return;
    }
    const from = localPath(source);
    switch (mode) {
      case "copy":
        return copyFile(from, temp, fsConstants.COPYFILE_EXCL);
      case "link":
        return link(from, temp);
      case "symlink":
        return symlink(from, temp);
      case "relsymlink":
        // Relative to the link's directory: the temporary name is beside the final one, so it stays valid.
        return symlink(relative(dirname(temp), from), temp);
      case "move":
        // Linked (or copied) now; the source is unlinked only after the transaction commits.
        try {
          await link(from, temp);
        } catch {
          await copyFile(from, temp, fsConstants.COPYFILE_EXCL);
        }
        return;
    }
  }

  relativePath(file: string): string | undefined {
    if (!isLocalRoot(file)) return undefined;
    const full = localPath(file);
    const rel = relative(this.path, full);
    if (rel === "" || rel === ".." || rel.startsWith(`..${sep}`) || isAbsolute(rel)) return undefined;
    return rel.split(sep).join("/");
  }

  async *list(): AsyncIterable<RootEntry> {
    const walk = async function* (dir: string, prefix: string): AsyncIterable<RootEntry> {
      let entries: Dirent[];
      try {
        entries = await readdir(dir, { withFileTypes: true });
      } catch (err) {
        if (errno(err) === "ENOENT") return;
        throw err;
      }
      entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
      for (const entry of entries) {
        const full = join(dir, entry.name);
        if (entry.isDirectory()) {
          yield* walk(full, `${prefix}${entry.name}/`);
          continue;
        }
        const stats = await lstat(full).catch(() => undefined);
        if (stats === undefined) continue;
        yield { path: `${prefix}${entry.name}`, size: stats.size, modifiedMs: stats.mtimeMs };
      }
    };
    yield* walk(this.path, "");
  }

  async sweepTemporaries(path: string, olderThanMs: number): Promise<string[]> {
    const dir = dirname(this.resolve(path));
    const names = await readdir(dir).catch(() => [] as string[]);
    const removed: string[] = [];
    const now = Date.now();
    for (const name of names) {
      if (!TEMPORARY_NAME.test(name)) continue;
      const full = join(dir, name);
      const stats = await lstat(full).catch(() => undefined);
      if (stats === undefined || stats.isDirectory() || now - stats.mtimeMs < olderThanMs) continue;
      if (
        await unlink(full).then(
          () => true,
          () => false,
        )
      )
        removed.push(relative(this.path, full).split(sep).join("/"));
    }
    return removed;
  }

  checksum(path: string): Promise<string> {
    return new Promise((resolvePromise, reject) => {
      const hash = createHash("sha256");
      createReadStream(this.resolve(path))
        .on("error", reject)
        .on("data", (chunk) => hash.update(chunk))
        .on("end", () => resolvePromise(`sha256:${hash.digest("hex")}`));
    });
  }
}
