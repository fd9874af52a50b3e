/**
 * From header bytes to a `Header`: split into 80-character cards up to END and join CONTINUE cards
 * into the long-string card they extend.
 */
import { FitsFormatError, type FitsLocation } from "../errors/index.ts";
import { BLOCK_LENGTH, CARD_LENGTH, type Card } from "./card.ts";
import { CardImages } from "./card-images.ts";
import { assertPrintable, type ParsedCard, parseCardImage } from "./card-parse.ts";
import { Header } from "./header.ts";

const END_IMAGE = "END".padEnd(CARD_LENGTH, " ");

/** FITS headers are ASCII; latin1 maps every byte to one char so offsets stay byte offsets. */
export function asciiText(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("latin1");
}

/**
 * The index of the END card within `text` (a whole number of cards), or -1 when the text holds none.
 * Only the first 8 columns must read `END`; the rest of the END card should be blank.
 */
export function findEndCard(text: string, fromCard = 0): number {
  const cards = Math.floor(text.length / CARD_LENGTH);
  for (let i = fromCard; i < cards; i++) {
    const at = i * CARD_LENGTH;
    if (text.charCodeAt(at) === 69 && text.startsWith("END     ", at)) return i;
  }
  return -1;
}

/** Number of bytes a header with `cards` cards (END included) occupies, padded to whole blocks. */
export function headerBytes(cardsWithEnd: number): number {
  return Math.ceil((cardsWithEnd * CARD_LENGTH) / BLOCK_LENGTH) * BLOCK_LENGTH;
}

export interface ParseHeaderOptions {
  /**
   * Keep the cards as images and parse each when first read (`CardImages`): keys are checked now, each
   * card's bytes and value syntax when it is read. For headers of files already checked (read
   * from a byte index); a header with CONTINUE cards is parsed at once.
   */
  lazy?: boolean;
}

/**
 * Parses the cards of one header. `text` must contain the END card; anything after it is ignored.
 * `where` locates errors (its `offset` is the header's byte offset in the stream).
 */
export function parseHeaderText(
  text: string,
  where: FitsLocation = {},
  options: ParseHeaderOptions = {},
): Header {
  const end = findEndCard(text);
  if (end < 0) throw new FitsFormatError("header has no END card", where);
  if (options.lazy === true) {
    // Each card is checked for non-printable bytes when it is parsed.
    const images = CardImages.scan(text, end, where);
    if (images !== undefined) return new Header(images);
  }
  // One scan of all cards for non-printable bytes instead of one per card.
  assertPrintable(end === text.length / CARD_LENGTH ? text : text.slice(0, end * CARD_LENGTH), where);
  const cards: Card[] = [];
  let open: ParsedCard | undefined;
  // One location object, updated per card, so a header costs no allocation per card for error context.
  const cardWhere: FitsLocation = { ...where, card: 0, offset: 0 };
  const base = where.offset ?? 0;
  for (let i = 0; i < end; i++) {
    const at = i * CARD_LENGTH;
    const image = text.slice(at, at + CARD_LENGTH);
    cardWhere.card = i + 1;
    cardWhere.offset = base + at;
    const card = parseCardImage(image, cardWhere, true);
    if (card.key === "CONTINUE") {
      if (open !== undefined && card.type === "string") {
        open.value = `${open.value as string}${card.value as string}`;
        if (card.comment !== undefined) open.comment = `${open.comment ?? ""}${card.comment}`;
        open.images!.push(image);
        if (!card.continued) {
          delete open.continued;
          open = undefined;
        }
        continue;
      }
      // A stray CONTINUE (no open long string) is kept as commentary so nothing is lost.
      cards.push({ key: "CONTINUE", type: "commentary", comment: image.slice(8).trimEnd(), images: [image] });
      continue;
    }
    if (open !== undefined) {
      // The last fragment ended with '&' but no CONTINUE followed: the '&' was literal text.
      open.value = `${open.value as string}&`;
      delete open.continued;
      open = undefined;
    }
    if (card.continued) open = card;
    cards.push(card);
  }
  if (open !== undefined) {
    open.value = `${open.value as string}&`;
    delete open.continued;
  }
  return new Header(cards);
}

/** Parses header bytes (a whole number of cards containing END). */
export function parseHeader(bytes: Uint8Array, where: FitsLocation = {}): Header {
  return parseHeaderText(asciiText(bytes), where);
}

export { END_IMAGE };
