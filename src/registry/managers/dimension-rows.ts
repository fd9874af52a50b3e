import {
  type DimensionElement,
  type DimensionRecord,
  makeDimensionRecord,
  Timespan,
} from "../../core/index.ts";
import { DimensionValueError } from "../../errors/index.ts";
import { decodeRegion, hexToBytes, type Region } from "../../sphgeom/index.ts";
import { columnValuesEqual, toBigInt, toBool, toBytes, toNumber } from "../sql-values.ts";

/** A record ready to store: the validated record and its table row. */
export interface PreparedRecord {
  readonly record: DimensionRecord;
  readonly row: Record<string, unknown>;
}

function isRegion(value: unknown): value is Region {
  return typeof value === "object" && value !== null && typeof (value as Region).encode === "function";
}

/**
 * Accepts a region as a sphgeom Region, its encoded bytes, or those bytes as hex; returns the region
 * and the bytes to store (the caller's bytes when given, so a round trip is exact).
 */
export function normalizeRegion(element: string, value: unknown): { region: Region; bytes: Uint8Array } {
  try {
    if (isRegion(value)) return { region: value, bytes: value.encode() };
    if (value instanceof Uint8Array) return { region: decodeRegion(value), bytes: toBytes(value) };
    if (typeof value === "string") {
      const bytes = hexToBytes(value);
      return { region: decodeRegion(bytes), bytes };
    }
  } catch (err) {
    throw new DimensionValueError(
      `${element}.region`,
      `${element}.region could not be decoded: ${(err as Error).message}`,
    );
  }
  throw new DimensionValueError(
    `${element}.region`,
    `${element}.region takes a sphgeom Region, its encoded bytes or their hex; got ${typeof value}`,
  );
}

/** Validates a record's values (with core's makeDimensionRecord) and builds its table row. */
export function prepareRecord(
  element: DimensionElement,
  values: Readonly<Record<string, unknown>>,
): PreparedRecord {
  let regionBytes: Uint8Array | null = null;
  let input = values;
  const rawRegion = values.region;
  if (element.isSpatial && rawRegion !== undefined && rawRegion !== null) {
    const { region, bytes } = normalizeRegion(element.name, rawRegion);
    regionBytes = bytes;
    input = { ...values, region };
  }
  const record = makeDimensionRecord(element, input);
  const row: Record<string, unknown> = {};
  for (const field of element.recordFields) {
    const value = record[field.name];
    if (field.type === "region") row.region = regionBytes;
    else if (field.type === "timespan") {
      const span = value as Timespan | null;
      row.timespan_begin = span === null ? null : span.beginNs;
      row.timespan_end = span === null ? null : span.endNs;
    } else row[field.name] = value ?? null;
  }
  return { record, row };
}

/** The record a table row holds. */
export function recordFromRow(
  element: DimensionElement,
  row: Readonly<Record<string, unknown>>,
): DimensionRecord {
  const values: Record<string, unknown> = {};
  for (const field of element.recordFields) {
    if (field.type === "timespan") {
      const begin = row.timespan_begin;
      const end = row.timespan_end;
      values.timespan =
        begin === null || begin === undefined || end === null || end === undefined
          ? null
          : Timespan.fromDatabase(toBigInt(begin), toBigInt(end));
      continue;
    }
    const value = row[field.name];
    if (value === null || value === undefined) {
      values[field.name] = null;
      continue;
    }
    switch (field.type) {
      case "region":
        values.region = decodeRegion(toBytes(value));
        break;
      case "int":
        values[field.name] = toNumber(value);
        break;
      case "float":
        values[field.name] = Number(value);
        break;
      case "bool":
        values[field.name] = toBool(value);
        break;
      case "hash":
        values[field.name] = toBytes(value);
        break;
      default:
        values[field.name] = value;
    }
  }
  return makeDimensionRecord(element, values);
}

/** The record fields whose stored values differ between a prepared row and a stored row. */
export function differingFields(
  element: DimensionElement,
  row: Readonly<Record<string, unknown>>,
  stored: Readonly<Record<string, unknown>>,
): string[] {
  const fields: string[] = [];
  for (const field of element.recordFields) {
    if (field.type === "timespan") {
      if (
        !columnValuesEqual(row.timespan_begin, stored.timespan_begin) ||
        !columnValuesEqual(row.timespan_end, stored.timespan_end)
      ) {
        fields.push("timespan");
      }
    } else if (field.type === "float") {
      const a = row[field.name];
      const b = stored[field.name];
      if (!(a === null || a === undefined ? b === null || b === undefined : Number(a) === Number(b))) {
        fields.push(field.name);
      }
    } else if (!columnValuesEqual(row[field.name], stored[field.name])) {
      fields.push(field.name);
    }
  }
  return fields;
}
