/**
 * The guard's limits and access log on a real listening fastify app: concurrent streaming queries per
 * user (429) and per process (503) with Retry-After, slots given back when a client goes away, capped
 * id lists and uploaded rows, and one parseable JSON log line per request.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import Fastify from "fastify";
import { guardPlugin } from "../../src/server/guard/index.ts";
import { eventually, type GuardedApp, guardedApp } from "./guard-support.ts";

interface Opened {
  status: number;
  headers: Headers;
  /** The first line of the body. */
  first: string;
  reader: ReadableStreamDefaultReader<Uint8Array>;
  controller: AbortController;
}

async function openStream(url: string, token: string): Promise<Opened> {
  const controller = new AbortController();
  const response = await fetch(url, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: "{}",
    signal: controller.signal,
  });
  const reader = response.body!.getReader();
  const { value } = await reader.read();
  return {
    status: response.status,
    headers: response.headers,
    first: new TextDecoder().decode(value).split("\n")[0]!,
    reader,
    controller,
  };
}

async function drain(opened: Opened): Promise<void> {
  for (;;) if ((await opened.reader.read()).done) return;
}

describe("guard: limits and access log", () => {
  let server: GuardedApp;
  let alice = "";
  let bob = "";
  before(async () => {
    server = await guardedApp({
      auth: { mode: "tokens" },
      limits: { streamsPerUser: 2, streamsPerProcess: 3, retryAfterSeconds: 7, queryTimeoutMs: 45_000 },
    });
    const main = server.registries.get("main")!;
    alice = (await main.tokens.create({ user: "alice", groups: ["survey"] })).token;
    bob = (await main.tokens.create({ user: "bob", groups: ["survey"] })).token;
  });
  after(() => server.close());

  test("streams: a user's third is 429, the process's fourth 503, both with Retry-After", async () => {
    const url = `${server.url}/main/v1/query/data_ids`;
    const a1 = await openStream(url, alice);
    const a2 = await openStream(url, alice);
    assert.deepEqual([a1.status, a2.status], [200, 200]);
    assert.deepEqual(JSON.parse(a1.first), { type: "page", rows: [1, 2, 3] });

    const a3 = await openStream(url, alice);
    assert.equal(a3.status, 429);
    assert.equal(a3.headers.get("retry-after"), "7");
    assert.equal(JSON.parse(a3.first).error_type, "TOO_MANY_REQUESTS");
    assert.match(JSON.parse(a3.first).detail, /user 'alice' already runs 2 streaming queries/);

    const b1 = await openStream(url, bob);
    assert.equal(b1.status, 200, "another user still gets a stream");
    const b2 = await openStream(url, bob);
    assert.equal(b2.status, 503);
    assert.equal(b2.headers.get("retry-after"), "7");
    assert.equal(JSON.parse(b2.first).error_type, "SERVER_BUSY");

    // A client that goes away gives its slot back.
    a1.controller.abort();
    await eventually(() => server.logs.some((l) => l.aborted === true && l.user === "alice"));
    const a4 = await openStream(url, alice);
    assert.equal(a4.status, 200);

    server.releaseStreams();
    await Promise.all([drain(a2), drain(b1), drain(a4)]);
    const again = await Promise.all([openStream(url, alice), openStream(url, alice), openStream(url, bob)]);
    assert.deepEqual(
      again.map((o) => o.status),
      [200, 200, 200],
      "every slot is free once the streams ended",
    );
    server.releaseStreams();
    await Promise.all(again.map(drain));
  });

  test("the query time limit reaches the routes", async () => {
    const response = await fetch(`${server.url}/main/v1/whoami`, {
      headers: { authorization: `Bearer ${alice}` },
    });
    assert.equal(((await response.json()) as { query_timeout_ms: number }).query_timeout_ms, 45_000);
  });

  test("more than 10,000 dataset ids or 100,000 uploaded rows is 422 REQUEST_TOO_LARGE", async () => {
    const url = `${server.url}/main/v1/datasets`;
    const post = async (body: unknown) => {
      const response = await fetch(url, {
        method: "POST",
        headers: { authorization: `Bearer ${alice}`, "content-type": "application/json" },
        body: JSON.stringify(body),
      });
      return { status: response.status, body: (await response.json()) as Record<string, unknown> };
    };
    const id = "0e8a1f6c-4a4e-4a59-9a3b-9d1c0b6f3a11";
    assert.deepEqual(await post({ dataset_ids: Array(10_000).fill(id) }), {
      status: 200,
      body: { count: 10_000 },
    });
    assert.deepEqual(await post({ dataset_ids: Array(10_001).fill(id) }), {
      status: 422,
      body: {
        error_type: "REQUEST_TOO_LARGE",
        detail:
          "dataset_ids (dataset ids): 10001 is more than this server accepts in one request (at most 10000); split the request",
      },
    });
    const rows = await post({ dataset_ids: [], query: { data_ids: Array(100_001).fill(1) } });
    assert.equal(rows.status, 422);
    assert.match(
      String(rows.body.detail),
      /^query\.data_ids \(uploaded rows\): 100001 is more .* \(at most 100000\)/,
    );
    const bound = await post({ dataset_ids: [], bind: { visits: Array(100_001).fill(1) } });
    assert.match(String(bound.body.detail), /^bind\.visits \(uploaded rows\): 100001/);
    assert.equal((await post({ dataset_ids: [], bind: { visits: Array(100_000).fill(1) } })).status, 200);
  });

  test("one JSON access-log line per request with user, route, status, ms, rows and bytes", async () => {
    server.logs.length = 0;
    const response = await fetch(`${server.url}/main/v1/datasets`, {
      method: "POST",
      headers: { authorization: `Bearer ${bob}`, "content-type": "application/json" },
      body: JSON.stringify({ dataset_ids: ["a", "b"] }),
    });
    const text = await response.text();
    const refused = await fetch(`${server.url}/main/v1/whoami`);
    await refused.text();

    await eventually(() => server.logs.length === 2);
    const [ok, denied] = server.logs;
    assert.deepEqual(
      { ...ok, time: undefined, ms: undefined, request_id: undefined },
      {
        time: undefined,
        ms: undefined,
        request_id: undefined,
        user: "bob",
        method: "POST",
        route: "/api/butler/repo/:name/v1/datasets",
        repository: "main",
        status: 200,
        rows: 2,
        bytes: Buffer.byteLength(text),
        remote: ok!.remote,
        aborted: false,
      },
    );
    assert.ok(typeof ok!.ms === "number" && ok!.ms >= 0);
    assert.ok(!Number.isNaN(Date.parse(String(ok!.time))));
    assert.notEqual(ok!.request_id, denied!.request_id);
    assert.deepEqual([denied!.user, denied!.status, denied!.rows], [null, 401, null]);
  });
});

describe("guard: configuration mistakes", () => {
  test("a limit that is not a positive whole number names its setting", () => {
    assert.throws(
      () => guardPlugin({ auth: { mode: "tokens" }, repositories: {}, limits: { streamsPerUser: 0 } }),
      (err: Error & { code?: string }) =>
        err.code === "SERVER_CONFIG" &&
        /^server configuration: limits\.streams_per_user: 0 is not accepted/.test(err.message),
    );
  });

  test("a route declaring an unknown access is refused when it is added", async () => {
    const app = Fastify();
    await guardPlugin({ auth: { mode: "tokens" }, repositories: {}, accessLog: false })(app);
    assert.throws(
      () => app.get("/api/butler/repo/:name/x", { config: { access: "admin" as never } }, async () => ({})),
      /config\.access 'admin' is not one of public, read, write/,
    );
    await app.close();
  });
});
