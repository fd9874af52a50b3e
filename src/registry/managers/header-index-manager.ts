/**
 * The header index: which FITS header keys are indexed for each dataset type, and their values per
 * dataset, one row per dataset in a table per dataset type (see `schema/header-tables.ts`). A key's
 * type is the FITS type of the first value written for it; a later value of another type is kept as
 * its string and logged once per key and type.
 */
import { sql } from "kysely";
import {
  type HeaderValue,
  type HeaderValueType,
  parseHeaderKey,
  type TypedHeaderValue,
} from "../../fits/header-key.ts";
import { getLogger } from "../../log.ts";
import type { RegistryDatabase } from "../database.ts";
import {
  HEADER_COLUMN_KINDS,
  HEADER_TABLES,
  headerValueColumn,
  headerValuesTable,
  headerValuesTableName,
} from "../schema/header-tables.ts";
import { TABLES } from "../schema/static-tables.ts";
import { createTable } from "../schema/table-spec.ts";
import { chunks, toNumber } from "../sql-values.ts";
import type { DatasetTypeManager } from "./dataset-type-manager.ts";
import { decodeHeaderRow, missingCondition, type Others, stringOf } from "./header-values.ts";

const log = getLogger("butler.registry.headers");

export interface HeaderKeyRecord {
  readonly id: number;
  readonly datasetTypeId: number;
  /** Canonical name: `KEY` or `HDU:KEY`. */
  readonly name: string;
  /** The FITS type of the key's values (and its column); null until a first value is written. */
  readonly type: HeaderValueType | null;
}

/** The values of one dataset, by canonical key name. */
export interface HeaderRow {
  readonly datasetId: string;
  readonly values: ReadonlyMap<string, TypedHeaderValue>;
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

  /** The header index's tables: the key table and the values table of each type with keys. */
  async tables(): Promise<string[]> {
    const types = await this.#database.rows<{ id: unknown }>(
      sql`SELECT DISTINCT dataset_type_id AS id FROM ${sql.table(HEADER_TABLES.key)}`,
    );
    return [HEADER_TABLES.key, ...types.map((t) => headerValuesTableName(toNumber(t.id)))];
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
      datasetTypeId,
      name: r.name,
      type: (r.type ?? null) as HeaderValueType | null,
    }));
    this.#keys.set(datasetTypeId, keys);
    return keys;
  }

  /** Indexes `names` (normalised) for the dataset type, keeping the keys it has; returns all its keys. */
  async addKeys(datasetType: string, names: readonly string[]): Promise<HeaderKeyRecord[]> {
    const record = await this.#datasetTypes.get(datasetType);
    const known = await this.keysOf(record.id);
    const knownNames = new Set(known.map((k) => k.name));
    const wanted = [...new Set(names.map((n) => parseHeaderKey(n).name))].filter((n) => !knownNames.has(n));
    if (wanted.length > 0) {
      if (known.length === 0) {
        const spec = headerValuesTable(record.id);
        await createTable(this.#database.db, this.#database.dialect, spec, { ifNotExists: true });
      }
      await this.#database.insertIgnore(
        HEADER_TABLES.key,
        wanted.map((name) => ({ dataset_type_id: record.id, name })),
        ["dataset_type_id", "name"],
      );
      this.#keys.delete(record.id);
    }
    return this.keysOf(record.id);
  }

  /**
   * `addKeys` for a writer about to open its transaction. The values table's foreign key makes its
   * creation wait for every open write transaction, so made inside one it deadlocks concurrent first
   * writers on PostgreSQL; made here, in statements of its own, `record` finds it in place.
   */
  async prepare(datasetType: string, names: readonly string[]): Promise<void> {
    try {
      await this.addKeys(datasetType, names);
    } catch {
      // Another process made the same table or keys at that moment (PostgreSQL's catalog race); they
      // exist now, and a second attempt only checks. A real failure fails again and is thrown.
      this.#keys.clear();
      await this.addKeys(datasetType, names);
    }
  }

  /** Stops indexing `names` for the dataset type; their values go with them. */
  async removeKeys(datasetType: string, names: readonly string[]): Promise<void> {
    const record = await this.#datasetTypes.get(datasetType);
    const canonical = new Set(names.map((n) => parseHeaderKey(n).name));
    const going = (await this.keysOf(record.id)).filter((k) => canonical.has(k.name));
    if (going.length === 0) return;
    await this.#database.rows(
      sql`DELETE FROM ${sql.table(HEADER_TABLES.key)} WHERE key_id IN (${sql.join(going.map((k) => k.id))})`,
    );
    for (const key of going) {
      if (key.type === null) continue;
      await this.#database.db.schema
        .alterTable(headerValuesTableName(record.id))
        .dropColumn(headerValueColumn(key.id))
        .execute();
    }
    this.#keys.delete(record.id);
  }

  /**
   * Records (or replaces) the values of datasets of one type for the keys in each row's map; keys not
   * yet indexed are added; the dataset's values of other keys are kept. Rows of datasets that do not
   * exist are a foreign-key error.
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
    keys = await this.#settleTypes(keys, rows);
    const byName = new Map(keys.map((k) => [k.name, k]));
    // Rows with the same keys go in one upsert (its columns are the same for every row).
    const groups = new Map<string, HeaderRow[]>();
    for (const row of rows) {
      const signature = [...row.values.keys()].sort().join("\n");
      const group = groups.get(signature);
      if (group === undefined) groups.set(signature, [row]);
      else group.push(row);
    }
    const table = headerValuesTableName(keys[0]!.datasetTypeId);
    for (const group of groups.values()) {
      const groupKeys = [...group[0]!.values.keys()].map((name) => byName.get(name)!);
      // A row that names every key of the type replaces its `others`; otherwise they are merged.
      const previous = groupKeys.length < keys.length ? await this.#others(table, group) : new Map();
      const out = group.map((row) => {
        const columns: Record<string, unknown> = { dataset_id: row.datasetId };
        const others: Others = { ...previous.get(row.datasetId) };
        for (const key of groupKeys) {
          const typed = this.#typed(datasetType, key, row.values.get(key.name) ?? null);
          if (key.type !== null) columns[headerValueColumn(key.id)] = typed === undefined ? null : typed;
          if (typed === undefined) others[key.id] = outside(row.values.get(key.name) ?? null);
          else delete others[key.id];
        }
        columns.others = Object.keys(others).length === 0 ? null : JSON.stringify(others);
        return columns;
      });
      await this.#database.upsert(table, out, ["dataset_id"]);
    }
  }

  /** The `others` of datasets that have one, by dataset ID. */
  async #others(table: string, rows: readonly HeaderRow[]): Promise<Map<string, Others>> {
    const out = new Map<string, Others>();
    for (const chunk of chunks(
      rows.map((r) => r.datasetId),
      500,
    )) {
      const found = await this.#database.rows<{ dataset_id: unknown; others: string }>(
        sql`SELECT dataset_id, others FROM ${sql.table(table)}
            WHERE others IS NOT NULL AND dataset_id IN (${sql.join(chunk)})`,
      );
      for (const row of found) out.set(String(row.dataset_id), JSON.parse(row.others) as Others);
    }
    return out;
  }

  /**
   * The value for the key's column, or undefined when it goes to `others` (absent, no column yet, or
   * of another type than the key's, which is logged once).
   */
  #typed(datasetType: string, key: HeaderKeyRecord, value: TypedHeaderValue): unknown {
    if (value === null || key.type === null) return undefined;
    if (value.type === key.type) return value.value;
    if (key.type === "float" && value.type === "integer") return Number(value.value);
    const warning = `${datasetType}/${key.name}/${value.type}`;
    if (!this.#warned.has(warning)) {
      this.#warned.add(warning);
      log.warning(
        `header key ${key.name} of ${datasetType} is indexed as ${key.type}, but a ${value.type} value ` +
          `(${String(value.value)}) was found; such values are kept as strings`,
      );
    }
    return undefined;
  }

  /**
   * Gives untyped keys the type of their first value in `rows` and a column of that type (unless
   * another writer did first).
   */
  async #settleTypes(keys: HeaderKeyRecord[], rows: readonly HeaderRow[]): Promise<HeaderKeyRecord[]> {
    let changed = false;
    for (const key of keys) {
      if (key.type !== null) continue;
      const first = rows.find((r) => r.values.get(key.name) != null)?.values.get(key.name);
      if (first == null) continue;
      // The table lock comes before the key rows' locks, in every writer, so two writers settling
      // different keys of one type queue instead of deadlocking.
      if (!changed) await this.#database.lockForSchemaChange(headerValuesTableName(key.datasetTypeId));
      changed = true;
      const settled = await this.#database.rows(
        sql`UPDATE ${sql.table(HEADER_TABLES.key)} SET type = ${first.type}
            WHERE key_id = ${key.id} AND type IS NULL RETURNING key_id`,
      );
      if (settled.length === 0) continue;
      await this.#database.db.schema
        .alterTable(headerValuesTableName(key.datasetTypeId))
        .addColumn(
          headerValueColumn(key.id),
          this.#database.dialect.columnType({ kind: HEADER_COLUMN_KINDS[first.type]! }),
        )
        .execute();
    }
    if (!changed) return keys;
    const typeId = keys[0]!.datasetTypeId;
    this.#keys.delete(typeId);
    return this.keysOf(typeId);
  }

  /**
   * Datasets of the type (all, or those of `among`) that lack a value for any of `names`: the ones a
   * backfill still has to read. In dataset ID order.
   */
  async missing(datasetType: string, names: readonly string[], among?: readonly string[]): Promise<string[]> {
    const record = await this.#datasetTypes.get(datasetType);
    const keys = (await this.keysOf(record.id)).filter((k) => names.includes(k.name));
    if (keys.length === 0) return [];
    const from =
      among === undefined
        ? sql`${sql.table(TABLES.dataset)} AS d`
        : sql`${this.#database.rowsTable(
            among.map((id) => [id]),
            [{ name: "id", type: { kind: "uuid" } }],
          )} AS i CROSS JOIN ${sql.table(TABLES.dataset)} AS d`;
    const joined = among === undefined ? sql`` : sql`AND d.id = i.id`;
    const rows = await this.#database.rows<{ id: unknown }>(
      sql`SELECT d.id FROM ${from}
          LEFT JOIN ${sql.table(headerValuesTableName(record.id))} AS w ON w.dataset_id = d.id
          WHERE d.dataset_type_id = ${record.id} ${joined}
            AND (w.dataset_id IS NULL OR ${missingCondition("w", keys)}) ORDER BY d.id`,
    );
    return rows.map((r) => String(r.id));
  }

  /**
   * Values of datasets for some keys (all indexed keys when `names` is absent): by dataset ID, then by
   * key name. Keys a dataset has no value recorded for are missing from the inner map (not read yet).
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
    const table = sql.table(headerValuesTableName(wanted[0]!.datasetTypeId));
    const columns = wanted.filter((k) => k.type !== null).map((k) => sql.ref(`w.${headerValueColumn(k.id)}`));
    for (let i = 0; i < datasetIds.length; i += 10_000) {
      const ids = this.#database.rowsTable(
        datasetIds.slice(i, i + 10_000).map((id) => [id]),
        [{ name: "id", type: { kind: "uuid" } }],
      );
      const rows = await this.#database.rows<Record<string, unknown>>(
        sql`SELECT ${sql.join([sql`w.dataset_id`, sql`w.others`, ...columns])}
            FROM ${ids} AS i CROSS JOIN ${table} AS w WHERE w.dataset_id = i.id`,
      );
      for (const row of rows) {
        const map = decodeHeaderRow(wanted, row);
        if (map.size > 0) out.set(String(row.dataset_id), map);
      }
    }
    return out;
  }
}

/** What `others` keeps of a value outside its key's column: null when absent, else its string. */
function outside(value: TypedHeaderValue): string | null {
  return value === null ? null : stringOf(value);
}
