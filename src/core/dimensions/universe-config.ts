import { DimensionConfigError } from "../../errors/index.ts";
import { type ColumnSpec, parseColumnSpec } from "./column-spec.ts";

/** One element of the `elements` section, validated and with the legacy `storage` entry folded in. */
export interface ElementDefinition {
  readonly name: string;
  readonly doc: string;
  /** First entry is the primary key, the rest are alternate (unique) keys; empty for join elements. */
  readonly keys: readonly ColumnSpec[];
  readonly requires: readonly string[];
  readonly implies: readonly string[];
  readonly metadata: readonly ColumnSpec[];
  readonly governor: boolean;
  readonly alwaysJoin: boolean;
  readonly populatedBy: string | null;
  readonly isCached: boolean;
  /** The dimension whose implied values are this dimension's values (band ← physical_filter). */
  readonly impliedUnionTarget: string | null;
}

/** One entry of the `skypix` section: a pixelization whose levels become dimensions. */
export interface SkyPixSystemDefinition {
  readonly name: string;
  /** Fully qualified class name of the pixelization, kept for the region library. */
  readonly pixelizationClass: string;
  readonly minLevel: number;
  readonly maxLevel: number;
}

/** A whole universe config, checked field by field; cross-references are checked by the universe. */
export interface UniverseDefinition {
  readonly version: number;
  readonly namespace: string;
  readonly commonSkyPix: string;
  readonly skypix: readonly SkyPixSystemDefinition[];
  readonly elements: readonly ElementDefinition[];
  /** Family name → member element names, finest first. */
  readonly spatial: ReadonlyMap<string, readonly string[]>;
  readonly temporal: ReadonlyMap<string, readonly string[]>;
  /** The `packers` section, kept as data: id packing is not modelled yet. */
  readonly packers: Readonly<Record<string, unknown>>;
}

const TOP_LEVEL = ["version", "namespace", "skypix", "elements", "topology", "packers"];
const ELEMENT_FIELDS = [
  "doc",
  "keys",
  "requires",
  "implies",
  "metadata",
  "governor",
  "always_join",
  "populated_by",
  "implied_union_target",
  "implied_union",
  "is_cached",
  "storage",
];
const SKYPIX_FIELDS = ["class", "min_level", "max_level"];
const NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** Parses the plain object a universe YAML file loads to (daf_butler's dimension config schema). */
export function parseUniverseConfig(raw: unknown): UniverseDefinition {
  const top = mapping(raw, "dimension config");
  checkFields(top, TOP_LEVEL, "dimension config");
  const version = top.version;
  if (typeof version !== "number" || !Number.isSafeInteger(version) || version < 0) {
    throw new DimensionConfigError(
      `dimension config: version must be a non-negative integer, got ${show(version)}`,
    );
  }
  const namespace = top.namespace ?? "daf_butler";
  if (typeof namespace !== "string" || namespace === "") {
    throw new DimensionConfigError(
      `dimension config: namespace must be a non-empty string, got ${show(namespace)}`,
    );
  }
  const { common, systems } = parseSkyPix(top.skypix);
  const elementsRaw = mapping(top.elements, "dimension config 'elements'");
  const elements = Object.entries(elementsRaw).map(([name, body]) => parseElement(name, body));
  const topology = top.topology === undefined ? {} : mapping(top.topology, "dimension config 'topology'");
  checkFields(topology, ["spatial", "temporal"], "dimension config 'topology'");
  return {
    version,
    namespace,
    commonSkyPix: common,
    skypix: systems,
    elements,
    spatial: parseFamilies(topology.spatial, "spatial"),
    temporal: parseFamilies(topology.temporal, "temporal"),
    packers: top.packers === undefined ? {} : mapping(top.packers, "dimension config 'packers'"),
  };
}

function parseSkyPix(raw: unknown): { common: string; systems: SkyPixSystemDefinition[] } {
  const section = mapping(raw, "dimension config 'skypix'");
  const common = section.common;
  if (typeof common !== "string") {
    throw new DimensionConfigError(
      `dimension config 'skypix': 'common' must name a skypix dimension such as htm7, got ${show(common)}`,
    );
  }
  const systems: SkyPixSystemDefinition[] = [];
  for (const [name, body] of Object.entries(section)) {
    if (name === "common") continue;
    const where = `skypix system '${name}'`;
    if (!NAME.test(name)) throw new DimensionConfigError(`${where}: name must be an identifier`);
    const entry = mapping(body, where);
    checkFields(entry, SKYPIX_FIELDS, where);
    if (typeof entry.class !== "string")
      throw new DimensionConfigError(`${where}: 'class' must be a class name`);
    const minLevel = entry.min_level ?? 1;
    const maxLevel = entry.max_level;
    if (!isLevel(minLevel) || !isLevel(maxLevel) || maxLevel < minLevel) {
      throw new DimensionConfigError(
        `${where}: needs integer levels with 0 <= min_level (default 1) <= max_level, ` +
          `got min_level ${show(minLevel)}, max_level ${show(maxLevel)}`,
      );
    }
    systems.push({ name, pixelizationClass: entry.class, minLevel, maxLevel });
  }
  return { common, systems };
}

function isLevel(value: unknown): value is number {
  return typeof value === "number" && Number.isSafeInteger(value) && value >= 0;
}

function parseElement(name: string, raw: unknown): ElementDefinition {
  const where = `element '${name}'`;
  if (!NAME.test(name)) throw new DimensionConfigError(`${where}: name must be an identifier`);
  const entry = raw === null ? {} : mapping(raw, where);
  checkFields(entry, ELEMENT_FIELDS, where);
  const keys = list(entry.keys, `${where} keys`).map((k) => parseColumnSpec(k, `${where} keys`, true));
  const metadata = list(entry.metadata, `${where} metadata`).map((m) =>
    parseColumnSpec(m, `${where} metadata`, false),
  );
  const columnNames = new Set<string>();
  for (const column of [...keys, ...metadata]) {
    if (columnNames.has(column.name))
      throw new DimensionConfigError(`${where}: column '${column.name}' twice`);
    columnNames.add(column.name);
  }
  const storage = parseStorage(entry.storage, where);
  const impliedUnion = entry.implied_union_target ?? entry.implied_union ?? storage.impliedUnionTarget;
  const definition: ElementDefinition = {
    name,
    doc: typeof entry.doc === "string" ? entry.doc.trim() : "",
    keys,
    requires: names(entry.requires, `${where} requires`),
    implies: names(entry.implies, `${where} implies`),
    metadata,
    governor: flag(entry.governor, `${where} governor`),
    alwaysJoin: flag(entry.always_join, `${where} always_join`),
    populatedBy: optionalName(entry.populated_by, `${where} populated_by`),
    isCached: entry.is_cached === undefined ? storage.isCached : flag(entry.is_cached, `${where} is_cached`),
    impliedUnionTarget: optionalName(impliedUnion, `${where} implied_union_target`),
  };
  checkElementRules(definition, where);
  // Governors are always cached: every client needs their few records to check queries.
  return definition.governor ? { ...definition, isCached: true } : definition;
}

/** The schema's own consistency rules for one element, independent of the others. */
function checkElementRules(e: ElementDefinition, where: string): void {
  const isDimension = e.keys.length > 0;
  if (isDimension && e.keys[0]!.type !== "int" && e.keys[0]!.type !== "string") {
    throw new DimensionConfigError(
      `${where}: the primary key (first key) must be int or string, not ${e.keys[0]!.type}`,
    );
  }
  if (isDimension && (e.alwaysJoin || e.populatedBy !== null)) {
    throw new DimensionConfigError(
      `${where}: always_join and populated_by are only for join elements (no keys)`,
    );
  }
  if (!isDimension && e.requires.length === 0) {
    throw new DimensionConfigError(`${where}: a join element (no keys) must require at least one dimension`);
  }
  if (!isDimension && e.governor) throw new DimensionConfigError(`${where}: a governor needs a key`);
  if (e.governor && (e.requires.length > 0 || e.implies.length > 0)) {
    throw new DimensionConfigError(`${where}: a governor may not require or imply other dimensions`);
  }
  if (e.impliedUnionTarget !== null) {
    if (
      !isDimension ||
      e.requires.length > 0 ||
      e.implies.length > 0 ||
      e.keys.length > 1 ||
      e.metadata.length > 0
    ) {
      throw new DimensionConfigError(
        `${where}: an implied-union dimension has exactly one key and no requires, implies or metadata`,
      );
    }
  }
  if (e.populatedBy !== null && !e.requires.includes(e.populatedBy)) {
    throw new DimensionConfigError(
      `${where}: populated_by '${e.populatedBy}' must be one of its requires (${e.requires.join(", ")})`,
    );
  }
}

// An element has its own table unless it is an implied union, so only these two facts matter.
interface StorageFacts {
  isCached: boolean;
  impliedUnionTarget: string | null;
}

// The legacy `storage` entry names a Python class; only its last segment carries meaning for us.
const STORAGE_CLASSES = [
  "BasicGovernorDimensionRecordStorage",
  "TableDimensionRecordStorage",
  "QueryDimensionRecordStorage",
  "CachingDimensionRecordStorage",
];

function parseStorage(raw: unknown, where: string): StorageFacts {
  if (raw === undefined || raw === null) return { isCached: false, impliedUnionTarget: null };
  const entry = mapping(raw, `${where} storage`);
  const cls = typeof entry.cls === "string" ? entry.cls.slice(entry.cls.lastIndexOf(".") + 1) : "";
  switch (cls) {
    case "BasicGovernorDimensionRecordStorage":
      return { isCached: true, impliedUnionTarget: null };
    case "TableDimensionRecordStorage":
      return { isCached: false, impliedUnionTarget: null };
    case "QueryDimensionRecordStorage": {
      const target = optionalName(entry.view_of, `${where} storage view_of`);
      if (target === null) throw new DimensionConfigError(`${where}: a query storage needs 'view_of'`);
      return { isCached: false, impliedUnionTarget: target };
    }
    case "CachingDimensionRecordStorage": {
      if (entry.nested === undefined)
        throw new DimensionConfigError(`${where}: a caching storage needs 'nested'`);
      return { ...parseStorage(entry.nested, where), isCached: true };
    }
    default:
      throw new DimensionConfigError(
        `${where}: storage class ${show(entry.cls)} is not known; accepted: ${STORAGE_CLASSES.join(", ")}`,
      );
  }
}

function parseFamilies(raw: unknown, space: string): Map<string, readonly string[]> {
  const families = new Map<string, readonly string[]>();
  if (raw === undefined || raw === null) return families;
  for (const [name, members] of Object.entries(mapping(raw, `topology '${space}'`))) {
    const memberNames = names(members, `${space} family '${name}'`);
    if (memberNames.length === 0) throw new DimensionConfigError(`${space} family '${name}' has no members`);
    families.set(name, memberNames);
  }
  return families;
}

function mapping(raw: unknown, where: string): Record<string, unknown> {
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) {
    throw new DimensionConfigError(`${where}: expected a mapping, got ${show(raw)}`);
  }
  return raw as Record<string, unknown>;
}

function list(raw: unknown, where: string): unknown[] {
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) throw new DimensionConfigError(`${where}: expected a list, got ${show(raw)}`);
  return raw;
}

function names(raw: unknown, where: string): string[] {
  const result = list(raw, where).map((item) => {
    if (typeof item !== "string" || !NAME.test(item)) {
      throw new DimensionConfigError(`${where}: expected element names, got ${show(item)}`);
    }
    return item;
  });
  if (new Set(result).size !== result.length)
    throw new DimensionConfigError(`${where}: a name is listed twice`);
  return result;
}

function optionalName(raw: unknown, where: string): string | null {
  if (raw === undefined || raw === null) return null;
  if (typeof raw !== "string" || !NAME.test(raw)) {
    throw new DimensionConfigError(`${where}: expected an element name, got ${show(raw)}`);
  }
  return raw;
}

function flag(raw: unknown, where: string): boolean {
  if (raw === undefined || raw === null) return false;
  if (typeof raw !== "boolean")
    throw new DimensionConfigError(`${where}: expected true or false, got ${show(raw)}`);
  return raw;
}

function checkFields(entry: Record<string, unknown>, accepted: readonly string[], where: string): void {
  for (const field of Object.keys(entry)) {
    if (!accepted.includes(field)) {
      throw new DimensionConfigError(`${where}: unknown field '${field}'; accepted: ${accepted.join(", ")}`);
    }
  }
}

function show(value: unknown): string {
  return value === undefined ? "nothing" : JSON.stringify(value);
}
