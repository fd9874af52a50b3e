/**
 * The cards of one header kept as their 80-character images, each parsed into a `Card` when it is first
 * read. Keys are read and checked up front, so lookups and filters by key parse nothing; a card's bytes
 * and value are checked and parsed on first access, exactly as the eager parser would have done. A metadata
 * read keeps most of a header's cards without ever looking at their values, as astropy's lazy cards do.
 */
import { FitsFormatError, type FitsLocation } from "../errors/index.ts";
import { CARD_LENGTH, type Card, normalizeKey } from "./card.ts";
import { assertPrintable, type ParsedCard, parseCardImage } from "./card-parse.ts";

const SPACE = 32;
const EQUALS = 61;

/** Parses one image as the header parser does for a card with no CONTINUE after it. */
function finish(card: ParsedCard): Card {
  if (card.continued) {
    // A string ending in '&' with no CONTINUE card after it: the '&' was literal text.
    card.value = `${card.value as string}&`;
    delete card.continued;
  }
  return card;
}

/** Whether a character may appear in a (lenient) keyword: `[A-Za-z0-9_\-. ]`. */
function isKeyChar(c: number): boolean {
  return (
    (c >= 65 && c <= 90) ||
    (c >= 97 && c <= 122) ||
    (c >= 48 && c <= 57) ||
    c === 95 ||
    c === 45 ||
    c === 46 ||
    c === SPACE
  );
}

export class CardImages {
  readonly #text: string;
  /** Offset of each card's image in the text. */
  readonly #starts: number[];
  /** Each card's key, as `Card.key` will hold it. */
  readonly #keys: string[];
  /** Each key as lookups compare it (`normalizeKey`). */
  readonly #lookupKeys: string[];
  /** True for commentary cards (no value indicator). */
  readonly #commentary: boolean[];
  readonly #cards: (Card | undefined)[];
  /** The header's location; `offset` is where the text starts in the stream. */
  readonly #where: FitsLocation;
  /** One location for the errors of every card's parse (no allocation per card). */
  #cardWhere: FitsLocation | undefined;

  private constructor(
    text: string,
    starts: number[],
    keys: string[],
    lookupKeys: string[],
    commentary: boolean[],
    cards: (Card | undefined)[],
    where: FitsLocation,
  ) {
    this.#text = text;
    this.#starts = starts;
    this.#keys = keys;
    this.#lookupKeys = lookupKeys;
    this.#commentary = commentary;
    this.#cards = cards;
    this.#where = where;
  }

  /**
   * Reads the keys of the first `count` cards of `text`. Undefined when the
   * header has CONTINUE cards: long strings span several images and are parsed eagerly. Throws the
   * parser's errors for invalid keywords.
   */
  static scan(text: string, count: number, where: FitsLocation): CardImages | undefined {
    const starts = new Array<number>(count);
    const keys = new Array<string>(count);
    const lookupKeys = new Array<string>(count);
    const commentary = new Array<boolean>(count);
    const base = where.offset ?? 0;
    for (let i = 0; i < count; i++) {
      const at = i * CARD_LENGTH;
      let end = 8;
      while (end > 0 && text.charCodeAt(at + end - 1) === SPACE) end--;
      let key = end === 0 ? "" : text.slice(at, at + end);
      let isCommentary: boolean;
      // Standard keys are mostly canonical already (`[A-Z0-9_-]+`), found in the same loop as the check.
      let canonical = end > 0;
      if (key === "HIERARCH") {
        canonical = false;
        const image = text.slice(at, at + CARD_LENGTH);
        const eq = image.indexOf("=", 9);
        if (eq < 0) {
          isCommentary = true;
        } else {
          key = image.slice(9, eq).trim();
          if (key.includes("  ") || key.includes("\t")) key = key.replace(/\s+/g, " ");
          if (key === "") {
            throw new FitsFormatError("HIERARCH card without a keyword", {
              ...where,
              card: i + 1,
              offset: base + at,
            });
          }
          isCommentary = false;
        }
      } else {
        for (let k = 0; k < end; k++) {
          const c = text.charCodeAt(at + k);
          if (!((c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 95 || c === 45)) canonical = false;
          if (!isKeyChar(c)) {
            assertPrintable(text.slice(at, at + CARD_LENGTH), { ...where, card: i + 1, offset: base + at });
            throw new FitsFormatError(`invalid keyword '${key}'`, {
              ...where,
              card: i + 1,
              offset: base + at,
            });
          }
        }
        if (key === "CONTINUE") return undefined;
        isCommentary =
          key === "COMMENT" ||
          key === "HISTORY" ||
          key === "" ||
          text.charCodeAt(at + 8) !== EQUALS ||
          text.charCodeAt(at + 9) !== SPACE;
      }
      starts[i] = at;
      keys[i] = key;
      lookupKeys[i] = canonical ? key : normalizeKey(key);
      commentary[i] = isCommentary;
    }
    return new CardImages(text, starts, keys, lookupKeys, commentary, new Array(count), where);
  }

  get length(): number {
    return this.#keys.length;
  }

  key(i: number): string {
    return this.#keys[i]!;
  }

  /** Card `i`'s key as lookups compare it (`normalizeKey`). */
  lookupKey(i: number): string {
    return this.#lookupKeys[i]!;
  }

  isCommentary(i: number): boolean {
    return this.#commentary[i] === true;
  }

  /** Card `i`, parsed on first access (a value the parser refuses throws here). */
  card(i: number): Card {
    const card = this.#cards[i];
    if (card !== undefined) return card;
    const at = this.#starts[i]!;
    this.#cardWhere ??= { ...this.#where, card: 0, offset: 0 };
    const where = this.#cardWhere;
    where.card = at / CARD_LENGTH + 1;
    where.offset = (this.#where.offset ?? 0) + at;
    const parsed = finish(parseCardImage(this.#text.slice(at, at + CARD_LENGTH), where));
    this.#cards[i] = parsed;
    return parsed;
  }

  /** Every card, parsed. */
  all(): Card[] {
    const out = new Array<Card>(this.length);
    for (let i = 0; i < out.length; i++) out[i] = this.card(i);
    return out;
  }

  /** The cards at `indexes` as a new set; cards already parsed are copied (`{ ...card }`). */
  pick(indexes: readonly number[]): CardImages {
    const n = indexes.length;
    const starts = new Array<number>(n);
    const keys = new Array<string>(n);
    const lookupKeys = new Array<string>(n);
    const commentary = new Array<boolean>(n);
    const cards = new Array<Card | undefined>(n);
    for (let k = 0; k < n; k++) {
      const i = indexes[k]!;
      starts[k] = this.#starts[i]!;
      keys[k] = this.#keys[i]!;
      lookupKeys[k] = this.#lookupKeys[i]!;
      commentary[k] = this.#commentary[i]!;
      const parsed = this.#cards[i];
      if (parsed !== undefined) cards[k] = { ...parsed };
    }
    return new CardImages(this.#text, starts, keys, lookupKeys, commentary, cards, this.#where);
  }
}
