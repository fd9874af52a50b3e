/**
 * The commands that move datasets in, out of and between repositories or remove them (remove-runs,
 * prune-datasets, retrieve-artifacts, ingest-files, import, export, transfer-datasets), run as the user
 * runs them: subprocesses of test/butler-from-source.js, on copies of a small demo repository and on daf_butler's
 * peer exports. Each test checks what was printed, the files on disk and the registry afterwards.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import {
  cpSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { basename, join, relative } from "node:path";
import { after, before, describe, test } from "node:test";
import { Butler } from "../../src/butler/index.ts";
import { DatasetIdGenEnum, type DatasetRef, makeDatasetId } from "../../src/core/index.ts";
import type { Exposure } from "../../src/image/exposure.ts";
import { parseExport } from "../../src/registry/interchange/index.ts";
import { PEER_DATA } from "../support/fixtures.ts";

const BIN = join(import.meta.dirname, "../butler-from-source.js");

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `butler ARGS…`; with `input`, stdin is a pipe that gets it (a piped answer), else closed. */
function run(args: string[], input?: string, cwd?: string): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      stdio: [input === undefined ? "ignore" : "pipe", "pipe", "pipe"],
      ...(cwd === undefined ? {} : { cwd }),
    });
    let stdout = "";
    let stderr = "";
    child.stdout!.setEncoding("utf8").on("data", (d: string) => (stdout += d));
    child.stderr!.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    child.on("error", reject);
    child.on("close", (status) => resolve({ status, stdout, stderr }));
    if (input !== undefined) child.stdin!.end(input);
  });
}

function butler(...args: string[]): Promise<Run> {
  return run(args);
}

function ok(result: Run): Run {
  assert.equal(result.status, 0, `exit ${result.status}\nstdout: ${result.stdout}\nstderr: ${result.stderr}`);
  return result;
}

/** A usage or refusal error: the status, one message line naming the problem, no stack trace. */
function failed(result: Run, status: number, message: RegExp): void {
  assert.equal(result.status, status, `stdout: ${result.stdout}\nstderr: ${result.stderr}`);
  assert.match(result.stderr, message);
  assert.doesNotMatch(result.stderr, /\n\s+at /);
}

const scratch = mkdtempSync(join(tmpdir(), "butler-cli-data-"));
after(() => rmSync(scratch, { recursive: true, force: true }));
const base = join(scratch, "base");
const RUN = "DemoCam/runs/demo";
const CHAIN = "DemoCam/defaults";
const BIAS_RUNS = ["DemoCam/calib/bias/1", "DemoCam/calib/bias/2"];
let counter = 0;

/** A copy of the demo repository (the config names its root `<butlerRoot>`, so a copy stands alone). */
function fresh(name: string): string {
  const repo = join(scratch, `${name}-${counter++}`);
  cpSync(base, repo, { recursive: true });
  return repo;
}

function freshDir(name: string): string {
  const dir = join(scratch, `${name}-${counter++}`);
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** An empty repository made by `butler create`. */
async function created(name: string): Promise<string> {
  const repo = join(scratch, `${name}-${counter++}`);
  ok(await butler("create", repo));
  return repo;
}

/** Opens a repository read-only for `fn` and closes it. */
async function inspect<T>(repo: string, fn: (b: Butler) => Promise<T>): Promise<T> {
  const b = await Butler.open(repo);
  try {
    return await fn(b);
  } finally {
    await b.close();
  }
}

async function datasets(
  b: Butler,
  type: string,
  collections: string | string[] = "*",
): Promise<DatasetRef[]> {
  return b.registry.queryDatasets(type, { collections });
}

/** Every regular file under a directory, as paths relative to it. */
function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() || e.isSymbolicLink())
    .map((e) => relative(dir, join(e.parentPath, e.name)))
    .sort();
}

before(async () => {
  ok(await butler("demo", base, "--visits", "2", "--detectors", "2", "--size", "32,32", "--no-summary"));
});

describe("butler remove-runs", () => {
  test("lists the runs and datasets, and a 'no' on stdin removes nothing", async () => {
    const repo = fresh("rr-abort");
    const result = ok(await run(["remove-runs", repo, "DemoCam/calib/bias/*"], "n\n"));
    assert.equal(
      result.stdout,
      "The following RUN collections will be removed:\n" +
        `${BIAS_RUNS.join("\n")}\n\n` +
        "The following datasets will be removed:\nbias(4)\nTotal number of datasets to remove: 4\nAborted.\n",
    );
    assert.match(result.stderr, /Continue\? \[y\/N\]/);
    await inspect(repo, async (b) => {
      assert.equal((await datasets(b, "bias")).length, 4);
      assert.deepEqual(await b.registry.queryCollections("DemoCam/calib/bias/*"), BIAS_RUNS);
    });
    assert.equal(filesUnder(join(repo, "DemoCam/calib/bias")).length, 4);
  });

  test("a 'y' removes the runs, their datasets and their files", async () => {
    const repo = fresh("rr-yes");
    const result = ok(await run(["remove-runs", repo, "DemoCam/calib/bias/1,DemoCam/calib/bias/2"], "y\n"));
    assert.match(result.stdout, /bias\(4\)\n/);
    assert.match(result.stdout, /Removed collections\n$/);
    await inspect(repo, async (b) => {
      assert.equal((await datasets(b, "bias")).length, 0);
      assert.deepEqual(await b.registry.queryCollections("DemoCam/calib/bias/*"), []);
      // Other runs are untouched.
      assert.equal((await datasets(b, "calexp", RUN)).length, 4);
    });
    assert.deepEqual(filesUnder(join(repo, "DemoCam/calib/bias")), []);
    assert.equal(filesUnder(join(repo, RUN)).length, 4);
  });

  test("a run matched by two arguments is listed once", async () => {
    const repo = fresh("rr-twice");
    const result = ok(await run(["remove-runs", repo, BIAS_RUNS[0]!, "DemoCam/calib/bias/*"], "n\n"));
    assert.equal(result.stdout.split("\n").filter((l) => l === BIAS_RUNS[0]).length, 1);
  });

  test("--no-confirm refuses a run in a chain without --force, and removes nothing", async () => {
    const repo = fresh("rr-chain");
    const result = await butler("remove-runs", repo, RUN, "--no-confirm");
    failed(result, 1, /requires confirmation/);
    assert.match(result.stderr, /DemoCam\/runs\/demo: must be unlinked from "DemoCam\/defaults"/);
    await inspect(repo, async (b) => {
      assert.equal((await datasets(b, "calexp", RUN)).length, 4);
      assert.deepEqual(await b.registry.getCollectionChain(CHAIN), [RUN, "DemoCam/calib"]);
    });
  });

  test("--no-confirm --force unlinks the run from its chain and removes it", async () => {
    const repo = fresh("rr-force");
    const result = ok(await butler("remove-runs", repo, RUN, "--no-confirm", "--force"));
    assert.equal(
      result.stdout,
      "The following RUN collections were removed:\n" +
        'DemoCam/runs/demo: was removed and unlinked from "DemoCam/defaults"\n\n' +
        "The following datasets were removed:\ncalexp(4)\nTotal number of datasets removed: 4\n",
    );
    await inspect(repo, async (b) => {
      assert.deepEqual(await b.registry.getCollectionChain(CHAIN), ["DemoCam/calib"]);
      assert.deepEqual(await b.registry.queryCollections("DemoCam/runs/*"), []);
      assert.equal((await datasets(b, "calexp")).length, 0);
    });
    assert.deepEqual(filesUnder(join(repo, RUN)), []);
  });

  test("confirming a run in a chain unlinks it too", async () => {
    const repo = fresh("rr-chain-yes");
    const result = ok(await run(["remove-runs", repo, RUN], "yes\n"));
    assert.match(result.stdout, /DemoCam\/runs\/demo: will be unlinked from "DemoCam\/defaults"/);
    await inspect(repo, async (b) => {
      assert.deepEqual(await b.registry.getCollectionChain(CHAIN), ["DemoCam/calib"]);
    });
  });

  test("nothing matching, non-RUN collections and usage errors", async () => {
    const repo = fresh("rr-none");
    assert.equal(
      ok(await butler("remove-runs", repo, "nothing*", "no-such-run")).stdout,
      "No RUN collections were found.\n",
    );
    // A CHAINED or CALIBRATION collection is not a RUN: it matches nothing here.
    assert.equal(
      ok(await butler("remove-runs", repo, CHAIN, "DemoCam/calib")).stdout,
      "No RUN collections were found.\n",
    );
    failed(await butler("remove-runs", repo), 2, /missing required argument 'collection'/);
    failed(await butler("remove-runs", repo, RUN, "--bogus"), 2, /unknown option '--bogus'/);
    failed(await butler("remove-runs", join(scratch, "no-repo"), RUN), 1, /no repository here/);
  });
});

describe("butler prune-datasets", () => {
  test("option combinations daf_butler refuses are usage errors", async () => {
    const repo = fresh("pd-usage");
    failed(
      await butler("prune-datasets", repo, RUN),
      2,
      /No operation: one of --purge, --unstore, or --disassociate/,
    );
    failed(await butler("prune-datasets", repo, "--unstore"), 2, /Must indicate collections/);
    failed(
      await butler("prune-datasets", repo, "--purge", RUN, "--disassociate", "tag"),
      2,
      /--disassociate and --purge may not be used together/,
    );
    failed(
      await butler("prune-datasets", repo, RUN, "--unstore", "--quiet", "--dry-run"),
      2,
      /--quiet and --dry-run/,
    );
    failed(await butler("prune-datasets", repo, "DemoCam/*", "--unstore"), 2, /need --find-all/);
    failed(
      await butler("prune-datasets", repo, "--purge", CHAIN),
      2,
      /not a RUN collection: DemoCam\/defaults/,
    );
    failed(await butler("prune-datasets", repo, "--purge", "no-such-run"), 3, /no-such-run/);
    failed(await butler("prune-datasets", repo, RUN, "--unstore", "--where", "visit ="), 2, /visit/);
    await inspect(repo, async (b) => assert.equal((await datasets(b, "calexp", RUN)).length, 4));
  });

  test("--dry-run lists the datasets a --where selects and changes nothing", async () => {
    const repo = fresh("pd-dry");
    const result = ok(
      await butler("prune-datasets", repo, RUN, "--unstore", "--dry-run", "--where", "visit = 2026031000"),
    );
    const lines = result.stdout.split("\n");
    assert.equal(
      lines[0],
      "The following datasets will be removed from any datastores in which they are present:",
    );
    assert.match(
      lines[2]!,
      /^type\s+run\s+id\s+instrument\s+detector\s+visit\s+band\s+day_obs\s+physical_filter$/,
    );
    assert.equal(lines.filter((l) => l.startsWith("calexp DemoCam/runs/demo")).length, 2);
    await inspect(repo, async (b) => {
      for (const ref of await datasets(b, "calexp", RUN)) assert.ok(await b.exists(ref));
    });
  });

  test("--unstore --no-confirm deletes the files and keeps the registry entries", async () => {
    const repo = fresh("pd-unstore");
    const result = ok(
      await butler("prune-datasets", repo, CHAIN, "--unstore", "--no-confirm", "--where", "detector = 1"),
    );
    assert.match(result.stdout, /^Removed the following datasets:\n/);
    assert.equal(result.stdout.split("\n").filter((l) => l.startsWith("calexp ")).length, 2);
    await inspect(repo, async (b) => {
      const refs = await datasets(b, "calexp", RUN);
      assert.equal(refs.length, 4, "the registry keeps unstored datasets");
      const stored = await Promise.all(refs.map((r) => b.exists(r)));
      assert.deepEqual(refs.map((r, i) => [r.dataId.get("detector"), stored[i]]).sort(), [
        [0, true],
        [0, true],
        [1, false],
        [1, false],
      ]);
    });
    assert.equal(filesUnder(join(repo, RUN)).length, 2);
  });

  test("--purge RUN asks, and a 'y' removes the datasets from the registry and disk", async () => {
    const repo = fresh("pd-purge");
    const result = ok(
      await run(
        ["prune-datasets", repo, "--purge", RUN, "--datasets", "calexp", "--where", "detector = 0"],
        "y\n",
      ),
    );
    assert.match(result.stdout, /^The following datasets will be removed:\n/);
    assert.match(result.stdout, /The datasets were removed\.\n$/);
    await inspect(repo, async (b) => {
      const left = await datasets(b, "calexp", RUN);
      assert.deepEqual(
        left.map((r) => r.dataId.get("detector")),
        [1, 1],
      );
    });
    assert.equal(filesUnder(join(repo, RUN)).length, 2);
  });

  test("a 'no' keeps everything; nothing found says so", async () => {
    const repo = fresh("pd-no");
    const no = ok(await run(["prune-datasets", repo, "--purge", RUN], "n\n"));
    assert.match(no.stdout, /Did not remove the datasets\.\n$/);
    const none = ok(await butler("prune-datasets", repo, "--purge", RUN, "--where", "detector = 7"));
    assert.equal(none.stdout, "Did not find any datasets.\n");
    await inspect(repo, async (b) => assert.equal((await datasets(b, "calexp", RUN)).length, 4));
  });

  test("--disassociate takes datasets out of a TAGGED collection only; --quiet prints nothing", async () => {
    const repo = fresh("pd-tag");
    ok(await butler("associate", repo, "tagged", "calexp", "--collections", RUN));
    const result = ok(
      await butler("prune-datasets", repo, "--disassociate", "tagged", "--quiet", "--where", "detector = 0"),
    );
    assert.equal(result.stdout, "");
    await inspect(repo, async (b) => {
      assert.deepEqual(
        (await datasets(b, "calexp", "tagged")).map((r) => r.dataId.get("detector")),
        [1, 1],
      );
      assert.equal((await datasets(b, "calexp", RUN)).length, 4);
      for (const ref of await datasets(b, "calexp", RUN)) assert.ok(await b.exists(ref));
    });
    failed(await butler("prune-datasets", repo, RUN, "--disassociate", RUN, "--no-confirm"), 1, /TAGGED/);
  });
});

describe("butler retrieve-artifacts", () => {
  test("copies the files under their datastore paths", async () => {
    const dest = join(freshDir("ra"), "out");
    const result = ok(await butler("retrieve-artifacts", base, dest, "-d", "calexp", "--collections", RUN));
    assert.equal(result.stdout, `Number of artifacts retrieved into destination ${dest}: 4\n`);
    const files = filesUnder(dest);
    assert.deepEqual(
      files,
      filesUnder(join(base, RUN)).map((f) => join(RUN, f)),
    );
    for (const file of files)
      assert.deepEqual(readFileSync(join(dest, file)), readFileSync(join(base, file)));
  });

  test("--no-preserve-path, --where, --find-first, --verbose and symlinks", async () => {
    const dest = freshDir("ra-flat");
    const result = ok(
      await butler(
        "retrieve-artifacts",
        base,
        dest,
        "--collections",
        CHAIN,
        "--find-first",
        "--where",
        "detector = 1",
        "--no-preserve-path",
        "--transfer",
        "SYMLINK",
        "-v",
      ),
    );
    assert.match(result.stdout, new RegExp(`^Transferred the following to ${dest}:\n`));
    // The chain's find-first search reaches the calexps (CALIBRATION collections need a time).
    const files = filesUnder(dest);
    assert.equal(files.length, 2);
    for (const file of files) {
      assert.equal(basename(file), file, "no directories with --no-preserve-path");
      assert.match(file, /^calexp_.*_R0_S01_/);
      assert.ok(lstatSync(join(dest, file)).isSymbolicLink());
      assert.ok(result.stdout.includes(join(dest, file)));
    }
  });

  test("existing files need --clobber; nothing matched says so; bad options are usage errors", async () => {
    const dest = freshDir("ra-clobber");
    const args = ["retrieve-artifacts", base, dest, "-d", "bias", "--no-preserve-path"];
    ok(await butler(...args));
    assert.equal(filesUnder(dest).length, 4);
    failed(await butler(...args), 1, /already exists/);
    ok(await butler(...args, "--clobber"));
    assert.equal(
      ok(await butler("retrieve-artifacts", base, dest, "--where", "detector = 9")).stdout,
      "No datasets matched query.\n",
    );
    failed(
      await butler("retrieve-artifacts", base, dest, "--transfer", "teleport"),
      2,
      /'teleport' is not one of auto/,
    );
    failed(
      await butler("retrieve-artifacts", base, dest, "--transfer", "move"),
      2,
      /cannot use transfer 'move'/,
    );
    failed(await butler("retrieve-artifacts", base), 2, /missing required argument 'dest'/);
    failed(await butler("retrieve-artifacts", base, dest, "-d", "nope"), 3, /nope/);
  });
});

describe("butler ingest-files", () => {
  /** The demo's calexp files, flat in a directory, and a CSV naming them by visit and detector. */
  async function tableOfCalexps(prefixed: boolean): Promise<{ dir: string; table: string; ids: string[] }> {
    const dir = freshDir("ingest-src");
    const files = join(dir, "files");
    ok(
      await butler(
        "retrieve-artifacts",
        base,
        files,
        "-d",
        "calexp",
        "--collections",
        RUN,
        "--no-preserve-path",
      ),
    );
    const refs = await inspect(base, (b) => datasets(b, "calexp", RUN));
    const lines = ["file,visit,detector"];
    const ids: string[] = [];
    for (const ref of refs) {
      const uri = await inspect(base, (b) => b.getURI(ref));
      const name = basename(new URL(uri).pathname);
      lines.push(
        `${prefixed ? name : join(files, name)},${ref.dataId.get("visit")},${ref.dataId.get("detector")}`,
      );
      ids.push(`${ref.dataId.get("visit")}/${ref.dataId.get("detector")}`);
    }
    const table = join(dir, "files.csv");
    writeFileSync(table, `${lines.join("\n")}\n`);
    return { dir, table, ids };
  }

  test("ingests the files a CSV lists with --data-id and --prefix; they read back", async () => {
    const repo = fresh("if");
    const { dir, table, ids } = await tableOfCalexps(true);
    const result = ok(
      await butler(
        "ingest-files",
        repo,
        "calexp",
        "DemoCam/ingested",
        table,
        "--data-id",
        "instrument=DemoCam",
        "--prefix",
        join(dir, "files"),
        "--transfer",
        "copy",
      ),
    );
    assert.equal(result.stdout, "Ingested 4 calexp dataset(s) into run DemoCam/ingested.\n");
    await inspect(repo, async (b) => {
      const refs = await datasets(b, "calexp", "DemoCam/ingested");
      assert.deepEqual(
        refs.map((r) => `${r.dataId.get("visit")}/${r.dataId.get("detector")}`).sort(),
        [...ids].sort(),
      );
      // Implied dimensions come from the records; the files are inside the repository now.
      assert.equal(refs[0]!.dataId.get("physical_filter"), `DemoCam-${refs[0]!.dataId.get("band")}`);
      const exposure = await b.get<Exposure>(refs[0]!);
      assert.equal(exposure.bbox.width, 32);
      assert.ok((await b.getURI(refs[0]!)).includes(`${repo}/DemoCam/ingested/`));
    });
    assert.equal(filesUnder(join(dir, "files")).length, 4, "copy leaves the originals");
    assert.equal(filesUnder(join(repo, "DemoCam/ingested")).length, 4);
  });

  test("--id-generation-mode DATAID_TYPE_RUN makes daf_butler's reproducible IDs; move takes the files", async () => {
    const repo = fresh("if-ids");
    const { dir, table } = await tableOfCalexps(false);
    ok(
      await butler(
        "ingest-files",
        repo,
        "calexp",
        "DemoCam/raw-like",
        table,
        "--data-id",
        "instrument=DemoCam",
        "--id-generation-mode",
        "dataid_type_run",
        "-t",
        "move",
      ),
    );
    await inspect(repo, async (b) => {
      const refs = await datasets(b, "calexp", "DemoCam/raw-like");
      assert.equal(refs.length, 4);
      for (const ref of refs) {
        assert.equal(
          ref.id,
          makeDatasetId("DemoCam/raw-like", "calexp", ref.dataId, DatasetIdGenEnum.DATAID_TYPE_RUN),
        );
      }
    });
    assert.deepEqual(filesUnder(join(dir, "files")), [], "move takes the files");
  });

  test("bad tables and values are clear errors, and nothing is ingested", async () => {
    const repo = fresh("if-bad");
    const { dir, table } = await tableOfCalexps(false);
    const lines = readFileSync(table, "utf8").trim().split("\n");
    const write = (name: string, text: string) => {
      const path = join(dir, name);
      writeFileSync(path, text);
      return path;
    };
    const common = ["--data-id", "instrument=DemoCam"];
    failed(
      await butler(
        "ingest-files",
        repo,
        "calexp",
        "r",
        write("a.csv", lines.join("\n").replace("visit", "vist")),
        ...common,
      ),
      2,
      /dimension 'vist' is not known/,
    );
    failed(
      await butler(
        "ingest-files",
        repo,
        "calexp",
        "r",
        write("b.csv", `${lines[0]}\n${lines[1]},7\n`),
        ...common,
      ),
      2,
      /row 1 has 4 values; the header has 3 columns/,
    );
    failed(
      await butler(
        "ingest-files",
        repo,
        "calexp",
        "r",
        write("c.csv", `${lines[0]}\n${lines[1]!.replace(/,\d+,/, ",x,")}\n`),
        ...common,
      ),
      2,
      /visit takes an integer, not 'x'/,
    );
    failed(
      await butler(
        "ingest-files",
        repo,
        "calexp",
        "r",
        write("d.csv", `${lines[0]}\n${lines[1]}\n${lines[1]}\n`),
        ...common,
      ),
      2,
      /listed on rows 1 and 2/,
    );
    // A visit the registry has no record of, after a good row: the whole ingest is refused.
    const unknown = await butler(
      "ingest-files",
      repo,
      "calexp",
      "r",
      write("e.csv", `${lines[0]}\n${lines[1]}\n${lines[2]!.replace(/,\d+,/, ",12345,")}\n`),
      ...common,
    );
    assert.notEqual(unknown.status, 0);
    assert.match(unknown.stderr, /12345/);
    assert.doesNotMatch(unknown.stderr, /\n\s+at /);
    failed(
      await butler("ingest-files", repo, "calexp", "r", table, "--data-id", "instrument"),
      2,
      /KEY=VALUE/,
    );
    failed(await butler("ingest-files", repo, "nope", "r", table, ...common), 3, /nope/);
    failed(await butler("ingest-files", repo, "calexp", "r", join(dir, "missing.csv")), 3, /missing\.csv/);
    failed(
      await butler("ingest-files", repo, "calexp", "r", table, "--id-generation-mode", "random"),
      2,
      /UNIQUE/,
    );
    failed(await butler("ingest-files", repo, "calexp", "r"), 2, /missing required argument 'table-file'/);
    await inspect(repo, async (b) => assert.equal((await datasets(b, "calexp", "r")).length, 0));
  });
});

describe("butler export and import", () => {
  test("export --transfer copy, then import into a new repository: same datasets, IDs and pixels", async () => {
    const out = join(freshDir("export"), "out");
    const exported = ok(
      await butler("export", base, out, "--collections", RUN, "-d", "calexp", "--transfer", "copy"),
    );
    assert.equal(
      exported.stdout,
      `Exported 4 dataset(s) of 1 dataset type(s) in 1 run(s) to ${join(out, "export.yaml")}; files transferred (copy).\n`,
    );
    assert.deepEqual(
      filesUnder(out),
      [...filesUnder(join(base, RUN)).map((f) => join(RUN, f)), "export.yaml"].sort(),
    );
    const doc = parseExport(readFileSync(join(out, "export.yaml"), "utf8"));
    assert.ok(doc.items.some((i) => i.kind === "dimension" && i.element === "visit"));

    const repo = await created("import");
    const imported = ok(await butler("import", repo, out));
    assert.match(
      imported.stdout,
      /^Imported .*export\.yaml: \d+ dimension records, 1 run, 0 other collections, 1 dataset type, 4 datasets \(4 files\)\.\n$/,
    );
    const sourceIds = await inspect(base, async (b) =>
      (await datasets(b, "calexp", RUN)).map((r) => r.id).sort(),
    );
    await inspect(repo, async (b) => {
      const refs = await datasets(b, "calexp", RUN);
      assert.deepEqual(refs.map((r) => r.id).sort(), sourceIds);
      const exposure = await b.get<Exposure>(refs[0]!);
      assert.equal(exposure.bbox.height, 32);
    });
    assert.equal(filesUnder(join(repo, RUN)).length, 4);
  });

  test("export without --transfer names the files in place; --export-file and --no-include-dimensions", async () => {
    const out = freshDir("export-abs");
    ok(
      await butler(
        "export",
        base,
        out,
        "-d",
        "bias",
        "--export-file",
        "bias.yaml",
        "--no-include-dimensions",
      ),
    );
    assert.deepEqual(filesUnder(out), ["bias.yaml"]);
    const text = readFileSync(join(out, "bias.yaml"), "utf8");
    const doc = parseExport(text);
    assert.ok(!doc.items.some((i) => i.kind === "dimension"));
    assert.ok(text.includes(join(base, "DemoCam/calib/bias")));
    // Imported into a copy of the demo (which has the records) with the runs removed first.
    const repo = fresh("import-abs");
    ok(await butler("remove-runs", repo, "DemoCam/calib/bias/*", "--no-confirm"));
    ok(await butler("import", repo, out, "--export-file", "bias.yaml", "-t", "copy"));
    await inspect(repo, async (b) => assert.equal((await datasets(b, "bias")).length, 4));
    assert.equal(filesUnder(join(repo, "DemoCam/calib/bias")).length, 4);
    assert.equal(
      ok(await butler("export", base, out, "--where", "detector = 5")).stdout,
      "No datasets matched query; nothing was exported.\n",
    );
  });

  test("import --without-datastore loads daf_butler's ci_hsc export to be queried", async () => {
    const repo = await created("ci-hsc");
    const result = ok(
      await butler("import", repo, PEER_DATA, "--export-file", "ci_hsc-subset.yaml", "--without-datastore"),
    );
    assert.match(
      result.stdout,
      /65 dimension records, 1 run, 0 other collections, 1 dataset type, 33 datasets \(registry only, no files\)/,
    );
    const query = ok(
      await butler("query-datasets", repo, "calexp", "--collections", "HSC/runs/*", "--format", "json"),
    );
    const rows = JSON.parse(query.stdout) as { run: string; visit: number; detector: number }[];
    assert.equal(rows.length, 33);
    assert.ok(rows.every((r) => r.run === "HSC/runs/ci_hsc/20240806T180642Z"));
    assert.ok(rows.some((r) => r.visit === 903334 && r.detector === 16));
    await inspect(repo, async (b) => {
      const refs = await datasets(b, "calexp");
      assert.equal(refs.length, 33);
      assert.equal(await b.exists(refs[0]!), false, "no files were recorded");
      assert.equal((await b.registry.queryDimensionRecords("detector")).length > 0, true);
    });
    // The datasets have no files, so retrieve-artifacts skips them with a warning.
    const dest = freshDir("ci-hsc-files");
    const retrieved = ok(await butler("retrieve-artifacts", repo, dest));
    assert.equal(retrieved.stdout, "No datasets matched query.\n");
    assert.match(retrieved.stderr, /33 of 33 datasets have no file in the datastore/);
  });

  test("import --without-datastore of base.yaml then datasets.yaml (which uses base's dataset types)", async () => {
    const repo = await created("base-datasets");
    ok(await butler("import", repo, PEER_DATA, "--export-file", "base.yaml", "--without-datastore"));
    ok(
      await butler(
        "import",
        repo,
        PEER_DATA,
        "--export-file",
        join(PEER_DATA, "datasets.yaml"),
        "--without-datastore",
      ),
    );
    await inspect(repo, async (b) => {
      assert.deepEqual((await b.registry.queryCollections()).sort(), ["imported_g", "imported_r"]);
      const all = await b.registry.queryDatasets("*", { collections: "*" });
      assert.equal(all.length, 13);
    });
  });

  test("a failed import leaves the repository as it was; bad options are usage errors", async () => {
    const repo = await created("import-fail");
    // ci_hsc's export names files that are not there: the import needs --without-datastore.
    const result = await butler("import", repo, PEER_DATA, "--export-file", "ci_hsc-subset.yaml");
    failed(result, 2, /no such file; nothing was imported .*add --without-datastore/);
    await inspect(repo, async (b) => {
      assert.deepEqual(await b.registry.queryCollections(), []);
      assert.equal((await b.registry.queryDimensionRecords("instrument")).length, 0);
    });
    failed(await butler("import", repo, freshDir("empty")), 3, /export\.yaml/);
    failed(await butler("import", repo, PEER_DATA, "--transfer", "nope"), 2, /'nope' is not one of/);
    failed(await butler("import", repo), 2, /missing required argument 'directory'/);
    failed(
      await butler(
        "import",
        repo,
        PEER_DATA,
        "--export-file",
        "ci_hsc-subset.yaml",
        "--without-datastore",
        "-s",
        "bogus",
      ),
      2,
      /unknown dimension element 'bogus'/,
    );
  });

  test("--skip-dimensions leaves those records out", async () => {
    const out = freshDir("export-skip");
    ok(await butler("export", base, out, "-d", "calexp", "--collections", RUN, "-t", "copy"));
    const doc = parseExport(readFileSync(join(out, "export.yaml"), "utf8"));
    assert.ok(doc.items.some((i) => i.kind === "dimension" && i.element === "visit_detector_region"));
    const repo = await created("import-skip");
    ok(await butler("import", repo, out, "--skip-dimensions", "visit_detector_region"));
    await inspect(repo, async (b) => {
      assert.equal((await datasets(b, "calexp", RUN)).length, 4);
      assert.equal((await b.registry.queryDimensionRecords("visit")).length, 2);
      assert.equal((await b.registry.queryDimensionRecords("visit_detector_region")).length, 0);
    });
  });
});

describe("butler transfer-datasets", () => {
  test("copies datasets with their IDs, records and files; a second run transfers none", async () => {
    const dest = await created("transfer");
    const args = [
      "transfer-datasets",
      base,
      dest,
      "-d",
      "calexp",
      "--collections",
      RUN,
      "--register-dataset-types",
    ];
    assert.equal(ok(await butler(...args)).stdout, "Number of datasets transferred: 4\n");
    const sourceIds = await inspect(base, async (b) =>
      (await datasets(b, "calexp", RUN)).map((r) => r.id).sort(),
    );
    await inspect(dest, async (b) => {
      const refs = await datasets(b, "calexp", RUN);
      assert.deepEqual(refs.map((r) => r.id).sort(), sourceIds);
      assert.equal((await b.get<Exposure>(refs[0]!)).bbox.width, 32);
      assert.equal((await b.registry.queryDimensionRecords("visit")).length, 2);
    });
    assert.equal(filesUnder(join(dest, RUN)).length, 4);
    assert.equal(ok(await butler(...args)).stdout, "Number of datasets transferred: 0\n");
  });

  test("--where, --find-first and --dry-run", async () => {
    const dest = await created("transfer-where");
    const dry = ok(
      await butler(
        "transfer-datasets",
        base,
        dest,
        "--collections",
        CHAIN,
        "--find-first",
        "--where",
        "detector = 0",
        "--dry-run",
      ),
    );
    assert.equal(dry.stdout, "Number of datasets that would be transferred: 2\n");
    await inspect(dest, async (b) => assert.deepEqual(await b.registry.queryCollections(), []));
    const bias = ok(
      await butler(
        "transfer-datasets",
        base,
        dest,
        "-d",
        "bias",
        "--where",
        "detector = 0",
        "--register-dataset-types",
      ),
    );
    assert.equal(bias.stdout, "Number of datasets transferred: 2\n");
    await inspect(dest, async (b) => {
      assert.deepEqual((await b.registry.queryCollections()).sort(), BIAS_RUNS);
      assert.equal((await datasets(b, "bias")).length, 2);
    });
  });

  test("missing dataset types or records are errors that transfer nothing", async () => {
    const dest = await created("transfer-fail");
    failed(await butler("transfer-datasets", base, dest, "-d", "calexp"), 3, /calexp/);
    const noRecords = await butler(
      "transfer-datasets",
      base,
      dest,
      "-d",
      "calexp",
      "--register-dataset-types",
      "--no-transfer-dimensions",
    );
    assert.notEqual(noRecords.status, 0);
    assert.doesNotMatch(noRecords.stderr, /\n\s+at /);
    await inspect(dest, async (b) =>
      assert.equal((await b.registry.queryDatasets("*", { collections: "*" })).length, 0),
    );
    failed(await butler("transfer-datasets", base), 2, /missing required argument 'dest'/);
  });
});
