/**
 * An ordered FITS header: logical cards in file order, repeated keys allowed, case-insensitive lookup.
 */
import {
  type Card,
  type CardType,
  type CardValue,
  isCommentaryKey,
  normalizeKey,
  numericValue,
} from "./card.ts";

export interface SetOptions {
  comment?: string;
  /** Force the written type, e.g. `"float"` so that 1 is written `1.0`. */
  type?: CardType;
}

export class Header implements Iterable<Card> {
  readonly cards: Card[];
  #index: Map<string, number[]> | undefined;

  constructor(cards: Card[] = []) {
    this.cards = cards;
  }

  /** The value of the first card with `key`, or undefined. */
  get(key: string): CardValue | undefined {
    return this.getCard(key)?.value;
  }

  /** Every value of a repeated key, in file order. */
  getAll(key: string): CardValue[] {
    return (this.#positions(key) ?? []).map((i) => this.cards[i]!.value ?? null);
  }

  getCard(key: string): Card | undefined {
    const at = this.#positions(key);
    return at === undefined ? undefined : this.cards[at[0]!];
  }

  has(key: string): boolean {
    return this.#positions(key) !== undefined;
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
    const at = this.#positions(key);
    if (at === undefined) {
      this.append(card);
    } else {
      const old = this.cards[at[0]!]!;
      if (options.comment === undefined && old.comment !== undefined) card.comment = old.comment;
      this.cards[at[0]!] = card;
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
    return this.cards.length;
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

  #positions(key: string): number[] | undefined {
    if (this.#index === undefined) {
      const index = new Map<string, number[]>();
      this.cards.forEach((card, i) => {
        const k = normalizeKey(card.key);
        const list = index.get(k);
        if (list === undefined) index.set(k, [i]);
        else list.push(i);
      });
      this.#index = index;
    }
    return this.#index.get(normalizeKey(key));
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
