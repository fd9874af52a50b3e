/**
 * `butler scan-metadata REPO DATASET_TYPE --collections … --keys EXPTIME,FILTER`: one row per dataset
 * with its data ID and the requested header keys (or fields of another component). The refs come from
 * one find-first query; only each dataset's component bytes are read, several at a time. Header keys
 * indexed in the registry come from it instead, with no file read (see `../header-scan.ts`).
 */
import type { Command } from "commander";
import type { AnyButler } from "../../client/open.ts";
import type { DatasetType } from "../../core/index.ts";
import { didYouMean } from "../../did-you-mean.ts";
import { InvalidArgumentError } from "../../errors/index.ts";
import { parseHeaderKey } from "../../fits/header-key.ts";
import { componentOfExposureKey } from "../../image/afw-layout.ts";
import { componentValue, defaultKeys, printable } from "../component-values.ts";
import { scanFromIndex } from "../header-scan.ts";
import type { OutputFormat, Row } from "../output.ts";
import { progressBar } from "../progress.ts";
import {
  addFormatOption,
  addLimitOption,
  applyLimit,
  BIND_HELP,
  COLLECTIONS_HELP,
  collectBind,
  ORDER_BY_HELP,
  parseInteger,
  printRows,
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
  keys?: string[];
  component: string;
  concurrency: number;
  orderBy?: string[];
  limit: number;
  strict?: boolean;
  format: OutputFormat;
}

/** A scan's table before it is printed. */
interface Scanned {
  readonly rows: Row[];
  readonly columns: readonly string[];
  /** Keys the data had, to suggest from when an asked key is in none of them. */
  readonly seenKeys: readonly string[];
  /** For tables, printed under them; for scripts, on stderr. */
  readonly note?: string;
}

export function register(program: Command): void {
  const command = program
    .command("scan-metadata")
    .description(
      "Read one component (the header by default) of every matching dataset and tabulate chosen keys.",
    )
    .argument("<repo>", "repository directory or its butler.yaml")
    .argument("<dataset-type>", "the dataset type to scan, e.g. calexp")
    .option("--collections <collections>", COLLECTIONS_HELP, splitCommas)
    .option("--where <expression>", WHERE_HELP)
    .option("--bind <name=value>", BIND_HELP, collectBind)
    .option(
      "--keys <keys>",
      "header keys (metadata) or fields (other components) to show, comma-separated",
      splitCommas,
    )
    .option("--component <name>", "the component to read: metadata, visitInfo, wcs, …", "metadata")
    .option("--strict", "a key found in no dataset is an error, not a warning")
    .option("--order-by <names>", ORDER_BY_HELP, splitCommas)
    .option("--concurrency <n>", "reads in flight at once", parseInteger, 16);
  addLimitOption(command, 0);
  addFormatOption(command).action(async (repo: string, datasetType: string, options: Options) => {
    if (options.concurrency < 1) throw new InvalidArgumentError("--concurrency must be at least 1");
    await withAnyButler(repo, {}, async (butler) => {
      const collections = options.collections ?? butler.collections;
      if (collections.length === 0) {
        throw new InvalidArgumentError("scan-metadata needs --collections (this repository has no default)");
      }
      const type = await butler.registry.getDatasetType(datasetType);
      const orderBy = options.orderBy ?? [...type.dimensions.required];
      const limit = queryLimit(options.limit);
      const indexed =
        options.component === "metadata"
          ? await scanFromIndex(butler, datasetType, {
              collections,
              keys: options.keys,
              orderBy,
              ...(limit === undefined ? {} : { limit }),
              concurrency: options.concurrency,
              format: options.format,
              ...whereOf(options),
            })
          : undefined;
      const scanned: Scanned =
        indexed !== undefined
          ? {
              rows: indexed.rows,
              columns: indexed.columns,
              seenKeys: indexed.indexedKeys,
              note: indexed.note,
            }
          : await scanFiles(butler, type, collections, orderBy, limit, options);
      const rows = applyLimit(scanned.rows, options.limit);
      if (options.keys !== undefined && rows.length > 0)
        reportAbsentKeys(type, rows, scanned.seenKeys, options);
      printRows(rows, scanned.columns, options.format, [
        `no ${datasetType} datasets in ${collections.join(", ")} match`,
      ]);
      // Under a table for people; on stderr for scripts, so JSON and CSV stay parseable.
      if (scanned.note !== undefined)
        (options.format === "table" ? process.stdout : process.stderr).write(scanned.note);
    });
  });
}

/** Reads the component of each dataset, several at a time. */
async function scanFiles(
  butler: AnyButler,
  type: DatasetType,
  collections: readonly string[],
  orderBy: readonly string[],
  limit: number | undefined,
  options: Options,
): Promise<Scanned> {
  const refs = await butler.registry.queryDatasets(type, {
    collections,
    findFirst: true,
    ...whereOf(options),
    orderBy,
    ...(limit === undefined ? {} : { limit }),
  });
  const dims = [...type.dimensions.required];
  const bar = progressBar(`reading ${options.component}`);
  let done = 0;
  // One bulk read: the records in one lookup, the files `concurrency` at a time.
  const objects = await butler.getMany(
    refs.map((ref) => butler.componentRef(ref, options.component)),
    { concurrency: options.concurrency, onRead: () => bar.update(++done, refs.length) },
  );
  bar.done();
  const seenKeys = objects.length > 0 ? defaultKeys(objects[0]) : [];
  const keys = options.keys ?? seenKeys;
  const rows: Row[] = refs.map((ref, i) => {
    const row: Row = {};
    for (const d of dims) row[d] = ref.dataId.get(d) as Row[string];
    for (const key of keys) row[key] = printable(componentValue(objects[i], key));
    return row;
  });
  return { rows, columns: [...dims, ...keys], seenKeys };
}

/**
 * A key no scanned dataset has is a warning (an error with --strict) that names it and, for an afw
 * Exposure's header, the component the key went into (EXPTIME → visitInfo.exposureTime).
 */
function reportAbsentKeys(
  type: DatasetType,
  rows: readonly Row[],
  seenKeys: readonly string[],
  options: Options,
): void {
  const exposure = options.component === "metadata" && type.storageClass.startsWith("Exposure");
  for (const key of options.keys ?? []) {
    const column = rows[0]![key] !== undefined ? key : parseHeaderKey(key).name;
    if (rows.some((row) => row[column] !== null && row[column] !== undefined && row[column] !== "")) continue;
    const went = exposure ? componentOfExposureKey(key) : undefined;
    const [component, field] = went?.split(".", 2) ?? [];
    const hint =
      went !== undefined
        ? `; the ${type.storageClass} reader moves it into ${went}` +
          (field !== undefined
            ? ` (scan it with --component ${component} --keys ${field})`
            : ` (scan --component ${component})`)
        : didYouMean(key, seenKeys);
    const message = `no ${type.name} dataset scanned has ${options.component === "metadata" ? "header key" : "field"} '${key}'${hint}`;
    if (options.strict) throw new InvalidArgumentError(message);
    process.stderr.write(`butler: warning: ${message}\n`);
  }
}
