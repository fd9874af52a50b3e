/**
 * The repository subcommands (query-*, dataset type and collection management, dimension records,
 * config) run as the user runs them: subprocesses of test/butler-from-source.js, on a repository made with
 * Butler.create and filled from daf_butler's export files (ci_hsc-subset.yaml, base.yaml + datasets.yaml).
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { Butler } from "../../src/butler/index.ts";
import { CollectionType, type DatasetType } from "../../src/core/index.ts";
import { type ImportTarget, importExport, parseExport } from "../../src/registry/interchange/index.ts";
import { PEER_DATA } from "../support/fixtures.ts";

const BIN = join(import.meta.dirname, "../butler-from-source.js");
const HSC_RUN = "HSC/runs/ci_hsc/20240806T180642Z";

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `butler ARGS…`; async so that the slow start-ups of several commands can overlap. */
function butler(...args: string[]): Promise<Run> {
  return butlerWithInput(null, ...args);
}

/** Runs `butler ARGS…` with `input` on its stdin (answers to prompts). */
function butlerWithInput(input: string | null, ...args: string[]): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      stdio: [input === null ? "ignore" : "pipe", "pipe", "pipe"],
    });
    if (input !== null) child.stdin!.end(input);
    let stdout = "";
    let stderr = "";
    child.stdout!.setEncoding("utf8").on("data", (d: string) => (stdout += d));
    child.stderr!.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    child.on("error", reject);
    child.on("close", (status) => resolve({ status, stdout, stderr }));
  });
}

function assertNoStack(run: Run): void {
  assert.doesNotMatch(run.stderr, /\n\s+at /);
}

/** The lines of a table: header, rule, rows (surrounding blank lines dropped). */
function tableLines(stdout: string): string[] {
  return stdout.trim().split("\n");
}

const scratch = mkdtempSync(join(tmpdir(), "butler-cli-query-"));
after(() => rmSync(scratch, { recursive: true, force: true }));

/** A repository with the HSC and Cam1 records, three runs, a TAGGED and a CHAINED collection. */
async function makeRepo(dir: string): Promise<string> {
  await Butler.create(dir);
  const setup = await Butler.open(dir, { writeable: true });
  try {
    let types: DatasetType[] = [];
    for (const file of ["ci_hsc-subset.yaml", "base.yaml", "datasets.yaml"]) {
      const doc = parseExport(readFileSync(join(PEER_DATA, file), "utf8"));
      const summary = await importExport(setup.registry as unknown as ImportTarget, doc, {
        withoutDatastore: true,
        datasetTypes: types,
      });
      types = [...types, ...summary.datasetTypes];
    }
    await setup.registry.registerCollection("tagged", CollectionType.TAGGED);
    await setup.registry.registerCollection("chain", CollectionType.CHAINED);
    await setup.registry.setCollectionChain("chain", ["imported_r", "imported_g"]);
    await setup.registry.registerCollection("outer", CollectionType.CHAINED);
    await setup.registry.setCollectionChain("outer", ["chain", "tagged"]);
  } finally {
    await setup.close();
  }
  return dir;
}

let REPO = "";
before(async () => {
  REPO = await makeRepo(join(scratch, "repo"));
});

/** A copy of the repository for commands that change it. */
function copyRepo(name: string): string {
  const dir = join(scratch, name);
  cpSync(REPO, dir, { recursive: true });
  // The copied butler.yaml uses <butlerRoot>, so the copy opens its own database.
  return dir;
}

describe("butler query-collections", () => {
  test("TREE (the default) indents children under their chains", async () => {
    const run = await butler("query-collections", REPO);
    assert.equal(run.status, 0, run.stderr);
    const lines = tableLines(run.stdout);
    assert.match(lines[0]!, /^name\s+type$/);
    const names = lines.slice(2).map((l) => l.replace(/\s+(RUN|TAGGED|CHAINED|CALIBRATION)$/, ""));
    assert.deepEqual(names, [
      HSC_RUN,
      "chain",
      "  imported_r",
      "  imported_g",
      "imported_g",
      "imported_r",
      "outer",
      "  chain",
      "    imported_r",
      "    imported_g",
      "  tagged",
      "tagged",
    ]);
  });

  test("--chains TABLE as JSON: one object per child, the column only because there are chains", async () => {
    const run = await butler("query-collections", REPO, "chain", "--chains", "table", "--format", "json");
    assert.equal(run.status, 0, run.stderr);
    assert.deepEqual(JSON.parse(run.stdout), [
      { name: "chain", type: "CHAINED", children: "imported_r" },
      { name: "chain", type: "CHAINED", children: "imported_g" },
    ]);
  });

  test("INVERSE-TABLE lists parents; FLATTEN replaces chains by children; --collection-type filters", async () => {
    const [inverse, flatten, runs] = await Promise.all([
      butler("query-collections", REPO, "imported_*", "--chains", "INVERSE-TABLE", "--format", "csv"),
      butler("query-collections", REPO, "outer", "--chains", "FLATTEN", "--format", "json"),
      butler("query-collections", REPO, "--collection-type", "tagged,CHAINED", "--chains", "NO-CHILDREN"),
    ]);
    assert.equal(inverse.stdout, "name,type,parents\nimported_g,RUN,chain\nimported_r,RUN,chain\n");
    assert.deepEqual(JSON.parse(flatten.stdout), [
      { name: "imported_r", type: "RUN" },
      { name: "imported_g", type: "RUN" },
      { name: "tagged", type: "TAGGED" },
    ]);
    assert.deepEqual(
      tableLines(runs.stdout)
        .slice(2)
        .map((l) => l.split(/\s+/)),
      [
        ["chain", "CHAINED"],
        ["outer", "CHAINED"],
        ["tagged", "TAGGED"],
      ],
    );
  });

  test("a bad --chains or --collection-type is a usage error naming the accepted values", async () => {
    const [chains, type] = await Promise.all([
      butler("query-collections", REPO, "--chains", "sideways"),
      butler("query-collections", REPO, "--collection-type", "bag"),
    ]);
    assert.equal(chains.status, 2);
    assert.match(chains.stderr, /'sideways' is not one of TREE, TABLE, INVERSE-TREE/);
    assert.equal(type.status, 2);
    assert.match(type.stderr, /'bag' is not one of RUN, TAGGED, CHAINED, CALIBRATION/);
    assertNoStack(chains);
  });
});

describe("butler query-dataset-types", () => {
  test("--components REPO 'calexp.*' lists the component types", async () => {
    const run = await butler("query-dataset-types", "--components", REPO, "calexp.*");
    assert.equal(run.status, 0, run.stderr);
    const names = tableLines(run.stdout).slice(2);
    assert.ok(names.includes("calexp.metadata"));
    assert.ok(names.includes("calexp.wcs"));
    assert.ok(!names.includes("calexp"));
    assert.deepEqual(names, [...names].sort());
  });

  test("without --components a glob matches parents only; -v adds dimensions and storage class", async () => {
    const [plain, verbose] = await Promise.all([
      butler("query-dataset-types", REPO, "calexp*"),
      butler("query-dataset-types", REPO, "-v", "--format", "json"),
    ]);
    assert.deepEqual(tableLines(plain.stdout), ["name", "------", "calexp"]);
    assert.deepEqual(JSON.parse(verbose.stdout), [
      { name: "bias", dimensions: "instrument, detector", storage_class: "Exposure" },
      {
        name: "calexp",
        dimensions: "band, instrument, day_obs, detector, physical_filter, visit",
        storage_class: "ExposureF",
      },
      { name: "flat", dimensions: "band, instrument, detector, physical_filter", storage_class: "Exposure" },
    ]);
  });

  test("--collections keeps the types those collections hold; nothing found is a note", async () => {
    const [inRun, none] = await Promise.all([
      butler("query-dataset-types", REPO, "--collections", "imported_g", "--format", "csv"),
      butler("query-dataset-types", REPO, "nothing*"),
    ]);
    assert.equal(inRun.stdout, "name\nbias\nflat\n");
    assert.equal(none.status, 0);
    assert.equal(none.stdout, "No results. Try --help for more information.\n");
  });
});

describe("butler query-datasets", () => {
  test("one table per dataset type, blank lines around, rows sorted by data ID", async () => {
    const run = await butler("query-datasets", REPO, "bias", "flat", "--collections", "imported_g");
    assert.equal(run.status, 0, run.stderr);
    const blocks = run.stdout
      .split("\n\n")
      .map((b) => b.trim())
      .filter((b) => b !== "");
    assert.equal(blocks.length, 2);
    const bias = blocks[0]!.split("\n");
    assert.match(bias[0]!, /^type\s+run\s+id\s+instrument\s+detector$/);
    assert.match(bias[2]!, /^bias imported_g e15ab039-bc8b-4135-87c5-90902a7c0b22 Cam1\s+1$/);
    assert.equal(bias.length, 2 + 3);
    const flat = blocks[1]!.split("\n");
    assert.match(flat[0]!, /^type\s+run\s+id\s+instrument\s+detector\s+physical_filter\s+band$/);
    assert.equal(flat.length, 2 + 3);
    assert.ok(run.stdout.startsWith("\n") && run.stdout.endsWith("\n\n"));
  });

  test("--format json: type, run, id and every data ID key; --where and --show-uri", async () => {
    const run = await butler(
      "query-datasets",
      REPO,
      "calexp",
      "--where",
      "visit = 903334 AND detector = 16",
      "--show-uri",
      "--format",
      "json",
    );
    assert.equal(run.status, 0, run.stderr);
    assert.deepEqual(JSON.parse(run.stdout), [
      {
        type: "calexp",
        run: HSC_RUN,
        id: "d7f22645-9384-4e3b-aed9-66a29188fee2",
        instrument: "HSC",
        detector: 16,
        visit: 903334,
        band: "r",
        day_obs: 20130617,
        physical_filter: "HSC-R",
        // Imported without files: the registry knows the dataset, the datastore does not.
        uri: null,
      },
    ]);
  });

  test("--find-first follows the order of --collections; --limit and --order-by; csv", async () => {
    const [first, limited] = await Promise.all([
      butler(
        "query-datasets",
        REPO,
        "bias",
        "--find-first",
        "--collections",
        "imported_r,imported_g",
        "--format",
        "csv",
      ),
      butler("query-datasets", REPO, "bias", "--limit", "2", "--order-by", "-detector", "--format", "csv"),
    ]);
    assert.equal(first.status, 0, first.stderr);
    const rows = first.stdout.trim().split("\n");
    assert.equal(rows[0], "type,run,id,instrument,detector");
    assert.deepEqual(
      rows.slice(1).map((r) => r.split(",").filter((_, i) => i === 1 || i === 4)),
      [
        ["imported_g", "1"],
        ["imported_r", "2"],
        ["imported_r", "3"],
        ["imported_r", "4"],
      ],
    );
    assert.deepEqual(
      limited.stdout
        .trim()
        .split("\n")
        .slice(1)
        .map((r) => r.split(",")[4]),
      ["4", "3"],
    );
  });

  test("a negative --limit shows at most |N| rows and warns that there were more", async () => {
    const run = await butler("query-datasets", REPO, "bias", "--limit", "-2", "--format", "json");
    assert.equal(run.status, 0, run.stderr);
    assert.equal(JSON.parse(run.stdout).length, 2);
    assert.match(run.stderr, /more than 2 results were found/);
  });

  test("nothing found: a note with the reason, no stack, status 0; json prints []", async () => {
    const [table, json] = await Promise.all([
      butler("query-datasets", REPO, "bias", "--where", "detector = 99"),
      butler("query-datasets", REPO, "bias", "--where", "detector = 99", "--format", "json"),
    ]);
    assert.equal(table.status, 0);
    assert.equal(
      table.stdout,
      "the where expression 'detector = 99' excludes every result\nNo results. Try --help for more information.\n",
    );
    assert.equal(json.stdout, "[]\n");
    assert.match(json.stderr, /excludes every result/);
    assertNoStack(json);
  });

  test("wrong arguments: usage errors with status 2 and no stack", async () => {
    const [findFirst, where, format, limit, missing] = await Promise.all([
      butler("query-datasets", REPO, "bias", "--find-first"),
      butler("query-datasets", REPO, "bias", "--where", "detector ="),
      butler("query-datasets", REPO, "--format", "xml"),
      butler("query-datasets", REPO, "--limit", "ten"),
      butler("query-datasets"),
    ]);
    for (const run of [findFirst, where, format, limit, missing]) {
      assert.equal(run.status, 2, run.stderr);
      assertNoStack(run);
    }
    assert.match(findFirst.stderr, /--find-first needs --collections/);
    assert.match(where.stderr, /EXPRESSION_SYNTAX/);
    assert.match(format.stderr, /accepted: table, json, csv/);
    assert.match(limit.stderr, /'ten' is not an integer/);
    assert.match(missing.stderr, /missing required argument 'repo'/);
  });

  test("an unknown dataset type or collection: status 3", async () => {
    const [type, collection] = await Promise.all([
      butler("query-datasets", REPO, "nosuchtype"),
      butler("query-datasets", REPO, "bias", "--collections", "nosuchrun"),
    ]);
    assert.equal(type.status, 3);
    assert.match(type.stderr, /MISSING_DATASET_TYPE.*nosuchtype/);
    assert.equal(collection.status, 3);
    assert.match(collection.stderr, /MISSING_COLLECTION.*nosuchrun/);
  });
});

describe("butler query-data-ids", () => {
  test("dimensions with --where: required then implied columns, sorted", async () => {
    const run = await butler(
      "query-data-ids",
      REPO,
      "visit",
      "detector",
      "--where",
      "visit = 903334 AND detector < 2",
    );
    assert.equal(run.status, 0, run.stderr);
    assert.deepEqual(
      tableLines(run.stdout).map((l) => l.split(/\s+/)),
      [
        ["instrument", "detector", "visit", "band", "day_obs", "physical_filter"],
        ["----------", "--------", "------", "----", "--------", "---------------"],
        ["HSC", "0", "903334", "r", "20130617", "HSC-R"],
        ["HSC", "1", "903334", "r", "20130617", "HSC-R"],
      ],
    );
  });

  test("--datasets without dimensions uses the types' dimensions; --collections constrains", async () => {
    const run = await butler(
      "query-data-ids",
      REPO,
      "--datasets",
      "flat",
      "--collections",
      "imported_g",
      "--format",
      "json",
    );
    assert.equal(run.status, 0, run.stderr);
    assert.deepEqual(JSON.parse(run.stdout), [
      { instrument: "Cam1", detector: 2, physical_filter: "Cam1-G", band: "g" },
      { instrument: "Cam1", detector: 3, physical_filter: "Cam1-G", band: "g" },
      { instrument: "Cam1", detector: 4, physical_filter: "Cam1-G", band: "g" },
    ]);
  });

  test("--limit with --offset", async () => {
    const run = await butler(
      "query-data-ids",
      REPO,
      "detector",
      "--where",
      "instrument = 'Cam1'",
      "--order-by",
      "detector",
      "--limit",
      "2",
      "--offset",
      "1",
      "--format",
      "csv",
    );
    assert.equal(run.stdout, "instrument,detector\nCam1,2\nCam1,3\n");
  });

  test("no dimensions and no datasets, or nothing matching: notes, status 0", async () => {
    const [bare, empty] = await Promise.all([
      butler("query-data-ids", REPO),
      butler("query-data-ids", REPO, "visit", "--where", "visit = 1"),
    ]);
    assert.equal(bare.status, 0);
    assert.match(bare.stdout, /^No results\. Try requesting some dimensions or datasets/);
    assert.equal(empty.status, 0);
    assert.match(empty.stdout, /visit = 1.*\nNo results\. Try --help/);
  });

  test("an unknown dimension or --collections without --datasets: usage errors", async () => {
    const [unknown, collections] = await Promise.all([
      butler("query-data-ids", REPO, "nope"),
      butler("query-data-ids", REPO, "visit", "--collections", "imported_g"),
    ]);
    assert.equal(unknown.status, 2);
    assert.match(unknown.stderr, /unknown dimension 'nope'/);
    assert.equal(collections.status, 2);
    assert.match(collections.stderr, /--collections may only be used with --datasets/);
    assertNoStack(unknown);
  });
});

describe("butler query-dimension-records", () => {
  test("record fields as columns, timespans as TAI bounds, regions as hex in json", async () => {
    const run = await butler(
      "query-dimension-records",
      REPO,
      "visit",
      "--where",
      "visit = 903334",
      "--format",
      "json",
    );
    assert.equal(run.status, 0, run.stderr);
    const [record] = JSON.parse(run.stdout);
    assert.equal(record.id, 903334);
    assert.equal(record.physical_filter, "HSC-R");
    assert.equal(record.datetime_begin, "2013-06-17T13:29:11.039000000");
    assert.equal(record.datetime_end, "2013-06-17T13:29:43.495000000");
    assert.match(record.region, /^70[0-9a-f]+$/);
  });

  test("a table sorted by data ID; --datasets and --collections; --limit", async () => {
    const [table, constrained] = await Promise.all([
      butler("query-dimension-records", REPO, "detector", "--where", "instrument = 'Cam1'", "--limit", "2"),
      butler(
        "query-dimension-records",
        REPO,
        "detector",
        "--datasets",
        "bias",
        "--collections",
        "imported_r",
        "--format",
        "csv",
      ),
    ]);
    assert.deepEqual(
      tableLines(table.stdout).map((l) => l.split(/\s+/)),
      [
        ["instrument", "id", "full_name", "name_in_raft", "raft", "purpose"],
        ["----------", "--", "---------", "------------", "----", "-------"],
        ["Cam1", "1", "Aa", "a", "A", "SCIENCE"],
        ["Cam1", "2", "Ab", "b", "A", "SCIENCE"],
      ],
    );
    assert.deepEqual(
      constrained.stdout
        .trim()
        .split("\n")
        .map((l) => l.split(",")[1]),
      ["id", "2", "3", "4"],
    );
  });

  test("--no-check is accepted with a warning; an unknown element is a usage error", async () => {
    const [noCheck, unknown] = await Promise.all([
      butler("query-dimension-records", REPO, "instrument", "--no-check", "--format", "csv"),
      butler("query-dimension-records", REPO, "telescope"),
    ]);
    assert.equal(noCheck.status, 0, noCheck.stderr);
    assert.match(noCheck.stderr, /--no-check has no effect/);
    assert.match(noCheck.stdout, /^name,/);
    assert.equal(unknown.status, 2);
    assertNoStack(unknown);
  });
});

describe("butler register-dataset-type and remove-dataset-type", () => {
  test("register, register again identically, query it, remove it", async () => {
    const repo = copyRepo("dataset-types");
    const args = ["register-dataset-type", repo, "raw", "Exposure", "instrument", "detector", "exposure"];
    const first = await butler(...args);
    assert.equal(first.status, 0, first.stderr);
    assert.equal(first.stdout, "Dataset type successfully registered.\n");
    const again = await butler(...args);
    assert.equal(again.stdout, "Dataset type already existed in identical form.\n");
    const cal = await butler(
      "register-dataset-type",
      repo,
      "dark",
      "ExposureF",
      "instrument",
      "detector",
      "--is-calibration",
    );
    assert.equal(cal.status, 0, cal.stderr);
    const listed = await butler("query-dataset-types", repo, "raw", "dark", "-v", "--format", "json");
    assert.deepEqual(JSON.parse(listed.stdout), [
      { name: "dark", dimensions: "instrument, detector", storage_class: "ExposureF" },
      // Implied dimensions are listed too, in the universe's order.
      {
        name: "raw",
        dimensions: "band, instrument, day_obs, detector, group, physical_filter, exposure",
        storage_class: "Exposure",
      },
    ]);
    const removed = await butler("remove-dataset-type", repo, "raw", "da*");
    assert.equal(removed.status, 0, removed.stderr);
    assert.equal(removed.stdout, "Removed dataset types: dark, raw\n");
    const after = await butler("query-dataset-types", repo, "raw", "dark");
    assert.match(after.stdout, /^No results/);
  });

  test("refusals: a component, an unknown storage class, a different definition, a type with datasets", async () => {
    const repo = copyRepo("dataset-types-refused");
    const [component, storageClass, conflict, inUse, noNames] = await Promise.all([
      butler("register-dataset-type", repo, "calexp.wcs", "Wcs"),
      butler("register-dataset-type", repo, "raw", "NoSuchClass", "instrument"),
      butler("register-dataset-type", repo, "bias", "Exposure", "instrument"),
      butler("remove-dataset-type", repo, "bias"),
      butler("remove-dataset-type", repo),
    ]);
    assert.equal(component.status, 2);
    assert.match(component.stderr, /'calexp\.wcs' is a component dataset type/);
    assert.equal(storageClass.status, 2);
    assert.match(storageClass.stderr, /storage class 'NoSuchClass' is not defined; accepted: .*ExposureF/);
    assert.equal(conflict.status, 1);
    assert.match(conflict.stderr, /CONFLICTING_DEFINITION.*bias/);
    assert.equal(inUse.status, 1);
    assert.match(inUse.stderr, /ORPHANED_RECORD.*datasets of that type exist/);
    assert.equal(noNames.status, 2);
    assert.match(noNames.stderr, /missing required argument 'dataset-type'/);
    for (const run of [component, storageClass, conflict, inUse]) assertNoStack(run);
  });
});

describe("butler collection-chain", () => {
  test("redefine, extend, prepend, remove, pop (negative after --), flatten", async () => {
    const repo = copyRepo("chains");
    const steps: [string[], string][] = [
      [["new", "imported_g,imported_r"], "[imported_g, imported_r]"],
      [["new", "--mode", "extend", HSC_RUN], `[imported_g, imported_r, ${HSC_RUN}]`],
      [["new", "--mode", "prepend", "tagged"], `[tagged, imported_g, imported_r, ${HSC_RUN}]`],
      [["new", "--mode", "remove", "imported_g"], `[tagged, imported_r, ${HSC_RUN}]`],
      [["new", "--mode", "pop", "--", "-1"], "[tagged, imported_r]"],
      [["new", "--mode", "pop"], "[imported_r]"],
      [["flat", "outer", "--flatten", "--doc", "everything"], "[imported_r, imported_g, tagged]"],
    ];
    for (const [args, expected] of steps) {
      const run = await butler("collection-chain", repo, ...args);
      assert.equal(run.status, 0, `${args.join(" ")}: ${run.stderr}`);
      assert.equal(run.stdout, `${expected}\n`, args.join(" "));
    }
    const tree = await butler(
      "query-collections",
      repo,
      "new",
      "flat",
      "--chains",
      "table",
      "--format",
      "csv",
    );
    assert.equal(
      tree.stdout,
      "name,type,children\nflat,CHAINED,imported_r\nflat,CHAINED,imported_g\nflat,CHAINED,tagged\nnew,CHAINED,imported_r\n",
    );
  });

  test("wrong arguments are usage errors", async () => {
    const repo = copyRepo("chains-refused");
    const [noChildren, popRange, removeMissing, badMode, flattenPop] = await Promise.all([
      butler("collection-chain", repo, "chain"),
      butler("collection-chain", repo, "chain", "--mode", "pop", "5"),
      butler("collection-chain", repo, "nochain", "--mode", "remove", "imported_g"),
      butler("collection-chain", repo, "chain", "x", "--mode", "append"),
      butler("collection-chain", repo, "chain", "0", "--mode", "pop", "--flatten"),
    ]);
    for (const run of [noChildren, popRange, removeMissing, badMode, flattenPop]) {
      assert.equal(run.status, 2, run.stderr);
      assertNoStack(run);
    }
    assert.match(noChildren.stderr, /must provide children .* mode redefine/);
    assert.match(popRange.stderr, /index 5 is out of range: parent collection chain has 2 children/);
    assert.match(removeMissing.stderr, /collection 'nochain' is not known/);
    assert.match(badMode.stderr, /'append' is not one of redefine, extend, remove, prepend, pop/);
    assert.match(flattenPop.stderr, /--flatten is not allowed with --mode pop/);
  });
});

describe("butler remove-collections", () => {
  test("--no-confirm removes non-RUN collections (chains before children) and lists the RUNs it kept", async () => {
    const repo = copyRepo("remove-no-confirm");
    const run = await butler(
      "remove-collections",
      repo,
      "chain",
      "outer",
      "tagged",
      "imported_*",
      "--no-confirm",
    );
    assert.equal(run.status, 0, run.stderr);
    assert.match(
      run.stdout,
      /Removed collections:\n\ncollection type\n-+ -+\nchain\s+CHAINED\nouter\s+CHAINED\ntagged\s+TAGGED\n/,
    );
    assert.match(
      run.stdout,
      /Found RUN collections but they can NOT be removed by this command:\ncollection\n-+\nimported_g\nimported_r\n/,
    );
    const left = await butler("query-collections", repo, "--format", "json");
    assert.deepEqual(
      JSON.parse(left.stdout).map((c: { name: string }) => c.name),
      [HSC_RUN, "imported_g", "imported_r"],
    );
  });

  test("asks first: 'n' keeps them, 'y' removes them; nothing removable is a note", async () => {
    const repo = copyRepo("remove-confirm");
    const no = await butlerWithInput("n\n", "remove-collections", repo, "outer");
    assert.equal(no.status, 0, no.stderr);
    assert.match(
      no.stdout,
      /The following collections will be removed:\ncollection type\n-+ -+\nouter\s+CHAINED\n/,
    );
    assert.match(no.stdout, /Aborted\./);
    assert.match(no.stderr, /Continue\? \[y\/N\]/);
    const yes = await butlerWithInput("y\n", "remove-collections", repo, "outer");
    assert.equal(yes.status, 0, yes.stderr);
    assert.match(yes.stdout, /Removed collections\./);
    const runsOnly = await butlerWithInput("", "remove-collections", repo, "imported_g", "nosuch");
    assert.match(
      runsOnly.stdout,
      /No non-RUN collections were found\.\n\nThe following RUN collections were found/,
    );
    const left = await butler("query-collections", repo, "outer");
    assert.equal(left.status, 3);
    assert.match(left.stderr, /MISSING_COLLECTION/);
  });

  test("a chain's child is refused unless --remove-from-parents", async () => {
    const repo = copyRepo("remove-child");
    const refused = await butler("remove-collections", repo, "tagged", "--no-confirm");
    assert.equal(refused.status, 1);
    assert.match(
      refused.stderr,
      /cannot remove collection 'tagged': it is a child of CHAINED collection\(s\) 'outer'/,
    );
    assertNoStack(refused);
    const removed = await butler(
      "remove-collections",
      repo,
      "tagged",
      "--no-confirm",
      "--remove-from-parents",
    );
    assert.equal(removed.status, 0, removed.stderr);
    const outer = await butler("query-collections", repo, "outer", "--chains", "table", "--format", "csv");
    assert.equal(outer.stdout, "name,type,children\nouter,CHAINED,chain\n");
  });
});

describe("butler associate and certify-calibrations", () => {
  test("associate tags what the query finds; certify takes the first child of a chain unless told", async () => {
    const repo = copyRepo("associate");
    const tagged = await butler(
      "associate",
      repo,
      "tagged",
      "bias",
      "--collections",
      "imported_r",
      "--where",
      "detector > 2",
    );
    assert.equal(tagged.status, 0, tagged.stderr);
    assert.equal(tagged.stdout, "Associated 2 datasets with tagged.\n");
    const inTag = await butler("query-datasets", repo, "--collections", "tagged", "--format", "csv");
    assert.deepEqual(
      inTag.stdout
        .trim()
        .split("\n")
        .slice(1)
        .map((r) => r.split(",")[4]),
      ["3", "4"],
    );
    // chain = [imported_r, imported_g]: only imported_r's three biases by default.
    const first = await butler(
      "certify-calibrations",
      repo,
      "chain",
      "calib",
      "bias",
      "--begin-date",
      "2020-01-01",
      "--end-date",
      "2021-01-01T00:00:00",
    );
    assert.equal(first.status, 0, first.stderr);
    assert.equal(
      first.stdout,
      "Certified 3 bias datasets into calib for [2020-01-01T00:00:00, 2021-01-01T00:00:00).\n",
    );
    const all = await butler("certify-calibrations", repo, "chain", "calib2", "flat", "--search-all-inputs");
    assert.match(all.stdout, /^Certified 7 flat datasets into calib2 for \(-∞, ∞\)\.\n$/);
    const types = await butler("query-collections", repo, "calib*", "--format", "csv");
    assert.equal(types.stdout, "name,type,depth\ncalib,CALIBRATION,0\ncalib2,CALIBRATION,0\n");
    const certified = await butler(
      "query-datasets",
      repo,
      "bias",
      "--collections",
      "calib",
      "--format",
      "json",
    );
    assert.deepEqual(
      JSON.parse(certified.stdout).map((r: { run: string }) => r.run),
      ["imported_r", "imported_r", "imported_r"],
    );
  });

  test("refusals: nothing to certify, a bad date, a non-calibration type", async () => {
    const repo = copyRepo("certify-refused");
    const [nothing, date, notCalib] = await Promise.all([
      butler(
        "certify-calibrations",
        repo,
        "imported_g",
        "calib",
        "bias",
        "--begin-date",
        "2030-01-01",
        "--end-date",
        "2020-01-01",
      ),
      butler("certify-calibrations", repo, "imported_g", "calib", "bias", "--begin-date", "yesterday"),
      butler("certify-calibrations", repo, HSC_RUN, "calib", "calexp"),
    ]);
    assert.equal(nothing.status, 2);
    assert.match(nothing.stderr, /--begin-date must be before --end-date/);
    assert.equal(date.status, 2);
    assert.match(date.stderr, /--begin-date: 'yesterday' is not an ISO time/);
    assert.notEqual(notCalib.status, 0);
    assertNoStack(notCalib);
  });
});

describe("butler insert-dimension-records", () => {
  test("YAML by element, then CSV with --element: an instrument described without code", async () => {
    const repo = copyRepo("insert");
    const yamlFile = join(scratch, "mycam.yaml");
    writeFileSync(
      yamlFile,
      [
        "instrument:",
        "  - {name: MyCam, detector_max: 4, visit_max: 99999, exposure_max: 99999, visit_system: 0, class_name: my.Cam}",
        "physical_filter:",
        "  - {instrument: MyCam, name: MyCam-r, band: r}",
        "detector:",
        "  - {instrument: MyCam, id: 1, full_name: S00, raft: 0, name_in_raft: 0, purpose: SCIENCE}",
        "day_obs:",
        '  - {instrument: MyCam, id: 20240101, datetime_begin: "2024-01-01T12:00:00", datetime_end: "2024-01-02T12:00:00"}',
        "",
      ].join("\n"),
    );
    const csvFile = join(scratch, "detectors.csv");
    writeFileSync(
      csvFile,
      'instrument,id,full_name,purpose\nMyCam,2,S01,SCIENCE\nMyCam,3,"S,02",WAVEFRONT\n',
    );
    const yaml = await butler("insert-dimension-records", repo, yamlFile);
    assert.equal(yaml.status, 0, yaml.stderr);
    assert.equal(
      yaml.stdout,
      "Inserted 1 instrument record.\nInserted 1 day_obs record.\nInserted 1 detector record.\nInserted 1 physical_filter record.\n",
    );
    const csv = await butler("insert-dimension-records", repo, csvFile, "--element", "detector");
    assert.equal(csv.stdout, "Inserted 2 detector records.\n");
    const [detectors, days] = await Promise.all([
      butler(
        "query-dimension-records",
        repo,
        "detector",
        "--where",
        "instrument = 'MyCam'",
        "--format",
        "json",
      ),
      butler(
        "query-dimension-records",
        repo,
        "day_obs",
        "--where",
        "instrument = 'MyCam'",
        "--format",
        "csv",
      ),
    ]);
    assert.deepEqual(
      JSON.parse(detectors.stdout).map((d: { id: number; full_name: string; raft: string | null }) => [
        d.id,
        d.full_name,
        d.raft,
      ]),
      [
        [1, "S00", "0"],
        [2, "S01", null],
        [3, "S,02", null],
      ],
    );
    assert.equal(
      days.stdout,
      "instrument,id,datetime_begin,datetime_end\nMyCam,20240101,2024-01-01T12:00:00.000000000,2024-01-02T12:00:00.000000000\n",
    );
    const [again, skip] = [
      await butler("insert-dimension-records", repo, yamlFile),
      await butler("insert-dimension-records", repo, yamlFile, "--skip-existing"),
    ];
    assert.equal(again.status, 1);
    assert.match(again.stderr, /CONFLICTING_DEFINITION/);
    assert.equal(skip.status, 0, skip.stderr);
    assert.match(skip.stdout, /^Inserted or kept 1 instrument record\./);
  });

  test("an export file's records; bad input is a usage error", async () => {
    const repo = copyRepo("insert-refused");
    const exportFile = await butler(
      "insert-dimension-records",
      repo,
      join(PEER_DATA, "base.yaml"),
      "--skip-existing",
    );
    assert.equal(exportFile.status, 0, exportFile.stderr);
    assert.match(exportFile.stdout, /Inserted or kept 4 detector records\./);
    const badElement = join(scratch, "bad-element.yaml");
    writeFileSync(badElement, "telescope:\n  - {name: x}\n");
    const csvFile = join(scratch, "no-element.csv");
    writeFileSync(csvFile, "instrument,id\nHSC,1\n");
    const [element, noElement] = await Promise.all([
      butler("insert-dimension-records", repo, badElement),
      butler("insert-dimension-records", repo, csvFile),
    ]);
    assert.equal(element.status, 2);
    assert.match(element.stderr, /unknown dimension element 'telescope'/);
    assert.equal(noElement.status, 2);
    assert.match(noElement.stderr, /a CSV file needs --element/);
    assertNoStack(element);
  });
});

describe("butler config-dump and config-validate", () => {
  test("the whole config, a subset, an unknown key", async () => {
    const [whole, subset, root, unknown] = await Promise.all([
      butler("config-dump", REPO),
      butler("config-dump", REPO, "--subset", "registry"),
      butler("config-dump", REPO, "-s", ".datastore.root"),
      butler("config-dump", REPO, "-s", "registry.nope"),
    ]);
    assert.equal(whole.status, 0, whole.stderr);
    assert.match(whole.stdout, /^registry:\n {2}db: sqlite:\/\/\/<butlerRoot>\/gen3\.sqlite3\n/m);
    assert.equal(subset.stdout, "db: sqlite:///<butlerRoot>/gen3.sqlite3\n");
    assert.equal(root.stdout, "<butlerRoot>\n");
    assert.equal(unknown.status, 2);
    assert.match(unknown.stderr, /no key 'nope' at registry of the configuration; accepted: db/);
  });

  test("config-validate checks every dataset type's storage class and formatter", async () => {
    const run = await butler("config-validate", REPO, "-i", "flat");
    assert.equal(run.status, 0, run.stderr);
    assert.equal(run.stdout, "No problems encountered with configuration (2 dataset types checked).\n");
  });
});
