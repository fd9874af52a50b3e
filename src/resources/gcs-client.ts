/**
 * S3 clients for Google Cloud Storage's XML API, one per setting, made on first use. An HMAC key
 * signs with AWS Signature Version 4 as on S3; bearer tokens and anonymous access replace the
 * signature with an `Authorization: Bearer` header or with nothing. Like the S3 clients, they make one
 * attempt per request: retries belong to our own loop.
 */
import type { S3Client, S3ClientConfig } from "@aws-sdk/client-s3";
import { type GoogleCredentials, googleCredentials } from "./gcs-auth.ts";
import type { GcsSettings } from "./gcs-settings.ts";
import { loadS3Sdk } from "./s3-client.ts";

/** A client and what authorizes its requests. */
export interface GcsClient {
  client: S3Client;
  /** Bearer-token credentials, or undefined for an HMAC key or anonymous access. */
  credentials: GoogleCredentials | undefined;
}

const clients = new Map<string, Promise<GcsClient>>();

/** XML API endpoints accept any region in a signature's scope; Google's examples use `auto`. */
const REGION = "auto";

/** The shared client for `settings`; a failed setup is forgotten, so a later call tries again. */
export function gcsClient(settings: GcsSettings): Promise<GcsClient> {
  const key = JSON.stringify(settings);
  let made = clients.get(key);
  if (made === undefined) {
    made = makeClient(settings);
    clients.set(key, made);
    made.catch(() => clients.delete(key));
  }
  return made;
}

async function makeClient(settings: GcsSettings): Promise<GcsClient> {
  const { S3Client } = await loadS3Sdk();
  const config: S3ClientConfig = {
    region: REGION,
    endpoint: settings.endpoint,
    forcePathStyle: true,
    maxAttempts: 1,
    // GCS speaks only the checksums S3 always required.
    requestChecksumCalculation: "WHEN_REQUIRED",
    responseChecksumValidation: "WHEN_REQUIRED",
  };
  const auth = settings.auth;
  if (auth.kind === "hmac") {
    config.credentials = { accessKeyId: auth.accessKeyId, secretAccessKey: auth.secretAccessKey };
    return { client: new S3Client(config), credentials: undefined };
  }
  const credentials = auth.kind === "google" ? await googleCredentials(auth) : undefined;
  // Fixed keys that nothing signs with: they keep the SDK from looking for AWS credentials.
  config.credentials = { accessKeyId: "unused", secretAccessKey: "unused" };
  config.signer = {
    async sign(request) {
      if (credentials !== undefined)
        request.headers.authorization = `Bearer ${await credentials.accessToken()}`;
      return request;
    },
  };
  return { client: new S3Client(config), credentials };
}

/** Closes every client's connections (tests, and programs that want to exit promptly). */
export async function closeGcsClients(): Promise<void> {
  const made = [...clients.values()];
  clients.clear();
  for (const result of await Promise.allSettled(made)) {
    if (result.status === "fulfilled") result.value.client.destroy();
  }
}
