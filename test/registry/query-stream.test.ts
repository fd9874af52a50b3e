/**
 * Streamed registry queries: pages of at most the asked size from a database cursor, the same results
 * as the array queries; the cursor is open (and the rest of the result unread) while the caller holds a
 * page, and breaking out or aborting closes it — observed on the database's side: PostgreSQL's
 * pg_stat_activity, SQLite's WAL checkpoint (which an open reader holds back).
 */
import assert from "node:assert/strict";
import { before, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { sql } from "kysely";
import { QueryCancelledError } from "../../src/errors/index.ts";
import { Registry, withQuerySignal } from "../../src/registry/index.ts";
import { forEachDialect } from "./registry-support.ts";

const DETECTORS = 5000;

forEachDialect("streamed queries", (ctx) => {
  let registry: Registry;
  let uri: string;
  let instruments = 0;
  before(async () => {
    uri = ctx.newUri();
    registry = ctx.track(await Registry.create({ db: uri }));
    await registry.insertDimensionData("instrument", [
      { name: "Cam", visit_max: 1_000_000, detector_max: 100_000, class_name: "Cam" },
    ]);
    const rows = Array.from({ length: DETECTORS }, (_, i) => ({
      instrument: "Cam",
      id: i,
      full_name: `d${i}`,
    }));
    await registry.insertDimensionData("detector", rows);
  });

  /** A committed write from the registry's own connection while a cursor may be open. */
  const write = () =>
    registry.insertDimensionData("instrument", [
      { name: `Other${++instruments}`, visit_max: 1, detector_max: 1, class_name: "Other" },
    ]);
  const database = () => registry.internals.database;

  /**
   * Whether a cursor is open on the database. PostgreSQL: a session parked in its transaction after a
   * FETCH. SQLite: a reader whose snapshot predates the last write keeps a passive checkpoint from
   * copying the whole WAL (so a write is made first, which also shows writes are not blocked).
   */
  async function cursorOpen(): Promise<boolean> {
    if (ctx.dialect === "postgres") {
      const rows = await database().rows<{ n: number }>(
        sql`SELECT count(*)::int AS n FROM pg_stat_activity
            WHERE datname = current_database() AND query LIKE 'FETCH % FROM butler_cursor_%'
            AND state IN ('active', 'idle in transaction')`,
      );
      return rows[0]!.n > 0;
    }
    await write();
    const [row] = await database().rows<{ log: number; checkpointed: number }>(
      sql`PRAGMA wal_checkpoint(PASSIVE)`,
    );
    return row!.checkpointed < row!.log;
  }

  test("pages of at most the asked size hold the same results as the array query", async () => {
    const sizes: number[] = [];
    const ids: number[] = [];
    for await (const page of registry.streamDimensionRecords("detector").pages(700)) {
      sizes.push(page.length);
      for (const record of page) ids.push(record.id as number);
    }
    assert.deepEqual(sizes, [700, 700, 700, 700, 700, 700, 700, 100]);
    const whole = await registry.queryDimensionRecords("detector");
    assert.deepEqual(
      ids.sort((a, b) => a - b),
      whole.map((r) => r.id as number).sort((a, b) => a - b),
    );
    const options = { where: "detector >= 100", orderBy: ["-detector"], limit: 1234, offset: 10 };
    const streamed = await registry.streamDataIds(["detector"], options).toArray();
    assert.deepEqual(
      streamed.map((d) => d.get("detector")),
      (await registry.queryDataIds(["detector"], options)).map((d) => d.get("detector")),
    );
    assert.equal(streamed[0]!.get("detector"), DETECTORS - 11);
    let one = 0;
    for await (const dataId of registry.streamDataIds(["detector"], { where: "detector < 3" })) {
      assert.equal(dataId.get("instrument"), "Cam");
      one++;
    }
    assert.equal(one, 3);
  });

  test("the cursor is open while a page is held, with the rest unread; breaking out closes it", async () => {
    assert.equal(await cursorOpen(), false);
    let seen = 0;
    for await (const page of registry.streamDimensionRecords("detector").pages(100)) {
      seen += page.length;
      assert.equal(await cursorOpen(), true, "the database holds the cursor");
      break;
    }
    assert.equal(seen, 100, "one page of the 5000 rows was read");
    assert.equal(await cursorOpen(), false, "breaking out closed the cursor");
  });

  test("an abort between pages ends the stream with QueryCancelledError and closes the cursor", async () => {
    const abort = new AbortController();
    const pages: number[] = [];
    await assert.rejects(async () => {
      for await (const page of registry
        .streamDimensionRecords("detector", { signal: abort.signal })
        .pages(1000)) {
        pages.push(page.length);
        abort.abort();
      }
    }, QueryCancelledError);
    assert.deepEqual(pages, [1000]);
    assert.equal(await cursorOpen(), false);
  });

  test("inside a transaction a stream sees the transaction's own writes", async () => {
    const rolledBack = new Error("roll back");
    await assert.rejects(
      database().transaction(async () => {
        await registry.insertDimensionData("detector", [
          { instrument: "Cam", id: DETECTORS, full_name: "new" },
        ]);
        let count = 0;
        for await (const page of registry.streamDataIds(["detector"]).pages(999)) count += page.length;
        assert.equal(count, DETECTORS + 1);
        throw rolledBack;
      }),
      (err) => err === rolledBack,
    );
    assert.equal((await registry.queryDataIds(["detector"])).length, DETECTORS);
  });

  if (ctx.dialect === "postgres") {
    test("a cursor held open does not take the connection other statements need", async () => {
      const narrow = ctx.track(
        await Registry.open({
          db: uri,
          dialectOptions: { maxConnections: 1, connectTimeoutMs: 60_000 },
        }),
      );
      for await (const page of narrow.streamDimensionRecords("detector").pages(10)) {
        assert.equal(page.length, 10);
        // Waits for the pool's one connection if the cursor holds it.
        assert.equal((await narrow.queryDataIds(["detector"], { where: "detector < 5" })).length, 5);
        break;
      }
    });

    test("an abort while the database computes a page cancels the statement there", async () => {
      const abort = new AbortController();
      const sleeping = async () =>
        (
          await database().rows<{ n: number }>(
            sql`SELECT count(*)::int AS n FROM pg_stat_activity
                WHERE query LIKE 'FETCH 10 FROM butler_cursor_%' AND state = 'active'`,
          )
        )[0]!.n;
      const pages = withQuerySignal(abort.signal, async () => {
        for await (const _ of database().pages(sql`SELECT pg_sleep(30) AS slept`, 10)) {
          // never reached: the first FETCH sleeps
        }
      });
      pages.catch(() => {});
      let active = 0;
      for (let i = 0; i < 200 && active === 0; i++) {
        await sleep(25);
        active = await sleeping();
      }
      assert.equal(active, 1, "the FETCH runs in the database");
      abort.abort();
      await assert.rejects(pages, QueryCancelledError);
      assert.equal(await sleeping(), 0, "the statement is gone");
      assert.equal(await cursorOpen(), false);
      assert.deepEqual(await database().rows(sql`SELECT 1 AS one`), [{ one: 1 }]);
    });
  }
});
