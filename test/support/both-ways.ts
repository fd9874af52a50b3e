/**
 * One suite, two ways: each case runs against a butler opened directly and against a RemoteButler
 * talking to a real butler server (createServerApp on a loopback port) over the same repository, on
 * every enabled dialect (SQLite, PostgreSQL; see registry-support.ts). The repository is made once per
 * dialect and file; cases that only read share it. Test names end in `[direct]` or `[server]`.
 *
 * A case that needs what the server deliberately does not offer (registry or datastore internals,
 * admin writes) is declared with `directOnly(reason, …)`: it runs directly, and its server twin is
 * reported as skipped with that reason rather than left out.
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import type { FastifyInstance } from "fastify";
import type { ButlerApi } from "../../src/butler/butler-api.ts";
import { Butler, type ButlerOpenOptions } from "../../src/butler/index.ts";
import { RemoteButler } from "../../src/client/index.ts";
import { type DemoOptions, makeDemoRepo } from "../../src/demo/demo-survey.ts";
import { createServerApp } from "../../src/server/app.ts";
import { type DialectContext, type DialectName, forEachDialect } from "../registry/registry-support.ts";

export type WayName = "direct" | "server";

export interface Way {
  readonly name: WayName;
  readonly dialect: DialectName;
  /** The repository's directory (the server serves the same one). */
  readonly repo: string;
  /** The file's butler, opened this way with the suite's options. */
  readonly butler: ButlerApi;
  /** Another butler over the repository, opened this way (closed after the file). */
  open(options?: ButlerOpenOptions): Promise<ButlerApi>;
}

export interface BothWaysSuite {
  /** Declares a case that runs once per way. */
  test(name: string, body: (way: Way) => Promise<void>): void;
  /**
   * Declares a case that needs what only a local butler has; `reason` says what, and is shown for the
   * server twin, which is skipped.
   */
  directOnly(reason: string, name: string, body: (butler: Butler, way: Way) => Promise<void>): void;
}

export interface BothWaysOptions {
  /**
   * Makes the repository in the (not yet existing) directory `repo`, its registry at `db` (a new
   * database URI of the dialect). Runs once per dialect.
   */
  make(repo: string, db: string, ctx: DialectContext): Promise<void>;
  /** Options of the suite's butler, each way (default: none). */
  butler?: ButlerOpenOptions;
}

/** A repository served on a loopback port, and the butlers of the file opened over it. */
interface Harness {
  repo: string;
  app: FastifyInstance;
  served: Butler;
  url: string;
  opened: ButlerApi[];
  direct: Way;
  server: Way;
}

async function startHarness(dialect: DialectName, repo: string, options: BothWaysOptions): Promise<Harness> {
  const served = await Butler.open(repo, { writeable: true });
  const app = await createServerApp({
    repositories: [{ name: "main", butler: served }],
    signingKey: new Uint8Array(randomBytes(32)),
  });
  const origin = await app.listen({ host: "127.0.0.1", port: 0 });
  const url = `${origin}/api/butler/repo/main`;
  const opened: ButlerApi[] = [];
  const track = <B extends ButlerApi>(butler: B): B => {
    opened.push(butler);
    return butler;
  };
  const openDirect = async (o: ButlerOpenOptions = {}) => track(await Butler.open(repo, o));
  const openServer = async (o: ButlerOpenOptions = {}) => track(await RemoteButler.open(url, o));
  const way = (name: WayName, butler: ButlerApi, open: Way["open"]): Way => ({
    name,
    dialect,
    repo,
    butler,
    open,
  });
  return {
    repo,
    app,
    served,
    url,
    opened,
    direct: way("direct", await openDirect(options.butler), openDirect),
    server: way("server", await openServer(options.butler), openServer),
  };
}

async function stopHarness(harness: Harness): Promise<void> {
  for (const butler of harness.opened.splice(0)) await butler.close();
  // A client may hold a keep-alive connection it never used; a graceful close would wait for it.
  harness.app.server.closeAllConnections();
  await harness.app.close();
  await harness.served.close();
}

/** Declares `fn`'s cases once per dialect and way, over one repository per dialect made by `options.make`. */
export function bothWays(title: string, options: BothWaysOptions, fn: (suite: BothWaysSuite) => void): void {
  forEachDialect(title, (ctx) => {
    let harness: Harness | undefined;
    let dir = "";
    before(async () => {
      dir = mkdtempSync(join(tmpdir(), "butler-both-ways-"));
      const repo = join(dir, "repo");
      await options.make(repo, ctx.newUri(), ctx);
      harness = await startHarness(ctx.dialect, repo, options);
    });
    after(async () => {
      if (harness !== undefined) await stopHarness(harness);
      rmSync(dir, { recursive: true, force: true });
    });
    const wayOf = (name: WayName): Way => {
      if (harness === undefined) throw new Error("the repository was not made: see the suite's before hook");
      return harness[name];
    };
    fn({
      test(name, body) {
        test(`${name} [direct]`, () => body(wayOf("direct")));
        test(`${name} [server]`, () => body(wayOf("server")));
      },
      directOnly(reason, name, body) {
        test(`${name} [direct]`, () => {
          const way = wayOf("direct");
          return body(way.butler as Butler, way);
        });
        test(`${name} [server]`, { skip: `direct only: ${reason}` }, () => {});
      },
    });
  });
}

/** `make` for a demo repository (see makeDemoRepo): its registry in the repository on SQLite, at `db` on PostgreSQL. */
export function demoRepo(demo: DemoOptions): BothWaysOptions["make"] {
  return async (repo, db, ctx) => {
    await makeDemoRepo(repo, { ...demo, ...(ctx.dialect === "postgres" ? { registryDb: db } : {}) });
  };
}
