/**
 * Header values read with the datasets a query finds: the dataset type's header values table LEFT
 * JOINed to each result row on its dataset ID, its columns packed into JSON arrays (`__h0`, `__h1`,
 * …: `others` then 89 keys each) — one column instead of one per key, which halves the cost of a scan
 * of 100,000 datasets in the driver — and rows handed back without a DatasetRef unless asked for.
 */
import { type RawBuilder, sql } from "kysely";
import { DatasetRef, type DatasetType } from "../../core/index.ts";
import type { HeaderValue } from "../../fits/header-key.ts";
import type { RegistryDialect } from "../dialects/registry-dialect.ts";
import { dataIdFromRow } from "../managers/data-id-columns.ts";
import type { HeaderKeyRecord } from "../managers/header-index-manager.ts";
import { decodeTyped, type Others } from "../managers/header-values.ts";
import { headerValueColumn, headerValuesTableName } from "../schema/header-tables.ts";
import { toNumber } from "../sql-values.ts";

const PER_ARRAY = 89;

export interface HeaderAttachment {
  /** `, <columns>` to add to a SELECT list (nothing without keys). */
  readonly columns: RawBuilder<unknown>;
  /** The LEFT JOIN onto the relation `alias`, whose `__id` is the dataset ID. */
  readonly join: (alias: string) => RawBuilder<unknown>;
}

export function headerAttachment(
  dialect: RegistryDialect,
  keys: readonly HeaderKeyRecord[] | undefined,
): HeaderAttachment {
  if (keys === undefined || keys.length === 0) return { columns: sql``, join: () => sql`` };
  const table = sql.table(headerValuesTableName(keys[0]!.datasetTypeId));
  const items: RawBuilder<unknown>[] = [sql`hx.others`];
  for (const key of keys) {
    const column = sql.ref(`hx.${headerValueColumn(key.id)}`);
    if (key.type === null) items.push(sql`NULL`);
    else if (key.type === "integer") items.push(sql`CAST(${column} AS TEXT)`);
    else items.push(column);
  }
  const arrays: RawBuilder<unknown>[] = [];
  for (let i = 0; i < items.length; i += PER_ARRAY) {
    arrays.push(sql`${dialect.jsonArray(items.slice(i, i + PER_ARRAY))} AS ${sql.id(`__h${i / PER_ARRAY}`)}`);
  }
  return {
    columns: sql`, ${sql.join(arrays)}`,
    join: (alias) => sql`LEFT JOIN ${table} AS hx ON hx.dataset_id = ${sql.ref(`${alias}.__id`)}`,
  };
}

/** A dataset found with its header values; its DatasetRef is made when first asked for. */
export class HeaderQueryRow {
  readonly id: string;
  readonly run: string;
  /** The values of the required dimensions, by name. */
  readonly dataId: Readonly<Record<string, string | number>>;
  /** By key name; a key with no value recorded for the dataset is absent (see `complete`). */
  readonly values: Record<string, HeaderValue>;
  /** Whether every key asked for has a value recorded. */
  readonly complete: boolean;
  readonly #type: DatasetType;
  readonly #row: Readonly<Record<string, unknown>>;
  #ref: DatasetRef | undefined;

  constructor(type: DatasetType, row: Readonly<Record<string, unknown>>, keys: readonly HeaderKeyRecord[]) {
    this.#type = type;
    this.#row = row;
    this.id = String(row.__id);
    this.run = String(row.__run);
    const dataId: Record<string, string | number> = {};
    for (const d of type.dimensions.required) {
      const value = row[d];
      dataId[d] = typeof value === "string" ? value : toNumber(value);
    }
    this.dataId = dataId;
    const { values, complete } = decodePacked(keys, row);
    this.values = values;
    this.complete = complete;
  }

  get ref(): DatasetRef {
    this.#ref ??= new DatasetRef(this.#type, dataIdFromRow(this.#type.dimensions, this.#row), this.run, {
      id: this.id,
    });
    return this.#ref;
  }
}

function decodePacked(
  keys: readonly HeaderKeyRecord[],
  row: Readonly<Record<string, unknown>>,
): { values: Record<string, HeaderValue>; complete: boolean } {
  const values: Record<string, HeaderValue> = {};
  let complete = true;
  let array: unknown[] = [];
  let others: Others | undefined;
  for (let j = 0; j <= keys.length; j++) {
    if (j % PER_ARRAY === 0) {
      const cell = row[`__h${j / PER_ARRAY}`];
      array = typeof cell === "string" ? (JSON.parse(cell) as unknown[]) : ((cell as unknown[] | null) ?? []);
    }
    const item = array[j % PER_ARRAY];
    if (j === 0) {
      others = item == null ? undefined : (JSON.parse(String(item)) as Others);
      continue;
    }
    const key = keys[j - 1]!;
    if (item != null) {
      values[key.name] = key.type === "integer" ? integer(String(item)) : decodeTyped(key.type, item);
      continue;
    }
    const kept = others?.[key.id];
    if (kept !== undefined) values[key.name] = kept;
    else complete = false;
  }
  return { values, complete };
}

function integer(text: string): number | bigint {
  const n = Number(text);
  return Number.isSafeInteger(n) ? n : BigInt(text);
}
