/**
 * Making and opening repositories: Butler.create writes butler.yaml, the SQLite registry and the
 * datastore root; seed configs, --override, --outfile, standalone configs; opening read-only refuses
 * every write with a typed error; `butler create` as a subprocess.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, test } from "node:test";
import { parse } from "yaml";
import { Butler } from "../../src/butler/index.ts";
import { CollectionType } from "../../src/core/index.ts";
import {
  ConflictingDefinitionError,
  ReadOnlyButlerError,
  RepositoryConfigError,
} from "../../src/errors/index.ts";
import { calexpExposure, DATA_ID, freshDir, makeRepo, open, RUN } from "./helpers.ts";

const BIN = join(import.meta.dirname, "../butler-from-source.js");

function butlerCli(...args: string[]) {
  const run = spawnSync(process.execPath, [BIN, ...args], { encoding: "utf8" });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

describe("Butler.create", () => {
  test("writes butler.yaml, gen3.sqlite3 and the datastore root, and the repository opens", async () => {
    const repo = join(freshDir("create"), "new-repo");
    const created = await Butler.create(repo);
    assert.equal(created.configFile, join(repo, "butler.yaml"));
    assert.ok(existsSync(join(repo, "gen3.sqlite3")));
    const config = parse(readFileSync(join(repo, "butler.yaml"), "utf8"));
    assert.equal(config.registry.db, "sqlite:///<butlerRoot>/gen3.sqlite3");
    assert.equal(config.datastore.root, "<butlerRoot>");
    assert.equal(config.datastore.cls, "FileDatastore");
    assert.match(config.datastore.templates.default, /^\{run:\/\}\/\{datasetType\}/);
    assert.deepEqual(config.datastore.formatters.Exposure, {
      formatter: "FitsExposureFormatter",
      recipe: "lossless",
    });
    assert.equal(config.storageClasses, undefined);
    const butler = await open(repo);
    assert.equal(butler.isWriteable, false);
    assert.equal(butler.root, repo);
    assert.deepEqual(await butler.registry.queryCollections(), []);
  });

  test("an existing repository is not overwritten", async () => {
    const repo = freshDir("twice");
    await Butler.create(repo);
    const before = readFileSync(join(repo, "butler.yaml"), "utf8");
    await assert.rejects(Butler.create(repo), ConflictingDefinitionError);
    assert.equal(readFileSync(join(repo, "butler.yaml"), "utf8"), before);
  });

  test("a seed config: its templates are kept, its root and db reset unless override", async () => {
    const dir = freshDir("seed");
    const seed = join(dir, "seed.yaml");
    writeFileSync(
      seed,
      "registry:\n  db: sqlite:///<butlerRoot>/other.sqlite3\ndatastore:\n  root: <butlerRoot>/files\n  templates:\n    calexp: '{run}/{datasetType}/{visit}_{detector}'\n",
    );
    const reset = join(dir, "reset");
    await Butler.create(reset, { seedConfig: seed });
    const resetConfig = parse(readFileSync(join(reset, "butler.yaml"), "utf8"));
    assert.equal(resetConfig.registry.db, "sqlite:///<butlerRoot>/gen3.sqlite3");
    assert.equal(resetConfig.datastore.root, "<butlerRoot>");
    assert.equal(resetConfig.datastore.templates.calexp, "{run}/{datasetType}/{visit}_{detector}");

    const kept = join(dir, "kept");
    await Butler.create(kept, { seedConfig: seed, override: true });
    assert.ok(existsSync(join(kept, "other.sqlite3")));
    assert.ok(existsSync(join(kept, "files")));
    assert.ok(!existsSync(join(kept, "gen3.sqlite3")));
  });

  test("--outfile puts the config elsewhere and records the root", async () => {
    const dir = freshDir("outfile");
    const repo = join(dir, "repo");
    const outfile = join(dir, "configs", "my-butler.yaml");
    await Butler.create(repo, { outfile });
    assert.ok(!existsSync(join(repo, "butler.yaml")));
    assert.ok(existsSync(join(repo, "gen3.sqlite3")));
    assert.equal(parse(readFileSync(outfile, "utf8")).root, repo);
    const butler = await open(outfile);
    assert.equal(butler.root, repo);
  });

  test("a standalone config carries the storage classes", async () => {
    const repo = freshDir("standalone");
    await Butler.create(repo, { standalone: true });
    const config = parse(readFileSync(join(repo, "butler.yaml"), "utf8"));
    assert.ok(config.storageClasses.ExposureF);
    const butler = await open(repo);
    assert.ok(butler.storageClasses.get("ExposureF").hasComponent("metadata"));
  });

  test("opening a directory without a repository names the missing file", async () => {
    const dir = freshDir("empty");
    await assert.rejects(Butler.open(dir), (err: unknown) => {
      assert.ok(err instanceof RepositoryConfigError);
      assert.equal(err.code, "REPOSITORY_CONFIG");
      assert.match(err.message, /butler\.yaml: no repository here/);
      return true;
    });
  });
});

describe("a read-only butler", () => {
  test("is the default without a run, reads, and refuses every write with ReadOnlyButlerError", async () => {
    const { repo, butler: writer } = await makeRepo();
    const ref = await writer.put(await calexpExposure(), "calexp", DATA_ID);
    const reader = await open(repo, { collections: RUN });
    assert.equal(reader.isWriteable, false);
    assert.ok(await reader.get("calexp.bbox", DATA_ID));
    const refused = (operation: string) => (err: unknown) => {
      assert.ok(err instanceof ReadOnlyButlerError, String(err));
      assert.equal(err.code, "READ_ONLY_BUTLER");
      assert.equal(err.operation, operation);
      return true;
    };
    await assert.rejects(
      reader.put(await calexpExposure(), "calexp", DATA_ID, { run: "other" }),
      refused("put"),
    );
    await assert.rejects(
      reader.ingest(
        { path: join(repo, "x.fits"), refs: { datasetType: "calexp", dataId: DATA_ID } },
        { run: "x" },
      ),
      refused("ingest"),
    );
    await assert.rejects(reader.removeRuns([RUN]), refused("removeRuns"));
    await assert.rejects(
      reader.pruneDatasets([ref], { purge: true, unstore: true }),
      refused("pruneDatasets"),
    );
    await assert.rejects(reader.import(repo), refused("import"));
    assert.equal(await reader.exists(ref), true);
    // A run with writeable: false is read-only too, and registers nothing.
    const explicit = await open(repo, { run: "HSC/runs/new", writeable: false });
    await assert.rejects(explicit.put(await calexpExposure(), "calexp", DATA_ID), refused("put"));
    assert.deepEqual(await explicit.registry.queryCollections(), [RUN]);
    assert.equal(await writer.registry.getCollectionType(RUN), CollectionType.RUN);
  });
});

describe("butler create (CLI)", () => {
  test("creates a repository and says where", () => {
    const repo = join(freshDir("cli"), "repo");
    const { status, stdout, stderr } = butlerCli("create", repo);
    assert.equal(status, 0, stderr);
    assert.match(stdout, /^Created repository .*repo \(config: .*repo\/butler\.yaml\)\n$/);
    assert.ok(existsSync(join(repo, "gen3.sqlite3")));
    assert.equal(
      parse(readFileSync(join(repo, "butler.yaml"), "utf8")).registry.db,
      "sqlite:///<butlerRoot>/gen3.sqlite3",
    );
  });

  test("--seed-config --override --outfile --standalone", () => {
    const dir = freshDir("cli-opts");
    const seed = join(dir, "seed.yaml");
    writeFileSync(seed, "registry:\n  db: sqlite:///<butlerRoot>/reg.sqlite3\n");
    const repo = join(dir, "repo");
    const outfile = join(dir, "elsewhere.yaml");
    const { status, stderr } = butlerCli(
      "create",
      repo,
      "--seed-config",
      seed,
      "--override",
      "--standalone",
      "-f",
      outfile,
    );
    assert.equal(status, 0, stderr);
    assert.ok(existsSync(join(repo, "reg.sqlite3")));
    const config = parse(readFileSync(outfile, "utf8"));
    assert.equal(config.root, repo);
    assert.ok(config.storageClasses.Exposure);
  });

  test("a second create fails with one line and a non-zero status", () => {
    const repo = freshDir("cli-twice");
    assert.equal(butlerCli("create", repo).status, 0);
    const again = butlerCli("create", repo);
    assert.notEqual(again.status, 0);
    assert.match(
      again.stderr,
      /^butler: error \[CONFLICTING_DEFINITION\]: a repository config already exists at /,
    );
    assert.equal(again.stderr.trim().split("\n").length, 1);
  });
});
