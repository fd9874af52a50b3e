/**
 * A fastify app with the guard and a few routes declared the way the server's routes are
 * (`config: {access, stream}` under `/api/butler/repo/:name`), listening on a real port, over real
 * SQLite registries whose tokens the guard checks.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import Fastify, { type FastifyInstance } from "fastify";
import { Registry } from "../../src/registry/index.ts";
import { type GuardConfig, guardPlugin } from "../../src/server/guard/index.ts";

export interface GuardedApp {
  readonly app: FastifyInstance;
  readonly url: string;
  readonly registries: ReadonlyMap<string, Registry>;
  /** Access-log lines written so far, parsed. */
  readonly logs: Record<string, unknown>[];
  /** Lets every held streaming request finish. */
  releaseStreams(): void;
  close(): Promise<void>;
}

export async function guardedApp(
  config: Omit<GuardConfig, "tokenStore" | "accessLog" | "repositories"> & {
    repositories?: GuardConfig["repositories"];
  },
): Promise<GuardedApp> {
  const dir = mkdtempSync(join(tmpdir(), "butler-guard-"));
  const repositories = config.repositories ?? {
    main: { readGroups: ["survey"], writeGroups: ["admin"] },
    open: {},
  };
  const registries = new Map<string, Registry>();
  for (const name of Object.keys(repositories)) {
    registries.set(name, await Registry.create({ db: join(dir, `${name}.sqlite3`) }));
  }
  const logs: Record<string, unknown>[] = [];
  let release: () => void = () => {};
  let held = new Promise<void>((resolve) => (release = resolve));

  const app = Fastify();
  await app.register(
    guardPlugin({
      ...config,
      repositories,
      tokenStore: (name) => registries.get(name)?.tokens,
      accessLog: (line) => logs.push(JSON.parse(line) as Record<string, unknown>),
    }),
  );
  const base = "/api/butler/repo/:name";
  app.get(`${base}/`, { config: { access: "public" } }, async (request) => ({
    name: (request.params as { name: string }).name,
    principal: request.principal ?? null,
  }));
  app.get(`${base}/v1/whoami`, { config: { access: "read" } }, async (request) => ({
    principal: request.principal,
    query_timeout_ms: request.queryTimeoutMs,
  }));
  app.get(`${base}/v1/undeclared`, async (request) => ({ principal: request.principal ?? null }));
  app.post(`${base}/v1/put`, { config: { access: "write" } }, async (request) => ({
    user: request.principal?.user,
  }));
  app.post(`${base}/v1/datasets`, { config: { access: "read" } }, async (request) => {
    const ids = (request.body as { dataset_ids: string[] }).dataset_ids;
    request.streamedRows = ids.length;
    return { count: ids.length };
  });
  app.post(
    `${base}/v1/query/data_ids`,
    { config: { access: "read", stream: true } },
    async (request, reply) => {
      const stream = new PassThrough();
      stream.write(`${JSON.stringify({ type: "page", rows: [1, 2, 3] })}\n`);
      void held.then(() => {
        request.streamedRows = 3;
        stream.end(`${JSON.stringify({ type: "end", total: 3 })}\n`);
      });
      return reply.type("application/jsonlines").send(stream);
    },
  );
  const address = await app.listen({ host: "127.0.0.1", port: 0 });
  return {
    app,
    url: `${address}/api/butler/repo`,
    registries,
    logs,
    releaseStreams() {
      release();
      held = new Promise<void>((resolve) => (release = resolve));
    },
    async close() {
      release();
      await app.close();
      for (const registry of registries.values()) await registry.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Waits until `predicate` holds (polling), or fails after `ms`. */
export async function eventually(predicate: () => boolean, ms = 2000): Promise<void> {
  const until = Date.now() + ms;
  while (!predicate()) {
    if (Date.now() > until) throw new Error("condition not reached in time");
    await new Promise((r) => setTimeout(r, 5));
  }
}
