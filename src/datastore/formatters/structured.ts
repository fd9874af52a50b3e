/**
 * The plain (JSON-shaped) form of the small storage classes that the JSON and YAML formatters share:
 * StructuredDataDict (an object), StructuredDataList (an array), int, Timespan, and PropertyList (a FITS
 * `Header`, kept as its ordered list of cards, repeated keys and commentary cards included).
 */
import { writeFile } from "node:fs/promises";
import type { ByteSource } from "../../bytes/byte-source.ts";
import { type StorageClass, Timespan, type TimespanJson } from "../../core/index.ts";
import { FormatterError } from "../../errors/index.ts";
import type { Card, CardType, CardValue } from "../../fits/card.ts";
import { Header } from "../../fits/header.ts";
import { type ByteIndex, wholeIndex } from "../byte-index.ts";
import type { Formatter, ReadRequest, WriteRequest, WriteResult } from "./formatter.ts";
import { readAll } from "./formatter.ts";

/** Storage classes the structured formatters handle. */
const STRUCTURED_STORAGE_CLASSES: readonly string[] = [
  "StructuredDataDict",
  "StructuredDataList",
  "int",
  "Timespan",
  "PropertyList",
  "Config",
  "Packages",
];

/** One header card in plain form. Non-finite and negative-zero floats and big integers are strings. */
export interface PlainCard {
  key: string;
  type: CardType;
  value?: string | number | boolean | null | { re: number | string; im: number | string };
  comment?: string;
  hierarch?: true;
}

const CARD_TYPES: readonly CardType[] = [
  "logical",
  "integer",
  "float",
  "string",
  "complex",
  "undefined",
  "commentary",
];

function plainNumber(v: number): number | string {
  if (Object.is(v, -0)) return "-0";
  return Number.isFinite(v) ? v : String(v);
}

function plainCardValue(card: Card): PlainCard["value"] {
  const v = card.value;
  if (v === undefined) return undefined;
  if (typeof v === "bigint") return v.toString();
  if (typeof v === "number") return plainNumber(v);
  if (v !== null && typeof v === "object") return { re: plainNumber(v.re), im: plainNumber(v.im) };
  return v;
}

function toNumber(v: unknown, where: string): number {
  const n = typeof v === "string" ? Number(v) : v;
  if (typeof n !== "number" || (typeof v === "string" && Number.isNaN(n) && v !== "NaN")) {
    throw new Error(`${where}: ${JSON.stringify(v)} is not a number`);
  }
  return n;
}

function cardValue(plain: PlainCard, where: string): CardValue | undefined {
  const v = plain.value;
  if (v === undefined) return undefined;
  switch (plain.type) {
    case "integer":
      if (typeof v === "string") return Number.isSafeInteger(Number(v)) ? Number(v) : BigInt(v);
      return toNumber(v, where);
    case "float":
      return toNumber(v, where);
    case "complex":
      if (v === null || typeof v !== "object") throw new Error(`${where}: a complex value needs {re, im}`);
      return { re: toNumber(v.re, where), im: toNumber(v.im, where) };
    case "logical":
      if (typeof v !== "boolean") throw new Error(`${where}: a logical value must be true or false`);
      return v;
    case "undefined":
      return null;
    default:
      if (typeof v !== "string") throw new Error(`${where}: a ${plain.type} value must be a string`);
      return v;
  }
}

function headerToPlain(header: Header): PlainCard[] {
  return header.cards.map((card) => {
    const plain: PlainCard = { key: card.key, type: card.type };
    const value = plainCardValue(card);
    if (value !== undefined) plain.value = value;
    if (card.comment !== undefined) plain.comment = card.comment;
    if (card.hierarch) plain.hierarch = true;
    return plain;
  });
}

function headerFromPlain(plain: unknown): Header {
  if (!Array.isArray(plain)) throw new Error("a PropertyList is stored as a list of cards");
  return new Header(
    plain.map((item: unknown, i) => {
      const where = `card ${i + 1}`;
      const p = item as PlainCard;
      if (p === null || typeof p !== "object" || typeof p.key !== "string" || !CARD_TYPES.includes(p.type)) {
        throw new Error(`${where}: expected {key, type, value?, comment?}; got ${JSON.stringify(item)}`);
      }
      const card: Card = { key: p.key, type: p.type };
      const value = cardValue(p, `${where} (${p.key})`);
      if (value !== undefined && p.type !== "commentary") card.value = value;
      if (typeof p.comment === "string") card.comment = p.comment;
      if (p.hierarch === true) card.hierarch = true;
      return card;
    }),
  );
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/**
 * Checks that structured data is plain: null, booleans, finite numbers, strings, arrays and plain
 * objects, so that JSON and YAML both read back exactly what was written.
 */
function checkPlainData(value: unknown, at: string): void {
  if (value === null || typeof value === "boolean" || typeof value === "string") return;
  if (typeof value === "number") {
    if (!Number.isFinite(value))
      throw new Error(`the value at ${at || "the top"} is ${value}, which JSON cannot hold`);
    return;
  }
  if (Array.isArray(value)) {
    value.forEach((item, i) => {
      checkPlainData(item, `${at}[${i}]`);
    });
    return;
  }
  if (isPlainObject(value)) {
    for (const [key, item] of Object.entries(value)) checkPlainData(item, `${at}.${key}`);
    return;
  }
  const what = typeof value === "object" ? (value.constructor?.name ?? "object") : typeof value;
  throw new Error(
    `the value at ${at || "the top"} is a ${what}; structured data holds null, booleans, finite numbers, strings, lists and mappings`,
  );
}

/** What each storage class becomes in plain form; `int` is handled as text by the formatters. */
function toPlain(object: unknown, storageClass: StorageClass): unknown {
  if (storageClass.isA("PropertyList")) {
    if (!(object instanceof Header)) throw new Error(`a ${storageClass.name} must be a FITS Header`);
    return headerToPlain(object);
  }
  if (storageClass.isA("Timespan")) {
    if (!(object instanceof Timespan)) throw new Error(`a ${storageClass.name} must be a Timespan`);
    return object.toJSON();
  }
  if (storageClass.isA("StructuredDataList")) {
    if (!Array.isArray(object)) throw new Error(`a ${storageClass.name} must be an array`);
  } else if (!isPlainObject(object)) {
    throw new Error(`a ${storageClass.name} must be a plain object`);
  }
  checkPlainData(object, "");
  return object;
}

function fromPlain(plain: unknown, storageClass: StorageClass): unknown {
  if (storageClass.isA("PropertyList")) return headerFromPlain(plain);
  if (storageClass.isA("Timespan")) return Timespan.fromJSON(plain as TimespanJson);
  if (storageClass.isA("StructuredDataList")) {
    if (!Array.isArray(plain)) throw new Error("the file does not hold a list");
    return plain;
  }
  if (!isPlainObject(plain)) throw new Error("the file does not hold a mapping");
  return plain;
}

/** An integer as text: big integers keep every digit. */
function intToText(object: unknown): string {
  if (typeof object === "bigint") return object.toString();
  if (typeof object === "number" && Number.isInteger(object)) return String(object);
  throw new Error(`an int must be an integer number or a bigint; got ${typeof object} ${String(object)}`);
}

function intFromText(text: string): number | bigint {
  const t = text.trim();
  if (!/^-?\d+$/.test(t))
    throw new Error(`the file does not hold an integer: ${JSON.stringify(t.slice(0, 40))}`);
  const n = Number(t);
  return Number.isSafeInteger(n) ? n : BigInt(t);
}

/** How a text format turns plain values into text and back. */
export interface TextCodec {
  stringify(plain: unknown): string;
  parse(text: string): unknown;
}

/** A formatter for the structured storage classes over a text codec (JSON, YAML). */
export class StructuredFormatter implements Formatter {
  readonly name: string;
  readonly extension: string;
  readonly storageClasses: readonly string[] = STRUCTURED_STORAGE_CLASSES;
  readonly readComponents: ReadonlySet<string> = new Set();
  readonly parameters: ReadonlySet<string> = new Set();
  readonly writeRecipes: readonly string[] = [];
  readonly #codec: TextCodec;

  constructor(name: string, extension: string, codec: TextCodec) {
    this.name = name;
    this.extension = extension;
    this.#codec = codec;
  }

  async read(source: ByteSource, request: ReadRequest): Promise<unknown> {
    const text = new TextDecoder("utf-8", { fatal: true }).decode(await readAll(source, request.signal));
    try {
      if (request.storageClass.isA("int")) return intFromText(text);
      return fromPlain(this.#codec.parse(text), request.storageClass);
    } catch (cause) {
      throw new FormatterError(
        this.name,
        `${this.name} cannot read ${source.key} as ${request.storageClass.name}: ${(cause as Error).message}`,
        { cause },
      );
    }
  }

  async write(object: unknown, request: WriteRequest): Promise<WriteResult> {
    let text: string;
    try {
      text = request.storageClass.isA("int")
        ? `${intToText(object)}\n`
        : this.#codec.stringify(toPlain(object, request.storageClass));
    } catch (cause) {
      throw new FormatterError(
        this.name,
        `${this.name} cannot write this object as ${request.storageClass.name}: ${(cause as Error).message}`,
        { cause },
      );
    }
    const bytes = new TextEncoder().encode(text);
    await writeFile(request.path, bytes, { flag: "wx" });
    return { size: bytes.byteLength, index: wholeIndex(bytes.byteLength) };
  }

  async index(source: ByteSource): Promise<ByteIndex> {
    return wholeIndex(await source.size());
  }

  plan(_request: ReadRequest, index: ByteIndex) {
    return index.size > 0 ? [{ offset: 0, length: index.size }] : [];
  }
}
