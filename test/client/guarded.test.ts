/**
 * RemoteButler against a server with the guard installed (bearer tokens from the repository's
 * registry, read and write groups): a reader reads and is refused puts, a writer puts through the
 * signed upload, no token is a typed 401, and the access log carries the client's request ids.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { RemoteButler } from "../../src/client/remote-butler.ts";
import { ServerAuthError } from "../../src/errors/index.ts";
import { DEMO_CHAIN, makeSmallDemo, registerVisitSummary, type ServedDemo, serve } from "./helpers.ts";

const CALEXP_ID = { instrument: "DemoCam", visit: 2026031000, detector: 1 };
const logs: Record<string, unknown>[] = [];
let served: ServedDemo;
let readerToken: string;
let writerToken: string;
const saved = process.env.BUTLER_TOKEN;

before(async () => {
  // Only the tokens each test gives.
  delete process.env.BUTLER_TOKEN;
  process.env.BUTLER_TOKENS_FILE = "/nonexistent/tokens.json";
  served = await serve(await makeSmallDemo(), {
    guard: {
      readGroups: ["survey"],
      writeGroups: ["writers"],
      accessLog: (line) => logs.push(JSON.parse(line) as Record<string, unknown>),
    },
  });
  const tokens = served.butler.registry.tokens;
  readerToken = (await tokens.create({ user: "reader", groups: ["survey"] })).token;
  writerToken = (await tokens.create({ user: "writer", groups: ["survey", "writers"] })).token;
  await registerVisitSummary(served.butler);
});

after(async () => {
  await served.close();
  if (saved === undefined) delete process.env.BUTLER_TOKEN;
  else process.env.BUTLER_TOKEN = saved;
  delete process.env.BUTLER_TOKENS_FILE;
});

describe("a guarded server", () => {
  test("no token is a typed 401", async () => {
    await assert.rejects(
      RemoteButler.open(served.url),
      (err: unknown) => err instanceof ServerAuthError && err.code === "UNAUTHENTICATED",
    );
  });

  test("a reader reads, its request ids are in the access log, and its put is forbidden", async () => {
    const reader = await RemoteButler.open(served.url, {
      token: readerToken,
      collections: DEMO_CHAIN,
      run: "u/reader",
    });
    served.seen.length = 0;
    const header = await reader.get("calexp.metadata", CALEXP_ID);
    assert.ok(header);
    const call = served.apiCalls()[0]!;
    await new Promise((resolve) => setTimeout(resolve, 20));
    const line = logs.find((l) => l.request_id === call.requestId);
    assert.equal(line?.user, "reader");
    await assert.rejects(
      reader.put({ a: 1 }, "visitSummary", { instrument: "DemoCam", visit: CALEXP_ID.visit }),
      (err: unknown) => err instanceof ServerAuthError && err.code === "FORBIDDEN",
    );
  });

  test("a writer puts through the signed upload", async () => {
    const writer = await RemoteButler.open(served.url, { token: writerToken, run: "u/writer" });
    const ref = await writer.put({ seeing: 0.6 }, "visitSummary", {
      instrument: "DemoCam",
      visit: CALEXP_ID.visit,
    });
    assert.deepEqual(await writer.get(ref), { seeing: 0.6 });
    const put = logs.filter((l) => l.user === "writer").map((l) => l.route);
    assert.ok(
      put.some((r) => String(r).endsWith("/v1/put/commit")),
      JSON.stringify(put),
    );
  });
});
