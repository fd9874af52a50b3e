/**
 * Turning the server's JSON into the core's objects (refs, dataset types, data IDs, dimension records)
 * and the client's arguments into JSON (name expressions, data IDs, timespans).
 */
import {
  DataCoordinate,
  type DataIdInput,
  DatasetRef,
  type DatasetRefJson,
  DatasetType,
  type DatasetTypeJson,
  type DimensionGroup,
  type DimensionRecord,
  type DimensionUniverse,
  makeDimensionRecord,
  Timespan,
  type TimespanJson,
} from "../core/index.ts";
import { InvalidArgumentError } from "../errors/index.ts";
import type { NameExpression } from "../registry/name-expression.ts";
import { decodeRegionHex } from "../sphgeom/index.ts";
import type { DataIdJson, DimensionRecordJson } from "./protocol.ts";

export function refFromJson(json: DatasetRefJson, universe: DimensionUniverse): DatasetRef {
  return DatasetRef.fromJSON(json, universe);
}

export function datasetTypeFromJson(json: DatasetTypeJson, universe: DimensionUniverse): DatasetType {
  return DatasetType.fromJSON(json, universe);
}

/** A data ID of `dimensions` from its values (required and implied). */
export function dataIdFromJson(json: DataIdJson, dimensions: DimensionGroup): DataCoordinate {
  return DataCoordinate.standardize(json, { dimensions });
}

/** A data ID as the wire takes it: plain values (alternate keys and `element.field` keys allowed). */
export function dataIdToJson(dataId: DataIdInput | null | undefined): DataIdJson {
  if (dataId === null || dataId === undefined) return {};
  const entries =
    dataId instanceof DataCoordinate
      ? Object.entries(dataId.toObject())
      : dataId instanceof Map
        ? [...dataId.entries()]
        : Object.entries(dataId as Record<string, unknown>);
  const out: DataIdJson = {};
  for (const [key, value] of entries) {
    if (typeof value === "bigint") out[key] = Number(value);
    else if (typeof value === "string" || typeof value === "number") out[key] = value;
    else if (value !== undefined && value !== null) {
      throw new InvalidArgumentError(
        `data ID value ${key} must be a string or a number to be sent to a server, got ${typeof value}`,
      );
    }
  }
  return out;
}

export function timespanToJson(timespan: Timespan | null | undefined): TimespanJson | null | undefined {
  return timespan === undefined || timespan === null ? timespan : timespan.toJSON();
}

/** A name expression as the wire takes it: names and globs (regular expressions stay local). */
export function namesToJson(
  expression: NameExpression | undefined,
  what: string,
): string | string[] | undefined {
  if (expression === undefined) return undefined;
  const list =
    typeof expression === "string" || expression instanceof RegExp ? [expression] : [...expression];
  return list.map((item) => {
    if (item instanceof RegExp) {
      throw new InvalidArgumentError(
        `${what}: a regular expression (${item}) cannot be sent to a butler server; use names and globs (*, ?, [..])`,
      );
    }
    return item;
  });
}

function hexBytes(hex: string): Uint8Array {
  return new Uint8Array(Buffer.from(hex, "hex"));
}

/** A dimension record from its wire form (timespans as JSON, regions and hashes as hex). */
export function recordFromJson(
  json: DimensionRecordJson,
  element: string,
  universe: DimensionUniverse,
): DimensionRecord {
  const spec = universe.getElement(element);
  const values: Record<string, unknown> = {};
  for (const field of spec.recordFields) {
    const value = json[field.name];
    if (value === undefined || value === null) continue;
    if (field.type === "timespan") values[field.name] = Timespan.fromJSON(value as TimespanJson);
    else if (field.type === "region") values[field.name] = decodeRegionHex(value as string);
    else if (field.type === "hash") values[field.name] = hexBytes(value as string);
    else values[field.name] = value;
  }
  return makeDimensionRecord(spec, values);
}
