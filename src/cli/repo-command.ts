/**
 * What the repository subcommands share: opening the butler for one command and always closing it,
 * daf_butler's common options (`--collections`, `--where`, `--limit`, …) with its parsing rules, and
 * printing query results (or a note saying why there are none) in the chosen format.
 */
import { type Command, InvalidArgumentError as CommanderArgumentError, Option } from "commander";
import { Butler, type ButlerOpenOptions } from "../butler/index.ts";
import { type AnyButler, isServerUrl, openButler } from "../client/open.ts";
import { EmptyQueryResultError, InvalidArgumentError } from "../errors/index.ts";
import { isRegion, regionHex } from "../registry/interchange/index.ts";
import { formatIsoTime } from "../time/index.ts";
import { type OutputFormat, parseFormat, type Row, renderRows } from "./output.ts";

/**
 * Opens the repository itself (a directory or its butler.yaml), runs `fn`, and closes the butler
 * whatever happens. A server URL is refused: the command needs what only direct access gives.
 */
export async function withButler<T>(
  repo: string,
  options: ButlerOpenOptions,
  fn: (butler: Butler) => Promise<T>,
): Promise<T> {
  if (isServerUrl(repo)) {
    throw new InvalidArgumentError(
      `this command needs the repository itself (a directory or its butler.yaml), not a server URL (${repo}); ` +
        "through a server: query-datasets, query-data-ids, query-dimension-records, query-collections, " +
        "query-dataset-types, get, scan-metadata and retrieve-artifacts",
    );
  }
  const butler = await Butler.open(repo, options);
  try {
    return await fn(butler);
  } finally {
    await butler.close();
  }
}

/**
 * Opens a repository or a butler server's repository URL (token from BUTLER_TOKEN or the tokens file),
 * runs `fn`, and closes the butler whatever happens.
 */
export async function withAnyButler<T>(
  repo: string,
  options: ButlerOpenOptions,
  fn: (butler: AnyButler) => Promise<T>,
): Promise<T> {
  const butler = await openButler(repo, options);
  try {
    return await fn(butler);
  } finally {
    await butler.close();
  }
}

/** Collects a repeatable option whose values may also be comma-separated, as daf_butler's split_commas. */
export function splitCommas(value: string, previous: string[] | undefined): string[] {
  return [
    ...(previous ?? []),
    ...value
      .split(",")
      .map((s) => s.trim())
      .filter((s) => s !== ""),
  ];
}

/** Parses an integer option value; anything else is a usage error. */
export function parseInteger(value: string): number {
  if (!/^[+-]?\d+$/.test(value.trim())) throw new CommanderArgumentError(`'${value}' is not an integer.`);
  return Number(value);
}

/** Parses a value case-insensitively against a list of choices (daf_butler's `case_sensitive=False`). */
export function choiceParser<T extends string>(choices: readonly T[]): (value: string) => T {
  return (value) => {
    const found = choices.find((c) => c.toLowerCase() === value.toLowerCase());
    if (found === undefined) {
      throw new CommanderArgumentError(`'${value}' is not one of ${choices.join(", ")}.`);
    }
    return found;
  };
}

/** Adds `--format table|json|csv`. */
export function addFormatOption(command: Command): Command {
  return command.addOption(
    new Option("--format <format>", "output format: table, json or csv")
      .default("table")
      .argParser((value) => {
        try {
          return parseFormat(value);
        } catch (err) {
          throw new CommanderArgumentError((err as Error).message);
        }
      }),
  );
}

export const COLLECTIONS_HELP =
  "collections to search (names or globs; repeatable or comma-separated); all collections when absent";
export const WHERE_HELP =
  "a string expression similar to a SQL WHERE clause, e.g. \"instrument = 'HSC' AND visit > 903334\"";
export const ORDER_BY_HELP =
  "dimension names or record fields to sort by (repeatable or comma-separated); '-' before a name sorts descending";

/** daf_butler's `--limit`: 0 is no limit, a negative N shows at most |N| rows and warns when there were more. */
const DEFAULT_LIMIT = -20000;

export function addLimitOption(command: Command, defaultLimit = DEFAULT_LIMIT): Command {
  return command.option(
    "--limit <n>",
    "most results to show: 0 for no limit; a negative N shows at most |N| and warns if there are more",
    parseInteger,
    defaultLimit,
  );
}

/** The limit to ask the registry for: one more than |N| for a negative N, so truncation can be noticed. */
export function queryLimit(limit: number): number | undefined {
  if (limit === 0) return undefined;
  return limit < 0 ? -limit + 1 : limit;
}

/** Cuts results to a negative limit, warning on stderr that more were found. */
export function applyLimit<T>(results: T[], limit: number): T[] {
  if (limit < 0 && results.length > -limit) {
    process.stderr.write(
      `butler: warning: more than ${-limit} results were found; showing the first ${-limit} (use --limit 0 for all)\n`,
    );
    return results.slice(0, -limit);
  }
  return results;
}

export const BIND_HELP =
  "a value for a name in --where (repeatable): NAME=VALUE, the value read as JSON when it is JSON " +
  "(numbers, true/false, [lists]) and as a string otherwise, e.g. --bind v=903334 --where 'visit = v'";

/** `--bind NAME=VALUE`, collected into one mapping. */
export function collectBind(
  value: string,
  previous: Record<string, unknown> | undefined,
): Record<string, unknown> {
  const at = value.indexOf("=");
  const name = at > 0 ? value.slice(0, at).trim() : "";
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
    throw new CommanderArgumentError(
      `--bind takes NAME=VALUE with NAME an identifier (letters, digits, _), got '${value}'`,
    );
  }
  const raw = value.slice(at + 1);
  let parsed: unknown = raw;
  try {
    parsed = JSON.parse(raw);
  } catch {
    // Not JSON: the text itself, so --bind band=r needs no quoting.
  }
  return { ...previous, [name]: parsed };
}

/** `--where` and `--bind` as the registry takes them: an absent or blank where means no constraint. */
export function whereOf(options: { where?: string; bind?: Record<string, unknown> }): {
  where?: string;
  bind?: Record<string, unknown>;
} {
  const where = options.where;
  return {
    ...(where === undefined || where.trim() === "" ? {} : { where }),
    ...(options.bind === undefined ? {} : { bind: options.bind }),
  };
}

/**
 * Runs a query asked to explain an empty result: an EmptyQueryResultError becomes an empty list and
 * its reasons.
 */
export async function explained<T>(
  run: () => Promise<T[]>,
): Promise<{ results: T[]; reasons: readonly string[] }> {
  try {
    return { results: await run(), reasons: [] };
  } catch (err) {
    if (err instanceof EmptyQueryResultError) return { results: [], reasons: err.reasons };
    throw err;
  }
}

/**
 * Prints "no results" the way daf_butler does, with the reasons first. A table goes to stdout; json and
 * csv print an empty result to stdout so scripts still parse it, and the note to stderr.
 */
export function printNoResults(
  format: OutputFormat,
  columns: readonly string[],
  reasons: readonly string[],
  note = "No results. Try --help for more information.",
): void {
  const text = `${reasons.map((r) => `${r}\n`).join("")}${note}\n`;
  if (format === "table") {
    process.stdout.write(text);
    return;
  }
  process.stdout.write(format === "json" ? "[]\n" : `${columns.join(",")}\n`);
  process.stderr.write(text);
}

/** Prints rows, or the no-results note when there are none. */
export function printRows(
  rows: readonly Row[],
  columns: readonly string[],
  format: OutputFormat,
  reasons: readonly string[] = [],
  note?: string,
): void {
  if (rows.length === 0) printNoResults(format, columns, reasons, note);
  else process.stdout.write(renderRows(rows, columns, format));
}

/**
 * One record value as a cell. Regions are their sphgeom encoding in hex for scripts (as export files
 * write them) and just their kind in a table, where the hex would be hundreds of characters wide.
 */
export function cellOf(value: unknown, format: OutputFormat): Row[string] {
  if (value === null || value === undefined) return null;
  if (typeof value === "string" || typeof value === "number" || typeof value === "boolean") return value;
  if (typeof value === "bigint") return value.toString();
  if (value instanceof Uint8Array) return Buffer.from(value).toString("hex");
  if (isRegion(value)) return format === "table" ? `(${value.constructor.name})` : regionHex(value);
  return String(value);
}

/** A timespan bound as a TAI ISO time, null when unbounded. */
export function timeCell(ns: bigint | null): string | null {
  return ns === null ? null : formatIsoTime(ns, { separator: "T" });
}
