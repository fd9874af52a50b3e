/**
 * Tables as Parquet, through hyparquet (reading) and hyparquet-writer (writing).
 *
 * A Parquet file ends with its footer: the Thrift FileMetaData, its length (4 bytes, little-endian) and
 * `PAR1`. The footer holds the schema, the row count and where every column chunk is, so the column
 * names, row count and schema need the footer alone, and a read of some columns needs the footer and
 * those columns' chunks. Each column is read by its own hyparquet call because hyparquet merges the
 * chunks of one call across gaps of up to 8 KiB, which would fetch columns nobody asked for.
 *
 * Written files: one schema element per column (UINT_8…UINT_64 and INT_8/INT_16 annotations for the
 * narrow and unsigned types), REQUIRED unless the column is nullable, Snappy pages, the table's
 * metadata as key_value_metadata. An `ARROW:schema` entry is not written back: it describes the file
 * pyarrow wrote, and pyarrow would trust it over the schema we write.
 */
import {
  type AsyncBuffer,
  type DecodedArray,
  type FileMetaData,
  parquetMetadata,
  parquetRead,
  type SchemaElement,
} from "hyparquet";
import { parquetWriteBuffer } from "hyparquet-writer";
import type { ByteRange, ByteSource, ReadOptions } from "../bytes/byte-source.ts";
import { TableFormatError } from "../errors/index.ts";
import {
  type ColumnInput,
  type ColumnSchema,
  type ColumnType,
  type ColumnValues,
  Table,
  type TableSchema,
  typedArrayFor,
} from "./table.ts";

const MAGIC = 0x31524150; // "PAR1" read as a little-endian uint32
const TAIL = 8;

/** Bytes of a Parquet file and where its footer (metadata plus the 8-byte tail) is. */
export interface EncodedParquet {
  bytes: Uint8Array;
  footer: ByteRange;
}

/** Parquet's schema element for each of our column types. */
const ELEMENTS: Readonly<Record<ColumnType, Omit<SchemaElement, "name" | "repetition_type">>> = {
  float64: { type: "DOUBLE" },
  float32: { type: "FLOAT" },
  int8: { type: "INT32", converted_type: "INT_8" },
  int16: { type: "INT32", converted_type: "INT_16" },
  int32: { type: "INT32" },
  int64: { type: "INT64" },
  uint8: { type: "INT32", converted_type: "UINT_8" },
  uint16: { type: "INT32", converted_type: "UINT_16" },
  uint32: { type: "INT32", converted_type: "UINT_32" },
  uint64: { type: "INT64", converted_type: "UINT_64" },
  bool: { type: "BOOLEAN" },
  string: { type: "BYTE_ARRAY", converted_type: "UTF8" },
};

/** What hyparquet-writer takes for a column: typed arrays as they are, nulls in a plain array. */
function writerData(
  values: ColumnValues,
  type: ColumnType,
  valid: Uint8Array | undefined,
): unknown[] | ColumnValues {
  // hyparquet-writer 0.17 turns a Uint32Array into values its INT32 writer refuses; a plain array is
  // mapped to the signed range as the format wants.
  if (valid === undefined && type !== "uint32") return values;
  const out: unknown[] = Array.from(values as ArrayLike<unknown>);
  if (valid !== undefined) for (let i = 0; i < out.length; i++) if (valid[i] === 0) out[i] = null;
  return out;
}

/** The table as a Parquet file in memory. */
export function encodeParquet(table: Table, options: { createdBy?: string } = {}): EncodedParquet {
  const schema = table.schema.columns;
  const elements: SchemaElement[] = [
    { name: "schema", num_children: schema.length },
    ...schema.map(
      (c) =>
        ({
          name: c.name,
          ...ELEMENTS[c.type],
          repetition_type: c.nullable ? "OPTIONAL" : "REQUIRED",
        }) as SchemaElement,
    ),
  ];
  const kvMetadata = Object.entries(table.metadata)
    .filter(([key]) => key !== "ARROW:schema")
    .map(([key, value]) => ({ key, value }));
  let buffer: ArrayBuffer;
  try {
    buffer = parquetWriteBuffer({
      columnData: schema.map((c) => {
        const column = table.column(c.name);
        return {
          name: c.name,
          data: writerData(column.values, c.type, column.valid) as DecodedArray,
          nullable: c.nullable,
        };
      }),
      schema: elements,
      createdBy: options.createdBy ?? "butler-ts",
      ...(kvMetadata.length > 0 ? { kvMetadata } : {}),
    });
  } catch (cause) {
    throw new TableFormatError(`cannot write the table as Parquet: ${(cause as Error).message}`, { cause });
  }
  const bytes = new Uint8Array(buffer);
  return { bytes, footer: footerRange(bytes.subarray(bytes.length - TAIL), bytes.length) };
}

/** The footer's range from the file's last 8 bytes; a file that does not end in `PAR1` is refused. */
export function footerRange(tail: Uint8Array, size: number): ByteRange {
  const view = new DataView(tail.buffer, tail.byteOffset, tail.byteLength);
  if (tail.byteLength !== TAIL || size < 12 || view.getUint32(4, true) !== MAGIC) {
    throw new TableFormatError("not a Parquet file: it does not end with PAR1");
  }
  const length = view.getUint32(0, true) + TAIL;
  if (length > size - 4) {
    throw new TableFormatError(
      `not a Parquet file: its footer length ${length - TAIL} exceeds the file (${size} bytes)`,
    );
  }
  return { offset: size - length, length };
}

/** Reads the footer's range from the end of `source`: the last 8 bytes only. */
export async function locateFooter(
  source: ByteSource,
  size: number,
  options?: ReadOptions,
): Promise<ByteRange> {
  if (size < 12) throw new TableFormatError(`not a Parquet file: ${size} bytes is too short`);
  return footerRange(await source.read(size - TAIL, TAIL, options), size);
}

/** The metadata from the footer's bytes (the metadata and the 8-byte tail). */
export function parseFooter(bytes: Uint8Array): FileMetaData {
  try {
    return parquetMetadata(bytes);
  } catch (cause) {
    throw new TableFormatError(`the Parquet footer does not parse: ${(cause as Error).message}`, { cause });
  }
}

/** Top-level schema elements: the root's children, with nested groups skipped over. */
function topLevel(metadata: FileMetaData): SchemaElement[] {
  const out: SchemaElement[] = [];
  const elements = metadata.schema;
  let i = 1;
  const skip = (at: number): number => {
    let next = at + 1;
    for (let k = 0; k < (elements[at]?.num_children ?? 0); k++) next = skip(next);
    return next;
  };
  while (i < elements.length) {
    out.push(elements[i]!);
    i = skip(i);
  }
  return out;
}

/** The column names, in file order. */
export function columnNamesOf(metadata: FileMetaData): string[] {
  return topLevel(metadata).map((e) => e.name);
}

export function rowCountOf(metadata: FileMetaData): number {
  return Number(metadata.num_rows);
}

function describeElement(e: SchemaElement): string {
  if (e.num_children !== undefined && e.num_children > 0) return "a nested group";
  const annotation = e.logical_type?.type ?? e.converted_type;
  return `${e.type}${annotation === undefined ? "" : ` (${annotation})`}`;
}

/** Our type for a Parquet column, or undefined when we have none (timestamps, decimals, nesting…). */
function columnType(e: SchemaElement): ColumnType | undefined {
  if (e.num_children !== undefined && e.num_children > 0) return undefined;
  const logical = e.logical_type;
  const converted = e.converted_type;
  if (logical !== undefined && logical.type === "INTEGER") {
    const { bitWidth, isSigned } = logical;
    const name = `${isSigned ? "int" : "uint"}${bitWidth}`;
    return ["int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64"].includes(name)
      ? (name as ColumnType)
      : undefined;
  }
  const int32: Readonly<Record<string, ColumnType>> = {
    INT_8: "int8",
    INT_16: "int16",
    INT_32: "int32",
    UINT_8: "uint8",
    UINT_16: "uint16",
    UINT_32: "uint32",
  };
  const int64: Readonly<Record<string, ColumnType>> = { INT_64: "int64", UINT_64: "uint64" };
  switch (e.type) {
    case "BOOLEAN":
      return converted === undefined ? "bool" : undefined;
    case "FLOAT":
      return converted === undefined ? "float32" : undefined;
    case "DOUBLE":
      return converted === undefined ? "float64" : undefined;
    case "INT32":
      return int32[converted ?? "INT_32"];
    case "INT64":
      return int64[converted ?? "INT_64"];
    case "BYTE_ARRAY":
      return converted === undefined || converted === "UTF8" || logical?.type === "STRING"
        ? "string"
        : undefined;
    default:
      return undefined;
  }
}

/** One column's schema; a type we do not hold is a TableFormatError naming the column and its type. */
function columnSchema(e: SchemaElement): ColumnSchema {
  const type = columnType(e);
  if (type === undefined) {
    throw new TableFormatError(
      `column '${e.name}' is ${describeElement(e)}, which butler-ts tables do not hold; read other columns with the 'columns' parameter`,
    );
  }
  return { name: e.name, type, nullable: e.repetition_type !== "REQUIRED" };
}

/** The schema of the named columns (all of them by default). */
export function schemaOf(metadata: FileMetaData, names?: readonly string[]): TableSchema {
  const elements = topLevel(metadata);
  const chosen = names === undefined ? elements : names.map((n) => elements.find((e) => e.name === n)!);
  return { columns: chosen.map(columnSchema) };
}

/** The byte ranges of the named columns' chunks, in file order (every row group). */
export function columnChunkRanges(metadata: FileMetaData, names: readonly string[]): ByteRange[] {
  const wanted = new Set(names);
  const ranges: ByteRange[] = [];
  for (const group of metadata.row_groups) {
    for (const chunk of group.columns) {
      const meta = chunk.meta_data;
      if (meta === undefined || !wanted.has(meta.path_in_schema[0]!)) continue;
      const start = Number(meta.dictionary_page_offset ?? meta.data_page_offset);
      ranges.push({ offset: start, length: Number(meta.total_compressed_size) });
    }
  }
  return ranges.sort((a, b) => a.offset - b.offset);
}

/** Copies one decoded chunk into the column's values, noting missing values. */
function place(
  schema: ColumnSchema,
  target: ColumnValues,
  valid: { mask?: Uint8Array; rows: number },
  chunk: ArrayLike<unknown>,
  rowStart: number,
): void {
  if (ArrayBuffer.isView(chunk) && !Array.isArray(target)) {
    (target as { set(a: ArrayLike<number | bigint>, o: number): void }).set(
      chunk as ArrayLike<number>,
      rowStart,
    );
    return;
  }
  const zero =
    schema.type === "int64" || schema.type === "uint64"
      ? 0n
      : schema.type.startsWith("float")
        ? Number.NaN
        : 0;
  for (let i = 0; i < chunk.length; i++) {
    const v = chunk[i];
    const row = rowStart + i;
    if (v === null || v === undefined) {
      if (schema.type === "string") (target as (string | null)[])[row] = null;
      else {
        valid.mask ??= new Uint8Array(valid.rows).fill(1);
        valid.mask[row] = 0;
        (target as unknown[])[row] = schema.type === "bool" ? false : zero;
      }
    } else (target as unknown[])[row] = v;
  }
}

/** Reads one column through `file` (its chunks only, the metadata being known). */
async function readColumn(
  file: AsyncBuffer,
  metadata: FileMetaData,
  schema: ColumnSchema,
): Promise<ColumnInput> {
  const rows = rowCountOf(metadata);
  const values: ColumnValues =
    schema.type === "bool"
      ? new Array<boolean>(rows).fill(false)
      : schema.type === "string"
        ? new Array<string | null>(rows).fill(null)
        : typedArrayFor(schema.type, rows);
  const valid: { mask?: Uint8Array; rows: number } = { rows };
  await parquetRead({
    file,
    metadata,
    columns: [schema.name],
    onChunk: (chunk) => place(schema, values, valid, chunk.columnData, chunk.rowStart),
  });
  const input: ColumnInput = { values, type: schema.type, nullable: schema.nullable };
  if (valid.mask !== undefined) input.valid = valid.mask;
  return input;
}

/** The metadata's key-value pairs as a plain record. */
export function keyValueMetadata(metadata: FileMetaData): Record<string, string> {
  const out: Record<string, string> = {};
  for (const kv of metadata.key_value_metadata ?? []) out[kv.key] = kv.value ?? "";
  return out;
}

/** The named columns (all by default) as a Table, reading only their chunks through `file`. */
export async function readParquetTable(
  file: AsyncBuffer,
  metadata: FileMetaData,
  names: readonly string[] = columnNamesOf(metadata),
): Promise<Table> {
  const schema = schemaOf(metadata, names);
  let inputs: ColumnInput[];
  try {
    inputs = await Promise.all(schema.columns.map((c) => readColumn(file, metadata, c)));
  } catch (cause) {
    if (cause instanceof TableFormatError) throw cause;
    throw new TableFormatError(`cannot read the Parquet columns: ${(cause as Error).message}`, { cause });
  }
  return Table.fromColumns(Object.fromEntries(schema.columns.map((c, i) => [c.name, inputs[i]!])), {
    metadata: keyValueMetadata(metadata),
    numRows: rowCountOf(metadata),
  });
}
