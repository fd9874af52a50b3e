import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { sql } from "kysely";
import { InvalidArgumentError } from "../../src/errors/index.ts";
import { openDialect, Registry } from "../../src/registry/index.ts";
import { runScale } from "./registry-scale.ts";
import { enabledDialects, forEachDialect } from "./registry-support.ts";

describe("openDialect", { skip: !enabledDialects().includes("sqlite") }, () => {
  const dir = mkdtempSync(join(tmpdir(), "butler-dialect-"));
  after(() => rmSync(dir, { recursive: true, force: true }));

  test("chooses the engine from the URI", async () => {
    for (const uri of [
      ":memory:",
      "sqlite://",
      "sqlite:///:memory:",
      join(dir, "a.sqlite3"),
      `sqlite:///${join(dir, "b.sqlite3")}`,
    ]) {
      const dialect = await openDialect(uri);
      try {
        assert.equal(dialect.capabilities.singleConnection, true, uri);
        assert.deepEqual((await sql<{ one: number }>`SELECT 1 AS one`.execute(dialect.kysely)).rows, [
          { one: 1 },
        ]);
      } finally {
        await dialect.close();
      }
    }
    await assert.rejects(openDialect(""), InvalidArgumentError);
    await assert.rejects(
      openDialect("mysql://host/db"),
      (err: Error) => err instanceof InvalidArgumentError && /accepted/.test(err.message),
    );
    await assert.rejects(openDialect("sqlite://host/path"), InvalidArgumentError);
  });

  test("SQLite files use WAL, a busy timeout of at least 5 s and foreign keys", async () => {
    const dialect = await openDialect(join(dir, "pragmas.sqlite3"));
    try {
      const pragma = async (name: string) =>
        Object.values((await sql.raw(`PRAGMA ${name}`).execute(dialect.kysely)).rows[0] as object)[0];
      assert.equal(await pragma("journal_mode"), "wal");
      assert.ok(Number(await pragma("busy_timeout")) >= 5000);
      assert.equal(Number(await pragma("foreign_keys")), 1);
    } finally {
      await dialect.close();
    }
  });
});

forEachDialect("registry dialect", (ctx) => {
  test("rowsTable carries any number of typed rows in one bound parameter", async () => {
    const registry = await ctx.makeRegistry();
    const db = registry.internals.database;
    const big = 4_102_444_800_000_000_000n;
    const rows = Array.from({ length: 5000 }, (_, i) => [
      i,
      `s'${i}"`,
      i % 2 === 0,
      big + BigInt(i),
      "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b",
    ]);
    const relation = db.rowsTable(rows, [
      { name: "n", type: { kind: "int64" } },
      { name: "s", type: { kind: "string", length: 20 } },
      { name: "b", type: { kind: "bool" } },
      { name: "t", type: { kind: "int64" } },
      { name: "u", type: { kind: "uuid" } },
    ]);
    const back = await db.rows<Record<string, unknown>>(
      sql`SELECT r.n, r.s, r.b, r.t, r.u FROM ${relation} AS r ORDER BY r.n`,
    );
    assert.equal(back.length, 5000);
    assert.deepEqual(back[3], {
      n: 3,
      s: `s'3"`,
      b: back[3]!.b,
      t: big + 3n,
      u: "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b",
    });
    assert.ok(back[2]!.b === true || back[2]!.b === 1);
    assert.ok(back[3]!.b === false || back[3]!.b === 0);
  });

  test("find-first over a 300-run chain matches the expected run for every data ID", async () => {
    const registry = await ctx.makeRegistry();
    const result = await runScale(registry, { datasets: 900, finds: 50 });
    assert.equal(result.datasets, 900);
    assert.equal(result.findFirstAllRows, 300);
    assert.equal(result.mismatches, 0);
  });

  test("Registry.open on a URI with no registry is a typed error and closes its connection", async () => {
    await assert.rejects(Registry.open({ db: ctx.newUri() }), /no registry/);
  });
});
