/**
 * Writers killed at random moments (put, ingest, import, remove-runs; four processes at once on one
 * repository, SIGKILL each after a random delay), on each registry engine. After every round `verify`
 * finds nothing lost (every record has its file, of its size, and every dataset row its record), `verify
 * --fix` removes what the kills left (temporaries, files moved into place before a COMMIT that never
 * came, trash of an interrupted removal), and a last `verify` (the command) finds the repository clean.
 */
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { join } from "node:path";
import { test } from "node:test";
import { Butler, verifyRepository } from "../../src/butler/index.ts";
import { CollectionType } from "../../src/core/index.ts";
import { isClean, type VerifyReport } from "../../src/datastore/index.ts";
import { forEachDialect } from "../registry/registry-support.ts";
import { runButler } from "../support/cli.ts";
import { calexpExposure, calexpType, DATA_ID, freshDir, loadHscDimensions } from "./helpers.ts";

const CHILD = join(import.meta.dirname, "kill-writer.ts");
const MODES = ["put", "ingest", "import", "remove-runs"] as const;
const ROUNDS = 2;
/** Kills land between 0 and this many ms after a writer says it is ready. */
const MAX_DELAY_MS = 1500;

/** Starts a writer; resolves once it is ready to write (or rejects with its output if it dies first). */
function startWriter(repo: string, mode: string, tag: string, exportDir: string): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", CHILD, repo, mode, tag, exportDir], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stderr = "";
    child.stderr!.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.stdout!.on("data", (chunk: Buffer) => {
      if (chunk.toString().includes("ready")) resolve(child);
    });
    child.on("exit", (code, signal) =>
      reject(new Error(`${mode} writer exited (${code ?? signal}) before ready: ${stderr}`)),
    );
  });
}

function killAfter(child: ChildProcess, ms: number): Promise<string> {
  return new Promise((resolve) => {
    let stderr = "";
    child.stderr!.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.on("exit", (code, signal) => resolve(signal === "SIGKILL" ? "" : `exited ${code}: ${stderr}`));
    setTimeout(() => child.kill("SIGKILL"), ms);
  });
}

const runCli = runButler;

/** Dataset rows of the two written types over every RUN collection. */
async function datasetRows(butler: Butler): Promise<number> {
  const runs = await butler.registry.queryCollections("*", { collectionTypes: CollectionType.RUN });
  if (runs.length === 0) return 0;
  let count = 0;
  for (const type of ["calexp", "ingested"]) {
    count += (await butler.registry.queryDatasets(type, { collections: runs })).length;
  }
  return count;
}

function litter(report: VerifyReport): number {
  return report.orphans.length + report.temporaries.length + report.trash.length;
}

function describeLitter(report: VerifyReport): string {
  return `${report.temporaries.length} temporaries, ${report.orphans.length} orphans, ${report.trash.length} trash`;
}

forEachDialect("killed writers", (ctx) => {
  test("leave nothing lost, and nothing behind after verify --fix", async (t) => {
    // The repository, and an export (from a second repository) for the importing writer.
    const repo = freshDir(`kill-${ctx.dialect}`);
    await Butler.create(repo, { db: ctx.newUri() });
    const source = freshDir("kill-source");
    await Butler.create(source);
    const exportDir = freshDir("kill-export");
    for (const [dir, isSource] of [
      [repo, false],
      [source, true],
    ] as const) {
      const setup = await Butler.open(dir, { writeable: true });
      try {
        await loadHscDimensions(setup);
        await setup.registry.registerDatasetType(calexpType(setup));
        await setup.registry.registerDatasetType(calexpType(setup, "ingested"));
        if (isSource) {
          await setup.registry.registerRun("exported");
          const exposure = await calexpExposure();
          const refs = [];
          for (const detector of [23, 24]) {
            refs.push(await setup.put(exposure, "calexp", { ...DATA_ID, detector }, { run: "exported" }));
          }
          await setup.export(refs, { directory: exportDir, transfer: "copy", includeDimensions: false });
        }
      } finally {
        await setup.close();
      }
    }

    const found: string[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const writers = await Promise.all(
        MODES.map((mode) => startWriter(repo, mode, `${ctx.dialect}${round}`, exportDir)),
      );
      const endings = await Promise.all(
        writers.map((child) => killAfter(child, Math.floor(Math.random() * MAX_DELAY_MS))),
      );
      // A writer that failed on its own (not killed) is a bug of its own.
      assert.deepEqual(
        endings.filter((e) => e !== ""),
        [],
      );

      const butler = await Butler.open(repo, { writeable: true });
      try {
        const before = await verifyRepository(butler, { checksums: true });
        assert.deepEqual(before.missing, [], "a committed record lost its file");
        assert.deepEqual(before.wrongSize, []);
        assert.deepEqual(before.wrongChecksum, []);
        assert.equal(await datasetRows(butler), before.records, "every dataset row has its record");
        found.push(describeLitter(before));
        // Every writer is dead: nothing is in progress, so no grace period is needed.
        const fixed = await verifyRepository(butler, { fix: true, gracePeriodMs: 0 });
        assert.ok(isClean(fixed), JSON.stringify(fixed));
        const after = await verifyRepository(butler, { checksums: true });
        assert.equal(litter(after), 0, JSON.stringify(after));
        assert.ok(isClean(after));
        assert.equal(after.records, before.records, "--fix never removes a record");
      } finally {
        await butler.close();
      }
    }
    const final = await runCli("verify", repo, "--checksums");
    assert.equal(final.status, 0, final.stdout + final.stderr);
    assert.match(final.stdout, /no problems left/);
    t.diagnostic(
      `${ROUNDS * MODES.length} writers killed on ${ctx.dialect}; left and removed: ${found.join("; ")}`,
    );
  });
});
