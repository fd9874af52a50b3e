import assert from "node:assert/strict";
import { test } from "node:test";
import { sql } from "kysely";
import { rowsToJson } from "../../src/registry/dialects/registry-dialect.ts";
import { StatementTemplate, TemplateCache } from "../../src/registry/statement-template.ts";
import { forEachDialect } from "./registry-support.ts";

forEachDialect("statement template", (ctx) => {
  test("a compiled statement runs with each call's values in its slots and keeps its fixed ones", async () => {
    const registry = await ctx.makeRegistry();
    const db = registry.internals.database;
    const columns = [
      { name: "n", type: { kind: "int64" } },
      { name: "s", type: { kind: "string", length: 20 } },
    ] as const;
    const template = StatementTemplate.compile(
      db.db,
      (slot) => sql`SELECT r.n, r.s, ${"fixed"} AS f FROM ${db.encodedRowsTable(slot(1), columns)} AS r
        WHERE r.n >= ${slot(0)} ORDER BY r.n`,
    );
    const rows = rowsToJson([
      [1, "a"],
      [2, "b"],
      [3, "c"],
    ]);
    assert.deepEqual(await db.rows(template.bind([2, rows])), [
      { n: 2, s: "b", f: "fixed" },
      { n: 3, s: "c", f: "fixed" },
    ]);
    // The same text with other values: nothing of the previous call stays bound.
    const second = template.bind([0, rowsToJson([[7, "x'y"]])]);
    assert.equal(second.sql, template.sql);
    assert.deepEqual(await db.rows(second), [{ n: 7, s: "x'y", f: "fixed" }]);
    // Inside a transaction it runs on the transaction's connection.
    await db.transaction(async () => {
      assert.deepEqual(await db.rows(template.bind([5, rowsToJson([[5, "t"]])])), [
        { n: 5, s: "t", f: "fixed" },
      ]);
    });
  });

  test("the cache builds a template once per key and drops the oldest when full", async () => {
    const db = (await ctx.makeRegistry()).internals.database;
    const cache = new TemplateCache(2);
    let built = 0;
    const make = () => {
      built++;
      return StatementTemplate.compile(db.db, () => sql`SELECT 1`);
    };
    const a = cache.get("a", make);
    assert.equal(cache.get("a", make), a);
    cache.get("b", make);
    cache.get("c", make);
    assert.equal(built, 3);
    assert.notEqual(cache.get("a", make), a);
    assert.equal(built, 4);
  });
});

forEachDialect("statement template, prepared", (ctx) => {
  test("a template runs as one named statement per connection, outside and inside transactions", async () => {
    // One connection, so every statement below meets the same prepared statements.
    const registry = await ctx.makeRegistry({ dialectOptions: { maxConnections: 1 } });
    const db = registry.internals.database;
    const build = (slot: (i: number) => unknown) => sql`SELECT ${slot(0)} AS v, ${"fixed"} AS f`;
    const template = StatementTemplate.compile(db.db, build);
    assert.equal(StatementTemplate.compile(db.db, build).name, template.name);
    assert.match(template.name, /^[a-z_][a-z0-9_]*$/);
    assert.notEqual(StatementTemplate.compile(db.db, () => sql`SELECT 2 AS v`).name, template.name);
    const prepared = async () => {
      if (ctx.dialect !== "postgres") return [];
      const rows = await db.rows<{ name: string; statement: string }>(
        sql`SELECT name, statement FROM pg_prepared_statements ORDER BY name`,
      );
      return rows.map((r) => [r.name, r.statement]);
    };
    assert.deepEqual(await prepared(), []);
    for (const v of ["a", "b"]) assert.deepEqual(await db.rows(template.bind([v])), [{ v, f: "fixed" }]);
    await db.transaction(async () => {
      assert.deepEqual(await db.rows(template.bind(["c"])), [{ v: "c", f: "fixed" }]);
    });
    // Ad-hoc statements, the catalog query included, stay unnamed.
    const expected = ctx.dialect === "postgres" ? [[template.name, template.sql]] : [];
    assert.deepEqual(await prepared(), expected);
  });

  test("a table changed after a statement was prepared does not break it", async () => {
    const registry = await ctx.makeRegistry({ dialectOptions: { maxConnections: 1 } });
    const db = registry.internals.database;
    await db.rows(sql`CREATE TABLE reshaped (a INTEGER)`);
    await db.rows(sql`INSERT INTO reshaped (a) VALUES (1)`);
    // `*` changes the result's columns with the table: a prepared plan may not survive that.
    const template = StatementTemplate.compile(
      db.db,
      (slot) => sql`SELECT * FROM reshaped WHERE a = ${slot(0)}`,
    );
    assert.deepEqual(await db.rows(template.bind([1])), [{ a: 1 }]);
    await db.rows(sql`ALTER TABLE reshaped ADD COLUMN b INTEGER`);
    assert.deepEqual(await db.rows(template.bind([1])), [{ a: 1, b: null }]);
    assert.deepEqual(await db.rows(template.bind([1])), [{ a: 1, b: null }]);
    if (ctx.dialect === "postgres") {
      // The stale statement was replaced, not kept beside its successor.
      const kept = await db.rows(sql`SELECT name FROM pg_prepared_statements`);
      assert.equal(kept.length, 1);
      // Something else dropping the connection's statements is the same kind of surprise.
      await db.rows(sql`DEALLOCATE ALL`);
      assert.deepEqual(await db.rows(template.bind([1])), [{ a: 1, b: null }]);
    }

    await db.rows(sql`ALTER TABLE reshaped ADD COLUMN c INTEGER`);
    const inTransaction = () => db.transaction(() => db.rows(template.bind([1])));
    if (ctx.dialect === "postgres") {
      // Inside a transaction the failure has already aborted it; the next one prepares anew.
      await assert.rejects(inTransaction, (err: unknown) => (err as { code?: string }).code === "0A000");
    }
    assert.deepEqual(await inTransaction(), [{ a: 1, b: null, c: null }]);
    assert.deepEqual(await db.rows(template.bind([1])), [{ a: 1, b: null, c: null }]);
  });

  test("a template's failures are classified as an ad-hoc statement's are", async () => {
    const registry = await ctx.makeRegistry();
    const db = registry.internals.database;
    await db.rows(sql`CREATE TABLE keyed (k INTEGER PRIMARY KEY)`);
    const insert = StatementTemplate.compile(db.db, (slot) => sql`INSERT INTO keyed (k) VALUES (${slot(0)})`);
    await db.rows(insert.bind([1]));
    for (const attempt of [1, 2]) {
      const err = await db.rows(insert.bind([1])).then(
        () => assert.fail(`attempt ${attempt} inserted a duplicate`),
        (e: unknown) => e,
      );
      assert.equal(db.classifyError(err), "unique");
      const inTransaction = await db
        .transaction(() => db.rows(insert.bind([1])))
        .then(
          () => assert.fail("inserted a duplicate"),
          (e: unknown) => e,
        );
      assert.equal(db.classifyError(inTransaction), "unique");
    }
    await db.rows(insert.bind([2]));
    assert.deepEqual(await db.rows(sql`SELECT k FROM keyed ORDER BY k`), [{ k: 1 }, { k: 2 }]);
  });
});
