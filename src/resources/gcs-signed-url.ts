/**
 * V4 signed URLs for Google Cloud Storage made with a service account's key (GOOG4-RSA-SHA256), as
 * Google's "signing URLs manually" describes: a canonical request of the method, the path, the sorted
 * query and the host, hashed into a string to sign, signed with RSA-SHA256. (An HMAC key signs with
 * AWS Signature Version 4 instead, which the XML API accepts as well.)
 */
import { createHash } from "node:crypto";
import { InvalidArgumentError } from "../errors/index.ts";

/** The longest validity GCS accepts: seven days. */
export const MAX_SIGNED_URL_SECONDS = 604_800;

export interface SignUrlRequest {
  /** The XML API endpoint, e.g. `https://storage.googleapis.com`. */
  endpoint: string;
  bucket: string;
  key: string;
  method: "GET" | "PUT";
  expiresIn: number;
  date: Date;
  /** The service account that signs. */
  email: string;
  /** RSA-SHA256 signature of the string to sign, hex-encoded. */
  sign(data: string): Promise<string>;
}

/** RFC 3986 percent-encoding: everything but unreserved characters. */
function encode(value: string): string {
  return encodeURIComponent(value).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

/** A URL that lets a plain HTTP client send `method` for this object until it expires. */
export async function signUrlV4(request: SignUrlRequest): Promise<string> {
  const { expiresIn } = request;
  if (!Number.isInteger(expiresIn) || expiresIn < 1 || expiresIn > MAX_SIGNED_URL_SECONDS) {
    throw new InvalidArgumentError(
      `a signed URL's expiry must be a whole number of seconds from 1 to ${MAX_SIGNED_URL_SECONDS} (7 days), not ${expiresIn}`,
    );
  }
  const endpoint = new URL(request.endpoint);
  const stamp = request.date.toISOString().replace(/[-:]/g, "").replace(/\.\d+/, "");
  const scope = `${stamp.slice(0, 8)}/auto/storage/goog4_request`;
  const path = `${endpoint.pathname.replace(/\/+$/, "")}/${encode(request.bucket)}/${request.key.split("/").map(encode).join("/")}`;
  const query = [
    ["X-Goog-Algorithm", "GOOG4-RSA-SHA256"],
    ["X-Goog-Credential", `${request.email}/${scope}`],
    ["X-Goog-Date", stamp],
    ["X-Goog-Expires", String(expiresIn)],
    ["X-Goog-SignedHeaders", "host"],
  ]
    .map(([name, value]) => `${encode(name!)}=${encode(value!)}`)
    .sort()
    .join("&");
  const canonical = [request.method, path, query, `host:${endpoint.host}\n`, "host", "UNSIGNED-PAYLOAD"].join(
    "\n",
  );
  const digest = createHash("sha256").update(canonical).digest("hex");
  const signature = await request.sign(["GOOG4-RSA-SHA256", stamp, scope, digest].join("\n"));
  return `${endpoint.protocol}//${endpoint.host}${path}?${query}&X-Goog-Signature=${signature}`;
}
