/**
 * The registry section of butler.yaml sets the database timeouts, and a database that cannot serve is
 * one typed line and an exit status, never a wait without end: a PostgreSQL server that accepts and
 * never answers (a node:net server), a SQLite repository locked by another writer.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import Database from "better-sqlite3";
import { stringify } from "yaml";
import { Butler } from "../../src/butler/index.ts";
import { EXIT_STATUS } from "../../src/cli/errors.ts";
import { isButlerError, RepositoryConfigError } from "../../src/errors/index.ts";

const BIN = join(import.meta.dirname, "../butler-from-source.js");
const scratch = mkdtempSync(join(tmpdir(), "butler-cli-registry-failures-"));
after(() => rmSync(scratch, { recursive: true, force: true }));

function butler(...args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout!.setEncoding("utf8").on("data", (d: string) => (stdout += d));
    child.stderr!.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    child.on("error", reject);
    child.on("close", (status) => resolve({ status, stdout, stderr }));
  });
}

/** A repository directory whose butler.yaml has `registry`. */
function repoWith(name: string, registry: Record<string, unknown>): string {
  const repo = join(scratch, name);
  mkdirSync(repo, { recursive: true });
  writeFileSync(join(repo, "butler.yaml"), stringify({ registry, datastore: { root: "<butlerRoot>" } }));
  return repo;
}

describe("a PostgreSQL server that never answers", () => {
  let silent: Server;
  const sockets = new Set<Socket>();
  let port = 0;
  before(async () => {
    silent = createServer((socket) => {
      sockets.add(socket);
      socket.on("close", () => sockets.delete(socket));
    });
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    port = (silent.address() as { port: number }).port;
  });
  after(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => silent.close(resolve));
  });

  test("query-collections ends after registry.connectTimeout with one line naming the server", async () => {
    const repo = repoWith("silent", {
      db: `postgresql://butler:s3cret@127.0.0.1:${port}/repo`,
      connectTimeout: 0.5,
    });
    const started = performance.now();
    const run = await butler("query-collections", repo);
    assert.ok(performance.now() - started < 15_000, "it did not wait for ever");
    assert.equal(run.status, EXIT_STATUS.REGISTRY_UNAVAILABLE, run.stderr);
    assert.match(
      run.stderr,
      new RegExp(
        `^butler: error \\[REGISTRY_UNAVAILABLE\\]: registry database postgresql://127\\.0\\.0\\.1:${port}/repo: .*connect timeout \\(0\\.5 s\\)`,
      ),
    );
    assert.doesNotMatch(run.stderr, /s3cret/);
    assert.equal(run.stderr.trim().split("\n").length, 1);
  });
});

describe("registry settings in butler.yaml", () => {
  test("busyTimeout bounds the wait for another writer, ending in REGISTRY_LOCKED", async () => {
    const repo = join(scratch, "locked");
    await Butler.create(repo, { seedConfig: { registry: { busyTimeout: 0.3 } } });
    const other = new Database(join(repo, "gen3.sqlite3"));
    try {
      other.exec("BEGIN EXCLUSIVE");
      const butler = await Butler.open(repo, { writeable: true });
      try {
        const started = performance.now();
        await assert.rejects(butler.registry.registerRun("r"), (err: unknown) => {
          assert.ok(isButlerError(err, "REGISTRY_LOCKED"), String(err));
          assert.match((err as Error).message, /locked by another writer \(waited 0\.3 s\)/);
          return true;
        });
        assert.ok(performance.now() - started < 5_000);
      } finally {
        await butler.close();
      }
    } finally {
      other.close();
    }
    const cli = await butler("query-collections", repo);
    assert.equal(cli.status, 0, cli.stderr);
  });

  test("timeouts that are not non-negative numbers of seconds are refused", async () => {
    for (const value of [-1, "ten", Number.POSITIVE_INFINITY]) {
      const repo = repoWith(`bad-${String(value)}`, {
        db: "sqlite:///<butlerRoot>/gen3.sqlite3",
        statementTimeout: value,
      });
      await assert.rejects(Butler.open(repo), (err: unknown) => {
        assert.ok(err instanceof RepositoryConfigError, String(err));
        assert.match(err.message, /registry\.statementTimeout must be a number of seconds/);
        return true;
      });
    }
  });
});
