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
function skyElements(universe: DimensionUniverse, group: DimensionGroup): string[] {
  return group.spatialFamilies
    .filter((f) => f.skypixSystem === null)
    .map((f) => f.choose(group))
    .filter((e): e is string => e !== null && universe.getElement(e).hasOwnTable);
}

/** The level of an htm sky pixel dimension; undefined for any other element. */
function htmLevel(universe: DimensionUniverse, element: string): number | undefined {
  const e = universe.getElement(element);
  return e.kind === "skypix" && e.skypixSystem === "htm" && e.skypixLevel !== null
    ? e.skypixLevel
    : undefined;
}

/** Whether the element's region is computed from its key (an htm pixel) rather than stored. */
export function isPixelRegion(universe: DimensionUniverse, element: string): boolean {
  return htmLevel(universe, element) !== undefined;
}

/** The htm sky pixel dimensions of the group (htm7 of a reference catalog's data ID …). */
function pixelElements(universe: DimensionUniverse, group: DimensionGroup): string[] {
  return group.names.filter((d) => htmLevel(universe, d) !== undefined);
}

/**
 * Region overlaps that relate a group's sky families to one another, as daf_butler relates them:
 * stored sky elements (visit_detector_region, patch …) and htm sky pixel dimensions alike.
 */
export function implicitSpatialJoin(universe: DimensionUniverse, group: DimensionGroup): SpatialConstraint[] {
  const chosen = [...skyElements(universe, group), ...pixelElements(universe, group)];
  const out: SpatialConstraint[] = [];
  for (let i = 1; i < chosen.length; i++)
    out.push({ left: { element: chosen[0]! }, right: { element: chosen[i]! } });
  return out;
}

/** The SELECT item that gives the exact test an element's region: its region column, or a pixel's key. */
export function regionSelection(
  universe: DimensionUniverse,
  element: string,
  joins: JoinPlan,
): RawBuilder<unknown> {
  return isPixelRegion(universe, element) ? joins.key(element) : joins.column(element, "region");
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
  const isPixel = (s: RegionOperand): s is { element: string } =>
    "element" in s && isPixelRegion(universe, s.element);
  const stored = sides.filter((s): s is { element: string } => "element" in s && !isPixel(s));
  const pixels = sides.filter(isPixel);
  const constants = sides.filter((s): s is { constant: Region } => "constant" in s);
  if (stored.length === 0) return pixelKeyCandidates(universe, pixels, constants, joins);
  const tables: RawBuilder<unknown>[] = [];
  const conditions: RawBuilder<unknown>[] = [];
  stored.forEach((side, i) => {
    const alias = `o${i}`;
    tables.push(sql`${sql.table(overlapTableName(side.element))} AS ${sql.id(alias)}`);
    for (const d of universe.getElement(side.element).required) {
      conditions.push(sql`${sql.ref(`${alias}.${d}`)} = ${joins.key(d)}`);
    }
  });
  const common = sql.ref(`o0.${SKYPIX_INDEX_COLUMN}`);
  if (stored.length === 2) conditions.push(sql`${common} = o1.${sql.id(SKYPIX_INDEX_COLUMN)}`);
  for (const side of pixels) {
    conditions.push(
      samePixel(common, pixelization.level, joins.key(side.element), htmLevel(universe, side.element)!),
    );
  }
  for (const side of constants) {
    const ranges = pixelization.envelope(side.constant, MAX_PIXEL_RANGES);
    if (ranges.length === 0) return sql`1 = 0`;
    conditions.push(inRanges(common, ranges));
  }
  return sql`EXISTS (SELECT 1 FROM ${sql.join(tables, sql` CROSS JOIN `)} WHERE ${sql.join(conditions, sql` AND `)})`;
}

/** Candidates of an overlap with no stored region: conditions on the pixels' keys alone. */
function pixelKeyCandidates(
  universe: DimensionUniverse,
  pixels: readonly { element: string }[],
  constants: readonly { constant: Region }[],
  joins: JoinPlan,
): RawBuilder<unknown> {
  const [first, second] = pixels;
  const level = htmLevel(universe, first!.element)!;
  if (second !== undefined) {
    return samePixel(
      joins.key(first!.element),
      level,
      joins.key(second.element),
      htmLevel(universe, second.element)!,
    );
  }
  const ranges = new HtmPixelization(level).envelope(constants[0]!.constant, MAX_PIXEL_RANGES);
  return ranges.length === 0 ? sql`1 = 0` : inRanges(joins.key(first!.element), ranges);
}

/** Two htm pixels of any levels overlap exactly when the finer one lies inside the coarser one. */
function samePixel(
  a: RawBuilder<unknown>,
  levelA: number,
  b: RawBuilder<unknown>,
  levelB: number,
): RawBuilder<unknown> {
  if (levelA === levelB) return sql`${a} = ${b}`;
  const [fine, coarse, steps] = levelA > levelB ? [a, b, levelA - levelB] : [b, a, levelB - levelA];
  const factor = 4 ** steps;
  return sql`(${fine} >= ${coarse} * ${sql.lit(factor)} AND ${fine} < (${coarse} + 1) * ${sql.lit(factor)})`;
}

function inRanges(
  pixel: RawBuilder<unknown>,
  ranges: readonly (readonly [number, number])[],
): RawBuilder<unknown> {
  const any = ranges.map(([begin, end]) =>
    end - begin === 1 ? sql`${pixel} = ${begin}` : sql`(${pixel} >= ${begin} AND ${pixel} < ${end})`,
  );
  return sql`(${sql.join(any, sql` OR `)})`;
}

/** The exact region test of one constraint on a fetched row (a pixel's region from its key). */
export function regionsOverlap(
  universe: DimensionUniverse,
  constraint: SpatialConstraint,
  columns: ReadonlyMap<string, string>,
  row: Record<string, unknown>,
): boolean {
  const region = (side: RegionOperand): Region | null => {
    if ("constant" in side) return side.constant;
    const raw = row[columns.get(side.element)!];
    if (raw === null || raw === undefined) return null;
    const level = htmLevel(universe, side.element);
    return level === undefined ? decodeRegion(toBytes(raw)) : new HtmPixelization(level).pixel(Number(raw));
  };
  const a = region(constraint.left);
  const b = region(constraint.right);
  return a !== null && b !== null && a.overlaps(b);
}

/** The elements whose regions a constraint compares. */
export function regionElements(constraint: SpatialConstraint): string[] {
  return [constraint.left, constraint.right].flatMap((s) => ("element" in s ? [s.element] : []));
}
