/**
 * Read-only repositories read: a butler opened without write access queries and gets through a
 * read-only SQLite connection and leaves the database file as it was; a repository in directories
 * its user cannot write (as on a read-only mount; the commands run as `nobody` when the tests run as
 * root, since root writes anywhere) is queried and read through the CLI; and no read ever creates a
 * registry file: a missing one is a RegistryNotFoundError.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { Butler } from "../../src/butler/index.ts";
import { ReadOnlyButlerError, RegistryNotFoundError } from "../../src/errors/index.ts";
import type { Exposure } from "../../src/image/exposure.ts";
import { calexpExposure, calexpType, DATA_ID, loadHscDimensions, RUN, tree } from "./helpers.ts";

const BIN = join(import.meta.dirname, "../butler-from-source.js");
const NOBODY = 65534;
const asRoot = process.getuid?.() === 0;

// World-readable scratch, so that an unprivileged user can walk into it.
const scratch = mkdtempSync(join(tmpdir(), "butler-readonly-test-"));
chmodSync(scratch, 0o755);
after(() => {
  chmodTree(scratch, 0o755, 0o644);
  rmSync(scratch, { recursive: true, force: true });
});
let counter = 0;

function chmodTree(dir: string, dirMode: number, fileMode: number): void {
  chmodSync(dir, dirMode);
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) chmodTree(full, dirMode, fileMode);
    else chmodSync(full, fileMode);
  }
}

function sha(file: string): string {
  return createHash("sha256").update(readFileSync(file)).digest("hex");
}

/** A repository with one calexp, closed. */
async function makeRepo(): Promise<string> {
  const repo = join(scratch, `repo-${counter++}`);
  await Butler.create(repo);
  const butler = await Butler.open(repo, { run: RUN });
  try {
    await loadHscDimensions(butler);
    await butler.registry.registerDatasetType(calexpType(butler));
    await butler.put(await calexpExposure(), "calexp", DATA_ID);
  } finally {
    await butler.close();
  }
  return repo;
}

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

function butlerAs(uid: number | undefined, ...args: string[]): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      stdio: ["ignore", "pipe", "pipe"],
      cwd: scratch,
      ...(uid === undefined ? {} : { uid, gid: uid }),
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    child.on("error", reject);
    child.on("close", (status) => resolve({ status, stdout, stderr }));
  });
}

const dataIdArgs = Object.entries(DATA_ID).flatMap(([k, v]) => ["--data-id", `${k}=${v}`]);

describe("a repository opened without write access", () => {
  let repo: string;
  before(async () => {
    repo = await makeRepo();
  });

  test("queries and gets through a read-only connection; the database file is unchanged", async () => {
    const db = join(repo, "gen3.sqlite3");
    const before = sha(db);
    const butler = await Butler.open(repo, { collections: RUN });
    try {
      assert.equal(butler.isWriteable, false);
      assert.equal(butler.registry.internals.database.dialect.readOnly, true);
      const refs = await butler.queryDatasets("calexp");
      assert.equal(refs.length, 1);
      assert.ok(await butler.get("calexp.metadata", DATA_ID));
      const whole = await butler.get<Exposure>("calexp", DATA_ID);
      assert.ok(whole.maskedImage.equals((await calexpExposure()).maskedImage));
      await assert.rejects(butler.removeRuns(RUN), ReadOnlyButlerError);
    } finally {
      await butler.close();
    }
    assert.equal(sha(db), before);
  });

  test("a missing registry is a RegistryNotFoundError and no file is made", async () => {
    const empty = await makeRepo();
    const db = join(empty, "gen3.sqlite3");
    for (const suffix of ["", "-wal", "-shm"]) rmSync(`${db}${suffix}`, { force: true });
    await assert.rejects(Butler.open(empty), RegistryNotFoundError);
    await assert.rejects(Butler.open(empty, { writeable: true }), (err: unknown) => {
      return err instanceof RegistryNotFoundError && err.message.includes(db);
    });
    assert.equal(existsSync(db), false);
    const cli = await butlerAs(undefined, "query-collections", empty);
    assert.equal(cli.status, 3, cli.stderr);
    assert.match(cli.stderr, /\[REGISTRY_NOT_FOUND\].*butler create/);
    assert.doesNotMatch(cli.stderr, /\n\s+at /);
    assert.equal(existsSync(db), false);
  });
});

describe("a repository in directories its user cannot write", {
  skip: !asRoot && "needs root to run as nobody",
}, () => {
  let repo: string;
  let snapshot: string[];
  let dbSha: string;
  const output = join(scratch, "out");

  before(async () => {
    repo = await makeRepo();
    // As on a read-only mount: nothing in the repository can be written or created by its reader.
    chmodTree(repo, 0o555, 0o444);
    snapshot = tree(repo);
    dbSha = sha(join(repo, "gen3.sqlite3"));
    const { mkdirSync } = await import("node:fs");
    mkdirSync(output, { mode: 0o777 });
    chmodSync(output, 0o777);
  });

  test("query-collections, query-datasets and get (header, component, whole image) work", async () => {
    const collections = await butlerAs(NOBODY, "query-collections", repo);
    assert.equal(collections.status, 0, collections.stderr);
    assert.match(collections.stdout, new RegExp(RUN));
    const datasets = await butlerAs(NOBODY, "query-datasets", repo, "calexp", "--collections", RUN);
    assert.equal(datasets.status, 0, datasets.stderr);
    assert.match(datasets.stdout, /calexp/);
    const metadata = await butlerAs(
      NOBODY,
      "get",
      repo,
      "calexp.metadata",
      "--collections",
      RUN,
      ...dataIdArgs,
    );
    assert.equal(metadata.status, 0, metadata.stderr);
    assert.match(metadata.stdout, /TELESCOP = Subaru/);
    const file = join(output, "calexp.fits");
    const whole = await butlerAs(
      NOBODY,
      "get",
      repo,
      "calexp",
      "--collections",
      RUN,
      ...dataIdArgs,
      "--output",
      file,
    );
    assert.equal(whole.status, 0, whole.stderr);
    assert.ok(statSync(file).size > 0);
    // Nothing in the repository changed or appeared.
    assert.deepEqual(tree(repo), snapshot);
    assert.equal(sha(join(repo, "gen3.sqlite3")), dbSha);
  });

  test("a write is refused with a typed error, not a driver code", async () => {
    const removal = await butlerAs(NOBODY, "remove-runs", repo, RUN, "--no-confirm");
    assert.equal(removal.status, 1);
    assert.match(
      removal.stderr,
      /butler: error \[REGISTRY_NOT_WRITEABLE\].*open the repository without write access/,
    );
    assert.doesNotMatch(removal.stderr, /\n\s+at /);
    assert.deepEqual(tree(repo), snapshot);
  });
});
