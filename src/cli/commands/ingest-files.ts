/**
 * `butler ingest-files REPO DATASET_TYPE RUN TABLE_FILE`: ingests the files a CSV table lists, as
 * daf_butler's ingest-files. The table's first column is each file's path or `file://` URI (relative
 * paths are taken from `--prefix`, else the working directory); the other columns, named by dimension,
 * give its data ID, and `--data-id` gives values common to every row (overriding the table's). The
 * dataset type must exist; the dimension records must too. All files go in one transaction.
 */
import { readFile } from "node:fs/promises";
import { isAbsolute, resolve } from "node:path";
import type { Command } from "commander";
import type { FileDatasetInput, GetManyItem, TransferMode } from "../../butler/index.ts";
import { DatasetIdGenEnum, DatasetRef, type DatasetType, type DimensionUniverse } from "../../core/index.ts";
import { InvalidArgumentError } from "../../errors/index.ts";
import type { Registry } from "../../registry/index.ts";
import { addTransferOption } from "../dataset-selection.ts";
import { progressBar } from "../progress.ts";
import { choiceParser, splitCommas, withButler } from "../repo-command.ts";

const ID_MODES = ["UNIQUE", "DATAID_TYPE", "DATAID_TYPE_RUN"] as const;
type IdMode = (typeof ID_MODES)[number];

interface Options {
  formatter?: string;
  idGenerationMode: IdMode;
  dataId?: string[];
  prefix?: string;
  transfer: TransferMode;
}

type DataIdValues = Record<string, string | number>;

export function register(program: Command): void {
  const command = program
    .command("ingest-files")
    .description("Ingest files listed in a table (CSV: the file, then its data ID values).")
    .argument("<repo>", "repository directory or its butler.yaml")
    .argument("<dataset-type>", "the dataset type of the files; it must already be registered")
    .argument("<run>", "the RUN collection to ingest into (made if missing)")
    .argument(
      "<table-file>",
      "CSV file with a header row: the first column is the file path or URI, the others are dimensions",
    )
    .option(
      "--formatter <name>",
      "formatter to read the files with (ours or daf_butler's class name); the configured one when absent",
    )
    .option(
      "--id-generation-mode <mode>",
      "how dataset IDs are made: UNIQUE (random, the default), DATAID_TYPE (from the data ID and dataset type) " +
        "or DATAID_TYPE_RUN (from the data ID, dataset type and run, e.g. for raws ingested in several repositories)",
      choiceParser(ID_MODES),
      "UNIQUE",
    )
    .option(
      "--data-id <key=value>",
      "a data ID value common to every file, overriding the table's column (repeatable or comma-separated)",
      splitCommas,
    )
    .option(
      "--prefix <dir>",
      "directory relative paths in the table are taken from (default: working directory)",
    );
  addTransferOption(command).action(
    async (repo: string, datasetTypeName: string, run: string, tableFile: string, options: Options) => {
      const text = await readFile(tableFile, "utf8");
      await withButler(repo, { run, writeable: true }, async (butler) => {
        const registry = butler.registry;
        const datasetType = await registry.getDatasetType(datasetTypeName);
        const common = parseDataIdOptions(options.dataId ?? [], registry.universe);
        const rows = parseTable(text, tableFile, registry.universe);
        const prefix = resolve(options.prefix ?? process.cwd());
        const mode = DatasetIdGenEnum.fromName(options.idGenerationMode);
        const datasets: FileDatasetInput[] = [];
        const seen = new Map<string, number>();
        const bar = progressBar("preparing datasets");
        for (const [i, row] of rows.entries()) {
          const path =
            /^[a-z][a-z0-9+.-]*:/i.test(row.file) || isAbsolute(row.file)
              ? row.file
              : resolve(prefix, row.file);
          const previous = seen.get(path);
          if (previous !== undefined) {
            throw new InvalidArgumentError(
              `${tableFile}: ${row.file} is listed on rows ${previous} and ${i + 1}; a file holds exactly one dataset here`,
            );
          }
          seen.set(path, i + 1);
          const item = await refOf(butler.registry, datasetType, { ...row.dataId, ...common }, run, mode);
          datasets.push({
            path,
            refs: item,
            ...(options.formatter === undefined || options.formatter === ""
              ? {}
              : { formatter: options.formatter }),
          });
          bar.update(i + 1, rows.length);
        }
        bar.done();
        if (datasets.length === 0) {
          process.stdout.write(`${tableFile} lists no files; nothing was ingested.\n`);
          return;
        }
        const refs = await butler.ingest(datasets, { transfer: options.transfer, run });
        process.stdout.write(`Ingested ${refs.length} ${datasetTypeName} dataset(s) into run ${run}.\n`);
      });
    },
  );
}

/**
 * The dataset to ingest: a dataset type and data ID for unique IDs (the butler checks the run has no
 * dataset with that data ID), or a ref with an ID made from the data ID for the reproducible modes.
 */
async function refOf(
  registry: Registry,
  datasetType: DatasetType,
  dataId: DataIdValues,
  run: string,
  mode: DatasetIdGenEnum,
): Promise<GetManyItem> {
  if (mode === DatasetIdGenEnum.UNIQUE) return { datasetType, dataId };
  const expanded = await registry.expandDataId(dataId, { dimensions: datasetType.dimensions });
  return new DatasetRef(datasetType, expanded, run, { idGenerationMode: mode });
}

/** A value as its dimension's key type: integers for integer keys, strings otherwise. */
function typedValue(universe: DimensionUniverse, key: string, raw: string, where: string): string | number {
  if (!universe.hasDimension(key)) {
    throw new InvalidArgumentError(`${where}: data ID dimension '${key}' is not known to this universe`);
  }
  const type = universe.getDimension(key).primaryKey?.type;
  if (type !== "int") return raw;
  if (!/^[+-]?\d+$/.test(raw.trim())) {
    throw new InvalidArgumentError(`${where}: ${key} takes an integer, not '${raw}'`);
  }
  return Number(raw);
}

/** `--data-id key=value` options as a data ID. */
function parseDataIdOptions(values: readonly string[], universe: DimensionUniverse): DataIdValues {
  const dataId: DataIdValues = {};
  for (const value of values) {
    const at = value.indexOf("=");
    if (at <= 0 || value.indexOf("=", at + 1) !== -1) {
      throw new InvalidArgumentError(`--data-id takes KEY=VALUE, got '${value}'`);
    }
    const key = value.slice(0, at).trim();
    dataId[key] = typedValue(universe, key, value.slice(at + 1).trim(), "--data-id");
  }
  return dataId;
}

/** The rows of the CSV table: the file of each, and its data ID values. */
function parseTable(
  text: string,
  tableFile: string,
  universe: DimensionUniverse,
): { file: string; dataId: DataIdValues }[] {
  const records = parseCsv(text).filter(
    (r) => !(r.length === 1 && r[0]!.trim() === "") && !r[0]!.trimStart().startsWith("#"),
  );
  const header = records.shift();
  if (header === undefined) throw new InvalidArgumentError(`${tableFile} is empty: it needs a header row`);
  const columns = header.map((c) => c.trim());
  const keys = columns.slice(1);
  return records.map((record, i) => {
    const where = `${tableFile} row ${i + 1}`;
    if (record.length !== columns.length) {
      throw new InvalidArgumentError(
        `${where} has ${record.length} values; the header has ${columns.length} columns`,
      );
    }
    const file = record[0]!.trim();
    if (file === "") throw new InvalidArgumentError(`${where} has no file`);
    const dataId: DataIdValues = {};
    keys.forEach((key, j) => {
      dataId[key] = typedValue(universe, key, record[j + 1]!.trim(), where);
    });
    return { file, dataId };
  });
}

/** RFC 4180 CSV: commas between fields, double quotes around fields holding commas, quotes or newlines. */
export function parseCsv(text: string): string[][] {
  const records: string[][] = [];
  let record: string[] = [];
  let field = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i++;
        } else quoted = false;
      } else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ",") {
      record.push(field);
      field = "";
    } else if (ch === "\n" || ch === "\r") {
      if (ch === "\r" && text[i + 1] === "\n") i++;
      record.push(field);
      records.push(record);
      record = [];
      field = "";
    } else field += ch;
  }
  if (field !== "" || record.length > 0) {
    record.push(field);
    records.push(record);
  }
  return records;
}
