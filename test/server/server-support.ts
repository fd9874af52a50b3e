/**
 * Shared setup for server tests: a small demo repository (SQLite, or PostgreSQL in a fresh database),
 * served by createServerApp on a free loopback port, and helpers to call it over real HTTP.
 */
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { FastifyInstance } from "fastify";
import pg from "pg";
import { Butler } from "../../src/butler/index.ts";
import { DEMO_CHAIN, type DemoOptions, makeDemoRepo } from "../../src/demo/demo-survey.ts";
import { createServerApp, type ServerAppOptions } from "../../src/server/app.ts";
import { randomSigningKey } from "../../src/server/signing.ts";
import { type DialectName, PG_SERVER_URI } from "../registry/registry-support.ts";
import { BUTLER_BIN } from "../support/cli.ts";

export { enabledDialects } from "../registry/registry-support.ts";

/** The demo repository every server test serves: 2 visits × 2 detectors of 64×64 pixels. */
export const DEMO: DemoOptions = { visits: 2, detectors: 2, size: [64, 64] };
export const CALEXPS = 4;

/** A parsed JSON body: the assertions check its shape. */
// biome-ignore lint/suspicious/noExplicitAny: response bodies of every route, checked field by field by the tests.
export type Json = any;

export interface Served {
  /** `http://127.0.0.1:port` */
  readonly origin: string;
  /** The repository's base URL. */
  readonly base: string;
  readonly app: FastifyInstance;
  readonly butler: Butler;
  readonly dir: string;
  readonly signingKey: Uint8Array;
  close(): Promise<void>;
}

/** Makes the demo repository and serves it as `main`. */
export async function serveDemo(
  dialect: DialectName = "sqlite",
  options: Partial<ServerAppOptions> & { demo?: DemoOptions } = {},
): Promise<Served> {
  const dir = mkdtempSync(join(tmpdir(), "butler-server-"));
  let database: string | undefined;
  if (dialect === "postgres") {
    database = `butler_test_${randomBytes(6).toString("hex")}`;
    await adminQuery(`CREATE DATABASE ${database}`);
  }
  await makeDemoRepo(join(dir, "repo"), {
    ...DEMO,
    ...options.demo,
    ...(database === undefined ? {} : { registryDb: `${PG_SERVER_URI}/${database}?namespace=demo` }),
  });
  const butler = await Butler.open(join(dir, "repo"), { collections: [DEMO_CHAIN] });
  const signingKey = options.signingKey ?? randomSigningKey();
  const app = await createServerApp({
    ...options,
    repositories: options.repositories ?? [{ name: "main", butler }],
    signingKey,
  });
  const origin = await app.listen({ host: "127.0.0.1", port: 0 });
  return {
    origin,
    base: `${origin}/api/butler/repo/main`,
    app,
    butler,
    dir,
    signingKey,
    async close() {
      await closeApp(app);
      await butler.close();
      rmSync(dir, { recursive: true, force: true });
      if (database !== undefined) await adminQuery(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
    },
  };
}

/**
 * Closes an app whose requests are all answered. The test client (undici) may hold a connection it
 * opened ahead and never used, which a graceful close would wait for until the keep-alive timeout.
 */
export async function closeApp(app: FastifyInstance | undefined): Promise<void> {
  if (app === undefined) return;
  app.server.closeAllConnections();
  await app.close();
}

export async function adminQuery(text: string): Promise<void> {
  const admin = new pg.Client({ connectionString: `${PG_SERVER_URI}/postgres` });
  await admin.connect();
  try {
    await admin.query(text);
  } finally {
    await admin.end();
  }
}

/** POSTs JSON; returns the status, headers and parsed body (text when it is not JSON). */
export async function post(
  url: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: Headers; body: Json }> {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify(body),
  });
  return { status: response.status, headers: response.headers, body: await bodyOf(response) };
}

export async function get(
  url: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: Headers; body: Json }> {
  const response = await fetch(url, { headers });
  return { status: response.status, headers: response.headers, body: await bodyOf(response) };
}

async function bodyOf(response: Response): Promise<unknown> {
  const text = await response.text();
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** The lines of a streamed result, parsed. */
export function jsonLines(text: string): Json[] {
  return text
    .split("\n")
    .filter((line) => line !== "")
    .map((line) => JSON.parse(line));
}

/** Starts `butler serve ARGS…`; resolves with the process and the URLs it printed once `count` are out. */
export async function startServe(
  args: string[],
  env: Record<string, string> = {},
  count = 1,
): Promise<{ urls: string[]; stop(): Promise<{ status: number | null; stderr: string }> }> {
  const child = spawn(process.execPath, [BUTLER_BIN, "serve", ...args], {
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, ...env },
  });
  let stderr = "";
  child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
  const exited = new Promise<number | null>((resolve) => child.on("close", resolve));
  const urls = await new Promise<string[]>((resolve, reject) => {
    let stdout = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => {
      stdout += d;
      const found = [...stdout.matchAll(/^Serving \S+ at (http:\/\/\S+)$/gm)].map((m) => m[1]!);
      if (found.length >= count) resolve(found);
    });
    child.on("close", () => reject(new Error(`butler serve exited: ${stderr}`)));
  });
  return {
    urls,
    async stop() {
      child.kill("SIGTERM");
      return { status: await exited, stderr };
    },
  };
}
