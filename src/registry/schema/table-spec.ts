import type { Kysely } from "kysely";
import type { ColumnTypeSpec, DynamicSchema, RegistryDialect } from "../dialects/registry-dialect.ts";

export interface ColumnDef {
  readonly name: string;
  readonly type: ColumnTypeSpec;
  /** Columns are NOT NULL unless this is true. */
  readonly nullable?: boolean;
}

export interface ForeignKeyDef {
  readonly columns: readonly string[];
  readonly table: string;
  readonly targetColumns: readonly string[];
  readonly onDelete?: "cascade" | "restrict";
}

/**
 * An engine-neutral table definition. An `autoincrement` column is the whole primary key by itself,
 * so a table with one has no `primaryKey`.
 */
export interface TableSpec {
  readonly name: string;
  readonly columns: readonly ColumnDef[];
  readonly primaryKey?: readonly string[];
  readonly unique?: readonly (readonly string[])[];
  readonly indexes?: readonly (readonly string[])[];
  readonly foreignKeys?: readonly ForeignKeyDef[];
}

/** Creates the table and its indexes (names derive from the table's, so they are unique per schema). */
export async function createTable(
  db: Kysely<DynamicSchema>,
  dialect: RegistryDialect,
  spec: TableSpec,
  options: { ifNotExists?: boolean } = {},
): Promise<void> {
  let builder = db.schema.createTable(spec.name);
  if (options.ifNotExists) builder = builder.ifNotExists();
  for (const column of spec.columns) {
    builder = builder.addColumn(column.name, dialect.columnType(column.type), (c) =>
      column.nullable || column.type.kind === "autoincrement" ? c : c.notNull(),
    );
  }
  if (spec.primaryKey !== undefined) {
    builder = builder.addPrimaryKeyConstraint(`${spec.name}_pkey`, [...spec.primaryKey] as never);
  }
  (spec.unique ?? []).forEach((columns, i) => {
    builder = builder.addUniqueConstraint(`${spec.name}_unq${i}`, [...columns] as never);
  });
  (spec.foreignKeys ?? []).forEach((fk, i) => {
    builder = builder.addForeignKeyConstraint(
      `${spec.name}_fkey${i}`,
      [...fk.columns] as never,
      fk.table,
      [...fk.targetColumns],
      (c) => (fk.onDelete === "cascade" ? c.onDelete("cascade") : c),
    );
  });
  await builder.execute();
  for (const [i, columns] of (spec.indexes ?? []).entries()) {
    let index = db.schema
      .createIndex(`${spec.name}_idx${i}`)
      .on(spec.name)
      .columns([...columns]);
    if (options.ifNotExists) index = index.ifNotExists();
    await index.execute();
  }
}
