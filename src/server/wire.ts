/**
 * Server-side encoders of values that core has no JSON form for (see DimensionRecordJson, HeaderRowJson,
 * DatasetAssociationJson).
 */

import type { HeaderScanRow } from "../butler/header-scan.ts";
import type { DatasetAssociationJson, DimensionRecordJson, HeaderRowJson } from "../client/protocol.ts";
import type { DimensionRecord } from "../core/index.ts";
import { Timespan } from "../core/index.ts";
import type { DatasetAssociation } from "../registry/index.ts";

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("hex");
}

export function encodeDimensionRecord(record: DimensionRecord): DimensionRecordJson {
  const out: DimensionRecordJson = {};
  for (const [field, value] of Object.entries(record)) {
    if (value === undefined) continue;
    if (value instanceof Timespan) out[field] = value.toJSON();
    else if (value instanceof Uint8Array) out[field] = hex(value);
    else if (value !== null && typeof value === "object") {
      const encode = (value as { encode?: () => Uint8Array }).encode;
      out[field] = typeof encode === "function" ? hex(encode.call(value)) : null;
    } else out[field] = value;
  }
  return out;
}

export function encodeHeaderRow(row: HeaderScanRow): HeaderRowJson {
  const values: HeaderRowJson["values"] = {};
  for (const [key, value] of Object.entries(row.values)) {
    values[key] = typeof value === "bigint" ? value.toString() : value;
  }
  return { dataset_ref: row.ref.toJSON(), values };
}

export function encodeDatasetAssociation(association: DatasetAssociation): DatasetAssociationJson {
  return {
    dataset_ref: association.ref.toJSON(),
    collection: association.collection,
    timespan: association.timespan === null ? null : association.timespan.toJSON(),
  };
}
