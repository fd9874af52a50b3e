/**
 * `butler query-data-ids REPO [DIMENSIONS…]`: the data IDs of the dimensions that match `--where` and,
 * with `--datasets`, have datasets of those types in `--collections`. Without dimensions, those common to
 * every dataset type named are used, as daf_butler does.
 */
import type { Command } from "commander";
import type { DataCoordinate, DatasetType, DimensionGroup } from "../../core/index.ts";
import { InvalidArgumentError } from "../../errors/index.ts";
import type { OutputFormat, Row } from "../output.ts";
import {
  addFormatOption,
  addLimitOption,
  applyLimit,
  BIND_HELP,
  COLLECTIONS_HELP,
  collectBind,
  explained,
  ORDER_BY_HELP,
  parseInteger,
  printNoResults,
  printRows,
  queryLimit,
  splitCommas,
  WHERE_HELP,
  whereOf,
  withAnyButler,
} from "../repo-command.ts";

interface Options {
  collections?: string[];
  datasets?: string[];
  where?: string;
  bind?: Record<string, unknown>;
  orderBy?: string[];
  limit: number;
  offset?: number;
  format: OutputFormat;
}

export function register(program: Command): void {
  const command = program
    .command("query-data-ids")
    .description("List the data IDs in a repository.")
    .argument("<repo>", "repository directory or its butler.yaml")
    .argument(
      "[dimensions...]",
      "the keys of the data IDs to yield, such as exposure, instrument or tract (their dependencies are added)",
    )
    .option("--collections <collections>", `${COLLECTIONS_HELP}; only with --datasets`, splitCommas)
    .option(
      "--datasets <types>",
      "dataset types (names or globs) whose datasets must exist in --collections for a data ID to be listed",
      splitCommas,
    )
    .option("--where <expression>", WHERE_HELP)
    .option("--bind <name=value>", BIND_HELP, collectBind)
    .option("--order-by <names>", ORDER_BY_HELP, splitCommas);
  addLimitOption(command).option("--offset <n>", "skip this many results first (with --limit)", parseInteger);
  addFormatOption(command).action(async (repo: string, dimensions: string[], options: Options) => {
    const datasets = options.datasets ?? [];
    if (options.collections?.length && datasets.length === 0) {
      throw new InvalidArgumentError("--collections may only be used with --datasets");
    }
    await withAnyButler(repo, {}, async (butler) => {
      const registry = butler.registry;
      const types = datasets.length > 0 ? await registry.queryDatasetTypes(datasets) : [];
      if (datasets.length > 0 && types.length === 0) {
        printNoResults(options.format, dimensions, [`no dataset type matches ${datasets.join(", ")}`]);
        return;
      }
      let group: DimensionGroup | string[] = dimensions;
      if (dimensions.length === 0) {
        if (types.length === 0) {
          printNoResults(
            options.format,
            [],
            [],
            "No results. Try requesting some dimensions or datasets, see --help for more information.",
          );
          return;
        }
        const common = commonDimensions(types);
        if (common.isEmpty) {
          printNoResults(
            options.format,
            [],
            [`No dimensions in common for specified dataset types (${types.map((t) => t.name).join(", ")})`],
          );
          return;
        }
        group = common;
      }
      const limit = queryLimit(options.limit);
      const { results, reasons } = await explained(() =>
        registry.queryDataIds(group, {
          ...whereOf(options),
          ...(types.length > 0
            ? { datasets: types, collections: options.collections?.length ? options.collections : "*" }
            : {}),
          ...(options.orderBy?.length ? { orderBy: options.orderBy } : {}),
          ...(limit === undefined ? {} : { limit }),
          ...(options.offset ? { offset: options.offset } : {}),
          explain: true,
        }),
      );
      const dataIds = applyLimit(results, options.limit);
      // Required then implied dimensions, as daf_butler's table has them.
      const columns = [...(dataIds[0]?.dimensions ?? registry.universe.conform(group)).dataCoordinateKeys];
      if (!options.orderBy?.length) dataIds.sort(compareDataIds);
      printRows(dataIds.map(rowOf), columns, options.format, reasons);
    });
  });
}

function commonDimensions(types: readonly DatasetType[]): DimensionGroup {
  return types.slice(1).reduce((group, t) => group.intersection(t.dimensions), types[0]!.dimensions);
}

function rowOf(dataId: DataCoordinate): Row {
  return dataId.toObject();
}

function compareDataIds(a: DataCoordinate, b: DataCoordinate): number {
  const av = a.fullValues ?? a.requiredValues;
  const bv = b.fullValues ?? b.requiredValues;
  for (let i = 0; i < Math.min(av.length, bv.length); i++) {
    if (av[i]! < bv[i]!) return -1;
    if (av[i]! > bv[i]!) return 1;
  }
  return 0;
}
