import { sql } from "kysely";
import type {
  DataIdValue,
  DimensionElement,
  DimensionRecord,
  DimensionRecordValue,
  DimensionUniverse,
} from "../../core/index.ts";
import {
  ConflictingDefinitionError,
  DimensionNameError,
  DimensionRecordNotFoundError,
  InvalidArgumentError,
} from "../../errors/index.ts";
import { HtmPixelization, type Region } from "../../sphgeom/index.ts";
import type { RegistryDatabase } from "../database.ts";
import type { ColumnTypeSpec, RowsColumn } from "../dialects/registry-dialect.ts";
import {
  dimensionColumnType,
  elementColumnFor,
  elementKeyColumns,
  elementTable,
  overlapTableName,
  SKYPIX_INDEX_COLUMN,
} from "../schema/dimension-tables.ts";
import { chunks } from "../sql-values.ts";
import { differingFields, type PreparedRecord, prepareRecord, recordFromRow } from "./dimension-rows.ts";

export interface InsertDimensionDataOptions {
  /** Leave records whose primary key already exists as they are. */
  readonly skipExisting?: boolean;
  /** Overwrite records whose primary key already exists. */
  readonly replace?: boolean;
}

/** Rows per lookup statement (the values travel as one bound parameter, so this only bounds memory). */
const LOOKUP_CHUNK = 10_000;

/** A stable string for a tuple of key values. */
export function keyOf(values: readonly unknown[]): string {
  return JSON.stringify(values);
}

/**
 * Dimension records: bulk insert (validated, with dependency checks and the htm7 overlap rows of
 * spatial elements), sync, and bulk lookup by primary key.
 */
export class DimensionRecordManager {
  readonly #database: RegistryDatabase;
  readonly #universe: DimensionUniverse;
  readonly #pixelization: HtmPixelization;
  readonly #cache = new Map<string, Map<string, DimensionRecord>>();

  constructor(database: RegistryDatabase, universe: DimensionUniverse) {
    this.#database = database;
    this.#universe = universe;
    const common = universe.commonSkyPix;
    if (common.skypixSystem !== "htm") {
      throw new InvalidArgumentError(
        `common skypix '${common.name}' is not an HTM level; accepted: htm1–htm24 (htm7 by default)`,
      );
    }
    this.#pixelization = new HtmPixelization(common.skypixLevel!);
  }

  /** The element, which must have its own table (skypix levels and band have none). */
  tableElement(name: string | DimensionElement): DimensionElement {
    const element = typeof name === "string" ? this.#universe.getElement(name) : name;
    if (!element.hasOwnTable) {
      const why =
        element.kind === "skypix"
          ? "skypix records are computed from the pixelization"
          : `its records are the distinct values of ${element.impliedUnionTarget}.${element.name}`;
      throw new DimensionNameError(
        element.name,
        `'${element.name}' has no table of its own (${why}); accepted: elements with tables, such as ` +
          this.#universe.elements
            .filter((e) => e.hasOwnTable)
            .slice(0, 6)
            .map((e) => e.name)
            .join(", "),
      );
    }
    return element;
  }

  /**
   * Inserts records of one element. An existing primary key is a ConflictingDefinitionError unless
   * `skipExisting` (leave it) or `replace` (overwrite it); records must refer to existing records of
   * the dimensions they require or imply.
   */
  async insert(
    elementName: string | DimensionElement,
    records: readonly Readonly<Record<string, unknown>>[],
    options: InsertDimensionDataOptions = {},
  ): Promise<void> {
    const element = this.tableElement(elementName);
    const prepared = dedupe(
      element,
      records.map((r) => prepareRecord(element, r)),
    );
    if (prepared.length === 0) return;
    const keyColumns = elementKeyColumns(element);
    await this.#database.transaction(async () => {
      await this.#checkDependencies(
        element,
        prepared.map((p) => p.row),
      );
      const existing = await this.fetchRows(
        element,
        prepared.map((p) => keyColumns.map((c) => p.row[c])),
      );
      const fresh: PreparedRecord[] = [];
      const replaced: PreparedRecord[] = [];
      for (const item of prepared) {
        const stored = existing.get(keyOf(keyColumns.map((c) => item.row[c])));
        if (stored === undefined) fresh.push(item);
        else if (options.replace) replaced.push(item);
        else if (!options.skipExisting) throw conflict(element, item, stored);
      }
      const rows = fresh.map((p) => p.row);
      try {
        if (options.skipExisting) await this.#database.insertIgnore(element.name, rows, keyColumns);
        else await this.#database.insert(element.name, rows);
      } catch (err) {
        throw this.#translate(err, element);
      }
      if (replaced.length > 0) {
        this.#cache.delete(element.name);
        try {
          await this.#database.upsert(
            element.name,
            replaced.map((p) => p.row),
            keyColumns,
          );
        } catch (err) {
          throw this.#translate(err, element);
        }
      }
      if (element.isSpatial) {
        await this.#deleteOverlaps(element, replaced);
        await this.#insertOverlaps(element, [...fresh, ...replaced], options.skipExisting ?? false);
      }
    });
  }

  /**
   * Inserts the record unless an identical one exists. Returns true when inserted, false when identical;
   * a different stored record is a ConflictingDefinitionError, or with `update` is overwritten and the
   * old values of the changed fields are returned.
   */
  async sync(
    elementName: string | DimensionElement,
    values: Readonly<Record<string, unknown>>,
    update = false,
  ): Promise<boolean | Record<string, DimensionRecordValue>> {
    const element = this.tableElement(elementName);
    const item = prepareRecord(element, values);
    const keyColumns = elementKeyColumns(element);
    const key = keyColumns.map((c) => item.row[c]);
    return this.#database.transaction(async () => {
      await this.#checkDependencies(element, [item.row]);
      let stored = (await this.fetchRows(element, [key])).get(keyOf(key));
      if (stored === undefined) {
        const inserted = await this.#database
          .insertIgnore(element.name, [item.row], keyColumns)
          .catch((err: unknown) => {
            throw this.#translate(err, element);
          });
        if (inserted > 0) {
          if (element.isSpatial) await this.#insertOverlaps(element, [item], false);
          return true;
        }
        stored = (await this.fetchRows(element, [key])).get(keyOf(key))!;
      }
      const changed = differingFields(element, item.row, stored);
      if (changed.length === 0) return false;
      if (!update) throw conflict(element, item, stored);
      const old = recordFromRow(element, stored);
      this.#cache.delete(element.name);
      await this.#database.upsert(element.name, [item.row], keyColumns);
      if (element.isSpatial && changed.includes("region")) {
        await this.#deleteOverlaps(element, [item]);
        await this.#insertOverlaps(element, [item], false);
      }
      return Object.fromEntries(changed.map((f) => [f, old[f] ?? null]));
    });
  }

  /** Stored rows by `keyOf(primary key values)`, for key tuples in `elementKeyColumns` order. */
  async fetchRows(
    element: DimensionElement,
    keys: readonly (readonly unknown[])[],
  ): Promise<Map<string, Record<string, unknown>>> {
    const keyColumns = elementKeyColumns(element);
    return this.#fetchBy(element, keyColumns, keys);
  }

  /**
   * The values of the dimensions an element implies (visit → physical_filter, day_obs), by
   * `keyOf(primary key values)`, for key tuples in `elementKeyColumns` order; a missing key has no
   * entry. Reads only those columns, so checking data IDs costs no records (regions, timespans).
   * Cached elements answer from their cached records.
   */
  async fetchImplied(
    element: DimensionElement,
    keys: readonly (readonly DataIdValue[])[],
  ): Promise<Map<string, ReadonlyMap<string, DataIdValue>>> {
    const implied = element.implied.map((d) => [d, elementColumnFor(element, d)!] as const);
    const pick = (source: Readonly<Record<string, unknown>>, byColumn: boolean) =>
      new Map(
        implied.flatMap(([d, column]) => {
          const value = normalizeKeyValue(source[byColumn ? column : d]);
          return typeof value === "number" || typeof value === "string" ? [[d, value] as const] : [];
        }),
      );
    const out = new Map<string, ReadonlyMap<string, DataIdValue>>();
    if (element.isCached) {
      for (const [key, record] of await this.fetchRecords(element, keys)) out.set(key, pick(record, false));
      return out;
    }
    const keyColumns = elementKeyColumns(element);
    const select = [...keyColumns, ...implied.map(([, column]) => column)];
    for (const row of await this.findRows(element, keyColumns, keys, select)) {
      out.set(keyOf(keyColumns.map((c) => normalizeKeyValue(row[c]))), pick(row, true));
    }
    return out;
  }

  /**
   * Records by `keyOf(primary key values)`. Records of elements the universe marks as cached
   * (instrument, detector, physical_filter, …: few and rarely changed) are kept in memory once read,
   * as daf_butler does; `refresh()` forgets them.
   */
  async fetchRecords(
    element: DimensionElement,
    keys: readonly (readonly DataIdValue[])[],
  ): Promise<Map<string, DimensionRecord>> {
    const out = new Map<string, DimensionRecord>();
    const cache = element.isCached ? this.#cacheOf(element) : undefined;
    let missing = keys;
    if (cache !== undefined) {
      missing = [];
      for (const key of keys) {
        const k = keyOf(key);
        const hit = cache.get(k);
        if (hit !== undefined) out.set(k, hit);
        else (missing as (readonly DataIdValue[])[]).push(key);
      }
      if (missing.length === 0) return out;
    }
    const rows = await this.fetchRows(element, missing);
    for (const [key, row] of rows) {
      const record = recordFromRow(element, row);
      out.set(key, record);
      cache?.set(key, record);
    }
    return out;
  }

  /** Forgets cached records (after another process replaced some, or a rollback). */
  refresh(): void {
    this.#cache.clear();
  }

  #cacheOf(element: DimensionElement): Map<string, DimensionRecord> {
    let cache = this.#cache.get(element.name);
    if (cache === undefined) {
      cache = new Map();
      this.#cache.set(element.name, cache);
    }
    return cache;
  }

  /**
   * Stored rows whose `columns` equal one of the tuples, keyed by `keyOf(those column values)`.
   * Several rows may share a key when the columns are not unique; the last one wins, so use
   * `findRows` for those lookups.
   */
  async #fetchBy(
    element: DimensionElement,
    columns: readonly string[],
    tuples: readonly (readonly unknown[])[],
  ): Promise<Map<string, Record<string, unknown>>> {
    const out = new Map<string, Record<string, unknown>>();
    for (const row of await this.findRows(element, columns, tuples)) {
      out.set(keyOf(columns.map((c) => normalizeKeyValue(row[c]))), row);
    }
    return out;
  }

  /** Every stored row of the element whose `columns` equal one of the tuples (only `select`'s columns when given). */
  async findRows(
    element: DimensionElement,
    columns: readonly string[],
    tuples: readonly (readonly unknown[])[],
    select?: readonly string[],
  ): Promise<Record<string, unknown>[]> {
    const selected = select === undefined ? sql`e.*` : sql.join(select.map((c) => sql.ref(`e.${c}`)));
    const distinct = [...new Map(tuples.map((t) => [keyOf(t), t])).values()];
    if (distinct.length === 0) return [];
    const types = columns.map((c) => columnTypeOf(element, c));
    const out: Record<string, unknown>[] = [];
    for (const part of chunks(distinct, LOOKUP_CHUNK)) {
      const keys = this.#database.rowsTable(
        part,
        columns.map((c, i) => ({ name: c, type: types[i]! })),
      );
      const on = sql.join(
        columns.map((c) => sql`${sql.ref(`e.${c}`)} = ${sql.ref(`k.${c}`)}`),
        sql` AND `,
      );
      const rows = await this.#database.rows(
        sql`SELECT ${selected} FROM ${keys} AS k CROSS JOIN ${sql.table(element.name)} AS e WHERE ${on}`,
      );
      for (const row of rows) out.push(row);
    }
    return out;
  }

  /**
   * Which tuples of `columns` values exist in `table` (a set of `keyOf` strings). Used to check that
   * the records a record or data ID refers to exist.
   */
  async existingKeys(
    table: string,
    columns: readonly RowsColumn[],
    tuples: readonly (readonly unknown[])[],
  ): Promise<Set<string>> {
    const distinct = [...new Map(tuples.map((t) => [keyOf(t), t])).values()];
    const found = new Set<string>();
    for (const part of chunks(distinct, LOOKUP_CHUNK)) {
      const keys = this.#database.rowsTable(part, columns);
      const on = sql.join(
        columns.map((c) => sql`${sql.ref(`t.${c.name}`)} = ${sql.ref(`k.${c.name}`)}`),
        sql` AND `,
      );
      const select = sql.join(columns.map((c) => sql.ref(`k.${c.name}`)));
      const rows = await this.#database.rows(sql`
        SELECT ${select} FROM ${keys} AS k
        WHERE EXISTS (SELECT 1 FROM ${sql.table(table)} AS t WHERE ${on})`);
      for (const row of rows) found.add(keyOf(columns.map((c) => normalizeKeyValue(row[c.name]))));
    }
    return found;
  }

  /** Every record of the required and implied dimensions the rows refer to must exist. */
  async #checkDependencies(
    element: DimensionElement,
    rows: readonly Record<string, unknown>[],
  ): Promise<void> {
    for (const fk of elementTable(element).foreignKeys ?? []) {
      const target = this.#universe.getElement(fk.table);
      const tuples = rows.map((row) => fk.columns.map((c) => row[c]));
      const columns = fk.targetColumns.map((c) => ({ name: c, type: columnTypeOf(target, c) }));
      const found = await this.existingKeys(fk.table, columns, tuples);
      for (const tuple of tuples) {
        if (!found.has(keyOf(tuple))) {
          const keys = Object.fromEntries(fk.targetColumns.map((c, i) => [c, tuple[i]]));
          throw new DimensionRecordNotFoundError(
            fk.table,
            keys,
            ` (the ${element.name} record refers to it through ${fk.columns.join(", ")})`,
          );
        }
      }
    }
  }

  async #insertOverlaps(element: DimensionElement, items: readonly PreparedRecord[], ignore: boolean) {
    const keyColumns = elementKeyColumns(element);
    const dims = element.required;
    const rows: Record<string, unknown>[] = [];
    for (const item of items) {
      const region = item.record.region as Region | null | undefined;
      if (region === null || region === undefined) continue;
      for (const [begin, end] of this.#pixelization.envelope(region)) {
        for (let index = begin; index < end; index++) {
          const row: Record<string, unknown> = {};
          keyColumns.forEach((c, i) => {
            row[dims[i]!] = item.row[c];
          });
          row[SKYPIX_INDEX_COLUMN] = index;
          rows.push(row);
        }
      }
    }
    const table = overlapTableName(element);
    if (ignore) await this.#database.insertIgnore(table, rows, [...dims, SKYPIX_INDEX_COLUMN]);
    else await this.#database.insert(table, rows);
  }

  async #deleteOverlaps(element: DimensionElement, items: readonly PreparedRecord[]): Promise<void> {
    if (items.length === 0) return;
    const keyColumns = elementKeyColumns(element);
    const table = overlapTableName(element);
    const keys = this.#database.rowsTable(
      items.map((p) => keyColumns.map((c) => p.row[c])),
      keyColumns.map((c) => ({ name: c, type: columnTypeOf(element, c) })),
    );
    const dims = sql.join(element.required.map((d) => sql.ref(d)));
    await this.#database.rows(
      sql`DELETE FROM ${sql.table(table)} WHERE (${dims}) IN (SELECT ${sql.join(
        keyColumns.map((c) => sql.ref(`k.${c}`)),
      )} FROM ${keys} AS k)`,
    );
  }

  #translate(err: unknown, element: DimensionElement): unknown {
    const kind = this.#database.classifyError(err);
    if (kind === "unique") {
      const alternates = element.alternateKeys.map((k) => k.name);
      return new ConflictingDefinitionError(
        `a ${element.name} record clashes with a stored one on a unique key` +
          (alternates.length > 0 ? ` (primary key or ${alternates.join(", ")})` : "") +
          "; accepted: records whose keys are not in use, or skipExisting/replace",
        { cause: err },
      );
    }
    return err;
  }
}

/** The column type of one column of an element's table. */
export function columnTypeOf(element: DimensionElement, column: string): ColumnTypeSpec {
  const field = element.recordFields.find((f) => f.name === column);
  if (field === undefined) return { kind: "int64" };
  return dimensionColumnType(field);
}

/** Key values as rows hand them back: numbers stay numbers, bigints that fit become numbers. */
function normalizeKeyValue(value: unknown): unknown {
  if (typeof value === "bigint" && value <= BigInt(Number.MAX_SAFE_INTEGER)) return Number(value);
  return value;
}

/** Drops exact repeats within one batch; two different records with one key are a conflict. */
function dedupe(element: DimensionElement, items: PreparedRecord[]): PreparedRecord[] {
  const keyColumns = elementKeyColumns(element);
  const seen = new Map<string, PreparedRecord>();
  for (const item of items) {
    const key = keyOf(keyColumns.map((c) => item.row[c]));
    const previous = seen.get(key);
    if (previous === undefined) seen.set(key, item);
    else if (differingFields(element, item.row, previous.row).length > 0) {
      throw new ConflictingDefinitionError(
        `two different ${element.name} records with ${describeKey(element, item)} in one insert; accepted: one record per key`,
      );
    }
  }
  return [...seen.values()];
}

function describeKey(element: DimensionElement, item: PreparedRecord): string {
  return elementKeyColumns(element)
    .map((c) => `${c}=${JSON.stringify(item.row[c])}`)
    .join(", ");
}

function conflict(
  element: DimensionElement,
  item: PreparedRecord,
  stored: Readonly<Record<string, unknown>>,
): ConflictingDefinitionError {
  const changed = differingFields(element, item.row, stored);
  const how =
    changed.length === 0
      ? "an identical record already exists"
      : `the stored record differs in ${changed.join(", ")}`;
  return new ConflictingDefinitionError(
    `cannot insert ${element.name} record with ${describeKey(element, item)}: ${how}; ` +
      "accepted: skipExisting to keep stored records, replace to overwrite them, or syncDimensionData",
  );
}
