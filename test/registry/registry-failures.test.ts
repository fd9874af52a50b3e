/**
 * Every way a registry query or database can fail reaches the caller as a typed ButlerError with a
 * code (or works): out-of-range and non-finite values, 100,000-value IN lists and list binds, a flat
 * OR of 10,000 terms, glob characters in collection names, and locked, full, damaged, missing or
 * silent databases, on SQLite and PostgreSQL.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import Database from "better-sqlite3";
import { sql } from "kysely";
import pg from "pg";
import { EXIT_STATUS } from "../../src/cli/errors.ts";
import {
  ButlerError,
  CollectionNameError,
  type ErrorCode,
  isButlerError,
  RegistryDatabaseError,
} from "../../src/errors/index.ts";
import { RegistryDatabase } from "../../src/registry/database.ts";
import { openDialect, Registry } from "../../src/registry/index.ts";
import { StatementTemplate } from "../../src/registry/statement-template.ts";
import { enabledDialects, forEachDialect, loadBase, PG_SERVER_URI } from "./registry-support.ts";

const detectors = async (registry: Registry, where: string, bind: Record<string, unknown> = {}) =>
  (await registry.queryDimensionRecords("detector", { where, bind }))
    .map((r) => r.id as number)
    .sort((a, b) => a - b);

/** Asserts `promise` rejects with a ButlerError of `code` whose message matches `message`. */
async function rejectsTyped(
  promise: Promise<unknown>,
  code: ErrorCode,
  message?: RegExp,
): Promise<ButlerError> {
  let caught: unknown;
  await assert.rejects(promise, (err) => {
    caught = err;
    return true;
  });
  assert.ok(
    isButlerError(caught, code),
    `expected ${code}, got ${String((caught as Error)?.stack ?? caught)}`,
  );
  if (message !== undefined) assert.match((caught as Error).message, message);
  if (code.startsWith("REGISTRY_") || code === "INVALID_QUERY") {
    assert.ok(code in EXIT_STATUS, `${code} has its own exit status`);
  }
  return caught as ButlerError;
}

forEachDialect("registry failures: values", (ctx) => {
  let registry: Registry;
  before(async () => {
    registry = await ctx.makeRegistry();
    await loadBase(registry);
  });

  test("integers beyond int64 in literals and binds are INVALID_QUERY naming the accepted range", async () => {
    for (const where of [
      "detector = 9223372036854775808",
      "detector = -9223372036854775809",
      "detector IN (1, 99999999999999999999)",
    ]) {
      await rejectsTyped(detectors(registry, where), "INVALID_QUERY", /64-bit integer range/);
    }
    for (const value of [2n ** 63n, -(2n ** 63n) - 1n, 1e19, 2 ** 70]) {
      await rejectsTyped(detectors(registry, "detector = :d", { d: value }), "INVALID_QUERY", /64-bit/);
      await rejectsTyped(
        detectors(registry, "detector IN (:d)", { d: [1, value] }),
        "INVALID_QUERY",
        /64-bit/,
      );
    }
    // The edges themselves are accepted (and match nothing).
    assert.deepEqual(await detectors(registry, "detector = 9223372036854775807"), []);
    assert.deepEqual(await detectors(registry, "detector = :d", { d: -(2n ** 63n) }), []);
  });

  test("non-finite numbers are INVALID_QUERY", async () => {
    await rejectsTyped(detectors(registry, "detector = 1e400"), "INVALID_QUERY", /finite/);
    await rejectsTyped(detectors(registry, "detector < -1e400"), "INVALID_QUERY", /finite/);
    for (const value of [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]) {
      await rejectsTyped(detectors(registry, "detector = :d", { d: value }), "INVALID_QUERY", /finite/);
      await rejectsTyped(detectors(registry, "detector IN (:d)", { d: [value] }), "INVALID_QUERY", /finite/);
    }
  });

  test("a float compared with an integer column compares as a number", async () => {
    assert.deepEqual(await detectors(registry, "detector = :d", { d: 1.5 }), []);
    assert.deepEqual(await detectors(registry, "detector < :d", { d: 2.5 }), [1, 2]);
    assert.deepEqual(await detectors(registry, "detector = 2.0"), [2]);
    assert.deepEqual(await detectors(registry, "detector IN (:d)", { d: [1.5, 3] }), [3]);
  });

  test("NUL characters are refused as typed errors", async () => {
    await rejectsTyped(registry.registerRun("a\u0000b"), "COLLECTION_NAME");
    await rejectsTyped(
      detectors(registry, "detector.full_name = :n", { n: "A\u0000a" }),
      "INVALID_QUERY",
      /NUL/,
    );
    await assert.rejects(registry.getCollectionType("x\u0000y"), ButlerError);
  });

  test("IN lists and list binds of 100,000 values work, as numbers, strings and mixed", async () => {
    const ids = Array.from({ length: 100_000 }, (_, i) => i * 2 + 1);
    assert.deepEqual(await detectors(registry, `detector IN (${ids.join(", ")})`), [1, 3]);
    assert.deepEqual(await detectors(registry, "detector IN (:ids)", { ids }), [1, 3]);
    assert.deepEqual(await detectors(registry, "NOT detector IN (:ids)", { ids }), [2, 4]);
    const bigints = ids.map((i) => BigInt(i));
    assert.deepEqual(await detectors(registry, "detector IN (:ids)", { ids: bigints }), [1, 3]);
    const names = Array.from({ length: 100_000 }, (_, i) => `name-${i}`);
    names.push("Ab", "Bb");
    assert.deepEqual(await detectors(registry, "detector.full_name IN (:names)", { names }), [2, 4]);
    const quoted = names.map((n) => `'${n}'`).join(", ");
    assert.deepEqual(await detectors(registry, `detector.full_name IN (${quoted})`), [2, 4]);
    // Floats against an integer column keep their value.
    const floats = Array.from({ length: 200 }, (_, i) => i + 0.5);
    floats.push(4);
    assert.deepEqual(await detectors(registry, "detector IN (:floats)", { floats }), [4]);
    // A range next to a long list, and a list of non-constants, still work.
    assert.deepEqual(await detectors(registry, "detector IN (:ids, 2..2)", { ids }), [1, 2, 3]);
    // Dataset queries take long lists too.
    const refs = await registry.queryDatasets("bias", {
      collections: "*",
      where: "detector IN (:ids)",
      bind: { ids },
    });
    assert.deepEqual(refs, []);
  });

  test("a flat OR of 10,000 terms works", async () => {
    const terms = Array.from({ length: 10_000 }, (_, i) => `detector = ${i + 3}`);
    assert.deepEqual(await detectors(registry, terms.join(" OR ")), [3, 4]);
    const ands = Array.from({ length: 10_000 }, () => "detector > 1");
    assert.deepEqual(await detectors(registry, ands.join(" AND ")), [2, 3, 4]);
  });

  test("collection names with glob characters are refused at registration", async () => {
    for (const name of ["run*", "run?", "*", "...", "a*b?c"]) {
      await assert.rejects(registry.registerRun(name), CollectionNameError, name);
      await assert.rejects(registry.registerCollection(name), CollectionNameError, name);
    }
    assert.equal(await registry.registerRun("run[1]"), true);
  });
});

describe("registry failures: SQLite database files", { skip: !enabledDialects().includes("sqlite") }, () => {
  const dir = mkdtempSync(join(tmpdir(), "butler-failures-"));
  after(() => rmSync(dir, { recursive: true, force: true }));

  test("a writer blocked by another process's lock gets REGISTRY_LOCKED within the busy timeout", async () => {
    const path = join(dir, "locked.sqlite3");
    (await Registry.create({ db: path })).close();
    const registry = await Registry.open({ db: path, dialectOptions: { busyTimeoutMs: 300 } });
    const other = new Database(path);
    try {
      other.exec("BEGIN EXCLUSIVE");
      const started = performance.now();
      const err = await rejectsTyped(
        registry.registerRun("r"),
        "REGISTRY_LOCKED",
        /locked by another writer/,
      );
      assert.ok(performance.now() - started < 5000, "the wait is bounded by the configured timeout");
      assert.ok(err instanceof RegistryDatabaseError && err.location === path);
      assert.match(err.message, /busyTimeout/);
      other.exec("ROLLBACK");
      assert.equal(await registry.registerRun("r"), true);
    } finally {
      other.close();
      await registry.close();
    }
  });

  test("a full database is REGISTRY_FULL", async () => {
    const path = join(dir, "full.sqlite3");
    const registry = await Registry.create({ db: path });
    try {
      await loadBase(registry);
      const pages = Number(
        Object.values(
          (await sql.raw("PRAGMA page_count").execute(registry.dialect.kysely)).rows[0] as object,
        )[0],
      );
      await sql.raw(`PRAGMA max_page_count = ${pages}`).execute(registry.dialect.kysely);
      const runs = Array.from({ length: 2000 }, (_, i) => `run-${i}-${"x".repeat(40)}`);
      await rejectsTyped(
        (async () => {
          for (const run of runs) await registry.registerRun(run, "d".repeat(500));
        })(),
        "REGISTRY_FULL",
        /full/,
      );
    } finally {
      await registry.close();
    }
  });

  test("a damaged file is REGISTRY_CORRUPT", async () => {
    const path = join(dir, "corrupt.sqlite3");
    const registry = await Registry.create({ db: path });
    await loadBase(registry);
    await registry.close();
    // Keep the header page, overwrite every page after it.
    const bytes = readFileSync(path);
    const pageSize = bytes.readUInt16BE(16);
    for (let i = pageSize; i < bytes.length; i++) bytes[i] = 0xa5;
    writeFileSync(path, bytes);
    rmSync(`${path}-wal`, { force: true });
    rmSync(`${path}-shm`, { force: true });
    await rejectsTyped(
      (async () => {
        const reopened = await Registry.open({ db: path });
        try {
          await reopened.queryDimensionRecords("detector");
        } finally {
          await reopened.close();
        }
      })(),
      "REGISTRY_CORRUPT",
      /damaged|not a SQLite database/,
    );
  });

  test("a file that is not a database is REGISTRY_CORRUPT; a directory is REGISTRY_UNAVAILABLE; a missing one REGISTRY_NOT_FOUND", async () => {
    const text = join(dir, "notes.txt");
    writeFileSync(text, "not a database\n".repeat(200));
    await rejectsTyped(Registry.open({ db: text }), "REGISTRY_CORRUPT", /not a SQLite database/);
    const folder = join(dir, "folder");
    mkdirSync(folder);
    await rejectsTyped(Registry.open({ db: folder }), "REGISTRY_UNAVAILABLE", /cannot be opened/);
    await rejectsTyped(
      Registry.open({ db: join(dir, "no", "such", "dir", "db.sqlite3") }),
      "REGISTRY_NOT_FOUND",
      /no registry database at .*db\.sqlite3/,
    );
  });
});

describe("registry failures: PostgreSQL servers", { skip: !enabledDialects().includes("postgres") }, () => {
  let silent: Server;
  const sockets = new Set<Socket>();
  let silentPort = 0;
  let database = "";
  before(async () => {
    // Accepts connections and never says a word.
    silent = createServer((socket) => {
      sockets.add(socket);
      socket.on("close", () => sockets.delete(socket));
    });
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    silentPort = (silent.address() as { port: number }).port;
    database = `butler_fail_${randomBytes(6).toString("hex")}`;
    const admin = new pg.Client({ connectionString: `${PG_SERVER_URI}/postgres` });
    await admin.connect();
    try {
      await admin.query(`CREATE DATABASE ${database}`);
    } finally {
      await admin.end();
    }
  });
  after(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => silent.close(resolve));
    const admin = new pg.Client({ connectionString: `${PG_SERVER_URI}/postgres` });
    await admin.connect();
    try {
      await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
    } finally {
      await admin.end();
    }
  });

  test("a server that accepts and never answers is REGISTRY_UNAVAILABLE within the connect timeout", async () => {
    const started = performance.now();
    const err = await rejectsTyped(
      openDialect(`postgresql://butler:s3cret@127.0.0.1:${silentPort}/repo`, { connectTimeoutMs: 300 }),
      "REGISTRY_UNAVAILABLE",
      /connect timeout/,
    );
    assert.ok(performance.now() - started < 5000);
    assert.match(err.message, new RegExp(`127\\.0\\.0\\.1:${silentPort}/repo`));
    assert.doesNotMatch(err.message, /s3cret/);
    assert.doesNotMatch(String((err as RegistryDatabaseError).location), /s3cret/);
  });

  test("a refused connection and a missing database are REGISTRY_UNAVAILABLE naming the server", async () => {
    // A port nothing listens on: take one from the OS, then close it.
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
    const closedPort = (probe.address() as { port: number }).port;
    await new Promise((resolve) => probe.close(resolve));
    const refused = await rejectsTyped(
      openDialect(`postgresql://butler:s3cret@127.0.0.1:${closedPort}/repo`),
      "REGISTRY_UNAVAILABLE",
      /cannot reach/,
    );
    assert.match(refused.message, new RegExp(`127\\.0\\.0\\.1:${closedPort}/repo`));
    assert.doesNotMatch(refused.message, /s3cret/);
    assert.equal((refused as RegistryDatabaseError).driverCode, "ECONNREFUSED");
    const missing = await rejectsTyped(
      openDialect(`${PG_SERVER_URI}/no_such_butler_db_${randomBytes(4).toString("hex")}`),
      "REGISTRY_UNAVAILABLE",
      /does not exist/,
    );
    assert.equal((missing as RegistryDatabaseError).driverCode, "3D000");
  });

  test("a statement longer than the statement timeout is REGISTRY_TIMEOUT", async () => {
    const dialect = await openDialect(`${PG_SERVER_URI}/${database}`, { statementTimeoutMs: 200 });
    try {
      await rejectsTyped(
        sql`SELECT pg_sleep(5)`.execute(dialect.kysely),
        "REGISTRY_TIMEOUT",
        /statementTimeout/,
      );
      // The pool still serves.
      assert.equal((await sql<{ one: number }>`SELECT 1 AS one`.execute(dialect.kysely)).rows[0]?.one, 1);
      // A statement template runs prepared, and fails the same way, in a transaction too.
      const database = new RegistryDatabase(dialect);
      const sleep = StatementTemplate.compile(
        dialect.kysely,
        (slot) => sql`SELECT pg_sleep(${slot(0)}::float8)`,
      );
      await database.rows(sleep.bind([0]));
      await rejectsTyped(database.rows(sleep.bind([5])), "REGISTRY_TIMEOUT", /statementTimeout/);
      await rejectsTyped(
        database.transaction(() => database.rows(sleep.bind([5]))),
        "REGISTRY_TIMEOUT",
        /statementTimeout/,
      );
      assert.equal((await database.rows(sleep.bind([0]))).length, 1);
    } finally {
      await dialect.close();
    }
  });

  test("a transaction left idle past the idle-in-transaction timeout fails typed", async () => {
    const registry = await Registry.create({
      db: `${PG_SERVER_URI}/${database}?namespace=idle`,
      dialectOptions: { idleInTransactionTimeoutMs: 200 },
    });
    try {
      let caught: unknown;
      await assert.rejects(
        registry.internals.database.transaction(async () => {
          await registry.internals.database.rows(sql`SELECT 1`);
          await new Promise((resolve) => setTimeout(resolve, 1000));
          await registry.internals.database.rows(sql`SELECT 1`);
        }),
        (e) => {
          caught = e;
          return true;
        },
      );
      // The server ends the session; the driver sees the timeout's notice or the closed connection.
      const err = caught as Error;
      assert.ok(isButlerError(err, "REGISTRY_TIMEOUT", "REGISTRY_UNAVAILABLE"), String(err?.stack));
      assert.match(err.message, /idle/);
      // The registry still serves afterwards.
      assert.equal(await registry.registerRun("after-idle"), true);
    } finally {
      await registry.close();
    }
  });

  test("the statement and idle timeouts are set on every session", async () => {
    // butler.yaml's registry section maps to these options (test/cli/registry-failures.test.ts).
    const dialect = await openDialect(`${PG_SERVER_URI}/${database}`, {
      statementTimeoutMs: 1234,
      idleInTransactionTimeoutMs: 5678,
    });
    try {
      const rows = (
        await sql<{ s: string; i: string }>`SELECT current_setting('statement_timeout') AS s,
          current_setting('idle_in_transaction_session_timeout') AS i`.execute(dialect.kysely)
      ).rows;
      assert.deepEqual(rows, [{ s: "1234ms", i: "5678ms" }]);
    } finally {
      await dialect.close();
    }
  });
});
