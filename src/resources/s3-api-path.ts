import { randomBytes } from "node:crypto";
import type {
  CopyObjectCommand,
  CopyObjectCommandInput,
  PutObjectCommand,
  PutObjectCommandInput,
  S3Client,
} from "@aws-sdk/client-s3";
import type { ByteSource } from "../bytes/byte-source.ts";
import { retrying } from "../bytes/retry.ts";
import { s3Error } from "../bytes/s3-errors.ts";
import { S3Source } from "../bytes/s3-source.ts";
import {
  InvalidArgumentError,
  ObjectNotFoundError,
  RemoteStoreError,
  ResourceExistsError,
} from "../errors/index.ts";
import * as base from "./resource-path.ts";
import { loadS3Sdk, type S3Sdk } from "./s3-client.ts";

export interface PresignOptions {
  /** Seconds the URL stays valid (default one hour). */
  expiresIn?: number;
  /** The moment the signature is made (now by default). */
  signingDate?: Date;
}

/** The user metadata key that marks a no-clobber write's object as its own. */
const WRITE_TOKEN = "butler-write";

/**
 * An object (or, with a trailing `/`, a prefix) in a bucket of a store that speaks S3's protocol: S3
 * itself, or Google Cloud Storage's XML API. A write is a single PUT, which the store makes visible
 * all at once; `overwrite: false` also checks first, for servers that ignore the conditional header,
 * and marks the object with a token of its own, so that a PUT whose answer was lost is known as done.
 * There are no directories: `mkdir` does nothing and a directory exists when some key starts with its
 * prefix. Subclasses say which client serves a path and how a write refuses to replace an object.
 */
export abstract class S3ApiPath extends base.ResourcePath {
  readonly bucket: string;

  protected constructor(
    scheme: string,
    authority: string,
    bucket: string,
    path: string,
    options: base.ResourceOptions,
  ) {
    super(scheme, authority, path, options);
    this.bucket = bucket;
  }

  /** The client that serves this path, made on first use. */
  protected abstract client(): Promise<S3Client>;

  override async connect(): Promise<void> {
    await Promise.all([loadS3Sdk(), this.client()]);
  }

  /** Paths with equal store keys are in one store, where a copy between them is done by the server. */
  abstract storeKey(): string;

  /** The PutObject of a write; `createOnly` when an existing object must not be replaced. */
  protected putCommand(sdk: S3Sdk, input: PutObjectCommandInput, createOnly: boolean): PutObjectCommand {
    return new sdk.PutObjectCommand(createOnly ? { ...input, IfNoneMatch: "*" } : input);
  }

  /** The CopyObject of a copy within the store; `createOnly` as for `putCommand`. */
  protected copyCommand(sdk: S3Sdk, input: CopyObjectCommandInput, _createOnly: boolean): CopyObjectCommand {
    return new sdk.CopyObjectCommand(input);
  }

  /** The object key (the path without its leading slash). */
  get key(): string {
    return this.path.slice(1);
  }

  async exists(options: base.SignalOptions = {}): Promise<boolean> {
    if (this.isDirectory) {
      const page = await this.send("LIST", options.signal, (sdk, client, o) =>
        client.send(new sdk.ListObjectsV2Command({ Bucket: this.bucket, Prefix: this.key, MaxKeys: 1 }), o),
      );
      return (page.KeyCount ?? page.Contents?.length ?? 0) > 0;
    }
    try {
      await this.#head(options.signal);
      return true;
    } catch (err) {
      if (err instanceof ObjectNotFoundError) return false;
      throw err;
    }
  }

  async size(options: base.SignalOptions = {}): Promise<number> {
    this.checkFile("size");
    const head = await this.#head(options.signal);
    if (head.ContentLength === undefined) {
      throw new RemoteStoreError(this.uri, "HEAD", "the answer has no Content-Length", { retryable: false });
    }
    return head.ContentLength;
  }

  async read(options: base.SignalOptions = {}): Promise<Uint8Array> {
    this.checkFile("read");
    return this.send("GET", options.signal, async (sdk, client, o) => {
      const res = await client.send(new sdk.GetObjectCommand({ Bucket: this.bucket, Key: this.key }), o);
      const bytes = res.Body === undefined ? new Uint8Array(0) : await res.Body.transformToByteArray();
      if (res.ContentLength !== undefined && bytes.byteLength !== res.ContentLength) {
        const detail = `body ended after ${bytes.byteLength} of ${res.ContentLength} bytes`;
        throw new RemoteStoreError(this.uri, "GET", detail, { retryable: true });
      }
      return bytes;
    });
  }

  async write(data: Uint8Array | string, options: base.WriteOptions = {}): Promise<void> {
    this.checkFile("write");
    const body = typeof data === "string" ? new TextEncoder().encode(data) : data;
    const overwrite = options.overwrite ?? true;
    if (!overwrite && (await this.exists(options))) throw new ResourceExistsError(this.uri);
    // A no-clobber write marks its object, so that a PUT that landed with its answer lost is known as
    // its own when a retry then finds the object there (412) or the retries run out.
    const token = overwrite ? undefined : randomBytes(12).toString("hex");
    try {
      await this.send("PUT", options.signal, (sdk, client, o) => {
        const input = {
          Bucket: this.bucket,
          Key: this.key,
          Body: body,
          ContentLength: body.byteLength,
          ...(token === undefined ? {} : { Metadata: { [WRITE_TOKEN]: token } }),
        };
        return client.send(this.putCommand(sdk, input, !overwrite), o);
      });
    } catch (err) {
      if (token !== undefined && (await this.#writtenBy(token, body.byteLength, options.signal))) return;
      if (!overwrite && (err as RemoteStoreError).status === 412)
        throw new ResourceExistsError(this.uri, { cause: err });
      throw err;
    }
  }

  /** Whether the object here is the one a write marked with `token` put, whole. */
  async #writtenBy(token: string, size: number, signal: AbortSignal | undefined): Promise<boolean> {
    try {
      const head = await this.#head(signal);
      return head.Metadata?.[WRITE_TOKEN] === token && head.ContentLength === size;
    } catch {
      return false;
    }
  }

  async remove(options: base.SignalOptions = {}): Promise<boolean> {
    this.checkFile("remove");
    // DeleteObject succeeds whether or not the key exists; HEAD first to tell the caller which.
    if (!(await this.exists(options))) return false;
    await this.send("DELETE", options.signal, (sdk, client, o) =>
      client.send(new sdk.DeleteObjectCommand({ Bucket: this.bucket, Key: this.key }), o),
    );
    return true;
  }

  async list(options: base.ListOptions = {}): Promise<base.ResourceEntry[]> {
    const recursive = options.recursive ?? true;
    const prefix = this.isDirectory || this.key === "" ? this.key : `${this.key}/`;
    const entries: base.ResourceEntry[] = [];
    let token: string | undefined;
    do {
      const input = {
        Bucket: this.bucket,
        Prefix: prefix,
        ContinuationToken: token,
        ...(recursive ? {} : { Delimiter: "/" }),
      };
      const page = await this.send("LIST", options.signal, (sdk, client, o) =>
        client.send(new sdk.ListObjectsV2Command(input), o),
      );
      for (const common of page.CommonPrefixes ?? []) {
        if (common.Prefix !== undefined)
          entries.push({ path: this.withPath(`/${common.Prefix}`), isDirectory: true });
      }
      for (const object of page.Contents ?? []) {
        if (object.Key === undefined || object.Key === prefix) continue;
        const entry: base.ResourceEntry = { path: this.withPath(`/${object.Key}`), isDirectory: false };
        if (object.Size !== undefined) entry.size = object.Size;
        if (object.LastModified !== undefined) entry.modifiedMs = object.LastModified.getTime();
        entries.push(entry);
      }
      token = page.IsTruncated === true ? page.NextContinuationToken : undefined;
    } while (token !== undefined);
    return entries;
  }

  async mkdir(): Promise<void> {
    // Buckets have prefixes, not directories.
  }

  openSource(options: base.OpenOptions = {}): ByteSource {
    this.checkFile("open");
    const source = new S3Source({
      client: () => this.client(),
      bucket: this.bucket,
      objectKey: this.key,
      key: this.uri,
      ...options,
    });
    return source;
  }

  /** A URL that lets anyone GET this object with a plain HTTP client until it expires. */
  presignGet(options: PresignOptions = {}): Promise<string> {
    return this.presign("GET", options);
  }

  /** A URL that lets anyone PUT this object with a plain HTTP client until it expires. */
  presignPut(options: PresignOptions = {}): Promise<string> {
    return this.presign("PUT", options);
  }

  protected override async transferWithinStore(
    source: base.ResourcePath,
    mode: base.TransferMode,
    options: base.WriteOptions,
  ): Promise<boolean> {
    if (!(source instanceof S3ApiPath) || source.storeKey() !== this.storeKey()) return false;
    this.checkFile("transfer");
    const overwrite = options.overwrite ?? true;
    if (!overwrite && (await this.exists(options))) throw new ResourceExistsError(this.uri);
    // CopyObject copies server-side and, like a PUT, makes the new object visible at once.
    const copySource = `${source.bucket}/${source.key.split("/").map(encodeURIComponent).join("/")}`;
    try {
      await this.send("COPY", options.signal, (sdk, client, o) => {
        const input = { Bucket: this.bucket, Key: this.key, CopySource: copySource };
        return client.send(this.copyCommand(sdk, input, !overwrite), o);
      });
    } catch (err) {
      if (!overwrite && (err as RemoteStoreError).status === 412)
        throw new ResourceExistsError(this.uri, { cause: err });
      throw err;
    }
    if (mode === "move") await source.remove(options);
    return true;
  }

  /** A URL signed with the client's keys (AWS Signature Version 4 in the query). */
  protected async presign(method: "GET" | "PUT", options: PresignOptions): Promise<string> {
    this.checkFile("presign");
    const [sdk, { getSignedUrl }, client] = await Promise.all([
      loadS3Sdk(),
      import("@aws-sdk/s3-request-presigner"),
      this.client(),
    ]);
    const input = { Bucket: this.bucket, Key: this.key };
    const command = method === "GET" ? new sdk.GetObjectCommand(input) : new sdk.PutObjectCommand(input);
    return getSignedUrl(client, command, {
      expiresIn: options.expiresIn ?? 3600,
      ...(options.signingDate === undefined ? {} : { signingDate: options.signingDate }),
    });
  }

  #head(signal: AbortSignal | undefined) {
    return this.send("HEAD", signal, (sdk, client, o) =>
      client.send(new sdk.HeadObjectCommand({ Bucket: this.bucket, Key: this.key }), o),
    );
  }

  /** Sends one command with retries; failures become typed errors. */
  protected send<T>(
    operation: string,
    signal: AbortSignal | undefined,
    run: (sdk: S3Sdk, client: S3Client, options: { abortSignal?: AbortSignal }) => Promise<T>,
  ): Promise<T> {
    return retrying(
      async () => {
        const [sdk, client] = await Promise.all([loadS3Sdk(), this.client()]);
        try {
          return await run(sdk, client, { abortSignal: signal });
        } catch (err) {
          throw s3Error(this.uri, operation, err, signal);
        }
      },
      this.options.retry ?? {},
      { uri: this.uri, operation, signal },
    );
  }

  protected checkFile(operation: string): void {
    if (this.isDirectory || this.key === "") {
      throw new InvalidArgumentError(`cannot ${operation} ${this.uri}: it names a prefix, not an object`);
    }
  }
}
