/**
 * `butler remove-runs REPO COLLECTION…`: removes RUN collections, their datasets and their files, as
 * daf_butler's remove-runs. It lists the runs (with the CHAINED collections they will be unlinked from)
 * and the datasets per type, and asks before removing unless `--no-confirm`; with `--no-confirm`, a run
 * in a chain is refused unless `--force` says to unlink it.
 */
import type { Command } from "commander";
import { CollectionType } from "../../core/index.ts";
import { CommandRefusedError, isButlerError } from "../../errors/index.ts";
import type { Registry } from "../../registry/index.ts";
import { progressBar } from "../progress.ts";
import { confirm } from "../prompt.ts";
import { splitCommas, withButler } from "../repo-command.ts";

export const NO_RUN_COLLECTIONS = "No RUN collections were found.";
export const WILL_REMOVE_RUNS = "The following RUN collections will be removed:";
export const WILL_REMOVE_DATASETS = "The following datasets will be removed:";
export const DID_REMOVE_RUNS = "The following RUN collections were removed:";
export const DID_REMOVE_DATASETS = "The following datasets were removed:";
export const REMOVED_RUNS = "Removed collections";
export const ABORTED = "Aborted.";
export const REQUIRES_CONFIRMATION =
  "Removing runs that are in parent CHAINED collections requires confirmation. " +
  "Try again without --no-confirm to confirm removal of RUN collections from parents, " +
  "or add the --force flag to skip confirmation.";

interface Options {
  confirm: boolean;
  force?: boolean;
}

interface RunToRemove {
  name: string;
  parents: string[];
}

export function register(program: Command): void {
  program
    .command("remove-runs")
    .description("Remove one or more RUN collections and the datasets (and files) in them.")
    .argument("<repo>", "repository directory or its butler.yaml")
    .argument(
      "<collection...>",
      "names or globs of the RUN collections to remove (comma-separated values are split)",
    )
    .option("--confirm", "print what will be removed and ask before removing (the default)")
    .option("--no-confirm", "remove without asking")
    .option(
      "--force",
      "with --no-confirm, remove runs that are in CHAINED collections too, unlinking them from those chains",
    )
    .action(async (repo: string, globs: string[], options: Options) => {
      await withButler(repo, { writeable: true }, async (butler) => {
        const registry = butler.registry;
        const runs = await matchingRuns(
          registry,
          globs.flatMap((g) => splitCommas(g, undefined)),
        );
        if (runs.length === 0) {
          process.stdout.write(`${NO_RUN_COLLECTIONS}\n`);
          return;
        }
        const counts = await datasetCounts(registry, runs);
        const inChains = runs.filter((r) => r.parents.length > 0);
        if (options.confirm !== false) {
          process.stdout.write(describe(true, runs, counts));
          if (!(await confirm("Continue?"))) {
            process.stdout.write(`${ABORTED}\n`);
            return;
          }
        } else if (inChains.length > 0 && !options.force) {
          const lines = inChains.map((r) => `${r.name}: must be unlinked from ${quoted(r.parents)}`);
          throw new CommandRefusedError(`${REQUIRES_CONFIRMATION}\n${lines.join("\n")}`);
        }
        await butler.removeRuns(
          runs.map((r) => r.name),
          { unstore: true, unlinkFromChains: true },
        );
        process.stdout.write(options.confirm !== false ? `${REMOVED_RUNS}\n` : describe(false, runs, counts));
      });
    });
}

/** The RUN collections the expressions match, with the chains that hold each; unknown names match none. */
async function matchingRuns(registry: Registry, globs: readonly string[]): Promise<RunToRemove[]> {
  const names: string[] = [];
  for (const glob of globs) {
    try {
      const found = await registry.queryCollections(glob, {
        collectionTypes: CollectionType.RUN,
        includeChains: false,
      });
      for (const name of found) if (!names.includes(name)) names.push(name);
    } catch (err) {
      if (!isButlerError(err, "MISSING_COLLECTION")) throw err;
    }
  }
  return Promise.all(
    names.sort().map(async (name) => ({ name, parents: await registry.getCollectionParentChains(name) })),
  );
}

/** How many datasets of each type the runs hold, by type name in sorted order. */
async function datasetCounts(registry: Registry, runs: readonly RunToRemove[]): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  const bar = progressBar("counting datasets");
  let done = 0;
  for (const run of runs) {
    const { datasetTypes } = await registry.getCollectionSummary([run.name]);
    if (datasetTypes.length > 0) {
      for (const ref of await registry.queryDatasets(datasetTypes, { collections: [run.name] })) {
        counts.set(ref.datasetType.name, (counts.get(ref.datasetType.name) ?? 0) + 1);
      }
    }
    bar.update(++done, runs.length);
  }
  bar.done();
  return new Map([...counts].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

function quoted(names: readonly string[]): string {
  return names.map((n) => `"${n}"`).join(", ");
}

/** daf_butler's listing: the runs (and their chains), then the datasets per type and the total. */
function describe(will: boolean, runs: readonly RunToRemove[], counts: ReadonlyMap<string, number>): string {
  const lines = [will ? WILL_REMOVE_RUNS : DID_REMOVE_RUNS];
  for (const run of runs) {
    if (run.parents.length === 0) lines.push(run.name);
    else
      lines.push(
        `${run.name}: ${will ? "will be unlinked from" : "was removed and unlinked from"} ${quoted(run.parents)}`,
      );
  }
  lines.push("", will ? WILL_REMOVE_DATASETS : DID_REMOVE_DATASETS);
  lines.push([...counts].map(([type, n]) => `${type}(${n})`).join(", "));
  const total = [...counts.values()].reduce((a, b) => a + b, 0);
  lines.push(`Total number of datasets ${will ? "to remove" : "removed"}: ${total}`);
  return `${lines.join("\n")}\n`;
}
