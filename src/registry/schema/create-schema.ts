import type { DimensionUniverse } from "../../core/index.ts";
import type { RegistryDatabase } from "../database.ts";
import { dimensionTables } from "./dimension-tables.ts";
import { headerTables } from "./header-tables.ts";
import { governorSummaryTables, staticTables } from "./static-tables.ts";
import { createTable, type TableSpec } from "./table-spec.ts";
import { tokenTables } from "./token-tables.ts";

/** Every table a new registry starts with, in creation order. */
export function initialTables(universe: DimensionUniverse): TableSpec[] {
  return [
    ...staticTables(),
    ...dimensionTables(universe),
    ...governorSummaryTables(universe),
    ...headerTables(),
    ...tokenTables(),
  ];
}

/** Creates the initial tables in the current transaction (the caller opens it). */
export async function createSchema(database: RegistryDatabase, universe: DimensionUniverse): Promise<void> {
  for (const table of initialTables(universe)) {
    await createTable(database.db, database.dialect, table);
  }
}
