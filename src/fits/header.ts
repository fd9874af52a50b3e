/**
 * An ordered FITS header: logical cards in file order, repeated keys allowed, case-insensitive lookup.
 * A header read from an indexed file may hold its cards as images (`CardImages`): lookups by key then
 * parse only the cards they return, and `cards` (or any change) parses the rest.
 */
import {
  type Card,
  type CardType,
  type CardValue,
  isCommentaryKey,
  normalizeKey,
  numericValue,
} from "./card.ts";
import type { CardImages } from "./card-images.ts";

export interface SetOptions {
  comment?: string;
  /** Force the written type, e.g. `"float"` so that 1 is written `1.0`. */
  type?: CardType;
}

/** `cards` of a header whose cards are held as images (its getter is set in the class). */
const LAZY_CARDS: PropertyDescriptor = { enumerable: true, configurable: true };

export class Header implements Iterable<Card> {
  /** The cards in file order (parsing any still held as images). */
  declare readonly cards: Card[];
  #images: CardImages | undefined;
  /** Normalised key → position of its first card. */
  #index: Map<string, number> | undefined;
  /** Normalised key → every position, for keys that appear more than once. */
  #repeats: Map<string, number[]> | undefined;

  constructor(cards: Card[] | CardImages = []) {
    if (Array.isArray(cards)) {
      (this as { cards: Card[] }).cards = cards;
      return;
    }
    this.#images = cards;
    // An own enumerable property as for parsed headers (deep equality and JSON see the cards), which
    // replaces itself with the parsed array on first access.
    Object.defineProperty(this, "cards", LAZY_CARDS);
  }

  static {
    // One getter for every header: a getter per header would give each its own hidden class, which
    // keeps the header and its text alive until a full collection.
    LAZY_CARDS.get = function cards(this: Header): Card[] {
      return this.#parseAll();
    };
  }

  /** The value of the first card with `key`, or undefined. */
  get(key: string): CardValue | undefined {
    return this.getCard(key)?.value;
  }

  /** Every value of a repeated key, in file order. */
  getAll(key: string): CardValue[] {
    return (this.#positions(key) ?? []).map((i) => this.cardAt(i).value ?? null);
  }

  getCard(key: string): Card | undefined {
    const at = this.#first(key);
    return at === undefined ? undefined : this.cardAt(at);
  }

  /** The card at position `i` (0-based). */
  cardAt(i: number): Card {
    const images = this.#images;
    if (images !== undefined) {
      if (i < 0 || i >= images.length) throw new RangeError(`card ${i} of a header of ${images.length}`);
      return images.card(i);
    }
    const card = this.cards[i];
    if (card === undefined) throw new RangeError(`card ${i} of a header of ${this.cards.length}`);
    return card;
  }

  /** The key of the card at position `i`, without parsing its value. */
  keyAt(i: number): string {
    return this.#images?.key(i) ?? this.cardAt(i).key;
  }

  /** Whether the card at position `i` is commentary (no value indicator), without parsing its value. */
  isCommentaryAt(i: number): boolean {
    const images = this.#images;
    return images !== undefined ? images.isCommentary(i) : this.cardAt(i).type === "commentary";
  }

  /** A new header of copies of the cards at `indexes`, in that order (cards held as images stay so). */
  pick(indexes: readonly number[]): Header {
    const images = this.#images;
    if (images !== undefined) return new Header(images.pick(indexes));
    return new Header(indexes.map((i) => ({ ...this.cardAt(i) })));
  }

  has(key: string): boolean {
    return this.#first(key) !== undefined;
  }

  /** A string value, or undefined when absent or not a string. */
  getString(key: string): string | undefined {
    const v = this.get(key);
    return typeof v === "string" ? v : undefined;
  }

  /** A numeric value (integers, floats, and afw's `'NAN'`/`'±INFINITY'` strings), or undefined. */
  getNumber(key: string): number | undefined {
    return numericValue(this.get(key));
  }

  /** An integer value as a number; undefined when absent or not an integer. */
  getInteger(key: string): number | undefined {
    const v = this.get(key);
    if (typeof v === "number" && Number.isInteger(v)) return v;
    if (typeof v === "bigint") return Number(v);
    return undefined;
  }

  getBoolean(key: string): boolean | undefined {
    const v = this.get(key);
    return typeof v === "boolean" ? v : undefined;
  }

  /** Replaces the first card with `key` (keeping its position), or appends a new one. */
  set(key: string, value: CardValue, options: SetOptions = {}): this {
    const card = makeCard(key, value, options);
    const at = this.#first(key);
    if (at === undefined) {
      this.append(card);
    } else {
      const old = this.cards[at]!;
      if (options.comment === undefined && old.comment !== undefined) card.comment = old.comment;
      this.cards[at] = card;
    }
    return this;
  }

  /** Appends a card (repeated keys are allowed). */
  append(card: Card): this {
    this.cards.push(card);
    this.#index = undefined;
    return this;
  }

  /** Inserts a card before position `index`. */
  insert(index: number, card: Card): this {
    this.cards.splice(index, 0, card);
    this.#index = undefined;
    return this;
  }

  addComment(text: string): this {
    return this.append({ key: "COMMENT", type: "commentary", comment: text });
  }

  addHistory(text: string): this {
    return this.append({ key: "HISTORY", type: "commentary", comment: text });
  }

  /** Removes every card with `key`; returns how many were removed. */
  delete(key: string): number {
    const at = this.#positions(key);
    if (at === undefined) return 0;
    const drop = new Set(at);
    const kept = this.cards.filter((_, i) => !drop.has(i));
    this.cards.length = 0;
    this.cards.push(...kept);
    this.#index = undefined;
    return at.length;
  }

  get length(): number {
    return this.#images?.length ?? this.cards.length;
  }

  [Symbol.iterator](): Iterator<Card> {
    return this.cards[Symbol.iterator]();
  }

  /** Value cards as a plain object; repeated keys become arrays; commentary cards are left out. */
  toRecord(): Record<string, CardValue | CardValue[]> {
    const out: Record<string, CardValue | CardValue[]> = {};
    for (const card of this.cards) {
      if (card.type === "commentary") continue;
      const value = card.value ?? null;
      if (Object.hasOwn(out, card.key)) {
        const prev = out[card.key]!;
        out[card.key] = Array.isArray(prev) ? [...prev, value] : [prev, value];
      } else {
        out[card.key] = value;
      }
    }
    return out;
  }

  /** A copy whose cards can be changed without touching this header. */
  clone(): Header {
    return new Header(this.cards.map((c) => ({ ...c })));
  }

  #parseAll(): Card[] {
    const cards = this.#images?.all() ?? [];
    this.#images = undefined;
    Object.defineProperty(this, "cards", {
      value: cards,
      enumerable: true,
      configurable: true,
      writable: true,
    });
    return cards;
  }

  #first(key: string): number | undefined {
    return this.#lookup().get(normalizeKey(key));
  }

  #positions(key: string): number[] | undefined {
    const k = normalizeKey(key);
    const first = this.#lookup().get(k);
    if (first === undefined) return undefined;
    return this.#repeats?.get(k) ?? [first];
  }

  #lookup(): Map<string, number> {
    if (this.#index !== undefined) return this.#index;
    const index = new Map<string, number>();
    let repeats: Map<string, number[]> | undefined;
    const n = this.length;
    for (let i = 0; i < n; i++) {
      const k = this.#images?.lookupKey(i) ?? normalizeKey(this.keyAt(i));
      const first = index.get(k);
      if (first === undefined) {
        index.set(k, i);
        continue;
      }
      repeats ??= new Map();
      const all = repeats.get(k);
      if (all === undefined) repeats.set(k, [first, i]);
      else all.push(i);
    }
    this.#index = index;
    this.#repeats = repeats;
    return index;
  }
}

/** Builds a card for `value`, choosing its FITS type from the JavaScript type unless one is forced. */
export function makeCard(key: string, value: CardValue, options: SetOptions = {}): Card {
  const type = options.type ?? inferType(value);
  const card: Card = isCommentaryKey(key.toUpperCase())
    ? { key: key.toUpperCase(), type: "commentary", comment: String(value ?? "") }
    : { key, type, value };
  if (options.comment !== undefined && card.type !== "commentary") card.comment = options.comment;
  return card;
}

function inferType(value: CardValue): CardType {
  if (value === null) return "undefined";
  switch (typeof value) {
    case "boolean":
      return "logical";
    case "bigint":
      return "integer";
    case "number":
      return Number.isInteger(value) ? "integer" : "float";
    case "string":
      return "string";
    default:
      return "complex";
  }
}
