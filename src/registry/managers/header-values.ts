/** Reading and testing rows of a header values table (`schema/header-tables.ts`). */
import { type RawBuilder, sql } from "kysely";
import type { HeaderValue, HeaderValueType, TypedHeaderValue } from "../../fits/header-key.ts";
import { headerValueColumn } from "../schema/header-tables.ts";
import { toBool } from "../sql-values.ts";

/** A row's `others`: by key ID, null (absent from the file) or a value of another type as its string. */
export type Others = Record<string, string | null>;

interface KeyLike {
  readonly id: number;
  readonly name: string;
  readonly type: HeaderValueType | null;
}

/**
 * The recorded values of `keys` in a row that selected `others` and the keys' columns (named
 * `v<key id>`, both after `prefix`), by key name; keys not recorded for the dataset are left out.
 */
export function decodeHeaderRow(
  keys: readonly KeyLike[],
  row: Readonly<Record<string, unknown>>,
  prefix = "",
): Map<string, HeaderValue> {
  const out = new Map<string, HeaderValue>();
  let others: Others | undefined;
  for (const key of keys) {
    const typed = key.type === null ? null : row[prefix + headerValueColumn(key.id)];
    if (typed != null) {
      out.set(key.name, decodeTyped(key.type, typed));
      continue;
    }
    const text = row[`${prefix}others`];
    others ??= text == null ? {} : (JSON.parse(String(text)) as Others);
    const kept = others[key.id];
    if (kept !== undefined) out.set(key.name, kept);
  }
  return out;
}

/** SQL true when the row at `alias` lacks a recorded value of any of `keys`. */
export function missingCondition(alias: string, keys: readonly KeyLike[]): RawBuilder<unknown> {
  const others = sql.ref(`${alias}.others`);
  const lacking = keys.map((key) => {
    // JSON escapes a quote inside a string, so `"<id>":` only matches the key itself.
    const notInOthers = sql`(${others} IS NULL OR ${others} NOT LIKE ${`%"${key.id}":%`})`;
    if (key.type === null) return notInOthers;
    return sql`(${sql.ref(`${alias}.${headerValueColumn(key.id)}`)} IS NULL AND ${notInOthers})`;
  });
  return sql`(${sql.join(lacking, sql` OR `)})`;
}

/** A value as its string: what a value of the wrong type is kept as. */
export function stringOf(value: NonNullable<TypedHeaderValue>): string {
  if (value.type === "logical") return value.value ? "T" : "F";
  return String(value.value);
}

/** A non-null value of a key's typed column as JavaScript (SQLite gives booleans as 0/1). */
export function decodeTyped(type: HeaderValueType | null, typed: unknown): HeaderValue {
  if (type === "logical") return toBool(typed);
  if (type === "float") return Number(typed);
  if (type === "integer") return typed as number | bigint;
  return String(typed);
}
