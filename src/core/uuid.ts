import { createHash, randomFillSync } from "node:crypto";
import { InvalidDatasetIdError } from "../errors/index.ts";

/*
 * RFC 9562 UUIDs as lowercase canonical strings (8-4-4-4-12 hex), the form daf_butler prints and
 * exports. Only the versions the butler makes are built here: 5 (name-based, SHA-1) and 7 (time-ordered).
 */

const CANONICAL = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const LOOSE =
  /^(?:urn:uuid:)?\{?([0-9a-f]{8})-?([0-9a-f]{4})-?([0-9a-f]{4})-?([0-9a-f]{4})-?([0-9a-f]{12})\}?$/i;

/** The namespace of DNS names, from RFC 9562. */
export const UUID_NAMESPACE_DNS = "6ba7b810-9dad-11d1-80b4-00c04fd430c8";

export function isUuid(text: string): boolean {
  return CANONICAL.test(text);
}

/**
 * Canonical lowercase form of a UUID written with any case, with or without hyphens, braces or a
 * `urn:uuid:` prefix; anything else is an InvalidDatasetIdError.
 */
export function normalizeUuid(text: string): string {
  // Ids read back from the registry are canonical already: one test instead of a rebuild.
  if (typeof text === "string" && CANONICAL.test(text)) return text;
  const match = typeof text === "string" ? LOOSE.exec(text.trim()) : null;
  if (match === null) {
    throw new InvalidDatasetIdError(
      `${JSON.stringify(text)} is not a UUID; accepted: 32 hex digits, as xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx`,
    );
  }
  return match.slice(1).join("-").toLowerCase();
}

function uuidToBytes(uuid: string): Uint8Array {
  return Uint8Array.from(Buffer.from(normalizeUuid(uuid).replaceAll("-", ""), "hex"));
}

function uuidFromBytes(bytes: Uint8Array): string {
  if (bytes.length !== 16) throw new InvalidDatasetIdError(`a UUID has 16 bytes, got ${bytes.length}`);
  return formatUuid(bytes, 0);
}

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, "0"));

/** The canonical form of the 16 bytes at `offset`, without intermediate buffers. */
function formatUuid(b: Uint8Array, o: number): string {
  return (
    HEX[b[o]!]! +
    HEX[b[o + 1]!]! +
    HEX[b[o + 2]!]! +
    HEX[b[o + 3]!]! +
    "-" +
    HEX[b[o + 4]!]! +
    HEX[b[o + 5]!]! +
    "-" +
    HEX[b[o + 6]!]! +
    HEX[b[o + 7]!]! +
    "-" +
    HEX[b[o + 8]!]! +
    HEX[b[o + 9]!]! +
    "-" +
    HEX[b[o + 10]!]! +
    HEX[b[o + 11]!]! +
    HEX[b[o + 12]!]! +
    HEX[b[o + 13]!]! +
    HEX[b[o + 14]!]! +
    HEX[b[o + 15]!]!
  );
}

/** uuid7 builds each id in this buffer (synchronously), so making one allocates only the string. */
const UUID7_SCRATCH = new Uint8Array(16);

/** Random bytes drawn from the OS in blocks: one call per 409 UUIDs instead of one per UUID. */
const RANDOM_POOL = new Uint8Array(4090);
let randomOffset = RANDOM_POOL.length;

function random10(target: Uint8Array): void {
  if (randomOffset + 10 > RANDOM_POOL.length) {
    randomFillSync(RANDOM_POOL);
    randomOffset = 0;
  }
  target.set(RANDOM_POOL.subarray(randomOffset, randomOffset + 10), 6);
  // Used bytes are cleared so that no later caller can see them.
  RANDOM_POOL.fill(0, randomOffset, randomOffset + 10);
  randomOffset += 10;
}

/** The version nibble (1–8) of a UUID string. */
export function uuidVersion(uuid: string): number {
  return Number.parseInt(normalizeUuid(uuid)[14]!, 16);
}

/** Name-based UUID (version 5): SHA-1 of the namespace's bytes then the name's UTF-8 bytes. */
export function uuid5(namespace: string, name: string): string {
  const digest = createHash("sha1").update(uuidToBytes(namespace)).update(name, "utf8").digest();
  return uuidFromBytes(stamp(digest.subarray(0, 16), 5));
}

/**
 * Time-ordered UUID (version 7): 48-bit big-endian Unix milliseconds, then random bits, so IDs made
 * later sort later (to the millisecond) and database indexes stay compact.
 */
export function uuid7(unixMs: number = Date.now(), random?: Uint8Array): string {
  if (!Number.isSafeInteger(unixMs) || unixMs < 0 || unixMs >= 2 ** 48) {
    throw new InvalidDatasetIdError(
      `UUIDv7 time must be whole Unix milliseconds in [0, 2^48), got ${unixMs}`,
    );
  }
  const bytes = UUID7_SCRATCH;
  if (random === undefined) random10(bytes);
  else if (random.length === 10) bytes.set(random, 6);
  else throw new InvalidDatasetIdError(`UUIDv7 takes 10 random bytes, got ${random.length}`);
  let ms = unixMs;
  for (let i = 5; i >= 0; i--) {
    bytes[i] = ms % 256;
    ms = Math.floor(ms / 256);
  }
  bytes[6] = (bytes[6]! & 0x0f) | 0x70;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  return formatUuid(bytes, 0);
}

/** Sets the version nibble and the RFC variant bits (10xx) on a copy of 16 bytes. */
function stamp(source: Uint8Array, version: number): Uint8Array {
  const bytes = Uint8Array.from(source);
  bytes[6] = (bytes[6]! & 0x0f) | (version << 4);
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  return bytes;
}
