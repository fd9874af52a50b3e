/**
 * Uploads of puts, with no state on the server: an upload id is its description (repository, dataset
 * type, data ID, run, announced size and checksum, formatter, expiry, temporary file name) in
 * base64url JSON, followed by an HMAC-SHA256 of it with the server's signing key, so any process of a
 * repository can take the commit and nobody can change what was announced. The files wait under
 * `.butler-uploads/` in the datastore root, named `<expires>-<random><ext>`, so a sweep knows from
 * the name alone which were abandoned.
 */
import { createHmac, timingSafeEqual } from "node:crypto";
import type { DataIdJson } from "../client/protocol.ts";
import { UPLOAD_DIR, UPLOAD_FILE_NAME, uploadExpiryMs } from "../datastore/index.ts";
import { InvalidArgumentError, isButlerError } from "../errors/index.ts";
import { getLogger } from "../log.ts";
import type { ResourcePath } from "../resources/resource-path.ts";

export { UPLOAD_DIR, UPLOAD_FILE_NAME };

const log = getLogger("server.uploads");

/** A process sweeps a root's uploads at most this often (or once per URL lifetime, when shorter). */
const SWEEP_INTERVAL_MS = 60_000;

export interface Upload {
  repository: string;
  datasetType: string;
  dataId: DataIdJson;
  run: string;
  size: number;
  checksum: string;
  formatter?: string;
  /** The dataset's ID, when the client put a resolved ref. */
  datasetId?: string;
  /** UNIX seconds. */
  expires: number;
  /** The file's name in UPLOAD_DIR. */
  file: string;
}

function mac(key: Uint8Array, payload: string): Buffer {
  return createHmac("sha256", key).update(`upload\n${payload}`).digest();
}

export function encodeUploadId(key: Uint8Array, upload: Upload): string {
  const payload = Buffer.from(JSON.stringify(upload)).toString("base64url");
  return `${payload}.${mac(key, payload).toString("base64url")}`;
}

/** What the upload route's signed URL signs: the file and its announced size (a path of its own kind). */
export function uploadPath(file: string, size: number): string {
  return `uploads/${file}#${size}`;
}

/** The upload an id describes; a typed error when it was not made by this key for this repository. */
export function decodeUploadId(key: Uint8Array, uploadId: string, repository: string): Upload {
  const [payload, tag, ...rest] = uploadId.split(".");
  const given = Buffer.from(tag ?? "", "base64url");
  const expected = payload === undefined ? Buffer.alloc(0) : mac(key, payload);
  if (rest.length > 0 || given.length !== expected.length || !timingSafeEqual(given, expected)) {
    throw new InvalidArgumentError("this upload id was not issued by this server; prepare the put again");
  }
  const upload = JSON.parse(Buffer.from(payload!, "base64url").toString("utf8")) as Upload;
  if (upload.repository !== repository) {
    throw new InvalidArgumentError(
      `this upload id is for repository '${upload.repository}', not '${repository}'`,
    );
  }
  if (upload.expires * 1000 < Date.now()) {
    throw new InvalidArgumentError(
      `this upload expired at ${new Date(upload.expires * 1000).toISOString()}; prepare the put again`,
    );
  }
  return upload;
}

const lastSweep = new Map<string, number>();

/**
 * Removes uploads whose expiry (the number their name starts with) has passed, at most once per
 * `intervalMs` (at most a minute) per uploads directory and process. Never fails the request that
 * triggered it. Returns the names removed.
 */
export async function sweepExpiredUploads(
  dir: ResourcePath,
  intervalMs: number,
  now = Date.now(),
): Promise<string[]> {
  if (now - (lastSweep.get(dir.uri) ?? 0) < Math.min(intervalMs, SWEEP_INTERVAL_MS)) return [];
  lastSweep.set(dir.uri, now);
  const removed: string[] = [];
  try {
    for (const entry of await dir.list()) {
      if (entry.isDirectory) continue;
      const name = entry.path.basename();
      const expires = uploadExpiryMs(name);
      if (expires === undefined || expires >= now) continue;
      if (await entry.path.remove().catch(() => false)) removed.push(name);
    }
  } catch (err) {
    if (!isButlerError(err, "NOT_FOUND")) log.debug(`could not sweep ${dir.uri}: ${(err as Error).message}`);
  }
  if (removed.length > 0) log.info(`removed ${removed.length} expired upload(s) from ${dir.uri}`);
  return removed;
}
