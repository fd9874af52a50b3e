import { type RawBuilder, sql } from "kysely";
import {
  CollectionType,
  DataCoordinate,
  type DataIdInput,
  DatasetRef,
  type DatasetType,
  type DimensionGroup,
  parseDataId,
  Timespan,
} from "../../core/index.ts";
import { CalibrationLookupError, InvalidArgumentError, InvalidQueryError } from "../../errors/index.ts";
import type { RegistryDatabase } from "../database.ts";
import { type RowsColumn, rowsToJson } from "../dialects/registry-dialect.ts";
import type { NameExpression } from "../name-expression.ts";
import { TABLES } from "../schema/static-tables.ts";
import { toBigInt, toNumber } from "../sql-values.ts";
import { StatementTemplate, TemplateCache } from "../statement-template.ts";
import type { CollectionManager, CollectionRecord, QueryCollectionsOptions } from "./collection-manager.ts";
import { dataIdColumns, dataIdFromRow, requiredColumns, requiredEquals } from "./data-id-columns.ts";
import type { DataIdExpander } from "./data-id-expander.ts";
import type { DatasetTypeManager, DatasetTypeRecord } from "./dataset-type-manager.ts";

export interface FindDatasetOptions {
  /**
   * The collections to search, in order; CHAINED ones are searched in their children's order.
   * Required (a butler's registry fills in the butler's default collections).
   */
  readonly collections?: NameExpression;
  /**
   * The validity time for CALIBRATION collections. Without it they are skipped; with it, a dataset
   * certified for a range that overlaps it is found (several in one collection are ambiguous).
   */
  readonly timespan?: Timespan | null;
}

export interface FindFirstDatasetsOptions {
  /** Only these data IDs (every data ID with a dataset when absent). */
  readonly dataIds?: readonly DataIdInput[];
  /** Explicitly every data ID (the default when `dataIds` is absent). */
  readonly all?: boolean;
  /** The validity time for CALIBRATION collections (skipped without it). */
  readonly timespan?: Timespan | null;
}

/** One membership of a dataset in a collection, as `queryDatasetAssociations` reports it. */
export interface DatasetAssociation {
  readonly ref: DatasetRef;
  readonly collection: string;
  /** The validity range in a CALIBRATION collection; null elsewhere. */
  readonly timespan: Timespan | null;
}

export interface QueryDatasetAssociationsOptions {
  /** Collections to look in (names, globs, RegExps); every collection when absent. */
  readonly collections?: NameExpression;
  readonly collectionTypes?: QueryCollectionsOptions["collectionTypes"];
  /** Look inside CHAINED collections that match (default false: chains themselves hold nothing). */
  readonly flattenChains?: boolean;
}

/** Searches of more collections than this look ranks up in a bound relation instead of a CASE. */
const MAX_CASE_COLLECTIONS = 2000;

/**
 * Listed data IDs are looked up one index probe per (data ID, collection) while there are at most
 * this many probes; beyond that every candidate of the searched collections is read once and kept
 * when its data ID is listed.
 */
const MAX_KEY_PROBES = 200_000;

/** Where a search's candidate rows come from (see DatasetSearch.#candidates). */
type CandidateSource =
  | { readonly kind: "all" }
  | { readonly kind: "keys"; readonly keys: RawBuilder<unknown>; readonly count: number }
  | { readonly kind: "values"; readonly values: readonly unknown[] };

/** The prepared pieces of a find-first search: the type, the ordered collections, the calibration time. */
interface SearchPlan {
  readonly searched: SearchOrder;
  readonly order: readonly CollectionRecord[];
  readonly allRuns: boolean;
  readonly record: DatasetTypeRecord;
  readonly datasetType: DatasetType;
  readonly group: DimensionGroup;
  readonly timespan: Timespan | null;
  readonly calibrations: boolean;
}

/** The collections a search reads, in order, and what statements derive from them. */
interface SearchOrder {
  readonly order: readonly CollectionRecord[];
  /** Every searched collection is a RUN (a row's collection is then its dataset's run). */
  readonly allRuns: boolean;
  /** The `ranks` relation's rows, encoded once (see `#ranksJson`). */
  ranksJson?: string;
}

const RANK_COLUMNS: readonly RowsColumn[] = [
  { name: "collection_id", type: { kind: "int64" } },
  { name: "rank", type: { kind: "int64" } },
];

/** A validity time as the bound values (or template slots) a statement compares with. */
interface SpanBounds {
  readonly begin: unknown;
  readonly end: unknown;
}

/**
 * Find-first searches. Each is one SQL statement: the collections' search ranks travel as a bound
 * relation (`ranks`), the candidate datasets of every collection are joined to it, and the first
 * rank wins — `ORDER BY rank LIMIT 2` for one data ID, `ROW_NUMBER() OVER (PARTITION BY data ID
 * ORDER BY rank)` for many. CALIBRATION collections contribute only with a timespan, through their
 * validity ranges; two ranges of one collection that both overlap it are an ambiguity error.
 */
export class DatasetSearch {
  readonly #database: RegistryDatabase;
  readonly #collections: CollectionManager;
  readonly #types: DatasetTypeManager;
  readonly #expander: DataIdExpander;
  readonly #statements = new TemplateCache();
  /** Search orders without and with CALIBRATION collections, by the collection manager's cached order. */
  readonly #orders = new WeakMap<readonly CollectionRecord[], [SearchOrder?, SearchOrder?]>();

  constructor(
    database: RegistryDatabase,
    collections: CollectionManager,
    types: DatasetTypeManager,
    expander: DataIdExpander,
  ) {
    this.#database = database;
    this.#collections = collections;
    this.#types = types;
    this.#expander = expander;
  }

  /** The first dataset of the type and data ID in the collections' search order, or null. */
  async findDataset(
    datasetType: DatasetType | string,
    dataId: DataIdInput,
    options: FindDatasetOptions,
  ): Promise<DatasetRef | null> {
    if (options.collections === undefined) {
      throw new InvalidQueryError(
        "findDataset needs collections to search; accepted: collection names, in search order",
      );
    }
    const plan = await this.#plan(datasetType, options.collections, options.timespan ?? null);
    const [standard] = await this.#standardize(plan.group, [dataId]);
    if (plan.order.length === 0) return null;
    const values = standard!.requiredValues;
    const chain = plan.calibrations ? null : await this.#collections.flatChain(options.collections);
    let rows: Record<string, unknown>[];
    if (chain !== null) {
      rows = await this.#database.rows(this.#chainFindStatement(plan).bind([chain.id, ...values]));
    } else {
      const bound: unknown[] = [this.#ranksJson(plan), ...values];
      if (plan.calibrations) bound.push(plan.timespan!.beginNs, plan.timespan!.endNs);
      rows = await this.#database.rows(this.#findStatement(plan).bind(bound));
    }
    if (rows.length === 0) return null;
    const [first, second] = rows;
    if (second !== undefined && toNumber(second.__rank) === toNumber(first!.__rank)) {
      throw ambiguous(plan, toNumber(first!.__rank), standard!.toString());
    }
    return this.#ref(plan, first!);
  }

  /**
   * One data ID's statement when the chain's own rows rank the candidates (a flat chain, no validity
   * time): binds the chain and the data ID. One collection holds at most one dataset of a type and
   * data ID, so the first row is the answer.
   */
  #chainFindStatement(plan: SearchPlan): StatementTemplate {
    const key = `chain ${plan.record.id} ${plan.allRuns}`;
    return this.#statements.get(key, () =>
      StatementTemplate.compile(this.#database.db, (slot) => {
        const values = plan.group.required.map((_, i) => slot(1 + i));
        return this.#findOne(plan, sql``, this.#chainCandidates(plan, slot(0), values), 1);
      }),
    );
  }

  /**
   * One data ID's statement with the ranks bound (`WITH ranks`): binds the ranks, the data ID and,
   * when calibrations are searched, the validity time. Two rows of one rank are an ambiguity.
   */
  #findStatement(plan: SearchPlan): StatementTemplate {
    const key = `ranks ${plan.record.id} ${plan.allRuns} ${plan.calibrations}`;
    return this.#statements.get(key, () =>
      StatementTemplate.compile(this.#database.db, (slot) => {
        const n = plan.group.required.length;
        const values = plan.group.required.map((_, i) => slot(1 + i));
        const source: CandidateSource = { kind: "values", values };
        const span = plan.calibrations ? { begin: slot(1 + n), end: slot(2 + n) } : null;
        const ranks = sql`WITH ranks AS ${this.#database.encodedRowsTable(slot(0), RANK_COLUMNS)}`;
        return this.#findOne(plan, ranks, this.#candidates(plan, source, span), 2);
      }),
    );
  }

  #findOne(
    plan: SearchPlan,
    ranks: RawBuilder<unknown>,
    from: RawBuilder<unknown>,
    limit: number,
  ): RawBuilder<unknown> {
    const columns = dataIdColumns(plan.group, "u");
    const run = this.#runJoin(plan, "u");
    return sql`
      ${ranks}
      SELECT u.dataset_id AS __id, u.rank AS __rank, rc.name AS __run, ${columns.select}
      FROM (${from}) AS u
      ${run.from}
      ${columns.joins}
      WHERE u.rank IS NOT NULL AND ${run.where}
      ORDER BY u.rank
      LIMIT ${sql.lit(limit)}`;
  }

  /**
   * The find-first dataset for every data ID (or for the given ones) in one statement. Data IDs with
   * no dataset in any collection are simply absent from the result.
   */
  async findFirstDatasets(
    datasetType: DatasetType | string,
    collections: NameExpression,
    options: FindFirstDatasetsOptions = {},
  ): Promise<DatasetRef[]> {
    const plan = await this.#plan(datasetType, collections, options.timespan ?? null);
    if (plan.order.length === 0) return [];
    let source: CandidateSource = { kind: "all" };
    if (options.dataIds !== undefined && options.all !== true) {
      const dataIds = await this.#standardize(plan.group, options.dataIds);
      if (dataIds.length === 0) return [];
      if (plan.group.required.length > 0) {
        const keys = this.#database.rowsTable(
          dataIds.map((d) => d.requiredValues),
          requiredColumns(plan.group),
        );
        source = { kind: "keys", keys, count: dataIds.length };
      }
    }
    const dims = plan.group.required.map((d) => sql.ref(`u.${d}`));
    const partition = dims.length > 0 ? sql`PARTITION BY ${sql.join(dims)}` : sql``;
    // Ties within one collection are possible only among calibration validity ranges.
    const tied = plan.calibrations
      ? sql`COUNT(*) OVER (PARTITION BY ${sql.join([...dims, sql.ref("u.rank")])})`
      : sql`1`;
    const columns = dataIdColumns(plan.group, "f");
    const run = this.#runJoin(plan, "f");
    const rows = await this.#database.rows<Record<string, unknown>>(sql`
      ${this.#with(plan, source)}
      SELECT f.dataset_id AS __id, f.rank AS __rank, f.__tied, rc.name AS __run, ${columns.select}
      FROM (
        SELECT u.*, ROW_NUMBER() OVER (${partition} ORDER BY u.rank) AS __rn, ${tied} AS __tied
        FROM (${this.#candidates(plan, source)}) AS u
        WHERE u.rank IS NOT NULL
      ) AS f
      ${run.from}
      ${columns.joins}
      WHERE f.__rn = 1 AND ${run.where}`);
    return rows.map((row) => {
      if (toNumber(row.__tied) > 1) {
        throw ambiguous(plan, toNumber(row.__rank), dataIdFromRow(plan.group, row).toString());
      }
      return this.#ref(plan, row);
    });
  }

  /** Every membership of datasets of a type in the matching collections. */
  async queryDatasetAssociations(
    datasetType: DatasetType | string,
    options: QueryDatasetAssociationsOptions = {},
  ): Promise<DatasetAssociation[]> {
    const { record, datasetType: type } = await this.#types.resolve(datasetType, {
      allowStorageClassOverride: true,
    });
    const names = await this.#collections.query(options.collections, {
      ...(options.collectionTypes !== undefined ? { collectionTypes: options.collectionTypes } : {}),
      flattenChains: options.flattenChains ?? false,
      includeChains: false,
    });
    const records = (await this.#collections.findMany(names)).filter(
      (r) => r.type !== CollectionType.CHAINED,
    );
    if (records.length === 0) return [];
    const group = type.dimensions;
    const ranks = this.#database.rowsTable(
      records.map((r, i) => [r.id, i]),
      RANK_COLUMNS,
    );
    const dims = group.required.map((d) => sql.ref(`x.${d}`));
    const dimList = dims.length > 0 ? sql`, ${sql.join(dims)}` : sql``;
    const calibBranch =
      record.calibsTable === null
        ? sql``
        : sql`UNION ALL
          SELECT x.dataset_id, x.collection_id, r.rank, x.timespan_begin, x.timespan_end ${dimList}
          FROM ranks AS r CROSS JOIN ${sql.table(record.calibsTable)} AS x
          WHERE x.collection_id = r.collection_id AND x.dataset_type_id = ${record.id}`;
    const columns = dataIdColumns(group, "u");
    const rows = await this.#database.rows<Record<string, unknown>>(sql`
      WITH ranks AS ${ranks}
      SELECT u.dataset_id AS __id, u.collection_id AS __collection, u.timespan_begin AS __begin,
        u.timespan_end AS __end, rc.name AS __run, ${columns.select}
      FROM (
        SELECT x.dataset_id, x.collection_id, r.rank, NULL AS timespan_begin, NULL AS timespan_end ${dimList}
        FROM ranks AS r CROSS JOIN ${sql.table(record.tagsTable)} AS x
        WHERE x.collection_id = r.collection_id AND x.dataset_type_id = ${record.id}
        ${calibBranch}
      ) AS u
      CROSS JOIN ${sql.table(TABLES.dataset)} AS d
      CROSS JOIN ${sql.table(TABLES.collection)} AS rc
      ${columns.joins}
      WHERE d.id = u.dataset_id AND rc.collection_id = d.run_id
      ORDER BY u.rank, u.timespan_begin`);
    const byId = new Map(records.map((r) => [r.id, r.name]));
    return rows.map((row) => {
      const id = String(row.__id);
      const ref = new DatasetRef(type, dataIdFromRow(group, row), String(row.__run), { id });
      const timespan =
        row.__begin === null || row.__begin === undefined
          ? null
          : Timespan.fromDatabase(toBigInt(row.__begin), toBigInt(row.__end));
      return { ref, collection: byId.get(toNumber(row.__collection))!, timespan };
    });
  }

  async #plan(
    datasetType: DatasetType | string,
    collections: NameExpression,
    timespan: Timespan | null,
  ): Promise<SearchPlan> {
    if (timespan !== null && !(timespan instanceof Timespan)) {
      throw new InvalidArgumentError("timespan must be a Timespan (or null)");
    }
    const { record, datasetType: type } = await this.#types.resolve(datasetType, {
      allowStorageClassOverride: true,
    });
    const calibrations = timespan !== null && record.calibsTable !== null;
    const searched = this.#searchOrder(await this.#collections.cachedSearchOrder(collections), calibrations);
    const { order, allRuns } = searched;
    return {
      searched,
      order,
      allRuns,
      record,
      datasetType: type,
      group: type.dimensions,
      timespan,
      calibrations,
    };
  }

  /** The collections searched, CALIBRATION ones only with a validity time; kept as long as `all` is. */
  #searchOrder(all: readonly CollectionRecord[], calibrations: boolean): SearchOrder {
    let derived = this.#orders.get(all);
    if (derived === undefined) {
      derived = [];
      this.#orders.set(all, derived);
    }
    const slot = calibrations ? 1 : 0;
    let searched = derived[slot];
    if (searched === undefined) {
      const order = all.filter((c) => c.type !== CollectionType.CALIBRATION || calibrations);
      searched = { order, allRuns: order.every((c) => c.type === CollectionType.RUN) };
      derived[slot] = searched;
    }
    return searched;
  }

  /** The `ranks` relation's rows (collection id, position) as its one bound value. */
  #ranksJson(plan: SearchPlan): string {
    plan.searched.ranksJson ??= rowsToJson(plan.order.map((c, i) => [c.id, i]));
    return plan.searched.ranksJson;
  }

  /**
   * Joins `rc`, the RUN of each candidate row. When every searched collection is a RUN, a row's
   * collection is its dataset's run, so the lookup in `dataset` is skipped.
   */
  #runJoin(plan: SearchPlan, alias: string): { from: RawBuilder<unknown>; where: RawBuilder<unknown> } {
    const candidate = sql.id(alias);
    const collection = sql.table(TABLES.collection);
    if (plan.allRuns) {
      return {
        from: sql`CROSS JOIN ${collection} AS rc`,
        where: sql`rc.collection_id = ${candidate}.collection_id`,
      };
    }
    return {
      from: sql`CROSS JOIN ${sql.table(TABLES.dataset)} AS d CROSS JOIN ${collection} AS rc`,
      where: sql`d.id = ${candidate}.dataset_id AND rc.collection_id = d.run_id`,
    };
  }

  /** Whether the candidates are read collection by collection from the `ranks` relation. */
  #drivenByRanks(plan: SearchPlan, source: CandidateSource): boolean {
    // One data ID: probing each searched collection from the bound ranks keeps the statement small
    // (one parameter), so building and preparing it costs little next to the probes themselves.
    if (source.kind !== "keys" || plan.order.length > MAX_CASE_COLLECTIONS) return true;
    return source.count * plan.order.length > MAX_KEY_PROBES;
  }

  /** `WITH ranks AS (…)`: (collection_id, rank) for each collection in order, when the candidates are driven from it. */
  #with(plan: SearchPlan, source: CandidateSource): RawBuilder<unknown> {
    if (!this.#drivenByRanks(plan, source)) return sql``;
    return sql`WITH ranks AS ${this.#database.encodedRowsTable(this.#ranksJson(plan), RANK_COLUMNS)}`;
  }

  /**
   * The rank of a row's collection: `CASE x.collection_id WHEN ? THEN 0 … END` (NULL for collections
   * not searched). Ranks are positions this code makes, written as literals; collection ids are bound.
   */
  #rank(plan: SearchPlan, alias: string): RawBuilder<unknown> {
    const whens = plan.order.map((c, i) => sql`WHEN ${c.id} THEN ${sql.lit(i)}`);
    return sql`CASE ${sql.ref(`${alias}.collection_id`)} ${sql.join(whens, sql` `)} END`;
  }

  /**
   * Candidate rows (dataset_id, rank, required dimension columns) from the tags table and, with a
   * time, the calibs table; rank is NULL for rows outside the searched collections. The tables'
   * keys lead with (collection_id, dataset_type_id), so every branch reaches rows through the
   * searched collections. The relation driving each branch comes first and is joined with CROSS
   * JOIN, which SQLite keeps as the outer loop (its planner has no statistics for bound relations)
   * and PostgreSQL plans freely:
   * - all data IDs: the ranks drive, reading each collection's rows of the type;
   * - listed data IDs, few probes: the keys drive, probing each searched collection (`IN (…)`);
   * - listed data IDs, many probes: as for all data IDs, keeping rows whose data ID is listed;
   * - one data ID: the ranks drive, its values probe each searched collection.
   */
  #candidates(
    plan: SearchPlan,
    source: CandidateSource,
    span: SpanBounds | null = plan.timespan === null
      ? null
      : { begin: plan.timespan.beginNs, end: plan.timespan.endNs },
  ): RawBuilder<unknown> {
    const byRanks = this.#drivenByRanks(plan, source);
    const ids = plan.order.map((c) => c.id);
    const branch = (table: string, alias: string, extra: RawBuilder<unknown>): RawBuilder<unknown> => {
      const refs = plan.group.required.map((d) => sql.ref(`${alias}.${d}`));
      const dims = refs.length > 0 ? sql`, ${sql.join(refs)}` : sql``;
      const x = sql.id(alias);
      const type = sql`${sql.ref(`${alias}.dataset_type_id`)} = ${plan.record.id}`;
      const collection = sql.ref(`${alias}.collection_id`);
      let dataId = sql``;
      if (source.kind === "values") {
        const equal = refs.map((ref, i) => sql`AND ${ref} = ${source.values[i]}`);
        dataId = sql.join(equal, sql` `);
      } else if (source.kind === "keys" && byRanks) {
        const listed = plan.group.required.map((d) => sql.ref(`k.${d}`));
        dataId = sql`AND (${sql.join(refs)}) IN (SELECT ${sql.join(listed)} FROM ${source.keys} AS k)`;
      } else if (source.kind === "keys") {
        dataId = sql`AND ${requiredEquals(plan.group, "k", alias)}`;
      }
      if (byRanks) {
        return sql`SELECT ${x}.dataset_id, ${collection} AS collection_id, r.rank ${dims}
          FROM ranks AS r CROSS JOIN ${sql.table(table)} AS ${x}
          WHERE ${collection} = r.collection_id AND ${type} ${dataId} ${extra}`;
      }
      const from = source.kind === "keys" ? sql`${source.keys} AS k CROSS JOIN ` : sql``;
      return sql`SELECT ${x}.dataset_id, ${collection} AS collection_id, ${this.#rank(plan, alias)} AS rank ${dims}
        FROM ${from}${sql.table(table)} AS ${x}
        WHERE ${collection} IN (${sql.join(ids)}) AND ${type} ${dataId} ${extra}`;
    };
    const tags = branch(plan.record.tagsTable, "t", sql``);
    if (!plan.calibrations) return tags;
    const overlaps = sql`AND c.timespan_begin < ${span!.end} AND ${span!.begin} < c.timespan_end`;
    return sql`${tags} UNION ALL ${branch(plan.record.calibsTable!, "c", overlaps)}`;
  }

  /**
   * One data ID's candidates in a flat chain, ranked by the chain's own positions: the chain's rows
   * drive the probes, so the statement binds the data ID and the chain instead of every rank.
   * Calibration children hold nothing in the tags table, as the search skips them without a time.
   * One collection holds at most one dataset of a type and data ID, so the first row is the answer.
   */
  #chainCandidates(plan: SearchPlan, chainId: unknown, values: readonly unknown[]): RawBuilder<unknown> {
    const refs = plan.group.required.map((d) => sql.ref(`t.${d}`));
    const dims = refs.length > 0 ? sql`, ${sql.join(refs)}` : sql``;
    const equal = refs.map((ref, i) => sql`AND ${ref} = ${values[i]}`);
    return sql`SELECT t.dataset_id, t.collection_id, cc.position AS rank ${dims}
      FROM ${sql.table(TABLES.collectionChain)} AS cc CROSS JOIN ${sql.table(plan.record.tagsTable)} AS t
      WHERE cc.parent = ${chainId} AND t.collection_id = cc.child
        AND t.dataset_type_id = ${plan.record.id} ${sql.join(equal, sql` `)}`;
  }

  /** Data IDs for a search: plain values need no query; alternate keys go through the expander. */
  async #standardize(group: DimensionGroup, inputs: readonly DataIdInput[]): Promise<DataCoordinate[]> {
    const parsed = inputs.map((input) => parseDataId(input, { dimensions: group }));
    if (parsed.every((p) => p.constraints.length === 0))
      return parsed.map((p) => DataCoordinate.fromParsed(p));
    return this.#expander.expand(inputs, { dimensions: group });
  }

  #ref(plan: SearchPlan, row: Readonly<Record<string, unknown>>): DatasetRef {
    const id = String(row.__id);
    return new DatasetRef(plan.datasetType, dataIdFromRow(plan.group, row), String(row.__run), { id });
  }
}

function ambiguous(plan: SearchPlan, rank: number, dataId: string): CalibrationLookupError {
  const collection = plan.order[rank]?.name ?? "?";
  return new CalibrationLookupError(
    plan.datasetType.name,
    collection,
    `several ${plan.datasetType.name} datasets for ${dataId} in CALIBRATION collection '${collection}' are valid ` +
      `during ${plan.timespan}; accepted: a timespan that overlaps exactly one validity range`,
  );
}
