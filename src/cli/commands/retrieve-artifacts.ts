/**
 * `butler retrieve-artifacts REPO DEST`: copies (or links) the files of the datasets the query options
 * select into a directory, keeping their datastore paths unless `--no-preserve-path`, as daf_butler's
 * retrieve-artifacts. Datasets the registry knows but the datastore has no file for are skipped. REPO
 * may be a butler server's repository URL: the files are then downloaded (`auto` or `copy` only).
 */
import type { Command } from "commander";
import type { TransferMode } from "../../butler/index.ts";
import type { DatasetRef } from "../../core/index.ts";
import { isButlerError } from "../../errors/index.ts";
import {
  addDatasetSelectionOptions,
  addTransferOption,
  type DatasetSelectionOptions,
  selectDatasets,
} from "../dataset-selection.ts";
import { progressBar } from "../progress.ts";
import { withAnyButler } from "../repo-command.ts";

interface Options extends DatasetSelectionOptions {
  transfer: TransferMode;
  preservePath: boolean;
  clobber?: boolean;
  verbose?: boolean;
}

export function register(program: Command): void {
  const command = program
    .command("retrieve-artifacts")
    .description("Retrieve the files of datasets in a repository into a directory.")
    .argument("<repo>", "repository directory or its butler.yaml, or a butler server's repository URL")
    .argument("<dest>", "directory to receive the files (made if missing)");
  addDatasetSelectionOptions(command);
  addTransferOption(
    command,
    "auto",
    "how files are placed in DEST: auto or copy (the default), hardlink/link, symlink or relsymlink",
  )
    .option("-v, --verbose", "list every file written")
    .option("--preserve-path", "keep each file's datastore path under DEST (the default)", true)
    .option("--no-preserve-path", "put each file directly in DEST, by its file name")
    .option("--clobber", "overwrite files already in DEST")
    .option("--no-clobber", "refuse to overwrite files already in DEST (the default)")
    .action(async (repo: string, destination: string, options: Options) => {
      await withAnyButler(repo, {}, async (butler) => {
        const refs = await selectDatasets(butler.registry, options);
        const transferred: string[] = [];
        const missing: DatasetRef[] = [];
        const bar = progressBar("retrieving");
        let done = 0;
        for (const ref of refs) {
          try {
            transferred.push(
              ...(await butler.retrieveArtifacts([ref], destination, {
                transfer: options.transfer,
                preservePath: options.preservePath !== false,
                overwrite: options.clobber === true,
              })),
            );
          } catch (err) {
            if (!isButlerError(err, "DATASET_NOT_IN_DATASTORE")) throw err;
            missing.push(ref);
          }
          bar.update(++done, refs.length);
        }
        bar.done();
        if (missing.length > 0) {
          process.stderr.write(
            `butler: warning: ${missing.length} of ${refs.length} datasets have no file in the datastore and were skipped\n`,
          );
        }
        if (transferred.length === 0) {
          process.stdout.write("No datasets matched query.\n");
          return;
        }
        if (options.verbose) {
          process.stdout.write(`Transferred the following to ${destination}:\n${transferred.join("\n")}\n\n`);
        }
        process.stdout.write(
          `Number of artifacts retrieved into destination ${destination}: ${transferred.length}\n`,
        );
      });
    });
}
