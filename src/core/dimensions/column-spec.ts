import { DimensionConfigError } from "../../errors/index.ts";

/** Column types a dimension universe config may declare for keys and metadata. */
export type ColumnType = "int" | "string" | "float" | "bool" | "hash";

export const COLUMN_TYPES: readonly ColumnType[] = ["int", "string", "float", "bool", "hash"];

/** One key or metadata column of a dimension element, as declared in the universe config. */
export interface ColumnSpec {
  readonly name: string;
  readonly type: ColumnType;
  /** Maximum length in characters; set only for `string`. */
  readonly length?: number;
  /** Size in bytes; set only for `hash`. */
  readonly nbytes?: number;
  readonly nullable: boolean;
  readonly doc: string;
}

const COLUMN_FIELDS = new Set(["name", "type", "length", "nbytes", "nullable", "doc"]);
const NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/**
 * Validates one entry of an element's `keys` or `metadata` list. Keys are never nullable; metadata
 * columns are nullable unless they say otherwise.
 */
export function parseColumnSpec(raw: unknown, where: string, isKey: boolean): ColumnSpec {
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) {
    throw new DimensionConfigError(`${where}: a column must be a mapping with name and type`);
  }
  const entry = raw as Record<string, unknown>;
  for (const field of Object.keys(entry)) {
    if (!COLUMN_FIELDS.has(field)) {
      throw new DimensionConfigError(
        `${where}: unknown column field '${field}'; accepted: ${[...COLUMN_FIELDS].join(", ")}`,
      );
    }
  }
  const { name, type } = entry;
  if (typeof name !== "string" || !NAME.test(name)) {
    throw new DimensionConfigError(
      `${where}: column name must be an identifier, got ${JSON.stringify(name)}`,
    );
  }
  const at = `${where} column '${name}'`;
  if (typeof type !== "string" || !COLUMN_TYPES.includes(type as ColumnType)) {
    throw new DimensionConfigError(
      `${at}: type ${JSON.stringify(type)} is not accepted; accepted: ${COLUMN_TYPES.join(", ")}`,
    );
  }
  const spec: { -readonly [K in keyof ColumnSpec]: ColumnSpec[K] } = {
    name,
    type: type as ColumnType,
    nullable: !isKey,
    doc: typeof entry.doc === "string" ? entry.doc.trim() : "",
  };
  if (type === "string")
    spec.length = positiveInt(entry.length, `${at}: string columns need a positive length`);
  else if (entry.length !== undefined)
    throw new DimensionConfigError(`${at}: only string columns take a length`);
  if (type === "hash") spec.nbytes = positiveInt(entry.nbytes, `${at}: hash columns need a positive nbytes`);
  else if (entry.nbytes !== undefined) throw new DimensionConfigError(`${at}: only hash columns take nbytes`);
  if (entry.nullable !== undefined) {
    if (typeof entry.nullable !== "boolean")
      throw new DimensionConfigError(`${at}: nullable must be true or false`);
    // Keys identify records, so they can never be null whatever the config says.
    spec.nullable = isKey ? false : entry.nullable;
  }
  return spec;
}

function positiveInt(value: unknown, message: string): number {
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value <= 0) {
    throw new DimensionConfigError(`${message}, got ${JSON.stringify(value)}`);
  }
  return value;
}

/** A short readable form of a column's type, for messages: `string(32)`, `hash(40 bytes)`, `int`. */
export function describeColumnType(spec: Pick<ColumnSpec, "type" | "length" | "nbytes">): string {
  switch (spec.type) {
    case "string":
      return `string(${spec.length})`;
    case "hash":
      return `hash(${spec.nbytes} bytes)`;
    default:
      return spec.type;
  }
}
