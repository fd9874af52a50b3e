/**
 * `butler transfer-datasets SOURCE DEST`: copies the datasets the query options select from one
 * repository to another, keeping their IDs and runs, as daf_butler's transfer-datasets. Dimension
 * records go with them unless `--no-transfer-dimensions`; missing dataset types are registered only
 * with `--register-dataset-types`. Datasets DEST holds already, or SOURCE has no file for, are skipped.
 */
import type { Command } from "commander";
import type { TransferMode } from "../../butler/index.ts";
import {
  addDatasetSelectionOptions,
  addTransferOption,
  type DatasetSelectionOptions,
  selectDatasets,
} from "../dataset-selection.ts";
import { progressBar } from "../progress.ts";
import { withButler } from "../repo-command.ts";

interface Options extends DatasetSelectionOptions {
  transfer: TransferMode;
  registerDatasetTypes?: boolean;
  transferDimensions: boolean;
  dryRun?: boolean;
}

/** Datasets per transferFrom call: each is one transaction, and the progress bar moves between them. */
const BATCH = 100;

export function register(program: Command): void {
  const command = program
    .command("transfer-datasets")
    .description("Transfer datasets from a source repository to a destination repository.")
    .argument("<source>", "the repository holding the datasets")
    .argument("<dest>", "the repository to receive copies of them");
  addDatasetSelectionOptions(command);
  addTransferOption(command)
    .option("--register-dataset-types", "register dataset types the destination does not have")
    .option("--transfer-dimensions", "copy the dimension records the data IDs need (the default)", true)
    .option(
      "--no-transfer-dimensions",
      "do not copy dimension records (faster when the destination has them already)",
    )
    .option("--dry-run", "report how many datasets would be transferred, and transfer none")
    .action(async (source: string, dest: string, options: Options) => {
      await withButler(source, {}, async (from) => {
        const refs = await selectDatasets(from.registry, options);
        if (options.dryRun) {
          process.stdout.write(`Number of datasets that would be transferred: ${refs.length}\n`);
          return;
        }
        await withButler(dest, { writeable: true }, async (to) => {
          const bar = progressBar("transferring");
          let transferred = 0;
          for (let i = 0; i < refs.length; i += BATCH) {
            const added = await to.transferFrom(from, refs.slice(i, i + BATCH), {
              transfer: options.transfer,
              registerDatasetTypes: options.registerDatasetTypes === true,
              transferDimensions: options.transferDimensions !== false,
            });
            transferred += added.length;
            bar.update(Math.min(i + BATCH, refs.length), refs.length);
          }
          bar.done();
          process.stdout.write(`Number of datasets transferred: ${transferred}\n`);
        });
      });
    });
}
