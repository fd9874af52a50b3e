/**
 * What the commands that move or remove datasets share: daf_butler's dataset query options
 * (`-d/--dataset-type`, `--collections`, `--where`, `--find-first`), `-t/--transfer`, running that query
 * the way daf_butler's scripts do, and printing the chosen datasets as one table per dataset type.
 */
import { type Command, Option } from "commander";
import type { RegistryReader } from "../butler/butler-api.ts";
import { TRANSFER_MODES, type TransferMode } from "../butler/index.ts";
import type { DatasetRef } from "../core/index.ts";
import { isGlob } from "../registry/name-expression.ts";
import { renderTable } from "./output.ts";
import { COLLECTIONS_HELP, choiceParser, splitCommas, WHERE_HELP, whereOf } from "./repo-command.ts";

export interface DatasetSelectionOptions {
  datasetType?: string[];
  collections?: string[];
  where?: string;
  bind?: Record<string, unknown>;
  findFirst?: boolean;
}

/** Adds daf_butler's query_datasets_options as its data commands use them (types as an option). */
export function addDatasetSelectionOptions(command: Command): Command {
  return command
    .option(
      "-d, --dataset-type <types>",
      "dataset type names or globs (repeatable or comma-separated); all dataset types when absent",
      splitCommas,
    )
    .option("--collections <collections>", COLLECTIONS_HELP, splitCommas)
    .option("--where <expression>", WHERE_HELP)
    .option(
      "--find-first",
      "only the first dataset of each data ID and type, in the order of --collections " +
        "(globs are expanded to the collections they match)",
    );
}

/** Adds `-t/--transfer` with daf_butler's choices (case-insensitive) and default (null: none). */
export function addTransferOption(
  command: Command,
  defaultMode: TransferMode | null = "auto",
  help = "how files are transferred: auto, link, symlink, hardlink, copy, move, relsymlink or direct",
): Command {
  const option = new Option("-t, --transfer <mode>", help).argParser(choiceParser(TRANSFER_MODES));
  if (defaultMode !== null) option.default(defaultMode);
  return command.addOption(option);
}

/** Collection expressions in order, with globs replaced by the collections they match. */
async function expandCollections(
  registry: RegistryReader,
  expressions: readonly string[],
): Promise<string[]> {
  const names: string[] = [];
  for (const expression of expressions) {
    const matched = isGlob(expression) ? await registry.queryCollections(expression) : [expression];
    for (const name of matched) if (!names.includes(name)) names.push(name);
  }
  return names;
}

/**
 * The datasets the options select, as daf_butler's retrieve-artifacts and transfer-datasets find
 * them: every dataset type and every collection when absent; each dataset once (a dataset in a RUN and
 * a CALIBRATION collection is found twice otherwise), ordered by type, run and data ID.
 */
export async function selectDatasets(
  registry: RegistryReader,
  options: DatasetSelectionOptions,
): Promise<DatasetRef[]> {
  const expressions = options.collections?.length ? options.collections : ["*"];
  const findFirst = options.findFirst === true;
  const collections = findFirst ? await expandCollections(registry, expressions) : expressions;
  if (collections.length === 0) return [];
  const refs = await registry.queryDatasets(options.datasetType?.length ? options.datasetType : "*", {
    collections,
    findFirst,
    ...whereOf(options),
  });
  return sortRefs(uniqueRefs(refs));
}

/** Each dataset once, first occurrence kept. */
function uniqueRefs(refs: readonly DatasetRef[]): DatasetRef[] {
  const seen = new Map<string, DatasetRef>();
  for (const ref of refs) if (!seen.has(ref.id)) seen.set(ref.id, ref);
  return [...seen.values()];
}

/** Refs ordered by dataset type, then data ID, then run (as daf_butler sorts its tables). */
function sortRefs(refs: readonly DatasetRef[]): DatasetRef[] {
  return [...refs].sort((a, b) => {
    if (a.datasetType.name !== b.datasetType.name) return a.datasetType.name < b.datasetType.name ? -1 : 1;
    const av = a.dataId.requiredValues;
    const bv = b.dataId.requiredValues;
    for (let i = 0; i < Math.min(av.length, bv.length); i++) {
      if (av[i]! < bv[i]!) return -1;
      if (av[i]! > bv[i]!) return 1;
    }
    return a.run < b.run ? -1 : a.run > b.run ? 1 : 0;
  });
}

/** One table per dataset type (type, run, id, then the data ID), each after a blank line. */
export function datasetTables(refs: readonly DatasetRef[]): string {
  const byType = new Map<string, DatasetRef[]>();
  for (const ref of sortRefs(refs)) {
    const list = byType.get(ref.datasetType.name) ?? [];
    list.push(ref);
    byType.set(ref.datasetType.name, list);
  }
  let text = "";
  for (const group of byType.values()) {
    const columns = ["type", "run", "id", ...group[0]!.dataId.dimensions.dataCoordinateKeys];
    const rows = group.map((ref) => ({
      type: ref.datasetType.name,
      run: ref.run,
      id: ref.id,
      ...ref.dataId.toObject(),
    }));
    text += `\n${renderTable(rows, columns)}`;
  }
  return text;
}
