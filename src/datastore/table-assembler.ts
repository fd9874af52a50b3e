/**
 * The assembler of the table storage classes (daf_butler's ArrowTableDelegate): checks the `columns`
 * parameter before any I/O, takes `columns`, `rowcount` and `schema` from a whole Table, and selects
 * columns of a table already in memory.
 */
import type { StorageClass } from "../core/index.ts";
import { InvalidArgumentError, InvalidParameterError, UnknownComponentError } from "../errors/index.ts";
import { Table } from "../table/table.ts";
import type { Assembler } from "./assembler.ts";

/** A `columns` parameter as a non-empty list of names or globs. */
export function normalizeColumns(value: unknown): string[] {
  const list = typeof value === "string" ? [value] : value;
  if (
    !Array.isArray(list) ||
    list.length === 0 ||
    !list.every((c): c is string => typeof c === "string" && c !== "")
  ) {
    throw new InvalidParameterError(
      "columns",
      `expected a column name or a non-empty list of column names (globs with * and ? allowed); got ${JSON.stringify(value)}`,
    );
  }
  return [...list];
}

function asTable(object: unknown, storageClass: StorageClass): Table {
  if (object instanceof Table) return object;
  const what =
    object === null ? "null" : typeof object === "object" ? object.constructor?.name : typeof object;
  throw new InvalidArgumentError(`a ${storageClass.name} must be a Table; got ${what}`);
}

export const tableAssembler: Assembler = {
  name: "ArrowTableDelegate",

  normalizeParameters(_storageClass, parameters) {
    const out: Record<string, unknown> = { ...parameters };
    if (parameters.columns !== undefined) out.columns = normalizeColumns(parameters.columns);
    return out;
  },

  getComponent(object, component, storageClass) {
    const table = asTable(object, storageClass);
    switch (component) {
      case "columns":
        return table.columnNames;
      case "rowcount":
        return table.numRows;
      case "schema":
        return table.schema;
    }
    throw new UnknownComponentError(
      component,
      `storage class ${storageClass.name}`,
      storageClass.allComponents(),
    );
  },

  handleParameters(object, parameters, storageClass) {
    if (parameters.columns === undefined) return object;
    return asTable(object, storageClass).select(normalizeColumns(parameters.columns));
  },
};
