import type {
  CopyObjectCommand,
  CopyObjectCommandInput,
  PutObjectCommand,
  PutObjectCommandInput,
  S3Client,
} from "@aws-sdk/client-s3";
import { InvalidArgumentError } from "../errors/index.ts";
import { gcsClient } from "./gcs-client.ts";
import { type GcsSettings, gcsSettings } from "./gcs-settings.ts";
import { signUrlV4 } from "./gcs-signed-url.ts";
import type * as base from "./resource-path.ts";
import { type PresignOptions, S3ApiPath } from "./s3-api-path.ts";
import type { S3Sdk } from "./s3-client.ts";

/** GCS's precondition that no live object has the name: the atomic no-clobber create. */
const CREATE_ONLY = { "x-goog-if-generation-match": "0" };

/**
 * An object (or, with a trailing `/`, a prefix) in a Google Cloud Storage bucket, reached through the
 * XML API (see `gcs-settings.ts` for the endpoint and credentials). Everything but authorization is as
 * on S3; a no-clobber write or copy sends `x-goog-if-generation-match: 0`, which GCS enforces.
 */
export class GcsResourcePath extends S3ApiPath {
  constructor(bucket: string, path: string, options: base.ResourceOptions = {}) {
    super("gs", bucket, bucket, path, options);
  }

  protected withPath(path: string): GcsResourcePath {
    return new GcsResourcePath(this.bucket, path, this.options);
  }

  /** Endpoint and credentials for this path, read from the environment now. */
  settings(): GcsSettings {
    return gcsSettings();
  }

  storeKey(): string {
    return `gs:${JSON.stringify(this.settings())}`;
  }

  protected async client(): Promise<S3Client> {
    return (await gcsClient(this.settings())).client;
  }

  protected override putCommand(
    sdk: S3Sdk,
    input: PutObjectCommandInput,
    createOnly: boolean,
  ): PutObjectCommand {
    return withHeaders(new sdk.PutObjectCommand(input), createOnly ? CREATE_ONLY : {});
  }

  protected override copyCommand(
    sdk: S3Sdk,
    input: CopyObjectCommandInput,
    createOnly: boolean,
  ): CopyObjectCommand {
    return withHeaders(new sdk.CopyObjectCommand(input), createOnly ? CREATE_ONLY : {});
  }

  /**
   * An HMAC key signs with AWS Signature Version 4, and a service account with GOOG4-RSA-SHA256 (by
   * its private key, or by IAM's signBlob on a compute instance). Anonymous access cannot sign.
   */
  protected override async presign(method: "GET" | "PUT", options: PresignOptions): Promise<string> {
    this.checkFile("presign");
    const settings = this.settings();
    if (settings.auth.kind === "hmac") return super.presign(method, options);
    const { credentials } = await gcsClient(settings);
    if (credentials === undefined) {
      throw new InvalidArgumentError(
        `cannot sign a URL for ${this.uri} without credentials; set GOOGLE_APPLICATION_CREDENTIALS to a ` +
          "service-account key file, or GS_ACCESS_KEY_ID and GS_SECRET_ACCESS_KEY",
      );
    }
    return signUrlV4({
      endpoint: settings.endpoint,
      bucket: this.bucket,
      key: this.key,
      method,
      expiresIn: options.expiresIn ?? 3600,
      date: options.signingDate ?? new Date(),
      email: await credentials.email(),
      sign: (data) => credentials.sign(data),
    });
  }
}

type BuildHandler = (args: { request: unknown }) => Promise<unknown>;
interface BuildStack {
  add(middleware: (next: BuildHandler) => BuildHandler, options: { step: "build"; name: string }): void;
}

/** Adds headers to a command's request before it is signed. */
function withHeaders<C extends PutObjectCommand | CopyObjectCommand>(
  command: C,
  headers: Record<string, string>,
): C {
  if (Object.keys(headers).length === 0) return command;
  (command.middlewareStack as unknown as BuildStack).add(
    (next) => async (args) => {
      const request = args.request as { headers?: Record<string, string> };
      if (request.headers !== undefined) Object.assign(request.headers, headers);
      return next(args);
    },
    { step: "build", name: "gcsPreconditionHeaders" },
  );
  return command;
}
