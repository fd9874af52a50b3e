/**
 * Parsing of single 80-character card images (FITS 4.0 §4.1–4.2), written as hand-rolled scans
 * rather than regular expressions because header parsing is on the hot path of every metadata read.
 */
import { FitsFormatError, type FitsLocation } from "../errors.ts";
import type { Card, CardType, CardValue } from "./card.ts";

/** A parsed card image; `continued` marks a string ending in `&` that CONTINUE cards may extend. */
export interface ParsedCard extends Card {
  continued?: boolean;
}

const SPACE = 32;
const QUOTE = 39;
const SLASH = 47;

/** Parses one card image. `where` locates errors. */
export function parseCardImage(image: string, where: FitsLocation): ParsedCard {
  for (let i = 0; i < image.length; i++) {
    const c = image.charCodeAt(i);
    if (c < 32 || c > 126) {
      throw new FitsFormatError(`header card contains a non-printable character (code ${c})`, where);
    }
  }
  const rawKey = image.slice(0, 8).trimEnd();
  if (rawKey === "HIERARCH") return parseHierarch(image, where);
  const key = rawKey;
  if (!/^[A-Z0-9_-]*$/.test(key)) {
    // Lower case keys are illegal but common; anything else (binary junk) is not a header.
    if (!/^[A-Za-z0-9_\-. ]*$/.test(key)) {
      throw new FitsFormatError(`invalid keyword '${key}'`, where);
    }
  }
  if (key === "CONTINUE") {
    // A CONTINUE card carries a string fragment without '=' (FITS 4.0 §4.2.1.2).
    const parsed = parseValueField(image, 8, where, true);
    return { key, ...parsed, images: [image] };
  }
  if (key === "COMMENT" || key === "HISTORY" || key === "" || image.slice(8, 10) !== "= ") {
    return { key, type: "commentary", comment: image.slice(8).trimEnd(), images: [image] };
  }
  return { key, ...parseValueField(image, 10, where, false), images: [image] };
}

function parseHierarch(image: string, where: FitsLocation): ParsedCard {
  const eq = image.indexOf("=", 9);
  if (eq < 0) {
    return { key: "HIERARCH", type: "commentary", comment: image.slice(8).trimEnd(), images: [image] };
  }
  const key = image.slice(9, eq).trim().replace(/\s+/g, " ");
  if (key === "") throw new FitsFormatError("HIERARCH card without a keyword", where);
  return { key, hierarch: true, ...parseValueField(image, eq + 1, where, false), images: [image] };
}

interface ValueField {
  type: CardType;
  value: CardValue;
  comment?: string;
  continued?: boolean;
}

/** Parses the value and comment starting at column `start` (0-based). */
function parseValueField(image: string, start: number, where: FitsLocation, isContinue: boolean): ValueField {
  let i = start;
  const n = image.length;
  while (i < n && image.charCodeAt(i) === SPACE) i++;
  if (i >= n) return { type: "undefined", value: null };
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
    const comment = parseComment(image, j, where);
    // Trailing blanks in a string are not significant; leading blanks are (FITS 4.0 §4.2.1.1).
    let value = text.trimEnd();
    let continued = false;
    if (value.endsWith("&")) {
      continued = true;
      value = value.slice(0, -1);
    }
    // ...except that a string of blanks is one blank, distinct from the null string ''.
    if (!continued && value.length === 0 && text.length > 0) value = " ";
    const field: ValueField = { type: "string", value, comment };
    if (continued) field.continued = true;
    return field;
  }
  if (isContinue) {
    // A CONTINUE card without a string is commentary-like; keep its text.
    return { type: "commentary", value: null, comment: image.slice(8).trimEnd() };
  }
  if (c === SLASH) return { type: "undefined", value: null, comment: commentText(image, i + 1) };
  let end = image.indexOf("/", i);
  if (end < 0) end = n;
  const token = image.slice(i, end).trim();
  const comment = end < n ? commentText(image, end + 1) : undefined;
  const parsed = parseToken(token, where);
  return comment === undefined ? parsed : { ...parsed, comment };
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

function parseToken(token: string, where: FitsLocation): ValueField {
  if (token === "T") return { type: "logical", value: true };
  if (token === "F") return { type: "logical", value: false };
  if (INTEGER.test(token)) return { type: "integer", value: parseInteger(token) };
  if (FLOAT.test(token)) return { type: "float", value: parseFloatToken(token) };
  if (token.startsWith("(") && token.endsWith(")")) {
    const parts = token.slice(1, -1).split(",");
    if (parts.length === 2) {
      const [re, im] = parts.map((p) => p.trim());
      if ((FLOAT.test(re!) || INTEGER.test(re!)) && (FLOAT.test(im!) || INTEGER.test(im!))) {
        return { type: "complex", value: { re: parseFloatToken(re!), im: parseFloatToken(im!) } };
      }
    }
  }
  throw new FitsFormatError(`cannot parse value '${token}'`, where);
}

function parseInteger(token: string): number | bigint {
  const n = Number(token);
  if (Number.isSafeInteger(n)) return n;
  return BigInt(token);
}

function parseFloatToken(token: string): number {
  return Number(token.replace(/[Dd]/, "E"));
}
