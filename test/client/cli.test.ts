/**
 * The `butler` command on a served repository: query-datasets, get, scan-metadata and
 * retrieve-artifacts take the server's URL and give what they give for the directory; scan-metadata takes indexed keys from the
 * server and reads the others from the files; a command that needs the repository itself refuses a
 * URL with a message that says so. Also the header scan of the API (RemoteButler.queryHeaders).
 */
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { after, before, describe, test } from "node:test";
import { Butler } from "../../src/butler/index.ts";
import { RemoteButler } from "../../src/client/remote-butler.ts";
import { runButler } from "../support/cli.ts";
import { DEMO_CHAIN, makeSmallDemo, type ServedDemo, serve } from "./helpers.ts";

let served: ServedDemo;
let local: Butler;

before(async () => {
  const repo = await makeSmallDemo();
  served = await serve(repo);
  await served.butler.indexHeaders("calexp", ["SKYLEVEL"]);
  local = await Butler.open(repo, { collections: DEMO_CHAIN });
});

after(async () => {
  await local.close();
  await served.close();
});

/** Runs a command on the served repository's URL; it must succeed. */
async function onServer(command: string, ...args: string[]): Promise<string> {
  const run = await runButler(command, served.url, ...args);
  assert.equal(run.status, 0, run.stderr);
  return run.stdout;
}

const DATA_ID_ARGS = [
  "--data-id",
  "instrument=DemoCam",
  "--data-id",
  "visit=2026031000",
  "--data-id",
  "detector=1",
];

// Each command is one child process (a few seconds each): their direct twins are covered by the CLI
// suites, so the expectations here come from the local butler's API.
describe("the CLI on a server URL", () => {
  test("query-datasets", async () => {
    const out = await onServer("query-datasets", "calexp", "--collections", DEMO_CHAIN, "--format", "json");
    const ids = (JSON.parse(out) as { id: string }[]).map((r) => r.id).sort();
    assert.deepEqual(ids, (await local.queryDatasets("calexp")).map((r) => r.id).sort());
  });

  test("get of a component", async () => {
    const out = await onServer(
      "get",
      "calexp.metadata",
      "--collections",
      DEMO_CHAIN,
      ...DATA_ID_ARGS,
      "--format",
      "json",
    );
    const header = await local.get<{ get(key: string): unknown }>("calexp.metadata", {
      instrument: "DemoCam",
      visit: 2026031000,
      detector: 1,
    });
    assert.equal(JSON.parse(out).SKYLEVEL, header.get("SKYLEVEL"));
  });

  test("scan-metadata with an indexed and a plain key", async () => {
    const out = await onServer(
      "scan-metadata",
      "calexp",
      "--collections",
      DEMO_CHAIN,
      "--keys",
      "SKYLEVEL,NSTARS",
      "--format",
      "json",
    );
    const rows = JSON.parse(out) as Record<string, unknown>[];
    const expected = await local.queryHeaders("calexp", { keys: ["SKYLEVEL", "NSTARS"] });
    assert.deepEqual(
      rows.map((r) => [r.SKYLEVEL, r.NSTARS]),
      expected.rows.map((r) => [r.values.SKYLEVEL, r.values.NSTARS]),
    );
  });

  test("retrieve-artifacts downloads the files the local butler holds", async () => {
    const dest = mkdtempSync(join(tmpdir(), "butler-cli-artifacts-"));
    try {
      const out = await onServer(
        "retrieve-artifacts",
        dest,
        "--dataset-type",
        "calexp",
        "--collections",
        DEMO_CHAIN,
        "--verbose",
      );
      const refs = await local.queryDatasets("calexp");
      const expected = await local.retrieveArtifacts(refs, join(dest, "local"));
      for (const file of expected) {
        const rel = relative(join(dest, "local"), file);
        assert.ok(out.includes(rel), `${rel} is listed`);
        assert.deepEqual(readFileSync(join(dest, rel)), readFileSync(file), rel);
      }
    } finally {
      rmSync(dest, { recursive: true, force: true });
    }
  });

  test("a command that needs the repository itself says so", async () => {
    const run = await runButler("remove-runs", served.url, "DemoCam/runs/demo", "--no-confirm");
    assert.notEqual(run.status, 0);
    assert.match(run.stderr, /needs the repository itself/);
  });
});

describe("queryHeaders", () => {
  test("indexed keys from the server, the others read here from the files", async () => {
    const remote = await RemoteButler.open(served.url, { collections: DEMO_CHAIN });
    served.seen.length = 0;
    const scan = await remote.queryHeaders("calexp", { keys: ["SKYLEVEL", "NSTARS"] });
    assert.deepEqual(scan.fromIndex, ["SKYLEVEL"]);
    assert.deepEqual(scan.fromFiles, ["NSTARS"]);
    assert.equal(scan.filesRead, 4);
    const expected = await local.queryHeaders("calexp", { keys: ["SKYLEVEL", "NSTARS"] });
    assert.deepEqual(
      scan.rows.map((r) => [r.ref.id, r.values]),
      expected.rows.map((r) => [r.ref.id, r.values]),
    );
    assert.equal(served.byteReads().length, 4);
    assert.equal(served.apiCalls().filter((r) => r.url.endsWith("/v1/get_file")).length, 1);
  });
});
