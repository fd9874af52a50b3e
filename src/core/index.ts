// The butler's model: dimensions, data IDs, dataset types and refs, collections, times and timespans.
// It imports nothing from the registry, datastore or CLI.

export { CollectionType, MAX_COLLECTION_NAME_LENGTH, validateCollectionName } from "./collection-type.ts";
export { DataCoordinate, type RecordsInput } from "./data-coordinate.ts";
export {
  type DataIdInput,
  type DataIdLike,
  type ParsedDataId,
  parseDataId,
  type RecordConstraint,
  type StandardizeOptions,
} from "./data-id-parse.ts";
export { DATASET_ID_NAMESPACE, DatasetIdGenEnum, datasetIdName, makeDatasetId } from "./dataset-id.ts";
export { DatasetRef, type DatasetRefJson, type DatasetRefOptions } from "./dataset-ref.ts";
export {
  DATASET_TYPE_NAME,
  DatasetType,
  type DatasetTypeJson,
  type DatasetTypeOptions,
  datasetTypeNameWithComponent,
  splitDatasetTypeName,
  validateDatasetTypeName,
} from "./dataset-type.ts";
export {
  COLUMN_TYPES,
  type ColumnSpec,
  type ColumnType,
  describeColumnType,
} from "./dimensions/column-spec.ts";
export { type DataIdValue, normalizeColumnValue } from "./dimensions/column-value.ts";
export { DEFAULT_UNIVERSE_PATH, defaultUniverse } from "./dimensions/default-universe.ts";
export { DIMENSION_ALIASES } from "./dimensions/dimension-aliases.ts";
export { DimensionElement, type ElementKind } from "./dimensions/dimension-element.ts";
export { DimensionGroup } from "./dimensions/dimension-group.ts";
export {
  type DimensionRecord,
  type DimensionRecordValue,
  makeDimensionRecord,
  recordDataId,
} from "./dimensions/dimension-record.ts";
export { DimensionUniverse, type SkyPixSystem } from "./dimensions/dimension-universe.ts";
export type { RecordField, RecordFieldRole } from "./dimensions/record-fields.ts";
export { TopologicalFamily, type TopologicalSpace } from "./dimensions/topological-family.ts";
export type { RegionLike } from "./region.ts";
export * from "./storage/index.ts";
export { Timespan, type TimespanColumns, type TimespanJson } from "./timespan.ts";
export { isUuid, normalizeUuid, UUID_NAMESPACE_DNS, uuid5, uuid7, uuidVersion } from "./uuid.ts";
