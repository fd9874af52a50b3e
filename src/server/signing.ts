/**
 * Signed, expiring URLs for the server's own byte and upload routes: HMAC-SHA256 over
 * `name\npath\nexpires` with the server's key, so any process holding the key can check a URL
 * another one issued, and no URL can be bent to another repository, path or lifetime.
 */
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { InvalidArgumentError } from "../errors/index.ts";
import { forbidden } from "./http-error.ts";

/** Bytes in a generated key. */
const KEY_BYTES = 32;

export function randomSigningKey(): Uint8Array {
  return new Uint8Array(randomBytes(KEY_BYTES));
}

/** A key given as hex (as `BUTLER_SERVER_SIGNING_KEY` holds it); at least 16 bytes. */
export function signingKeyFromHex(hex: string, where: string): Uint8Array {
  const text = hex.trim();
  if (!/^([0-9a-fA-F]{2}){16,}$/.test(text)) {
    throw new InvalidArgumentError(`${where} must be a hex string of at least 32 digits (16 bytes)`);
  }
  return new Uint8Array(Buffer.from(text, "hex"));
}

export function signature(key: Uint8Array, name: string, path: string, expires: number): string {
  return createHmac("sha256", key).update(`${name}\n${path}\n${expires}`).digest("hex");
}

/** The `?expires=…&sig=…` query for `path` of repository `name`, valid for `seconds` from `now`. */
export function signQuery(
  key: Uint8Array,
  name: string,
  path: string,
  seconds: number,
  now = Date.now(),
): { query: string; expires: number } {
  const expires = Math.floor(now / 1000) + seconds;
  return { query: `expires=${expires}&sig=${signature(key, name, path, expires)}`, expires };
}

/**
 * Throws a 403 HttpError unless `sig` is the signature of (name, path, expires) and `expires` has not
 * passed. The comparison takes the same time whatever the signature.
 */
export function checkSignature(
  key: Uint8Array,
  name: string,
  path: string,
  expires: unknown,
  sig: unknown,
  now = Date.now(),
): void {
  if (typeof expires !== "string" || !/^\d{1,12}$/.test(expires) || typeof sig !== "string") {
    throw forbidden("this URL is not signed: it needs 'expires' and 'sig' query parameters");
  }
  const expected = Buffer.from(signature(key, name, path, Number(expires)), "hex");
  const given = /^[0-9a-f]{64}$/i.test(sig) ? Buffer.from(sig, "hex") : Buffer.alloc(0);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    throw forbidden("the URL's signature does not match; ask the server for a new URL");
  }
  if (Number(expires) * 1000 < now) {
    throw forbidden(
      `the URL expired at ${new Date(Number(expires) * 1000).toISOString()}; ask the server for a new one`,
    );
  }
}
