/**
 * One logical FITS header card (FITS 4.0 §4): a keyword, a typed value and a comment.
 * A long string value spread over CONTINUE cards is one logical card; `images` keeps the
 * original 80-character card images so that an unmodified card is written back byte for byte.
 */

/** A complex value `(re, im)`; FITS allows integer and floating complex values. */
export interface Complex {
  re: number;
  im: number;
}

/**
 * The value of a card. `null` is the FITS "undefined value" (a value indicator with nothing after it);
 * integers beyond ±2^53 are `bigint` so no precision is lost.
 */
export type CardValue = boolean | number | bigint | string | Complex | null;

/** How the value is written; lets an integral float (`1.0`) stay a float through a round trip. */
export type CardType = "logical" | "integer" | "float" | "string" | "complex" | "undefined" | "commentary";

export interface Card {
  /** Keyword as written: upper case for standard keys; HIERARCH keys without the `HIERARCH ` prefix. */
  key: string;
  type: CardType;
  /** Absent for commentary cards (COMMENT, HISTORY, blank and other keys without a value indicator). */
  value?: CardValue;
  /** Comment after `/` for value cards; the text for commentary cards. */
  comment?: string;
  /** True when the key is written with the HIERARCH convention. */
  hierarch?: boolean;
  /** Original card images (one per 80-character card, CONTINUE cards included). */
  images?: string[];
}

export const CARD_LENGTH = 80;
export const BLOCK_LENGTH = 2880;

const COMMENTARY_KEYS = new Set(["COMMENT", "HISTORY", ""]);

/** True for keys whose cards never carry a value: COMMENT, HISTORY and the blank key. */
export function isCommentaryKey(key: string): boolean {
  return COMMENTARY_KEYS.has(key);
}

/** Upper-cased, whitespace-normalised form used for case-insensitive lookups. */
export function normalizeKey(key: string): string {
  // Most keys are already canonical (`[A-Z0-9_-]+`); skip the string work for them.
  if (isCanonicalKey(key)) return key;
  return key.trim().replace(/\s+/g, " ").toUpperCase();
}

/** `/^[A-Z0-9_-]+$/`, as a loop: it runs for every card of every header lookup. */
function isCanonicalKey(key: string): boolean {
  const n = key.length;
  if (n === 0) return false;
  for (let i = 0; i < n; i++) {
    const c = key.charCodeAt(i);
    if (!((c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 95 || c === 45)) return false;
  }
  return true;
}

/** Whether `key` can be written as a standard 8-character keyword (else it needs HIERARCH). */
export function isStandardKey(key: string): boolean {
  return key.length <= 8 && /^[A-Z0-9_-]*$/.test(key);
}

/** Numeric value of a card, reading afw's `'NAN'`, `'+INFINITY'`, `'-INFINITY'` strings as non-finite numbers. */
export function numericValue(value: CardValue | undefined): number | undefined {
  if (typeof value === "number") return value;
  if (typeof value === "bigint") return Number(value);
  if (typeof value === "string") {
    switch (value.trim().toUpperCase()) {
      case "NAN":
        return Number.NaN;
      case "+INFINITY":
      case "INFINITY":
        return Number.POSITIVE_INFINITY;
      case "-INFINITY":
        return Number.NEGATIVE_INFINITY;
    }
  }
  return undefined;
}
