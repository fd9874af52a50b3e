import { type RawBuilder, sql } from "kysely";
import {
  CollectionType,
  type DataCoordinate,
  type DataIdInput,
  DatasetIdGenEnum,
  DatasetRef,
  type DatasetType,
  normalizeUuid,
} from "../../core/index.ts";
import { CollectionTypeError, ConflictingDefinitionError } from "../../errors/index.ts";
import { timeFromDate } from "../../time/index.ts";
import type { RegistryDatabase } from "../database.ts";
import { type RowsColumn, rowsToJson } from "../dialects/registry-dialect.ts";
import { TABLES } from "../schema/static-tables.ts";
import { chunks, toNumber } from "../sql-values.ts";
import { StatementTemplate, TemplateCache } from "../statement-template.ts";
import type { CollectionManager, CollectionRecord } from "./collection-manager.ts";
import { dataIdColumns, dataIdFromRow, requiredColumns } from "./data-id-columns.ts";
import type { DataIdExpander } from "./data-id-expander.ts";
import type { DatasetTypeManager, DatasetTypeRecord } from "./dataset-type-manager.ts";
import type { SummaryManager } from "./summary-manager.ts";

const ID_CHUNK = 10_000;
/** Datasets per INSERT statement: bounds the size of one bound JSON value. */
const INSERT_CHUNK = 50_000;

/** What the registry stores about one dataset, besides its data ID. */
interface StoredDataset {
  readonly id: string;
  readonly datasetTypeId: number;
  readonly runId: number;
}

/**
 * Datasets: the `dataset` table (id, type, run, ingest date) plus each dataset's row in its type's
 * tags table for its RUN. Inserts are bulk: data IDs are expanded together, rows go in multi-row
 * statements, and a (type, data ID) already in the run is a ConflictingDefinitionError.
 */
export class DatasetManager {
  readonly #database: RegistryDatabase;
  readonly #collections: CollectionManager;
  readonly #types: DatasetTypeManager;
  readonly #expander: DataIdExpander;
  readonly #summaries: SummaryManager;
  readonly #statements = new TemplateCache();

  constructor(
    database: RegistryDatabase,
    collections: CollectionManager,
    types: DatasetTypeManager,
    expander: DataIdExpander,
    summaries: SummaryManager,
  ) {
    this.#database = database;
    this.#collections = collections;
    this.#types = types;
    this.#expander = expander;
    this.#summaries = summaries;
  }

  /** Inserts new datasets of one type into a RUN; their ids follow `mode`. */
  async insert(
    datasetType: DatasetType | string,
    dataIds: readonly DataIdInput[],
    run: string,
    mode: DatasetIdGenEnum = DatasetIdGenEnum.UNIQUE,
  ): Promise<DatasetRef[]> {
    const { record, datasetType: type } = await this.#types.resolve(datasetType);
    const runRecord = await this.#runRecord(run);
    const expanded = await this.#expander.expand(dataIds, { dimensions: type.dimensions });
    checkUniqueDataIds(type, expanded, run);
    const refs = expanded.map((dataId) => new DatasetRef(type, dataId, run, { idGenerationMode: mode }));
    await this.#writeNew(record, runRecord, refs);
    return refs;
  }

  /**
   * Inserts datasets with the ids they carry. A dataset already stored identically (same id, type,
   * run and data ID) is left alone; the same id with other content is a ConflictingDefinitionError.
   * With `expand` (the default) data IDs are checked against the dimension records.
   */
  async importRefs(refs: readonly DatasetRef[], options: { expand?: boolean } = {}): Promise<DatasetRef[]> {
    const unique = new Map<string, DatasetRef>();
    for (const ref of refs) {
      const previous = unique.get(ref.id);
      if (previous === undefined) unique.set(ref.id, ref);
      else if (!sameDataset(previous, ref)) {
        throw new ConflictingDefinitionError(
          `dataset id ${ref.id} is given twice with different content (${previous} and ${ref}); accepted: one definition per id`,
        );
      }
    }
    const groups = new Map<
      string,
      { record: DatasetTypeRecord; run: CollectionRecord; refs: DatasetRef[] }
    >();
    for (const ref of unique.values()) {
      const { record } = await this.#types.resolve(ref.datasetType);
      const runRecord = await this.#runRecord(ref.run);
      const key = `${record.id}/${runRecord.id}`;
      let group = groups.get(key);
      if (group === undefined) {
        group = { record, run: runRecord, refs: [] };
        groups.set(key, group);
      }
      group.refs.push(ref);
    }
    const result: DatasetRef[] = [];
    for (const group of groups.values()) {
      let groupRefs = group.refs;
      if (options.expand ?? true) {
        const dataIds = await this.#expander.expand(
          groupRefs.map((r) => r.dataId),
          { dimensions: group.record.datasetType.dimensions },
        );
        groupRefs = groupRefs.map((r, i) => r.withDataId(dataIds[i]!));
      }
      checkUniqueDataIds(
        group.record.datasetType,
        groupRefs.map((r) => r.dataId),
        group.run.name,
      );
      const stored = await this.fetchRefs(groupRefs.map((r) => r.id));
      const fresh: DatasetRef[] = [];
      for (const ref of groupRefs) {
        const existing = stored.get(ref.id);
        if (existing === undefined) fresh.push(ref);
        else if (!sameDataset(existing, ref)) {
          throw new ConflictingDefinitionError(
            `dataset id ${ref.id} is already stored as ${existing}, not ${ref}; accepted: a new id, or the identical dataset`,
          );
        }
        result.push(ref);
      }
      await this.#writeNew(group.record, group.run, fresh);
    }
    return result;
  }

  /** Removes datasets (and every association of them); ids not stored are ignored. */
  async remove(refs: readonly (DatasetRef | string)[]): Promise<void> {
    const ids = [...new Set(refs.map((r) => (typeof r === "string" ? normalizeUuid(r) : r.id)))];
    await this.#database.transaction(async () => {
      for (const part of chunks(ids, ID_CHUNK)) {
        const keys = this.#database.rowsTable(
          part.map((id) => [id]),
          [{ name: "id", type: { kind: "uuid" } }],
        );
        await this.#database.rows(
          sql`DELETE FROM ${sql.table(TABLES.dataset)} WHERE id IN (SELECT k.id FROM ${keys} AS k)`,
        );
      }
    });
  }

  /** The stored dataset with this id, with its full data ID, or null. */
  async get(id: string): Promise<DatasetRef | null> {
    return (await this.fetchRefs([normalizeUuid(id)])).get(normalizeUuid(id)) ?? null;
  }

  /** Stored datasets by id (ids not stored are absent), with full data IDs. */
  async fetchRefs(ids: readonly string[]): Promise<Map<string, DatasetRef>> {
    const out = new Map<string, DatasetRef>();
    const stored = await this.#fetchStored(ids);
    const byType = new Map<number, StoredDataset[]>();
    for (const s of stored.values()) {
      const list = byType.get(s.datasetTypeId);
      if (list === undefined) byType.set(s.datasetTypeId, [s]);
      else list.push(s);
    }
    for (const [typeId, list] of byType) {
      const record = await this.#types.byId(typeId);
      const group = record.datasetType.dimensions;
      const columns = dataIdColumns(group, "t");
      for (const part of chunks(list, ID_CHUNK)) {
        const keys = this.#database.rowsTable(
          part.map((s) => [s.id]),
          [{ name: "id", type: { kind: "uuid" } }],
        );
        const rows = await this.#database.rows<Record<string, unknown>>(sql`
          SELECT t.dataset_id AS __id, rc.name AS __run, ${columns.select}
          FROM ${keys} AS k
          CROSS JOIN ${sql.table(TABLES.dataset)} AS d
          CROSS JOIN ${sql.table(record.tagsTable)} AS t
          CROSS JOIN ${sql.table(TABLES.collection)} AS rc
          ${columns.joins}
          WHERE d.id = k.id AND t.dataset_id = d.id AND t.collection_id = d.run_id
            AND rc.collection_id = d.run_id`);
        for (const row of rows) {
          const id = String(row.__id);
          out.set(
            id,
            new DatasetRef(record.datasetType, dataIdFromRow(group, row), String(row.__run), { id }),
          );
        }
      }
    }
    return out;
  }

  async #fetchStored(ids: readonly string[]): Promise<Map<string, StoredDataset>> {
    const out = new Map<string, StoredDataset>();
    for (const part of chunks([...new Set(ids)], ID_CHUNK)) {
      const keys = this.#database.rowsTable(
        part.map((id) => [id]),
        [{ name: "id", type: { kind: "uuid" } }],
      );
      const rows = await this.#database.rows<{ id: unknown; dataset_type_id: unknown; run_id: unknown }>(sql`
        SELECT d.id, d.dataset_type_id, d.run_id FROM ${keys} AS k
        CROSS JOIN ${sql.table(TABLES.dataset)} AS d WHERE d.id = k.id`);
      for (const row of rows) {
        const id = String(row.id);
        out.set(id, { id, datasetTypeId: toNumber(row.dataset_type_id), runId: toNumber(row.run_id) });
      }
    }
    return out;
  }

  async #runRecord(run: string): Promise<CollectionRecord> {
    const record = await this.#collections.find(run);
    if (record.type !== CollectionType.RUN) {
      throw new CollectionTypeError(
        `datasets can only be inserted into RUN collections; '${run}' is ${record.type.name}`,
      );
    }
    return record;
  }

  /**
   * Writes dataset rows, their tags rows in the run, and the run's summary, in one transaction. The
   * rows travel as one bound relation per table (`INSERT … SELECT`), so the statement text depends only
   * on the dataset type and is prepared once, whatever the number of datasets.
   */
  async #writeNew(
    record: DatasetTypeRecord,
    run: CollectionRecord,
    refs: readonly DatasetRef[],
  ): Promise<void> {
    if (refs.length === 0) return;
    const ingestDate = timeFromDate(new Date());
    const rows = refs.map((ref) => [ref.id, ...ref.dataId.requiredValues]);
    const [datasets, tags] = this.#insertStatements(record);
    try {
      await this.#database.transaction(async () => {
        for (const part of chunks(rows, INSERT_CHUNK)) {
          // One encoding serves both statements.
          const json = rowsToJson(part);
          await this.#database.rows(datasets.bind([run.id, ingestDate, json]));
          await this.#database.rows(tags.bind([run.id, json]));
        }
        await this.#summaries.add(
          run.id,
          record.id,
          refs.map((r) => r.dataId),
        );
      });
    } catch (err) {
      if (this.#database.classifyError(err) !== "unique") throw err;
      throw await this.#describeConflict(record, run, refs, err);
    }
  }

  /**
   * The two INSERT … SELECT statements of a dataset type, compiled once: the `dataset` rows and the
   * tags rows, from one bound relation of (id, required dimension values).
   */
  #insertStatements(record: DatasetTypeRecord): readonly [StatementTemplate, StatementTemplate] {
    const make = (build: (slot: (i: number) => unknown) => RawBuilder<unknown>) =>
      StatementTemplate.compile(this.#database.db, build);
    const group = record.datasetType.dimensions;
    const columns: RowsColumn[] = [{ name: "id", type: { kind: "uuid" } }, ...requiredColumns(group)];
    const dims = group.required.map((d) => sql.id(d));
    const dimList = dims.length > 0 ? sql`, ${sql.join(dims)}` : sql``;
    const keyDims = group.required.map((d) => sql.ref(`k.${d}`));
    const keyList = keyDims.length > 0 ? sql`, ${sql.join(keyDims)}` : sql``;
    const key = `${record.id}`;
    return [
      this.#statements.get(`dataset ${key}`, () =>
        make(
          (slot) => sql`
            INSERT INTO ${sql.table(TABLES.dataset)} (id, dataset_type_id, run_id, ingest_date)
            SELECT k.id, ${record.id}, ${slot(0)}, ${slot(1)}
            FROM ${this.#database.encodedRowsTable(slot(2), columns)} AS k`,
        ),
      ),
      this.#statements.get(`tags ${key}`, () =>
        make(
          (slot) => sql`
            INSERT INTO ${sql.table(record.tagsTable)} (dataset_type_id, dataset_id, collection_id ${dimList})
            SELECT ${record.id}, k.id, ${slot(0)} ${keyList}
            FROM ${this.#database.encodedRowsTable(slot(1), columns)} AS k`,
        ),
      ),
    ];
  }

  /** Names what clashed after a unique-key failure: an id already stored, or a data ID in the run. */
  async #describeConflict(
    record: DatasetTypeRecord,
    run: CollectionRecord,
    refs: readonly DatasetRef[],
    cause: unknown,
  ): Promise<ConflictingDefinitionError> {
    const stored = await this.fetchRefs(refs.map((r) => r.id));
    const sameId = refs.find((r) => stored.has(r.id));
    if (sameId !== undefined) {
      return new ConflictingDefinitionError(
        `dataset id ${sameId.id} already exists as ${stored.get(sameId.id)}; ids from the DATAID_TYPE mode are ` +
          "the same in every run, so one data ID can be inserted once; accepted: DATAID_TYPE_RUN or UNIQUE ids",
        { cause },
      );
    }
    const group = record.datasetType.dimensions;
    const keys = this.#database.rowsTable(
      refs.map((r) => r.dataId.requiredValues),
      requiredColumns(group),
    );
    const on = group.required.map((d) => sql`${sql.ref(`t.${d}`)} = ${sql.ref(`k.${d}`)}`);
    const rows = await this.#database.rows<Record<string, unknown>>(sql`
      SELECT ${sql.join(group.required.map((d) => sql.ref(`t.${d}`)))}
      FROM ${keys} AS k CROSS JOIN ${sql.table(record.tagsTable)} AS t
      WHERE ${on.length > 0 ? sql.join(on, sql` AND `) : sql`1 = 1`}
        AND t.dataset_type_id = ${record.id} AND t.collection_id = ${run.id}
      LIMIT 1`);
    const described =
      rows.length > 0 ? dataIdFromRow(group, rows[0]!).toString() : "(a data ID of this insert)";
    return new ConflictingDefinitionError(
      `a ${record.datasetType.name} dataset with data ID ${described} already exists in RUN '${run.name}'; ` +
        "accepted: one dataset per dataset type and data ID in a run (use another run)",
      { cause },
    );
  }
}

function sameDataset(a: DatasetRef, b: DatasetRef): boolean {
  return (
    a.id === b.id &&
    a.run === b.run &&
    a.datasetType.name === b.datasetType.name &&
    a.dataId.dimensions.equals(b.dataId.dimensions) &&
    a.dataId.equals(b.dataId)
  );
}

function checkUniqueDataIds(type: DatasetType, dataIds: readonly DataCoordinate[], run: string): void {
  const seen = new Set<string>();
  for (const dataId of dataIds) {
    if (seen.has(dataId.key)) {
      throw new ConflictingDefinitionError(
        `data ID ${dataId} is given twice for dataset type ${type.name} in RUN '${run}'; accepted: one dataset per ` +
          "dataset type and data ID in a run",
      );
    }
    seen.add(dataId.key);
  }
}
