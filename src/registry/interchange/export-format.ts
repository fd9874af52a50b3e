/**
 * daf_butler's YAML export format ("Butler Data Repository Export", version 1.0.2, and the legacy
 * version 0 with scalar ids and data IDs) as typed items, and the parser from YAML text to them.
 *
 * The parser only reads: it checks the structure and the tagged values, normalizes legacy forms
 * (scalar `dataset_id`/`data_id`, `begin`/`end` validity keys, `datetime_begin`/`datetime_end` record
 * fields) and leaves universe differences to `migrateExport`.
 */
import { LineCounter, parseDocument, visit } from "yaml";
import {
  CollectionType,
  type DimensionUniverse,
  defaultUniverse,
  normalizeUuid,
  Timespan,
} from "../../core/index.ts";
import { ButlerError, ExportFormatError, UnknownTagError } from "../../errors/index.ts";
import type { Region } from "../../sphgeom/index.ts";
import { displayTag, exportYamlOptions, isRegion, KNOWN_TAGS } from "./yaml-tags.ts";

/** The version this code writes. */
export const EXPORT_FORMAT_VERSION = "1.0.2";
export const EXPORT_DESCRIPTION = "Butler Data Repository Export";

/** A value a dimension record field may hold in an export. bigints only occur inside Timespans after parsing. */
export type ExportValue = string | number | boolean | null | bigint | Uint8Array | Timespan | Region;

/**
 * One dimension record as the file gives it, field name → value. Temporal fields are already
 * combined into `timespan`; regions are decoded Regions; hashes are Uint8Arrays.
 */
export type ExportRecord = Readonly<Record<string, ExportValue>>;

/** A data ID as written: dimension name → primary key value. */
export type ExportDataId = Readonly<Record<string, string | number>>;

export interface DimensionItem {
  readonly kind: "dimension";
  readonly element: string;
  readonly records: readonly ExportRecord[];
}

/**
 * A collection. RUN collections always have `host` and `timespan` (null when the file has none);
 * CHAINED ones always have `children`; the other fields are absent for other types.
 */
export interface CollectionItem {
  readonly kind: "collection";
  readonly name: string;
  readonly type: CollectionType;
  readonly doc: string | null;
  readonly host?: string | null;
  readonly timespan?: Timespan | null;
  readonly children?: readonly string[];
}

/** Legacy `type: run` item (version 0 files): a RUN collection with only a name. */
export interface RunItem {
  readonly kind: "run";
  readonly name: string;
}

export interface DatasetTypeItem {
  readonly kind: "dataset_type";
  readonly name: string;
  /** Dimension names as written (not conformed). */
  readonly dimensions: readonly string[];
  readonly storageClass: string;
  readonly isCalibration: boolean;
}

/** One file of a dataset item: the datasets (ids[i] has dataIds[i]) it holds. */
export interface DatasetFileRecord {
  readonly ids: readonly string[];
  readonly dataIds: readonly ExportDataId[];
  readonly path: string;
  /** Absent when the file names none (datasets.yaml). */
  readonly formatter?: string;
}

export interface DatasetItem {
  readonly kind: "dataset";
  readonly datasetType: string;
  readonly run: string;
  readonly records: readonly DatasetFileRecord[];
}

export interface ValidityRange {
  readonly timespan: Timespan;
  readonly datasetIds: readonly string[];
}

/** Datasets in a TAGGED collection (`datasetIds`) or a CALIBRATION one (`validityRanges`). */
export interface AssociationsItem {
  readonly kind: "associations";
  readonly collection: string;
  readonly collectionType: CollectionType;
  /** TAGGED only. */
  readonly datasetIds?: readonly string[];
  /** CALIBRATION only. */
  readonly validityRanges?: readonly ValidityRange[];
}

export type ExportItem =
  | DimensionItem
  | CollectionItem
  | RunItem
  | DatasetTypeItem
  | DatasetItem
  | AssociationsItem;

export interface ExportDocument {
  /** The format version as written: "1.0.2", or "0" for legacy files. */
  readonly version: string;
  /** The universe the records were exported from (0 when a legacy file does not say). */
  readonly universeVersion: number;
  readonly universeNamespace: string;
  readonly items: readonly ExportItem[];
}

export interface ParseExportOptions {
  /**
   * Used to check that every dataset's data ID has the required dimensions of its dataset type, for
   * dataset types defined in the same file (default: the default universe). Types whose dimensions
   * this universe does not know are left to the importer.
   */
  readonly universe?: DimensionUniverse;
}

/**
 * Parses an export file. Errors are ExportFormatErrors: `version` for a format other than 0 or
 * 1.0.x, `tag` (UnknownTagError) for a tag the format does not define, `value` for a tagged value
 * that does not decode, `structure` for missing or mistyped fields, `dataId` for a data ID without
 * a required dimension; `syntax` when the text is not YAML.
 */
export function parseExport(text: string, options: ParseExportOptions = {}): ExportDocument {
  const root = loadExportYaml(text);
  const top = asMapping(root, "the document");
  const version = parseVersion(top["version"]);
  const universeVersion =
    top["universe_version"] === undefined || top["universe_version"] === null
      ? 0
      : asInt(top["universe_version"], "universe_version");
  const universeNamespace =
    top["universe_namespace"] === undefined || top["universe_namespace"] === null
      ? "daf_butler"
      : asString(top["universe_namespace"], "universe_namespace");
  const data = asList(top["data"], "data");
  const items = data.map((raw, i) => parseItem(raw, `data[${i}]`));
  checkDataIds(items, options.universe ?? defaultUniverse());
  return { version, universeVersion, universeNamespace, items };
}

/**
 * YAML text → plain JS values with the export tags resolved and plain scalars read as PyYAML reads
 * them (see `exportYamlOptions`). Errors are ExportFormatErrors with the line and column.
 */
export function loadExportYaml(text: string): unknown {
  const captured: ExportFormatError[] = [];
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { ...exportYamlOptions((error) => captured.push(error)), lineCounter });
  const first = doc.errors[0];
  if (first !== undefined) {
    const at = first.linePos ? ` (line ${first.linePos[0].line}, column ${first.linePos[0].col})` : "";
    // yaml keeps only the message of what a tag threw; find the typed error it came from.
    const typed = captured.find((error) => first.message.includes(error.message));
    if (typed !== undefined) {
      throw new ExportFormatError(typed.kind, `${typed.message}${at}`, { cause: typed.cause ?? typed });
    }
    const reason = first.message.split("\n")[0]!.replace(/ at line \d+, column \d+:?$/, "");
    throw new ExportFormatError("syntax", `not valid YAML${at}: ${reason}`, {
      cause: first,
    });
  }
  const known = new Set(KNOWN_TAGS);
  visit(doc, (_key, node) => {
    const tag = (node as { tag?: string }).tag;
    if (tag !== undefined && !known.has(tag)) {
      // yaml warned about the tag at the tag itself; the node's range starts at its value.
      const warning = doc.warnings.find((w) => w.message.startsWith(`Unresolved tag: ${tag} `));
      const offset = (node as { range?: [number, number, number] }).range?.[0];
      const pos = warning?.linePos?.[0] ?? (offset === undefined ? undefined : lineCounter.linePos(offset));
      const where = pos === undefined ? "" : ` at line ${pos.line}, column ${pos.col}`;
      throw new UnknownTagError(tag, displayTag(tag), KNOWN_TAGS.map(displayTag), where);
    }
  });
  return doc.toJS();
}

/** "0" for legacy files, else the dotted version if its major is 1 and its minor 0. */
function parseVersion(raw: unknown): string {
  const accepted = `accepted: 0 (legacy) or ${EXPORT_FORMAT_VERSION} (major 1, minor at most 0)`;
  if (raw === undefined || raw === null) {
    throw new ExportFormatError("version", `the file has no 'version'; ${accepted}`);
  }
  const text = typeof raw === "number" ? String(raw) : typeof raw === "string" ? raw.trim() : "";
  if (text === "0") return "0";
  const match = /^(\d+)(?:\.(\d+)(?:\.(\d+))?)?$/.exec(text);
  if (match === null || Number(match[1]) !== 1 || Number(match[2] ?? 0) > 0) {
    throw new ExportFormatError(
      "version",
      `unsupported export format version ${JSON.stringify(raw)}; ${accepted}`,
    );
  }
  return text;
}

const ITEM_TYPES = ["dimension", "collection", "run", "dataset_type", "dataset", "associations"];

function parseItem(raw: unknown, path: string): ExportItem {
  const item = asMapping(raw, path);
  const type = item["type"];
  switch (type) {
    case "dimension":
      return {
        kind: "dimension",
        element: asString(item["element"], `${path}.element`),
        records: asList(item["records"], `${path}.records`).map((r, i) =>
          parseRecord(r, `${path}.records[${i}]`),
        ),
      };
    case "collection":
      return parseCollection(item, path);
    case "run":
      return { kind: "run", name: asString(item["name"], `${path}.name`) };
    case "dataset_type":
      return {
        kind: "dataset_type",
        name: asString(item["name"], `${path}.name`),
        dimensions: asList(item["dimensions"] ?? [], `${path}.dimensions`).map((d, i) =>
          asString(d, `${path}.dimensions[${i}]`),
        ),
        storageClass: asString(item["storage_class"], `${path}.storage_class`),
        isCalibration:
          item["is_calibration"] === undefined || item["is_calibration"] === null
            ? false
            : asBool(item["is_calibration"], `${path}.is_calibration`),
      };
    case "dataset":
      return {
        kind: "dataset",
        datasetType: asString(item["dataset_type"], `${path}.dataset_type`),
        run: asString(item["run"], `${path}.run`),
        records: asList(item["records"], `${path}.records`).map((r, i) =>
          parseDatasetRecord(r, `${path}.records[${i}]`),
        ),
      };
    case "associations":
      return parseAssociations(item, path);
    default:
      throw new ExportFormatError(
        "structure",
        `unknown item type ${JSON.stringify(type)}; accepted: ${ITEM_TYPES.join(", ")}`,
        { path: `${path}.type` },
      );
  }
}

/** A dimension record: values checked, `datetime_begin`/`datetime_end` combined into `timespan`. */
function parseRecord(raw: unknown, path: string): ExportRecord {
  const fields = asMapping(raw, path);
  const record: Record<string, ExportValue> = {};
  let begin: bigint | null | undefined;
  let end: bigint | null | undefined;
  for (const [name, value] of Object.entries(fields)) {
    const at = `${path}.${name}`;
    if (name === "datetime_begin") begin = asTime(value, at);
    else if (name === "datetime_end") end = asTime(value, at);
    else if (name === "timespan") {
      if (value !== null && !(value instanceof Timespan)) {
        throw new ExportFormatError("structure", "expected a !lsst.daf.butler.Timespan or null", {
          path: at,
        });
      }
      record[name] = value;
    } else record[name] = asRecordValue(value, at);
  }
  if (begin !== undefined || end !== undefined) {
    if ("timespan" in record) {
      throw new ExportFormatError(
        "structure",
        "give either timespan or datetime_begin/datetime_end, not both",
        {
          path,
        },
      );
    }
    record["timespan"] = timespanOrNull(begin ?? null, end ?? null, path);
  }
  return record;
}

function asRecordValue(value: unknown, path: string): ExportValue {
  if (
    value === null ||
    typeof value === "string" ||
    typeof value === "boolean" ||
    typeof value === "bigint" ||
    value instanceof Uint8Array ||
    value instanceof Timespan ||
    isRegion(value)
  ) {
    return value;
  }
  if (typeof value === "number") {
    if (!Number.isFinite(value))
      throw new ExportFormatError("structure", `value ${value} is not finite`, { path });
    return value;
  }
  throw new ExportFormatError("structure", `a record value must be a scalar, got ${describe(value)}`, {
    path,
  });
}

function parseCollection(item: Record<string, unknown>, path: string): CollectionItem {
  const name = asString(item["name"], `${path}.name`);
  let type: CollectionType;
  try {
    type = CollectionType.fromName(asString(item["collection_type"], `${path}.collection_type`));
  } catch (err) {
    if (err instanceof ExportFormatError) throw err;
    throw new ExportFormatError("structure", (err as Error).message, {
      path: `${path}.collection_type`,
      cause: err,
    });
  }
  const doc = optionalString(item["doc"], `${path}.doc`);
  if (type === CollectionType.RUN) {
    return {
      kind: "collection",
      name,
      type,
      doc,
      host: optionalString(item["host"], `${path}.host`),
      timespan: timespanOrNull(
        asTime(item["timespan_begin"] ?? null, `${path}.timespan_begin`),
        asTime(item["timespan_end"] ?? null, `${path}.timespan_end`),
        path,
      ),
    };
  }
  if (type === CollectionType.CHAINED) {
    const children = asList(item["children"], `${path}.children`).map((c, i) =>
      asString(c, `${path}.children[${i}]`),
    );
    return { kind: "collection", name, type, doc, children };
  }
  return { kind: "collection", name, type, doc };
}

function parseDatasetRecord(raw: unknown, path: string): DatasetFileRecord {
  const record = asMapping(raw, path);
  const rawIds = record["dataset_id"];
  const ids = (Array.isArray(rawIds) ? rawIds : [rawIds]).map((id, i) =>
    asDatasetId(id, Array.isArray(rawIds) ? `${path}.dataset_id[${i}]` : `${path}.dataset_id`),
  );
  const rawDataIds = record["data_id"];
  const dataIds = (Array.isArray(rawDataIds) ? rawDataIds : [rawDataIds]).map((d, i) =>
    asDataId(d, Array.isArray(rawDataIds) ? `${path}.data_id[${i}]` : `${path}.data_id`),
  );
  if (ids.length === 0 || ids.length !== dataIds.length) {
    throw new ExportFormatError(
      "structure",
      `dataset_id has ${ids.length} ids and data_id ${dataIds.length} data IDs; they must pair up, at least one`,
      { path },
    );
  }
  const out: { -readonly [K in keyof DatasetFileRecord]: DatasetFileRecord[K] } = {
    ids,
    dataIds,
    path: asString(record["path"], `${path}.path`),
  };
  const formatter = optionalString(record["formatter"], `${path}.formatter`);
  if (formatter !== null) out.formatter = formatter;
  return out;
}

function parseAssociations(item: Record<string, unknown>, path: string): AssociationsItem {
  const collection = asString(item["collection"], `${path}.collection`);
  const typeName = asString(item["collection_type"], `${path}.collection_type`);
  if (typeName.toUpperCase() === "TAGGED") {
    return {
      kind: "associations",
      collection,
      collectionType: CollectionType.TAGGED,
      datasetIds: asIdList(item["dataset_ids"], `${path}.dataset_ids`),
    };
  }
  if (typeName.toUpperCase() === "CALIBRATION") {
    const ranges = asList(item["validity_ranges"], `${path}.validity_ranges`).map((raw, i): ValidityRange => {
      const at = `${path}.validity_ranges[${i}]`;
      const range = asMapping(raw, at);
      let timespan: Timespan;
      if ("timespan" in range) {
        if (!(range["timespan"] instanceof Timespan)) {
          throw new ExportFormatError("structure", "expected a !lsst.daf.butler.Timespan", {
            path: `${at}.timespan`,
          });
        }
        timespan = range["timespan"];
      } else {
        // Legacy form: begin and end keys beside dataset_ids.
        timespan = makeTimespan(
          asTime(range["begin"] ?? null, `${at}.begin`),
          asTime(range["end"] ?? null, `${at}.end`),
          at,
        );
      }
      return { timespan, datasetIds: asIdList(range["dataset_ids"], `${at}.dataset_ids`) };
    });
    return {
      kind: "associations",
      collection,
      collectionType: CollectionType.CALIBRATION,
      validityRanges: ranges,
    };
  }
  throw new ExportFormatError(
    "structure",
    `associations need collection_type TAGGED or CALIBRATION, got ${JSON.stringify(typeName)}`,
    { path: `${path}.collection_type` },
  );
}

/** Checks data IDs against dataset types defined in the same document. */
function checkDataIds(items: readonly ExportItem[], universe: DimensionUniverse): void {
  const required = new Map<string, readonly string[]>();
  for (const item of items) {
    if (item.kind !== "dataset_type") continue;
    try {
      required.set(item.name, universe.conform(item.dimensions).required);
    } catch {
      // Dimensions this universe does not know (an older universe): the importer reports them.
    }
  }
  items.forEach((item, i) => {
    if (item.kind !== "dataset") return;
    const dims = required.get(item.datasetType);
    if (dims === undefined) return;
    item.records.forEach((record, j) => {
      record.dataIds.forEach((dataId, k) => {
        const missing = dims.filter((d) => !(d in dataId));
        if (missing.length > 0) {
          throw new ExportFormatError(
            "dataId",
            `data ID ${JSON.stringify(dataId)} of dataset ${record.ids[k]} lacks ${missing.join(", ")}, ` +
              `required by dataset type ${item.datasetType} (${dims.join(", ")})`,
            { path: `data[${i}].records[${j}].data_id[${k}]` },
          );
        }
      });
    });
  });
}

// ---------------------------------------------------------------------------------------------------
// Field checks. Each throws an ExportFormatError of kind "structure" naming the path.

function describe(value: unknown): string {
  if (value === undefined) return "nothing";
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  if (value instanceof Uint8Array) return "binary data";
  if (value instanceof Timespan) return "a timespan";
  if (typeof value === "bigint") return "a time";
  if (typeof value === "object") return isRegion(value) ? "a region" : "a mapping";
  return `${typeof value} ${JSON.stringify(value)}`;
}

function structure(expected: string, value: unknown, path: string): ExportFormatError {
  return new ExportFormatError("structure", `expected ${expected}, got ${describe(value)}`, { path });
}

function asMapping(value: unknown, path: string): Record<string, unknown> {
  if (
    value === null ||
    typeof value !== "object" ||
    Array.isArray(value) ||
    value instanceof Uint8Array ||
    value instanceof Timespan ||
    isRegion(value)
  ) {
    throw structure("a mapping", value, path);
  }
  return value as Record<string, unknown>;
}

function asList(value: unknown, path: string): unknown[] {
  if (!Array.isArray(value)) throw structure("a list", value, path);
  return value;
}

function asString(value: unknown, path: string): string {
  if (typeof value !== "string") throw structure("a string", value, path);
  return value;
}

function optionalString(value: unknown, path: string): string | null {
  return value === undefined || value === null ? null : asString(value, path);
}

function asInt(value: unknown, path: string): number {
  if (typeof value !== "number" || !Number.isSafeInteger(value)) throw structure("an integer", value, path);
  return value;
}

function asBool(value: unknown, path: string): boolean {
  if (typeof value !== "boolean") throw structure("true or false", value, path);
  return value;
}

function asTime(value: unknown, path: string): bigint | null {
  if (value === null || typeof value === "bigint") return value;
  throw structure("a !butler_time/tai/iso time or null", value, path);
}

function asDatasetId(value: unknown, path: string): string {
  if (typeof value !== "string") throw structure("a !uuid dataset ID", value, path);
  try {
    return normalizeUuid(value);
  } catch (err) {
    throw new ExportFormatError("value", `bad dataset ID: ${(err as Error).message}`, { path, cause: err });
  }
}

function asIdList(value: unknown, path: string): string[] {
  return asList(value, path).map((id, i) => asDatasetId(id, `${path}[${i}]`));
}

function asDataId(value: unknown, path: string): ExportDataId {
  const mapping = asMapping(value, path);
  for (const [key, v] of Object.entries(mapping)) {
    if (typeof v !== "string" && !(typeof v === "number" && Number.isSafeInteger(v))) {
      throw new ExportFormatError(
        "dataId",
        `data ID value must be a string or an integer, got ${describe(v)}`,
        {
          path: `${path}.${key}`,
        },
      );
    }
  }
  return mapping as ExportDataId;
}

function makeTimespan(begin: bigint | null, end: bigint | null, path: string): Timespan {
  try {
    return new Timespan(begin, end);
  } catch (err) {
    if (err instanceof ButlerError) {
      throw new ExportFormatError("value", `bad timespan: ${err.message}`, { path, cause: err });
    }
    throw err;
  }
}

/** Null when both bounds are null (no time recorded), else the timespan. */
function timespanOrNull(begin: bigint | null, end: bigint | null, path: string): Timespan | null {
  return begin === null && end === null ? null : makeTimespan(begin, end, path);
}
