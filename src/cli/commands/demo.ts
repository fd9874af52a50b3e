/**
 * `butler demo REPO`: builds a small synthetic survey in a new repository, then shows a query and a
 * metadata scan of it, so a newcomer sees the whole system work with no data of their own.
 */
import type { Command } from "commander";
import { DEMO_CHAIN, makeDemoRepo } from "../../demo/demo-survey.ts";
import { InvalidArgumentError } from "../../errors/index.ts";
import { main as runCommand } from "../main.ts";
import { progressBar } from "../progress.ts";
import { parseInteger } from "../repo-command.ts";

interface Options {
  visits: number;
  detectors: number;
  size: [number, number];
  datastoreRoot?: string;
  summary: boolean;
}

function parseSize(value: string): [number, number] {
  const parts = value.split(",").map((p) => Number(p.trim()));
  if (parts.length !== 2 || !parts.every((p) => Number.isInteger(p) && p > 0)) {
    throw new InvalidArgumentError(`--size takes WIDTH,HEIGHT in pixels, e.g. 512,512; got '${value}'`);
  }
  return parts as [number, number];
}

export function register(program: Command): void {
  program
    .command("demo")
    .description("Create a repository holding a small synthetic survey, then query and scan it.")
    .argument("<repo>", "directory for the new repository")
    .option("--visits <n>", "number of visits", parseInteger, 6)
    .option("--detectors <n>", "detectors per visit", parseInteger, 4)
    .option("--size <w,h>", "detector size in pixels", parseSize, [512, 512] as [number, number])
    .option("--datastore-root <uri>", "where the files go (the repository directory by default)")
    .option("--no-summary", "do not print the example query and scan afterwards")
    .action(async (repo: string, options: Options) => {
      const bar = progressBar("writing datasets");
      const summary = await makeDemoRepo(repo, {
        visits: options.visits,
        detectors: options.detectors,
        size: options.size,
        ...(options.datastoreRoot !== undefined ? { datastoreRoot: options.datastoreRoot } : {}),
        onProgress: (done, total) => bar.update(done, total),
      });
      bar.done();
      const out = process.stdout;
      out.write(
        `Created ${repo}: ${summary.visits} visits × ${summary.detectors} detectors = ${summary.calexps} calexps, ` +
          `${summary.calibrations} calibration frames; collections ${summary.collections.join(", ")}.\n`,
      );
      if (!options.summary) return;
      const show = async (args: string[]) => {
        out.write(`\n$ butler ${args.map((a) => (/[\s'*]/.test(a) ? `"${a}"` : a)).join(" ")}\n`);
        const status = await runCommand(args);
        if (status !== 0) throw new Error(`butler ${args[0]} failed with status ${status}`);
      };
      await show([
        "query-datasets",
        repo,
        "calexp",
        "--collections",
        DEMO_CHAIN,
        "--where",
        "band = 'r' AND detector < 2",
      ]);
      await show([
        "scan-metadata",
        repo,
        "calexp",
        "--collections",
        DEMO_CHAIN,
        "--keys",
        "DET_NAME,FILTER,SKYLEVEL,NSTARS",
        "--where",
        "detector = 0",
      ]);
    });
}
