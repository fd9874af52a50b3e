/**
 * Cursors on SQLite. better-sqlite3 allows no other statement on a connection while one of its
 * statements is being iterated, so a cursor that lived on the registry's one connection would hold every
 * other query of the process (and deadlock a caller that queries while it iterates). A cursor therefore
 * gets its own read-only connection on the same file: WAL lets it read a snapshot while the main
 * connection reads and writes. Rows are read a page at a time on the main thread, and the event loop
 * gets a turn between pages, so an abort or a closed socket is seen there. A single step that runs long
 * before its next row (a sort of the whole result) cannot be stopped: better-sqlite3 exposes no
 * sqlite3_interrupt, and terminating a worker thread does not stop native code either.
 * A database in memory, or a caller inside a transaction, has only the one connection: there the result
 * is read whole and handed out in pages.
 */
import { setImmediate as nextTurn } from "node:timers/promises";
import type { CompiledQuery, Kysely } from "kysely";
import type { DynamicSchema, PagesContext } from "../registry-dialect.ts";
import { type BetterSqliteDatabase, SqliteConnection } from "./sqlite-connection.ts";

export interface SqliteCursorSource {
  /** The registry's connection (for its file name). */
  readonly database: BetterSqliteDatabase;
  readonly kysely: Kysely<DynamicSchema>;
  readonly busyTimeoutMs: number;
  readonly mapError: (err: unknown) => unknown;
}

export async function* sqlitePages(
  source: SqliteCursorSource,
  query: CompiledQuery,
  pageSize: number,
  context: PagesContext,
): AsyncGenerator<Record<string, unknown>[]> {
  const name = source.database.name;
  if (context.tx !== undefined || source.database.memory !== false || name === undefined || name === "") {
    const { rows } = await (context.tx ?? source.kysely).executeQuery(query);
    for (let i = 0; i < rows.length; i += pageSize) {
      yield rows.slice(i, i + pageSize) as Record<string, unknown>[];
    }
    return;
  }
  const { default: Database } = await import("better-sqlite3");
  let reader: SqliteConnection;
  try {
    const opened = new Database(name, { readonly: true, fileMustExist: true }) as BetterSqliteDatabase;
    opened.pragma(`busy_timeout = ${source.busyTimeoutMs}`);
    reader = new SqliteConnection(opened, source.mapError);
  } catch (err) {
    throw source.mapError(err);
  }
  try {
    const rows = reader.prepare(query.sql).iterate(query.parameters) as Iterator<Record<string, unknown>>;
    try {
      for (;;) {
        const page: Record<string, unknown>[] = [];
        let step = rows.next();
        while (!step.done) {
          page.push(step.value);
          if (page.length === pageSize) break;
          step = rows.next();
        }
        if (page.length > 0) yield page;
        if (step.done) return;
        // Let the event loop see a closed socket, a timer or another request before the next page.
        await nextTurn();
        if (context.signal?.aborted) return;
      }
    } finally {
      rows.return?.();
    }
  } finally {
    reader.close();
  }
}
