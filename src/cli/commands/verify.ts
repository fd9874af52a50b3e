/**
 * `butler verify REPO [--fix] [--checksums]`: checks that every dataset record has its file (of its
 * size, and checksum with `--checksums`) and every file under the datastore root has its record, and
 * lists temporaries of dead writes and trash left by interrupted removals. `--fix` repairs what is safe:
 * it empties the trash and deletes temporaries and orphan files older than the grace period; it never
 * deletes a file that has a record, and reports (never deletes) records whose file is missing. Exits
 * with status 1 when anything is left to report.
 */
import type { Command } from "commander";
import { verifyRepository } from "../../butler/index.ts";
import { isClean, type VerifyReport } from "../../datastore/index.ts";
import { ButlerError } from "../../errors/index.ts";
import { type OutputFormat, type Row, renderRows } from "../output.ts";
import { addFormatOption, withButler } from "../repo-command.ts";

interface Options {
  fix?: boolean;
  checksums?: boolean;
  grace?: string;
  format: OutputFormat;
}

const COLUMNS = ["problem", "path", "dataset_id", "detail", "fixed"];

function rowsOf(report: VerifyReport): Row[] {
  const rows: Row[] = [];
  for (const p of report.missing)
    rows.push({
      problem: "missing file",
      path: p.path,
      dataset_id: p.datasetId,
      detail: p.detail,
      fixed: false,
    });
  for (const p of report.wrongSize)
    rows.push({
      problem: "wrong size",
      path: p.path,
      dataset_id: p.datasetId,
      detail: p.detail,
      fixed: false,
    });
  for (const p of report.wrongChecksum)
    rows.push({
      problem: "wrong checksum",
      path: p.path,
      dataset_id: p.datasetId,
      detail: p.detail,
      fixed: false,
    });
  for (const p of report.trash)
    rows.push({
      problem: "trash",
      path: p.path,
      dataset_id: p.datasetId,
      detail: "removed dataset whose file was not deleted",
      fixed: p.fixed,
    });
  const age = (ms: number | undefined) =>
    ms === undefined ? "age unknown" : `${Math.round(ms / 1000)} s old`;
  for (const p of report.temporaries) {
    rows.push({
      problem: "temporary",
      path: p.path,
      dataset_id: null,
      detail: `${age(p.ageMs)}${p.stale ? "" : "; may be a write in progress"}`,
      fixed: p.fixed,
    });
  }
  for (const p of report.orphans) {
    rows.push({
      problem: "no record",
      path: p.path,
      dataset_id: null,
      detail: `${age(p.ageMs)}${p.stale ? "" : "; may be a write in progress"}`,
      fixed: p.fixed,
    });
  }
  return rows;
}

function parseGrace(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const seconds = Number(value);
  if (value.trim() === "" || !Number.isFinite(seconds) || seconds < 0) {
    throw new ButlerError("INVALID_ARGUMENT", `--grace takes a number of seconds >= 0, got '${value}'`);
  }
  return seconds * 1000;
}

export function register(program: Command): void {
  const command = program
    .command("verify")
    .description(
      "Check that every dataset has its file and every file its dataset; list temporaries and trash left by interrupted writes.",
    )
    .argument("<repo>", "repository directory or its butler.yaml")
    .option("--fix", "empty the trash and delete temporaries and orphan files older than the grace period")
    .option("--checksums", "also compare the checksum of every file whose record has one (reads them all)")
    .option(
      "--grace <seconds>",
      "age from which a temporary or orphan file counts as left behind (default: the datastore's, 3600)",
    );
  addFormatOption(command).action(async (repo: string, options: Options) => {
    const gracePeriodMs = parseGrace(options.grace);
    const report = await withButler(repo, { writeable: options.fix === true }, (butler) =>
      verifyRepository(butler, {
        fix: options.fix === true,
        checksums: options.checksums === true,
        ...(gracePeriodMs === undefined ? {} : { gracePeriodMs }),
      }),
    );
    const rows = rowsOf(report);
    if (rows.length > 0 || options.format !== "table") {
      process.stdout.write(renderRows(rows, COLUMNS, options.format));
    }
    const clean = isClean(report);
    if (options.format === "table") {
      const files = report.files === undefined ? "" : ` and ${report.files} files`;
      process.stdout.write(
        `Checked ${report.records} records${files}: ${clean ? "no problems left" : `${rows.filter((r) => r.fixed !== true).length} problems left`}.\n`,
      );
    }
    if (!clean) {
      throw new ButlerError(
        "VERIFY_FAILED",
        `the datastore of ${repo} has problems left${options.fix ? "" : "; run 'butler verify --fix' to repair what is safe to repair"}`,
      );
    }
  });
}
