/**
 * `SummaryStats` (afw's ExposureSummaryStats): a YAML document in a `bytes` column of the archive.
 * The text is kept as read, so it is written back unchanged; `values` is the document parsed (YAML
 * core schema, so `.nan` is NaN), or undefined if it does not parse to a mapping.
 */
import { parse } from "yaml";
import { type ArchiveObject, ArchiveSchema, afwSchemaCards, columnValues } from "./archive-types.ts";

export class SummaryStats {
  readonly text: string;
  /** The parsed document once asked for (null: asked for, and not a mapping). */
  #values: Readonly<Record<string, unknown>> | null | undefined;

  constructor(text: string) {
    this.text = text;
  }

  /** The document parsed on first use (reading an exposure need not parse it), or undefined. */
  get values(): Readonly<Record<string, unknown>> | undefined {
    if (this.#values === undefined) {
      this.#values = null;
      try {
        const parsed: unknown = parse(this.text);
        if (parsed !== null && typeof parsed === "object" && !Array.isArray(parsed)) {
          this.#values = parsed as Record<string, unknown>;
        }
      } catch {
        // Not YAML we can read: the text alone is kept.
      }
    }
    return this.#values ?? undefined;
  }

  /** A numeric statistic, or undefined when absent or not a number. */
  number(name: string): number | undefined {
    const v = this.values?.[name];
    return typeof v === "number" ? v : undefined;
  }

  equals(other: SummaryStats): boolean {
    return this.text === other.text;
  }
}

/** The schema afw's Storable objects use: one opaque byte string. */
const STORABLE_BYTES_SCHEMA = new ArchiveSchema(
  [{ name: "bytes", format: "1QB", comment: "label for field" }],
  afwSchemaCards([{ doc: "an opaque bytestring representation of a Storable", cls: "Array" }]),
);

export function decodeSummaryStats(object: ArchiveObject): SummaryStats | undefined {
  const catalog = object.catalogs[0];
  if (catalog === undefined || catalog.nrows < 1) return undefined;
  const cell = (columnValues(catalog, "bytes") as Uint8Array[] | undefined)?.[0];
  if (cell === undefined) return undefined;
  return new SummaryStats(new TextDecoder().decode(cell));
}

export function encodeSummaryStats(stats: SummaryStats, id: number): ArchiveObject {
  return {
    id,
    name: "ExposureSummaryStats",
    module: "lsst.afw.image._exposureSummaryStats",
    catalogs: [{ schema: STORABLE_BYTES_SCHEMA, nrows: 1, values: [[new TextEncoder().encode(stats.text)]] }],
  };
}
