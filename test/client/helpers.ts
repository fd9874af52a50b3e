/**
 * A real butler server for the client tests: a demo repository (local root, or any root the caller
 * names) served by createServerApp on a free loopback port, with every request the server answered
 * recorded (route, Range, status) so tests can count calls to the server and byte reads apart.
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after } from "node:test";
import type { FastifyInstance } from "fastify";
import { Butler } from "../../src/butler/index.ts";
import { DEMO_CHAIN, DEMO_RUN, makeDemoRepo } from "../../src/demo/demo-survey.ts";
import { createServerApp, type ServerAppOptions } from "../../src/server/app.ts";

export { DEMO_CHAIN, DEMO_RUN };

export interface SeenRequest {
  method: string;
  url: string;
  range: string;
  status: number;
  requestId: string;
}

export interface ServedDemo {
  repo: string;
  /** The repository's URL on the server. */
  url: string;
  /** The butler the server serves (writeable). */
  butler: Butler;
  app: FastifyInstance;
  /** Every request the server answered, in order. */
  seen: SeenRequest[];
  /** Requests to the server's API (everything but the byte route). */
  apiCalls(): SeenRequest[];
  /** Requests to the signed byte route. */
  byteReads(): SeenRequest[];
  close(): Promise<void>;
}

const scratch = mkdtempSync(join(tmpdir(), "butler-client-"));
after(() => rmSync(scratch, { recursive: true, force: true }));
let counter = 0;

export function freshDir(name: string): string {
  return join(scratch, `${name}-${counter++}`);
}

/** A small demo repository: 2 visits × 2 detectors of 64×64 pixels. */
export async function makeSmallDemo(datastoreRoot?: string): Promise<string> {
  const repo = freshDir("demo");
  await makeDemoRepo(repo, {
    visits: 2,
    detectors: 2,
    size: [64, 64],
    ...(datastoreRoot === undefined ? {} : { datastoreRoot }),
  });
  return repo;
}

/** Serves `repo` as repository `demo`. */
export async function serve(
  repo: string,
  options: Partial<Omit<ServerAppOptions, "repositories" | "signingKey">> = {},
): Promise<ServedDemo> {
  const butler = await Butler.open(repo, { writeable: true });
  const seen: SeenRequest[] = [];
  const app = await createServerApp({
    ...options,
    repositories: [{ name: "demo", butler }],
    signingKey: new Uint8Array(randomBytes(32)),
    plugins: [
      async (root) => {
        root.addHook("onResponse", async (request, reply) => {
          const range = request.headers.range;
          seen.push({
            method: request.method,
            url: request.url,
            range: typeof range === "string" ? range : "",
            status: reply.statusCode,
            requestId: String(request.headers["x-butler-client-request-id"] ?? ""),
          });
        });
      },
      ...(options.plugins ?? []),
    ],
  });
  await app.listen({ host: "127.0.0.1", port: 0 });
  const address = app.server.address();
  const port = typeof address === "object" && address !== null ? address.port : 0;
  const isBytes = (r: SeenRequest) => r.url.includes("/v1/bytes/");
  return {
    repo,
    url: `http://127.0.0.1:${port}/api/butler/repo/demo`,
    butler,
    app,
    seen,
    apiCalls: () => seen.filter((r) => !isBytes(r)),
    byteReads: () => seen.filter(isBytes),
    async close() {
      await app.close();
      await butler.close();
    },
  };
}
