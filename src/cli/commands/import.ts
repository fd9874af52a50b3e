/**
 * `butler import REPO DIRECTORY`: imports a daf_butler export file (dimension records, collections,
 * dataset types, datasets) and the files it points at, as daf_butler's import. `--without-datastore`
 * imports the registry content only, as daf_butler's `import_(without_datastore=True)`: that is how an
 * export whose files are elsewhere (daf_butler's test exports, for one) is loaded to be queried.
 */
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { isAbsolute, resolve } from "node:path";
import type { Command } from "commander";
import type { TransferMode } from "../../butler/index.ts";
import { InvalidArgumentError, isButlerError } from "../../errors/index.ts";
import {
  type ImportSummary,
  type ImportTarget,
  importExport,
  parseExport,
} from "../../registry/interchange/index.ts";
import { addTransferOption } from "../dataset-selection.ts";
import { splitCommas, withButler } from "../repo-command.ts";

interface Options {
  transfer: TransferMode;
  exportFile?: string;
  skipDimensions?: string[];
  withoutDatastore?: boolean;
}

export function register(program: Command): void {
  const command = program
    .command("import")
    .description("Import data into a repository from an export file (and the files it points at).")
    .argument("<repo>", "repository directory or its butler.yaml")
    .argument("<directory>", "directory holding the export file and the files it names by relative path");
  addTransferOption(command)
    .option(
      "--export-file <file>",
      "the export file: an absolute path, a path from the working directory, or else a name in DIRECTORY " +
        "(default export.yaml)",
    )
    .option(
      "-s, --skip-dimensions <elements>",
      "dimension elements whose records are not imported (repeatable or comma-separated)",
      splitCommas,
    )
    .option(
      "--without-datastore",
      "import only the registry content (records, collections, dataset types, datasets); no files",
    )
    .action(async (repo: string, directory: string, options: Options) => {
      const file = exportFileOf(directory, options.exportFile);
      await withButler(repo, { writeable: true }, async (butler) => {
        // A misspelt element would otherwise skip nothing, silently.
        for (const element of options.skipDimensions ?? []) butler.registry.universe.getElement(element);
        let summary: ImportSummary;
        let files: number;
        if (options.withoutDatastore) {
          const registry = butler.registry;
          const document = parseExport(await readFile(file, "utf8"), { universe: registry.universe });
          summary = await importExport(registry as unknown as ImportTarget, document, {
            datasetTypes: await registry.queryDatasetTypes(),
            withoutDatastore: true,
            ...(options.skipDimensions === undefined
              ? {}
              : { skipDimensions: new Set(options.skipDimensions) }),
          });
          files = 0;
        } else {
          const result = await butler
            .import(directory, {
              filename: file,
              transfer: options.transfer,
              ...(options.skipDimensions === undefined ? {} : { skipDimensions: options.skipDimensions }),
            })
            .catch((err: unknown) => {
              if (isButlerError(err, "INVALID_ARGUMENT") && /no such file/.test(err.message)) {
                throw new InvalidArgumentError(
                  `${err.message}; nothing was imported (to load only the registry content of an export ` +
                    "whose files are elsewhere, add --without-datastore)",
                );
              }
              throw err;
            });
          summary = result.summary;
          files = result.refs.length;
        }
        for (const warning of summary.warnings) process.stderr.write(`butler: warning: ${warning}\n`);
        process.stdout.write(`${describeImport(file, summary, files, options.withoutDatastore === true)}\n`);
      });
    });
}

/**
 * daf_butler's rule for `--export-file`: an absolute path, else a path that exists from the working
 * directory, else a name in DIRECTORY.
 */
function exportFileOf(directory: string, exportFile: string | undefined): string {
  const name = exportFile ?? "export.yaml";
  if (isAbsolute(name)) return name;
  if (exportFile !== undefined && existsSync(name)) return resolve(name);
  return resolve(directory, name);
}

function plural(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? "" : "s"}`;
}

function describeImport(file: string, summary: ImportSummary, files: number, registryOnly: boolean): string {
  const c = summary.counts;
  const parts = [
    plural(c.dimensionRecords, "dimension record"),
    plural(c.runs, "run"),
    plural(c.collections, "other collection"),
    plural(c.datasetTypes, "dataset type"),
    plural(c.datasets, "dataset"),
  ];
  const stored = registryOnly ? "registry only, no files" : plural(files, "file");
  return `Imported ${file}: ${parts.join(", ")} (${stored}).`;
}
