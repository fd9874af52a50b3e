import { sql } from "kysely";
import type { DataCoordinate, DimensionUniverse } from "../../core/index.ts";
import type { RegistryDatabase } from "../database.ts";
import { governorSummaryTable, TABLES } from "../schema/static-tables.ts";
import type { CollectionRecord } from "./collection-manager.ts";

/** What a collection (or the collections under a chain) may hold: dataset types and governor values. */
export interface CollectionSummary {
  /** Dataset type ids. */
  readonly datasetTypeIds: ReadonlySet<number>;
  /** Governor values by governor dimension (`instrument` → {"HSC"}). */
  readonly governors: ReadonlyMap<string, ReadonlySet<string>>;
}

/**
 * Collection summaries: which dataset types and governor values (instrument, skymap) a collection's
 * datasets have. They only grow (removing datasets leaves them), so they can prove a search empty
 * but never hide a dataset.
 */
export class SummaryManager {
  readonly #database: RegistryDatabase;
  readonly #universe: DimensionUniverse;
  readonly #known = new Set<string>();
  readonly #pending: string[] = [];

  constructor(database: RegistryDatabase, universe: DimensionUniverse) {
    this.#database = database;
    this.#universe = universe;
  }

  /** Records that the collection holds datasets of this type with these data IDs' governor values. */
  async add(collectionId: number, datasetTypeId: number, dataIds: readonly DataCoordinate[]): Promise<void> {
    // Rows this process already wrote are skipped (summaries only grow); a rollback clears the memory.
    const typeKey = `${collectionId}/t/${datasetTypeId}`;
    if (!this.#known.has(typeKey)) {
      await this.#database.insertIgnore(
        TABLES.summaryDatasetType,
        [{ collection_id: collectionId, dataset_type_id: datasetTypeId }],
        ["collection_id", "dataset_type_id"],
      );
      this.#pending.push(typeKey);
    }
    if (dataIds.length === 0) return;
    const group = dataIds[0]!.dimensions;
    for (const governor of group.governors) {
      // Governors are required dimensions; distinct values first, then what is not known yet.
      const at = group.required.indexOf(governor);
      const distinct = new Set<unknown>();
      for (const dataId of dataIds) {
        distinct.add(
          at >= 0 && dataId.dimensions === group ? dataId.requiredValues[at] : dataId.get(governor),
        );
      }
      const values = [...distinct].filter(
        (value) => !this.#known.has(`${collectionId}/${governor}/${value}`),
      );
      if (values.length === 0) continue;
      await this.#database.insertIgnore(
        governorSummaryTable(governor),
        values.map((value) => ({ collection_id: collectionId, [governor]: value })),
        ["collection_id", governor],
      );
      for (const value of values) this.#pending.push(`${collectionId}/${governor}/${value}`);
    }
    if (!this.#database.inTransaction) this.commit();
  }

  /** Marks the rows written so far as known (called when their transaction commits). */
  commit(): void {
    for (const key of this.#pending) this.#known.add(key);
    this.#pending.length = 0;
  }

  /** Forgets what was written (a rollback, or another process removed collections). */
  refresh(): void {
    this.#known.clear();
    this.#pending.length = 0;
  }

  /** The union of the summaries of the given (non-chain) collections. */
  async get(collections: readonly CollectionRecord[]): Promise<CollectionSummary> {
    const ids = collections.map((c) => [c.id]);
    const datasetTypeIds = new Set<number>();
    const governors = new Map<string, Set<string>>();
    if (ids.length === 0) return { datasetTypeIds, governors };
    const keys = () => this.#database.rowsTable(ids, [{ name: "id", type: { kind: "int64" } }]);
    const types = await this.#database.rows<{ dataset_type_id: unknown }>(sql`
      SELECT DISTINCT s.dataset_type_id FROM ${keys()} AS k
      CROSS JOIN ${sql.table(TABLES.summaryDatasetType)} AS s WHERE s.collection_id = k.id`);
    for (const row of types) datasetTypeIds.add(Number(row.dataset_type_id));
    for (const governor of this.#universe.governors) {
      const rows = await this.#database.rows<Record<string, unknown>>(sql`
        SELECT DISTINCT ${sql.ref(`s.${governor.name}`)} AS value FROM ${keys()} AS k
        CROSS JOIN ${sql.table(governorSummaryTable(governor.name))} AS s WHERE s.collection_id = k.id`);
      governors.set(governor.name, new Set(rows.map((r) => String(r.value))));
    }
    return { datasetTypeIds, governors };
  }
}
