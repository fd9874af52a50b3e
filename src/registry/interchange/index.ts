// Reading, migrating, importing and writing daf_butler's YAML export files (format 1.0.2 and
// legacy 0), and reading zip export indexes.

export { type ExportDocumentOptions, exportDocument } from "./export.ts";
export {
  type AssociationsItem,
  type CollectionItem,
  type DatasetFileRecord,
  type DatasetItem,
  type DatasetTypeItem,
  type DimensionItem,
  EXPORT_DESCRIPTION,
  EXPORT_FORMAT_VERSION,
  type ExportDataId,
  type ExportDocument,
  type ExportItem,
  type ExportRecord,
  type ExportValue,
  loadExportYaml,
  type ParseExportOptions,
  parseExport,
  type RunItem,
  type ValidityRange,
} from "./export-format.ts";
export {
  datasetTypeOfItem,
  type ImportCounts,
  type ImportedFile,
  type ImportOptions,
  type ImportSummary,
  type ImportTarget,
  importExport,
  type MaybePromise,
} from "./import.ts";
export {
  type DayObsOffsets,
  dayObsFromTime,
  type MigrateOptions,
  type MigrationResult,
  migrateExport,
} from "./migrations.ts";
export { exportYamlOptions, isRegion, KNOWN_TAGS, regionHex, uuidNode } from "./yaml-tags.ts";
export {
  parseZipIndex,
  type ZipArtifact,
  type ZipDatasetType,
  type ZipIndex,
  type ZipRef,
} from "./zip-index.ts";
