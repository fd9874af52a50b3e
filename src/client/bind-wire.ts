/**
 * Bind values of a query on the wire. Numbers and strings are JSON as they are; the values JSON has no
 * type for travel as an object with one tagged key: `{"$int": "…"}` (bigint), `{"$time": ISO}` (Date),
 * `{"$timespan": {begin, end}}` and `{"$region": hex}` (a sphgeom region's encoding). Lists hold the
 * same. The server decodes them back, so a remote query binds what a local one does.
 */
import { Timespan, type TimespanJson } from "../core/index.ts";
import { InvalidQueryError } from "../errors/index.ts";
import { decodeRegionHex, encodeRegionHex, type Region } from "../sphgeom/index.ts";

export type BindValueJson =
  | number
  | string
  | boolean
  | null
  | { $int: string }
  | { $time: string }
  | { $timespan: TimespanJson }
  | { $region: string }
  | BindValueJson[];

function isRegion(value: object): value is Region {
  return typeof (value as Partial<Region>).encode === "function";
}

function encodeValue(name: string, value: unknown): BindValueJson {
  if (value === null || typeof value === "number" || typeof value === "string" || typeof value === "boolean")
    return value;
  if (typeof value === "bigint") return { $int: value.toString() };
  if (Array.isArray(value)) return value.map((item) => encodeValue(name, item));
  if (value instanceof Date) return { $time: value.toISOString() };
  if (value instanceof Timespan) return { $timespan: value.toJSON() };
  if (typeof value === "object" && isRegion(value)) return { $region: encodeRegionHex(value) };
  const kind = typeof value === "object" ? (value.constructor?.name ?? "object") : typeof value;
  throw new InvalidQueryError(
    `bind parameter ':${name}' has an unsupported value (${kind}); accepted: numbers, bigints, strings, Dates, Timespans, regions and lists of them`,
  );
}

export function bindToJson(bind: Readonly<Record<string, unknown>>): Record<string, BindValueJson> {
  return Object.fromEntries(Object.entries(bind).map(([name, value]) => [name, encodeValue(name, value)]));
}

function decodeValue(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(decodeValue);
  if (value === null || typeof value !== "object") return value;
  const tagged = value as Record<string, unknown>;
  const keys = Object.keys(tagged);
  if (keys.length !== 1) return value;
  const payload = tagged[keys[0]!];
  switch (keys[0]) {
    case "$int":
      if (typeof payload === "string" && /^-?\d+$/.test(payload)) return BigInt(payload);
      break;
    case "$time":
      if (typeof payload === "string" && !Number.isNaN(Date.parse(payload))) return new Date(payload);
      break;
    case "$timespan":
      return Timespan.fromJSON(payload as TimespanJson);
    case "$region":
      if (typeof payload === "string") return decodeRegionHex(payload);
      break;
    default:
      // Anything else reaches the query as it is, which reports it as an unsupported value.
      return value;
  }
  throw new InvalidQueryError(`a bind value ${JSON.stringify(value)} is not a valid ${keys[0]!.slice(1)}`);
}

/** The bind values of a query as the registry takes them. */
export function bindFromJson(bind: Readonly<Record<string, unknown>>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(bind).map(([name, value]) => [name, decodeValue(value)]));
}
