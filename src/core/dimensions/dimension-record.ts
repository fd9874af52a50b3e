import { DimensionNameError, DimensionValueError } from "../../errors/index.ts";
import type { RegionLike } from "../region.ts";
import { Timespan } from "../timespan.ts";
import { type DataIdValue, normalizeColumnValue, showValue } from "./column-value.ts";
import type { DimensionElement } from "./dimension-element.ts";

/** A value a record field may hold. */
export type DimensionRecordValue = string | number | boolean | Uint8Array | Timespan | RegionLike | null;

/**
 * One row of a dimension element: a plain frozen object with one property per field of
 * `element.recordFields` (required dimensions by dimension name, the element's own keys, implied
 * dimensions, metadata), plus `region` for spatial and `timespan` for temporal elements.
 * Absent nullable fields are null. Example (detector):
 * `{ instrument: "HSC", id: 16, full_name: "1_53", name_in_raft: "53", raft: "1", purpose: "SCIENCE" }`.
 */
export interface DimensionRecord {
  readonly [field: string]: DimensionRecordValue | undefined;
  readonly region?: RegionLike | null;
  readonly timespan?: Timespan | null;
}

/**
 * Checks field values against the element's record fields and returns a frozen record in field
 * order. Unknown fields are DimensionNameErrors; missing key fields and wrongly typed values are
 * DimensionValueErrors naming the field and the type it takes.
 */
export function makeDimensionRecord(
  element: DimensionElement,
  values: Readonly<Record<string, unknown>>,
): DimensionRecord {
  const fields = element.recordFields;
  for (const name of Object.keys(values)) {
    if (!fields.some((f) => f.name === name)) {
      throw new DimensionNameError(
        `${element.name}.${name}`,
        `unknown field '${name}' for a ${element.name} record; accepted: ${fields.map((f) => f.name).join(", ")}`,
      );
    }
  }
  const record: Record<string, DimensionRecordValue> = {};
  for (const field of fields) {
    const raw = values[field.name];
    if (raw === undefined || raw === null) {
      if (!field.nullable) {
        throw new DimensionValueError(
          `${element.name}.${field.name}`,
          `a ${element.name} record needs a value for '${field.name}' (${describeField(field.type, field)})`,
        );
      }
      record[field.name] = null;
      continue;
    }
    let value: DimensionRecordValue | undefined;
    if (field.type === "timespan") value = raw instanceof Timespan ? raw : undefined;
    else if (field.type === "region") value = typeof raw === "object" ? (raw as RegionLike) : undefined;
    else value = normalizeColumnValue(field.type, raw);
    if (value === undefined) {
      throw new DimensionValueError(
        `${element.name}.${field.name}`,
        `${element.name}.${field.name} takes ${describeField(field.type, field)}, got ${showValue(raw)}`,
      );
    }
    record[field.name] = value;
  }
  return Object.freeze(record);
}

/** The dimension values a record carries: its required and implied dimensions, by dimension name. */
export function recordDataId(element: DimensionElement, record: DimensionRecord): Map<string, DataIdValue> {
  const values = new Map<string, DataIdValue>();
  for (const field of element.recordFields) {
    if (field.dimension === undefined) continue;
    const value = record[field.name];
    if (typeof value === "number" || typeof value === "string") values.set(field.dimension, value);
  }
  return values;
}

function describeField(type: string, field: { length?: number; nbytes?: number }): string {
  if (type === "string") return `a string of at most ${field.length} characters`;
  if (type === "hash") return `${field.nbytes} bytes (Uint8Array)`;
  if (type === "int") return "an integer";
  if (type === "float") return "a number";
  if (type === "bool") return "true or false";
  if (type === "timespan") return "a Timespan";
  return "a region";
}
