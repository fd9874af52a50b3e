import { type RawBuilder, sql } from "kysely";
import {
  CollectionType,
  type DataCoordinate,
  DatasetRef,
  DatasetType,
  type DimensionElement,
  type DimensionGroup,
  type DimensionRecord,
  type DimensionUniverse,
  Timespan,
} from "../../core/index.ts";
import { DataIdValueError, EmptyQueryResultError, InvalidQueryError } from "../../errors/index.ts";
import type { RegistryDatabase } from "../database.ts";
import type { CollectionManager, CollectionRecord } from "../managers/collection-manager.ts";
import { dataIdColumns, dataIdFromRow } from "../managers/data-id-columns.ts";
import type { DatasetTypeManager } from "../managers/dataset-type-manager.ts";
import { recordFromRow } from "../managers/dimension-rows.ts";
import type { HeaderIndexManager, HeaderKeyRecord } from "../managers/header-index-manager.ts";
import { type NameExpression, parseNameExpression } from "../name-expression.ts";
import { toNumber } from "../sql-values.ts";
import { explainEmptyResult } from "./explain-empty.ts";
import { mentionsHeaders } from "./header-columns.ts";
import { HeaderQueryRow, headerAttachment } from "./header-rows.ts";
import { collectPages, limitClause, PageSlicer, type RowReader, rowReader } from "./paging.ts";
import { type DatasetSearchSpec, parseWhere, type QueryPlan, QueryPlanner } from "./plan.ts";
import {
  checkNoNul,
  type DatasetConstrainedOptions,
  type DimensionsInput,
  type QueryDatasetsOptions,
  type QueryDimensionRecordsOptions,
  type QueryOptions,
} from "./query-options.ts";
import { runNameJoin, withRun } from "./run-names.ts";
import { regionSelection, regionsOverlap } from "./spatial.ts";
import { conjuncts } from "./where-scope.ts";

/**
 * The registry's general queries: data IDs, datasets and dimension records constrained by a `where`
 * expression, a data ID, dataset searches and sky regions — each one SQL statement (plus an exact
 * region test in code when regions are involved).
 */
export class QueryEngine {
  readonly #database: RegistryDatabase;
  readonly #universe: DimensionUniverse;
  readonly #collections: CollectionManager;
  readonly #types: DatasetTypeManager;
  readonly #planner: QueryPlanner;
  readonly #headers: HeaderIndexManager | undefined;

  constructor(
    database: RegistryDatabase,
    universe: DimensionUniverse,
    collections: CollectionManager,
    types: DatasetTypeManager,
    headers?: HeaderIndexManager,
  ) {
    this.#database = database;
    this.#headers = headers;
    this.#universe = universe;
    this.#collections = collections;
    this.#types = types;
    this.#planner = new QueryPlanner(database, universe);
  }

  /** Data IDs of `dimensions` that satisfy every constraint. */
  queryDataIds(
    dimensions: DimensionsInput,
    options: DatasetConstrainedOptions = {},
  ): Promise<DataCoordinate[]> {
    return collectPages(this.dataIdPages(dimensions, options));
  }

  /** Datasets of the types in the collections that satisfy every constraint. */
  queryDatasets(
    datasetType: NameExpression | DatasetType | readonly DatasetType[],
    options: QueryDatasetsOptions,
  ): Promise<DatasetRef[]> {
    return collectPages(this.datasetPages(datasetType, options));
  }

  /** Records of `element` whose data IDs satisfy every constraint. */
  queryDimensionRecords(
    element: string | DimensionElement,
    options: QueryDimensionRecordsOptions = {},
  ): Promise<DimensionRecord[]> {
    return collectPages(this.dimensionRecordPages(element, options));
  }

  /**
   * `queryDataIds`' results, at most `pageSize` at a time from a database cursor (the whole result as
   * one page when `pageSize` is absent).
   */
  async *dataIdPages(
    dimensions: DimensionsInput,
    options: DatasetConstrainedOptions = {},
    pageSize?: number,
  ): AsyncGenerator<DataCoordinate[]> {
    await this.#checkGovernors(options);
    const requested = this.#universe.conform(typeof dimensions === "string" ? [dimensions] : dimensions);
    const searches = await this.#constraintSearches(options);
    options = await this.#withHeaderKeys(options, searches);
    let found = 0;
    for await (const page of this.#dataIds(
      requested,
      searches,
      options,
      rowReader(this.#database, pageSize),
    )) {
      found += page.length;
      yield page;
    }
    if (found === 0 && options.explain === true) {
      throw new EmptyQueryResultError(
        `the data ID query for ${requested}`,
        await this.#explain(requested, searches, options, []),
      );
    }
  }

  /** `queryDatasets`' results, at most `pageSize` at a time (see `dataIdPages`). */
  async *datasetPages(
    datasetType: NameExpression | DatasetType | readonly DatasetType[],
    options: QueryDatasetsOptions,
    pageSize?: number,
  ): AsyncGenerator<DatasetRef[]> {
    if (options.collections === undefined) {
      throw new InvalidQueryError(
        "queryDatasets needs collections to search; accepted: names, globs or RegExps",
      );
    }
    const collections = options.collections;
    await this.#checkGovernors(options);
    const types = await this.#resolveTypes(datasetType);
    if (mentionsHeaders(options.where, options.orderBy)) {
      // Each type is searched alone, so its own keys are the ones a name can mean.
      options = {
        ...options,
        headerKeys: await this.#loadHeaderKeys(types.map((t) => t.name)),
      } as QueryDatasetsOptions;
    }
    const read = rowReader(this.#database, pageSize);
    const searches: DatasetSearchSpec[] = [];
    // Each type's statement has the limit and offset; across several types they apply again in code.
    const slicer = types.length > 1 ? new PageSlicer(options) : undefined;
    let found = 0;
    for (const type of types) {
      const search = await this.#search(
        type,
        collections,
        options.findFirst ?? false,
        options.timespan ?? null,
      );
      searches.push(search);
      if (slicer?.done) continue;
      for await (const page of this.#datasets(search, options, read)) {
        const kept = slicer === undefined ? page : slicer.take(page);
        found += kept.length;
        if (kept.length > 0) yield kept;
        if (slicer?.done) break;
      }
    }
    if (found === 0 && options.explain === true) {
      const reasons: string[] = [];
      for (const search of searches) {
        reasons.push(...(await this.#explain(search.datasetType.dimensions, [search], options, [])));
      }
      throw new EmptyQueryResultError(
        `the dataset query for ${types.map((t) => t.name).join(", ")}`,
        reasons,
      );
    }
  }

  /** Datasets of one type with the values of its indexed `keys`, read in the statement that finds them. */
  async queryDatasetHeaders(
    type: DatasetType,
    options: QueryDatasetsOptions,
    keys: readonly HeaderKeyRecord[],
  ): Promise<HeaderQueryRow[]> {
    await this.#checkGovernors(options);
    if (mentionsHeaders(options.where, options.orderBy)) {
      options = { ...options, headerKeys: await this.#loadHeaderKeys([type.name]) } as QueryDatasetsOptions;
    }
    const { collections, findFirst, timespan } = options;
    const search = await this.#search(type, collections!, findFirst ?? false, timespan ?? null);
    const out: HeaderQueryRow[] = [];
    for await (const rows of this.#datasetRows(search, options, rowReader(this.#database), keys)) {
      for (const row of rows) out.push(new HeaderQueryRow(type, row, keys));
    }
    return out;
  }

  /** `queryDimensionRecords`' results, at most `pageSize` at a time (see `dataIdPages`). */
  async *dimensionRecordPages(
    element: string | DimensionElement,
    options: QueryDimensionRecordsOptions = {},
    pageSize?: number,
  ): AsyncGenerator<DimensionRecord[]> {
    const target = typeof element === "string" ? this.#universe.getElement(element) : element;
    if (!target.hasOwnTable && target.impliedUnionTarget === null) {
      throw new InvalidQueryError(
        `${target.name} has no stored records (sky pixel records are computed); accepted: elements with tables`,
      );
    }
    await this.#checkGovernors(options);
    const searches = await this.#constraintSearches(options);
    options = await this.#withHeaderKeys(options, searches);
    let found = 0;
    for await (const page of this.#records(target, searches, options, rowReader(this.#database, pageSize))) {
      found += page.length;
      yield page;
    }
    if (found === 0 && options.explain === true) {
      throw new EmptyQueryResultError(
        `the ${target.name} record query`,
        await this.#explain(target.minimalGroup, searches, options, target.hasOwnTable ? [target.name] : []),
      );
    }
  }

  /** `options` with the searched types' indexed header keys when the query names header values. */
  async #withHeaderKeys<T extends QueryOptions>(
    options: T,
    searches: readonly DatasetSearchSpec[],
  ): Promise<T> {
    if (!mentionsHeaders(options.where, options.orderBy)) return options;
    return { ...options, headerKeys: await this.#loadHeaderKeys(searches.map((s) => s.datasetType.name)) };
  }

  async #loadHeaderKeys(types: readonly string[]): Promise<Map<string, readonly HeaderKeyRecord[]>> {
    const out = new Map<string, readonly HeaderKeyRecord[]>();
    if (this.#headers === undefined) return out;
    // Read afresh: another process may have indexed keys since this one cached them.
    this.#headers.refresh();
    for (const type of types) out.set(type, await this.#headers.keys(type));
    return out;
  }

  /**
   * Governor values (instrument, skymap) given in the data ID or as top-level `governor = value` terms
   * of `where` must exist: an unknown one is a DataIdValueError, as in daf_butler, not an empty result.
   */
  async #checkGovernors(options: QueryOptions): Promise<void> {
    checkNoNul(options);
    const given = new Map<string, Set<string>>();
    const add = (governor: string, value: unknown) => {
      if (typeof value !== "string") return;
      if (!given.has(governor)) given.set(governor, new Set());
      given.get(governor)!.add(value);
    };
    const isGovernor = (name: string) =>
      this.#universe.hasDimension(name) && this.#universe.getElement(name).isGovernor;
    for (const [d, value] of this.#planner.parseDataId(options.dataId)?.values ?? [])
      if (isGovernor(d)) add(d, value);
    const where = parseWhere(options.where);
    const bind = options.bind ?? {};
    for (const term of where === undefined ? [] : conjuncts(where)) {
      if (term.kind !== "binary" || term.op !== "=") continue;
      for (const [name, value] of [
        [term.left, term.right],
        [term.right, term.left],
      ] as const) {
        if (name.kind !== "identifier" || name.parts.length !== 1 || !isGovernor(name.parts[0]!)) continue;
        if (value.kind === "string") add(name.parts[0]!, value.value);
        else if (value.kind === "bind") add(name.parts[0]!, bind[value.name]);
        else if (
          value.kind === "identifier" &&
          value.parts.length === 1 &&
          Object.hasOwn(bind, value.parts[0]!) &&
          !this.#universe.hasDimension(value.parts[0]!)
        ) {
          add(name.parts[0]!, bind[value.parts[0]!]);
        }
      }
    }
    for (const [governor, values] of given) {
      const element = this.#universe.getElement(governor);
      const key = element.recordFields.find((f) => f.role === "key")!.name;
      const rows = await this.#database.rows<{ v: unknown }>(
        sql`SELECT ${sql.ref(key)} AS v FROM ${sql.table(governor)} WHERE ${sql.ref(key)} IN (${sql.join([...values])})`,
      );
      const known = new Set(rows.map((r) => String(r.v)));
      const unknownValues = [...values].filter((v) => !known.has(v));
      if (unknownValues.length > 0) {
        throw new DataIdValueError(
          governor,
          `unknown value(s) for governor dimension ${governor}: ${unknownValues.map((v) => JSON.stringify(v)).join(", ")}`,
        );
      }
    }
  }

  // --- the three statements ---------------------------------------------------------------------

  async *#dataIds(
    requested: DimensionGroup,
    searches: readonly DatasetSearchSpec[],
    options: QueryOptions,
    read: RowReader,
    exactRegions = true,
  ): AsyncGenerator<DataCoordinate[]> {
    if (searches.some((s) => s.collections.length === 0)) return;
    const plan = this.#planner.plan({ ...options, dimensions: requested, searches });
    const keys = requested.dataCoordinateKeys.map((d) => sql`${plan.joins.key(d)} AS ${sql.id(d)}`);
    // No dimensions: one empty data ID when anything matches (SELECT needs a column).
    if (keys.length === 0) keys.push(sql`1 AS __one`);
    for await (const rows of this.#run(plan, keys, options, read, undefined, true, exactRegions)) {
      yield rows.map((row) => dataIdFromRow(requested, row));
    }
  }

  async *#datasets(
    search: DatasetSearchSpec,
    options: QueryOptions,
    read: RowReader,
  ): AsyncGenerator<DatasetRef[]> {
    const group = search.datasetType.dimensions;
    const toRef = (row: Record<string, unknown>) =>
      new DatasetRef(search.datasetType, dataIdFromRow(group, row), String(row.__run), {
        id: String(row.__id),
      });
    for await (const rows of this.#datasetRows(search, options, read)) yield rows.map(toRef);
  }

  /** A search's rows (`__id`, `__run`, data ID columns), with `headers`' values (`header-rows.ts`). */
  async *#datasetRows(
    search: DatasetSearchSpec,
    options: QueryOptions,
    read: RowReader,
    headers?: readonly HeaderKeyRecord[],
  ): AsyncGenerator<Record<string, unknown>[]> {
    if (search.collections.length === 0) return;
    const attach = headerAttachment(this.#database.dialect, headers);
    const group = search.datasetType.dimensions;
    const plan = this.#planner.plan({
      ...options,
      dimensions: group,
      searches: [search],
      neededLookupsOnly: search.findFirst,
    });
    const id = sql`ds0.dataset_id AS __id`;
    const allRuns = search.collections.every((c) => c.type === CollectionType.RUN);
    if (!search.findFirst) {
      const keys = group.dataCoordinateKeys.map((d) => sql`${plan.joins.key(d)} AS ${sql.id(d)}`);
      // Over RUNs alone a row's collection is its run, and with nothing else joined no dataset comes
      // twice (no DISTINCT).
      const select = allRuns ? [id, sql`ds0.collection_id AS __collection`, ...keys] : [id, ...keys];
      const distinct = !(allRuns && plan.joins.singleRelation);
      yield* this.#run(plan, select, options, read, (inner) => withRun(inner, attach, allRuns), distinct);
    } else {
      // Only the required values inside the window; implied ones are looked up for the winners.
      const keys = group.required.map((d) => sql`${plan.joins.key(d)} AS ${sql.id(d)}`);
      const columns = dataIdColumns(group, "f");
      const carried = [
        ...plan.order.map((_, i) => sql.ref(`f.__o${i}`)),
        ...[...plan.regionColumns.values()].map((alias) => sql.ref(`f.${alias}`)),
      ];
      const extra = carried.length > 0 ? sql`, ${sql.join(carried)}` : sql``;
      const dimensionColumns = group.dataCoordinateKeys.length > 0 ? sql`, ${columns.select}` : sql``;
      const run = runNameJoin("f", allRuns);
      const winners = (inner: RawBuilder<unknown>) => sql`
        SELECT f.__id, f.__rank, f.__tied ${extra}, rc.name AS __run${dimensionColumns}${attach.columns}
        FROM (${inner}) AS f ${run.joins}
        ${columns.joins} ${attach.join("f")}
        WHERE f.__rn = 1 AND ${run.condition}`;
      const partition = group.required.map((d) => plan.joins.key(d));
      const by = partition.length > 0 ? sql`PARTITION BY ${sql.join(partition)}` : sql``;
      const tied = search.collections.some((c) => c.type === CollectionType.CALIBRATION)
        ? sql`COUNT(*) OVER (PARTITION BY ${sql.join([...partition, sql.ref("ds0.rank")])})`
        : sql`1`;
      const window = [
        id,
        sql`ds0.rank AS __rank`,
        sql`ROW_NUMBER() OVER (${by} ORDER BY ds0.rank) AS __rn`,
        sql`${tied} AS __tied`,
        sql`ds0.collection_id AS __collection`,
        ...keys,
      ];
      for await (const rows of this.#run(plan, window, options, read, winners, false)) {
        for (const row of rows) {
          if (toNumber(row.__tied) > 1) {
            throw new InvalidQueryError(
              `several ${search.datasetType.name} datasets for ${dataIdFromRow(group, row)} are valid in one CALIBRATION ` +
                `collection during ${search.timespan}; accepted: a timespan that overlaps exactly one validity range`,
            );
          }
        }
        yield rows;
      }
    }
  }

  async *#records(
    target: DimensionElement,
    searches: readonly DatasetSearchSpec[],
    options: QueryOptions,
    read: RowReader,
  ): AsyncGenerator<DimensionRecord[]> {
    if (searches.some((s) => s.collections.length === 0)) return;
    const elements = target.hasOwnTable ? [target.name] : [];
    const plan = this.#planner.plan({
      ...options,
      dimensions: target.minimalGroup,
      searches,
      elements,
      ...(target.hasOwnTable ? { orderElement: target.name } : {}),
    });
    const select = target.hasOwnTable
      ? sql`${sql.ref(plan.joins.alias(target.name))}.*`
      : sql`${plan.joins.key(target.name)} AS name`;
    for await (const rows of this.#run(plan, [select], options, read)) {
      yield rows.map((row) => recordFromRow(target, row));
    }
  }

  // --- running -----------------------------------------------------------------------------------

  /**
   * Runs the plan: SELECT DISTINCT (or the `wrap`ped window query) with order, limit and offset;
   * region tests in code, when any, come before the limit and offset are applied. Rows come in the
   * pages `read` gives.
   */
  async *#run(
    plan: QueryPlan,
    select: RawBuilder<unknown>[],
    options: QueryOptions,
    read: RowReader,
    wrap?: (inner: RawBuilder<unknown>) => RawBuilder<unknown>,
    distinct = true,
    exactRegions = true,
  ): AsyncGenerator<Record<string, unknown>[]> {
    const items = [...select];
    for (const [i, term] of plan.order.entries()) items.push(sql`${term.sql} AS ${sql.id(`__o${i}`)}`);
    for (const [element, alias] of plan.regionColumns) {
      items.push(sql`${regionSelection(this.#universe, element, plan.joins)} AS ${sql.id(alias)}`);
    }
    const from = plan.joins.from;
    const where = plan.conditions.length > 0 ? sql`WHERE ${sql.join(plan.conditions, sql` AND `)}` : sql``;
    let query = sql`SELECT ${distinct ? sql`DISTINCT ` : sql``}${sql.join(items)} ${from === null ? sql`` : sql`FROM ${from}`} ${where}`;
    if (wrap !== undefined) query = wrap(query);
    const orderBy =
      plan.order.length > 0
        ? sql`ORDER BY ${sql.join(plan.order.map((t, i) => sql`${sql.id(`__o${i}`)}${t.descending ? sql` DESC` : sql``}`))}`
        : sql``;
    const inCode = plan.spatial.length > 0 && exactRegions;
    const limit =
      !inCode && (options.limit !== undefined || options.offset !== undefined) ? limitClause(options) : sql``;
    const ctes = plan.ctes.length > 0 ? sql`WITH ${sql.join(plan.ctes)} ` : sql``;
    const rows = read(sql`${ctes}SELECT * FROM (${query}) AS q ${orderBy} ${limit}`);
    if (!inCode) {
      yield* rows;
      return;
    }
    // The region columns made rows distinct that are the same once they are dropped: keep the first.
    const hidden = new Set(plan.regionColumns.values());
    const seen = new Set<string>();
    const unique = (row: Record<string, unknown>) => {
      const key = JSON.stringify(
        Object.entries(row).filter(([k]) => !hidden.has(k) && !/^__o\d+$/.test(k)),
        (_, v: unknown) => (typeof v === "bigint" ? `${v}n` : v),
      );
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    };
    const slicer = new PageSlicer(options);
    for await (const page of rows) {
      const kept = page.filter(
        (row) =>
          plan.spatial.every((c) => regionsOverlap(this.#universe, c, plan.regionColumns, row)) &&
          unique(row),
      );
      const taken = slicer.take(kept);
      if (taken.length > 0) yield taken;
      if (slicer.done) return;
    }
  }

  // --- dataset searches --------------------------------------------------------------------------

  async #resolveTypes(
    expression: NameExpression | DatasetType | readonly DatasetType[],
  ): Promise<DatasetType[]> {
    if (expression instanceof DatasetType) return [expression];
    if (Array.isArray(expression) && expression.every((e) => e instanceof DatasetType)) {
      return expression as DatasetType[];
    }
    const parsed = parseNameExpression(expression as NameExpression);
    if (parsed.patterns.length === 0 && !parsed.all) {
      const out: DatasetType[] = [];
      for (const name of parsed.names) out.push((await this.#types.resolve(name)).datasetType);
      return out;
    }
    return this.#types.query(expression as NameExpression);
  }

  async #search(
    datasetType: DatasetType | string,
    collections: NameExpression,
    findFirst: boolean,
    timespan: Timespan | null,
  ): Promise<DatasetSearchSpec> {
    if (timespan !== null && !(timespan instanceof Timespan)) {
      throw new InvalidQueryError("timespan must be a Timespan (or null)");
    }
    const { record, datasetType: type } = await this.#types.resolve(datasetType, {
      allowStorageClassOverride: true,
    });
    let records: CollectionRecord[];
    if (findFirst) records = await this.#collections.searchOrder(collections);
    else {
      const names = await this.#collections.query(collections, { flattenChains: true, includeChains: false });
      records = await this.#collections.findMany(names);
    }
    const calibrations = record.calibsTable !== null && (timespan !== null || !findFirst);
    const usable = records.filter((c) => c.type !== CollectionType.CALIBRATION || calibrations);
    return {
      record,
      datasetType: type,
      collections: usable,
      collectionExpression: describeNames(collections),
      timespan,
      findFirst,
    };
  }

  async #constraintSearches(options: DatasetConstrainedOptions): Promise<DatasetSearchSpec[]> {
    if (options.datasets === undefined) return [];
    if (options.collections === undefined) {
      throw new InvalidQueryError("a query constrained by datasets needs collections to search them in");
    }
    const items =
      typeof options.datasets === "string" || options.datasets instanceof DatasetType
        ? [options.datasets]
        : options.datasets;
    const out: DatasetSearchSpec[] = [];
    for (const item of items) out.push(await this.#search(item, options.collections, false, null));
    return out;
  }

  // --- explaining empty results ------------------------------------------------------------------

  #explain(
    dimensions: DimensionGroup,
    searches: readonly DatasetSearchSpec[],
    options: QueryOptions,
    elements: readonly string[],
  ): Promise<string[]> {
    const context = {
      database: this.#database,
      universe: this.#universe,
      planner: this.#planner,
      dataIds: (
        requested: DimensionGroup,
        s: readonly DatasetSearchSpec[],
        o: QueryOptions,
        exactRegions?: boolean,
      ) => collectPages(this.#dataIds(requested, s, o, rowReader(this.#database), exactRegions)),
    };
    return explainEmptyResult(context, dimensions, searches, options, elements);
  }
}

function describeNames(expression: NameExpression): string {
  const items = typeof expression === "string" || expression instanceof RegExp ? [expression] : expression;
  return `[${items.map((i) => (typeof i === "string" ? JSON.stringify(i) : String(i))).join(", ")}]`;
}
