export { asyncBufferFrom } from "./async-buffer.ts";
export {
  columnChunkRanges,
  columnNamesOf,
  type EncodedParquet,
  encodeParquet,
  footerRange,
  keyValueMetadata,
  locateFooter,
  parseFooter,
  readParquetTable,
  rowCountOf,
  schemaOf,
} from "./parquet.ts";
export {
  COLUMN_TYPES,
  type Column,
  type ColumnInput,
  type ColumnSchema,
  type ColumnType,
  type ColumnValues,
  type NumericValues,
  selectColumnNames,
  Table,
  type TableSchema,
  typedArrayFor,
} from "./table.ts";
