/**
 * The header index in export files: a top-level `butler_ts_header_index` section beside daf_butler's
 * `data` (daf_butler's importer reads only the keys it knows, so it ignores the section):
 *
 *     butler_ts_header_index:
 *       calexp:
 *         keys: { EXPTIME: float, BIGID: integer, ... }    # name: type (null: no value seen yet)
 *         datasets:
 *           <dataset id>: [30.0, '1152921504606846992', ...] # in key order
 *
 * Values are plain YAML scalars of their key's type; 64-bit integers are strings (YAML readers
 * differ on them); a value of another type than its key's, kept as a string, is `{string: '…'}`.
 * Import records the values of the datasets it brought in, for every key the section names.
 */
import { stringify } from "yaml";
import type { DatasetRef } from "../core/index.ts";
import { ExportFormatError } from "../errors/index.ts";
import type { HeaderValue, HeaderValueType, TypedHeaderValue } from "../fits/header-key.ts";
import { HEADER_VALUE_TYPES } from "../fits/header-key.ts";
import type { HeaderRow, Registry } from "../registry/index.ts";
import { loadExportYaml } from "../registry/interchange/index.ts";

export const HEADER_SECTION = "butler_ts_header_index";

type Encoded = string | number | boolean | null | { string: string };

interface TypeSection {
  keys: Record<string, HeaderValueType | null>;
  datasets: Record<string, Encoded[]>;
}

/** The section for `refs` as YAML text to append to an export document ("" when nothing is indexed). */
export async function headerSectionYaml(registry: Registry, refs: readonly DatasetRef[]): Promise<string> {
  const headers = registry.internals.headers;
  const byType = new Map<string, string[]>();
  for (const ref of refs)
    byType.set(ref.datasetType.name, [...(byType.get(ref.datasetType.name) ?? []), ref.id]);
  const section: Record<string, TypeSection> = {};
  for (const [type, ids] of byType) {
    const keys = await headers.keys(type);
    if (keys.length === 0) continue;
    const values = await headers.values(type, ids);
    const datasets: Record<string, Encoded[]> = {};
    for (const id of ids) {
      const row = values.get(id);
      if (row === undefined) continue;
      datasets[id] = keys.map((k) => encode(k.type, row.has(k.name) ? row.get(k.name)! : null));
    }
    section[type] = { keys: Object.fromEntries(keys.map((k) => [k.name, k.type])), datasets };
  }
  if (Object.keys(section).length === 0) return "";
  // Values quoted: readers that resolve plain scalars by YAML 1.1 rules (PyYAML, ours) would take
  // some strings for numbers or times.
  return stringify(
    { [HEADER_SECTION]: section },
    { lineWidth: 0, defaultStringType: "QUOTE_SINGLE", defaultKeyType: "PLAIN" },
  );
}

function encode(type: HeaderValueType | null, value: HeaderValue): Encoded {
  if (value === null) return null;
  if (typeof value === "bigint") return value.toString();
  if (typeof value === "string" && type !== "string") return { string: value };
  if (type === "integer" && typeof value === "number") return String(value);
  return value;
}

function decode(type: HeaderValueType | null, value: unknown, where: string): TypedHeaderValue {
  if (value === null || value === undefined) return null;
  if (typeof value === "object" && typeof (value as { string?: unknown }).string === "string") {
    return { type: "string", value: (value as { string: string }).string };
  }
  const bad = () => new ExportFormatError("value", `${where}: ${String(value)} is not a ${type} value`);
  switch (type) {
    case "integer": {
      if (typeof value !== "string" && typeof value !== "number" && typeof value !== "bigint") throw bad();
      const n = BigInt(value as string | number);
      return { type, value: Number.isSafeInteger(Number(n)) ? Number(n) : n };
    }
    case "float":
      // YAML writes 30.0 as 30, which readers take for an integer.
      if (typeof value !== "number" && typeof value !== "bigint") throw bad();
      return { type, value: Number(value) };
    case "logical":
      if (typeof value !== "boolean") throw bad();
      return { type, value };
    default:
      if (typeof value !== "string") throw bad();
      return { type: "string", value };
  }
}

/**
 * Records the section's values of the datasets `ids` (those an import brought in) in the current
 * transaction. A document without the section records nothing.
 */
export async function importHeaderSection(
  registry: Registry,
  text: string,
  ids: ReadonlySet<string>,
): Promise<number> {
  const root = loadExportYaml(text) as Record<string, unknown> | null;
  const section = root?.[HEADER_SECTION];
  if (section === undefined || section === null) return 0;
  if (typeof section !== "object")
    throw new ExportFormatError("structure", `${HEADER_SECTION} must be a mapping`);
  let recorded = 0;
  for (const [type, raw] of Object.entries(section as Record<string, TypeSection>)) {
    const keys = Object.entries(raw?.keys ?? {});
    for (const [name, t] of keys) {
      if (t !== null && !HEADER_VALUE_TYPES.includes(t)) {
        throw new ExportFormatError("value", `${HEADER_SECTION}.${type}.keys.${name}: unknown type '${t}'`);
      }
    }
    const rows: HeaderRow[] = [];
    for (const [id, values] of Object.entries(raw?.datasets ?? {})) {
      if (!ids.has(id)) continue;
      const where = `${HEADER_SECTION}.${type}.datasets.${id}`;
      rows.push({
        datasetId: id,
        values: new Map(keys.map(([name, t], i) => [name, decode(t, values[i], `${where}[${i}]`)])),
      });
    }
    await registry.internals.headers.record(type, rows);
    recorded += rows.length;
  }
  return recorded;
}
