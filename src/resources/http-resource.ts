import type { ByteSource } from "../bytes/byte-source.ts";
import {
  discardBody,
  type HttpResponse,
  header,
  httpRequest,
  readBody,
  redact,
  sharedDispatcher,
} from "../bytes/http-client.ts";
import { HttpSource } from "../bytes/http-source.ts";
import { isTransientStatus, retrying } from "../bytes/retry.ts";
import {
  InvalidArgumentError,
  ObjectNotFoundError,
  RemoteStoreError,
  ResourceExistsError,
} from "../errors/index.ts";
import { PROPFIND_BODY, parseMultistatus } from "./dav-xml.ts";
import * as base from "./resource-path.ts";

interface Call {
  method: string;
  /** Transient statuses the handler wants to see itself instead of retrying. */
  passStatuses?: number[];
  url?: string;
  headers?: Record<string, string>;
  body?: Uint8Array | string;
  signal?: AbortSignal;
}

/**
 * A file or collection on an HTTP(S) server; writes use WebDAV (RFC 4918). A write PUTs to a hidden
 * temporary name and MOVEs it into place (`Overwrite: F` when an existing file must not be replaced),
 * and removes the temporary name again when it fails, unless the MOVE did happen with its answer lost;
 * a PUT refused for a missing parent (409) creates the parents with MKCOL and is sent again; listings
 * are PROPFIND `Depth: 1`, walked collection by collection. Every request is retried on transient
 * failures within the path's retry budget.
 */
export class HttpResourcePath extends base.ResourcePath {
  /** A query string (`?…`) kept from the URI, e.g. a presigned URL's; never part of joined paths. */
  readonly query: string;

  constructor(
    scheme: "http" | "https",
    host: string,
    path: string,
    options: base.ResourceOptions = {},
    query = "",
  ) {
    super(scheme, host, path, options);
    this.query = query;
  }

  override async connect(): Promise<void> {
    await sharedDispatcher();
  }

  protected withPath(path: string): HttpResourcePath {
    return new HttpResourcePath(this.scheme as "http" | "https", this.authority, path, this.options);
  }

  /** The URL requests go to: `uri` plus the query, which is kept out of `uri` and errors (it may be a credential). */
  get url(): string {
    return this.uri + this.query;
  }

  async exists(options: base.SignalOptions = {}): Promise<boolean> {
    if (this.isDirectory) {
      return this.#call(
        { method: "PROPFIND", headers: { depth: "0" }, signal: options.signal },
        async (res) => {
          await discardBody(res);
          if (res.status === 207 || res.status === 200) return true;
          if (res.status === 404) return false;
          throw this.#statusError("PROPFIND", res);
        },
      );
    }
    return this.#call({ method: "HEAD", signal: options.signal }, async (res) => {
      await discardBody(res);
      if (res.status === 200) return true;
      if (res.status === 404 || res.status === 410) return false;
      throw this.#statusError("HEAD", res);
    });
  }

  async size(options: base.SignalOptions = {}): Promise<number> {
    this.#checkFile("size");
    return this.#call({ method: "HEAD", signal: options.signal }, async (res) => {
      await discardBody(res);
      if (res.status !== 200) throw this.#statusError("HEAD", res);
      const length = header(res, "content-length");
      if (length === undefined || !/^\d+$/.test(length)) {
        throw new RemoteStoreError(this.uri, "HEAD", "the answer has no Content-Length", {
          status: res.status,
          retryable: false,
        });
      }
      return Number(length);
    });
  }

  async read(options: base.SignalOptions = {}): Promise<Uint8Array> {
    this.#checkFile("read");
    return this.#call({ method: "GET", signal: options.signal }, async (res) => {
      if (res.status !== 200) {
        await discardBody(res);
        throw this.#statusError("GET", res);
      }
      return readBody(res, this.url, "GET", options.signal);
    });
  }

  async write(data: Uint8Array | string, options: base.WriteOptions = {}): Promise<void> {
    this.#checkFile("write");
    const body = typeof data === "string" ? new TextEncoder().encode(data) : data;
    const temp = this.tempSibling() as HttpResourcePath;
    try {
      await temp.#put(body, options.signal);
    } catch (err) {
      // The PUT may have landed although its answer was lost.
      await temp.remove().catch(() => {});
      throw err;
    }
    try {
      await this.#moveHere(temp, options.overwrite ?? true, options.signal);
    } catch (err) {
      if (await this.#movedHere(temp, body.byteLength)) return;
      await temp.remove().catch(() => {});
      throw err;
    }
  }

  /**
   * Whether a MOVE of `temp` here happened although it failed for the client (its answer lost, then a
   * retry refused because the source was gone or the target there). Nobody else knows the temporary
   * name, so when it is gone and a file of its size is here, the move was ours.
   */
  async #movedHere(temp: HttpResourcePath, size: number): Promise<boolean> {
    try {
      if (await temp.exists()) return false;
      return (await this.size()) === size;
    } catch {
      return false;
    }
  }

  async remove(options: base.SignalOptions = {}): Promise<boolean> {
    this.#checkFile("remove");
    return this.#call({ method: "DELETE", signal: options.signal }, async (res) => {
      await discardBody(res);
      if (res.status === 200 || res.status === 204) return true;
      if (res.status === 404 || res.status === 410) return false;
      throw this.#statusError("DELETE", res);
    });
  }

  async list(options: base.ListOptions = {}): Promise<base.ResourceEntry[]> {
    const recursive = options.recursive ?? true;
    const root = this.isDirectory ? this : (this.join("") as HttpResourcePath);
    const entries: base.ResourceEntry[] = [];
    const walk = async (dir: HttpResourcePath): Promise<void> => {
      const children = await dir.#propfind(options.signal);
      for (const child of children) {
        if (child.isDirectory && recursive) await walk(child.path as HttpResourcePath);
        else entries.push(child);
      }
    };
    await walk(root);
    return entries;
  }

  async mkdir(options: base.SignalOptions = {}): Promise<void> {
    const dir = this.isDirectory ? this : (this.join("") as HttpResourcePath);
    if (dir.path === "/") return;
    const made = await dir.#call({ method: "MKCOL", signal: options.signal }, async (res) => {
      await discardBody(res);
      // 405: the collection exists already.
      if (res.status === 201 || res.status === 405) return true;
      if (res.status === 409) return false;
      throw dir.#statusError("MKCOL", res);
    });
    if (made) return;
    // 409: a parent is missing; make it, then this one.
    await (dir.parent() as HttpResourcePath).mkdir(options);
    await dir.#call({ method: "MKCOL", signal: options.signal }, async (res) => {
      await discardBody(res);
      if (res.status !== 201 && res.status !== 405) throw dir.#statusError("MKCOL", res);
    });
  }

  openSource(options: base.OpenOptions = {}): ByteSource {
    this.#checkFile("open");
    const source = new HttpSource(this.url, {
      ...options,
      headers: this.options.headers,
      headersTimeoutMs: this.options.timeoutMs,
      bodyTimeoutMs: this.options.timeoutMs,
    });
    return source;
  }

  protected override async transferWithinStore(
    source: base.ResourcePath,
    mode: base.TransferMode,
    options: base.WriteOptions,
  ): Promise<boolean> {
    if (!(source instanceof HttpResourcePath) || !this.sameStore(source) || source.scheme !== this.scheme)
      return false;
    this.#checkFile("transfer");
    if (mode === "move") {
      await this.#moveHere(source, options.overwrite ?? true, options.signal);
      return true;
    }
    // COPY into a temporary name, then MOVE into place: a reader never sees a partial copy.
    const temp = this.tempSibling() as HttpResourcePath;
    try {
      await temp.#copyOrMove("COPY", source, true, options.signal);
    } catch (err) {
      // The COPY may have happened although its answer was lost.
      await temp.remove().catch(() => {});
      throw err;
    }
    try {
      await this.#moveHere(temp, options.overwrite ?? true, options.signal);
    } catch (err) {
      await temp.remove().catch(() => {});
      throw err;
    }
    return true;
  }

  /** PUTs the whole body here. */
  async #put(body: Uint8Array, signal: AbortSignal | undefined): Promise<void> {
    await this.#create({ method: "PUT", body, signal }, true);
  }

  async #moveHere(
    source: HttpResourcePath,
    overwrite: boolean,
    signal: AbortSignal | undefined,
  ): Promise<void> {
    await this.#copyOrMove("MOVE", source, overwrite, signal);
  }

  /** A COPY or MOVE of `source` to this path. */
  async #copyOrMove(
    method: "COPY" | "MOVE",
    source: HttpResourcePath,
    overwrite: boolean,
    signal: AbortSignal | undefined,
  ): Promise<void> {
    const headers = { destination: this.uri, overwrite: overwrite ? "T" : "F" };
    await this.#create({ method, url: source.url, headers, signal }, overwrite);
  }

  /**
   * Runs a request that creates this file (PUT, or COPY/MOVE with this as Destination). A missing
   * parent collection makes servers answer 409 (RFC 4918) or, like nginx, 500; then the parent is
   * checked, made with MKCOL when missing, and the request sent again. A 500 with the parent present
   * is retried like any other.
   */
  async #create(call: Call, overwrite: boolean): Promise<void> {
    const finish = async (res: HttpResponse): Promise<"done" | "parent?"> => {
      await discardBody(res);
      if (res.status >= 200 && res.status < 300) return "done";
      if (res.status === 409 || res.status === 500) return "parent?";
      if (res.status === 412 && !overwrite) throw new ResourceExistsError(this.uri);
      throw this.#statusError(call.method, res);
    };
    if ((await this.#call({ ...call, passStatuses: [500] }, finish)) === "done") return;
    const parent = this.parent() as HttpResourcePath;
    if (!(await parent.exists({ signal: call.signal }))) await parent.mkdir({ signal: call.signal });
    const again = await this.#call(call, finish);
    if (again !== "done") {
      throw new RemoteStoreError(this.uri, call.method, "HTTP 409 with the parent collection present", {
        status: 409,
        retryable: false,
      });
    }
  }

  /** The direct children of this collection. */
  async #propfind(signal: AbortSignal | undefined): Promise<base.ResourceEntry[]> {
    const xml = await this.#call(
      {
        method: "PROPFIND",
        headers: { depth: "1", "content-type": 'application/xml; charset="utf-8"' },
        body: PROPFIND_BODY,
        signal,
      },
      async (res) => {
        if (res.status === 404) {
          await discardBody(res);
          return undefined;
        }
        if (res.status !== 207) {
          await discardBody(res);
          throw this.#statusError("PROPFIND", res);
        }
        return new TextDecoder().decode(await readBody(res, this.url, "PROPFIND", signal));
      },
    );
    if (xml === undefined) return [];
    const self = this.path.replace(/\/+$/, "");
    const entries: base.ResourceEntry[] = [];
    for (const entry of parseMultistatus(xml)) {
      const path = entry.path.replace(/\/+$/, "");
      // The collection itself comes first in the answer; skip it, and anything not below it.
      if (path === self || !path.startsWith(`${self}/`)) continue;
      const child = this.withPath(entry.isCollection ? `${path}/` : path);
      const found: base.ResourceEntry =
        entry.size === undefined || entry.isCollection
          ? { path: child, isDirectory: entry.isCollection }
          : { path: child, isDirectory: false, size: entry.size };
      if (!entry.isCollection && entry.modifiedMs !== undefined) found.modifiedMs = entry.modifiedMs;
      entries.push(found);
    }
    entries.sort((a, b) => (a.path.path < b.path.path ? -1 : a.path.path > b.path.path ? 1 : 0));
    return entries;
  }

  /**
   * One request with retries: transient statuses (408, 429, 5xx) and transport failures are retried;
   * `handle` sees every other answer and must consume or discard its body.
   */
  #call<T>(call: Call, handle: (res: HttpResponse) => Promise<T>): Promise<T> {
    const url = call.url ?? this.url;
    const headers = { ...this.options.headers, ...call.headers };
    return retrying(
      async () => {
        const res = await httpRequest({
          method: call.method,
          url,
          headers,
          body: call.body,
          signal: call.signal,
          headersTimeoutMs: this.options.timeoutMs,
          bodyTimeoutMs: this.options.timeoutMs,
        });
        if (isTransientStatus(res.status) && call.passStatuses?.includes(res.status) !== true) {
          await discardBody(res);
          throw this.#statusError(call.method, res);
        }
        return handle(res);
      },
      this.options.retry ?? {},
      { uri: redact(url), operation: call.method, signal: call.signal },
    );
  }

  #statusError(method: string, res: HttpResponse): Error {
    if (res.status === 404 || res.status === 410) return new ObjectNotFoundError(this.uri);
    return new RemoteStoreError(this.uri, method, `HTTP ${res.status}`, {
      status: res.status,
      retryable: isTransientStatus(res.status),
    });
  }

  #checkFile(operation: string): void {
    if (this.isDirectory)
      throw new InvalidArgumentError(`cannot ${operation} ${this.uri}: it names a collection`);
  }
}
