/**
 * A small columnar table: named columns of equal length, numbers in typed arrays (64-bit integers as
 * bigints), booleans and strings in plain arrays. It is what the table storage classes (ArrowTable,
 * DataFrame, ArrowAstropy…) hold; it knows nothing of files or butlers.
 *
 * Nulls: a string column holds `null` where a value is missing; a numeric or boolean column keeps its
 * values in a typed array and says which are present in `valid` (1 = present), because a typed array
 * has no null.
 */
import { TableFormatError, UnknownColumnError } from "../errors/index.ts";

export type ColumnType =
  | "float64"
  | "float32"
  | "int8"
  | "int16"
  | "int32"
  | "int64"
  | "uint8"
  | "uint16"
  | "uint32"
  | "uint64"
  | "bool"
  | "string";

export const COLUMN_TYPES: readonly ColumnType[] = [
  "float64",
  "float32",
  "int8",
  "int16",
  "int32",
  "int64",
  "uint8",
  "uint16",
  "uint32",
  "uint64",
  "bool",
  "string",
];

export type NumericValues =
  | Float64Array
  | Float32Array
  | Int8Array
  | Int16Array
  | Int32Array
  | BigInt64Array
  | Uint8Array
  | Uint16Array
  | Uint32Array
  | BigUint64Array;

export type ColumnValues = NumericValues | boolean[] | (string | null)[];

export interface ColumnSchema {
  name: string;
  type: ColumnType;
  /** Whether values may be missing (Parquet OPTIONAL). */
  nullable: boolean;
}

/** The columns of a table, in order: what the `schema` component of a table dataset is. */
export interface TableSchema {
  columns: ColumnSchema[];
}

export interface Column {
  readonly name: string;
  readonly type: ColumnType;
  readonly values: ColumnValues;
  /** For numeric and boolean columns with missing values: 1 where a value is present. */
  readonly valid?: Uint8Array;
}

/** How a column is given to `Table.fromColumns`: values, or values with a type, nulls and a flag. */
export interface ColumnInput {
  values: ColumnValues;
  /** Needed only to tell boolean/string columns apart when empty, or to force nullability. */
  type?: ColumnType;
  valid?: Uint8Array;
  nullable?: boolean;
}

const TYPED: readonly [ColumnType, new (n: number) => NumericValues][] = [
  ["float64", Float64Array],
  ["float32", Float32Array],
  ["int8", Int8Array],
  ["int16", Int16Array],
  ["int32", Int32Array],
  ["int64", BigInt64Array],
  ["uint8", Uint8Array],
  ["uint16", Uint16Array],
  ["uint32", Uint32Array],
  ["uint64", BigUint64Array],
];

/** A new zeroed typed array for a numeric column type. */
export function typedArrayFor(type: ColumnType, length: number): NumericValues {
  const found = TYPED.find(([t]) => t === type);
  if (found === undefined) throw new TableFormatError(`column type ${type} has no typed array`);
  return new found[1](length);
}

/** The type of a column's values; plain arrays are told apart by their first non-null element. */
function inferType(values: ColumnValues): ColumnType | undefined {
  for (const [type, ctor] of TYPED) if (values instanceof ctor) return type;
  if (!Array.isArray(values)) return undefined;
  const first = values.find((v) => v !== null);
  if (typeof first === "boolean") return "bool";
  if (typeof first === "string") return "string";
  return undefined;
}

function checkValues(name: string, type: ColumnType, values: ColumnValues): void {
  if (type === "bool" || type === "string") {
    if (!Array.isArray(values)) throw new TableFormatError(`column '${name}' (${type}) must be an array`);
    const want = type === "bool" ? "boolean" : "string";
    const bad = values.findIndex((v) => !(typeof v === want || (type === "string" && v === null)));
    if (bad >= 0) {
      throw new TableFormatError(
        `column '${name}' (${type}) holds ${JSON.stringify(values[bad])} at row ${bad}${type === "bool" ? "; a missing boolean goes in `valid`" : ""}`,
      );
    }
    return;
  }
  if (inferType(values) !== type) {
    throw new TableFormatError(`column '${name}' is ${type} but its values are not a ${type} typed array`);
  }
}

/** Matches a name against a glob with `*` and `?` (case-sensitive), as daf_butler's `columns` does. */
function globMatches(pattern: string, name: string): boolean {
  if (!/[*?[]/.test(pattern)) return pattern === name;
  const source = pattern
    .split("")
    .map((c) => (c === "*" ? ".*" : c === "?" ? "." : c.replace(/[\\^$.+()|{}[\]]/g, "\\$&")))
    .join("");
  return new RegExp(`^${source}$`, "s").test(name);
}

/**
 * The columns a `columns` selection names: for each name or glob in the order given, the matching
 * columns in table order, each once. One that matches nothing is an UnknownColumnError listing them all.
 */
export function selectColumnNames(
  available: readonly string[],
  wanted: string | readonly string[],
): string[] {
  const out = new Set<string>();
  for (const pattern of typeof wanted === "string" ? [wanted] : wanted) {
    const hits = available.filter((name) => globMatches(pattern, name));
    if (hits.length === 0) throw new UnknownColumnError(pattern, available);
    for (const hit of hits) out.add(hit);
  }
  return [...out];
}

export class Table {
  readonly numRows: number;
  /** Key-value metadata carried with the table (Parquet's key_value_metadata). */
  readonly metadata: Readonly<Record<string, string>>;
  readonly #columns: ReadonlyMap<string, Column>;
  readonly #schema: TableSchema;

  private constructor(
    columns: Column[],
    schema: TableSchema,
    numRows: number,
    metadata: Record<string, string>,
  ) {
    this.#columns = new Map(columns.map((c) => [c.name, c]));
    this.#schema = schema;
    this.numRows = numRows;
    this.metadata = metadata;
  }

  /**
   * A table from named columns. Types come from the typed arrays (or `type`); all columns must have the
   * same length; a column is nullable when it has `valid`, holds a null string, or says so.
   */
  static fromColumns(
    columns: Readonly<Record<string, ColumnValues | ColumnInput>>,
    options: { metadata?: Readonly<Record<string, string>>; numRows?: number } = {},
  ): Table {
    const made: Column[] = [];
    const schema: ColumnSchema[] = [];
    let numRows = options.numRows;
    for (const [name, given] of Object.entries(columns)) {
      const input: ColumnInput =
        Array.isArray(given) || ArrayBuffer.isView(given)
          ? { values: given as ColumnValues }
          : (given as ColumnInput);
      const type = input.type ?? inferType(input.values);
      if (type === undefined) {
        throw new TableFormatError(
          `column '${name}': cannot tell its type from its values; give {values, type} with type one of ${COLUMN_TYPES.join(", ")}`,
        );
      }
      checkValues(name, type, input.values);
      numRows ??= input.values.length;
      if (input.values.length !== numRows) {
        throw new TableFormatError(
          `column '${name}' has ${input.values.length} rows; the table has ${numRows}`,
        );
      }
      if (input.valid !== undefined && input.valid.length !== numRows) {
        throw new TableFormatError(
          `column '${name}': its valid mask has ${input.valid.length} entries, not ${numRows}`,
        );
      }
      if (input.valid !== undefined && type === "string") {
        throw new TableFormatError(
          `column '${name}': a string column marks missing values with null, not valid`,
        );
      }
      const nullable =
        input.nullable === true ||
        input.valid !== undefined ||
        (type === "string" && (input.values as (string | null)[]).includes(null));
      if (input.nullable === false && nullable) {
        throw new TableFormatError(`column '${name}' is declared not nullable but has missing values`);
      }
      const column: Column =
        input.valid === undefined
          ? { name, type, values: input.values }
          : { name, type, values: input.values, valid: input.valid };
      made.push(column);
      schema.push({ name, type, nullable });
    }
    return new Table(made, { columns: schema }, numRows ?? 0, { ...(options.metadata ?? {}) });
  }

  get schema(): TableSchema {
    return { columns: this.#schema.columns.map((c) => ({ ...c })) };
  }

  get columnNames(): string[] {
    return this.#schema.columns.map((c) => c.name);
  }

  get numColumns(): number {
    return this.#schema.columns.length;
  }

  has(name: string): boolean {
    return this.#columns.has(name);
  }

  /** One column; an unknown name is an UnknownColumnError listing the table's columns. */
  column(name: string): Column {
    const found = this.#columns.get(name);
    if (found === undefined) throw new UnknownColumnError(name, this.columnNames);
    return found;
  }

  /** A table of the columns `wanted` names (names or globs, see `selectColumnNames`), sharing their values. */
  select(wanted: string | readonly string[]): Table {
    const names = selectColumnNames(this.columnNames, wanted);
    const bySchema = new Map(this.#schema.columns.map((c) => [c.name, c]));
    return new Table(
      names.map((n) => this.#columns.get(n)!),
      { columns: names.map((n) => ({ ...bySchema.get(n)! })) },
      this.numRows,
      { ...this.metadata },
    );
  }

  /** One row as an object (missing values are null), for display and tests. */
  row(index: number): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const c of this.#columns.values()) {
      out[c.name] = c.valid !== undefined && c.valid[index] === 0 ? null : c.values[index];
    }
    return out;
  }
}
