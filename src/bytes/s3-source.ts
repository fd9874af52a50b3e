import type { GetObjectCommandOutput, HeadObjectCommandOutput, S3Client } from "@aws-sdk/client-s3";
import { ByteRangeError, EtagMismatchError, RemoteStoreError } from "../errors/index.ts";
import type { ByteRange } from "./byte-source.ts";
import { type RangeAnswer, RemoteSource, type RemoteTransferStats } from "./remote-source.ts";
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
export type S3TransferStats = RemoteTransferStats;

type Sdk = typeof import("@aws-sdk/client-s3");
let sdk: Promise<Sdk> | undefined;

/**
 * A ByteSource over one S3 object: each read is one GetObject with an exact `Range: bytes=a-b` and
 * `If-Match` on the pinned ETag; the answer's ETag is compared too (some S3 servers ignore If-Match).
 * The size comes from the caller, else from the first Content-Range, and only then from HeadObject.
 * Errors are typed as for HttpSource; retries belong to `withRetry` (the client should make one attempt).
 */
export class S3Source extends RemoteSource {
  readonly bucket: string;
  readonly objectKey: string;
  readonly #client: S3SourceOptions["client"];

  constructor(options: S3SourceOptions) {
    super(options.key ?? `s3://${options.bucket}/${options.objectKey}`, options.size, options.etag);
    this.bucket = options.bucket;
    this.objectKey = options.objectKey;
    this.#client = options.client;
  }

  protected async fetchRange(want: ByteRange, range: string, signal?: AbortSignal): Promise<RangeAnswer> {
    const { GetObjectCommand } = await loadSdk();
    const client = await this.#getClient();
    const pinned = this.etag;
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
        throw new ByteRangeError(this.key, want.offset, want.length, "range not satisfiable");
      }
      throw s3Error(this.key, "GET", err, signal);
    }
    const body = res.Body as (AsyncIterable<Uint8Array> & { destroy?: () => void }) | undefined;
    if (body === undefined)
      throw new RemoteStoreError(this.key, "GET", "the answer has no body", { retryable: true });
    const abandon = () => body.destroy?.();
    try {
      this.checkEtag(res.ETag);
    } catch (err) {
      abandon();
      throw err;
    }
    const status = res.$metadata.httpStatusCode;
    return {
      status,
      partial: status === 206 || res.ContentRange !== undefined,
      contentRange: res.ContentRange,
      contentLength: res.ContentLength,
      body,
      discard: abandon,
      abandon,
    };
  }

  protected async head(): Promise<number> {
    const { HeadObjectCommand } = await loadSdk();
    const client = await this.#getClient();
    this.stats.heads += 1;
    let res: HeadObjectCommandOutput;
    try {
      res = await client.send(
        new HeadObjectCommand({ Bucket: this.bucket, Key: this.objectKey, IfMatch: this.etag }),
      );
    } catch (err) {
      if (s3Status(err) === 412)
        throw new EtagMismatchError(this.key, this.etag ?? "(none)", "a different version");
      throw s3Error(this.key, "HEAD", err);
    }
    this.checkEtag(res.ETag);
    if (res.ContentLength === undefined) {
      throw new RemoteStoreError(this.key, "HEAD", "the answer has no Content-Length", { retryable: false });
    }
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
