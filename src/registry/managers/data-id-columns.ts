import { type RawBuilder, sql } from "kysely";
import { DataCoordinate, type DataIdValue, type DimensionGroup } from "../../core/index.ts";
import type { RowsColumn } from "../dialects/registry-dialect.ts";
import { dimensionColumnType, elementColumnFor } from "../schema/dimension-tables.ts";
import { toNumber } from "../sql-values.ts";

/**
 * How a query gets a group's full data IDs from a relation that holds only the required dimension
 * columns (a tags or calibs table): LEFT JOINs to the dimension tables that imply the other
 * dimensions, in lookup order (visit → physical_filter → band).
 */
export interface DataIdColumns {
  /** The JOIN clauses to append after the source relation. */
  readonly joins: RawBuilder<unknown>;
  /** SELECT items naming every dimension of the group by its own name, required then implied. */
  readonly select: RawBuilder<unknown>;
}

/** Built once per group and alias: single-data-ID lookups ask for the same columns call after call. */
const builtColumns = new WeakMap<DimensionGroup, Map<string, DataIdColumns>>();

/** The relation `alias` has one column per required dimension of `group`, named after it. */
export function dataIdColumns(group: DimensionGroup, alias: string): DataIdColumns {
  let byAlias = builtColumns.get(group);
  if (byAlias === undefined) {
    byAlias = new Map();
    builtColumns.set(group, byAlias);
  }
  let columns = byAlias.get(alias);
  if (columns === undefined) {
    columns = buildDataIdColumns(group, alias);
    byAlias.set(alias, columns);
  }
  return columns;
}

function buildDataIdColumns(group: DimensionGroup, alias: string): DataIdColumns {
  const universe = group.universe;
  const known = new Map<string, RawBuilder<unknown>>();
  for (const d of group.required) known.set(d, sql.ref(`${alias}.${d}`));
  const joins: RawBuilder<unknown>[] = [];
  for (const name of group.lookupOrder) {
    const element = universe.getElement(name);
    if (!element.hasOwnTable || element.kind !== "dimension") continue;
    const wanted = element.implied.filter((d) => group.has(d) && !known.has(d));
    if (wanted.length === 0 || !element.required.every((d) => known.has(d))) continue;
    const joinAlias = `__i_${name}`;
    const on = sql.join(
      element.required.map(
        (d) => sql`${sql.ref(`${joinAlias}.${elementColumnFor(element, d)!}`)} = ${known.get(d)!}`,
      ),
      sql` AND `,
    );
    joins.push(sql`LEFT JOIN ${sql.table(name)} AS ${sql.id(joinAlias)} ON ${on}`);
    for (const d of wanted) known.set(d, sql.ref(`${joinAlias}.${elementColumnFor(element, d)!}`));
  }
  const select = sql.join(
    group.dataCoordinateKeys.map((d) => sql`${known.get(d) ?? sql`NULL`} AS ${sql.id(d)}`),
  );
  return { joins: sql.join(joins, sql` `), select };
}

/** Columns for the required values of a group's data IDs in a `rowsTable`. */
export function requiredColumns(group: DimensionGroup): RowsColumn[] {
  return group.required.map((d) => ({
    name: d,
    type: dimensionColumnType(group.universe.getElement(d).primaryKey!),
  }));
}

/** `a.d1 = b.d1 AND a.d2 = b.d2 …` over a group's required dimensions (TRUE for none). */
export function requiredEquals(group: DimensionGroup, a: string, b: string): RawBuilder<unknown> {
  if (group.required.length === 0) return sql`1 = 1`;
  return sql.join(
    group.required.map((d) => sql`${sql.ref(`${a}.${d}`)} = ${sql.ref(`${b}.${d}`)}`),
    sql` AND `,
  );
}

/** The data ID in a row selected with `dataIdColumns` (full when every implied value is there). */
export function dataIdFromRow(group: DimensionGroup, row: Readonly<Record<string, unknown>>): DataCoordinate {
  const values: DataIdValue[] = [];
  let full = true;
  for (const d of group.dataCoordinateKeys) {
    const raw = row[d];
    if (raw === null || raw === undefined) {
      full = false;
      break;
    }
    values.push(
      group.universe.getElement(d).primaryKey!.type === "int" ? toNumber(raw) : (raw as DataIdValue),
    );
  }
  if (full) return DataCoordinate.fromFullValues(group, values);
  return DataCoordinate.fromRequiredValues(group, values.slice(0, group.required.length));
}
