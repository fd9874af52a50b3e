/**
 * A datastore root in a remote store (S3, Google Cloud Storage, WebDAV, or `mem://`), over `ResourcePath`.
 *
 * Formatters write local files, so a put or ingest stages its file on this machine first (a temporary
 * file in a staging directory). The temporary name the datastore holds is that local file. Moving it
 * into place, the last step before COMMIT, is one atomic no-clobber write of the whole file:
 * - on WebDAV, a PUT to a hidden temporary name and a MOVE with `Overwrite: F`;
 * - on S3, a single PUT with `If-None-Match: *`; on GCS, with `x-goog-if-generation-match: 0`.
 * A file ingested from another remote location is not staged: moving it into place is a server-side
 * copy when both are in one store, else the bytes pass through this process.
 *
 * Reads open the object with the size the record gives, so no HEAD is sent. Stores without
 * directories (S3) need no parents; WebDAV collections are made by the write when missing.
 */
import { createHash, randomBytes } from "node:crypto";
import { mkdirSync, readdirSync, rmSync } from "node:fs";
import { copyFile, constants as fsConstants, readFile, stat, unlink } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import type { ByteSource } from "../bytes/byte-source.ts";
import { FileSource } from "../bytes/file-source.ts";
import type { RetryPolicy } from "../bytes/retry.ts";
import { DatastoreConfigError, InvalidArgumentError, isButlerError } from "../errors/index.ts";
import { resourcePath } from "../resources/from-uri.ts";
import type { ResourceOptions, ResourcePath } from "../resources/resource-path.ts";
import {
  type DatastoreRoot,
  type FileTransfer,
  isLocalRoot,
  LocalRoot,
  type OpenRootOptions,
  type RootEntry,
} from "./location.ts";

/** A file on its way in: a local staged file, or a remote object to copy at commit. */
type Staged = { kind: "local" } | { kind: "remote"; source: ResourcePath };

export interface ResourceRootOptions extends ResourceOptions {
  /** Local directory for staged files (a fresh temporary directory by default, removed at exit). */
  stagingDir?: string;
}

/** True for a URI whose scheme is not `file:` (a store this machine reaches over the network or in memory). */
export function isRemoteUri(pathOrUri: string): boolean {
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(pathOrUri)?.[1]?.toLowerCase();
  return scheme !== undefined && scheme !== "file";
}

let defaultStaging: string | undefined;

/** Removes the staging directories of processes that died (killed before their exit handler ran). */
function removeDeadStaging(parent: string): void {
  let names: string[];
  try {
    names = readdirSync(parent);
  } catch {
    return;
  }
  for (const name of names) {
    const pid = Number(/^butler-staging-(\d+)-[0-9a-f]+$/.exec(name)?.[1] ?? Number.NaN);
    if (!Number.isInteger(pid) || pid === process.pid) continue;
    try {
      process.kill(pid, 0);
      continue;
    } catch (err) {
      // EPERM: alive, another user's. Only a process that is gone gives ESRCH.
      if ((err as NodeJS.ErrnoException).code !== "ESRCH") continue;
    }
    rmSync(join(parent, name), { recursive: true, force: true });
  }
}

/** One staging directory per process, removed at exit; those of dead processes go when it is made. */
function processStagingDir(): string {
  if (defaultStaging === undefined) {
    removeDeadStaging(tmpdir());
    const dir = join(tmpdir(), `butler-staging-${process.pid}-${randomBytes(4).toString("hex")}`);
    mkdirSync(dir, { recursive: true });
    process.once("exit", () => rmSync(dir, { recursive: true, force: true }));
    defaultStaging = dir;
  }
  return defaultStaging;
}

function existsError(uri: string, cause: unknown): Error {
  return Object.assign(new Error(`EEXIST: a file already exists at ${uri}`), { code: "EEXIST", cause });
}

export class ResourceRoot implements DatastoreRoot {
  readonly remote = true;
  /** The root directory. */
  readonly base: ResourcePath;
  readonly uri: string;
  readonly #options: ResourceRootOptions;
  readonly #staged = new Map<string, Staged>();

  constructor(root: string | ResourcePath, options: ResourceRootOptions = {}) {
    const { stagingDir: _, ...resourceOptions } = options;
    this.base =
      typeof root === "string" ? resourcePath(root, { ...resourceOptions, forceDirectory: true }) : root;
    if (!this.base.isDirectory) this.base = this.base.join("");
    if (this.base.scheme === "file") {
      throw new DatastoreConfigError(`${this.base.uri} is a local directory; use a LocalRoot for it`);
    }
    this.uri = this.base.uri;
    this.#options = options;
  }

  /** The resource of a record path (relative to the root) or of an absolute URI (direct ingests). */
  resource(path: string): ResourcePath {
    if (isRemoteUri(path) || /^file:/i.test(path)) return resourcePath(path, this.#resourceOptions());
    if (path.startsWith("/")) return resourcePath(path);
    const resource = this.base.join(path);
    if (resource.relativeTo(this.base) === undefined) {
      throw new DatastoreConfigError(`record path '${path}' leaves the datastore root ${this.uri}`);
    }
    return resource;
  }

  #resourceOptions(): ResourceOptions {
    const { stagingDir: _, ...rest } = this.#options;
    return rest;
  }

  uriOf(path: string): string {
    return this.resource(path).uri;
  }

  async size(path: string): Promise<number | undefined> {
    const staged = this.#staged.get(path);
    if (staged?.kind === "local") return (await stat(path).catch(() => undefined))?.size;
    const resource = staged?.kind === "remote" ? staged.source : this.resource(path);
    try {
      return await resource.size();
    } catch (err) {
      if (isButlerError(err, "NOT_FOUND")) return undefined;
      throw err;
    }
  }

  open(path: string, options: OpenRootOptions = {}): ByteSource {
    const staged = this.#staged.get(path);
    if (staged?.kind === "local") return new FileSource(path);
    const resource = staged?.kind === "remote" ? staged.source : this.resource(path);
    return resource.openSource(options.size === undefined ? {} : { size: options.size });
  }

  retryPolicy(path: string): RetryPolicy | undefined {
    const staged = this.#staged.get(path);
    if (staged?.kind === "local") return undefined;
    const resource = staged?.kind === "remote" ? staged.source : this.resource(path);
    return resource.options.retry ?? {};
  }

  connect(): Promise<void> {
    return this.base.connect();
  }

  async download(path: string): Promise<Uint8Array> {
    return this.resource(path).read();
  }

  async makeParents(_path: string): Promise<string[]> {
    // WebDAV writes make missing collections; S3 has none. Nothing to undo either.
    return [];
  }

  async removeEmptyDirectories(_dirs: readonly string[]): Promise<void> {}

  tempPath(path: string): string {
    const dir = this.#options.stagingDir ?? processStagingDir();
    const temp = join(dir, `.${basename(path)}.tmp-${randomBytes(6).toString("hex")}`);
    this.#staged.set(temp, { kind: "local" });
    return temp;
  }

  async moveIntoPlace(temp: string, path: string): Promise<void> {
    const staged = this.#staged.get(temp);
    if (staged === undefined) throw new Error(`${temp} is not a file staged for ${this.uri}`);
    const target = this.resource(path);
    try {
      if (staged.kind === "local") {
        await target.write(await readFile(temp), { overwrite: false });
      } else {
        await target.transferFrom(staged.source, { mode: "copy", overwrite: false });
      }
    } catch (err) {
      if (isButlerError(err, "RESOURCE_EXISTS")) throw existsError(target.uri, err);
      throw err;
    }
    // In place: the staged copy is only litter now.
    this.#staged.delete(temp);
    if (staged.kind === "local") await unlink(temp).catch(() => {});
  }

  async remove(path: string): Promise<boolean> {
    const staged = this.#staged.get(path);
    if (staged !== undefined) {
      this.#staged.delete(path);
      if (staged.kind === "remote") return true;
      return unlink(path).then(
        () => true,
        () => false,
      );
    }
    return this.resource(path).remove();
  }

  async transferIn(source: string, temp: string, mode: FileTransfer): Promise<void> {
    if (mode !== "copy" && mode !== "move") {
      throw new InvalidArgumentError(
        `transfer '${mode}' cannot bring a file into the remote datastore root ${this.uri}; use copy, move or auto`,
      );
    }
    if (isRemoteUri(source)) {
      // Copied at commit (server-side within one store); a moved source goes after the commit.
      this.#staged.set(temp, { kind: "remote", source: resourcePath(source, this.#resourceOptions()) });
      return;
    }
    const from = resourcePath(source);
    if (from.scheme !== "file") throw new InvalidArgumentError(`cannot ingest ${source}: not a file`);
    this.#staged.set(temp, { kind: "local" });
    await copyFile(from.path, temp, fsConstants.COPYFILE_EXCL);
  }

  relativePath(file: string): string | undefined {
    if (!isRemoteUri(file)) return undefined;
    const rel = resourcePath(file).relativeTo(this.base);
    return rel === undefined || rel.endsWith("/") ? undefined : rel;
  }

  async checksum(path: string): Promise<string> {
    const staged = this.#staged.get(path);
    const bytes =
      staged?.kind === "local"
        ? await readFile(path)
        : await (staged?.kind === "remote" ? staged.source : this.resource(path)).read();
    return `sha256:${createHash("sha256").update(bytes).digest("hex")}`;
  }

  async *list(): AsyncIterable<RootEntry> {
    for (const entry of await this.base.list()) {
      const path = entry.path.relativeTo(this.base);
      if (path === undefined || entry.isDirectory) continue;
      yield {
        path,
        ...(entry.size === undefined ? {} : { size: entry.size }),
        ...(entry.modifiedMs === undefined ? {} : { modifiedMs: entry.modifiedMs }),
      };
    }
  }

  /** Makes the root directory (a WebDAV collection; nothing on S3). */
  async create(): Promise<void> {
    await this.base.mkdir();
  }
}

/** The root a URI names: a LocalRoot for a path or `file://` URI, a ResourceRoot for any other scheme. */
export function datastoreRootFor(uri: string, options: ResourceRootOptions = {}): DatastoreRoot {
  return isLocalRoot(uri) ? new LocalRoot(uri) : new ResourceRoot(uri, options);
}

/** Makes a root's directory: a local directory (with parents) or a WebDAV collection; nothing on S3. */
export async function createRootDirectory(uri: string): Promise<void> {
  await resourcePath(uri, { forceDirectory: true }).mkdir();
}
