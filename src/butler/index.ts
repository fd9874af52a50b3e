/**
 * The butler facade: `Butler` over a repository's registry and datastore, making repositories
 * (`createRepo`, `butler.yaml`), and moving datasets in and out (ingest, export/import, transfers).
 */
export { Butler } from "./butler.ts";
export type { ButlerApi, RegistryReader } from "./butler-api.ts";
export { mapConcurrent } from "./concurrency.ts";
export { buildRepoConfig, type CreatedRepo, type CreateRepoOptions, createRepo } from "./create.ts";
export { DeferredDatasetHandle, type DeferredGetOptions } from "./deferred.ts";
export {
  configuredHeaderKeys,
  DEFAULT_EXPOSURE_HEADER_KEYS,
  type HeaderIndexConfig,
  isExposureLike,
  validateHeaderIndexConfig,
} from "./header-config.ts";
export {
  backfillHeaders,
  type IndexHeadersOptions,
  type IndexHeadersResult,
  readDatasetHeaders,
} from "./header-index.ts";
export {
  type HeaderScan,
  type HeaderScanRow,
  type QueryHeadersOptions,
  queryHeaders,
} from "./header-scan.ts";
export type {
  ButlerGetOptions,
  ButlerOpenOptions,
  ButlerPutOptions,
  DatasetRefURIs,
  FileDatasetInput,
  GetManyItem,
  GetManyOptions,
  IngestOptions,
} from "./options.ts";
export { type PruneDatasetsOptions, pruneDatasets, type RemoveRunsOptions, removeRuns } from "./removal.ts";
export {
  BUTLER_CONFIG_FILE,
  BUTLER_ROOT_TOKEN,
  configFileOf,
  type DatastoreSection,
  DEFAULT_REGISTRY_DB,
  type LoadedRepoConfig,
  type RegistryConfig,
  type RepoConfig,
  readRepoConfig,
  writeRepoConfig,
} from "./repo-config.ts";
export { formatDataId, mergeDataId, resolveDatasetType } from "./resolve.ts";
export { componentsHook, repoStorageClasses } from "./storage-classes.ts";
export {
  type ExportOptions,
  exportDatasets,
  type ImportOptions,
  type ImportResult,
  importDatasets,
  type RetrieveArtifactsOptions,
  retrieveArtifacts,
  type TransferFromOptions,
  transferFrom,
} from "./transfer.ts";
export { datastoreTransfer, TRANSFER_MODES, type TransferMode } from "./transfer-mode.ts";
export { verifyRepository } from "./verify.ts";
