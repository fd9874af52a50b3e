/**
 * `butler query-datasets REPO [GLOB…]`: datasets of the matching types in the collections, one table per
 * dataset type with its run, ID and data ID (and with `--show-uri`, the file), as daf_butler prints them.
 */
import type { Command } from "commander";
import type { AnyButler } from "../../client/open.ts";
import type { DatasetRef } from "../../core/index.ts";
import { InvalidArgumentError, isButlerError } from "../../errors/index.ts";
import { type OutputFormat, type Row, renderRows } from "../output.ts";
import {
  addFormatOption,
  addLimitOption,
  applyLimit,
  BIND_HELP,
  COLLECTIONS_HELP,
  collectBind,
  explained,
  ORDER_BY_HELP,
  printNoResults,
  queryLimit,
  splitCommas,
  WHERE_HELP,
  whereOf,
  withAnyButler,
} from "../repo-command.ts";

interface Options {
  collections?: string[];
  where?: string;
  bind?: Record<string, unknown>;
  findFirst?: boolean;
  showUri?: boolean;
  limit: number;
  orderBy?: string[];
  format: OutputFormat;
}

export function register(program: Command): void {
  const command = program
    .command("query-datasets")
    .description("List the datasets in a repository.")
    .argument("<repo>", "repository directory or its butler.yaml")
    .argument(
      "[glob...]",
      "glob-style expressions that fully or partially identify the dataset types to query",
    )
    .option("--collections <collections>", COLLECTIONS_HELP, splitCommas)
    .option("--where <expression>", WHERE_HELP)
    .option("--bind <name=value>", BIND_HELP, collectBind)
    .option(
      "--find-first",
      "only the first dataset of each data ID and type, in the order of --collections (names, no globs)",
    )
    .option("--no-find-first", "every dataset in the collections (the default)")
    .option("--show-uri", "show the URI of each dataset's file")
    .option("--order-by <names>", ORDER_BY_HELP, splitCommas);
  addLimitOption(command);
  addFormatOption(command).action(async (repo: string, globs: string[], options: Options) => {
    if (options.findFirst && !options.collections?.length) {
      throw new InvalidArgumentError(
        "--find-first needs --collections: the collections to search, in order, by name (no globs)",
      );
    }
    await withAnyButler(repo, {}, async (butler) => {
      const collections = options.collections?.length ? options.collections : "*";
      const limit = queryLimit(options.limit);
      const { results, reasons } = await explained(() =>
        butler.registry.queryDatasets(globs.length > 0 ? globs : "*", {
          collections,
          findFirst: options.findFirst === true,
          ...whereOf(options),
          ...(options.orderBy?.length ? { orderBy: options.orderBy } : {}),
          ...(limit === undefined ? {} : { limit }),
          explain: true,
        }),
      );
      const refs = applyLimit(results, options.limit);
      await printDatasets(butler, refs, options, reasons);
    });
  });
}

/** The table columns of a dataset type's rows: type, run, id, its data ID keys (required then implied). */
function columnsOf(ref: DatasetRef, showUri: boolean): string[] {
  return ["type", "run", "id", ...ref.dataId.dimensions.dataCoordinateKeys, ...(showUri ? ["uri"] : [])];
}

async function rowOf(butler: AnyButler, ref: DatasetRef, showUri: boolean): Promise<Row> {
  const row: Row = { type: ref.datasetType.name, run: ref.run, id: ref.id, ...ref.dataId.toObject() };
  if (showUri) row["uri"] = await uriOf(butler, ref);
  return row;
}

/** The dataset's file, or nothing for a dataset the registry knows but the datastore does not store. */
async function uriOf(butler: AnyButler, ref: DatasetRef): Promise<string | null> {
  try {
    return await butler.getURI(ref);
  } catch (err) {
    if (isButlerError(err, "DATASET_NOT_IN_DATASTORE", "DATASET_FILE_NOT_FOUND")) return null;
    throw err;
  }
}

/** Orders refs by run then data ID, as daf_butler sorts each table, unless --order-by gave an order. */
function compareRefs(a: DatasetRef, b: DatasetRef): number {
  const av = a.dataId.requiredValues;
  const bv = b.dataId.requiredValues;
  for (let i = 0; i < Math.min(av.length, bv.length); i++) {
    if (av[i]! < bv[i]!) return -1;
    if (av[i]! > bv[i]!) return 1;
  }
  return a.run < b.run ? -1 : a.run > b.run ? 1 : 0;
}

async function printDatasets(
  butler: AnyButler,
  refs: readonly DatasetRef[],
  options: Options,
  reasons: readonly string[],
): Promise<void> {
  const showUri = options.showUri === true;
  if (refs.length === 0) {
    printNoResults(options.format, ["type", "run", "id"], reasons);
    return;
  }
  const byType = new Map<string, DatasetRef[]>();
  for (const ref of refs) {
    const list = byType.get(ref.datasetType.name) ?? [];
    list.push(ref);
    byType.set(ref.datasetType.name, list);
  }
  const ordered = options.orderBy?.length ? null : compareRefs;
  const groups = [...byType.keys()].sort().map((name) => {
    const list = byType.get(name)!;
    return ordered === null ? list : [...list].sort(ordered);
  });
  if (options.format === "table") {
    // One table per dataset type, blank lines around each, as daf_butler prints them.
    for (const group of groups) {
      const rows = await Promise.all(group.map((ref) => rowOf(butler, ref, showUri)));
      process.stdout.write(`\n${renderRows(rows, columnsOf(group[0]!, showUri), "table")}`);
    }
    process.stdout.write("\n");
    return;
  }
  // Scripts get one list; csv takes every type's columns, in first-seen order, json each type's own.
  const flat = groups.flat();
  const rows = await Promise.all(flat.map((ref) => rowOf(butler, ref, showUri)));
  if (options.format === "json") {
    const objects = rows.map((row, i) =>
      Object.fromEntries(columnsOf(flat[i]!, showUri).map((c) => [c, row[c] ?? null])),
    );
    process.stdout.write(`${JSON.stringify(objects, null, 2)}\n`);
    return;
  }
  const columns: string[] = [];
  for (const group of groups) {
    for (const column of columnsOf(group[0]!, false)) if (!columns.includes(column)) columns.push(column);
  }
  if (showUri) columns.push("uri");
  process.stdout.write(renderRows(rows, columns, options.format));
}
