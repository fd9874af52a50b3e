import type { ColumnSpec, ColumnType } from "./column-spec.ts";

/** What a dimension record field holds. */
export type RecordFieldRole =
  /** The primary key value of a required dependency (`instrument` in a detector record). */
  | "required"
  /** The element's own primary key (`id` in a detector record). */
  | "key"
  /** An alternate unique key (`full_name` in a detector record). */
  | "alternateKey"
  /** The primary key value of an implied dimension (`physical_filter` in a visit record). */
  | "implied"
  | "metadata"
  | "region"
  | "timespan";

/**
 * One field of an element's records, in the order records and tables use: required dependencies,
 * the primary key, implied dimensions, alternate keys, metadata, then region and timespan.
 */
export interface RecordField {
  readonly name: string;
  readonly role: RecordFieldRole;
  readonly type: ColumnType | "region" | "timespan";
  readonly length?: number;
  readonly nbytes?: number;
  readonly nullable: boolean;
  /** For required, key and implied fields: the dimension whose primary key the field holds. */
  readonly dimension?: string;
  readonly doc: string;
}

/** The field for a column spec, keeping only the size entry its type uses. */
export function fieldFromColumn(
  spec: ColumnSpec,
  role: RecordFieldRole,
  overrides: { name?: string; nullable?: boolean; dimension?: string } = {},
): RecordField {
  const field: { -readonly [K in keyof RecordField]: RecordField[K] } = {
    name: overrides.name ?? spec.name,
    role,
    type: spec.type,
    nullable: overrides.nullable ?? spec.nullable,
    doc: spec.doc,
  };
  if (spec.length !== undefined) field.length = spec.length;
  if (spec.nbytes !== undefined) field.nbytes = spec.nbytes;
  if (overrides.dimension !== undefined) field.dimension = overrides.dimension;
  return Object.freeze(field);
}
