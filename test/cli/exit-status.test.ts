/**
 * Every error code has an exit status, or is listed as a general failure (status 1); README's table
 * says the same as the code; a dataset that is not found exits with its documented status.
 */
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { after, test } from "node:test";
import { EXIT_STATUS, exitStatusOf, GENERAL_FAILURE_CODES } from "../../src/cli/errors.ts";
import { DatasetNotFoundInCollectionsError, ERROR_CODES } from "../../src/errors/index.ts";
import { runButler } from "../support/cli.ts";

const README = readFileSync(resolve(import.meta.dirname, "../../README.md"), "utf8");

test("every error code has an exit status or is deliberately a general failure, never both", () => {
  const withStatus = new Set(Object.keys(EXIT_STATUS));
  const general = new Set<string>(GENERAL_FAILURE_CODES);
  for (const code of ERROR_CODES) {
    assert.ok(
      withStatus.has(code) !== general.has(code),
      `${code}: exactly one of EXIT_STATUS, GENERAL_FAILURE_CODES`,
    );
  }
  for (const code of [...withStatus, ...general]) {
    assert.ok((ERROR_CODES as readonly string[]).includes(code), `${code} is an error code`);
  }
  assert.equal(general.size, GENERAL_FAILURE_CODES.length, "no code listed twice");
  assert.ok(
    Object.values(EXIT_STATUS).every((s) => s > 1),
    "statuses 0 and 1 are not a code's own",
  );
});

test("README's exit status table lists exactly the codes of each status", () => {
  const documented = new Map<string, number>();
  for (const row of README.matchAll(/^\| ([2-9]) \| (.*) \|$/gm)) {
    for (const code of row[2]!.matchAll(/`([A-Z_]+)`/g)) documented.set(code[1]!, Number(row[1]));
  }
  assert.deepEqual(
    [...documented].sort(([a], [b]) => a.localeCompare(b)),
    Object.entries(EXIT_STATUS).sort(([a], [b]) => a.localeCompare(b)),
  );
});

test("a dataset not found exits with 3, as documented", () => {
  const err = new DatasetNotFoundInCollectionsError("calexp", "{visit: 1}", ["run"]);
  assert.equal(err.code, "DATASET_NOT_FOUND");
  assert.equal(err.datasetId, undefined, "a search that found nothing has no dataset ID to name");
  assert.equal(exitStatusOf(err), 3);
});

const scratch = mkdtempSync(join(tmpdir(), "butler-exit-status-"));
after(() => rmSync(scratch, { recursive: true, force: true }));

test("butler get of a data ID with no dataset exits with 3 and names what was searched", async () => {
  const repo = join(scratch, "repo");
  const made = await runButler(
    "demo",
    repo,
    "--visits",
    "1",
    "--detectors",
    "1",
    "--size",
    "16,16",
    "--no-summary",
  );
  assert.equal(made.status, 0, made.stderr);
  const run = await runButler(
    "get",
    repo,
    "calexp.metadata",
    "--collections",
    "DemoCam/defaults",
    "--data-id",
    "instrument=DemoCam",
    "--data-id",
    "detector=0",
    "--data-id",
    "visit=1",
  );
  assert.equal(run.status, 3, run.stderr);
  assert.match(
    run.stderr,
    /^butler: error \[DATASET_NOT_FOUND\]: dataset calexp with data ID .* in collections \[DemoCam\/defaults\]/m,
  );
});
