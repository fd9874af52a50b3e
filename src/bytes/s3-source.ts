import type { GetObjectCommandOutput, HeadObjectCommandOutput, S3Client } from "@aws-sdk/client-s3";
import { ByteRangeError, EtagMismatchError, RemoteStoreError } from "../errors.ts";
import type { ByteSource, ReadOptions } from "./byte-source.ts";
import { checkRange, checkWithinSize } from "./check-range.ts";
import { fillFromBody } from "./fill-from-body.ts";
import { parseContentRange, rangeHeader } from "./http-range.ts";
import { transportError } from "./retry.ts";
import { s3Error, s3Status } from "./s3-errors.ts";

export interface S3SourceOptions {
  /** The client, or a function that makes it on first use (the SDK is loaded lazily). */
  client: S3Client | (() => Promise<S3Client>);
  bucket: string;
  /** The object key within the bucket. */
  objectKey: string;
  /** Name used in cache keys and errors; defaults to `s3://bucket/key`. */
  key?: string;
  /** The object's size when the caller knows it: no HEAD is ever sent then. */
  size?: number;
  /** The version the caller expects; otherwise the first answer's ETag is pinned. */
  etag?: string;
}

/** What went over the wire; see HttpTransferStats. */
export interface S3TransferStats {
  gets: number;
  heads: number;
  bytesReceived: number;
  fullResponses: number;
}

type Sdk = typeof import("@aws-sdk/client-s3");
let sdk: Promise<Sdk> | undefined;

/**
 * A ByteSource over one S3 object: each read is one GetObject with an exact `Range: bytes=a-b` and
 * `If-Match` on the pinned ETag; the answer's ETag is compared too (some S3 servers ignore If-Match).
 * The size comes from the caller, else from the first Content-Range, and only then from HeadObject.
 * Errors are typed as for HttpSource; retries belong to `withRetry` (the client should make one attempt).
 */
export class S3Source implements ByteSource {
  readonly key: string;
  readonly bucket: string;
  readonly objectKey: string;
  readonly stats: S3TransferStats = { gets: 0, heads: 0, bytesReceived: 0, fullResponses: 0 };
  readonly #client: S3SourceOptions["client"];
  #size: number | undefined;
  #sizeProbe: Promise<number> | undefined;
  #etag: string | undefined;

  constructor(options: S3SourceOptions) {
    this.bucket = options.bucket;
    this.objectKey = options.objectKey;
    this.key = options.key ?? `s3://${options.bucket}/${options.objectKey}`;
    this.#client = options.client;
    this.#size = options.size;
    this.#etag = options.etag;
  }

  get etag(): string | undefined {
    return this.#etag;
  }

  size(): Promise<number> {
    if (this.#size !== undefined) return Promise.resolve(this.#size);
    this.#sizeProbe ??= this.#head().finally(() => {
      this.#sizeProbe = undefined;
    });
    return this.#sizeProbe;
  }

  async read(offset: number, length: number, options?: ReadOptions): Promise<Uint8Array> {
    options?.signal?.throwIfAborted();
    checkRange(this.key, offset, length);
    if (this.#size !== undefined) checkWithinSize(this.key, offset, length, this.#size);
    const target = new Uint8Array(length);
    await this.#fill(offset, target, options?.signal);
    return target;
  }

  async readInto(offset: number, target: Uint8Array, options?: ReadOptions): Promise<void> {
    options?.signal?.throwIfAborted();
    checkRange(this.key, offset, target.byteLength);
    if (this.#size !== undefined) checkWithinSize(this.key, offset, target.byteLength, this.#size);
    await this.#fill(offset, target, options?.signal);
  }

  async #fill(offset: number, target: Uint8Array, signal: AbortSignal | undefined): Promise<void> {
    const length = target.byteLength;
    if (length === 0) {
      checkWithinSize(this.key, offset, 0, await this.size());
      return;
    }
    const { GetObjectCommand } = await loadSdk();
    const client = await this.#getClient();
    const range = rangeHeader(this.key, offset, length);
    const pinned = this.#etag;
    this.stats.gets += 1;
    let res: GetObjectCommandOutput;
    try {
      res = await client.send(
        new GetObjectCommand({ Bucket: this.bucket, Key: this.objectKey, Range: range, IfMatch: pinned }),
        { abortSignal: signal },
      );
    } catch (err) {
      const status = s3Status(err);
      if (status === 412 && !signal?.aborted)
        throw new EtagMismatchError(this.key, pinned ?? "(none)", "a different version");
      if (status === 416 && !signal?.aborted) {
        throw new ByteRangeError(this.key, offset, length, "range not satisfiable");
      }
      throw s3Error(this.key, "GET", err, signal);
    }
    const body = res.Body as (AsyncIterable<Uint8Array> & { destroy?: () => void }) | undefined;
    const abandon = () => body?.destroy?.();
    if (body === undefined)
      throw new RemoteStoreError(this.key, "GET", "the answer has no body", { retryable: true });
    if (res.ETag !== undefined) {
      if (pinned === undefined) this.#etag = res.ETag;
      else if (res.ETag !== pinned) {
        abandon();
        throw new EtagMismatchError(this.key, pinned, res.ETag);
      }
    }
    const status = res.$metadata.httpStatusCode;
    const contentLength = res.ContentLength;
    let skip = 0;
    if (status === 206 || res.ContentRange !== undefined) {
      const span = parseContentRange(res.ContentRange);
      if (span?.total !== undefined) this.#size = span.total;
      if (span?.start !== offset || span.end === undefined) {
        abandon();
        throw new RemoteStoreError(this.key, "GET", `answered range ${res.ContentRange} to ${range}`, {
          status,
          retryable: false,
        });
      }
      if (span.end < offset + length - 1) {
        abandon();
        const size = span.total ?? span.end + 1;
        throw new ByteRangeError(
          this.key,
          offset,
          length,
          `range ends past the end of the object (size ${size})`,
        );
      }
    } else {
      // The whole object came back: take our slice of it.
      this.stats.fullResponses += 1;
      if (contentLength !== undefined) {
        this.#size = contentLength;
        if (offset + length > contentLength) {
          abandon();
          throw new ByteRangeError(
            this.key,
            offset,
            length,
            `range ends past the end of the object (size ${contentLength})`,
          );
        }
      }
      skip = offset;
    }
    const got = { filled: 0, received: 0 };
    try {
      await fillFromBody(body, target, skip, contentLength, got);
    } catch (err) {
      abandon();
      if (signal?.aborted) throw signal.reason;
      throw transportError(this.key, "GET", err);
    } finally {
      this.stats.bytesReceived += got.received;
    }
    if (got.filled < length) {
      throw new RemoteStoreError(this.key, "GET", `body ended after ${got.filled} of ${length} bytes`, {
        status,
        retryable: true,
      });
    }
  }

  async #head(): Promise<number> {
    const { HeadObjectCommand } = await loadSdk();
    const client = await this.#getClient();
    this.stats.heads += 1;
    let res: HeadObjectCommandOutput;
    try {
      res = await client.send(
        new HeadObjectCommand({ Bucket: this.bucket, Key: this.objectKey, IfMatch: this.#etag }),
      );
    } catch (err) {
      if (s3Status(err) === 412)
        throw new EtagMismatchError(this.key, this.#etag ?? "(none)", "a different version");
      throw s3Error(this.key, "HEAD", err);
    }
    if (res.ETag !== undefined) {
      if (this.#etag === undefined) this.#etag = res.ETag;
      else if (res.ETag !== this.#etag) throw new EtagMismatchError(this.key, this.#etag, res.ETag);
    }
    if (res.ContentLength === undefined) {
      throw new RemoteStoreError(this.key, "HEAD", "the answer has no Content-Length", { retryable: false });
    }
    this.#size = res.ContentLength;
    return res.ContentLength;
  }

  async #getClient(): Promise<S3Client> {
    return typeof this.#client === "function" ? this.#client() : this.#client;
  }
}

function loadSdk(): Promise<Sdk> {
  sdk ??= import("@aws-sdk/client-s3");
  return sdk;
}
