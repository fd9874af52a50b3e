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
import { after, before, describe, test } from "node:test";
import type { FastifyInstance } from "fastify";
import type { ButlerApi } from "../../src/butler/butler-api.ts";
import { Butler, type ButlerOpenOptions } from "../../src/butler/index.ts";
import { RemoteButler } from "../../src/client/index.ts";
import { type DemoOptions, makeDemoRepo } from "../../src/demo/demo-survey.ts";
import type { Registry } from "../../src/registry/index.ts";
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
  /** Runs before the cases of each way (e.g. a put whose ref the cases read). */
  before(fn: (way: Way) => Promise<void>): void;
  /** Declares a case that runs once per way. */
  test(name: string, body: (way: Way) => Promise<void>): void;
  /**
   * Declares a case that needs what only a local butler has; `reason` says what, and is shown for the
   * server twin, which is skipped. Its butler is writeable (with the suite's options): its writes are
   * seen by the cases after it, the server's included, unless the suite `writes`.
   */
  directOnly(reason: string, name: string, body: (butler: Butler, way: Way) => Promise<void>): void;
}

export interface BothWaysOptions {
  /**
   * Makes the repository in the (not yet existing) directory `repo`, its registry at `db` (a new
   * database URI of the dialect).
   */
  make(repo: string, db: string, ctx: DialectContext): Promise<void>;
  /** Options of the suite's butler, each way (default: none). */
  butler?: ButlerOpenOptions;
  /** Skip the whole suite, with this reason (e.g. missing peer data); nothing is made. */
  skip?: string | false;
  /**
   * The cases write: each way gets a repository of its own, so that both put the same datasets. By
   * default both ways share one repository per dialect.
   */
  writes?: boolean;
}

/** A repository served on a loopback port, and the butlers of the file opened over it. */
interface Harness {
  dir: string;
  app: FastifyInstance;
  served: Butler;
  opened: ButlerApi[];
  /** A writeable local butler for the direct-only cases, opened when first asked for. */
  writer(): Promise<Butler>;
  direct: Way;
  server: Way;
}

async function startHarness(ctx: DialectContext, options: BothWaysOptions): Promise<Harness> {
  const dir = mkdtempSync(join(tmpdir(), "butler-both-ways-"));
  const repo = join(dir, "repo");
  await options.make(repo, ctx.newUri(), ctx);
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
  let writer: Promise<Butler> | undefined;
  const way = (name: WayName, butler: ButlerApi, open: Way["open"]): Way => ({
    name,
    dialect: ctx.dialect,
    repo,
    butler,
    open,
  });
  return {
    dir,
    app,
    served,
    opened,
    writer() {
      if (writer === undefined) writer = openDirect({ ...options.butler, writeable: true });
      return writer;
    },
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
  rmSync(harness.dir, { recursive: true, force: true });
}

/**
 * Declares `fn`'s cases once per dialect and way (`fn` runs once per way, so its variables are the
 * way's own), over one repository per dialect made by `options.make` (one per way with `writes`).
 */
export function bothWays(title: string, options: BothWaysOptions, fn: (suite: BothWaysSuite) => void): void {
  forEachDialect(title, (ctx) => {
    const harnesses: Harness[] = [];
    const start = async () => {
      const harness = await startHarness(ctx, options);
      harnesses.push(harness);
      return harness;
    };
    let shared: Promise<Harness> | undefined;
    after(async () => {
      for (const harness of harnesses.splice(0)) await stopHarness(harness);
    });
    for (const name of ["direct", "server"] as const) {
      describe(name, () => {
        let harness: Harness | undefined;
        before(async () => {
          if (options.skip) return;
          // Both ways of a reading suite share the first way's repository.
          if (options.writes) {
            harness = await start();
          } else {
            if (shared === undefined) shared = start();
            harness = await shared;
          }
        });
        const made = (): Harness => {
          if (harness === undefined)
            throw new Error("the repository was not made: see the before hook's error");
          return harness;
        };
        const current = (): Way => made()[name];
        fn({
          before(hook) {
            before(async () => {
              if (!options.skip) await hook(current());
            });
          },
          test(caseName, body) {
            test(`${caseName} [${name}]`, { skip: options.skip ?? false }, () => body(current()));
          },
          directOnly(reason, caseName, body) {
            if (name === "direct") {
              test(`${caseName} [direct]`, { skip: options.skip ?? false }, async () =>
                body(await made().writer(), current()),
              );
            } else {
              test(`${caseName} [server]`, { skip: `direct only: ${reason}` }, () => {});
            }
          },
        });
      });
    }
  });
}

/** `make` for a demo repository (see makeDemoRepo): its registry in the repository on SQLite, at `db` on PostgreSQL. */
export function demoRepo(demo: DemoOptions): BothWaysOptions["make"] {
  return async (repo, db, ctx) => {
    await makeDemoRepo(repo, { ...demo, ...(ctx.dialect === "postgres" ? { registryDb: db } : {}) });
  };
}

/**
 * `make` for a bare repository (Butler.create, its registry at `db`) whose registry `load` fills, for
 * the registry suites: they query `butler.registry` each way.
 */
export function registryRepo(load: (registry: Registry) => Promise<unknown>): BothWaysOptions["make"] {
  return async (repo, db) => {
    await Butler.create(repo, { db });
    const butler = await Butler.open(repo, { writeable: true });
    try {
      await load(butler.registry);
    } finally {
      await butler.close();
    }
  };
}

/**
 * A direct-only case on an empty registry of its own (each dialect), for the registry suites' cases
 * that write as an administrator from an empty registry: a file's other cases never see its writes.
 */
export function directOnlyRegistry(
  title: string,
  reason: string,
  name: string,
  body: (registry: Registry) => Promise<void>,
): void {
  bothWays(title, { make: registryRepo(async () => {}) }, (suite) => {
    suite.directOnly(reason, name, (butler) => body(butler.registry));
  });
}
