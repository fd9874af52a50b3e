/**
 * `butler scan-metadata REPO DATASET_TYPE --collections … --keys EXPTIME,FILTER`: one row per dataset
 * with its data ID and the requested header keys (or fields of another component). The refs come from
 * one find-first query; only each dataset's component bytes are read, several at a time. Header keys
 * indexed in the registry come from it instead, with no file read (see `../header-scan.ts`).
 */
import type { Command } from "commander";
import { mapConcurrent } from "../../butler/index.ts";
import { InvalidArgumentError } from "../../errors.ts";
import { componentValue, defaultKeys, printable } from "../component-values.ts";
import { scanFromIndex } from "../header-scan.ts";
import type { OutputFormat, Row } from "../output.ts";
import { progressBar } from "../progress.ts";
import {
  addFormatOption,
  BIND_HELP,
  COLLECTIONS_HELP,
  collectBind,
  parseInteger,
  printRows,
  splitCommas,
  WHERE_HELP,
  whereOf,
  withButler,
} from "../repo-command.ts";

interface Options {
  collections?: string[];
  where?: string;
  bind?: Record<string, unknown>;
  keys?: string[];
  component: string;
  concurrency: number;
  format: OutputFormat;
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
    .option("--concurrency <n>", "reads in flight at once", parseInteger, 16);
  addFormatOption(command).action(async (repo: string, datasetType: string, options: Options) => {
    if (options.concurrency < 1) throw new InvalidArgumentError("--concurrency must be at least 1");
    await withButler(repo, {}, async (butler) => {
      const collections = options.collections ?? butler.collections;
      if (collections.length === 0) {
        throw new InvalidArgumentError("scan-metadata needs --collections (this repository has no default)");
      }
      if (
        options.component === "metadata" &&
        (await scanFromIndex(butler, datasetType, {
          collections,
          keys: options.keys,
          concurrency: options.concurrency,
          format: options.format,
          ...whereOf(options),
        }))
      ) {
        return;
      }
      const type = await butler.registry.getDatasetType(datasetType);
      const refs = await butler.registry.queryDatasets(type, {
        collections,
        findFirst: true,
        ...whereOf(options),
        orderBy: type.dimensions.required,
      });
      const dims = [...type.dimensions.required];
      if (refs.length === 0) {
        printRows([], dims, options.format, [
          `no ${datasetType} datasets in ${collections.join(", ")} match`,
        ]);
        return;
      }
      const bar = progressBar(`reading ${options.component}`);
      let done = 0;
      const objects = await mapConcurrent(refs, options.concurrency, async (ref) => {
        const value = await butler.get(butler.componentRef(ref, options.component));
        bar.update(++done, refs.length);
        return value;
      });
      bar.done();
      const keys = options.keys ?? defaultKeys(objects[0]);
      const rows: Row[] = refs.map((ref, i) => {
        const row: Row = {};
        for (const d of dims) row[d] = ref.dataId.get(d) as Row[string];
        for (const key of keys) row[key] = printable(componentValue(objects[i], key));
        return row;
      });
      printRows(rows, [...dims, ...keys], options.format);
    });
  });
}
