/**
 * How the client talks to a server when things go wrong: 429 and 503 are tried again after their
 * Retry-After within the budget, then given up with a typed error; every request carries a fresh
 * request id that the server echoes; a stream cut off (a server that died or restarted mid-query) is a
 * typed error, not a hang; 401/403 are typed; tokens come from the option, BUTLER_TOKEN or the file.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { ServerConnection } from "../../src/client/connection.ts";
import { RemoteButler } from "../../src/client/remote-butler.ts";
import { findToken } from "../../src/client/token.ts";
import { MissingDatasetTypeError, ServerAuthError, ServerError } from "../../src/errors/index.ts";
import { FaultProxy } from "../support/servers/fault-proxy.ts";
import { DEMO_CHAIN, makeSmallDemo, type ServedDemo, serve } from "./helpers.ts";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

let repo: string;
before(async () => {
  repo = await makeSmallDemo();
});

/** Serves the demo with the first `n` API requests answered `status` with `Retry-After: seconds`. */
async function busyServer(n: number, status: number, seconds: string): Promise<ServedDemo> {
  let left = n;
  return serve(repo, {
    plugins: [
      async (app) => {
        app.addHook("onRequest", async (_request, reply) => {
          if (left <= 0) return;
          left--;
          await reply
            .code(status)
            .header("retry-after", seconds)
            .send({ error_type: status === 429 ? "TOO_MANY_REQUESTS" : "UNAVAILABLE", detail: "busy" });
        });
      },
    ],
  });
}

describe("limits and request ids", () => {
  test("503 and 429 are tried again after Retry-After, each try with a new request id", async () => {
    for (const status of [503, 429]) {
      const served = await busyServer(2, status, "0");
      try {
        const butler = await RemoteButler.open(served.url, { collections: DEMO_CHAIN });
        assert.equal(butler.connection.stats.retries, 2);
        const tries = served.seen.filter((r) => r.url.endsWith("/v1/universe"));
        assert.deepEqual(
          tries.map((r) => r.status),
          [status, status, 200],
        );
        assert.ok(tries.every((r) => UUID.test(r.requestId)));
        assert.equal(new Set(tries.map((r) => r.requestId)).size, 3);
        assert.equal((await butler.registry.queryDatasets("calexp")).length, 4);
      } finally {
        await served.close();
      }
    }
  });

  test("the server echoes the request id", async () => {
    const served = await serve(repo);
    try {
      const res = await fetch(`${served.url}/v1/universe`, {
        headers: { "x-butler-client-request-id": "0f0e0d0c-0b0a-4908-8706-050403020100" },
      });
      assert.equal(res.headers.get("x-request-id"), "0f0e0d0c-0b0a-4908-8706-050403020100");
    } finally {
      await served.close();
    }
  });

  test("a limit that outlasts the retry budget is a SERVER_BUSY error, without waiting past the budget", async () => {
    const served = await busyServer(100, 503, "3");
    try {
      const started = Date.now();
      await assert.rejects(
        RemoteButler.open(served.url, { retryBudgetMs: 1000 }),
        (err: unknown) => err instanceof ServerError && err.code === "SERVER_BUSY" && err.status === 503,
      );
      assert.ok(Date.now() - started < 2500);
      assert.equal(served.seen.length, 1);
    } finally {
      await served.close();
    }
  });

  test("user errors of a stream's error line are the repository's typed errors", async () => {
    const served = await serve(repo);
    try {
      const butler = await RemoteButler.open(served.url, { collections: DEMO_CHAIN });
      await assert.rejects(butler.queryDatasets("nosuch"), MissingDatasetTypeError);
    } finally {
      await served.close();
    }
  });
});

describe("streams cut off", () => {
  let server: Server;
  let base: string;
  let behaviour: "reset" | "end" | "garbage" = "reset";

  before(async () => {
    server = createServer((req, res) => {
      if (req.url?.endsWith("/v1/unauthorized")) {
        res.writeHead(401, { "content-type": "application/json" });
        res.end(JSON.stringify({ error_type: "UNAUTHENTICATED", detail: "no token" }));
        return;
      }
      res.writeHead(200, { "content-type": "application/jsonlines" });
      res.write(`${JSON.stringify({ type: "page", rows: [{ n: 1 }, { n: 2 }] })}\n`);
      res.write(`${JSON.stringify({ type: "keep_alive" })}\n`);
      if (behaviour === "reset") setTimeout(() => res.socket?.destroy(), 20);
      else if (behaviour === "end") res.end();
      else res.end("not json\n");
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const address = server.address();
    base = `http://127.0.0.1:${typeof address === "object" && address !== null ? address.port : 0}/api/butler/repo/x`;
  });

  after(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  for (const kind of ["reset", "end", "garbage"] as const) {
    test(`a stream that ${kind === "reset" ? "loses its connection" : kind === "end" ? "ends without its last line" : "sends a broken line"} is SERVER_STREAM_INTERRUPTED`, async () => {
      behaviour = kind;
      const rows: unknown[] = [];
      const connection = new ServerConnection(base);
      await assert.rejects(
        connection.stream("/v1/query/datasets", {}, (page) => rows.push(...page)),
        (err: unknown) => err instanceof ServerError && err.code === "SERVER_STREAM_INTERRUPTED",
      );
      assert.equal(rows.length, 2);
    });
  }

  test("a real server's stream cut after its first bytes is SERVER_STREAM_INTERRUPTED", async () => {
    const served = await serve(repo, { pageRows: 1 });
    const proxy = await FaultProxy.start(new URL(served.url).origin);
    try {
      const butler = await RemoteButler.open(`${proxy.origin}${new URL(served.url).pathname}`, {
        collections: DEMO_CHAIN,
      });
      proxy.inject({ kind: "truncate", afterBytes: 300 });
      await assert.rejects(
        butler.queryDatasets("calexp"),
        (err: unknown) => err instanceof ServerError && err.code === "SERVER_STREAM_INTERRUPTED",
      );
    } finally {
      await proxy.close();
      await served.close();
    }
  });

  test("401 is a ServerAuthError", async () => {
    await assert.rejects(
      new ServerConnection(base).getJson("/v1/unauthorized"),
      (err: unknown) => err instanceof ServerAuthError && err.code === "UNAUTHENTICATED",
    );
  });

  test("a server that is not there is SERVER_UNREACHABLE", async () => {
    await assert.rejects(
      new ServerConnection("http://127.0.0.1:1/api/butler/repo/x").getJson("/v1/universe"),
      (err: unknown) => err instanceof ServerError && err.code === "SERVER_UNREACHABLE",
    );
  });
});

describe("tokens", () => {
  const dir = mkdtempSync(join(tmpdir(), "butler-tokens-"));
  after(() => rmSync(dir, { recursive: true, force: true }));

  test("the option, then BUTLER_TOKEN, then the longest matching prefix of the tokens file", () => {
    const file = join(dir, "tokens.json");
    writeFileSync(
      file,
      JSON.stringify({
        "https://data.example.org/": "general",
        "https://data.example.org/api/butler/repo/main": "main",
      }),
    );
    const env = { BUTLER_TOKENS_FILE: file };
    const url = "https://data.example.org/api/butler/repo/main";
    assert.equal(findToken(url, "given", { ...env, BUTLER_TOKEN: "env" }), "given");
    assert.equal(findToken(url, undefined, { ...env, BUTLER_TOKEN: "env" }), "env");
    assert.equal(findToken(url, undefined, env), "main");
    assert.equal(findToken("https://data.example.org/api/butler/repo/other", undefined, env), "general");
    assert.equal(findToken("https://elsewhere.org/api/butler/repo/main", undefined, env), undefined);
    assert.equal(findToken(url, undefined, { XDG_CONFIG_HOME: join(dir, "none") }), undefined);
  });

  test("a tokens file that is not a JSON object is a typed error naming it", () => {
    const file = join(dir, "bad.json");
    writeFileSync(file, "[1, 2]");
    assert.throws(
      () => findToken("https://x/api/butler/repo/a", undefined, { BUTLER_TOKENS_FILE: file }),
      (err: unknown) => err instanceof Error && err.message.includes(file),
    );
  });

  test("the token is sent as a bearer token", async () => {
    let seen: string | undefined;
    const served = await serve(repo, {
      plugins: [
        async (app) => {
          app.addHook("onRequest", async (request) => {
            seen = request.headers.authorization;
          });
        },
      ],
    });
    try {
      await RemoteButler.open(served.url, { token: "s3cret" });
      assert.equal(seen, "Bearer s3cret");
    } finally {
      await served.close();
    }
  });
});
