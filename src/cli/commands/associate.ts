/**
 * `butler associate REPO COLLECTION [DATASET_TYPE…]`: tags the datasets a query finds into a TAGGED
 * collection (registered if new). The dataset types may also be given with daf_butler's `-d/--dataset-type`.
 */
import type { Command } from "commander";
import { CollectionType } from "../../core/index.ts";
import { InvalidArgumentError } from "../../errors/index.ts";
import {
  BIND_HELP,
  COLLECTIONS_HELP,
  collectBind,
  splitCommas,
  WHERE_HELP,
  whereOf,
  withButler,
} from "../repo-command.ts";

interface Options {
  datasetType?: string[];
  collections?: string[];
  where?: string;
  bind?: Record<string, unknown>;
  findFirst?: boolean;
}

export function register(program: Command): void {
  program
    .command("associate")
    .description(
      "Add existing datasets to a tagged collection: the datasets the options find go into COLLECTION.",
    )
    .argument("<repo>", "repository directory or its butler.yaml")
    .argument(
      "<collection>",
      "the TAGGED collection the datasets should be associated with (registered if new)",
    )
    .argument("[dataset-type...]", "names or globs of the dataset types to associate")
    .option(
      "-d, --dataset-type <types>",
      "names or globs of the dataset types (repeatable or comma-separated)",
      splitCommas,
    )
    .option("--collections <collections>", COLLECTIONS_HELP, splitCommas)
    .option("--where <expression>", WHERE_HELP)
    .option("--bind <name=value>", BIND_HELP, collectBind)
    .option("--find-first", "only the first dataset of each data ID and type, in the order of --collections")
    .option("--no-find-first", "every dataset found (the default)")
    .action(async (repo: string, collection: string, positional: string[], options: Options) => {
      const types = [...positional, ...(options.datasetType ?? [])];
      if (options.findFirst && !options.collections?.length) {
        throw new InvalidArgumentError(
          "--find-first needs --collections: the collections to search, in order",
        );
      }
      await withButler(repo, { writeable: true }, async (butler) => {
        const registry = butler.registry;
        const refs = await registry.queryDatasets(types.length > 0 ? types : "*", {
          collections: options.collections?.length ? options.collections : "*",
          findFirst: options.findFirst === true,
          ...whereOf(options),
        });
        await registry.transaction(async () => {
          await registry.registerCollection(collection, CollectionType.TAGGED);
          await registry.associate(collection, refs);
        });
        process.stdout.write(
          `Associated ${refs.length} dataset${refs.length === 1 ? "" : "s"} with ${collection}.\n`,
        );
      });
    });
}
