/**
 * `butler index-headers` and the header index in `scan-metadata` and `query-datasets --where`, run as
 * the user runs them: subprocesses of test/butler-from-source.js on a small demo repository.
 */
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { parse } from "yaml";
import { runButler } from "../support/cli.ts";

const butler = runButler;

const scratch = mkdtempSync(join(tmpdir(), "butler-cli-headers-"));
after(() => rmSync(scratch, { recursive: true, force: true }));
const repo = join(scratch, "demo");
const CHAIN = "DemoCam/defaults";

before(async () => {
  const made = await butler("demo", repo, "--visits", "3", "--detectors", "2", "--size", "32,24");
  assert.equal(made.status, 0, made.stderr);
});

test("index-headers backfills and records the keys; scan-metadata and where use them", async () => {
  const indexed = await butler("index-headers", repo, "calexp", "--keys", "DET_NAME,NSTARS");
  assert.equal(indexed.status, 0, indexed.stderr);
  assert.match(indexed.stdout, /calexp: indexed keys .*DET_NAME.*NSTARS.*; backfilled 6 dataset\(s\)/);
  const config = parse(readFileSync(join(repo, "butler.yaml"), "utf8"));
  assert.ok(config.headerIndex.datasetTypes.calexp.includes("DET_NAME"));
  const again = await butler("index-headers", repo, "calexp", "--keys", "DET_NAME");
  assert.match(again.stdout, /backfilled 0 dataset\(s\)/);

  const scan = await butler(
    "scan-metadata",
    repo,
    "calexp",
    "--collections",
    CHAIN,
    "--keys",
    "DET_NAME,NSTARS,SKYLEVEL",
    "--where",
    "header.DET_NAME = 'R0_S01'",
    "--format",
    "json",
  );
  assert.equal(scan.status, 0, scan.stderr);
  assert.match(
    scan.stderr,
    /keys from the header index: DET_NAME, NSTARS; read from the files: SKYLEVEL \(3 file\(s\) read\)/,
  );
  const rows = JSON.parse(scan.stdout) as Record<string, unknown>[];
  assert.equal(rows.length, 3);
  for (const row of rows) {
    assert.equal(row.DET_NAME, "R0_S01");
    assert.equal(typeof row.NSTARS, "number");
    assert.equal(typeof row.SKYLEVEL, "number");
  }
  const indexedOnly = await butler(
    "scan-metadata",
    repo,
    "calexp",
    "--collections",
    CHAIN,
    "--keys",
    "NSTARS",
  );
  assert.match(indexedOnly.stdout, /keys from the header index: NSTARS \(0 file\(s\) read\)/);

  const bad = await butler(
    "query-datasets",
    repo,
    "calexp",
    "--collections",
    CHAIN,
    "--where",
    "header.SEEING > 1",
  );
  assert.equal(bad.status, 2, bad.stderr);
  assert.match(bad.stderr, /'SEEING' is not indexed for calexp; indexed keys: .*DET_NAME/);
  const missingKeys = await butler("index-headers", repo, "calexp");
  assert.equal(missingKeys.status, 2);
  assert.match(missingKeys.stderr, /needs --keys/);
});
