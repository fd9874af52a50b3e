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
