/**
 * Binary tables (FITS 4.0 §7.3): the public entry point. Reading lives in `bintable-read.ts`, writing
 * in `bintable-write.ts`, the element codec in `bintable-codec.ts`; the decoded representation of each
 * TFORM code is documented in `bintable-types.ts`.
 */
export {
  type ColumnInfo,
  type Descriptor,
  mainTableRange,
  type RawTable,
  type ReadTableOptions,
  readTable,
  readTableRaw,
  selectColumns,
  type TableLayout,
  tableLayout,
} from "./bintable-read.ts";
export type {
  BitColumn,
  ComplexColumn,
  ElementCode,
  FloatArray,
  FloatColumn,
  IntegerArray,
  IntegerColumn,
  LogicalColumn,
  NumericArray,
  StringArrayColumn,
  StringColumn,
  Table,
  TableColumn,
  VarCell,
  VarColumn,
} from "./bintable-types.ts";
export { findColumn } from "./bintable-types.ts";
export {
  type ColumnValuesInput,
  type EncodedTable,
  type EncodeTableOptions,
  encodeTable,
  type TableColumnInput,
  type VarCellInput,
} from "./bintable-write.ts";
