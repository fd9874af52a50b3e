/**
 * `butler query-dataset-types REPO [GLOB…]`: registered dataset types by name, with `--components`
 * their component types too (`calexp.wcs`), and with `-v` their dimensions and storage class.
 */
import type { Command } from "commander";
import { splitDatasetTypeName } from "../../core/index.ts";
import type { OutputFormat, Row } from "../output.ts";
import { addFormatOption, COLLECTIONS_HELP, printRows, splitCommas, withAnyButler } from "../repo-command.ts";

interface Options {
  verbose?: boolean;
  components: boolean;
  collections?: string[];
  format: OutputFormat;
}

export function register(program: Command): void {
  const command = program
    .command("query-dataset-types")
    .description("Get the dataset types in a repository.")
    .argument("<repo>", "repository directory or its butler.yaml")
    .argument(
      "[glob...]",
      "glob-style expressions that fully or partially identify the dataset types to return",
    )
    .option("-v, --verbose", "include dimensions and storage class in the output")
    .option("--components", "also match the component dataset types (calexp.wcs …) of composite ones")
    .option(
      "--no-components",
      "match only parent dataset types (the default); named components are always found",
    )
    .option(
      "--collections <collections>",
      `only dataset types that may have datasets in these collections (${COLLECTIONS_HELP.split(";")[0]})`,
      splitCommas,
    );
  addFormatOption(command).action(async (repo: string, globs: string[], options: Options) => {
    await withAnyButler(repo, {}, async (butler) => {
      const registry = butler.registry;
      let types = await registry.queryDatasetTypes(globs.length > 0 ? globs : "*", {
        components: options.components === true,
      });
      if (options.collections !== undefined && options.collections.length > 0) {
        // The collection summaries say which types may be present; a component goes with its parent.
        const summary = await registry.getCollectionSummary(options.collections);
        const present = new Set(summary.datasetTypes);
        types = types.filter((t) => present.has(splitDatasetTypeName(t.name)[0]));
      }
      const rows: Row[] = types.map((t) => ({
        name: t.name,
        dimensions: t.dimensions.names.join(", "),
        storage_class: t.storageClass,
      }));
      const columns = options.verbose ? ["name", "dimensions", "storage_class"] : ["name"];
      printRows(rows, columns, options.format);
    });
  });
}
