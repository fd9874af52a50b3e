import { createHash } from "node:crypto";
import type { DimensionGroup } from "../../core/index.ts";
import { dimensionColumnType } from "./dimension-tables.ts";
import { TABLES } from "./static-tables.ts";
import type { ColumnDef, TableSpec } from "./table-spec.ts";

/**
 * Dataset association tables are made per dimension group, when the first dataset type with that
 * group is registered. Their names carry a hash of the group's dimension names, so every repository
 * names the same group the same way.
 */
function datasetTableSuffix(group: DimensionGroup): string {
  return createHash("sha256").update(group.key).digest("hex").slice(0, 8);
}

export function tagsTableName(group: DimensionGroup): string {
  return `dataset_tags_${datasetTableSuffix(group)}`;
}

export function calibsTableName(group: DimensionGroup): string {
  return `dataset_calibs_${datasetTableSuffix(group)}`;
}

function dimensionColumns(group: DimensionGroup): ColumnDef[] {
  return group.required.map((d) => ({
    name: d,
    type: dimensionColumnType(group.universe.getElement(d).primaryKey!),
  }));
}

const COMMON_FOREIGN_KEYS = [
  { columns: ["dataset_id"], table: TABLES.dataset, targetColumns: ["id"], onDelete: "cascade" as const },
  {
    columns: ["collection_id"],
    table: TABLES.collection,
    targetColumns: ["collection_id"],
    onDelete: "cascade" as const,
  },
  { columns: ["dataset_type_id"], table: TABLES.datasetType, targetColumns: ["dataset_type_id"] },
];

/**
 * `dataset_tags_<hash>`: membership of datasets in RUN and TAGGED collections, with the required
 * dimension values of their data IDs. One row per (collection, dataset type, data ID) — which is how
 * a RUN or TAGGED collection holds at most one dataset per type and data ID.
 *
 * The unique key leads with the collection (as daf_butler's does): rows are written a collection at a
 * time, so inserts append to one region of the index instead of touching a page per data ID (on
 * SQLite that halved the cost of loading 100k datasets), and every search drives from the searched
 * collections, probing (collection_id, dataset_type_id[, data ID]). It also serves the cascade from
 * `collection`, so no separate collection index is needed.
 */
export function tagsTable(group: DimensionGroup): TableSpec {
  const dims = group.required;
  return {
    name: tagsTableName(group),
    columns: [
      { name: "dataset_type_id", type: { kind: "int64" } },
      { name: "dataset_id", type: { kind: "uuid" } },
      { name: "collection_id", type: { kind: "int64" } },
      ...dimensionColumns(group),
    ],
    primaryKey: ["dataset_id", "collection_id"],
    unique: [["collection_id", "dataset_type_id", ...dims]],
    foreignKeys: COMMON_FOREIGN_KEYS,
  };
}

/**
 * `dataset_calibs_<hash>`: certifications of datasets in CALIBRATION collections, each with a validity
 * range `[timespan_begin, timespan_end)` in TAI ns. Overlaps for one type and data ID are refused in
 * code (certify), so the table has a plain index.
 */
export function calibsTable(group: DimensionGroup): TableSpec {
  const dims = group.required;
  return {
    name: calibsTableName(group),
    columns: [
      { name: "id", type: { kind: "autoincrement" } },
      { name: "dataset_type_id", type: { kind: "int64" } },
      { name: "dataset_id", type: { kind: "uuid" } },
      { name: "collection_id", type: { kind: "int64" } },
      ...dimensionColumns(group),
      { name: "timespan_begin", type: { kind: "int64" } },
      { name: "timespan_end", type: { kind: "int64" } },
    ],
    indexes: [["dataset_type_id", ...dims, "collection_id"], ["dataset_id"], ["collection_id"]],
    foreignKeys: COMMON_FOREIGN_KEYS,
  };
}
