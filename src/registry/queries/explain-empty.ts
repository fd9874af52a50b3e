/** Why a query found nothing, for `explain: true`. */
import { sql } from "kysely";
import type { DataCoordinate, DimensionGroup, DimensionUniverse } from "../../core/index.ts";
import type { RegistryDatabase } from "../database.ts";
import type { DatasetSearchSpec, QueryPlanner } from "./plan.ts";
import type { QueryOptions } from "./query-options.ts";

/** What explaining needs of the engine: its database, universe, planner and data ID query. */
export interface ExplainContext {
  readonly database: RegistryDatabase;
  readonly universe: DimensionUniverse;
  readonly planner: QueryPlanner;
  dataIds(
    requested: DimensionGroup,
    searches: readonly DatasetSearchSpec[],
    options: QueryOptions,
    exactRegions?: boolean,
  ): Promise<DataCoordinate[]>;
}

/**
 * Why a query found nothing: each constraint is checked on its own (collections, datasets in them,
 * the data ID's records, the where expression), and the ones that alone leave nothing are reported.
 */
export async function explainEmptyResult(
  ctx: ExplainContext,
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
    const rows = await ctx.database.rows(sql`
      WITH ranks0 AS ${ctx.planner.ranks(search)}
      SELECT 1 AS found FROM ${ctx.planner.datasetRelation(search, 0, false)} AS d LIMIT 1`);
    if (rows.length === 0) {
      reasons.push(
        `no datasets of type ${name} in collections [${search.collections.map((c) => c.name).join(", ")}]`,
      );
    }
  }
  if (reasons.length > 0) return reasons;
  const dataId = ctx.planner.parseDataId(options.dataId);
  if (dataId !== undefined) {
    for (const [d, value] of dataId.values) {
      const element = ctx.universe.getElement(d);
      if (!element.hasOwnTable) continue;
      const given = Object.fromEntries(
        element.required.flatMap((r) => (dataId.values.has(r) ? [[r, dataId.values.get(r)]] : [])),
      );
      if (Object.keys(given).length !== element.required.length) continue;
      const found = await ctx.dataIds(ctx.universe.conform([d]), [], { dataId: given });
      if (found.length === 0) reasons.push(`no ${d} record with ${d} = ${JSON.stringify(value)}`);
    }
    if (
      reasons.length === 0 &&
      (await ctx.dataIds(dimensions, searches, { dataId: options.dataId, limit: 1 })).length === 0
    ) {
      reasons.push(`nothing matches the data ID ${JSON.stringify(Object.fromEntries(dataId.values))}`);
    }
  }
  if (reasons.length > 0) return reasons;
  for (const name of [...dimensions.required, ...elements]) {
    const element = ctx.universe.getElement(name);
    if (!element.hasOwnTable) continue;
    const rows = await ctx.database.rows(sql`SELECT 1 AS found FROM ${sql.table(name)} LIMIT 1`);
    if (rows.length === 0) reasons.push(`the registry holds no ${name} records`);
  }
  if (reasons.length > 0) return reasons;
  // Rows the sky-pixel test keeps but the exact region test removes.
  const constraints = { where: options.where, bind: options.bind, dataId: options.dataId, limit: 1 };
  if ((await ctx.dataIds(dimensions, searches, constraints)).length > 0) {
    return [`rows match, but limit ${options.limit ?? "none"} and offset ${options.offset ?? 0} leave none`];
  }
  if ((await ctx.dataIds(dimensions, searches, constraints, false)).length > 0) {
    return [
      "rows match every constraint in the database, but none of their regions overlap " +
        "(the exact region test removed them all)",
    ];
  }
  if (options.where !== undefined && options.where.trim() !== "") {
    const without = await ctx.dataIds(dimensions, searches, { dataId: options.dataId, limit: 1 });
    if (without.length > 0) reasons.push(`the where expression '${options.where}' excludes every result`);
  }
  return reasons;
}
