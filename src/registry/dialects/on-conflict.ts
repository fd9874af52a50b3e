import type { Kysely } from "kysely";
import type { DynamicSchema } from "./registry-dialect.ts";

/** Splits rows so that one INSERT carries at most `maxParameters` bound values. */
export function chunkRows<T extends Record<string, unknown>>(
  rows: readonly T[],
  maxParameters: number,
): T[][] {
  if (rows.length === 0) return [];
  const width = Math.max(1, Object.keys(rows[0]!).length);
  const size = Math.max(1, Math.floor(maxParameters / width));
  const chunks: T[][] = [];
  for (let i = 0; i < rows.length; i += size) chunks.push(rows.slice(i, i + size));
  return chunks;
}

/** `INSERT … ON CONFLICT (cols) DO NOTHING`, which both supported engines speak. */
export async function insertOnConflictDoNothing(
  db: Kysely<DynamicSchema>,
  table: string,
  rows: readonly Record<string, unknown>[],
  conflictColumns: readonly string[],
  maxParameters: number,
): Promise<number> {
  let inserted = 0;
  for (const chunk of chunkRows(rows, maxParameters)) {
    const result = await db
      .insertInto(table)
      .values(chunk)
      .onConflict((oc) => oc.columns([...conflictColumns]).doNothing())
      .executeTakeFirst();
    inserted += Number(result.numInsertedOrUpdatedRows ?? 0n);
  }
  return inserted;
}

/** `INSERT … ON CONFLICT (cols) DO UPDATE SET other = excluded.other`. */
export async function insertOnConflictUpdate(
  db: Kysely<DynamicSchema>,
  table: string,
  rows: readonly Record<string, unknown>[],
  conflictColumns: readonly string[],
  maxParameters: number,
): Promise<void> {
  if (rows.length === 0) return;
  const others = Object.keys(rows[0]!).filter((c) => !conflictColumns.includes(c));
  for (const chunk of chunkRows(rows, maxParameters)) {
    await db
      .insertInto(table)
      .values(chunk)
      .onConflict((oc) => {
        const target = oc.columns([...conflictColumns]);
        if (others.length === 0) return target.doNothing();
        return target.doUpdateSet((eb) =>
          Object.fromEntries(others.map((c) => [c, eb.ref(`excluded.${c}`)])),
        );
      })
      .execute();
  }
}
