/**
 * butler-ts: the package entry point. The Butler facade with the model it speaks (dimensions, data
 * IDs, dataset types and refs, storage classes), the typed errors, the loggers, and the registry and
 * datastore it joins. Each layer's own index (`src/<layer>/index.ts`) exports the rest of it.
 */
export * from "./butler/index.ts";
export * from "./client/index.ts";
export * from "./core/index.ts";
export {
  FileDatastore,
  type FileDatastoreConfig,
  FORMATTER_ALIASES,
  FormatterRegistry,
  type ReadDatasetOptions,
  type RecordForRead,
  readDataset,
} from "./datastore/index.ts";
export * from "./errors/index.ts";
export {
  getLogger,
  type LogLevel,
  type LogRecord,
  resetLogLevels,
  setLogLevel,
  setLogSinks,
  timeThis,
} from "./log.ts";
export { Registry, type RegistryCreateOptions, type RegistryOpenOptions } from "./registry/index.ts";
export * from "./time/index.ts";
