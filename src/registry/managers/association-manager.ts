import { type RawBuilder, sql } from "kysely";
import {
  CollectionType,
  type DataIdInput,
  type DatasetRef,
  type DatasetType,
  Timespan,
} from "../../core/index.ts";
import {
  CollectionTypeError,
  ConflictingDefinitionError,
  DatasetNotFoundError,
  DatasetTypeError,
  InvalidArgumentError,
} from "../../errors/index.ts";
import type { RegistryDatabase } from "../database.ts";
import { toBigInt, toNumber } from "../sql-values.ts";
import type { CollectionManager, CollectionRecord } from "./collection-manager.ts";
import { dataIdFromRow, requiredColumns, requiredEquals } from "./data-id-columns.ts";
import type { DataIdExpander } from "./data-id-expander.ts";
import type { DatasetManager } from "./dataset-manager.ts";
import type { DatasetTypeManager, DatasetTypeRecord } from "./dataset-type-manager.ts";
import type { SummaryManager } from "./summary-manager.ts";

/**
 * Membership of datasets in TAGGED collections (associate/disassociate) and certification in
 * CALIBRATION collections with validity ranges (certify/decertify).
 */
export class AssociationManager {
  readonly #database: RegistryDatabase;
  readonly #collections: CollectionManager;
  readonly #types: DatasetTypeManager;
  readonly #datasets: DatasetManager;
  readonly #expander: DataIdExpander;
  readonly #summaries: SummaryManager;

  constructor(
    database: RegistryDatabase,
    collections: CollectionManager,
    types: DatasetTypeManager,
    datasets: DatasetManager,
    expander: DataIdExpander,
    summaries: SummaryManager,
  ) {
    this.#database = database;
    this.#collections = collections;
    this.#types = types;
    this.#datasets = datasets;
    this.#expander = expander;
    this.#summaries = summaries;
  }

  /**
   * Adds datasets to a TAGGED collection. The same dataset again changes nothing; another dataset of
   * the same type and data ID already there is a ConflictingDefinitionError, and nothing is added.
   */
  async associate(collection: string, refs: readonly DatasetRef[]): Promise<void> {
    const target = await this.#collectionOfType(collection, CollectionType.TAGGED, "associate");
    const byType = await this.#storedByType(refs);
    await this.#database.transaction(async () => {
      for (const { record, refs: typed } of byType.values()) {
        checkDistinctDataIds(typed, collection);
        const group = record.datasetType.dimensions;
        const keys = this.#database.rowsTable(
          typed.map((r) => [r.id, ...r.dataId.requiredValues]),
          [{ name: "id", type: { kind: "uuid" } }, ...requiredColumns(group)],
        );
        const present = await this.#database.rows<{ id: unknown; given: unknown }>(sql`
          SELECT t.dataset_id AS id, k.id AS given
          FROM ${keys} AS k CROSS JOIN ${sql.table(record.tagsTable)} AS t
          WHERE ${requiredEquals(group, "k", "t")} AND t.dataset_type_id = ${record.id}
            AND t.collection_id = ${target.id}`);
        const conflict = present.find((row) => String(row.id) !== String(row.given));
        if (conflict !== undefined) {
          const ref = typed.find((r) => r.id === String(conflict.given))!;
          throw new ConflictingDefinitionError(
            `cannot associate ${record.datasetType.name} ${ref.id} with ${ref.dataId} into TAGGED collection ` +
              `'${collection}': it already holds dataset ${String(conflict.id)} of that type and data ID ` +
              "(disassociate that one first)",
          );
        }
        const already = new Set(present.map((row) => String(row.id)));
        const fresh = typed.filter((r) => !already.has(r.id));
        if (fresh.length === 0) continue;
        await this.#database.insert(
          record.tagsTable,
          fresh.map((ref) => tagRow(record, target, ref)),
        );
        await this.#summaries.add(
          target.id,
          record.id,
          fresh.map((r) => r.dataId),
        );
      }
    });
  }

  /** Removes datasets from a TAGGED collection; those not in it are ignored. */
  async disassociate(collection: string, refs: readonly DatasetRef[]): Promise<void> {
    const target = await this.#collectionOfType(collection, CollectionType.TAGGED, "disassociate");
    await this.#database.transaction(async () => {
      for (const [name, typed] of groupBy(refs, (r) => r.datasetType.name)) {
        const record = await this.#types.get(name);
        await this.#database.rows(sql`
          DELETE FROM ${sql.table(record.tagsTable)}
          WHERE collection_id = ${target.id}
            AND dataset_id IN (SELECT k.id FROM ${idsTable(this.#database, typed)} AS k)`);
      }
    });
  }

  /**
   * Certifies datasets into a CALIBRATION collection for a validity range. A dataset of the same type
   * and data ID whose range overlaps is a ConflictingDefinitionError.
   */
  async certify(collection: string, refs: readonly DatasetRef[], timespan: Timespan): Promise<void> {
    const target = await this.#collectionOfType(collection, CollectionType.CALIBRATION, "certify");
    if (!(timespan instanceof Timespan) || timespan.isEmpty()) {
      throw new InvalidArgumentError("certify needs a non-empty Timespan for the validity range");
    }
    const byType = await this.#storedByType(refs);
    await this.#database.transaction(async () => {
      for (const { record, refs: typed } of byType.values()) {
        const calibs = calibsOf(record);
        checkDistinctDataIds(typed, collection);
        await this.#database.lockTable(calibs);
        const group = record.datasetType.dimensions;
        const keys = this.#database.rowsTable(
          typed.map((r) => r.dataId.requiredValues),
          requiredColumns(group),
        );
        const clash = await this.#database.rows<Record<string, unknown>>(sql`
          SELECT c.* FROM ${keys} AS k CROSS JOIN ${sql.table(calibs)} AS c
          WHERE ${requiredEquals(group, "k", "c")}
            AND c.collection_id = ${target.id} AND c.dataset_type_id = ${record.id}
            AND c.timespan_begin < ${timespan.endNs} AND ${timespan.beginNs} < c.timespan_end
          LIMIT 1`);
        if (clash.length > 0) {
          const row = clash[0]!;
          const existing = Timespan.fromDatabase(toBigInt(row.timespan_begin), toBigInt(row.timespan_end));
          throw new ConflictingDefinitionError(
            `cannot certify ${record.datasetType.name} ${dataIdFromRow(group, row)} in '${collection}' for ${timespan}: ` +
              `dataset ${String(row.dataset_id)} is already valid there for ${existing}; accepted: validity ranges ` +
              "that do not overlap (decertify first)",
          );
        }
        await this.#database.insert(
          calibs,
          typed.map((ref) => ({
            ...tagRow(record, target, ref),
            timespan_begin: timespan.beginNs,
            timespan_end: timespan.endNs,
          })),
        );
        await this.#summaries.add(
          target.id,
          record.id,
          typed.map((r) => r.dataId),
        );
      }
    });
  }

  /**
   * Removes validity within `timespan` for datasets of a type in a CALIBRATION collection (only for
   * `dataIds` when given): ranges inside it go, ranges across its edges are cut, a range around it
   * is split in two.
   */
  async decertify(
    collection: string,
    datasetType: DatasetType | string,
    timespan: Timespan,
    options: { dataIds?: readonly DataIdInput[] } = {},
  ): Promise<void> {
    const target = await this.#collectionOfType(collection, CollectionType.CALIBRATION, "decertify");
    const { record } = await this.#types.resolve(datasetType, { allowStorageClassOverride: true });
    const calibs = calibsOf(record);
    const group = record.datasetType.dimensions;
    let from: RawBuilder<unknown> = sql`${sql.table(calibs)} AS c`;
    let filter: RawBuilder<unknown> = sql``;
    if (options.dataIds !== undefined) {
      const dataIds = await this.#expander.expand(options.dataIds, { dimensions: group });
      if (dataIds.length === 0) return;
      const keys = this.#database.rowsTable(
        dataIds.map((d) => d.requiredValues),
        requiredColumns(group),
      );
      from = sql`${keys} AS k CROSS JOIN ${sql.table(calibs)} AS c`;
      filter = sql`AND ${requiredEquals(group, "k", "c")}`;
    }
    await this.#database.transaction(async () => {
      await this.#database.lockTable(calibs);
      const rows = await this.#database.rows<Record<string, unknown>>(sql`
        SELECT c.* FROM ${from}
        WHERE c.collection_id = ${target.id} AND c.dataset_type_id = ${record.id}
          AND c.timespan_begin < ${timespan.endNs} AND ${timespan.beginNs} < c.timespan_end ${filter}`);
      if (rows.length === 0) return;
      const ids = rows.map((r) => [toNumber(r.id)]);
      await this.#database.rows(sql`
        DELETE FROM ${sql.table(calibs)}
        WHERE id IN (SELECT k.id FROM ${this.#database.rowsTable(ids, [{ name: "id", type: { kind: "int64" } }])} AS k)`);
      const kept: Record<string, unknown>[] = [];
      for (const row of rows) {
        const existing = Timespan.fromDatabase(toBigInt(row.timespan_begin), toBigInt(row.timespan_end));
        for (const part of existing.difference(timespan)) {
          const copy: Record<string, unknown> = {
            ...row,
            timespan_begin: part.beginNs,
            timespan_end: part.endNs,
          };
          delete copy.id;
          kept.push(copy);
        }
      }
      await this.#database.insert(calibs, kept);
    });
  }

  async #collectionOfType(name: string, type: CollectionType, operation: string): Promise<CollectionRecord> {
    const record = await this.#collections.find(name);
    if (record.type !== type) {
      const hint =
        type === CollectionType.TAGGED && record.type === CollectionType.CALIBRATION
          ? "; use certify for CALIBRATION collections"
          : type === CollectionType.CALIBRATION
            ? "; use associate for TAGGED collections"
            : "";
      throw new CollectionTypeError(
        `${operation} needs a ${type.name} collection, but '${name}' is ${record.type.name}${hint}`,
      );
    }
    return record;
  }

  /** The stored datasets of the refs (every one must exist), grouped by dataset type. */
  async #storedByType(
    refs: readonly DatasetRef[],
  ): Promise<Map<number, { record: DatasetTypeRecord; refs: DatasetRef[] }>> {
    const stored = await this.#datasets.fetchRefs(refs.map((r) => r.id));
    const out = new Map<number, { record: DatasetTypeRecord; refs: DatasetRef[] }>();
    const seen = new Set<string>();
    for (const ref of refs) {
      const found = stored.get(ref.id);
      if (found === undefined) {
        throw new DatasetNotFoundError(
          ref.id,
          `dataset ${ref} is not in the registry; insert or import it first`,
        );
      }
      if (seen.has(found.id)) continue;
      seen.add(found.id);
      const record = await this.#types.get(found.datasetType.name);
      let entry = out.get(record.id);
      if (entry === undefined) {
        entry = { record, refs: [] };
        out.set(record.id, entry);
      }
      entry.refs.push(found);
    }
    return out;
  }
}

function calibsOf(record: DatasetTypeRecord): string {
  if (record.calibsTable === null) {
    throw new DatasetTypeError(
      `dataset type '${record.datasetType.name}' is not a calibration type, so it cannot be certified; ` +
        "accepted: dataset types registered with isCalibration: true",
    );
  }
  return record.calibsTable;
}

function tagRow(
  record: DatasetTypeRecord,
  collection: CollectionRecord,
  ref: DatasetRef,
): Record<string, unknown> {
  const row: Record<string, unknown> = {
    dataset_type_id: record.id,
    dataset_id: ref.id,
    collection_id: collection.id,
  };
  const values = ref.dataId.requiredValues;
  record.datasetType.dimensions.required.forEach((d, i) => {
    row[d] = values[i];
  });
  return row;
}

function checkDistinctDataIds(refs: readonly DatasetRef[], collection: string): void {
  const seen = new Map<string, DatasetRef>();
  for (const ref of refs) {
    const previous = seen.get(ref.dataId.key);
    if (previous !== undefined && previous.id !== ref.id) {
      throw new ConflictingDefinitionError(
        `datasets ${previous.id} and ${ref.id} have the same dataset type and data ID ${ref.dataId}; ` +
          `only one can be added to '${collection}' at a time`,
      );
    }
    seen.set(ref.dataId.key, ref);
  }
}

function idsTable(database: RegistryDatabase, refs: readonly DatasetRef[]): RawBuilder<unknown> {
  return database.rowsTable(
    refs.map((r) => [r.id]),
    [{ name: "id", type: { kind: "uuid" } }],
  );
}

function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const list = out.get(k);
    if (list === undefined) out.set(k, [item]);
    else list.push(item);
  }
  return out;
}
