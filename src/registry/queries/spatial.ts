/**
 * Sky regions in queries: the implicit overlap joins between sky families, data ID pixels as regions,
 * the SQL half of an overlap (candidate rows through the sky-pixel overlap tables) and the exact test
 * in code on the fetched regions.
 */
import { type RawBuilder, sql } from "kysely";
import type { DimensionGroup, DimensionUniverse } from "../../core/index.ts";
import { InvalidQueryError } from "../../errors/index.ts";
import { decodeRegion, HtmPixelization, type Region } from "../../sphgeom/index.ts";
import { overlapTableName, SKYPIX_INDEX_COLUMN } from "../schema/dimension-tables.ts";
import { toBytes } from "../sql-values.ts";
import type { JoinPlan } from "./join-plan.ts";
import type { RegionOperand, SpatialConstraint } from "./where-scope.ts";

/** Fewer ranges than this keep a constant region's pixel test short. */
const MAX_PIXEL_RANGES = 64;

/** The finest stored sky element of each of the group's non-pixel spatial families (visit_detector_region, patch …). */
export function skyElements(universe: DimensionUniverse, group: DimensionGroup): string[] {
  return group.spatialFamilies
    .filter((f) => f.skypixSystem === null)
    .map((f) => f.choose(group))
    .filter((e): e is string => e !== null && universe.getElement(e).hasOwnTable);
}

/** Region overlaps that relate a group's sky families to one another, as daf_butler relates them. */
export function implicitSpatialJoin(universe: DimensionUniverse, group: DimensionGroup): SpatialConstraint[] {
  const chosen = skyElements(universe, group);
  const out: SpatialConstraint[] = [];
  for (let i = 1; i < chosen.length; i++)
    out.push({ left: { element: chosen[0]! }, right: { element: chosen[i]! } });
  return out;
}

/** Region overlaps of the group's sky elements with the pixels a data ID names. */
export function pixelConstraints(
  universe: DimensionUniverse,
  pixels: readonly { dimension: string; id: number }[],
  group: DimensionGroup,
): SpatialConstraint[] {
  if (pixels.length === 0) return [];
  const elements = skyElements(universe, group);
  const out: SpatialConstraint[] = [];
  for (const { dimension, id } of pixels) {
    const element = universe.getElement(dimension);
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

/** The SQL half of a region overlap: rows whose sky pixels meet (the exact test follows in code). */
export function pixelCandidates(
  universe: DimensionUniverse,
  pixelization: HtmPixelization,
  constraint: SpatialConstraint,
  joins: JoinPlan,
): RawBuilder<unknown> {
  const sides = [constraint.left, constraint.right];
  const elements = sides.filter((s): s is { element: string } => "element" in s);
  const constants = sides.filter((s): s is { constant: Region } => "constant" in s);
  const tables: RawBuilder<unknown>[] = [];
  const conditions: RawBuilder<unknown>[] = [];
  elements.forEach((side, i) => {
    const alias = `o${i}`;
    tables.push(sql`${sql.table(overlapTableName(side.element))} AS ${sql.id(alias)}`);
    for (const d of universe.getElement(side.element).required) {
      conditions.push(sql`${sql.ref(`${alias}.${d}`)} = ${joins.key(d)}`);
    }
  });
  if (elements.length === 2)
    conditions.push(sql`o0.${sql.id(SKYPIX_INDEX_COLUMN)} = o1.${sql.id(SKYPIX_INDEX_COLUMN)}`);
  for (const side of constants) {
    const ranges = pixelization.envelope(side.constant, MAX_PIXEL_RANGES);
    if (ranges.length === 0) return sql`1 = 0`;
    const pixel = sql.ref(`o0.${SKYPIX_INDEX_COLUMN}`);
    const any = ranges.map(([begin, end]) =>
      end - begin === 1 ? sql`${pixel} = ${begin}` : sql`(${pixel} >= ${begin} AND ${pixel} < ${end})`,
    );
    conditions.push(sql`(${sql.join(any, sql` OR `)})`);
  }
  return sql`EXISTS (SELECT 1 FROM ${sql.join(tables, sql` CROSS JOIN `)} WHERE ${sql.join(conditions, sql` AND `)})`;
}

/** The exact region test of one constraint on a fetched row. */
export function regionsOverlap(
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

/** The elements whose regions a constraint compares. */
export function regionElements(constraint: SpatialConstraint): string[] {
  return [constraint.left, constraint.right].flatMap((s) => ("element" in s ? [s.element] : []));
}
