/**
 * Cursors on PostgreSQL: `DECLARE … NO SCROLL CURSOR` in a read-only transaction on a connection of its
 * own, then `FETCH n` a page at a time, so the server holds the result and the client one page. While a
 * FETCH (or the DECLARE) runs, an abort sends pg_cancel_backend for that connection from another one;
 * between pages, stopping the iteration closes the cursor and ends the transaction. Inside a caller's
 * transaction the cursor lives there (it sees the transaction's writes) and is closed at the end.
 */
import { CompiledQuery, type Kysely } from "kysely";
import type { DynamicSchema, PagesContext } from "../registry-dialect.ts";
import type { PgPool } from "./postgres-errors.ts";

interface PgPoolClient {
  query(text: string, values?: readonly unknown[]): Promise<{ rows: Record<string, unknown>[] }>;
  release(err?: Error | boolean): void;
}

let cursors = 0;

export async function* postgresPages(
  pool: PgPool,
  kysely: Kysely<DynamicSchema>,
  query: CompiledQuery,
  pageSize: number,
  context: PagesContext,
): AsyncGenerator<Record<string, unknown>[]> {
  const cursor = `butler_cursor_${++cursors}`;
  const fetch = `FETCH ${Math.max(1, Math.trunc(pageSize))} FROM ${cursor}`;
  if (context.tx !== undefined) {
    const tx = context.tx;
    const run = async (text: string, values: readonly unknown[] = []) =>
      (await tx.executeQuery(CompiledQuery.raw(text, [...values]))).rows as Record<string, unknown>[];
    await run(`DECLARE ${cursor} NO SCROLL CURSOR FOR ${query.sql}`, query.parameters);
    try {
      yield* fetchAll(run, fetch, pageSize);
    } finally {
      await run(`CLOSE ${cursor}`).catch(() => {});
    }
    return;
  }
  const client = (await pool.connect()) as PgPoolClient;
  let broken: Error | undefined;
  let cancelling: Promise<unknown> | undefined;
  const signal = context.signal;
  const cancel = (pid: number) => () => {
    cancelling = kysely
      .executeQuery(CompiledQuery.raw("SELECT pg_cancel_backend($1)", [pid]))
      .catch(() => undefined);
  };
  let onAbort: (() => void) | undefined;
  try {
    const { rows } = await client.query("SELECT pg_backend_pid() AS pid");
    onAbort = cancel(Number(rows[0]!.pid));
    signal?.addEventListener("abort", onAbort, { once: true });
    await client.query("BEGIN READ ONLY");
    const run = async (text: string, values: readonly unknown[] = []) =>
      (await client.query(text, values)).rows;
    await run(`DECLARE ${cursor} NO SCROLL CURSOR FOR ${query.sql}`, query.parameters);
    yield* fetchAll(run, fetch, pageSize);
  } finally {
    if (onAbort !== undefined) signal?.removeEventListener("abort", onAbort);
    // A late cancel must not stop what the connection's next user runs: wait for its answer first.
    await cancelling;
    // Ending the transaction closes the cursor and frees what the server held for it.
    await client.query("ROLLBACK").catch((err: unknown) => {
      broken = err instanceof Error ? err : new Error(String(err));
    });
    client.release(broken);
  }
}

async function* fetchAll(
  run: (text: string) => Promise<Record<string, unknown>[]>,
  fetch: string,
  pageSize: number,
): AsyncGenerator<Record<string, unknown>[]> {
  for (;;) {
    const rows = await run(fetch);
    if (rows.length > 0) yield rows;
    if (rows.length < pageSize) return;
  }
}
