import type { DimensionUniverse } from "../../core/index.ts";
import { MAX_COLLECTION_NAME_LENGTH } from "../../core/index.ts";
import { dimensionColumnType } from "./dimension-tables.ts";
import type { TableSpec } from "./table-spec.ts";

/** Table names of the fixed part of the schema. */
export const TABLES = Object.freeze({
  attributes: "butler_attributes",
  collection: "collection",
  run: "run",
  collectionChain: "collection_chain",
  datasetType: "dataset_type",
  dataset: "dataset",
  summaryDatasetType: "collection_summary_dataset_type",
});

/** `collection_summary_<governor>`: which governor values a collection's datasets have. */
export function governorSummaryTable(governor: string): string {
  return `collection_summary_${governor}`;
}

const DATASET_TYPE_NAME_LENGTH = 128;
const STORAGE_CLASS_NAME_LENGTH = 64;

/** The tables every registry has, in creation order (referenced tables first). */
export function staticTables(): TableSpec[] {
  const tables: TableSpec[] = [
    {
      name: TABLES.attributes,
      columns: [
        { name: "name", type: { kind: "string", length: 1024 } },
        { name: "value", type: { kind: "text" } },
      ],
      primaryKey: ["name"],
    },
    {
      name: TABLES.collection,
      columns: [
        { name: "collection_id", type: { kind: "autoincrement" } },
        { name: "name", type: { kind: "string", length: MAX_COLLECTION_NAME_LENGTH } },
        { name: "type", type: { kind: "int16" } },
        { name: "doc", type: { kind: "text" }, nullable: true },
      ],
      unique: [["name"]],
    },
    {
      name: TABLES.run,
      columns: [
        { name: "collection_id", type: { kind: "int64" } },
        { name: "host", type: { kind: "string", length: 128 }, nullable: true },
        { name: "timespan_begin", type: { kind: "int64" }, nullable: true },
        { name: "timespan_end", type: { kind: "int64" }, nullable: true },
      ],
      primaryKey: ["collection_id"],
      foreignKeys: [
        {
          columns: ["collection_id"],
          table: TABLES.collection,
          targetColumns: ["collection_id"],
          onDelete: "cascade",
        },
      ],
    },
    {
      name: TABLES.collectionChain,
      columns: [
        { name: "parent", type: { kind: "int64" } },
        { name: "position", type: { kind: "int16" } },
        { name: "child", type: { kind: "int64" } },
      ],
      primaryKey: ["parent", "position"],
      indexes: [["child"]],
      foreignKeys: [
        {
          columns: ["parent"],
          table: TABLES.collection,
          targetColumns: ["collection_id"],
          onDelete: "cascade",
        },
        { columns: ["child"], table: TABLES.collection, targetColumns: ["collection_id"] },
      ],
    },
    {
      name: TABLES.datasetType,
      columns: [
        { name: "dataset_type_id", type: { kind: "autoincrement" } },
        { name: "name", type: { kind: "string", length: DATASET_TYPE_NAME_LENGTH } },
        { name: "storage_class", type: { kind: "string", length: STORAGE_CLASS_NAME_LENGTH } },
        { name: "dimensions_key", type: { kind: "text" } },
        { name: "is_calibration", type: { kind: "bool" } },
        { name: "tag_association_table", type: { kind: "string", length: 128 } },
        { name: "calibration_association_table", type: { kind: "string", length: 128 }, nullable: true },
      ],
      unique: [["name"]],
    },
    {
      name: TABLES.dataset,
      columns: [
        { name: "id", type: { kind: "uuid" } },
        { name: "dataset_type_id", type: { kind: "int64" } },
        { name: "run_id", type: { kind: "int64" } },
        { name: "ingest_date", type: { kind: "int64" } },
      ],
      primaryKey: ["id"],
      indexes: [["run_id"], ["dataset_type_id"]],
      foreignKeys: [
        { columns: ["dataset_type_id"], table: TABLES.datasetType, targetColumns: ["dataset_type_id"] },
        { columns: ["run_id"], table: TABLES.run, targetColumns: ["collection_id"] },
      ],
    },
    {
      name: TABLES.summaryDatasetType,
      columns: [
        { name: "collection_id", type: { kind: "int64" } },
        { name: "dataset_type_id", type: { kind: "int64" } },
      ],
      primaryKey: ["collection_id", "dataset_type_id"],
      indexes: [["dataset_type_id"]],
      foreignKeys: [
        {
          columns: ["collection_id"],
          table: TABLES.collection,
          targetColumns: ["collection_id"],
          onDelete: "cascade",
        },
        {
          columns: ["dataset_type_id"],
          table: TABLES.datasetType,
          targetColumns: ["dataset_type_id"],
          onDelete: "cascade",
        },
      ],
    },
  ];
  return tables;
}

/** The governor summary tables; they reference the governors' dimension tables, so come after them. */
export function governorSummaryTables(universe: DimensionUniverse): TableSpec[] {
  return universe.governors.map((governor) => {
    const key = governor.primaryKey!;
    return {
      name: governorSummaryTable(governor.name),
      columns: [
        { name: "collection_id", type: { kind: "int64" } },
        { name: governor.name, type: dimensionColumnType(key) },
      ],
      primaryKey: ["collection_id", governor.name],
      foreignKeys: [
        {
          columns: ["collection_id"],
          table: TABLES.collection,
          targetColumns: ["collection_id"],
          onDelete: "cascade",
        },
        ...(governor.hasOwnTable
          ? [{ columns: [governor.name], table: governor.name, targetColumns: [key.name] }]
          : []),
      ],
    };
  });
}
