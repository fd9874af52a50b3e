/**
 * `butler insert-dimension-records REPO FILE`: inserts dimension records from a file, so an instrument,
 * its detectors, filters and visits can be described without code. FILE is YAML, either
 *
 *     instrument:
 *       - {name: MyCam, detector_max: 4, visit_max: 99999, exposure_max: 99999, visit_system: 0}
 *     detector:
 *       - {instrument: MyCam, id: 1, full_name: S00, purpose: SCIENCE}
 *
 * (or a list of `{element, records}`, or a daf_butler export file, whose dimension records are used), or
 * CSV with a header row of field names and `--element`. A timespan is given as `datetime_begin` and
 * `datetime_end` (TAI ISO times, or YAML timestamps, read as UTC). Records go in dependency order in one
 * transaction: all or none.
 */
import { readFile } from "node:fs/promises";
import type { Command } from "commander";
import { type DimensionElement, Timespan } from "../../core/index.ts";
import { InvalidArgumentError } from "../../errors/index.ts";
import { loadExportYaml, parseExport } from "../../registry/interchange/index.ts";
import { timeFromIso } from "../../time/index.ts";
import { withButler } from "../repo-command.ts";

interface Options {
  element?: string;
  skipExisting?: boolean;
  replace?: boolean;
}

type RawRecords = Map<string, Record<string, unknown>[]>;

export function register(program: Command): void {
  program
    .command("insert-dimension-records")
    .description(
      "Insert dimension records (an instrument, its detectors, filters, …) from a YAML or CSV file.",
    )
    .argument("<repo>", "repository directory or its butler.yaml")
    .argument("<file>", "YAML mapping of element name to a list of records, or CSV (with --element)")
    .option("--element <element>", "the element of every record of a CSV file (e.g. detector)")
    .option("--skip-existing", "leave records whose key is already in the repository as they are")
    .option("--replace", "overwrite records whose key is already in the repository")
    .action(async (repo: string, file: string, options: Options) => {
      if (options.skipExisting && options.replace) {
        throw new InvalidArgumentError("--skip-existing and --replace cannot be used together");
      }
      const text = await readFile(file, "utf8");
      const csv = options.element !== undefined || /\.csv$/i.test(file);
      if (csv && options.element === undefined) {
        throw new InvalidArgumentError("a CSV file needs --element: the element its records belong to");
      }
      await withButler(repo, { writeable: true }, async (butler) => {
        const registry = butler.registry;
        const universe = registry.universe;
        const raw = csv ? parseCsvRecords(text, options.element!) : parseYamlRecords(text);
        const elements = universe.sorted(raw.keys()).map((name) => universe.getElement(name));
        await registry.transaction(async () => {
          for (const element of elements) {
            const records = raw
              .get(element.name)!
              .map((r, i) => conform(element, r, `${element.name}[${i}]`));
            await registry.insertDimensionData(element, records, {
              ...(options.skipExisting ? { skipExisting: true } : {}),
              ...(options.replace ? { replace: true } : {}),
            });
          }
        });
        for (const element of elements) {
          const n = raw.get(element.name)!.length;
          const verb = options.skipExisting
            ? "Inserted or kept"
            : options.replace
              ? "Inserted or replaced"
              : "Inserted";
          process.stdout.write(`${verb} ${n} ${element.name} record${n === 1 ? "" : "s"}.\n`);
        }
      });
    });
}

function isMapping(value: unknown): value is Record<string, unknown> {
  return (
    value !== null && typeof value === "object" && !Array.isArray(value) && !(value instanceof Uint8Array)
  );
}

function add(out: RawRecords, element: unknown, records: unknown, where: string): void {
  if (typeof element !== "string")
    throw new InvalidArgumentError(`${where}: the element name must be a string`);
  if (!Array.isArray(records) || !records.every(isMapping)) {
    throw new InvalidArgumentError(`${where}: the records of ${element} must be a list of mappings`);
  }
  out.set(element, [...(out.get(element) ?? []), ...records]);
}

function parseYamlRecords(text: string): RawRecords {
  const root = loadExportYaml(text);
  const out: RawRecords = new Map();
  if (isMapping(root) && "data" in root && "version" in root) {
    // A daf_butler export file: its dimension items, with timespans already combined.
    for (const item of parseExport(text).items) {
      if (item.kind === "dimension") add(out, item.element, item.records, "export file");
    }
  } else if (isMapping(root)) {
    for (const [element, records] of Object.entries(root)) add(out, element, records, element);
  } else if (Array.isArray(root)) {
    root.forEach((item, i) => {
      if (!isMapping(item)) throw new InvalidArgumentError(`item ${i}: expected {element, records}`);
      add(out, item["element"], item["records"], `item ${i}`);
    });
  } else {
    throw new InvalidArgumentError(
      "the file must be a YAML mapping of element names to lists of records, or a list of {element, records}",
    );
  }
  if (out.size === 0) throw new InvalidArgumentError("the file has no dimension records");
  return out;
}

/** A small CSV reader: a header row, quoted fields with "" escapes, empty fields as absent. */
function parseCsvRecords(text: string, element: string): RawRecords {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ",") {
      row.push(field);
      field = "";
    } else if (ch === "\n" || ch === "\r") {
      if (ch === "\r" && text[i + 1] === "\n") i++;
      row.push(field);
      if (row.some((f) => f !== "")) rows.push(row);
      row = [];
      field = "";
    } else field += ch;
  }
  row.push(field);
  if (row.some((f) => f !== "")) rows.push(row);
  const [header, ...body] = rows;
  if (header === undefined) throw new InvalidArgumentError("the CSV file is empty");
  const names = header.map((h) => h.trim());
  const records = body.map((cells) =>
    Object.fromEntries(
      names.flatMap((name, i) => (cells[i] === undefined || cells[i] === "" ? [] : [[name, cells[i]]])),
    ),
  );
  return new Map([[element, records]]);
}

/** Values as the element's fields take them: text read from CSV or loosely typed YAML is converted. */
function conform(
  element: DimensionElement,
  raw: Record<string, unknown>,
  where: string,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  let begin: bigint | null | undefined;
  let end: bigint | null | undefined;
  for (const [name, value] of Object.entries(raw)) {
    if (name === "datetime_begin") begin = toTime(value, `${where}.${name}`);
    else if (name === "datetime_end") end = toTime(value, `${where}.${name}`);
    else {
      const field = element.recordFields.find((f) => f.name === name);
      // An unknown field is left for the registry, whose error lists the accepted ones.
      out[name] = field === undefined ? value : toFieldValue(field.type, value, `${where}.${name}`);
    }
  }
  if (begin !== undefined || end !== undefined) out["timespan"] = new Timespan(begin ?? null, end ?? null);
  return out;
}

function toTime(value: unknown, where: string): bigint | null {
  if (value === null || value === undefined) return null;
  if (typeof value === "bigint") return value;
  if (typeof value === "string") {
    try {
      return timeFromIso(value.trim(), "tai");
    } catch (err) {
      throw new InvalidArgumentError(`${where}: ${(err as Error).message}`);
    }
  }
  throw new InvalidArgumentError(`${where}: expected an ISO time (TAI), got ${String(value)}`);
}

function toFieldValue(type: string, value: unknown, where: string): unknown {
  if (value === null || value === undefined) return null;
  switch (type) {
    case "string":
      return typeof value === "number" || typeof value === "bigint" ? String(value) : value;
    case "int":
      if (typeof value === "string" && /^[+-]?\d+$/.test(value.trim())) return Number(value);
      return value;
    case "float":
      if (typeof value === "bigint") return Number(value);
      if (typeof value === "string" && value.trim() !== "" && Number.isFinite(Number(value)))
        return Number(value);
      return value;
    case "bool":
      if (typeof value === "string" && /^(true|false|yes|no|1|0)$/i.test(value.trim())) {
        return /^(true|yes|1)$/i.test(value.trim());
      }
      return value;
    case "region":
    case "timespan":
      if (typeof value === "string") {
        throw new InvalidArgumentError(
          `${where}: a ${type} cannot be given as text here; use a YAML export tag`,
        );
      }
      return value;
    default:
      return value;
  }
}
