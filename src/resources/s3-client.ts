/**
 * S3 clients, configured from the usual environment and made on first use (the AWS SDK is loaded
 * with a dynamic import, so programs that never touch S3 do not pay for it):
 *
 * - `S3_ENDPOINT_URL`: a non-AWS endpoint (MinIO, Ceph, a test server); path-style addressing then.
 * - `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`, `AWS_PROFILE`, `~/.aws/*`:
 *   the SDK's default credential chain.
 * - `AWS_REGION` (or `AWS_DEFAULT_REGION`); `us-east-1` when neither is set.
 * - A profile in the URI (`s3://profile@bucket/key`) selects that profile's credentials. As in
 *   lsst.resources, `LSST_RESOURCES_S3_PROFILE_<profile>=https://KEY:SECRET@host:port` gives a profile
 *   its own endpoint and keys.
 *
 * Clients make one attempt per request: retries belong to our own loop, whose budget covers reads and
 * writes alike.
 */
import type { S3Client, S3ClientConfig } from "@aws-sdk/client-s3";
import { DEFAULT_ATTEMPT_TIMEOUT_MS } from "../bytes/retry.ts";
import { InvalidArgumentError } from "../errors/index.ts";

export type S3Sdk = typeof import("@aws-sdk/client-s3");

let sdk: Promise<S3Sdk> | undefined;
const clients = new Map<string, S3Client>();

/** The SDK module, imported once. */
export function loadS3Sdk(): Promise<S3Sdk> {
  sdk ??= import("@aws-sdk/client-s3");
  return sdk;
}

/** What decides which client serves a bucket: equal settings share one client (and its connections). */
export interface S3Settings {
  endpoint?: string;
  region: string;
  profile?: string;
  accessKeyId?: string;
  secretAccessKey?: string;
  /** Longest wait to connect, and longest silence of a request (DEFAULT_ATTEMPT_TIMEOUT_MS). */
  timeoutMs?: number;
}

/** The settings for `profile` (from the URI) under the current environment. */
export function s3Settings(profile: string | undefined, env: NodeJS.ProcessEnv = process.env): S3Settings {
  const region = env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? "us-east-1";
  const settings: S3Settings = { region };
  if (profile !== undefined) {
    const spec = env[`LSST_RESOURCES_S3_PROFILE_${profile}`];
    if (spec !== undefined) return { ...settings, ...parseProfileEndpoint(profile, spec) };
    settings.profile = profile;
  }
  const endpoint = env.S3_ENDPOINT_URL;
  if (endpoint !== undefined && endpoint !== "") settings.endpoint = endpoint;
  return settings;
}

function parseProfileEndpoint(profile: string, spec: string): Partial<S3Settings> {
  let url: URL;
  try {
    url = new URL(spec);
  } catch {
    throw new InvalidArgumentError(
      `LSST_RESOURCES_S3_PROFILE_${profile} must be a URL like https://KEY:SECRET@host:port, not '${spec}'`,
    );
  }
  const out: Partial<S3Settings> = { endpoint: `${url.protocol}//${url.host}` };
  if (url.username !== "") {
    out.accessKeyId = decodeURIComponent(url.username);
    out.secretAccessKey = decodeURIComponent(url.password);
  }
  return out;
}

/** The shared client for `settings`, made on first use. */
export async function s3Client(settings: S3Settings): Promise<S3Client> {
  const key = JSON.stringify(settings);
  const cached = clients.get(key);
  if (cached !== undefined) return cached;
  const { S3Client } = await loadS3Sdk();
  const again = clients.get(key);
  if (again !== undefined) return again;
  const config: S3ClientConfig = {
    region: settings.region,
    maxAttempts: 1,
    // A stalled request fails (retryably, as a TimeoutError) well within our retry budget.
    requestHandler: {
      connectionTimeout: settings.timeoutMs ?? DEFAULT_ATTEMPT_TIMEOUT_MS,
      requestTimeout: settings.timeoutMs ?? DEFAULT_ATTEMPT_TIMEOUT_MS,
      throwOnRequestTimeout: true,
    },
    // Checksums only where S3 requires them: S3-compatible servers do not all speak the newer ones.
    requestChecksumCalculation: "WHEN_REQUIRED",
    responseChecksumValidation: "WHEN_REQUIRED",
  };
  if (settings.endpoint !== undefined) {
    config.endpoint = settings.endpoint;
    config.forcePathStyle = true;
  }
  if (settings.profile !== undefined) config.profile = settings.profile;
  if (settings.accessKeyId !== undefined && settings.secretAccessKey !== undefined) {
    config.credentials = { accessKeyId: settings.accessKeyId, secretAccessKey: settings.secretAccessKey };
  }
  const client = new S3Client(config);
  clients.set(key, client);
  return client;
}

/** Closes every client's connections (tests, and programs that want to exit promptly). */
export function closeS3Clients(): void {
  for (const client of clients.values()) client.destroy();
  clients.clear();
}
