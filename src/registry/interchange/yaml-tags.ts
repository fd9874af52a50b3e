/**
 * The YAML tags of daf_butler's export files, as custom tags for the `yaml` package, for loading
 * and dumping:
 *
 * - `!uuid 'e15ab039-…'` → the canonical lowercase UUID string;
 * - `!butler_time/tai/iso '2021-09-09 03:00:00.000000000'` → bigint TAI nanoseconds since 1970;
 * - `!lsst.daf.butler.Timespan {begin: …, end: …}` or `!lsst.daf.butler.Timespan EMPTY` → Timespan;
 * - `!<lsst.sphgeom.ConvexPolygon> {encoded: <hex>}` (and `Circle`, `Box`) → a sphgeom Region; the hex
 *   as read is remembered (see `regionHex`) so a re-export writes the same bytes;
 * - `!!binary |` base64 → Uint8Array (skymap hashes);
 * - plain YAML 1.1 timestamps (`2014-11-18 12:56:47.112000`, written by legacy exports without a tag)
 *   → bigint TAI nanoseconds, reading them as UTC as daf_butler does.
 *
 * Plain scalars resolve as PyYAML (YAML 1.1) resolves them, because PyYAML wrote these files and
 * quoted only what its own resolver would misread: `08` and `0_29` are strings, `yes` is true,
 * `1e5` is a string. Use `exportYamlOptions()` so that the schema is failsafe plus these rules.
 *
 * When dumping, bigints are written as `!butler_time/tai/iso` (export documents hold integers as
 * numbers, so a bigint always means a time), Timespans, Regions and Uint8Arrays with their tags.
 * A string cannot say it is a UUID, so writers put `uuidNode(id)` in the tree instead.
 */
import {
  type CollectionTag,
  type DocumentOptions,
  type Node,
  type ParseOptions,
  Scalar,
  type ScalarTag,
  type SchemaOptions,
  type Tags,
  YAMLMap,
} from "yaml";
import { createNode, stringifyString } from "yaml/util";
import { normalizeUuid, Timespan } from "../../core/index.ts";
import { ButlerError, ExportFormatError } from "../../errors/index.ts";
import {
  Box,
  Circle,
  ConvexPolygon,
  decodeRegionHex,
  encodeRegionHex,
  type Region,
} from "../../sphgeom/index.ts";
import { formatButlerTime, NS_PER_SECOND, parseButlerTime, timeFromCalendar } from "../../time/index.ts";

export const UUID_TAG = "!uuid";
export const BUTLER_TIME_TAG = "!butler_time/tai/iso";
export const TIMESPAN_TAG = "!lsst.daf.butler.Timespan";
/** Verbatim tags (`!<lsst.sphgeom.ConvexPolygon>`), by region kind. */
export const REGION_TAGS = {
  polygon: "lsst.sphgeom.ConvexPolygon",
  circle: "lsst.sphgeom.Circle",
  box: "lsst.sphgeom.Box",
} as const;
export const BINARY_TAG = "tag:yaml.org,2002:binary";
const TIMESTAMP_TAG = "tag:yaml.org,2002:timestamp";

/** Tags a file may use: ours plus YAML's standard scalar and collection tags. */
export const KNOWN_TAGS: readonly string[] = Object.freeze([
  UUID_TAG,
  BUTLER_TIME_TAG,
  TIMESPAN_TAG,
  ...Object.values(REGION_TAGS),
  BINARY_TAG,
  TIMESTAMP_TAG,
  "!",
  ...["str", "int", "float", "bool", "null", "map", "seq"].map((t) => `tag:yaml.org,2002:${t}`),
]);

/** A tag as a file writes it: `!uuid`, `!!binary`, `!<lsst.sphgeom.ConvexPolygon>`. */
export function displayTag(tag: string): string {
  if (tag.startsWith("tag:yaml.org,2002:")) return `!!${tag.slice("tag:yaml.org,2002:".length)}`;
  return tag.startsWith("!") ? tag : `!<${tag}>`;
}

/** Regions decoded from a file, with the hex they were read from. */
const sourceHex = new WeakMap<object, string>();

export function isRegion(value: unknown): value is Region {
  return value instanceof ConvexPolygon || value instanceof Circle || value instanceof Box;
}

/** The hex a region was read from, or its sphgeom encoding when it was not read from a file. */
export function regionHex(region: Region): string {
  return sourceHex.get(region) ?? encodeRegionHex(region);
}

/** A `!uuid '…'` scalar for a tree that will be dumped. */
export function uuidNode(id: string): Scalar {
  const node = new Scalar(normalizeUuid(id));
  node.tag = UUID_TAG;
  node.type = Scalar.QUOTE_SINGLE;
  return node;
}

/**
 * The export tags and PyYAML's implicit scalars, as a `customTags` function for the failsafe schema
 * (`exportYamlOptions` sets both). They go before the schema's own tags so that bigints dump as
 * times. A tagged value that does not decode is thrown as an ExportFormatError of kind "value";
 * `yaml` turns throws into document errors that keep only the message, so `onError` also receives
 * the typed error for callers that want to rethrow it.
 */
export function exportTags(onError?: (error: ExportFormatError) => void): (schemaTags: Tags) => Tags {
  const fail = (tag: string, err: unknown): ExportFormatError => {
    const error =
      err instanceof ExportFormatError
        ? err
        : new ExportFormatError(
            "value",
            `bad ${tag} value: ${err instanceof Error ? err.message : String(err)}`,
            err instanceof ButlerError ? { cause: err } : undefined,
          );
    onError?.(error);
    return error;
  };
  const guard =
    <A extends unknown[], R>(tag: string, fn: (...args: A) => R) =>
    (...args: A): R => {
      try {
        return fn(...args);
      } catch (err) {
        throw fail(tag, err);
      }
    };

  const uuid: ScalarTag = {
    tag: UUID_TAG,
    resolve: guard(UUID_TAG, (text: string) => normalizeUuid(text)),
    stringify: (item, ctx, onComment, onChompKeep) =>
      stringifyString({ value: String(item.value), type: Scalar.QUOTE_SINGLE }, ctx, onComment, onChompKeep),
  };

  const butlerTime: ScalarTag = {
    tag: BUTLER_TIME_TAG,
    identify: (value) => typeof value === "bigint",
    resolve: guard(BUTLER_TIME_TAG, (text: string) => parseButlerTime(text.trim())),
    stringify: (item, ctx, onComment, onChompKeep) =>
      stringifyString(
        { value: formatButlerTime(item.value as bigint), type: Scalar.QUOTE_SINGLE },
        ctx,
        onComment,
        onChompKeep,
      ),
  };

  // Listed before the mapping form, so that a dumped `EMPTY` scalar finds a scalar tag by name.
  const timespanScalar: ScalarTag = {
    tag: TIMESPAN_TAG,
    resolve: guard(TIMESPAN_TAG, (text: string) => {
      if (text.trim() !== "EMPTY") {
        throw new ExportFormatError(
          "value",
          `bad ${TIMESPAN_TAG} value ${JSON.stringify(text)}: a scalar timespan must be EMPTY; ` +
            "otherwise write a mapping {begin, end}",
        );
      }
      return Timespan.EMPTY;
    }),
  };

  const timespanMap: CollectionTag = {
    tag: TIMESPAN_TAG,
    collection: "map",
    identify: (value) => value instanceof Timespan,
    createNode: (_schema, value, ctx): Node => {
      const timespan = value as Timespan;
      if (timespan.isEmpty()) return new Scalar("EMPTY");
      return createNode({ begin: timespan.begin, end: timespan.end }, undefined, ctx);
    },
    resolve: guard(TIMESPAN_TAG, (map: YAMLMap.Parsed | unknown) => {
      const fields = mapFields(map as YAMLMap.Parsed, TIMESPAN_TAG, ["begin", "end"]);
      return new Timespan(timeBound(fields.get("begin"), "begin"), timeBound(fields.get("end"), "end"));
    }),
  };

  const regionTags: CollectionTag[] = (Object.keys(REGION_TAGS) as (keyof typeof REGION_TAGS)[]).map(
    (kind) => ({
      tag: REGION_TAGS[kind],
      collection: "map",
      identify: (value) => isRegion(value) && value.kind === kind,
      createNode: (_schema, value, ctx): Node =>
        createNode({ encoded: regionHex(value as Region) }, undefined, ctx),
      resolve: guard(REGION_TAGS[kind], (map: YAMLMap.Parsed | unknown) => {
        const tag = `!<${REGION_TAGS[kind]}>`;
        const encoded = mapFields(map as YAMLMap.Parsed, tag, ["encoded"]).get("encoded");
        if (typeof encoded !== "string") {
          throw new ExportFormatError("value", `bad ${tag} value: needs 'encoded', the region's hex bytes`);
        }
        const region = decodeRegionHex(encoded);
        if (region.kind !== kind) {
          throw new ExportFormatError("value", `bad ${tag} value: the bytes encode a ${region.kind}`);
        }
        sourceHex.set(region, encoded.trim().toLowerCase());
        return region;
      }),
    }),
  );

  const binary: ScalarTag = {
    tag: BINARY_TAG,
    identify: (value) => value instanceof Uint8Array,
    resolve: guard("!!binary", (text: string) => {
      const clean = text.replace(/\s+/g, "");
      if (clean.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(clean)) {
        throw new ExportFormatError("value", "bad !!binary value: not base64");
      }
      return new Uint8Array(Buffer.from(clean, "base64"));
    }),
    stringify: (item, ctx, onComment, onChompKeep) => {
      const bytes = item.value as Uint8Array;
      const base64 = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("base64");
      const lines = base64.match(/.{1,76}/g) ?? [""];
      return stringifyString(
        { value: `${lines.join("\n")}\n`, type: Scalar.BLOCK_LITERAL },
        ctx,
        onComment,
        onChompKeep,
      );
    },
  };

  // Implicit: a plain scalar that YAML 1.1 reads as a timestamp, as legacy exports wrote datetimes.
  // A date alone stays a string; matching it only makes the writer quote such strings, which
  // PyYAML would read as dates.
  const legacyTimestamp: ScalarTag = {
    tag: TIMESTAMP_TAG,
    default: true,
    test: PY_TIMESTAMP,
    resolve: guard("timestamp", (text: string) => (DATE_ONLY.test(text) ? text : legacyTimestampToTai(text))),
  };

  const ours = [uuid, butlerTime, timespanScalar, timespanMap, ...regionTags, binary, legacyTimestamp];
  return (schemaTags) => [...ours, ...PYYAML_SCALARS, ...schemaTags];
}

/**
 * Options for `parseDocument`/`new Document` that read and write export files: the failsafe schema
 * (maps, lists, strings) plus the export tags and PyYAML's implicit nulls, booleans, ints and floats.
 * Duplicate keys are allowed (the last wins), as PyYAML allows them and hsc-rc2-subset.yaml has one.
 */
export function exportYamlOptions(
  onError?: (error: ExportFormatError) => void,
): ParseOptions & DocumentOptions & SchemaOptions {
  return {
    schema: "failsafe",
    customTags: exportTags(onError),
    resolveKnownTags: false,
    uniqueKeys: false,
    logLevel: "silent",
  };
}

// PyYAML's implicit resolvers (resolver.py), so that plain scalars mean what they meant to the writer.
const PY_NULL = /^(?:~|null|Null|NULL|)$/;
const PY_BOOL = /^(?:yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF)$/;
const PY_INT =
  /^(?:[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+)$/;
const PY_FLOAT =
  /^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?|\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$/;
function sexagesimal(digits: string): number {
  return digits.split(":").reduce((acc, part) => acc * 60 + Number(part), 0);
}

function resolvePyInt(text: string): number {
  let s = text.replaceAll("_", "");
  let sign = 1;
  if (s[0] === "-" || s[0] === "+") {
    if (s[0] === "-") sign = -1;
    s = s.slice(1);
  }
  if (s === "0") return 0;
  if (s.startsWith("0b")) return sign * Number.parseInt(s.slice(2), 2);
  if (s.startsWith("0x")) return sign * Number.parseInt(s.slice(2), 16);
  if (s.includes(":")) return sign * sexagesimal(s);
  if (s.startsWith("0")) return sign * Number.parseInt(s.slice(1), 8);
  return sign * Number(s);
}

function resolvePyFloat(text: string): number {
  let s = text.replaceAll("_", "").toLowerCase();
  let sign = 1;
  if (s[0] === "-" || s[0] === "+") {
    if (s[0] === "-") sign = -1;
    s = s.slice(1);
  }
  if (s === ".inf") return sign * Number.POSITIVE_INFINITY;
  if (s === ".nan") return Number.NaN;
  if (s.includes(":")) {
    const [whole, fraction = ""] = s.split(".");
    return sign * (sexagesimal(whole!) + Number(`0.${fraction}`));
  }
  return sign * Number(s);
}

/** A number as PyYAML writes it: floats keep a `.` (and integers given minFractionDigits become floats). */
function stringifyPyNumber(item: Scalar): string {
  const value = item.value as number;
  if (!Number.isFinite(value)) return Number.isNaN(value) ? ".nan" : value < 0 ? "-.inf" : ".inf";
  let text = String(value);
  if (Number.isInteger(value) && !item.minFractionDigits && !text.includes("e")) return text;
  if (!text.includes(".") && !text.includes("e")) text += ".0";
  else if (!text.includes(".")) text = text.replace("e", ".0e");
  return text;
}

const PYYAML_SCALARS: ScalarTag[] = [
  {
    tag: "tag:yaml.org,2002:null",
    default: true,
    test: PY_NULL,
    identify: (value) => value === null || value === undefined,
    resolve: () => null,
    stringify: () => "null",
  },
  {
    tag: "tag:yaml.org,2002:bool",
    default: true,
    test: PY_BOOL,
    identify: (value) => typeof value === "boolean",
    resolve: (text) => /^(?:yes|true|on)$/i.test(text),
    stringify: (item) => (item.value ? "true" : "false"),
  },
  {
    tag: "tag:yaml.org,2002:int",
    default: true,
    test: PY_INT,
    identify: (value) => typeof value === "number" && Number.isInteger(value),
    resolve: resolvePyInt,
    stringify: stringifyPyNumber,
  },
  {
    tag: "tag:yaml.org,2002:float",
    default: true,
    test: PY_FLOAT,
    identify: (value) => typeof value === "number" && !Number.isInteger(value),
    resolve: resolvePyFloat,
    stringify: stringifyPyNumber,
  },
];

/** The scalar values of a mapping's pairs, refusing keys other than `accepted`. */
function mapFields(map: YAMLMap.Parsed, tag: string, accepted: readonly string[]): Map<string, unknown> {
  const fields = new Map<string, unknown>();
  if (!(map instanceof YAMLMap)) throw new ExportFormatError("value", `bad ${tag} value: not a mapping`);
  for (const pair of map.items) {
    const key = pair.key instanceof Scalar ? pair.key.value : pair.key;
    if (typeof key !== "string" || !accepted.includes(key)) {
      throw new ExportFormatError(
        "value",
        `bad ${tag} value: unknown key ${JSON.stringify(key)}; accepted: ${accepted.join(", ")}`,
      );
    }
    const value = pair.value;
    if (value instanceof Scalar) {
      // A hex string of digits only parses as a number; its source text is what was written.
      fields.set(key, typeof value.value === "number" && value.source ? value.source : value.value);
    } else if (value === null) fields.set(key, null);
    else throw new ExportFormatError("value", `bad ${tag} value: '${key}' must be a scalar`);
  }
  return fields;
}

function timeBound(value: unknown, which: string): bigint | null {
  if (value === undefined || value === null) return null;
  if (typeof value === "bigint") return value;
  if (typeof value === "string") return parseButlerTime(value.trim());
  throw new ExportFormatError("value", `bad ${TIMESPAN_TAG} value: '${which}' must be a time or null`);
}

const DATE_ONLY = /^\d{4}-\d\d-\d\d$/;
/** YAML 1.1's timestamp with a time of day. */
const LEGACY_TIMESTAMP =
  /^(\d{4})-(\d{1,2})-(\d{1,2})(?:[Tt]|[ \t]+)(\d{1,2}):(\d{2}):(\d{2})(?:\.(\d*))?(?:[ \t]*(Z|[-+]\d{1,2}(?::\d{2})?))?$/;
/** YAML 1.1's timestamp, date alone or with a time of day (PyYAML's resolver). */
const PY_TIMESTAMP = new RegExp(`${DATE_ONLY.source}|${LEGACY_TIMESTAMP.source}`);

/** A YAML 1.1 timestamp as TAI ns: without a zone it is UTC (how daf_butler reads legacy datetimes). */
export function legacyTimestampToTai(text: string): bigint {
  const match = LEGACY_TIMESTAMP.exec(text.trim());
  if (match === null) throw new ExportFormatError("value", `'${text}' is not a YAML timestamp`);
  const [, y, mo, d, h, mi, s, fraction = "", zone] = match;
  const digits = fraction.slice(0, 9).padEnd(9, "0");
  let ns = timeFromCalendar(
    {
      year: Number(y),
      month: Number(mo),
      day: Number(d),
      hour: Number(h),
      minute: Number(mi),
      second: Number(s),
      nanosecond: Number(digits),
    },
    "utc",
  );
  if (zone !== undefined && zone !== "Z") {
    const [, sign, hh, mm = "0"] = /^([-+])(\d{1,2})(?::(\d{2}))?$/.exec(zone)!;
    const offset = BigInt(Number(hh) * 3600 + Number(mm) * 60) * NS_PER_SECOND;
    ns = sign === "+" ? ns - offset : ns + offset;
  }
  return ns;
}
