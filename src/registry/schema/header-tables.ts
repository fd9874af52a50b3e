import { TABLES } from "./static-tables.ts";
import type { TableSpec } from "./table-spec.ts";

/** The header index's tables (schema version 2). */
export const HEADER_TABLES = Object.freeze({
  key: "dataset_header_key",
  value: "dataset_header",
});

/** Longest key name the index accepts (`HDU:` plus a HIERARCH keyword). */
const HEADER_KEY_NAME_LENGTH = 96;

/**
 * `dataset_header_key(key_id, dataset_type_id, name, type)`: the keys indexed for a dataset type, with
 * the FITS type of their column (null until a first value is seen). `dataset_header(dataset_id,
 * key_id, bool_value, int_value, float_value, string_value)`: one row per indexed dataset and key,
 * all value columns NULL when the key is absent from the file; a value of another type than the
 * key's is kept in `string_value`. Rows go with their dataset (ON DELETE CASCADE).
 */
export function headerTables(): TableSpec[] {
  return [
    {
      name: HEADER_TABLES.key,
      columns: [
        { name: "key_id", type: { kind: "autoincrement" } },
        { name: "dataset_type_id", type: { kind: "int64" } },
        { name: "name", type: { kind: "string", length: HEADER_KEY_NAME_LENGTH } },
        { name: "type", type: { kind: "string", length: 16 }, nullable: true },
      ],
      unique: [["dataset_type_id", "name"]],
      foreignKeys: [
        {
          columns: ["dataset_type_id"],
          table: TABLES.datasetType,
          targetColumns: ["dataset_type_id"],
          onDelete: "cascade",
        },
      ],
    },
    {
      name: HEADER_TABLES.value,
      columns: [
        { name: "dataset_id", type: { kind: "uuid" } },
        { name: "key_id", type: { kind: "int64" } },
        { name: "bool_value", type: { kind: "bool" }, nullable: true },
        { name: "int_value", type: { kind: "int64" }, nullable: true },
        { name: "float_value", type: { kind: "float" }, nullable: true },
        { name: "string_value", type: { kind: "text" }, nullable: true },
      ],
      primaryKey: ["dataset_id", "key_id"],
      indexes: [["key_id"]],
      foreignKeys: [
        { columns: ["dataset_id"], table: TABLES.dataset, targetColumns: ["id"], onDelete: "cascade" },
        { columns: ["key_id"], table: HEADER_TABLES.key, targetColumns: ["key_id"], onDelete: "cascade" },
      ],
    },
  ];
}
