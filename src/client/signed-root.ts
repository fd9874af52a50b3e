/**
 * The datastore root of a remote butler: the files of a repository on a butler server, each reached
 * through the URL the server handed out for it (a pre-signed S3 GET, or the server's own signed byte
 * route). Record paths map to those URLs, learnt from each `get_file` answer, so the datastore's read
 * path (record → byte index → planned ranges → ranged GETs, the local cache for whole files) runs
 * unchanged over them. It is read-only: writes go through the server's put routes.
 */
import type { ByteSource } from "../bytes/byte-source.ts";
import { redact } from "../bytes/http-client.ts";
import type { RetryPolicy } from "../bytes/retry.ts";
import type { DatastoreRoot, OpenRootOptions } from "../datastore/index.ts";
import { ReadOnlyButlerError, ServerError } from "../errors/index.ts";
import { resourcePath } from "../resources/from-uri.ts";
import type { ResourceOptions } from "../resources/resource-path.ts";

/**
 * Files a remote butler remembers at most (URL and record, about a kilobyte each); the oldest are
 * forgotten first. Reads learn their files just before reading them, in batches of at most 10,000.
 */
const MAX_REMEMBERED_FILES = 100_000;

/** Sets `key` as the newest entry of an insertion-ordered map, forgetting the oldest beyond `max`. */
export function rememberBounded<K, V>(map: Map<K, V>, key: K, value: V, max = MAX_REMEMBERED_FILES): void {
  map.delete(key);
  map.set(key, value);
  for (const oldest of map.keys()) {
    if (map.size <= max) break;
    map.delete(oldest);
  }
}

interface SignedFile {
  url: string;
  /** UNIX seconds. */
  expires: number;
  size: number;
}

export class SignedUrlRoot implements DatastoreRoot {
  readonly remote = true;
  readonly uri: string;
  readonly #files = new Map<string, SignedFile>();
  readonly #options: ResourceOptions;

  /** `uri` names the repository (its server URL), for messages. */
  constructor(uri: string, options: ResourceOptions = {}) {
    this.uri = uri.endsWith("/") ? uri : `${uri}/`;
    this.#options = options;
  }

  /** Remembers the URL the server gave for a record path. */
  learn(path: string, url: string, expires: number, size: number): void {
    rememberBounded(this.#files, path, { url, expires, size });
  }

  /** The signed URL of a record path (a ServerError when none was handed out or it expired). */
  signedUrl(path: string): string {
    const file = this.#files.get(path);
    if (file === undefined || file.expires * 1000 <= Date.now()) {
      throw new ServerError(
        "SERVER_ERROR",
        this.uri,
        "-",
        `no live URL for ${path}: ask the server for the file again (get_file)`,
      );
    }
    return file.url;
  }

  uriOf(path: string): string {
    const file = this.#files.get(path);
    return file === undefined ? `${this.uri}${path}` : redact(file.url);
  }

  async size(path: string): Promise<number | undefined> {
    return this.#files.get(path)?.size;
  }

  open(path: string, options: OpenRootOptions = {}): ByteSource {
    return resourcePath(this.signedUrl(path), this.#options).openSource(
      options.size === undefined ? {} : { size: options.size },
    );
  }

  /** How reads of a file are retried (the default policy unless the options say otherwise). */
  retryPolicy(): RetryPolicy {
    return this.#options.retry ?? {};
  }

  download(path: string): Promise<Uint8Array> {
    return resourcePath(this.signedUrl(path), this.#options).read();
  }

  #readOnly(operation: string): never {
    throw new ReadOnlyButlerError(`${operation} on the files of ${this.uri} (writes go through the server)`);
  }

  makeParents(): Promise<string[]> {
    this.#readOnly("makeParents");
  }

  async removeEmptyDirectories(): Promise<void> {}

  tempPath(): string {
    this.#readOnly("a write");
  }

  moveIntoPlace(): Promise<void> {
    this.#readOnly("a write");
  }

  remove(): Promise<boolean> {
    this.#readOnly("remove");
  }

  transferIn(): Promise<void> {
    this.#readOnly("ingest");
  }

  relativePath(): string | undefined {
    return undefined;
  }

  checksum(): Promise<string> {
    this.#readOnly("checksum");
  }
}
