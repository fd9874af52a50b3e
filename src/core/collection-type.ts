import { CollectionNameError, CollectionTypeError } from "../errors/index.ts";

/**
 * The kinds of collection. The numbers are what registries store, shared with daf_butler.
 * Each kind is one frozen instance, so `type === CollectionType.RUN` works and `switch` does too.
 */
export class CollectionType {
  /** Every dataset belongs to exactly one run; a run holds one dataset per dataset type and data ID. */
  static readonly RUN = new CollectionType("RUN", 1);
  /** Datasets associated and disassociated at will, still one per dataset type and data ID. */
  static readonly TAGGED = new CollectionType("TAGGED", 2);
  /** An ordered list of other collections, searched in order. */
  static readonly CHAINED = new CollectionType("CHAINED", 3);
  /** Like TAGGED, with a validity timespan per association; several per data ID when they do not overlap. */
  static readonly CALIBRATION = new CollectionType("CALIBRATION", 4);
  static readonly all: readonly CollectionType[] = Object.freeze([
    CollectionType.RUN,
    CollectionType.TAGGED,
    CollectionType.CHAINED,
    CollectionType.CALIBRATION,
  ]);

  readonly name: "RUN" | "TAGGED" | "CHAINED" | "CALIBRATION";
  readonly value: number;

  private constructor(name: CollectionType["name"], value: number) {
    this.name = name;
    this.value = value;
    Object.freeze(this);
  }

  /** The type with that name, in any case (`run`, `Calibration`). */
  static fromName(name: string): CollectionType {
    const upper = typeof name === "string" ? name.toUpperCase() : "";
    const found = CollectionType.all.find((t) => t.name === upper);
    if (found === undefined) {
      throw new CollectionTypeError(
        `unknown collection type ${JSON.stringify(name)}; accepted: ${CollectionType.all.map((t) => t.name).join(", ")}`,
      );
    }
    return found;
  }

  /** The type stored as that number. */
  static fromValue(value: number): CollectionType {
    const found = CollectionType.all.find((t) => t.value === value);
    if (found === undefined) {
      throw new CollectionTypeError(
        `unknown collection type number ${value}; accepted: ${CollectionType.all.map((t) => `${t.value} (${t.name})`).join(", ")}`,
      );
    }
    return found;
  }

  toString(): string {
    return this.name;
  }

  toJSON(): string {
    return this.name;
  }
}

/** Registries store collection names in 64-character columns. */
export const MAX_COLLECTION_NAME_LENGTH = 64;

/**
 * Checks a collection name: 1–64 characters with no control characters or surrounding whitespace.
 * Returns the name so calls can be inlined.
 */
export function validateCollectionName(name: string): string {
  // Every ref carries its run's name, so the same few names are checked over and over.
  if (VALID_NAMES.has(name)) return name;
  const fail = (why: string) =>
    new CollectionNameError(
      String(name),
      `collection name ${JSON.stringify(name)} ${why}; accepted: 1–${MAX_COLLECTION_NAME_LENGTH} characters, ` +
        "no control characters, no leading or trailing whitespace",
    );
  if (typeof name !== "string" || name.length === 0) throw fail("is empty");
  // A name never has more code points than UTF-16 units, so only long names need counting.
  if (name.length > MAX_COLLECTION_NAME_LENGTH && [...name].length > MAX_COLLECTION_NAME_LENGTH) {
    throw fail(`has ${[...name].length} characters`);
  }
  if (/[\u0000-\u001f\u007f]/.test(name)) throw fail("contains a control character");
  if (name.trim() !== name) throw fail("has leading or trailing whitespace");
  if (VALID_NAMES.size >= MAX_VALID_NAMES) VALID_NAMES.clear();
  VALID_NAMES.add(name);
  return name;
}

/** Names that passed `validateCollectionName` (the check depends on the name only). */
const VALID_NAMES = new Set<string>();
const MAX_VALID_NAMES = 4096;
