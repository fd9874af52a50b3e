import type { ColumnSpec, DimensionElement, DimensionUniverse, RecordField } from "../../core/index.ts";
import type { ColumnTypeSpec } from "../dialects/registry-dialect.ts";
import type { ColumnDef, ForeignKeyDef, TableSpec } from "./table-spec.ts";

/** The column kind for a universe column type: ints are 64-bit, hashes are bytes. */
export function dimensionColumnType(
  spec: Pick<ColumnSpec, "length"> & { readonly type: RecordField["type"] },
): ColumnTypeSpec {
  switch (spec.type) {
    case "int":
      return { kind: "int64" };
    case "string":
      return { kind: "string", length: spec.length ?? 255 };
    case "float":
      return { kind: "float" };
    case "bool":
      return { kind: "bool" };
    case "hash":
    case "region":
      return { kind: "blob" };
    case "timespan":
      return { kind: "int64" };
  }
}

/** The name of the column that holds the sky-pixel index in overlap tables. */
export const SKYPIX_INDEX_COLUMN = "skypix_index";

/** `<element>_skypix_overlap`: the common-skypix (htm7) pixels a spatial element's region touches. */
export function overlapTableName(element: DimensionElement | string): string {
  return `${typeof element === "string" ? element : element.name}_skypix_overlap`;
}

/**
 * The column of `element`'s table that holds the value of `dimension`: the element's own key column
 * for itself (`id`, `name`), else the dimension's name. Undefined when the element has no such column.
 */
export function elementColumnFor(element: DimensionElement, dimension: string): string | undefined {
  return element.recordFields.find((f) => f.dimension === dimension)?.name;
}

/** The primary key columns of an element's table: its required dimensions' columns. */
export function elementKeyColumns(element: DimensionElement): string[] {
  return element.required.map((d) => elementColumnFor(element, d)!);
}

/** The table columns for one record field: a timespan becomes two int64 columns. */
function fieldColumns(field: RecordField): ColumnDef[] {
  if (field.type === "timespan") {
    return [
      { name: "timespan_begin", type: { kind: "int64" }, nullable: true },
      { name: "timespan_end", type: { kind: "int64" }, nullable: true },
    ];
  }
  if (field.type === "region") return [{ name: "region", type: { kind: "blob" }, nullable: true }];
  return [{ name: field.name, type: dimensionColumnType(field), nullable: field.nullable }];
}

/**
 * The table of one element: its record fields in order; primary key = the required dimensions'
 * columns; each alternate key unique together with the element's other required dimensions;
 * foreign keys to the tables of the dimensions it requires or implies.
 */
export function elementTable(element: DimensionElement): TableSpec {
  const columns = element.recordFields.flatMap(fieldColumns);
  const deps = element.required.filter((d) => d !== element.name).map((d) => elementColumnFor(element, d)!);
  const unique = element.alternateKeys.map((key) => [...deps, key.name]);
  return {
    name: element.name,
    columns,
    primaryKey: elementKeyColumns(element),
    unique,
    foreignKeys: dependencyForeignKeys(element),
  };
}

function dependencyForeignKeys(element: DimensionElement): ForeignKeyDef[] {
  const universe = element.universe;
  const keys: ForeignKeyDef[] = [];
  for (const field of element.recordFields) {
    if ((field.role !== "required" && field.role !== "implied") || field.dimension === element.name) continue;
    const target = universe.getElement(field.dimension!);
    if (!target.hasOwnTable) continue;
    const columns: string[] = [];
    const targetColumns: string[] = [];
    for (const dimension of target.required) {
      const column = dimension === target.name ? field.name : elementColumnFor(element, dimension);
      if (column === undefined) break;
      columns.push(column);
      targetColumns.push(elementColumnFor(target, dimension)!);
    }
    if (columns.length === target.required.length) keys.push({ columns, table: target.name, targetColumns });
  }
  return keys;
}

/**
 * The overlap table of a spatial element: one column per required dimension, named after the
 * dimension (`instrument`, `visit`), plus the pixel index; indexed both ways.
 */
function overlapTable(element: DimensionElement): TableSpec {
  const dims = element.required;
  return {
    name: overlapTableName(element),
    columns: [
      ...dims.map((d) => ({
        name: d,
        type: dimensionColumnType(element.universe.getElement(d).primaryKey!),
      })),
      { name: SKYPIX_INDEX_COLUMN, type: { kind: "int64" } },
    ],
    primaryKey: [...dims, SKYPIX_INDEX_COLUMN],
    indexes: [[SKYPIX_INDEX_COLUMN]],
    foreignKeys: [
      { columns: dims, table: element.name, targetColumns: elementKeyColumns(element), onDelete: "cascade" },
    ],
  };
}

/** Every element table then every overlap table, in dependency order. */
export function dimensionTables(universe: DimensionUniverse): TableSpec[] {
  const own = universe.elements.filter((e) => e.hasOwnTable);
  return [...own.map(elementTable), ...own.filter((e) => e.isSpatial).map(overlapTable)];
}
