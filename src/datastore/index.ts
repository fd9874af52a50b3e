/**
 * The datastore layer: FileDatastore (files under a root, records with byte indexes, atomic puts that
 * commit with the registry's rows), file templates, the formatter contract and registry, the
 * assembler that applies what a formatter did not, and the SQL record store.
 */
export {
  type Assembler,
  applyParameters,
  assemblerFor,
  exposureAssembler,
  extractComponent,
  genericAssembler,
  type PreparedRead,
  prepareRead,
  registerAssembler,
  splitParameters,
} from "./assembler.ts";
export {
  BYTE_INDEX_VERSION,
  type ByteIndex,
  type FitsByteIndex,
  type FitsHduIndex,
  fitsIndex,
  headerBytes,
  type ParquetByteIndex,
  parseByteIndex,
  serializeByteIndex,
  type WholeByteIndex,
  wholeIndex,
} from "./byte-index.ts";
export {
  type CacheConfig,
  type CacheSettings,
  type ExpiryMode,
  parseExpiry,
  resolveCacheSettings,
} from "./cache/cache-config.ts";
export { type CachedFile, type CacheEntry, FileCache } from "./cache/file-cache.ts";
export { HeaderCache, headerParts, withHeaderCache } from "./cache/header-cache.ts";
export {
  type EmptyTrashResult,
  FileDatastore,
  type FileDatastoreConfig,
  type FileDatastoreOptions,
  type GetMetrics,
  type GetOptions,
  type GetResult,
  type IngestOptions,
  type IngestTransfer,
  type PutResult,
  type RecordHook,
  type RemoveOptions,
  type TransactionOptions,
} from "./file-datastore.ts";
export { FileTemplate, SPECIAL_FIELDS, type TemplateInput } from "./file-template.ts";
export {
  acceptsStorageClass,
  type Formatter,
  type FormatterFactory,
  type FormatterOptions,
  type ReadRequest,
  type WriteRequest,
  type WriteResult,
} from "./formatters/formatter.ts";
export {
  BUILTIN_FORMATTERS,
  DEFAULT_FORMATTER_LOOKUPS,
  FORMATTER_ALIASES,
  type FormatterChoice,
  type FormatterLoader,
  type FormatterLookupConfig,
  type FormatterLookupEntry,
  FormatterRegistry,
  type FormatterRegistryOptions,
} from "./formatters/registry.ts";
export { readHeaderValues, typedValue } from "./header-values.ts";
export {
  KyselyRecordStore,
  type KyselyRecordStoreOptions,
  NO_COMPONENT,
  type RecordDatabase,
} from "./kysely-record-store.ts";
export {
  type DatastoreRoot,
  type FileTransfer,
  isLocalRoot,
  LocalRoot,
  localPath,
  type OpenRootOptions,
  UPLOAD_DIR,
  UPLOAD_FILE_NAME,
  uploadExpiryMs,
} from "./location.ts";
export { type LookupMatch, type LookupSubject, LookupTable, lookupSubject } from "./lookup.ts";
export {
  cutoutBox,
  normalizeBBox,
  normalizeOrigin,
  normalizePixelParameters,
  ORIGINS,
} from "./parameters.ts";
export { fetchPlanned, type PlannedFetchOptions, plannedRequests } from "./planned-source.ts";
export {
  type DatasetReadOptions,
  decodePlanned,
  type PlannedRead,
  planDatasetRead,
  type ReadDatasetOptions,
  type RecordForRead,
  readDataset,
} from "./read.ts";
export { gapBytesFor, LOCAL_GAP_BYTES, openReadSource, REMOTE_GAP_BYTES } from "./read-source.ts";
export type { AnyDatabase, DatastoreRecordStore, StoredFileRecord } from "./records.ts";
export {
  createRootDirectory,
  datastoreRootFor,
  isRemoteUri,
  ResourceRoot,
  type ResourceRootOptions,
} from "./resource-root.ts";
export {
  DEFAULT_TEMPLATE,
  DEFAULT_TEMPLATES,
  FileTemplates,
  RAW_TEMPLATE,
  type TemplatesConfig,
  templateInput,
} from "./templates.ts";
export { DatastoreTransaction, type PendingFile, runInTransaction } from "./transaction.ts";
export {
  type FileProblem,
  isClean,
  type RecordProblem,
  type TrashProblem,
  type VerifyOptions,
  type VerifyReport,
  verifyDatastore,
} from "./verify.ts";
