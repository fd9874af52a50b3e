/**
 * OAuth bearer tokens for `gs://`, from Application Default Credentials through Google's
 * google-auth-library, loaded on first use so that programs which never touch GCS do not pay for it.
 * The library finds the credentials (a service-account key file, gcloud's credentials, the compute
 * metadata server), caches the token and refreshes it before it expires; this module shares one
 * refresh among concurrent requests and turns failures into typed errors.
 *
 * A service-account key file names its token endpoint (`token_uri`); Google's Python libraries honour
 * it, and so do we, where the Node library always asks Google's own endpoint.
 */
import { readFile } from "node:fs/promises";
import type { GoogleAuth } from "google-auth-library";
import { isTransientStatus } from "../bytes/retry.ts";
import { InvalidArgumentError, RemoteStoreError } from "../errors/index.ts";
import { getLogger } from "../log.ts";
import type { GcsAuth } from "./gcs-settings.ts";

const STORAGE_SCOPE = "https://www.googleapis.com/auth/devstorage.read_write";
const GOOGLE_TOKEN_URL = "https://oauth2.googleapis.com/token";
const NO_CREDENTIALS = "Could not load the default credentials";
const PROJECT_UNUSED = "-";
const TOKEN_TIMEOUT_MS = 30_000;
/** Names the token source in errors. */
const TOKEN_URI = "Google access token";

const log = getLogger("resources.gcs");

/** Credentials that authorize requests with bearer tokens and sign URLs. */
export interface GoogleCredentials {
  /** A current access token: the cached one, or a fresh one when it is about to expire. */
  accessToken(): Promise<string>;
  /** The RSA-SHA256 signature of `data`, hex-encoded (made by IAM when there is no private key here). */
  sign(data: string): Promise<string>;
  /** The service account's e-mail address, which names the signer in a signed URL. */
  email(): Promise<string>;
}

/**
 * The credentials Application Default Credentials find, or undefined when there are none (requests
 * then go anonymous). A key file that cannot be used is an InvalidArgumentError.
 */
export async function googleCredentials(
  auth: Extract<GcsAuth, { kind: "google" }>,
): Promise<GoogleCredentials | undefined> {
  const { GoogleAuth } = await import("google-auth-library");
  // Requests for objects name no project: a fixed one spares the library its project-ID search, which
  // runs the gcloud CLI where it is installed (seconds).
  const googleAuth: GoogleAuth = new GoogleAuth({ scopes: [STORAGE_SCOPE], projectId: PROJECT_UNUSED });
  let client: Awaited<ReturnType<GoogleAuth["getClient"]>>;
  try {
    client = await googleAuth.getClient();
  } catch (err) {
    const message = (err as Error).message ?? String(err);
    if (auth.credentialsFile === undefined && message.includes(NO_CREDENTIALS)) {
      log.warning("no Google credentials found: gs:// requests are anonymous", {
        hint: "set GOOGLE_APPLICATION_CREDENTIALS, or GS_ACCESS_KEY_ID and GS_SECRET_ACCESS_KEY; GCS_ANONYMOUS=1 for public buckets",
      });
      return undefined;
    }
    throw credentialsError(auth, err);
  }
  const tokenUri =
    auth.credentialsFile === undefined ? undefined : await keyFileTokenUri(auth.credentialsFile);
  client.transporter.interceptors.request.add({
    resolved: async (config) => {
      if (tokenUri !== undefined && config.url.href === GOOGLE_TOKEN_URL) config.url = new URL(tokenUri);
      // One attempt per token request, and never a wait without end: retries belong to the loop
      // around the storage request.
      config.retryConfig = { ...config.retryConfig, retry: 0, noResponseRetries: 0 };
      if (!config.timeout) config.timeout = TOKEN_TIMEOUT_MS;
      return config;
    },
  });
  let pending: Promise<string> | undefined;
  const fetchToken = async () => {
    try {
      const { token } = await client.getAccessToken();
      if (token === null || token === undefined || token === "") {
        throw new RemoteStoreError(TOKEN_URI, "TOKEN", "the credentials gave no token", { retryable: false });
      }
      return token;
    } catch (err) {
      throw tokenError(err);
    }
  };
  return {
    accessToken() {
      // The library answers from its cache until the token nears expiry; concurrent requests that find
      // it stale share one refresh.
      pending ??= fetchToken().finally(() => {
        pending = undefined;
      });
      return pending;
    },
    async sign(data) {
      try {
        return Buffer.from(await googleAuth.sign(data), "base64").toString("hex");
      } catch (err) {
        throw tokenError(err, "SIGN");
      }
    },
    async email() {
      const { client_email: email } = await googleAuth.getCredentials();
      if (email === undefined || email === "") {
        throw new InvalidArgumentError(
          "cannot sign a gs:// URL: the Google credentials name no service account (client_email)",
        );
      }
      return email;
    },
  };
}

/** The `token_uri` of a service-account key file, when it has one. */
async function keyFileTokenUri(file: string): Promise<string | undefined> {
  try {
    const json = JSON.parse(await readFile(file, "utf8")) as { type?: unknown; token_uri?: unknown };
    return json.type === "service_account" && typeof json.token_uri === "string" ? json.token_uri : undefined;
  } catch {
    return undefined; // The library has read it already; whatever it made of it stands.
  }
}

function credentialsError(auth: Extract<GcsAuth, { kind: "google" }>, err: unknown): Error {
  const message = (err as Error).message ?? String(err);
  const where =
    auth.credentialsFile === undefined
      ? "Application Default Credentials"
      : `GOOGLE_APPLICATION_CREDENTIALS (${auth.credentialsFile})`;
  return new InvalidArgumentError(
    `cannot use ${where} for gs://: ${message}; accepted: a service-account or gcloud credentials JSON file, ` +
      "or GS_ACCESS_KEY_ID and GS_SECRET_ACCESS_KEY",
  );
}

/** A failed token request: retryable when the token server had a transient failure or was unreachable. */
function tokenError(err: unknown, operation = "TOKEN"): Error {
  if (err instanceof RemoteStoreError || err instanceof InvalidArgumentError) return err;
  const e = err as { status?: unknown; response?: { status?: unknown }; message?: string };
  const status = typeof e.response?.status === "number" ? e.response.status : undefined;
  // No status: the request never got an answer (a GaxiosError then), or the library refused before asking.
  const retryable = status === undefined ? (err as Error)?.name === "GaxiosError" : isTransientStatus(status);
  const detail = `${status === undefined ? "" : `HTTP ${status}: `}${e.message ?? String(err)}`;
  return new RemoteStoreError(TOKEN_URI, operation, detail, {
    retryable,
    cause: err,
    ...(status === undefined ? {} : { status }),
  });
}
