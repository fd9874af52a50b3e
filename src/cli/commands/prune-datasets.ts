/**
 * `butler prune-datasets REPO [COLLECTIONS…]`: finds datasets (by `--datasets`, `--where`, first of each
 * data ID in the collections' order unless `--find-all`) and then, as daf_butler's prune-datasets:
 * `--purge RUN` removes them completely (registry, files, every collection), `--disassociate TAG` takes
 * them out of TAGGED collections, `--unstore` deletes their files and keeps the registry entries.
 * Lists them and asks first unless `--no-confirm` (or `--quiet`); `--dry-run` only lists them.
 */
import type { Command } from "commander";
import { CollectionType } from "../../core/index.ts";
import { InvalidArgumentError } from "../../errors/index.ts";
import { isGlob } from "../../registry/name-expression.ts";
import { datasetTables, selectDatasets } from "../dataset-selection.ts";
import { confirm } from "../prompt.ts";
import { BIND_HELP, collectBind, splitCommas, WHERE_HELP, whereOf, withButler } from "../repo-command.ts";

export const WOULD_REMOVE =
  "The following datasets will be removed from any datastores in which they are present:";
export const WOULD_DISASSOCIATE =
  "The following datasets will be disassociated from {collections} if they are currently present in it (which is not checked):";
export const WOULD_DISASSOCIATE_AND_REMOVE =
  "The following datasets will be disassociated from {collections} if they are currently present in it " +
  "(which is not checked), and removed from any datastores in which they are present.";
export const WILL_REMOVE = "The following datasets will be removed:";
export const DID_REMOVE_AFOREMENTIONED = "The datasets were removed.";
export const DID_NOT_REMOVE_AFOREMENTIONED = "Did not remove the datasets.";
export const DID_REMOVE = "Removed the following datasets:";
export const NO_DATASETS_FOUND = "Did not find any datasets.";
export const ERR_PURGE_AND_DISASSOCIATE =
  "--disassociate and --purge may not be used together: --disassociate purges from just the passed TAGged " +
  "collections, but --purge forces disassociation from all of them.";
export const ERR_QUIET_WITH_DRY_RUN = "Can not use --quiet and --dry-run together.";
export const ERR_NO_COLLECTION_RESTRICTION =
  "Must indicate collections from which to prune datasets by passing COLLECTION arguments (select all " +
  "collections by passing '*', or consider using 'butler remove-collections'), by using --purge to pass a run " +
  "collection, or by using --disassociate to select a tagged collection.";
export const ERR_NO_OP = "No operation: one of --purge, --unstore, or --disassociate must be provided.";

interface Options {
  datasets?: string[];
  findAll?: boolean;
  where?: string;
  bind?: Record<string, unknown>;
  disassociate?: string[];
  disassociateTags?: string[];
  purge?: string;
  unstore?: boolean;
  dryRun?: boolean;
  confirm: boolean;
  quiet?: boolean;
}

export function register(program: Command): void {
  program
    .command("prune-datasets")
    .description("Find datasets and remove them from a collection and/or from storage.")
    .argument("<repo>", "repository directory or its butler.yaml")
    .argument(
      "[collections...]",
      "collections to search for datasets, in order; globs only with --find-all ('*' for all collections)",
    )
    .option(
      "--datasets <types>",
      "dataset type names or globs to prune (repeatable or comma-separated); all types when absent",
      splitCommas,
    )
    .option(
      "--find-all",
      "prune every matching dataset in the collections, not only the first of each data ID and type",
    )
    .option("--where <expression>", WHERE_HELP)
    .option("--bind <name=value>", BIND_HELP, collectBind)
    .option(
      "--disassociate <tags>",
      "take the datasets out of these TAGGED collections (repeatable or comma-separated); not with --purge",
      splitCommas,
    )
    .option("--disassociate-tags <tags>", "the same as --disassociate", splitCommas)
    .option(
      "--purge <run>",
      "remove the datasets completely: registry entries, files and every collection; implies --unstore. " +
        "RUN is searched when no COLLECTIONS are given; not with --disassociate",
    )
    .option(
      "--unstore",
      "delete the datasets' files and datastore records; the registry keeps them (datasets without files are ignored)",
    )
    .option("--dry-run", "list the datasets that would be pruned, and prune nothing")
    .option("--confirm", "list the datasets and ask before pruning (the default)")
    .option("--no-confirm", "prune without asking")
    .option("--quiet", "print nothing; implies --no-confirm and may not be used with --dry-run")
    .action(async (repo: string, given: string[], options: Options) => {
      const collections = given.flatMap((c) => splitCommas(c, undefined));
      const tags = [...(options.disassociate ?? []), ...(options.disassociateTags ?? [])];
      const purgeRun = options.purge;
      const quiet = options.quiet === true;
      if (quiet && options.dryRun) throw new InvalidArgumentError(ERR_QUIET_WITH_DRY_RUN);
      if (tags.length === 0 && !options.unstore && purgeRun === undefined) {
        throw new InvalidArgumentError(ERR_NO_OP);
      }
      if (tags.length > 0 && purgeRun !== undefined)
        throw new InvalidArgumentError(ERR_PURGE_AND_DISASSOCIATE);
      // Without COLLECTIONS, search the run being purged, or else the tagged collections.
      const search = collections.length > 0 ? collections : purgeRun !== undefined ? [purgeRun] : tags;
      if (search.length === 0) throw new InvalidArgumentError(ERR_NO_COLLECTION_RESTRICTION);
      const confirmFirst = options.confirm !== false && !quiet;
      await withButler(repo, { writeable: true }, async (butler) => {
        const registry = butler.registry;
        if (purgeRun !== undefined) {
          const type = await registry.getCollectionType(purgeRun);
          if (type !== CollectionType.RUN) {
            throw new InvalidArgumentError(
              `Can not prune a collection that is not a RUN collection: ${purgeRun}`,
            );
          }
        }
        if (!options.findAll && search.some(isGlob)) {
          throw new InvalidArgumentError(
            "glob-style collection expressions need --find-all: without it the first dataset of each data ID " +
              "is pruned, which needs collections in a definite order",
          );
        }
        const refs = await selectDatasets(registry, {
          ...(options.datasets === undefined ? {} : { datasetType: options.datasets }),
          collections: search,
          ...whereOf(options),
          findFirst: !options.findAll,
        });
        const purge = purgeRun !== undefined;
        const disassociate = tags.length > 0 || purge;
        const unstore = options.unstore === true || purge;
        if (options.dryRun) {
          const list = `[${search.map((c) => `'${c}'`).join(", ")}]`;
          const message =
            disassociate && unstore
              ? WOULD_DISASSOCIATE_AND_REMOVE
              : disassociate
                ? WOULD_DISASSOCIATE
                : WOULD_REMOVE;
          process.stdout.write(`${message.replace("{collections}", list)}\n${datasetTables(refs)}\n`);
          return;
        }
        if (refs.length === 0) {
          if (!quiet) process.stdout.write(`${NO_DATASETS_FOUND}\n`);
          return;
        }
        if (confirmFirst) {
          process.stdout.write(`${WILL_REMOVE}\n${datasetTables(refs)}\n`);
          if (!(await confirm("Continue?"))) {
            process.stdout.write(`${DID_NOT_REMOVE_AFOREMENTIONED}\n`);
            return;
          }
        }
        await butler.pruneDatasets(refs, { disassociate, unstore, purge, tags });
        if (confirmFirst) process.stdout.write(`${DID_REMOVE_AFOREMENTIONED}\n`);
        else if (!quiet) process.stdout.write(`${DID_REMOVE}\n${datasetTables(refs)}\n`);
      });
    });
}
