/**
 * Query planning: from a request (dimensions, dataset searches, `where`, data ID, order) to the parts
 * of one SQL statement — the join plan, the compiled conditions, the order terms and the spatial
 * constraints left for an exact test in code.
 */
import { type RawBuilder, sql } from "kysely";
import {
  CollectionType,
  type DatasetType,
  type DimensionGroup,
  type DimensionUniverse,
  type ParsedDataId,
  parseDataId,
  type Timespan,
} from "../../core/index.ts";
import { InvalidQueryError } from "../../errors/index.ts";
import { HtmPixelization } from "../../sphgeom/index.ts";
import type { RegistryDatabase } from "../database.ts";
import type { CollectionRecord } from "../managers/collection-manager.ts";
import type { DatasetTypeRecord } from "../managers/dataset-type-manager.ts";
import type { HeaderKeyRecord } from "../managers/header-index-manager.ts";
import { TABLES } from "../schema/static-tables.ts";
import type { ExpressionNode } from "../where/ast.ts";
import { parseExpression } from "../where/parser.ts";
import { headerJoiner, headerValue } from "./header-columns.ts";
import {
  type DatasetField,
  datasetFieldType,
  type NameContext,
  type ResolvedName,
  resolveOrderName,
} from "./identifiers.ts";
import { JoinPlan, type KeyedRelation } from "./join-plan.ts";
import type { QueryOptions } from "./query-options.ts";
import { implicitSpatialJoin, pixelCandidates, pixelConstraints, regionElements } from "./spatial.ts";
import { compileWhere } from "./where-compiler.ts";
import { addNeeds, collectNeeds, type ExpressionNeeds } from "./where-needs.ts";
import type { Compiled, CompileScope, SpatialConstraint } from "./where-scope.ts";

/** One dataset type searched in one list of collections. */
export interface DatasetSearchSpec {
  readonly record: DatasetTypeRecord;
  readonly datasetType: DatasetType;
  readonly collections: readonly CollectionRecord[];
  /** The collection expression as given, for explanations. */
  readonly collectionExpression: string;
  readonly timespan: Timespan | null;
  readonly findFirst: boolean;
}

/** Everything one query statement is built from. */
export interface QueryPlan {
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
export interface PlanRequest extends QueryOptions {
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

/** The rowsTable column kind of each type an IN list is bound as. */
const LIST_COLUMN_KINDS = { int: "int64", float: "float", string: "text", uuid: "uuid" } as const;

/** Plans the statements of one registry's queries. */
export class QueryPlanner {
  readonly #database: RegistryDatabase;
  readonly #universe: DimensionUniverse;
  readonly #pixelization: HtmPixelization;

  constructor(database: RegistryDatabase, universe: DimensionUniverse) {
    this.#database = database;
    this.#universe = universe;
    this.#pixelization = new HtmPixelization(universe.commonSkyPix.skypixLevel ?? 7);
  }

  /** Builds the statement's parts from a request. */
  plan(request: PlanRequest): QueryPlan {
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
    const dataId = this.parseDataId(request.dataId);
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
    const implicit = [
      ...implicitSpatialJoin(this.#universe, group),
      ...pixelConstraints(this.#universe, pixels, group),
    ];
    for (const constraint of implicit) for (const e of regionElements(constraint)) needs.elements.add(e);

    const ctes: RawBuilder<unknown>[] = [];
    const relations: KeyedRelation[] = request.searches.map((search, i) => {
      ctes.push(sql`${sql.id(`ranks${i}`)} AS ${this.ranks(search)}`);
      return {
        alias: `ds${i}`,
        relation: this.datasetRelation(search, i, needs.datasetFields.has("timespan")),
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
      conditions.push(pixelCandidates(this.#universe, this.#pixelization, constraint, joins));
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

  /** A data ID argument parsed against the universe. */
  parseDataId(input: QueryOptions["dataId"]): ParsedDataId | undefined {
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

  /** `(collection_id, rank)` of the searched collections, as one bound relation. */
  ranks(search: DatasetSearchSpec): RawBuilder<unknown> {
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
  datasetRelation(search: DatasetSearchSpec, i: number, withTimespan: boolean): RawBuilder<unknown> {
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
}

/** The parsed `where` expression, if any. */
export function parseWhere(text: string | undefined): ExpressionNode | undefined {
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
