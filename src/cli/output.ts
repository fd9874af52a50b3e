/**
 * Printing rows the way daf_butler's CLI does: aligned tables with a header rule for people,
 * `--format json` (one array of objects) and `--format csv` for scripts.
 */
import { InvalidArgumentError } from "../errors/index.ts";

export type OutputFormat = "table" | "json" | "csv";
export const OUTPUT_FORMATS: readonly OutputFormat[] = ["table", "json", "csv"];

export type Row = Record<string, string | number | boolean | null | undefined>;

export function parseFormat(value: string): OutputFormat {
  const format = value.toLowerCase();
  if (!(OUTPUT_FORMATS as readonly string[]).includes(format)) {
    throw new InvalidArgumentError(`unknown format '${value}'; accepted: ${OUTPUT_FORMATS.join(", ")}`);
  }
  return format as OutputFormat;
}

/** Renders rows with the given column order in the chosen format. */
export function renderRows(rows: readonly Row[], columns: readonly string[], format: OutputFormat): string {
  switch (format) {
    case "json":
      return `${JSON.stringify(
        rows.map((row) => Object.fromEntries(columns.map((c) => [c, row[c] ?? null]))),
        null,
        2,
      )}\n`;
    case "csv":
      return `${[columns.map(csvField).join(","), ...rows.map((row) => columns.map((c) => csvField(row[c])).join(","))].join("\n")}\n`;
    case "table":
      return renderTable(rows, columns);
  }
}

function text(value: Row[string]): string {
  return value === null || value === undefined ? "" : String(value);
}

function csvField(value: Row[string]): string {
  const s = text(value);
  return /[",\n\r]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

/** Columns right-aligned for numbers and left-aligned for text, under a dashed rule. */
export function renderTable(rows: readonly Row[], columns: readonly string[]): string {
  const widths = columns.map((c) => Math.max(c.length, ...rows.map((r) => text(r[c]).length)));
  const numeric = columns.map(
    (c) => rows.length > 0 && rows.every((r) => typeof r[c] === "number" || r[c] == null),
  );
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => (numeric[i] ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!)))
      .join(" ")
      .trimEnd();
  const out = [line([...columns]), widths.map((w) => "-".repeat(w)).join(" ")];
  for (const row of rows) out.push(line(columns.map((c) => text(row[c]))));
  return `${out.join("\n")}\n`;
}
