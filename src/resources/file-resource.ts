import { randomBytes } from "node:crypto";
import {
  copyFile,
  constants as fsConstants,
  link,
  mkdir,
  readdir,
  readFile,
  rename,
  stat,
  unlink,
  writeFile,
} from "node:fs/promises";
import { pathToFileURL } from "node:url";
import type { ByteSource } from "../bytes/byte-source.ts";
import { FileSource } from "../bytes/file-source.ts";
import { InvalidArgumentError, ObjectNotFoundError, ResourceExistsError } from "../errors/index.ts";
import { fileSystemError } from "./fs-errors.ts";
import {
  type ListOptions,
  type ResourceEntry,
  type ResourceOptions,
  ResourcePath,
  type TransferMode,
  type WriteOptions,
} from "./resource-path.ts";

function errno(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException | undefined)?.code;
}

/**
 * A file or directory on this machine. Writes go to a hidden temporary name beside the target and are
 * renamed into place (or hard-linked, when an existing file must not be replaced), so a reader never
 * sees half a file.
 */
export class FileResourcePath extends ResourcePath {
  constructor(path: string, options: ResourceOptions = {}) {
    super("file", "", path, options);
  }

  protected withPath(path: string): FileResourcePath {
    return new FileResourcePath(path, this.options);
  }

  override get uri(): string {
    const href = pathToFileURL(this.path).href;
    return this.isDirectory && !href.endsWith("/") ? `${href}/` : href;
  }

  /** The local path (a directory's keeps its trailing slash). */
  get localPath(): string {
    return this.path;
  }

  async exists(): Promise<boolean> {
    try {
      const stats = await stat(this.path);
      return this.isDirectory ? stats.isDirectory() : !stats.isDirectory();
    } catch (err) {
      if (errno(err) === "ENOENT" || errno(err) === "ENOTDIR") return false;
      throw err;
    }
  }

  async size(): Promise<number> {
    this.#checkFile("size");
    try {
      const stats = await stat(this.path);
      if (stats.isDirectory()) throw new InvalidArgumentError(`${this.uri} is a directory`);
      return stats.size;
    } catch (err) {
      throw notFound(this.uri, err);
    }
  }

  async read(): Promise<Uint8Array> {
    this.#checkFile("read");
    try {
      const buffer = await readFile(this.path);
      return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
    } catch (err) {
      throw notFound(this.uri, err);
    }
  }

  async write(data: Uint8Array | string, options: WriteOptions = {}): Promise<void> {
    this.#checkFile("write");
    await mkdir(this.parent().path, { recursive: true });
    const temp = this.#tempPath();
    await writeFile(temp, data, { flag: "wx" });
    await this.#moveIntoPlace(temp, options.overwrite ?? true);
  }

  async remove(): Promise<boolean> {
    this.#checkFile("remove");
    try {
      await unlink(this.path);
      return true;
    } catch (err) {
      if (errno(err) === "ENOENT") return false;
      throw err;
    }
  }

  async list(options: ListOptions = {}): Promise<ResourceEntry[]> {
    const recursive = options.recursive ?? true;
    const dir = this.isDirectory ? this : (this.join("") as FileResourcePath);
    const entries: ResourceEntry[] = [];
    const walk = async (at: FileResourcePath): Promise<void> => {
      let children: import("node:fs").Dirent[];
      try {
        children = await readdir(at.path, { withFileTypes: true });
      } catch (err) {
        if (errno(err) === "ENOENT" || errno(err) === "ENOTDIR") return;
        throw err;
      }
      children.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
      for (const child of children) {
        if (child.isDirectory()) {
          const sub = at.join(`${child.name}/`) as FileResourcePath;
          if (recursive) await walk(sub);
          else entries.push({ path: sub, isDirectory: true });
        } else {
          const file = at.join(child.name);
          const size = await stat(file.path).then(
            (s) => s.size,
            () => undefined,
          );
          entries.push(
            size === undefined
              ? { path: file, isDirectory: false }
              : { path: file, isDirectory: false, size },
          );
        }
      }
    };
    await walk(dir);
    return entries;
  }

  async mkdir(): Promise<void> {
    await mkdir(this.path, { recursive: true });
  }

  openSource(): ByteSource {
    this.#checkFile("open");
    return new FileSource(this.path, { key: this.uri });
  }

  protected override async transferWithinStore(
    source: ResourcePath,
    mode: TransferMode,
    options: WriteOptions,
  ): Promise<boolean> {
    if (!(source instanceof FileResourcePath)) return false;
    this.#checkFile("transfer");
    await mkdir(this.parent().path, { recursive: true });
    const overwrite = options.overwrite ?? true;
    if (mode === "move") {
      try {
        if (overwrite) await rename(source.path, this.path);
        else {
          await this.#linkNoClobber(source.path);
          await unlink(source.path);
        }
        return true;
      } catch (err) {
        // Another file system: copy through a temporary name instead.
        if (errno(err) !== "EXDEV") throw notFound(source.uri, err);
      }
    }
    const temp = this.#tempPath();
    try {
      await copyFile(source.path, temp);
    } catch (err) {
      throw notFound(source.uri, err);
    }
    await this.#moveIntoPlace(temp, overwrite);
    if (mode === "move") await unlink(source.path);
    return true;
  }

  #tempPath(): string {
    return `${this.parent().path}.${this.basename()}.tmp-${randomBytes(6).toString("hex")}`;
  }

  async #moveIntoPlace(temp: string, overwrite: boolean): Promise<void> {
    try {
      if (overwrite) await rename(temp, this.path);
      else {
        await this.#linkNoClobber(temp);
        await unlink(temp);
      }
    } catch (err) {
      await unlink(temp).catch(() => {});
      throw err;
    }
  }

  /** Hard-links `from` to this path, failing if a file is already here; falls back to an exclusive copy. */
  async #linkNoClobber(from: string): Promise<void> {
    try {
      await link(from, this.path);
      return;
    } catch (err) {
      const code = errno(err);
      if (code === "EEXIST") throw new ResourceExistsError(this.uri, { cause: err });
      // File systems without hard links: a small race that link() avoids.
      if (code !== "EPERM" && code !== "ENOTSUP" && code !== "EOPNOTSUPP" && code !== "EMLINK") throw err;
    }
    try {
      await copyFile(from, this.path, fsConstants.COPYFILE_EXCL);
    } catch (err) {
      if (errno(err) === "EEXIST") throw new ResourceExistsError(this.uri, { cause: err });
      throw err;
    }
  }

  #checkFile(operation: string): void {
    if (this.isDirectory)
      throw new InvalidArgumentError(`cannot ${operation} ${this.uri}: it names a directory`);
  }
}

function notFound(uri: string, err: unknown): unknown {
  if (errno(err) === "ENOENT" || errno(err) === "ENOTDIR")
    return new ObjectNotFoundError(uri, { cause: err });
  return fileSystemError(uri, err);
}
