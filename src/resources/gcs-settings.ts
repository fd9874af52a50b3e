/**
 * How `gs://` paths reach Google Cloud Storage, read from the environment. Requests go to the XML API,
 * which speaks S3's protocol, so one S3 client code path serves both stores; only the endpoint and the
 * way requests are authorized differ:
 *
 * - `GCS_ENDPOINT_URL`: the XML API endpoint (default `https://storage.googleapis.com`); any server
 *   speaking the protocol will do (a test server, a private gateway). Buckets are addressed by path.
 * - `GS_ACCESS_KEY_ID` and `GS_SECRET_ACCESS_KEY` (the names gsutil's boto configuration reads): an
 *   HMAC key, which signs requests with AWS Signature Version 4 as GCS's interoperability mode accepts.
 * - Otherwise OAuth bearer tokens, found as Google's own tools find Application Default Credentials:
 *   the key file `GOOGLE_APPLICATION_CREDENTIALS` names, gcloud's credentials file, or the compute
 *   metadata server (`GCE_METADATA_HOST` moves it). When none of them is there, requests are anonymous,
 *   which public buckets allow.
 * - `GCS_ANONYMOUS=1`: anonymous requests without looking for credentials.
 */
import { InvalidArgumentError } from "../errors/index.ts";

export const DEFAULT_GCS_ENDPOINT = "https://storage.googleapis.com";

/** How requests are authorized. */
export type GcsAuth =
  | { kind: "hmac"; accessKeyId: string; secretAccessKey: string }
  /** Bearer tokens from Application Default Credentials; the fields name where they are looked for. */
  | { kind: "google"; credentialsFile?: string; metadataHost?: string; gcloudConfig?: string }
  | { kind: "anonymous" };

/** What decides which client serves a bucket: equal settings share one client (and its token). */
export interface GcsSettings {
  endpoint: string;
  auth: GcsAuth;
}

const TRUE = new Set(["1", "true", "yes", "on"]);
const FALSE = new Set(["", "0", "false", "no", "off"]);

/** The settings under `env` (the process environment by default). */
export function gcsSettings(env: NodeJS.ProcessEnv = process.env): GcsSettings {
  const endpoint = endpointOf(env.GCS_ENDPOINT_URL);
  return { endpoint, auth: authOf(env) };
}

function endpointOf(value: string | undefined): string {
  if (value === undefined || value === "") return DEFAULT_GCS_ENDPOINT;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    url = new URL("invalid:");
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new InvalidArgumentError(
      `GCS_ENDPOINT_URL must be an http(s) URL like ${DEFAULT_GCS_ENDPOINT}, not '${value}'`,
    );
  }
  return value.replace(/\/+$/, "");
}

function authOf(env: NodeJS.ProcessEnv): GcsAuth {
  const anonymous = (env.GCS_ANONYMOUS ?? "").trim().toLowerCase();
  if (TRUE.has(anonymous)) return { kind: "anonymous" };
  if (!FALSE.has(anonymous)) {
    throw new InvalidArgumentError(
      `GCS_ANONYMOUS must be 1 or 0 (true or false), not '${env.GCS_ANONYMOUS}'`,
    );
  }
  const accessKeyId = env.GS_ACCESS_KEY_ID ?? "";
  const secretAccessKey = env.GS_SECRET_ACCESS_KEY ?? "";
  if (accessKeyId !== "" || secretAccessKey !== "") {
    if (accessKeyId === "" || secretAccessKey === "") {
      throw new InvalidArgumentError(
        "an HMAC key for gs:// needs both GS_ACCESS_KEY_ID and GS_SECRET_ACCESS_KEY; only one is set",
      );
    }
    return { kind: "hmac", accessKeyId, secretAccessKey };
  }
  const auth: GcsAuth = { kind: "google" };
  if (env.GOOGLE_APPLICATION_CREDENTIALS) auth.credentialsFile = env.GOOGLE_APPLICATION_CREDENTIALS;
  const metadataHost = env.GCE_METADATA_HOST || env.GCE_METADATA_IP;
  if (metadataHost) auth.metadataHost = metadataHost;
  if (env.CLOUDSDK_CONFIG) auth.gcloudConfig = env.CLOUDSDK_CONFIG;
  return auth;
}
