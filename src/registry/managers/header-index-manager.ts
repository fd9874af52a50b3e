/**
 * The header index: which FITS header keys are indexed for each dataset type, and their values per
 * dataset (see `schema/header-tables.ts`). A key's type is the FITS type of the first value written
 * for it; a later value of another type is kept as its string and logged once per key and type.
 */
import { type RawBuilder, sql } from "kysely";
import {
  type HeaderValue,
  type HeaderValueType,
  parseHeaderKey,
  type TypedHeaderValue,
} from "../../fits/header-key.ts";
import { getLogger } from "../../log.ts";
import type { RegistryDatabase } from "../database.ts";
import { HEADER_TABLES } from "../schema/header-tables.ts";
import { TABLES } from "../schema/static-tables.ts";
import { toBool, toNumber } from "../sql-values.ts";
import type { DatasetTypeManager } from "./dataset-type-manager.ts";

const log = getLogger("butler.registry.headers");

export interface HeaderKeyRecord {
  readonly id: number;
  /** Canonical name: `KEY` or `HDU:KEY`. */
  readonly name: string;
  /** The FITS type of the key's values; null until a first value is written. */
  readonly type: HeaderValueType | null;
}

/** The values of one dataset, by canonical key name. */
export interface HeaderRow {
  readonly datasetId: string;
  readonly values: ReadonlyMap<string, TypedHeaderValue>;
}

/** The value column holding a type's values. */
export function valueColumn(type: HeaderValueType | null): string {
  switch (type) {
    case "logical":
      return "bool_value";
    case "integer":
      return "int_value";
    case "float":
      return "float_value";
    default:
      return "string_value";
  }
}

export class HeaderIndexManager {
  readonly #database: RegistryDatabase;
  readonly #datasetTypes: DatasetTypeManager;
  readonly #keys = new Map<number, HeaderKeyRecord[]>();
  readonly #warned = new Set<string>();

  constructor(database: RegistryDatabase, datasetTypes: DatasetTypeManager) {
    this.#database = database;
    this.#datasetTypes = datasetTypes;
  }

  refresh(): void {
    this.#keys.clear();
  }

  /** The keys indexed for a dataset type (none for an unknown type), in name order. */
  async keys(datasetType: string): Promise<HeaderKeyRecord[]> {
    const record = await this.#datasetTypes.find(datasetType);
    return record === undefined ? [] : this.keysOf(record.id);
  }

  async keysOf(datasetTypeId: number): Promise<HeaderKeyRecord[]> {
    const cached = this.#keys.get(datasetTypeId);
    if (cached !== undefined) return cached;
    const rows = await this.#database.rows<{ key_id: unknown; name: string; type: string | null }>(
      sql`SELECT key_id, name, type FROM ${sql.table(HEADER_TABLES.key)}
          WHERE dataset_type_id = ${datasetTypeId} ORDER BY name`,
    );
    const keys = rows.map((r) => ({
      id: toNumber(r.key_id),
      name: r.name,
      type: (r.type ?? null) as HeaderValueType | null,
    }));
    this.#keys.set(datasetTypeId, keys);
    return keys;
  }

  /** Indexes `names` (normalised) for the dataset type, keeping the keys it has; returns all its keys. */
  async addKeys(datasetType: string, names: readonly string[]): Promise<HeaderKeyRecord[]> {
    const record = await this.#datasetTypes.get(datasetType);
    const known = new Set((await this.keysOf(record.id)).map((k) => k.name));
    const wanted = [...new Set(names.map((n) => parseHeaderKey(n).name))].filter((n) => !known.has(n));
    if (wanted.length > 0) {
      await this.#database.insertIgnore(
        HEADER_TABLES.key,
        wanted.map((name) => ({ dataset_type_id: record.id, name })),
        ["dataset_type_id", "name"],
      );
      this.#keys.delete(record.id);
    }
    return this.keysOf(record.id);
  }

  /** Stops indexing `names` for the dataset type; their values go with them. */
  async removeKeys(datasetType: string, names: readonly string[]): Promise<void> {
    const record = await this.#datasetTypes.get(datasetType);
    const canonical = names.map((n) => parseHeaderKey(n).name);
    if (canonical.length === 0) return;
    await this.#database.rows(
      sql`DELETE FROM ${sql.table(HEADER_TABLES.key)} WHERE dataset_type_id = ${record.id}
          AND name IN (${sql.join(canonical)})`,
    );
    this.#keys.delete(record.id);
  }

  /**
   * Records (or replaces) the values of datasets of one type for the keys in each row's map; keys not
   * yet indexed are added. Rows of datasets that do not exist are a foreign-key error.
   */
  async record(datasetType: string, rows: readonly HeaderRow[]): Promise<void> {
    if (rows.length === 0) return;
    // Names as given (`exptime`, `HIERARCH …`) to canonical ones, parsed once each.
    const canonical = new Map<string, string>();
    for (const row of rows) {
      for (const name of row.values.keys()) {
        if (!canonical.has(name)) canonical.set(name, parseHeaderKey(name).name);
      }
    }
    if ([...canonical].some(([given, name]) => given !== name)) {
      rows = rows.map((row) => ({
        datasetId: row.datasetId,
        values: new Map([...row.values].map(([name, value]) => [canonical.get(name)!, value])),
      }));
    }
    let keys = await this.addKeys(datasetType, [...new Set(canonical.values())]);
    keys = await this.#settleTypes(datasetType, keys, rows);
    const byName = new Map(keys.map((k) => [k.name, k]));
    const out: Record<string, unknown>[] = [];
    for (const row of rows) {
      for (const [name, value] of row.values) {
        const key = byName.get(name)!;
        out.push({ dataset_id: row.datasetId, key_id: key.id, ...this.#columns(datasetType, key, value) });
      }
    }
    await this.#database.upsert(HEADER_TABLES.value, out, ["dataset_id", "key_id"]);
  }

  /** Gives untyped keys the type of their first value in `rows` (unless another writer did first). */
  async #settleTypes(
    datasetType: string,
    keys: HeaderKeyRecord[],
    rows: readonly HeaderRow[],
  ): Promise<HeaderKeyRecord[]> {
    let changed = false;
    for (const key of keys) {
      if (key.type !== null) continue;
      const first = rows.find((r) => r.values.get(key.name) != null)?.values.get(key.name);
      if (first == null) continue;
      await this.#database.rows(
        sql`UPDATE ${sql.table(HEADER_TABLES.key)} SET type = ${first.type}
            WHERE key_id = ${key.id} AND type IS NULL`,
      );
      changed = true;
    }
    if (!changed) return keys;
    const record = await this.#datasetTypes.get(datasetType);
    this.#keys.delete(record.id);
    return this.keysOf(record.id);
  }

  /** The value columns of one value in a key's column. */
  #columns(datasetType: string, key: HeaderKeyRecord, value: TypedHeaderValue): Record<string, unknown> {
    const columns: Record<string, unknown> = {
      bool_value: null,
      int_value: null,
      float_value: null,
      string_value: null,
    };
    if (value === null) return columns;
    if (value.type === key.type || (key.type === "float" && value.type === "integer")) {
      columns[valueColumn(key.type)] = key.type === "float" ? Number(value.value) : value.value;
      return columns;
    }
    const warning = `${datasetType}/${key.name}/${value.type}`;
    if (!this.#warned.has(warning)) {
      this.#warned.add(warning);
      log.warning(
        `header key ${key.name} of ${datasetType} is indexed as ${key.type}, but a ${value.type} value ` +
          `(${String(value.value)}) was found; such values are kept as strings`,
      );
    }
    columns.string_value = stringOf(value);
    return columns;
  }

  /**
   * Datasets of the type (all, or those of `among`) that lack a row for any of `names`: the ones a
   * backfill still has to read. In dataset ID order.
   */
  async missing(datasetType: string, names: readonly string[], among?: readonly string[]): Promise<string[]> {
    const record = await this.#datasetTypes.get(datasetType);
    const keys = (await this.keysOf(record.id)).filter((k) => names.includes(k.name));
    if (keys.length === 0) return [];
    const lacking = sql`(SELECT COUNT(*) FROM ${sql.table(HEADER_TABLES.value)} AS h
      WHERE h.dataset_id = d.id AND h.key_id IN (${sql.join(keys.map((k) => k.id))})) < ${keys.length}`;
    const from =
      among === undefined
        ? sql`${sql.table(TABLES.dataset)} AS d`
        : sql`${this.#database.rowsTable(
            among.map((id) => [id]),
            [{ name: "id", type: { kind: "uuid" } }],
          )} AS i CROSS JOIN ${sql.table(TABLES.dataset)} AS d`;
    const joined = among === undefined ? sql`` : sql`AND d.id = i.id`;
    const rows = await this.#database.rows<{ id: unknown }>(
      sql`SELECT d.id FROM ${from} WHERE d.dataset_type_id = ${record.id} ${joined} AND ${lacking} ORDER BY d.id`,
    );
    return rows.map((r) => String(r.id));
  }

  /**
   * Values of datasets for some keys (all indexed keys when `names` is absent): by dataset ID, then by
   * key name. Datasets with no row for a key are missing from the inner map (not indexed yet).
   */
  async values(
    datasetType: string,
    datasetIds: readonly string[],
    names?: readonly string[],
  ): Promise<Map<string, Map<string, HeaderValue>>> {
    const keys = await this.keys(datasetType);
    const wanted = names === undefined ? keys : keys.filter((k) => names.includes(k.name));
    const out = new Map<string, Map<string, HeaderValue>>();
    if (wanted.length === 0 || datasetIds.length === 0) return out;
    // One row per dataset, a LEFT JOIN per key on the primary key: far fewer rows through the driver
    // than one per dataset and key. p<j> tells a dataset with no row for key j (not indexed yet).
    const columns: RawBuilder<unknown>[] = [sql`i.id AS dataset_id`];
    const joins: RawBuilder<unknown>[] = [];
    wanted.forEach((key, j) => {
      const h = `h${j}`;
      const typed = valueColumn(key.type);
      columns.push(sql`${sql.ref(`${h}.key_id`)} AS ${sql.id(`p${j}`)}`);
      columns.push(sql`${sql.ref(`${h}.${typed}`)} AS ${sql.id(`v${j}`)}`);
      if (typed !== "string_value") columns.push(sql`${sql.ref(`${h}.string_value`)} AS ${sql.id(`s${j}`)}`);
      joins.push(sql`LEFT JOIN ${sql.table(HEADER_TABLES.value)} AS ${sql.id(h)}
        ON ${sql.ref(`${h}.dataset_id`)} = i.id AND ${sql.ref(`${h}.key_id`)} = ${key.id}`);
    });
    const aliases = {
      p: wanted.map((_, j) => `p${j}`),
      v: wanted.map((_, j) => `v${j}`),
      s: wanted.map((_, j) => `s${j}`),
    };
    for (let i = 0; i < datasetIds.length; i += 10_000) {
      const ids = this.#database.rowsTable(
        datasetIds.slice(i, i + 10_000).map((id) => [id]),
        [{ name: "id", type: { kind: "uuid" } }],
      );
      const rows = await this.#database.rows<Record<string, unknown>>(
        sql`SELECT ${sql.join(columns)} FROM ${ids} AS i ${sql.join(joins, sql` `)}`,
      );
      for (const row of rows) {
        const map = new Map<string, HeaderValue>();
        for (let j = 0; j < wanted.length; j++) {
          if (row[aliases.p[j]!] == null) continue;
          const typed = row[aliases.v[j]!];
          const key = wanted[j]!;
          map.set(
            key.name,
            typed != null ? decodeTyped(key.type, typed) : ((row[aliases.s[j]!] as string | null) ?? null),
          );
        }
        if (map.size > 0) out.set(String(row.dataset_id), map);
      }
    }
    return out;
  }
}

/** A value as its string: what a value of the wrong type is kept as. */
function stringOf(value: NonNullable<TypedHeaderValue>): string {
  if (value.type === "logical") return value.value ? "T" : "F";
  return String(value.value);
}

/** A non-null value of a key's typed column as JavaScript (SQLite gives booleans as 0/1). */
function decodeTyped(type: HeaderValueType | null, typed: unknown): HeaderValue {
  if (type === "logical") return toBool(typed);
  if (type === "float") return Number(typed);
  if (type === "integer") return typed as number | bigint;
  return String(typed);
}
