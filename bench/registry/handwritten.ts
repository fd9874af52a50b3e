/**
 * The reference for every benchmark case: the same answer from SQL written by hand for this one
 * layout, run on the same engine through the same driver. It knows the table layout (README of
 * src/registry) and nothing else: no data ID expansion, no collection search planning, no objects.
 */
import { type RawBuilder, sql } from "kysely";
import { type DatasetType, uuid7 } from "../../src/core/index.ts";
import { governorSummaryTable, type Registry, TABLES, tagsTableName } from "../../src/registry/index.ts";
import { timeFromDate } from "../../src/time/index.ts";
import { CHAIN, INSTRUMENT, type Layout } from "./layout.ts";

/** One row of an answer, as comparable text: `id run instrument visit detector band day_obs filter`. */
export type AnswerRow = string;

export class HandWritten {
  readonly #registry: Registry;
  readonly #tags: string;
  readonly #typeName: string;

  constructor(registry: Registry, datasetType: DatasetType) {
    this.#registry = registry;
    this.#tags = tagsTableName(datasetType.dimensions);
    this.#typeName = datasetType.name;
  }

  #rows(query: RawBuilder<unknown>): Promise<Record<string, unknown>[]> {
    return this.#registry.internals.database.rows(query);
  }

  async #id(query: RawBuilder<unknown>): Promise<number> {
    const [row] = await this.#rows(query);
    return Number(Object.values(row!)[0]);
  }

  #typeId(): Promise<number> {
    return this.#id(
      sql`SELECT dataset_type_id FROM ${sql.table(TABLES.datasetType)} WHERE name = ${this.#typeName}`,
    );
  }

  #chainId(): Promise<number> {
    return this.#id(sql`SELECT collection_id FROM ${sql.table(TABLES.collection)} WHERE name = ${CHAIN}`);
  }

  /**
   * Inserts the layout's datasets as the registry API does (one transaction per run: dataset rows,
   * tags rows, summary rows), with the same time-ordered (v7) UUIDs, and without checking data IDs
   * against dimension records.
   */
  async insert(layout: Layout): Promise<void> {
    const database = this.#registry.internals.database;
    const typeId = await this.#typeId();
    const runIds = new Map<string, number>();
    for (const row of await this.#rows(
      sql`SELECT collection_id, name FROM ${sql.table(TABLES.collection)}`,
    )) {
      runIds.set(String(row.name), Number(row.collection_id));
    }
    const columns = [
      { name: "id", type: { kind: "uuid" as const } },
      { name: "instrument", type: { kind: "string" as const } },
      { name: "visit", type: { kind: "int64" as const } },
      { name: "detector", type: { kind: "int64" as const } },
    ];
    for (let r = 0; r < layout.runNames.length; r++) {
      const dataIds = layout.perRun[r]!;
      if (dataIds.length === 0) continue;
      const runId = runIds.get(layout.runNames[r]!)!;
      const now = timeFromDate(new Date());
      const rows = dataIds.map((d) => [uuid7(), d.instrument, d.visit, d.detector]);
      await database.transaction(async () => {
        await database.rows(sql`
          INSERT INTO ${sql.table(TABLES.dataset)} (id, dataset_type_id, run_id, ingest_date)
          SELECT k.id, ${typeId}, ${runId}, ${now} FROM ${database.rowsTable(rows, columns)} AS k`);
        await database.rows(sql`
          INSERT INTO ${sql.table(this.#tags)} (dataset_type_id, dataset_id, collection_id, instrument, visit, detector)
          SELECT ${typeId}, k.id, ${runId}, k.instrument, k.visit, k.detector
          FROM ${database.rowsTable(rows, columns)} AS k`);
        await database.rows(sql`
          INSERT INTO ${sql.table(TABLES.summaryDatasetType)} (collection_id, dataset_type_id)
          VALUES (${runId}, ${typeId}) ON CONFLICT DO NOTHING`);
        await database.rows(sql`
          INSERT INTO ${sql.table(governorSummaryTable("instrument"))} (collection_id, instrument)
          VALUES (${runId}, ${dataIds[0]!.instrument}) ON CONFLICT DO NOTHING`);
      });
    }
  }

  /** Every (run, data ID) stored, for comparing two databases loaded with the same layout. */
  async stored(): Promise<AnswerRow[]> {
    const rows = await this.#rows(sql`
      SELECT c.name AS run, t.instrument, t.visit, t.detector
      FROM ${sql.table(TABLES.dataset)} AS d
      JOIN ${sql.table(this.#tags)} AS t ON t.dataset_id = d.id AND t.collection_id = d.run_id
      JOIN ${sql.table(TABLES.collection)} AS c ON c.collection_id = d.run_id`);
    return rows.map((r) => `${r.run} ${r.instrument} ${r.visit} ${r.detector}`);
  }

  /**
   * Find-first over the chain with ROW_NUMBER, optionally for a visit range; full data IDs come from
   * the visit and physical_filter tables.
   */
  async findFirst(visitRange?: readonly [number, number]): Promise<AnswerRow[]> {
    const typeId = await this.#typeId();
    const chainId = await this.#chainId();
    const range =
      visitRange === undefined ? sql`` : sql`AND t.visit >= ${visitRange[0]} AND t.visit < ${visitRange[1]}`;
    const rows = await this.#rows(sql`
      SELECT f.dataset_id, c.name AS run, f.instrument, f.visit, f.detector, pf.band, v.day_obs, v.physical_filter
      FROM (
        SELECT t.dataset_id, t.collection_id, t.instrument, t.visit, t.detector,
          ROW_NUMBER() OVER (PARTITION BY t.instrument, t.visit, t.detector ORDER BY cc.position) AS rn
        FROM ${sql.table(TABLES.collectionChain)} AS cc
        JOIN ${sql.table(this.#tags)} AS t ON t.collection_id = cc.child
        WHERE cc.parent = ${chainId} AND t.dataset_type_id = ${typeId} ${range}
      ) AS f
      JOIN ${sql.table(TABLES.collection)} AS c ON c.collection_id = f.collection_id
      JOIN visit AS v ON v.instrument = f.instrument AND v.id = f.visit
      JOIN physical_filter AS pf ON pf.instrument = v.instrument AND pf.name = v.physical_filter
      WHERE f.rn = 1`);
    return rows.map(
      (r) =>
        `${r.dataset_id} ${r.run} ${r.instrument} ${r.visit} ${r.detector} ${r.band} ${r.day_obs} ${r.physical_filter}`,
    );
  }

  /** Every visit × detector data ID with its implied values (no datasets involved). */
  async allDataIds(): Promise<AnswerRow[]> {
    const rows = await this.#rows(sql`
      SELECT v.instrument, v.id AS visit, d.id AS detector, pf.band, v.day_obs, v.physical_filter
      FROM visit AS v
      JOIN detector AS d ON d.instrument = v.instrument
      JOIN physical_filter AS pf ON pf.instrument = v.instrument AND pf.name = v.physical_filter`);
    return rows.map(
      (r) => `${r.instrument} ${r.visit} ${r.detector} ${r.band} ${r.day_obs} ${r.physical_filter}`,
    );
  }

  /** The distinct data IDs with a dataset in the chain, with implied values. */
  async datasetDataIds(): Promise<AnswerRow[]> {
    const typeId = await this.#typeId();
    const chainId = await this.#chainId();
    const rows = await this.#rows(sql`
      SELECT k.instrument, k.visit, k.detector, pf.band, v.day_obs, v.physical_filter
      FROM (
        SELECT DISTINCT t.instrument, t.visit, t.detector
        FROM ${sql.table(TABLES.collectionChain)} AS cc
        JOIN ${sql.table(this.#tags)} AS t ON t.collection_id = cc.child
        WHERE cc.parent = ${chainId} AND t.dataset_type_id = ${typeId}
      ) AS k
      JOIN visit AS v ON v.instrument = k.instrument AND v.id = k.visit
      JOIN physical_filter AS pf ON pf.instrument = v.instrument AND pf.name = v.physical_filter`);
    return rows.map(
      (r) => `${r.instrument} ${r.visit} ${r.detector} ${r.band} ${r.day_obs} ${r.physical_filter}`,
    );
  }

  /** A lookup function for one data ID's find-first dataset: `id run`, or null. */
  async findOne(): Promise<(visit: number, detector: number) => Promise<string | null>> {
    const typeId = await this.#typeId();
    const chainId = await this.#chainId();
    return async (visit, detector) => {
      const [row] = await this.#rows(sql`
        SELECT t.dataset_id, c.name AS run
        FROM ${sql.table(TABLES.collectionChain)} AS cc
        JOIN ${sql.table(this.#tags)} AS t ON t.collection_id = cc.child
        JOIN ${sql.table(TABLES.collection)} AS c ON c.collection_id = t.collection_id
        WHERE cc.parent = ${chainId} AND t.dataset_type_id = ${typeId}
          AND t.instrument = ${INSTRUMENT} AND t.visit = ${visit} AND t.detector = ${detector}
        ORDER BY cc.position
        LIMIT 1`);
      return row === undefined ? null : `${row.dataset_id} ${row.run}`;
    };
  }
}
