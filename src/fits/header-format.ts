/**
 * From a `Header` to card images (FITS 4.0 §4.2 fixed format): values right-justified to column 30,
 * strings from column 11, HIERARCH for long or lower-case keys, CONTINUE for long strings, and
 * afw's `'NAN'`/`'+INFINITY'`/`'-INFINITY'` strings for non-finite floats. Cards that were parsed
 * and not changed are written back from their original images.
 */
import { InvalidArgumentError } from "../errors/index.ts";
import { BLOCK_LENGTH, CARD_LENGTH, type Card, type CardValue, type Complex, isStandardKey } from "./card.ts";
import type { Header } from "./header.ts";

const END_CARD = "END".padEnd(CARD_LENGTH, " ");

/** The card images of one logical card (several for CONTINUE strings and long commentary). */
export function formatCard(card: Card): string[] {
  if (card.images !== undefined) return card.images;
  assertPrintable(card.key, "keyword");
  if (card.type === "commentary") return formatCommentary(card.key, card.comment ?? "");
  const hierarch = card.hierarch === true || !isStandardKey(card.key);
  const prefix = hierarch ? `HIERARCH ${card.key} = ` : `${card.key.padEnd(8, " ")}= `;
  const value = card.value ?? null;
  if (typeof value === "string" || isNonFinite(value)) {
    return formatString(
      prefix,
      typeof value === "string" ? value : nonFiniteText(value as number),
      card.comment,
    );
  }
  const text = formatScalar(card, value);
  // Fixed format: right-justify non-string values so they end in column 30.
  const field = hierarch ? text : text.padStart(20, " ");
  const image = withComment(`${prefix}${field}`, card.comment);
  if (image.length > CARD_LENGTH) {
    throw new InvalidArgumentError(
      `card '${card.key}' does not fit in 80 characters; use a shorter key or value`,
    );
  }
  return [image.padEnd(CARD_LENGTH, " ")];
}

/** The whole header as text: cards, END, blank padding to a multiple of 2880 characters. */
export function formatHeaderText(header: Header | Iterable<Card>): string {
  const images: string[] = [];
  for (const card of header) images.push(...formatCard(card));
  images.push(END_CARD);
  const text = images.join("");
  const padded = Math.ceil(text.length / BLOCK_LENGTH) * BLOCK_LENGTH;
  return text.padEnd(padded, " ");
}

/** The header as bytes ready to be written. */
export function formatHeader(header: Header | Iterable<Card>): Uint8Array {
  const bytes = Buffer.from(formatHeaderText(header), "latin1");
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function formatScalar(card: Card, value: CardValue): string {
  if (value === null) return "";
  switch (typeof value) {
    case "boolean":
      return value ? "T" : "F";
    case "bigint":
      return value.toString();
    case "number":
      return card.type === "float" || !Number.isInteger(value) ? formatFloat(value) : value.toFixed(0);
    case "object":
      return formatComplex(value as Complex, card.type);
    default:
      throw new InvalidArgumentError(`card '${card.key}' has a value of unsupported type ${typeof value}`);
  }
}

/** The shortest text that reads back as the same double, always with a '.' or exponent. */
export function formatFloat(value: number): string {
  if (Object.is(value, -0)) return "-0.0";
  let text = String(value).toUpperCase();
  if (!/[.E]/.test(text)) text += ".0";
  else if (text.includes("E") && !text.includes(".")) text = text.replace("E", ".0E");
  return text;
}

function formatComplex(value: Complex, type: Card["type"]): string {
  const part = (x: number) => (type === "complex" ? formatFloat(x) : String(x));
  return `(${part(value.re)}, ${part(value.im)})`;
}

function isNonFinite(value: CardValue): boolean {
  return typeof value === "number" && !Number.isFinite(value);
}

function nonFiniteText(value: number): string {
  if (Number.isNaN(value)) return "NAN";
  return value > 0 ? "+INFINITY" : "-INFINITY";
}

function withComment(text: string, comment: string | undefined): string {
  if (comment === undefined || comment === "") return text;
  assertPrintable(comment, "comment");
  const room = CARD_LENGTH - text.length - 3;
  // Comments are truncated, never the value: a comment is documentation, the value is data.
  return room > 0 ? `${text} / ${comment.slice(0, room)}` : text;
}

/** A quoted string, spread over CONTINUE cards when it does not fit in one card. */
function formatString(prefix: string, value: string, comment: string | undefined): string[] {
  assertPrintable(value, "string value");
  const quoted = quote(value);
  // With a comment, pad the value to column 30 as CFITSIO and astropy do, when it fits.
  const hasComment = comment !== undefined && comment !== "";
  const single = `${prefix}${hasComment && prefix.length === 10 ? quoted.padEnd(20, " ") : quoted}`;
  if (single.length <= CARD_LENGTH) {
    const image = withComment(single, comment);
    return [image.padEnd(CARD_LENGTH, " ")];
  }
  const images: string[] = [];
  let rest = value;
  let first = true;
  while (rest.length > 0 || first) {
    const lead = first ? prefix : "CONTINUE  ";
    // Room for the quotes and the '&' marker.
    const room = CARD_LENGTH - lead.length - 3;
    const [piece, remaining] = takeFragment(rest, room);
    rest = remaining;
    const isLast = rest.length === 0;
    const image = `${lead}'${escapeQuotes(piece)}${isLast ? "" : "&"}'`;
    images.push(image);
    first = false;
  }
  if (comment !== undefined && comment !== "") {
    assertPrintable(comment, "comment");
    const last = images[images.length - 1]!;
    if (last.length + 3 + comment.length <= CARD_LENGTH) {
      images[images.length - 1] = `${last} / ${comment}`;
    } else {
      // A comment that does not fit goes on a CONTINUE card of its own with an empty fragment.
      images[images.length - 1] = `${last.slice(0, -1)}&'`;
      images.push(withComment("CONTINUE  ''", comment));
    }
  }
  return images.map((image) => image.padEnd(CARD_LENGTH, " "));
}

/** Takes the longest prefix whose escaped form fits in `room` characters. */
function takeFragment(text: string, room: number): [string, string] {
  let used = 0;
  let i = 0;
  while (i < text.length) {
    const cost = text[i] === "'" ? 2 : 1;
    if (used + cost > room) break;
    used += cost;
    i++;
  }
  return [text.slice(0, i), text.slice(i)];
}

function escapeQuotes(text: string): string {
  return text.replaceAll("'", "''");
}

function quote(text: string): string {
  // Strings are at least 8 characters between the quotes (FITS 4.0 §4.2.1.1 fixed format).
  return `'${escapeQuotes(text).padEnd(8, " ")}'`;
}

function formatCommentary(key: string, text: string): string[] {
  assertPrintable(text, "comment");
  const head = key.padEnd(8, " ");
  if (text.length === 0) return [head.padEnd(CARD_LENGTH, " ")];
  const images: string[] = [];
  for (let i = 0; i < text.length; i += CARD_LENGTH - 8) {
    images.push(`${head}${text.slice(i, i + CARD_LENGTH - 8)}`.padEnd(CARD_LENGTH, " "));
  }
  return images;
}

function assertPrintable(text: string, what: string): void {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 32 || c > 126) {
      throw new InvalidArgumentError(
        `FITS headers hold printable ASCII only; the ${what} '${text}' has character code ${c} at ${i}`,
      );
    }
  }
}
