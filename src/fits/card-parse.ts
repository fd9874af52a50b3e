/**
 * Parsing of single 80-character card images (FITS 4.0 §4.1–4.2), written as hand-rolled scans
 * rather than regular expressions because header parsing is on the hot path of every metadata read.
 */
import { FitsFormatError, type FitsLocation } from "../errors/index.ts";
import { CARD_LENGTH, type Card, type Complex } from "./card.ts";

/** A parsed card image; `continued` marks a string ending in `&` that CONTINUE cards may extend. */
export interface ParsedCard extends Card {
  continued?: boolean;
}

const SPACE = 32;
const QUOTE = 39;
const SLASH = 47;

const STANDARD_KEY = /^[A-Z0-9_-]*$/;
const LENIENT_KEY = /^[A-Za-z0-9_\-. ]*$/;
const NON_PRINTABLE = /[^\x20-\x7E]/;

/**
 * Parses one card image. `where` locates errors. `printable` says the caller has already checked that
 * the image holds printable ASCII only (a header checks all its cards with one scan).
 */
export function parseCardImage(image: string, where: FitsLocation, printable = false): ParsedCard {
  if (!printable) assertPrintable(image, where);
  let key = image.slice(0, 8).trimEnd();
  // Every card gets the same fields in the same order so the engine keeps one object shape.
  const card: ParsedCard = { key, type: "commentary", value: undefined, comment: undefined, images: [image] };
  if (key === "HIERARCH") {
    const eq = image.indexOf("=", 9);
    if (eq < 0) {
      card.comment = image.slice(8).trimEnd();
      return card;
    }
    key = image.slice(9, eq).trim();
    if (key.includes("  ") || key.includes("\t")) key = key.replace(/\s+/g, " ");
    if (key === "") throw new FitsFormatError("HIERARCH card without a keyword", where);
    card.key = key;
    card.hierarch = true;
    parseValueField(card, image, eq + 1, where, false);
    return card;
  }
  // Lower case keys are illegal but common; anything else (binary junk) is not a header.
  if (!STANDARD_KEY.test(key) && !LENIENT_KEY.test(key)) {
    throw new FitsFormatError(`invalid keyword '${key}'`, where);
  }
  if (key === "CONTINUE") {
    // A CONTINUE card carries a string fragment without '=' (FITS 4.0 §4.2.1.2).
    parseValueField(card, image, 8, where, true);
    return card;
  }
  if (
    key === "COMMENT" ||
    key === "HISTORY" ||
    key === "" ||
    image.charCodeAt(8) !== 61 ||
    image.charCodeAt(9) !== SPACE
  ) {
    card.comment = image.slice(8).trimEnd();
    return card;
  }
  parseValueField(card, image, 10, where, false);
  return card;
}

/**
 * Throws when `text` (one card, or a header's cards) holds a character outside printable ASCII;
 * `where.offset` is where `text` starts, `where.card` the card's number if it is one card.
 */
export function assertPrintable(text: string, where: FitsLocation): void {
  const bad = NON_PRINTABLE.exec(text);
  if (bad === null) return;
  const at = bad.index;
  throw new FitsFormatError(`header card contains a non-printable character (code ${text.charCodeAt(at)})`, {
    ...where,
    card: where.card ?? Math.floor(at / CARD_LENGTH) + 1,
    offset: (where.offset ?? 0) + at,
  });
}

/** Parses the value and comment starting at column `start` (0-based) into `card`. */
function parseValueField(
  card: ParsedCard,
  image: string,
  start: number,
  where: FitsLocation,
  isContinue: boolean,
): void {
  let i = start;
  const n = image.length;
  while (i < n && image.charCodeAt(i) === SPACE) i++;
  if (i >= n) {
    card.type = "undefined";
    card.value = null;
    return;
  }
  const c = image.charCodeAt(i);
  if (c === QUOTE) {
    let text = "";
    let j = i + 1;
    let closed = false;
    while (j < n) {
      const q = image.indexOf("'", j);
      if (q < 0) break;
      text += image.slice(j, q);
      if (image.charCodeAt(q + 1) === QUOTE) {
        text += "'";
        j = q + 2;
        continue;
      }
      j = q + 1;
      closed = true;
      break;
    }
    if (!closed) throw new FitsFormatError("unterminated string value", where);
    card.comment = parseComment(image, j, where);
    // Trailing blanks in a string are not significant; leading blanks are (FITS 4.0 §4.2.1.1).
    let value = text.trimEnd();
    if (value.endsWith("&")) {
      card.continued = true;
      value = value.slice(0, -1);
    } else if (value.length === 0 && text.length > 0) {
      // ...except that a string of blanks is one blank, distinct from the null string ''.
      value = " ";
    }
    card.type = "string";
    card.value = value;
    return;
  }
  if (isContinue) {
    // A CONTINUE card without a string is commentary-like; keep its text.
    card.value = null;
    card.comment = image.slice(8).trimEnd();
    return;
  }
  if (c === SLASH) {
    card.type = "undefined";
    card.value = null;
    card.comment = commentText(image, i + 1);
    return;
  }
  let end = image.indexOf("/", i);
  if (end < 0) end = n;
  parseToken(card, image.slice(i, end).trim(), where);
  if (end < n) card.comment = commentText(image, end + 1);
}

function parseComment(image: string, from: number, where: FitsLocation): string | undefined {
  let i = from;
  while (i < image.length && image.charCodeAt(i) === SPACE) i++;
  if (i >= image.length) return undefined;
  if (image.charCodeAt(i) !== SLASH) {
    throw new FitsFormatError(`unexpected text after string value: '${image.slice(i).trimEnd()}'`, where);
  }
  return commentText(image, i + 1);
}

function commentText(image: string, from: number): string {
  let text = image.slice(from);
  if (text.charCodeAt(0) === SPACE) text = text.slice(1);
  return text.trimEnd();
}

const INTEGER = /^[+-]?\d+$/;
const FLOAT = /^[+-]?(\d+\.?\d*|\.\d+)([EeDd][+-]?\d+)?$/;

function parseToken(card: ParsedCard, token: string, where: FitsLocation): void {
  if (token === "T" || token === "F") {
    card.type = "logical";
    card.value = token === "T";
  } else if (INTEGER.test(token)) {
    card.type = "integer";
    card.value = parseInteger(token);
  } else if (FLOAT.test(token)) {
    card.type = "float";
    card.value = parseFloatToken(token);
  } else {
    const complex = parseComplex(token);
    if (complex === undefined) throw new FitsFormatError(`cannot parse value '${token}'`, where);
    card.type = "complex";
    card.value = complex;
  }
}

function parseComplex(token: string): Complex | undefined {
  if (!token.startsWith("(") || !token.endsWith(")")) return undefined;
  const parts = token.slice(1, -1).split(",");
  if (parts.length !== 2) return undefined;
  const [re, im] = parts.map((p) => p.trim()) as [string, string];
  const numeric = (x: string) => FLOAT.test(x) || INTEGER.test(x);
  return numeric(re) && numeric(im) ? { re: parseFloatToken(re), im: parseFloatToken(im) } : undefined;
}

function parseInteger(token: string): number | bigint {
  const n = Number(token);
  if (Number.isSafeInteger(n)) return n;
  return BigInt(token);
}

function parseFloatToken(token: string): number {
  const d = token.search(/[Dd]/);
  return Number(d < 0 ? token : `${token.slice(0, d)}E${token.slice(d + 1)}`);
}
