/**
 * Registry statements under a query signal: none starts once the signal has aborted, and where the
 * engine can stop a running statement (PostgreSQL), an abort stops it in the database and leaves the
 * connection pool healthy.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { sql } from "kysely";
import { QueryCancelledError } from "../../src/errors/index.ts";
import { withQuerySignal } from "../../src/registry/index.ts";
import { StatementTemplate } from "../../src/registry/statement-template.ts";
import { forEachDialect } from "./registry-support.ts";

forEachDialect("query cancellation", (ctx) => {
  test("an aborted signal stops registry calls before any statement", async () => {
    const registry = await ctx.makeRegistry();
    const abort = new AbortController();
    abort.abort();
    await assert.rejects(
      withQuerySignal(abort.signal, () => registry.queryCollections("*")),
      (err) => err instanceof QueryCancelledError && err.code === "QUERY_CANCELLED",
    );
    assert.deepEqual(await registry.queryCollections("*"), []);
    const live = new AbortController();
    assert.deepEqual(await withQuerySignal(live.signal, () => registry.queryCollections("*")), []);
  });

  if (ctx.dialect === "postgres") {
    test("an abort cancels the running statement in the database", async () => {
      const registry = await ctx.makeRegistry();
      const database = registry.internals.database;
      const abort = new AbortController();
      const started = performance.now();
      setTimeout(() => abort.abort(), 200);
      await assert.rejects(
        withQuerySignal(abort.signal, () => database.rows(sql`SELECT pg_sleep(20)`)),
        QueryCancelledError,
      );
      assert.ok(performance.now() - started < 5000, "cancelled well before the 20 s sleep ends");
      const sleeping = await database.rows<{ n: number }>(
        sql`SELECT count(*)::int AS n FROM pg_stat_activity WHERE query LIKE 'SELECT pg_sleep(20)%' AND state = 'active'`,
      );
      assert.equal(sleeping[0]!.n, 0);
      assert.deepEqual(await database.rows(sql`SELECT 1 AS one`), [{ one: 1 }]);
    });

    test("an abort cancels a running statement template, prepared or not yet", async () => {
      const registry = await ctx.makeRegistry();
      const database = registry.internals.database;
      const template = StatementTemplate.compile(
        database.db,
        (slot) => sql`SELECT pg_sleep(${slot(0)}::float8) AS slept`,
      );
      assert.equal((await database.rows(template.bind([0]))).length, 1);
      for (const _ of [1, 2]) {
        const abort = new AbortController();
        const started = performance.now();
        setTimeout(() => abort.abort(), 200);
        await assert.rejects(
          withQuerySignal(abort.signal, () => database.rows(template.bind([20]))),
          QueryCancelledError,
        );
        assert.ok(performance.now() - started < 5000, "cancelled well before the 20 s sleep ends");
      }
      assert.equal((await database.rows(template.bind([0]))).length, 1);
    });
  }
});
