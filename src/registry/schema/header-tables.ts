import type { ColumnKind } from "../dialects/registry-dialect.ts";
import { TABLES } from "./static-tables.ts";
import type { TableSpec } from "./table-spec.ts";

/** The header index's static table. */
export const HEADER_TABLES = Object.freeze({
  key: "dataset_header_key",
});

/** Schema version 2's one-row-per-dataset-and-key value table, migrated away from in version 3. */
export const NARROW_HEADER_TABLE = "dataset_header";

/** Longest key name the index accepts (`HDU:` plus a HIERARCH keyword). */
const HEADER_KEY_NAME_LENGTH = 96;

/**
 * `dataset_header_key(key_id, dataset_type_id, name, type)`: the keys indexed for a dataset type, with
 * the FITS type of their column (null until a first value is seen). Keys go with their dataset type.
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
  ];
}

/** The values table of a dataset type: `dataset_header_<dataset_type_id>`. */
export function headerValuesTableName(datasetTypeId: number): string {
  return `dataset_header_${datasetTypeId}`;
}

/** The column of a typed key in its dataset type's values table. */
export function headerValueColumn(keyId: number): string {
  return `v${keyId}`;
}

/** The column kind of a FITS value type. */
export const HEADER_COLUMN_KINDS: Readonly<Record<string, ColumnKind>> = Object.freeze({
  logical: "bool",
  integer: "int64",
  float: "float",
  string: "text",
});

/**
 * `dataset_header_<type id>(dataset_id, others, v<key id>…)`: one row per dataset of the type, one
 * column per indexed key of the key's FITS type (added when the key's type is settled by its first
 * value, so a scan reads one row per dataset). `others` is a JSON object by key ID of what does not
 * fit the typed columns: `null` for a key absent from the file (or a key with no column yet), the
 * string of a value of another type than the key's. A key is recorded for a dataset when its column
 * is not NULL or `others` names it; otherwise it is still to be read (backfill). Rows go with their
 * dataset (ON DELETE CASCADE).
 */
export function headerValuesTable(datasetTypeId: number): TableSpec {
  return {
    name: headerValuesTableName(datasetTypeId),
    columns: [
      { name: "dataset_id", type: { kind: "uuid" } },
      { name: "others", type: { kind: "text" }, nullable: true },
    ],
    primaryKey: ["dataset_id"],
    foreignKeys: [
      { columns: ["dataset_id"], table: TABLES.dataset, targetColumns: ["id"], onDelete: "cascade" },
    ],
  };
}
