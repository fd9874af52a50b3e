import type { S3Client } from "@aws-sdk/client-s3";
import type * as base from "./resource-path.ts";
import { S3ApiPath } from "./s3-api-path.ts";
import { type S3Settings, s3Client, s3Settings } from "./s3-client.ts";

export type { PresignOptions } from "./s3-api-path.ts";

/**
 * An object (or, with a trailing `/`, a prefix) in an S3 bucket, reached with the client the
 * environment and the URI's profile configure. A no-clobber write sends `If-None-Match: *`.
 */
export class S3ResourcePath extends S3ApiPath {
  readonly profile: string | undefined;

  constructor(bucket: string, profile: string | undefined, path: string, options: base.ResourceOptions = {}) {
    const authority = profile === undefined ? bucket : `${encodeURIComponent(profile)}@${bucket}`;
    super("s3", authority, bucket, path, options);
    this.profile = profile;
  }

  protected withPath(path: string): S3ResourcePath {
    return new S3ResourcePath(this.bucket, this.profile, path, this.options);
  }

  /** Endpoint, region and credentials for this path, read from the environment now. */
  settings(): S3Settings {
    return s3Settings(this.profile);
  }

  storeKey(): string {
    return `s3:${JSON.stringify(this.settings())}`;
  }

  protected client(): Promise<S3Client> {
    return s3Client(this.settings());
  }
}
