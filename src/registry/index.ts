/**
 * The SQL registry: dimension records, collections, dataset types and datasets over Kysely, on
 * SQLite (the default) or PostgreSQL. `Registry` is the entry point; the managers, schema helpers
 * and `RegistryDatabase` are exported for the query system and tools.
 */

export { currentQuerySignal, withQuerySignal } from "./cancellation.ts";
export { RegistryDatabase } from "./database.ts";
export { defaultDatabaseUri, type OpenDialectOptions, openDialect } from "./dialects/open-dialect.ts";
export type {
  ColumnKind,
  ColumnTypeSpec,
  DatabaseErrorKind,
  DialectCapabilities,
  RegistryDialect,
  RowsColumn,
} from "./dialects/registry-dialect.ts";
export type { CollectionRecord, QueryCollectionsOptions } from "./managers/collection-manager.ts";
export { dataIdColumns, dataIdFromRow, requiredColumns, requiredEquals } from "./managers/data-id-columns.ts";
export type { ExpandDataIdsOptions } from "./managers/data-id-expander.ts";
export type {
  DatasetAssociation,
  FindDatasetOptions,
  FindFirstDatasetsOptions,
  QueryDatasetAssociationsOptions,
} from "./managers/dataset-search.ts";
export type {
  ComponentsHook,
  DatasetTypeRecord,
  QueryDatasetTypesOptions,
} from "./managers/dataset-type-manager.ts";
export type { InsertDimensionDataOptions } from "./managers/dimension-record-manager.ts";
export {
  HeaderIndexManager,
  type HeaderKeyRecord,
  type HeaderRow,
} from "./managers/header-index-manager.ts";
export type { CollectionSummary } from "./managers/summary-manager.ts";
export type {
  CreateTokenOptions,
  TokenCheck,
  TokenManager,
  TokenRecord,
  TokenRefusal,
} from "./managers/token-manager.ts";
export {
  globToRegExp,
  isGlob,
  type NameExpression,
  type ParsedNameExpression,
  parseNameExpression,
} from "./name-expression.ts";
export type {
  DatasetConstrainedOptions,
  DimensionsInput,
  QueryDataIdsOptions,
  QueryDatasetsOptions,
  QueryDimensionRecordsOptions,
  QueryOptions,
} from "./queries/query-options.ts";
export { DEFAULT_PAGE_SIZE, QueryStream, type QueryStreamOptions } from "./queries/query-stream.ts";
export { Registry } from "./registry.ts";
export type {
  ExpandDataIdOptions,
  RegistryCreateOptions,
  RegistryDatabaseInput,
  RegistryInternals,
  RegistryOpenOptions,
  SharedDatabase,
} from "./registry-options.ts";
export { calibsTableName, tagsTableName } from "./schema/dataset-tables.ts";
export {
  elementColumnFor,
  elementKeyColumns,
  overlapTableName,
  SKYPIX_INDEX_COLUMN,
} from "./schema/dimension-tables.ts";
export { HEADER_TABLES } from "./schema/header-tables.ts";
export { ATTRIBUTES, SCHEMA_VERSION } from "./schema/schema-version.ts";
export { governorSummaryTable, TABLES } from "./schema/static-tables.ts";
export { TOKEN_TABLE } from "./schema/token-tables.ts";
