/**
 * A large query through the server reads from the registry's cursor: while the client holds its first
 * page and reads no further, the database still holds the cursor with the rest of the result unread
 * (the server waits on the socket, not on a whole result in memory); when the client disconnects the
 * cursor is closed on the database's side (PostgreSQL: pg_stat_activity; SQLite: the WAL checkpoint an
 * open reader holds back completes, and writes go on meanwhile). A stream held past the query time limit
 * ends with an in-band error line after its pages, and its cursor is closed too.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { sql } from "kysely";
import { Butler } from "../../src/butler/index.ts";
import { RemoteButler } from "../../src/client/remote-butler.ts";
import { enabledDialects, type Served, serveDemo } from "./server-support.ts";

const FILTERS = 300;
const DETECTORS = 1000;

for (const dialect of enabledDialects()) {
  describe(`queries streamed from the registry's cursor [${dialect}]`, () => {
    let served: Served;
    let writer: Butler;
    let writes = 0;
    before(async () => {
      served = await serveDemo(dialect, {
        plugins: [
          async (app) => {
            app.addHook("onRequest", async (request) => {
              const limit = request.headers["x-test-time-limit-ms"];
              if (typeof limit === "string") request.queryTimeoutMs = Number(limit);
            });
          },
        ],
      });
      // The server's butler is read-only; writes come from another one, as from another process.
      writer = await Butler.open(join(served.dir, "repo"), { writeable: true });
      const registry = writer.registry;
      await registry.insertDimensionData("instrument", [
        { name: "Cam", visit_max: 1_000_000, detector_max: 100_000, class_name: "Cam" },
      ]);
      await registry.insertDimensionData(
        "physical_filter",
        Array.from({ length: FILTERS }, (_, i) => ({ instrument: "Cam", name: `f${i}`, band: "r" })),
      );
      await registry.insertDimensionData(
        "detector",
        Array.from({ length: DETECTORS }, (_, i) => ({ instrument: "Cam", id: i, full_name: `d${i}` })),
      );
    });
    after(async () => {
      await writer?.close();
      await served?.close();
    });

    async function cursorOpen(): Promise<boolean> {
      const registry = writer.registry;
      const database = registry.internals.database;
      if (dialect === "postgres") {
        const rows = await database.rows<{ n: number }>(
          sql`SELECT count(*)::int AS n FROM pg_stat_activity
              WHERE datname = current_database() AND query LIKE 'FETCH % FROM butler_cursor_%'
              AND state IN ('active', 'idle in transaction')`,
        );
        return rows[0]!.n > 0;
      }
      // A write (not blocked by the reader), then a checkpoint that an older reader holds back.
      await registry.insertDimensionData("instrument", [
        { name: `Other${++writes}`, visit_max: 1, detector_max: 1, class_name: "Other" },
      ]);
      const [row] = await database.rows<{ log: number; checkpointed: number }>(
        sql`PRAGMA wal_checkpoint(PASSIVE)`,
      );
      return row!.checkpointed < row!.log;
    }

    test("the client holds one page of 300,000 rows, the database the rest; a disconnect closes the cursor", async () => {
      assert.equal(await cursorOpen(), false);
      const abort = new AbortController();
      const response = await fetch(`${served.base}/v1/query/data_ids`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ dimensions: ["detector", "physical_filter"], where: "instrument = 'Cam'" }),
        signal: abort.signal,
      });
      assert.equal(response.status, 200);
      const reader = response.body!.getReader();
      let text = "";
      while (!text.includes("\n")) {
        const { value, done } = await reader.read();
        assert.equal(done, false);
        text += new TextDecoder().decode(value);
      }
      const first = JSON.parse(text.slice(0, text.indexOf("\n")));
      assert.equal(first.type, "page");
      assert.equal(first.rows.length, 2000);
      assert.equal(await cursorOpen(), true, "the rest of the result is still in the database");
      abort.abort();
      let open = true;
      for (let i = 0; i < 200 && open; i++) {
        await sleep(25);
        open = await cursorOpen();
      }
      assert.equal(open, false, "the disconnect closed the cursor");
    });

    test("past the time limit, a stream held at its first page ends with an in-band error; the cursor is closed", async () => {
      const response = await fetch(`${served.base}/v1/query/data_ids`, {
        method: "POST",
        headers: { "content-type": "application/json", "x-test-time-limit-ms": "1000" },
        body: JSON.stringify({ dimensions: ["detector", "physical_filter"], where: "instrument = 'Cam'" }),
      });
      const reader = response.body!.getReader();
      const decoder = new TextDecoder();
      let text = "";
      while (!text.includes("\n")) text += decoder.decode((await reader.read()).value);
      assert.equal(JSON.parse(text.slice(0, text.indexOf("\n"))).type, "page");
      // The client reads no further; the time limit ends the query while the server waits on the socket.
      let open = true;
      for (let i = 0; i < 400 && open; i++) {
        await sleep(25);
        open = await cursorOpen();
      }
      assert.equal(open, false, "the time limit closed the cursor");
      for (let step = await reader.read(); !step.done; step = await reader.read())
        text += decoder.decode(step.value);
      const lines = text
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l));
      const rows = lines.filter((l) => l.type === "page").reduce((n, l) => n + l.rows.length, 0);
      assert.ok(rows >= 2000 && rows < FILTERS * DETECTORS, `${rows} rows sent before the limit`);
      assert.equal(lines.at(-1).type, "error");
      assert.equal(lines.at(-1).error_type, "QUERY_TIME_LIMIT");
      assert.equal(lines.filter((l) => l.type === "end").length, 0);
    });

    test("a remote client that leaves its loop after one page closes the server's cursor", async () => {
      const remote = await RemoteButler.open(served.base);
      try {
        let rows = 0;
        const stream = remote.registry.streamDataIds(["detector", "physical_filter"], {
          where: "instrument = 'Cam'",
        });
        for await (const page of stream.pages(500)) {
          rows += page.length;
          assert.equal(await cursorOpen(), true);
          break;
        }
        assert.equal(rows, 500);
        let open = true;
        for (let i = 0; i < 200 && open; i++) {
          await sleep(25);
          open = await cursorOpen();
        }
        assert.equal(open, false, "leaving the loop closed the server's cursor");
      } finally {
        await remote.close();
      }
    });

    test("read to the end, the same query gives every row once, in pages of at most 2,000", async () => {
      const response = await fetch(`${served.base}/v1/query/data_ids`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ dimensions: ["detector", "physical_filter"], where: "instrument = 'Cam'" }),
      });
      const lines = (await response.text())
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l));
      const pages = lines.filter((l) => l.type === "page");
      assert.ok(pages.every((p) => p.rows.length <= 2000 && p.rows.length > 0));
      const keys = new Set(
        pages.flatMap((p) =>
          p.rows.map((r: Record<string, unknown>) => `${r.detector}/${r.physical_filter}`),
        ),
      );
      assert.equal(keys.size, FILTERS * DETECTORS);
      assert.deepEqual(lines.at(-1), { type: "end", total: FILTERS * DETECTORS });
      assert.equal(await cursorOpen(), false);
    });
  });
}
