/**
 * `ResourcePath`: one file or directory in a store, named by a URI, with the operations a datastore
 * needs. Each scheme is a subclass (file, mem, s3, http/WebDAV); this base holds what is the same for
 * all of them: the parts of the URI and the path arithmetic (join, parent, basename, relativeTo).
 *
 * A path that ends in `/` is a directory. Paths are kept decoded (`a b.fits`, not `a%20b.fits`) and
 * percent-encoded again only when written as a URI.
 */
import { posix } from "node:path";
import type { ByteSource } from "../bytes/byte-source.ts";
import type { RetryPolicy } from "../bytes/retry.ts";
import { InvalidUriError } from "../errors/index.ts";

/** Options every scheme accepts; each subclass uses those that apply to it. */
export interface ResourceOptions {
  /** Retry budget of remote operations (HTTP, S3); local ones never retry. */
  retry?: RetryPolicy;
  /** Extra HTTP request headers (an Authorization header for a protected WebDAV server). */
  headers?: Record<string, string>;
  /** Longest wait for a remote answer's headers, and longest silence within its body. */
  timeoutMs?: number;
}

export interface SignalOptions {
  signal?: AbortSignal;
}

export interface WriteOptions extends SignalOptions {
  /** Replace an existing object (default). When false an existing one is a ResourceExistsError. */
  overwrite?: boolean;
}

export interface ListOptions extends SignalOptions {
  /** Walk subdirectories and return only files (default); otherwise the direct children, directories too. */
  recursive?: boolean;
}

export interface OpenOptions {
  /** The object's size when the caller knows it (a datastore record): remote sources skip the size probe. */
  size?: number;
  /** The version the caller expects (a datastore record's ETag): reads of any other fail. */
  etag?: string;
}

/** One entry of a listing. */
export interface ResourceEntry {
  path: ResourcePath;
  isDirectory: boolean;
  /** Size in bytes of a file, when the listing says. */
  size?: number;
  /** Last modification of a file, in ms since the epoch, when the listing says. */
  modifiedMs?: number;
}

/** How `transferFrom` brings an object in. */
export type TransferMode = "copy" | "move";

export abstract class ResourcePath {
  /** `file`, `mem`, `s3`, `http` or `https`. */
  readonly scheme: string;
  /** Host and port, bucket, or memory namespace; may carry a `user@` (an S3 profile). Empty for files. */
  readonly authority: string;
  /** Absolute, decoded path starting with `/`; a trailing `/` marks a directory. */
  readonly path: string;
  readonly options: ResourceOptions;

  protected constructor(scheme: string, authority: string, path: string, options: ResourceOptions) {
    this.scheme = scheme;
    this.authority = authority;
    this.path = path;
    this.options = options;
  }

  /** The same store and options at another path (already normalized). */
  protected abstract withPath(path: string): ResourcePath;

  /** The URI, percent-encoded. */
  get uri(): string {
    return `${this.scheme}://${this.authority}${encodePath(this.path)}`;
  }

  toString(): string {
    return this.uri;
  }

  get isDirectory(): boolean {
    return this.path.endsWith("/");
  }

  /**
   * A path below this one, which is taken as a directory whether or not it ends in `/`. Parts are
   * `/`-separated relative paths; `.` and `..` are resolved, but never above the store's root.
   */
  join(...parts: string[]): ResourcePath {
    for (const part of parts) {
      if (part.startsWith("/") || /^[a-z][a-z0-9+.-]*:\/\//i.test(part)) {
        throw new InvalidUriError(part, "join takes relative paths");
      }
    }
    const joined = (this.isDirectory ? this.path : `${this.path}/`) + parts.join("/");
    const wantsDirectory = joined.endsWith("/") || /(^|\/)\.\.?$/.test(joined);
    const path = normalizePath(joined);
    return this.withPath(wantsDirectory && !path.endsWith("/") ? `${path}/` : path);
  }

  /** The directory containing this file or directory (the root is its own parent). */
  parent(): ResourcePath {
    const trimmed = this.isDirectory ? this.path.slice(0, -1) : this.path;
    const cut = trimmed.lastIndexOf("/");
    return this.withPath(cut <= 0 ? "/" : trimmed.slice(0, cut + 1));
  }

  /** The last component of the path (a directory's own name, without its slash). */
  basename(): string {
    const trimmed = this.isDirectory ? this.path.slice(0, -1) : this.path;
    return trimmed.slice(trimmed.lastIndexOf("/") + 1);
  }

  /** The file name's extension with its dot (`.fits`, `.fits.gz` counts only `.gz`), or "". */
  extension(): string {
    const name = this.basename();
    const dot = name.lastIndexOf(".");
    return dot <= 0 ? "" : name.slice(dot);
  }

  /** This path relative to `root` (`a/b.fits`), or undefined when it is not inside it. */
  relativeTo(root: ResourcePath): string | undefined {
    if (root.scheme !== this.scheme || root.authority !== this.authority) return undefined;
    const base = root.isDirectory ? root.path : `${root.path}/`;
    if (!this.path.startsWith(base) || this.path === base) return undefined;
    return this.path.slice(base.length);
  }

  /** True when both name the same store (scheme and authority), so server-side copies can work. */
  sameStore(other: ResourcePath): boolean {
    return other.scheme === this.scheme && other.authority === this.authority;
  }

  /** A fresh hidden name beside this file, for writes that move into place. */
  tempSibling(): ResourcePath {
    const random = Math.random().toString(36).slice(2, 10);
    return this.parent().join(`.${this.basename()}.tmp-${random}`);
  }

  /** True when the file (or, for a directory path, the directory or prefix) exists. */
  abstract exists(options?: SignalOptions): Promise<boolean>;
  /** Size in bytes of the file; ObjectNotFoundError when there is none. */
  abstract size(options?: SignalOptions): Promise<number>;
  /** The whole file. */
  abstract read(options?: SignalOptions): Promise<Uint8Array>;
  /** Writes the whole file atomically where the store allows: readers see the old or the new bytes, never a part. */
  abstract write(data: Uint8Array | string, options?: WriteOptions): Promise<void>;
  /** Deletes the file; false when there was none. */
  abstract remove(options?: SignalOptions): Promise<boolean>;
  /** The files (and, non-recursively, directories) under this directory; empty when there is none. */
  abstract list(options?: ListOptions): Promise<ResourceEntry[]>;
  /** Creates this directory and its parents (nothing to do on stores without directories). */
  abstract mkdir(options?: SignalOptions): Promise<void>;
  /**
   * A ByteSource for random-access reads of the file: one attempt per read. Retries belong to whoever
   * builds the read's byte stack (`withRetry` with this path's `options.retry`).
   */
  abstract openSource(options?: OpenOptions): ByteSource;

  /**
   * Makes ready what the first request needs (the client library, a client): a caller that times its
   * requests calls this first, so one-off set-up is not booked as fetching. Nothing to do locally.
   */
  async connect(): Promise<void> {}

  /**
   * Brings `source` here, from any scheme. A store that can do it server-side (a rename, a WebDAV
   * COPY/MOVE, an S3 CopyObject) does; otherwise the bytes pass through this process. A move removes
   * the source only once the copy is in place.
   */
  async transferFrom(
    source: ResourcePath,
    options: WriteOptions & { mode?: TransferMode } = {},
  ): Promise<void> {
    const mode = options.mode ?? "copy";
    if (await this.transferWithinStore(source, mode, options)) return;
    await this.write(await source.read(options), options);
    if (mode === "move") await source.remove(options);
  }

  /** Copies this file to `destination` (see `transferFrom`). */
  copyTo(destination: ResourcePath, options?: WriteOptions): Promise<void> {
    return destination.transferFrom(this, { ...options, mode: "copy" });
  }

  /** A server-side copy or move from `source` when the store can do one; false to fall back. */
  protected async transferWithinStore(
    _source: ResourcePath,
    _mode: TransferMode,
    _options: WriteOptions,
  ): Promise<boolean> {
    return false;
  }
}

/** Resolves `.` and `..` without leaving the root, keeping a trailing slash. */
export function normalizePath(path: string): string {
  return posix.normalize(path.startsWith("/") ? path : `/${path}`);
}

/** Percent-encodes each segment, keeping the characters that are safe in a URI path as they are. */
function encodePath(path: string): string {
  return path
    .split("/")
    .map((segment) =>
      encodeURIComponent(segment).replace(/%(3A|40|2B|2C|3D|24|26|21|27|28|29|2A|3B)/gi, (m) =>
        decodeURIComponent(m),
      ),
    )
    .join("/");
}

/** Decodes a URI path, rejecting malformed escapes with a typed error. */
export function decodePath(uri: string, path: string): string {
  try {
    return decodeURIComponent(path);
  } catch (err) {
    throw new InvalidUriError(uri, `malformed percent-encoding in '${path}' (${(err as Error).message})`);
  }
}
