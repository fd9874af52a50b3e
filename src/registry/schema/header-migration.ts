/**
 * Schema version 2 → 3: the header index's values move from one row per dataset and key
 * (`dataset_header`) to one row per dataset in a table per dataset type with a column per key
 * (`header-tables.ts`), which a scan reads ten times fewer rows of.
 */
import { sql } from "kysely";
import type { RegistryDatabase } from "../database.ts";
import {
  HEADER_COLUMN_KINDS,
  HEADER_TABLES,
  headerValueColumn,
  headerValuesTable,
  headerValuesTableName,
  NARROW_HEADER_TABLE,
} from "./header-tables.ts";
import { createTable } from "./table-spec.ts";

const NARROW_COLUMNS: Readonly<Record<string, string>> = {
  logical: "bool_value",
  integer: "int_value",
  float: "float_value",
  string: "string_value",
};

export async function migrateHeaderValues(database: RegistryDatabase): Promise<void> {
  if (!(await hasNarrowTable(database))) return;
  const keys = await database.rows<{ key_id: unknown; dataset_type_id: unknown; type: string | null }>(
    sql`SELECT key_id, dataset_type_id, type FROM ${sql.table(HEADER_TABLES.key)} ORDER BY key_id`,
  );
  const byType = new Map<number, { id: number; type: string | null }[]>();
  for (const k of keys) {
    const typeId = Number(k.dataset_type_id);
    byType.set(typeId, [...(byType.get(typeId) ?? []), { id: Number(k.key_id), type: k.type }]);
  }
  const narrow = sql.table(NARROW_HEADER_TABLE);
  for (const [typeId, typeKeys] of byType) {
    const table = headerValuesTableName(typeId);
    await createTable(database.db, database.dialect, headerValuesTable(typeId), { ifNotExists: true });
    const ids = typeKeys.map((k) => k.id);
    await database.rows(sql`INSERT INTO ${sql.table(table)} (dataset_id)
      SELECT DISTINCT dataset_id FROM ${narrow} WHERE key_id IN (${sql.join(ids)})`);
    const others = new Map<string, Record<string, string | null>>();
    for (const key of typeKeys) {
      const typed = key.type === null ? undefined : NARROW_COLUMNS[key.type];
      if (typed !== undefined) {
        const column = headerValueColumn(key.id);
        await database.db.schema
          .alterTable(table)
          .addColumn(column, database.dialect.columnType({ kind: HEADER_COLUMN_KINDS[key.type!]! }))
          .execute();
        await database.rows(sql`UPDATE ${sql.table(table)} SET ${sql.id(column)} = (
          SELECT ${sql.ref(`h.${typed}`)} FROM ${narrow} AS h
          WHERE h.dataset_id = ${sql.table(table)}.dataset_id AND h.key_id = ${key.id})`);
      }
      // Values outside the typed column: absent from the file (NULL), or kept as their string.
      const rest = await database.rows<{ dataset_id: unknown; string_value: string | null }>(
        sql`SELECT dataset_id, string_value FROM ${narrow}
            WHERE key_id = ${key.id} ${typed === undefined ? sql`` : sql`AND ${sql.id(typed)} IS NULL`}`,
      );
      for (const row of rest) {
        const id = String(row.dataset_id);
        const entry = others.get(id) ?? {};
        entry[String(key.id)] = row.string_value ?? null;
        others.set(id, entry);
      }
    }
    for (const [id, entry] of others) {
      await database.rows(
        sql`UPDATE ${sql.table(table)} SET others = ${JSON.stringify(entry)} WHERE dataset_id = ${id}`,
      );
    }
  }
  await database.rows(sql`DROP TABLE ${narrow}`);
}

/**
 * Whether version 2's table is there (a registry migrated from version 1 in the same open never had
 * it). Asked on the migration's own connection: SQLite's only one is held by its transaction.
 */
async function hasNarrowTable(database: RegistryDatabase): Promise<boolean> {
  try {
    await database.transaction(() =>
      database.rows(sql`SELECT 1 FROM ${sql.table(NARROW_HEADER_TABLE)} WHERE 1 = 0`),
    );
    return true;
  } catch {
    return false;
  }
}
