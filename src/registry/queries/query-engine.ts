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
  type ParsedDataId,
  parseDataId,
  Timespan,
} from "../../core/index.ts";
import { DataIdValueError, EmptyQueryResultError, InvalidQueryError } from "../../errors/index.ts";
import { decodeRegion, HtmPixelization, type Region } from "../../sphgeom/index.ts";
import type { RegistryDatabase } from "../database.ts";
import type { CollectionManager, CollectionRecord } from "../managers/collection-manager.ts";
import { dataIdColumns, dataIdFromRow } from "../managers/data-id-columns.ts";
import type { DatasetTypeManager, DatasetTypeRecord } from "../managers/dataset-type-manager.ts";
import { recordFromRow } from "../managers/dimension-rows.ts";
import type { HeaderIndexManager, HeaderKeyRecord } from "../managers/header-index-manager.ts";
import { type NameExpression, parseNameExpression } from "../name-expression.ts";
import type { ExpressionNode } from "../query/ast.ts";
import { parseExpression } from "../query/parser.ts";
import { overlapTableName, SKYPIX_INDEX_COLUMN } from "../schema/dimension-tables.ts";
import { TABLES } from "../schema/static-tables.ts";
import { toBytes, toNumber } from "../sql-values.ts";
import { headerJoiner, headerValue, mentionsHeaders } from "./header-columns.ts";
import {
  type DatasetField,
  datasetFieldType,
  type NameContext,
  type ResolvedName,
  resolveOrderName,
} from "./identifiers.ts";
import { JoinPlan, type KeyedRelation } from "./join-plan.ts";
import type {
  DatasetConstrainedOptions,
  DimensionsInput,
  QueryDatasetsOptions,
  QueryDimensionRecordsOptions,
  QueryOptions,
} from "./query-options.ts";
import {
  addNeeds,
  type Compiled,
  type CompileScope,
  collectNeeds,
  compileWhere,
  conjuncts,
  type ExpressionNeeds,
  type RegionOperand,
  type SpatialConstraint,
} from "./where-compiler.ts";

/** One dataset type searched in one list of collections. */
interface DatasetSearchSpec {
  readonly record: DatasetTypeRecord;
  readonly datasetType: DatasetType;
  readonly collections: readonly CollectionRecord[];
  /** The collection expression as given, for explanations. */
  readonly collectionExpression: string;
  readonly timespan: Timespan | null;
  readonly findFirst: boolean;
}

/** Everything one query statement is built from. */
interface QueryPlan {
  readonly group: DimensionGroup;
  readonly ctes: RawBuilder<unknown>[];
  readonly joins: JoinPlan;
  readonly conditions: RawBuilder<unknown>[];
  readonly spatial: readonly SpatialConstraint[];
  /** SELECT items for the region columns the spatial tests read, by element. */
  readonly regionColumns: ReadonlyMap<string, string>;
  readonly order: readonly { readonly sql: RawBuilder<unknown>; readonly descending: boolean }[];
  readonly searches: readonly DatasetSearchSpec[];
}

/** A request to plan: what to return aside, everything that constrains the rows. */
interface PlanRequest extends QueryOptions {
  readonly dimensions: DimensionGroup;
  readonly searches: readonly DatasetSearchSpec[];
  readonly elements?: readonly string[];
  /**
   * Look up only the implied dimensions the constraints use (a find-first query adds the others after
   * its window, on the surviving rows only); all of them when false or absent.
   */
  readonly neededLookupsOnly?: boolean;
  /** The element a record query returns: bare orderBy field names are its fields. */
  readonly orderElement?: string;
  readonly where?: string;
  /** The indexed header keys of the searched dataset types, when the query names header values. */
  readonly headerKeys?: ReadonlyMap<string, readonly HeaderKeyRecord[]>;
}

/** Fewer ranges than this keep a constant region's pixel test short. */
const MAX_PIXEL_RANGES = 64;
/** LIMIT for "no limit" with an OFFSET (SQLite needs a LIMIT; PostgreSQL takes any bigint). */
const NO_LIMIT = 9_223_372_036_854_775_807n;

/** The rowsTable column kind of each type an IN list is bound as. */
const LIST_COLUMN_KINDS = { int: "int64", float: "float", string: "text", uuid: "uuid" } as const;

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
  readonly #pixelization: HtmPixelization;
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
    this.#pixelization = new HtmPixelization(universe.commonSkyPix.skypixLevel ?? 7);
  }

  /** Data IDs of `dimensions` that satisfy every constraint. */
  async queryDataIds(
    dimensions: DimensionsInput,
    options: DatasetConstrainedOptions = {},
  ): Promise<DataCoordinate[]> {
    await this.#checkGovernors(options);
    const requested = this.#universe.conform(typeof dimensions === "string" ? [dimensions] : dimensions);
    const searches = await this.#constraintSearches(options);
    options = await this.#withHeaderKeys(options, searches);
    const result = await this.#dataIds(requested, searches, options);
    if (result.length === 0 && options.explain === true) {
      throw new EmptyQueryResultError(
        `the data ID query for ${requested}`,
        await this.#explain(requested, searches, options, []),
      );
    }
    return result;
  }

  /** Datasets of the types in the collections that satisfy every constraint. */
  async queryDatasets(
    datasetType: NameExpression | DatasetType | readonly DatasetType[],
    options: QueryDatasetsOptions,
  ): Promise<DatasetRef[]> {
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
    const refs: DatasetRef[] = [];
    const searches: DatasetSearchSpec[] = [];
    for (const type of types) {
      const search = await this.#search(
        type,
        collections,
        options.findFirst ?? false,
        options.timespan ?? null,
      );
      searches.push(search);
      // A loop, not push(...found): a million arguments overflow the stack.
      for (const ref of await this.#datasets(search, options)) refs.push(ref);
    }
    const limited = types.length > 1 ? sliceResults(refs, options) : refs;
    if (limited.length === 0 && options.explain === true) {
      const reasons: string[] = [];
      for (const search of searches) {
        reasons.push(...(await this.#explain(search.datasetType.dimensions, [search], options, [])));
      }
      throw new EmptyQueryResultError(
        `the dataset query for ${types.map((t) => t.name).join(", ")}`,
        reasons,
      );
    }
    return limited;
  }

  /** Records of `element` whose data IDs satisfy every constraint. */
  async queryDimensionRecords(
    element: string | DimensionElement,
    options: QueryDimensionRecordsOptions = {},
  ): Promise<DimensionRecord[]> {
    const target = typeof element === "string" ? this.#universe.getElement(element) : element;
    if (!target.hasOwnTable && target.impliedUnionTarget === null) {
      throw new InvalidQueryError(
        `${target.name} has no stored records (sky pixel records are computed); accepted: elements with tables`,
      );
    }
    await this.#checkGovernors(options);
    const searches = await this.#constraintSearches(options);
    options = await this.#withHeaderKeys(options, searches);
    const result = await this.#records(target, searches, options);
    if (result.length === 0 && options.explain === true) {
      throw new EmptyQueryResultError(
        `the ${target.name} record query`,
        await this.#explain(target.minimalGroup, searches, options, target.hasOwnTable ? [target.name] : []),
      );
    }
    return result;
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
    for (const [d, value] of this.#parseDataId(options.dataId)?.values ?? [])
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

  async #dataIds(
    requested: DimensionGroup,
    searches: readonly DatasetSearchSpec[],
    options: QueryOptions,
    exactRegions = true,
  ): Promise<DataCoordinate[]> {
    if (searches.some((s) => s.collections.length === 0)) return [];
    const plan = this.#plan({ ...options, dimensions: requested, searches });
    const keys = requested.dataCoordinateKeys.map((d) => sql`${plan.joins.key(d)} AS ${sql.id(d)}`);
    // No dimensions: one empty data ID when anything matches (SELECT needs a column).
    if (keys.length === 0) keys.push(sql`1 AS __one`);
    const rows = await this.#run(plan, keys, options, undefined, true, exactRegions);
    return rows.map((row) => dataIdFromRow(requested, row));
  }

  async #datasets(search: DatasetSearchSpec, options: QueryOptions): Promise<DatasetRef[]> {
    if (search.collections.length === 0) return [];
    const group = search.datasetType.dimensions;
    const plan = this.#plan({
      ...options,
      dimensions: group,
      searches: [search],
      neededLookupsOnly: search.findFirst,
    });
    const id = sql`ds0.dataset_id AS __id`;
    let rows: Record<string, unknown>[];
    if (!search.findFirst) {
      const keys = group.dataCoordinateKeys.map((d) => sql`${plan.joins.key(d)} AS ${sql.id(d)}`);
      rows = await this.#run(plan, [id, ...keys], options, (inner) => withRun(inner));
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
      const winners = (inner: RawBuilder<unknown>) => sql`
        SELECT f.__id, f.__rank, f.__tied ${extra}, rc.name AS __run${dimensionColumns}
        FROM (${inner}) AS f
        CROSS JOIN ${sql.table(TABLES.dataset)} AS d
        CROSS JOIN ${sql.table(TABLES.collection)} AS rc
        ${columns.joins}
        WHERE f.__rn = 1 AND d.id = f.__id AND rc.collection_id = d.run_id`;
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
        ...keys,
      ];
      rows = await this.#run(plan, window, options, winners, false);
      for (const row of rows) {
        if (toNumber(row.__tied) > 1) {
          throw new InvalidQueryError(
            `several ${search.datasetType.name} datasets for ${dataIdFromRow(group, row)} are valid in one CALIBRATION ` +
              `collection during ${search.timespan}; accepted: a timespan that overlaps exactly one validity range`,
          );
        }
      }
    }
    return rows.map(
      (row) =>
        new DatasetRef(search.datasetType, dataIdFromRow(group, row), String(row.__run), {
          id: String(row.__id),
        }),
    );
  }

  async #records(
    target: DimensionElement,
    searches: readonly DatasetSearchSpec[],
    options: QueryOptions,
  ): Promise<DimensionRecord[]> {
    if (searches.some((s) => s.collections.length === 0)) return [];
    const elements = target.hasOwnTable ? [target.name] : [];
    const plan = this.#plan({
      ...options,
      dimensions: target.minimalGroup,
      searches,
      elements,
      ...(target.hasOwnTable ? { orderElement: target.name } : {}),
    });
    if (!target.hasOwnTable) {
      const rows = await this.#run(plan, [sql`${plan.joins.key(target.name)} AS name`], options);
      return rows.map((row) => recordFromRow(target, row));
    }
    const rows = await this.#run(plan, [sql`${sql.ref(plan.joins.alias(target.name))}.*`], options);
    return rows.map((row) => recordFromRow(target, row));
  }

  // --- planning ----------------------------------------------------------------------------------

  #plan(request: PlanRequest): QueryPlan {
    const asked = this.#universe.conform([
      ...request.dimensions.names,
      ...request.searches.flatMap((s) => s.datasetType.dimensions.names),
    ]);
    const names: NameContext = {
      universe: this.#universe,
      datasetTypes: request.searches.map((s) => s.datasetType.name),
      elements: [...new Set([...asked.elements, ...(request.elements ?? [])])],
    };
    const where = parseWhere(request.where);
    const needs: ExpressionNeeds = {
      dimensions: new Set(),
      elements: new Set(request.elements ?? []),
      datasetFields: new Set(),
    };
    collectNeeds(where, names, needs, request.bind);
    const order = parseOrderBy(request.orderBy).map((term) => ({
      ...term,
      resolved: resolveOrderName(term.name, names, asked, request.orderElement),
    }));
    for (const term of order) addNeeds(term.resolved, names, needs);
    const dataId = this.#parseDataId(request.dataId);
    // A sky pixel no table or dataset provides constrains by its region (below), as in daf_butler.
    const provided = new Set(asked.names);
    const pixels: { dimension: string; id: number }[] = [];
    for (const [d, value] of dataId?.values ?? []) {
      if (this.#universe.getElement(d).kind === "skypix" && !provided.has(d)) {
        pixels.push({ dimension: d, id: Number(value) });
      } else needs.dimensions.add(d);
    }
    for (const c of dataId?.constraints ?? []) {
      needs.elements.add(c.element);
      for (const d of this.#universe.getElement(c.element).required) needs.dimensions.add(d);
    }
    for (const element of needs.elements) {
      for (const d of this.#universe.getElement(element).required) needs.dimensions.add(d);
    }
    const group = this.#universe.conform([
      ...request.dimensions.names,
      ...request.searches.flatMap((s) => s.datasetType.dimensions.names),
      ...needs.dimensions,
    ]);
    // Dimensions of two sky families in one query are related by their regions, as in daf_butler.
    const implicit = [...this.#implicitSpatialJoin(group), ...this.#pixelConstraints(pixels, group)];
    for (const constraint of implicit) for (const e of regionElements(constraint)) needs.elements.add(e);

    const ctes: RawBuilder<unknown>[] = [];
    const relations: KeyedRelation[] = request.searches.map((search, i) => {
      ctes.push(sql`${sql.id(`ranks${i}`)} AS ${this.#ranks(search)}`);
      return {
        alias: `ds${i}`,
        relation: this.#datasetRelation(search, i, needs.datasetFields.has("timespan")),
        dimensions: search.datasetType.dimensions.required,
      };
    });
    const joins = JoinPlan.build(
      group,
      relations,
      needs.elements,
      request.neededLookupsOnly === true ? needs.dimensions : undefined,
    );
    const datasetJoins = new Map<string, RawBuilder<unknown>>();
    const joinHeader = headerJoiner(joins);
    const scope: CompileScope = {
      names,
      bind: request.bind ?? {},
      dimension: (d) => joins.key(d),
      column: (element, column) => joins.column(element, column),
      datasetField: (type, field) => this.#datasetField(request.searches, type, field, joins, datasetJoins),
      glob: (expr, pattern) => this.#database.dialect.globMatch(expr, pattern),
      header: (type, key) =>
        headerValue(
          request.searches.map((s) => s.datasetType.name),
          request.headerKeys ?? new Map(),
          type,
          key,
          joinHeader,
        ),
      values: (values, type) =>
        this.#database.rowsTable(
          values.map((v) => [v]),
          [{ name: "v", type: { kind: LIST_COLUMN_KINDS[type] } }],
        ),
    };
    const compiled = compileWhere(where, scope);
    const orderSql = order.map((term) => ({
      descending: term.descending,
      sql: this.#orderExpression(term.resolved, scope),
    }));
    const conditions = [...joins.conditions, ...datasetJoins.values()];
    if (compiled.condition !== null) conditions.push(compiled.condition);
    if (dataId !== undefined) conditions.push(...this.#dataIdConditions(dataId, joins, group));
    const spatial = [...compiled.spatial, ...implicit];
    const regionColumns = new Map<string, string>();
    for (const constraint of spatial) {
      conditions.push(this.#pixelCandidates(constraint, joins));
      for (const e of regionElements(constraint)) {
        if (!regionColumns.has(e)) regionColumns.set(e, `__region_${regionColumns.size}`);
      }
    }
    return {
      group,
      ctes,
      joins,
      conditions,
      spatial,
      regionColumns,
      order: orderSql,
      searches: request.searches,
    };
  }

  #parseDataId(input: QueryOptions["dataId"]): ParsedDataId | undefined {
    if (input === undefined) return undefined;
    return parseDataId(input, { universe: this.#universe });
  }

  #dataIdConditions(dataId: ParsedDataId, joins: JoinPlan, group: DimensionGroup): RawBuilder<unknown>[] {
    const out: RawBuilder<unknown>[] = [];
    for (const [d, value] of dataId.values) if (group.has(d)) out.push(sql`${joins.key(d)} = ${value}`);
    for (const c of dataId.constraints) {
      const value = typeof c.value === "boolean" ? (c.value ? 1 : 0) : c.value;
      out.push(sql`${joins.column(c.element, c.field)} = ${value}`);
    }
    return out;
  }

  /** The finest stored sky element of each of the group's non-pixel spatial families (visit_detector_region, patch …). */
  #skyElements(group: DimensionGroup): string[] {
    return group.spatialFamilies
      .filter((f) => f.skypixSystem === null)
      .map((f) => f.choose(group))
      .filter((e): e is string => e !== null && this.#universe.getElement(e).hasOwnTable);
  }

  #implicitSpatialJoin(group: DimensionGroup): SpatialConstraint[] {
    const chosen = this.#skyElements(group);
    const out: SpatialConstraint[] = [];
    for (let i = 1; i < chosen.length; i++)
      out.push({ left: { element: chosen[0]! }, right: { element: chosen[i]! } });
    return out;
  }

  /** Region overlaps of the group's sky elements with the pixels a data ID names. */
  #pixelConstraints(
    pixels: readonly { dimension: string; id: number }[],
    group: DimensionGroup,
  ): SpatialConstraint[] {
    if (pixels.length === 0) return [];
    const elements = this.#skyElements(group);
    const out: SpatialConstraint[] = [];
    for (const { dimension, id } of pixels) {
      const element = this.#universe.getElement(dimension);
      if (element.skypixSystem !== "htm" || element.skypixLevel === null || elements.length === 0) {
        throw new InvalidQueryError(
          `the data ID's ${dimension} can only constrain a query with a spatial dimension (visit, tract, …) ` +
            "through its region, and only for htm levels",
        );
      }
      const region = new HtmPixelization(element.skypixLevel).pixel(id);
      for (const e of elements) out.push({ left: { element: e }, right: { constant: region } });
    }
    return out;
  }

  /** `(collection_id, rank)` of the searched collections, as one bound relation. */
  #ranks(search: DatasetSearchSpec): RawBuilder<unknown> {
    return this.#database.rowsTable(
      search.collections.map((c, i) => [c.id, i]),
      [
        { name: "collection_id", type: { kind: "int64" } },
        { name: "rank", type: { kind: "int64" } },
      ],
    );
  }

  /**
   * The dataset rows of one search: (dataset_id, collection_id, rank, required dimensions[, validity])
   * from the tags table and, where CALIBRATION collections are searched, the calibs table.
   */
  #datasetRelation(search: DatasetSearchSpec, i: number, withTimespan: boolean): RawBuilder<unknown> {
    const ranks = sql.id(`ranks${i}`);
    const dims = search.datasetType.dimensions.required;
    const select = (alias: string, timespan: boolean): RawBuilder<unknown> => {
      const columns = [
        sql`${sql.ref(`${alias}.dataset_id`)}`,
        sql`${sql.ref(`${alias}.collection_id`)}`,
        sql`r.rank`,
        ...dims.map((d) => sql.ref(`${alias}.${d}`)),
      ];
      if (withTimespan) {
        columns.push(
          timespan ? sql.ref(`${alias}.timespan_begin`) : sql`CAST(NULL AS BIGINT) AS timespan_begin`,
          timespan ? sql.ref(`${alias}.timespan_end`) : sql`CAST(NULL AS BIGINT) AS timespan_end`,
        );
      }
      return sql.join(columns);
    };
    const type = search.record.id;
    const tags = sql`SELECT ${select("t", false)} FROM ${ranks} AS r CROSS JOIN ${sql.table(search.record.tagsTable)} AS t
      WHERE t.collection_id = r.collection_id AND t.dataset_type_id = ${type}`;
    const calibrated = search.collections.some((c) => c.type === CollectionType.CALIBRATION);
    if (!calibrated || search.record.calibsTable === null) return sql`(${tags})`;
    const span = search.timespan;
    const overlap =
      span === null ? sql`` : sql`AND c.timespan_begin < ${span.endNs} AND ${span.beginNs} < c.timespan_end`;
    return sql`(${tags} UNION ALL SELECT ${select("c", true)} FROM ${ranks} AS r
      CROSS JOIN ${sql.table(search.record.calibsTable)} AS c
      WHERE c.collection_id = r.collection_id AND c.dataset_type_id = ${type} ${overlap})`;
  }

  #datasetField(
    searches: readonly DatasetSearchSpec[],
    datasetType: string | null,
    field: DatasetField,
    joins: JoinPlan,
    extra: Map<string, RawBuilder<unknown>>,
  ): Compiled {
    if (searches.length === 0) {
      throw new InvalidQueryError(
        `'${datasetType === null ? field : `${datasetType}.${field}`}' names a dataset field, but the query searches no datasets`,
      );
    }
    let index = 0;
    if (datasetType === null) {
      if (searches.length > 1) {
        throw new InvalidQueryError(
          `'${field}' is ambiguous in a query over several dataset types; accepted: ${searches.map((s) => `${s.datasetType.name}.${field}`).join(", ")}`,
        );
      }
    } else index = searches.findIndex((s) => s.datasetType.name === datasetType);
    const ds = `ds${index}`;
    const join = (alias: string, table: string, on: RawBuilder<unknown>): void => {
      if (extra.has(alias)) return;
      joins.addTable(sql.table(table), alias);
      extra.set(alias, on);
    };
    const type = datasetFieldType(field);
    switch (field) {
      case "dataset_id":
        return { kind: "scalar", type, sql: sql.ref(`${ds}.dataset_id`) };
      case "timespan":
        return {
          kind: "timespan",
          begin: sql.ref(`${ds}.timespan_begin`),
          end: sql.ref(`${ds}.timespan_end`),
        };
      case "collection":
        join(
          `cc${index}`,
          TABLES.collection,
          sql`${sql.ref(`cc${index}.collection_id`)} = ${sql.ref(`${ds}.collection_id`)}`,
        );
        return { kind: "scalar", type, sql: sql.ref(`cc${index}.name`) };
      case "ingest_date":
      case "run":
        join(`dd${index}`, TABLES.dataset, sql`${sql.ref(`dd${index}.id`)} = ${sql.ref(`${ds}.dataset_id`)}`);
        if (field === "ingest_date") return { kind: "scalar", type, sql: sql.ref(`dd${index}.ingest_date`) };
        join(
          `rr${index}`,
          TABLES.collection,
          sql`${sql.ref(`rr${index}.collection_id`)} = ${sql.ref(`dd${index}.run_id`)}`,
        );
        return { kind: "scalar", type, sql: sql.ref(`rr${index}.name`) };
    }
  }

  #orderExpression(resolved: ResolvedName, scope: CompileScope): RawBuilder<unknown> {
    switch (resolved.kind) {
      case "dimension":
        return scope.dimension(resolved.dimension);
      case "field":
        if (resolved.field.type === "region") {
          throw new InvalidQueryError(`cannot order by the region ${resolved.element}.region`);
        }
        if (resolved.field.type === "timespan") return scope.column(resolved.element, "timespan_begin");
        return scope.column(resolved.element, resolved.field.name);
      case "timespanBound":
        return scope.column(resolved.element, `timespan_${resolved.bound}`);
      case "dataset": {
        const value = scope.datasetField(resolved.datasetType, resolved.field);
        if (value.kind === "scalar") return value.sql;
        if (value.kind === "timespan") return value.begin;
        throw new InvalidQueryError(`cannot order by ${resolved.field}`);
      }
      case "header": {
        const value = scope.header(resolved.datasetType, resolved.key);
        if (value.kind === "scalar") return value.sql;
        throw new InvalidQueryError(`cannot order by header key ${resolved.key}`);
      }
    }
  }

  /** The SQL half of a region overlap: rows whose sky pixels meet (the exact test follows in code). */
  #pixelCandidates(constraint: SpatialConstraint, joins: JoinPlan): RawBuilder<unknown> {
    const sides = [constraint.left, constraint.right];
    const elements = sides.filter((s): s is { element: string } => "element" in s);
    const constants = sides.filter((s): s is { constant: Region } => "constant" in s);
    const tables: RawBuilder<unknown>[] = [];
    const conditions: RawBuilder<unknown>[] = [];
    elements.forEach((side, i) => {
      const alias = `o${i}`;
      tables.push(sql`${sql.table(overlapTableName(side.element))} AS ${sql.id(alias)}`);
      for (const d of this.#universe.getElement(side.element).required) {
        conditions.push(sql`${sql.ref(`${alias}.${d}`)} = ${joins.key(d)}`);
      }
    });
    if (elements.length === 2)
      conditions.push(sql`o0.${sql.id(SKYPIX_INDEX_COLUMN)} = o1.${sql.id(SKYPIX_INDEX_COLUMN)}`);
    for (const side of constants) {
      const ranges = this.#pixelization.envelope(side.constant, MAX_PIXEL_RANGES);
      if (ranges.length === 0) return sql`1 = 0`;
      const pixel = sql.ref(`o0.${SKYPIX_INDEX_COLUMN}`);
      const any = ranges.map(([begin, end]) =>
        end - begin === 1 ? sql`${pixel} = ${begin}` : sql`(${pixel} >= ${begin} AND ${pixel} < ${end})`,
      );
      conditions.push(sql`(${sql.join(any, sql` OR `)})`);
    }
    return sql`EXISTS (SELECT 1 FROM ${sql.join(tables, sql` CROSS JOIN `)} WHERE ${sql.join(conditions, sql` AND `)})`;
  }

  // --- running -----------------------------------------------------------------------------------

  /**
   * Runs the plan: SELECT DISTINCT (or the `wrap`ped window query) with order, limit and offset;
   * region tests in code, when any, come before the limit and offset are applied.
   */
  async #run(
    plan: QueryPlan,
    select: RawBuilder<unknown>[],
    options: QueryOptions,
    wrap?: (inner: RawBuilder<unknown>) => RawBuilder<unknown>,
    distinct = true,
    exactRegions = true,
  ): Promise<Record<string, unknown>[]> {
    const items = [...select];
    for (const [i, term] of plan.order.entries()) items.push(sql`${term.sql} AS ${sql.id(`__o${i}`)}`);
    for (const [element, alias] of plan.regionColumns) {
      items.push(sql`${plan.joins.column(element, "region")} AS ${sql.id(alias)}`);
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
    const rows = await this.#database.rows<Record<string, unknown>>(
      sql`${ctes}SELECT * FROM (${query}) AS q ${orderBy} ${limit}`,
    );
    if (!inCode) return rows;
    const kept = rows.filter((row) =>
      plan.spatial.every((c) => this.#regionsOverlap(c, plan.regionColumns, row)),
    );
    // The region columns made rows distinct that are the same once they are dropped: keep the first.
    const hidden = new Set(plan.regionColumns.values());
    const seen = new Set<string>();
    const unique = kept.filter((row) => {
      const key = JSON.stringify(
        Object.entries(row).filter(([k]) => !hidden.has(k) && !/^__o\d+$/.test(k)),
        (_, v: unknown) => (typeof v === "bigint" ? `${v}n` : v),
      );
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    });
    return sliceResults(unique, options);
  }

  #regionsOverlap(
    constraint: SpatialConstraint,
    columns: ReadonlyMap<string, string>,
    row: Record<string, unknown>,
  ): boolean {
    const region = (side: RegionOperand): Region | null => {
      if ("constant" in side) return side.constant;
      const raw = row[columns.get(side.element)!];
      return raw === null || raw === undefined ? null : decodeRegion(toBytes(raw));
    };
    const a = region(constraint.left);
    const b = region(constraint.right);
    return a !== null && b !== null && a.overlaps(b);
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

  /**
   * Why a query found nothing: each constraint is checked on its own (collections, datasets in them,
   * the data ID's records, the where expression), and the ones that alone leave nothing are reported.
   */
  async #explain(
    dimensions: DimensionGroup,
    searches: readonly DatasetSearchSpec[],
    options: QueryOptions,
    elements: readonly string[],
  ): Promise<string[]> {
    const reasons: string[] = [];
    for (const search of searches) {
      const name = search.datasetType.name;
      if (search.collections.length === 0) {
        reasons.push(
          `no collections to search for ${name} in ${search.collectionExpression} (none matched, or only CALIBRATION ones without a timespan)`,
        );
        continue;
      }
      const rows = await this.#database.rows(sql`
        WITH ranks0 AS ${this.#ranks(search)}
        SELECT 1 AS found FROM ${this.#datasetRelation(search, 0, false)} AS d LIMIT 1`);
      if (rows.length === 0) {
        reasons.push(
          `no datasets of type ${name} in collections [${search.collections.map((c) => c.name).join(", ")}]`,
        );
      }
    }
    if (reasons.length > 0) return reasons;
    const dataId = this.#parseDataId(options.dataId);
    if (dataId !== undefined) {
      for (const [d, value] of dataId.values) {
        const element = this.#universe.getElement(d);
        if (!element.hasOwnTable) continue;
        const given = Object.fromEntries(
          element.required.flatMap((r) => (dataId.values.has(r) ? [[r, dataId.values.get(r)]] : [])),
        );
        if (Object.keys(given).length !== element.required.length) continue;
        const found = await this.#dataIds(this.#universe.conform([d]), [], { dataId: given });
        if (found.length === 0) reasons.push(`no ${d} record with ${d} = ${JSON.stringify(value)}`);
      }
      if (
        reasons.length === 0 &&
        (await this.#dataIds(dimensions, searches, { dataId: options.dataId, limit: 1 })).length === 0
      ) {
        reasons.push(`nothing matches the data ID ${JSON.stringify(Object.fromEntries(dataId.values))}`);
      }
    }
    if (reasons.length > 0) return reasons;
    for (const name of [...dimensions.required, ...elements]) {
      const element = this.#universe.getElement(name);
      if (!element.hasOwnTable) continue;
      const rows = await this.#database.rows(sql`SELECT 1 AS found FROM ${sql.table(name)} LIMIT 1`);
      if (rows.length === 0) reasons.push(`the registry holds no ${name} records`);
    }
    if (reasons.length > 0) return reasons;
    // Rows the sky-pixel test keeps but the exact region test removes.
    const constraints = { where: options.where, bind: options.bind, dataId: options.dataId, limit: 1 };
    if ((await this.#dataIds(dimensions, searches, constraints)).length > 0) {
      return [
        `rows match, but limit ${options.limit ?? "none"} and offset ${options.offset ?? 0} leave none`,
      ];
    }
    if ((await this.#dataIds(dimensions, searches, constraints, false)).length > 0) {
      return [
        "rows match every constraint in the database, but none of their regions overlap " +
          "(the exact region test removed them all)",
      ];
    }
    if (options.where !== undefined && options.where.trim() !== "") {
      const without = await this.#dataIds(dimensions, searches, { dataId: options.dataId, limit: 1 });
      if (without.length > 0) reasons.push(`the where expression '${options.where}' excludes every result`);
    }
    return reasons;
  }
}

function parseWhere(text: string | undefined): ExpressionNode | undefined {
  if (text === undefined) return undefined;
  return parseExpression(text);
}

function parseOrderBy(
  orderBy: string | readonly string[] | undefined,
): { name: string; descending: boolean }[] {
  if (orderBy === undefined) return [];
  const terms = typeof orderBy === "string" ? orderBy.split(",") : orderBy;
  // Empty terms ("", "-", "a,,b") are errors (resolveOrderName), as in daf_butler.
  return terms
    .map((t) => t.trim())
    .map((t) =>
      t.startsWith("-") ? { name: t.slice(1).trim(), descending: true } : { name: t, descending: false },
    );
}

/**
 * No text a registry stores holds a NUL character, and PostgreSQL refuses one in a parameter with an
 * untyped error: strings with NUL in the expression, bind values or data ID are InvalidQueryErrors.
 */
function checkNoNul(options: QueryOptions): void {
  const bad = (value: unknown): boolean =>
    typeof value === "string" ? value.includes("\u0000") : Array.isArray(value) && value.some(bad);
  const where = options.where ?? "";
  const named = [
    ...(bad(where) ? ["the where expression"] : []),
    ...Object.entries(options.bind ?? {})
      .filter(([, v]) => bad(v))
      .map(([k]) => `bind value '${k}'`),
    ...(options.dataId instanceof Map ? [...options.dataId] : Object.entries(options.dataId ?? {}))
      .filter(([, v]) => bad(v))
      .map(([k]) => `data ID value '${k}'`),
  ];
  if (named.length > 0) {
    throw new InvalidQueryError(
      `${named.join(", ")} contain(s) a NUL character, which no stored text can hold`,
    );
  }
}

function describeNames(expression: NameExpression): string {
  const items = typeof expression === "string" || expression instanceof RegExp ? [expression] : expression;
  return `[${items.map((i) => (typeof i === "string" ? JSON.stringify(i) : String(i))).join(", ")}]`;
}

function regionElements(constraint: SpatialConstraint): string[] {
  return [constraint.left, constraint.right].flatMap((s) => ("element" in s ? [s.element] : []));
}

function limitClause(options: QueryOptions): RawBuilder<unknown> {
  const limit = options.limit ?? NO_LIMIT;
  const offset = options.offset ?? 0;
  checkCount("limit", limit);
  checkCount("offset", offset);
  return sql`LIMIT ${limit} OFFSET ${offset}`;
}

function checkCount(name: string, value: number | bigint): void {
  if (typeof value === "bigint" ? value < 0n : !Number.isSafeInteger(value) || value < 0) {
    throw new InvalidQueryError(`${name} must be a non-negative integer, got ${value}`);
  }
}

function sliceResults<T>(items: T[], options: QueryOptions): T[] {
  if (options.limit === undefined && options.offset === undefined) return items;
  checkCount("limit", options.limit ?? 0);
  checkCount("offset", options.offset ?? 0);
  const start = options.offset ?? 0;
  return items.slice(start, options.limit === undefined ? undefined : start + options.limit);
}

/** Adds the run name of `__id`'s dataset to each row of a dataset query. */
function withRun(inner: RawBuilder<unknown>): RawBuilder<unknown> {
  return sql`SELECT w.*, rc.name AS __run FROM (${inner}) AS w
    CROSS JOIN ${sql.table(TABLES.dataset)} AS d CROSS JOIN ${sql.table(TABLES.collection)} AS rc
    WHERE d.id = w.__id AND rc.collection_id = d.run_id`;
}
