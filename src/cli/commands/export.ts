/**
 * `butler export REPO DIRECTORY`: writes a daf_butler export file (format 1.0.2) for the datasets the
 * query options select, with their runs, dataset types and (unless `--no-include-dimensions`) the
 * dimension records their data IDs need. With `--transfer` the files are copied or linked into
 * DIRECTORY under their datastore paths; without, the export names each file by its absolute path.
 * `butler import` reads it back (daf_butler's Butler.import_ does too).
 */
import type { Command } from "commander";
import type { TransferMode } from "../../butler/index.ts";
import {
  addDatasetSelectionOptions,
  addTransferOption,
  type DatasetSelectionOptions,
  selectDatasets,
} from "../dataset-selection.ts";
import { withButler } from "../repo-command.ts";

interface Options extends DatasetSelectionOptions {
  transfer?: TransferMode;
  exportFile: string;
  includeDimensions: boolean;
}

export function register(program: Command): void {
  const command = program
    .command("export")
    .description("Export datasets (and their runs, dataset types and dimension records) to an export file.")
    .argument("<repo>", "repository directory or its butler.yaml")
    .argument(
      "<directory>",
      "directory to write the export file (and transferred files) to; made if missing",
    );
  addDatasetSelectionOptions(command);
  addTransferOption(
    command,
    null,
    "copy (or hardlink, symlink, relsymlink) the files into DIRECTORY; without it the export file names " +
      "each file by its absolute path and nothing is copied",
  )
    .option("--export-file <name>", "name of the export file in DIRECTORY", "export.yaml")
    .option("--include-dimensions", "include the dimension records the data IDs need (the default)", true)
    .option("--no-include-dimensions", "leave the dimension records out")
    .action(async (repo: string, directory: string, options: Options) => {
      await withButler(repo, {}, async (butler) => {
        const refs = await selectDatasets(butler.registry, options);
        if (refs.length === 0) {
          process.stdout.write("No datasets matched query; nothing was exported.\n");
          return;
        }
        const file = await butler.export(refs, {
          directory,
          filename: options.exportFile,
          includeDimensions: options.includeDimensions !== false,
          ...(options.transfer === undefined ? {} : { transfer: options.transfer }),
        });
        const types = new Set(refs.map((r) => r.datasetType.name));
        const runs = new Set(refs.map((r) => r.run));
        const copied = options.transfer === undefined ? "" : `; files transferred (${options.transfer})`;
        process.stdout.write(
          `Exported ${refs.length} dataset(s) of ${types.size} dataset type(s) in ${runs.size} run(s) to ${file}${copied}.\n`,
        );
      });
    });
}
