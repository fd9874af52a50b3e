/**
 * What a new user meets on the command line: closed pipes, repository paths and URIs, parameters,
 * binds and absent components. Each case is a subprocess, as the user runs it.
 */
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { pathToFileURL } from "node:url";
import { describeError } from "../../src/cli/errors.ts";
import { DimensionRecordNotFoundError, NoDefaultCollectionError } from "../../src/errors/index.ts";

const BIN = join(import.meta.dirname, "../butler-from-source.js");

const scratch = mkdtempSync(join(tmpdir(), "butler-first-use-"));
after(() => rmSync(scratch, { recursive: true, force: true }));

function butler(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [BIN, ...args], { encoding: "utf8", cwd: scratch });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** Runs a command whose reader has gone away before it writes (`butler … | head` after head exits). */
function withClosedStdout(...args: string[]): Promise<{ status: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      stdio: ["ignore", "pipe", "pipe"],
      cwd: scratch,
    });
    child.stdout.destroy();
    let stderr = "";
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    child.on("error", reject);
    child.on("close", (status) => resolve({ status, stderr }));
  });
}

const repo = join(scratch, "repo");
const demo = join(scratch, "demo");
before(() => {
  const created = butler("create", repo);
  assert.equal(created.status, 0, created.stderr);
  const made = butler("demo", demo, "--visits", "2", "--detectors", "1", "--size", "64,48", "--no-summary");
  assert.equal(made.status, 0, made.stderr);
});

describe("a closed pipe", () => {
  test("ends the command quietly with status 0", async () => {
    const run = await withClosedStdout("config-dump", repo);
    assert.equal(run.stderr, "");
    assert.equal(run.status, 0);
  });
});

describe("repository paths", () => {
  test("a file:// URI opens the repository it names", () => {
    const run = butler("query-collections", pathToFileURL(repo).href);
    assert.equal(run.status, 0, run.stderr);
  });

  test("a file that is not a repository is one line naming what is accepted", () => {
    const file = join(scratch, "notes.md");
    writeFileSync(file, "# notes\n");
    const run = butler("query-collections", file);
    assert.notEqual(run.status, 0);
    assert.match(
      run.stderr,
      /^butler: error \[REPOSITORY_CONFIG\]: .*notes\.md: not a repository: it is a file; accepted: /,
    );
    assert.equal(run.stderr.trim().split("\n").length, 1);
  });
});

describe("an absent component", () => {
  const dataId = [
    "--data-id",
    "instrument=DemoCam",
    "--data-id",
    "visit=2026031000",
    "--data-id",
    "detector=0",
  ];
  test("is a typed error with the not-found status, never 'undefined'", () => {
    const run = butler(
      "get",
      demo,
      "calexp.psf",
      "--collections",
      "DemoCam/defaults",
      ...dataId,
      "--format",
      "json",
    );
    assert.equal(run.status, 3, run.stderr);
    assert.equal(run.stdout, "");
    assert.match(run.stderr, /^butler: error \[MISSING_COMPONENT\]: calexp .* has no 'psf' component/);
  });

  test("a present component still prints valid JSON", () => {
    const run = butler(
      "get",
      demo,
      "calexp.wcs",
      "--collections",
      "DemoCam/defaults",
      ...dataId,
      "--format",
      "json",
    );
    assert.equal(run.status, 0, run.stderr);
    assert.ok(JSON.parse(run.stdout));
  });
});

describe("--bind", () => {
  test("every command that takes --where takes --bind", () => {
    for (const command of [
      "associate",
      "get",
      "prune-datasets",
      "query-data-ids",
      "query-datasets",
      "query-dimension-records",
      "scan-metadata",
    ]) {
      const help = butler(command, "--help").stdout;
      assert.match(help, /--where <expression>/, command);
      assert.match(help, /--bind <name=value>/, command);
    }
  });

  test("binds numbers, strings and lists into the expression", () => {
    const common = ["calexp", "--collections", "DemoCam/defaults", "--format", "json"];
    const one = butler(
      "query-datasets",
      demo,
      ...common,
      "--where",
      "detector = d AND band = b",
      "--bind",
      "d=0",
      "--bind",
      "b=g",
    );
    assert.equal(one.status, 0, one.stderr);
    assert.equal(JSON.parse(one.stdout).length, 1);
    const list = butler(
      "query-datasets",
      demo,
      ...common,
      "--where",
      "visit IN (vs)",
      "--bind",
      "vs=[2026031000,1]",
    );
    assert.equal(list.status, 0, list.stderr);
    assert.equal(JSON.parse(list.stdout).length, 1);
  });

  test("a name that is not an identifier is a usage error", () => {
    const run = butler("query-datasets", demo, "calexp", "--bind", "9=1");
    assert.equal(run.status, 2);
    assert.match(run.stderr, /--bind takes NAME=VALUE with NAME an identifier/);
  });
});

describe("read parameters", () => {
  const target = [
    demo,
    "--collections",
    "DemoCam/defaults",
    "--data-id",
    "instrument=DemoCam",
    "--data-id",
    "visit=2026031000",
    "--data-id",
    "detector=0",
  ];

  test("--parameter bbox=x0,y0,x1,y1 cuts out what --bbox does", () => {
    const byParameter = join(scratch, "by-parameter.fits");
    const byOption = join(scratch, "by-option.fits");
    const a = butler(
      "get",
      target[0]!,
      "calexp",
      ...target.slice(1),
      "--parameter",
      "bbox=10,10,49,29",
      "--output",
      byParameter,
    );
    assert.equal(a.status, 0, a.stderr);
    const b = butler(
      "get",
      target[0]!,
      "calexp",
      ...target.slice(1),
      "--bbox",
      "10,10,49,29",
      "--output",
      byOption,
    );
    assert.equal(b.status, 0, b.stderr);
    assert.deepEqual(readFileSync(byParameter), readFileSync(byOption));
  });

  test("a parameter the component does not take is an error naming what it accepts", () => {
    const run = butler(
      "get",
      target[0]!,
      "calexp.metadata",
      ...target.slice(1),
      "--parameter",
      "origin=LOCAL",
    );
    assert.equal(run.status, 2, run.stderr);
    assert.match(
      run.stderr,
      /\[UNKNOWN_PARAMETER\]: parameter 'origin' not understood by storage class PropertyList \(component 'metadata' of ExposureF\); accepted parameters: none/,
    );
  });
});

describe("calibration lookups", () => {
  const bias = [
    demo,
    "bias.metadata",
    "--collections",
    "DemoCam/defaults",
    "--data-id",
    "instrument=DemoCam",
    "--data-id",
    "detector=0",
  ];
  const fileRead = (run: { stderr: string }) => /calib\/bias\/(\d)\//.exec(run.stderr)?.[1];

  test("a visit in the data ID selects the bias certified for it", () => {
    const run = butler("--log-level", "timer=debug", "get", ...bias, "--data-id", "visit=2026031000");
    assert.equal(run.status, 0, run.stderr);
    assert.equal(fileRead(run), "1");
  });

  test("--timespan BEGIN/END selects by an explicit time, open ends allowed", () => {
    const later = butler("--log-level", "timer=debug", "get", ...bias, "--timespan", "2026-03-11T00:00:00/");
    assert.equal(later.status, 0, later.stderr);
    assert.equal(fileRead(later), "2");
    const scaled = butler(
      "--log-level",
      "timer=debug",
      "get",
      ...bias,
      "--timespan",
      "2026-03-10T02:00/tai/2026-03-10T03:00/tai",
    );
    assert.equal(scaled.status, 0, scaled.stderr);
    assert.equal(fileRead(scaled), "1");
  });

  test("an unreadable --timespan is a usage error naming the form", () => {
    const run = butler("get", ...bias, "--timespan", "yesterday");
    assert.equal(run.status, 2);
    assert.match(run.stderr, /--timespan takes BEGIN\/END/);
  });
});

describe("get without --collections", () => {
  test("its help says the option is required, and the error names the repository's chains", () => {
    assert.match(
      butler("get", "--help").stdout,
      /--collections <collections>\s+collections to search, in order[\s\S]*required/,
    );
    const run = butler(
      "get",
      demo,
      "calexp.wcs",
      "--data-id",
      "instrument=DemoCam",
      "--data-id",
      "visit=2026031000",
      "--data-id",
      "detector=0",
    );
    assert.equal(run.status, 2);
    assert.match(run.stderr, /get needs --collections: .*this repository's chains: DemoCam\/defaults/);
  });
});

describe("did you mean", () => {
  const get = (type: string, ...extra: string[]) =>
    butler(
      "get",
      demo,
      type,
      "--collections",
      "DemoCam/defaults",
      "--data-id",
      "instrument=DemoCam",
      "--data-id",
      "detector=0",
      ...extra,
    );

  test("for dataset types, components, collections and data ID keys", () => {
    assert.match(
      get("calexpp.wcs", "--data-id", "visit=2026031000").stderr,
      /'calexpp' is not registered; did you mean 'calexp'\?/,
    );
    assert.match(
      get("calexp.wcss", "--data-id", "visit=2026031000").stderr,
      /component 'wcss' .*; did you mean 'wcs'\? Accepted components: /,
    );
    assert.match(
      get("calexp.wcs", "--data-id", "visti=2026031000").stderr,
      /data ID key 'visti' .*; did you mean 'visit'\?/,
    );
    const collection = butler(
      "get",
      demo,
      "calexp.wcs",
      "--collections",
      "DemoCam/default",
      "--data-id",
      "instrument=DemoCam",
      "--data-id",
      "detector=0",
      "--data-id",
      "visit=2026031000",
    );
    assert.match(
      collection.stderr,
      /collection 'DemoCam\/default' does not exist; did you mean 'DemoCam\/defaults'\?/,
    );
  });

  test("for --order-by terms and names in --where, with names from elsewhere (filter → band)", () => {
    const query = (...extra: string[]) =>
      butler("query-datasets", demo, "calexp", "--collections", "DemoCam/defaults", ...extra);
    assert.match(query("--order-by", "vist").stderr, /order-by term 'vist': .*did you mean 'visit'\?/);
    assert.match(
      query("--where", "filter = 'g'").stderr,
      /unknown name 'filter' .*did you mean 'band' or 'physical_filter'\?/,
    );
    assert.match(
      get("calexp.wcs", "--data-id", "visit=2026031000", "--data-id", "ccd=0").stderr,
      /data ID key 'ccd' .*did you mean 'detector'\?/,
    );
  });

  test("no API words in a CLI user's message", () => {
    const run = get("nothing_like_it.wcs", "--data-id", "visit=2026031000");
    assert.match(run.stderr, /'nothing_like_it' is not registered; known: 'bias', 'calexp', 'flat'/);
    assert.doesNotMatch(run.stderr, /\(\)|queryDatasetTypes/);
  });
});

describe("scan-metadata", () => {
  const scan = (...extra: string[]) =>
    butler("scan-metadata", demo, "calexp", "--collections", "DemoCam/defaults", ...extra);

  test("a key no dataset has is a warning saying where the reader moved it", () => {
    const run = scan("--keys", "NSTARS,DARKTIME,CRVAL1");
    assert.equal(run.status, 0, run.stderr);
    assert.match(
      run.stderr,
      /warning: no calexp dataset scanned has header key 'DARKTIME'; .* moves it into visitInfo\.darkTime \(scan it with --component visitInfo --keys darkTime\)/,
    );
    assert.match(run.stderr, /warning: .* 'CRVAL1'; .* moves it into wcs/);
    assert.doesNotMatch(run.stderr, /'NSTARS'/);
  });

  test("--strict makes it an error", () => {
    const run = scan("--keys", "DARKTIME", "--strict");
    assert.equal(run.status, 2);
    assert.match(
      run.stderr,
      /error \[INVALID_ARGUMENT\]: no calexp dataset scanned has header key 'DARKTIME'/,
    );
  });

  test("--order-by and --limit as in query-datasets", () => {
    const all = JSON.parse(scan("--keys", "NSTARS", "--format", "json", "--order-by", "-visit").stdout);
    assert.deepEqual(
      all.map((r: { visit: number }) => r.visit),
      [2026031100, 2026031000],
    );
    const one = scan("--keys", "NSTARS", "--format", "json", "--order-by", "-visit", "--limit", "-1");
    assert.deepEqual(
      JSON.parse(one.stdout).map((r: { visit: number }) => r.visit),
      [2026031100],
    );
    assert.match(one.stderr, /more than 1 results were found/);
  });
});

describe("messages in the command line's words", () => {
  test("a missing dimension record names the command that inserts one", () => {
    const line = describeError(
      new DimensionRecordNotFoundError("detector", { instrument: "DemoCam", id: 7 }),
    );
    assert.match(
      line,
      /no detector record with instrument='DemoCam', id=7; insert it first: butler insert-dimension-records REPO FILE/,
    );
    assert.doesNotMatch(line, /insertDimensionData/);
    assert.match(
      describeError(new NoDefaultCollectionError("collections", "get")),
      /get needs collections to search: give --collections$/,
    );
  });

  test("a scan with no collections asks for --collections", () => {
    const run = butler("scan-metadata", demo, "calexp");
    assert.equal(run.status, 2);
    assert.match(run.stderr, /--collections/);
  });
});
