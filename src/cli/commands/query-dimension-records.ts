/**
 * `butler query-dimension-records REPO ELEMENT`: the records of one dimension element matching `--where`
 * and, with `--datasets`, having datasets in `--collections`. A timespan is shown as its two bounds
 * (`datetime_begin`, `datetime_end`, TAI), the names export files and insert-dimension-records use.
 */
import type { Command } from "commander";
import { type DimensionRecord, Timespan } from "../../core/index.ts";
import { InvalidArgumentError } from "../../errors/index.ts";
import type { OutputFormat, Row } from "../output.ts";
import {
  addFormatOption,
  addLimitOption,
  applyLimit,
  BIND_HELP,
  COLLECTIONS_HELP,
  cellOf,
  collectBind,
  explained,
  ORDER_BY_HELP,
  parseInteger,
  printRows,
  queryLimit,
  splitCommas,
  timeCell,
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
  check?: boolean;
  format: OutputFormat;
}

export function register(program: Command): void {
  const command = program
    .command("query-dimension-records")
    .description("Query for dimension information.")
    .argument("<repo>", "repository directory or its butler.yaml")
    .argument("<element>", "the dimension element to list records of, such as detector, visit or exposure")
    .option(
      "--datasets <types>",
      "dataset types (names or globs) whose datasets must exist in --collections for a record to be listed",
      splitCommas,
    )
    .option("--collections <collections>", `${COLLECTIONS_HELP}; only with --datasets`, splitCommas)
    .option("--where <expression>", WHERE_HELP)
    .option("--bind <name=value>", BIND_HELP, collectBind)
    .option("--order-by <names>", ORDER_BY_HELP, splitCommas);
  addLimitOption(command)
    .option("--offset <n>", "skip this many results first (with --limit)", parseInteger)
    .option("--no-check", "accepted for compatibility with daf_butler; it has no effect");
  addFormatOption(command).action(async (repo: string, element: string, options: Options) => {
    const datasets = options.datasets ?? [];
    if (options.collections?.length && datasets.length === 0) {
      throw new InvalidArgumentError("--collections may only be used with --datasets");
    }
    if (options.check === false) {
      process.stderr.write("butler: warning: --no-check has no effect\n");
    }
    await withAnyButler(repo, {}, async (butler) => {
      const registry = butler.registry;
      const target = registry.universe.getElement(element);
      const limit = queryLimit(options.limit);
      const { results, reasons } = await explained(() =>
        registry.queryDimensionRecords(target, {
          ...whereOf(options),
          ...(datasets.length > 0
            ? { datasets, collections: options.collections?.length ? options.collections : "*" }
            : {}),
          ...(options.orderBy?.length ? { orderBy: options.orderBy } : {}),
          ...(limit === undefined ? {} : { limit }),
          ...(options.offset ? { offset: options.offset } : {}),
          explain: true,
        }),
      );
      const records = applyLimit(results, options.limit);
      const columns = target.recordFields.flatMap((f) =>
        f.type === "timespan" ? ["datetime_begin", "datetime_end"] : [f.name],
      );
      const keys = target.recordFields
        .filter((f) => f.role === "required" || f.role === "key")
        .map((f) => f.name);
      if (!options.orderBy?.length) records.sort((a, b) => compareKeys(a, b, keys));
      printRows(
        records.map((r) => rowOf(r, options.format)),
        columns,
        options.format,
        reasons,
      );
    });
  });
}

function rowOf(record: DimensionRecord, format: OutputFormat): Row {
  const row: Row = {};
  for (const [name, value] of Object.entries(record)) {
    if (value instanceof Timespan) {
      row["datetime_begin"] = timeCell(value.begin);
      row["datetime_end"] = timeCell(value.end);
    } else if (name === "timespan") {
      row["datetime_begin"] = null;
      row["datetime_end"] = null;
    } else row[name] = cellOf(value, format);
  }
  return row;
}

/** Sorts by the record's data ID (its key fields), as daf_butler does when no order is given. */
function compareKeys(a: DimensionRecord, b: DimensionRecord, keys: readonly string[]): number {
  for (const key of keys) {
    const x = a[key] as string | number;
    const y = b[key] as string | number;
    if (x < y) return -1;
    if (x > y) return 1;
  }
  return 0;
}
