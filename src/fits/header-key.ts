/**
 * Header key names as an index names them: a plain key (`EXPTIME`), a HIERARCH key with or without
 * its prefix (`ESO DET CHIP NAME`), or a key of a named HDU (`IMAGE:BUNIT`; an HDU number works
 * too, `1:BUNIT`). Without an HDU the key is the primary header's.
 */
import { InvalidArgumentError } from "../errors/index.ts";
import { normalizeKey } from "./card.ts";

export interface HeaderKeySpec {
  /** The canonical name: `KEY`, or `HDU:KEY`. */
  readonly name: string;
  /** The HDU's EXTNAME (upper case) or number; undefined for the primary header. */
  readonly hdu: string | number | undefined;
  /** The keyword as `Header` looks it up (normalised, without `HIERARCH`). */
  readonly key: string;
}

const HDU_NAME = /^[A-Za-z0-9_-]+$/;

/** Parses and normalises one key name; a malformed one is an InvalidArgumentError saying what is accepted. */
export function parseHeaderKey(text: string): HeaderKeySpec {
  const raw = text.trim();
  const colon = raw.indexOf(":");
  let hdu: string | number | undefined;
  let key = raw;
  if (colon >= 0) {
    const name = raw.slice(0, colon).trim();
    if (!HDU_NAME.test(name)) throw badKey(text, `the HDU name '${name}' is not a plain EXTNAME or number`);
    hdu = /^\d+$/.test(name) ? Number(name) : name.toUpperCase();
    if (hdu === 0) hdu = undefined;
    key = raw.slice(colon + 1);
  }
  key = normalizeKey(key.replace(/^HIERARCH\s+/i, ""));
  if (
    key === "" ||
    key.includes("=") ||
    key.includes("'") ||
    !/^[\x20-\x7e]+$/.test(key) ||
    key.length > 67
  ) {
    throw badKey(text, "a keyword is up to 67 printable characters without '=' or quotes");
  }
  if (key === "COMMENT" || key === "HISTORY") throw badKey(text, `${key} cards carry no value`);
  return { name: hdu === undefined ? key : `${hdu}:${key}`, hdu, key };
}

function badKey(text: string, why: string): InvalidArgumentError {
  return new InvalidArgumentError(
    `invalid header key '${text}': ${why}; accepted: KEY, HIERARCH KEY WORDS, or HDU:KEY (e.g. IMAGE:BUNIT)`,
  );
}

/** The FITS type of an indexed value, as the index stores it. */
export type HeaderValueType = "logical" | "integer" | "float" | "string";

export const HEADER_VALUE_TYPES: readonly HeaderValueType[] = ["logical", "integer", "float", "string"];

/** An indexed value: its FITS type kept (64-bit integers as bigints), null when the key is absent. */
export type HeaderValue = boolean | number | bigint | string | null;

/** A value as read from a header, with its FITS type; null when the key is absent or has no value. */
export type TypedHeaderValue = {
  type: HeaderValueType;
  value: boolean | number | bigint | string;
} | null;
