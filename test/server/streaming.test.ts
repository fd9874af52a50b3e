/**
 * Streamed results over real HTTP: pages of at most pageRows rows and an end line with the total;
 * errors before the first page as 422, after it in-band; keep-alive lines while the first page is
 * slow; and a client that goes away stops the producer.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import type { FastifyInstance } from "fastify";
import { sql } from "kysely";
import { DEMO_CALIB, DEMO_CHAIN, DEMO_RUN } from "../../src/demo/demo-survey.ts";
import { InvalidArgumentError } from "../../src/errors/index.ts";
import { QueryStream } from "../../src/registry/index.ts";
import { createServerApp } from "../../src/server/app.ts";
import type { ServerContext } from "../../src/server/context.ts";
import { randomSigningKey } from "../../src/server/signing.ts";
import { streamRows } from "../../src/server/stream.ts";
import {
  CALEXPS,
  closeApp,
  enabledDialects,
  type Json,
  jsonLines,
  post,
  type Served,
  serveDemo,
} from "./server-support.ts";

async function stream(
  url: string,
  body: unknown,
): Promise<{ status: number; headers: Headers; lines: Json[] }> {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  return { status: response.status, headers: response.headers, lines: jsonLines(await response.text()) };
}

for (const dialect of enabledDialects()) {
  describe(`streamed queries [${dialect}]`, () => {
    let served: Served;
    before(async () => {
      served = await serveDemo(dialect, { pageRows: 3 });
    });
    after(() => served?.close());

    test("datasets come in pages of at most pageRows, then an end line with the total", async () => {
      const { status, headers, lines } = await stream(`${served.base}/v1/query/datasets`, {
        dataset_type: "calexp",
        collections: DEMO_RUN,
        order_by: ["visit", "detector"],
      });
      assert.equal(status, 200);
      assert.equal(headers.get("content-type"), "application/jsonlines");
      assert.equal(headers.get("x-accel-buffering"), "no");
      assert.deepEqual(
        lines.map((l) => (l.type === "page" ? l.rows.length : l)),
        [3, CALEXPS - 3, { type: "end", total: CALEXPS }],
      );
      const refs = lines.flatMap((l) => (l.type === "page" ? l.rows : []));
      const direct = await served.butler.queryDatasets("calexp", {
        collections: DEMO_RUN,
        orderBy: ["visit", "detector"],
      });
      assert.deepEqual(refs, JSON.parse(JSON.stringify(direct.map((r) => r.toJSON()))));
    });

    test("where, bind and limit reach the registry; no match is an end line alone", async () => {
      const some = await stream(`${served.base}/v1/query/data_ids`, {
        dimensions: ["visit", "detector"],
        where: "detector = :d",
        bind: { d: 1 },
        limit: 1,
      });
      assert.equal(some.lines[0].rows.length, 1);
      assert.equal(some.lines[0].rows[0].detector, 1);
      assert.deepEqual(some.lines.at(-1), { type: "end", total: 1 });
      const none = await stream(`${served.base}/v1/query/data_ids`, {
        dimensions: ["visit"],
        where: "visit = 1",
      });
      assert.deepEqual(none.lines, [{ type: "end", total: 0 }]);
    });

    test("dimension records carry timespans as JSON and regions as hex", async () => {
      const { lines } = await stream(`${served.base}/v1/query/dimension_records`, { element: "visit" });
      const visits = lines.flatMap((l) => (l.type === "page" ? l.rows : []));
      assert.equal(visits.length, 2);
      const direct = await served.butler.registry.queryDimensionRecords("visit");
      const first = direct.find((r) => r.id === visits[0].id)!;
      assert.deepEqual(visits[0].timespan, first.timespan?.toJSON());
      assert.match(visits[0].region, /^[0-9a-f]+$/);
      assert.equal(visits[0].exposure_time, first.exposure_time);
    });

    test("dataset associations: ref, collection and validity range per row; typed errors are 422", async () => {
      const url = `${served.base}/v1/query/dataset_associations`;
      const { status, lines } = await stream(url, { dataset_type: "bias", collections: DEMO_CALIB });
      assert.equal(status, 200);
      const rows = lines.flatMap((l) => (l.type === "page" ? l.rows : []));
      assert.deepEqual(
        lines.map((l) => (l.type === "page" ? l.rows.length : l)),
        [3, 1, { type: "end", total: 4 }],
      );
      const direct = await served.butler.registry.queryDatasetAssociations("bias", {
        collections: DEMO_CALIB,
      });
      assert.deepEqual(
        rows,
        JSON.parse(
          JSON.stringify(
            direct.map((a) => ({
              dataset_ref: a.ref.toJSON(),
              collection: a.collection,
              timespan: a.timespan?.toJSON() ?? null,
            })),
          ),
        ),
      );
      // Open-ended validity ranges keep their null bound.
      assert.ok(rows.some((r: Json) => r.timespan.begin === null && r.timespan.end !== null));
      assert.ok(rows.some((r: Json) => r.timespan.begin !== null && r.timespan.end === null));
      // The chain, flattened and filtered to RUNs: the calexps' run, no validity ranges.
      const runs = await stream(url, {
        dataset_type: "calexp",
        collections: DEMO_CHAIN,
        flatten_chains: true,
        collection_types: ["RUN"],
      });
      const calexps = runs.lines.flatMap((l) => (l.type === "page" ? l.rows : []));
      assert.equal(calexps.length, CALEXPS);
      assert.ok(calexps.every((r: Json) => r.collection === DEMO_RUN && r.timespan === null));
      for (const [body, errorType] of [
        [{ dataset_type: "bias", collections: "nope" }, "MISSING_COLLECTION"],
        [{ dataset_type: "nope", collections: DEMO_CALIB }, "MISSING_DATASET_TYPE"],
        [{ dataset_type: "bias", collection_types: ["NOPE"] }, "COLLECTION_TYPE"],
        [{ dataset_type: "bias", where: "detector = 1" }, "INVALID_ARGUMENT"],
        [{ collections: DEMO_CALIB }, "INVALID_ARGUMENT"],
      ] as const) {
        const refused = await post(url, body);
        assert.equal(refused.status, 422, JSON.stringify(body));
        assert.equal(refused.body.error_type, errorType, JSON.stringify(refused.body));
        assert.equal(typeof refused.body.detail, "string");
      }
    });

    if (dialect === "postgres") {
      test("keep-alive lines while a cursor's first page is computed; a disconnect cancels the statement", async () => {
        const database = served.butler.registry.internals.database;
        const app = await createServerApp({
          repositories: [{ name: "main", butler: served.butler }],
          signingKey: randomSigningKey(),
          keepAliveMs: 100,
          plugins: [
            async (scope) => {
              scope.post("/slow-query", { config: { access: "public" } }, (request, reply) =>
                streamRows({ keepAliveMs: 100, pageRows: 10 } as ServerContext, request, reply, (signal) =>
                  new QueryStream(() => database.pages(sql`SELECT pg_sleep(20) AS slept`, 10), {
                    signal,
                  }).pages(10),
                ),
              );
            },
          ],
        });
        try {
          const origin = await app.listen({ host: "127.0.0.1", port: 0 });
          const abort = new AbortController();
          const response = await fetch(`${origin}/slow-query`, {
            method: "POST",
            body: "{}",
            headers: { "content-type": "application/json" },
            signal: abort.signal,
          });
          const { value } = await response.body!.getReader().read();
          assert.match(new TextDecoder().decode(value), /keep_alive/);
          const active = async () =>
            (
              await database.rows<{ n: number }>(
                sql`SELECT count(*)::int AS n FROM pg_stat_activity WHERE query LIKE 'FETCH 10 FROM butler_cursor_%' AND state = 'active'`,
              )
            )[0]!.n;
          assert.equal(await active(), 1);
          abort.abort();
          let left = 1;
          for (let i = 0; i < 100 && left > 0; i++) {
            await sleep(30);
            left = await active();
          }
          assert.equal(left, 0, "the statement was cancelled");
        } finally {
          await closeApp(app);
        }
      });
    }

    test("header values of each dataset", async () => {
      const { lines } = await stream(`${served.base}/v1/query/headers`, {
        dataset_type: "calexp",
        collections: DEMO_RUN,
        keys: ["EXPTIME"],
      });
      const rows = lines.flatMap((l) => (l.type === "page" ? l.rows : []));
      assert.equal(rows.length, CALEXPS);
      for (const row of rows) {
        assert.equal(row.dataset_ref.datasetType.name, "calexp");
        assert.equal(typeof row.values.EXPTIME, "number");
      }
      const offset = await post(`${served.base}/v1/query/headers`, { dataset_type: "calexp", offset: 1 });
      assert.equal(offset.status, 422);
    });
  });
}

describe("the stream writer", () => {
  let app: FastifyInstance;
  let origin: string;
  const ctx = { keepAliveMs: 40, pageRows: 2 } as ServerContext;
  const events: string[] = [];
  before(async () => {
    app = await createServerApp({
      repositories: [],
      signingKey: randomSigningKey(),
      plugins: [
        async (scope) => {
          scope.post("/fails-after-first-page", { config: { access: "public" } }, (request, reply) =>
            streamRows(ctx, request, reply, async function* () {
              yield [{ n: 1 }, { n: 2 }, { n: 3 }];
              throw new InvalidArgumentError("row 4 is bad: accepted rows are 1 to 3");
            }),
          );
          scope.post("/crashes-after-first-page", { config: { access: "public" } }, (request, reply) =>
            streamRows(ctx, request, reply, async function* () {
              yield [{ n: 1 }];
              throw new Error("secret connection string");
            }),
          );
          scope.post("/fails-at-once", { config: { access: "public" } }, (request, reply) =>
            streamRows(ctx, request, reply, async function* () {
              yield* [];
              throw new InvalidArgumentError("nothing to stream");
            }),
          );
          scope.post("/slow-then-fails", { config: { access: "public" } }, (request, reply) =>
            streamRows(ctx, request, reply, async function* () {
              await sleep(150);
              yield* [];
              throw new InvalidArgumentError("late failure");
            }),
          );
          scope.addHook("onRequest", async (request) => {
            if (request.url.startsWith("/over-time")) request.queryTimeoutMs = 100;
          });
          scope.post("/over-time-before-first-page", { config: { access: "public" } }, (request, reply) =>
            streamRows(
              { keepAliveMs: 1000, pageRows: 2 } as ServerContext,
              request,
              reply,
              async function* (signal) {
                await sleep(300);
                if (!signal.aborted) events.push("finished unlimited");
                yield [{ n: 1 }];
              },
            ),
          );
          scope.post("/over-time-mid-stream", { config: { access: "public" } }, (request, reply) =>
            streamRows(ctx, request, reply, async function* () {
              yield [{ n: 1 }];
              await sleep(300);
              yield [{ n: 2 }];
            }),
          );
          scope.post("/endless", { config: { access: "public" } }, (request, reply) =>
            streamRows(ctx, request, reply, async function* (signal) {
              signal.addEventListener("abort", () => events.push("aborted"));
              try {
                for (let n = 0; ; n++) {
                  yield [{ n }];
                  await sleep(10);
                }
              } finally {
                events.push("stopped");
              }
            }),
          );
        },
      ],
    });
    origin = await app.listen({ host: "127.0.0.1", port: 0 });
  });
  after(() => closeApp(app));

  test("an error after the first page is an error line, the status already sent", async () => {
    const { status, lines } = await stream(`${origin}/fails-after-first-page`, {});
    assert.equal(status, 200);
    assert.deepEqual(lines, [
      { type: "page", rows: [{ n: 1 }, { n: 2 }] },
      { type: "page", rows: [{ n: 3 }] },
      { type: "error", error_type: "INVALID_ARGUMENT", detail: "row 4 is bad: accepted rows are 1 to 3" },
    ]);
  });

  test("an internal failure in-band says nothing of its cause", async () => {
    const { lines } = await stream(`${origin}/crashes-after-first-page`, {});
    assert.equal(lines.at(-1).type, "error");
    assert.equal(lines.at(-1).error_type, "INTERNAL");
    assert.doesNotMatch(lines.at(-1).detail, /secret/);
  });

  test("an error before the first page is an ordinary 422", async () => {
    const failed = await post(`${origin}/fails-at-once`, {});
    assert.equal(failed.status, 422);
    assert.deepEqual(failed.body, { error_type: "INVALID_ARGUMENT", detail: "nothing to stream" });
  });

  test("a slow first page commits the stream with keep-alive lines", async () => {
    const { status, lines } = await stream(`${origin}/slow-then-fails`, {});
    assert.equal(status, 200);
    const keepAlives = lines.filter((l) => l.type === "keep_alive").length;
    assert.ok(keepAlives >= 2, `${keepAlives} keep-alive lines in 150 ms at one per 40 ms`);
    assert.deepEqual(lines.at(-1), { type: "error", error_type: "INVALID_ARGUMENT", detail: "late failure" });
  });

  test("a query over the request's time limit is a typed error: 422 before the first page, in-band after", async () => {
    events.length = 0;
    const before = await post(`${origin}/over-time-before-first-page`, {});
    assert.equal(before.status, 422);
    assert.equal(before.body.error_type, "QUERY_TIME_LIMIT");
    assert.match(before.body.detail, /0\.1 s/);
    assert.deepEqual(events, []);
    const { status, lines } = await stream(`${origin}/over-time-mid-stream`, {});
    assert.equal(status, 200);
    assert.deepEqual(lines[0], { type: "page", rows: [{ n: 1 }] });
    assert.equal(lines.at(-1).type, "error");
    assert.equal(lines.at(-1).error_type, "QUERY_TIME_LIMIT");
    assert.equal(
      lines.some((l) => l.type === "page" && l.rows[0].n === 2),
      false,
    );
  });

  test("a client that disconnects stops the producer", async () => {
    events.length = 0;
    const abort = new AbortController();
    const response = await fetch(`${origin}/endless`, {
      method: "POST",
      body: "{}",
      headers: { "content-type": "application/json" },
      signal: abort.signal,
    });
    const reader = response.body!.getReader();
    const { value } = await reader.read();
    assert.match(new TextDecoder().decode(value), /"type":"page"/);
    abort.abort();
    for (let i = 0; i < 100 && !events.includes("stopped"); i++) await sleep(20);
    assert.deepEqual(events, ["aborted", "stopped"]);
  });
});
