/**
 * The shapes `Registry` takes and lends out, kept apart so that the class file holds only its API.
 */
import type { Kysely } from "kysely";
import type { DataIdInput, DimensionGroup, DimensionUniverse, RecordsInput } from "../core/index.ts";
import type { RegistryDatabase } from "./database.ts";
import type { OpenDialectOptions } from "./dialects/open-dialect.ts";
import type { DynamicSchema, RegistryDialect } from "./dialects/registry-dialect.ts";
import type { CollectionManager } from "./managers/collection-manager.ts";
import type { DataIdExpander } from "./managers/data-id-expander.ts";
import type { DatasetManager } from "./managers/dataset-manager.ts";
import type { DatasetSearch } from "./managers/dataset-search.ts";
import type { ComponentsHook, DatasetTypeManager } from "./managers/dataset-type-manager.ts";
import type { DimensionRecordManager } from "./managers/dimension-record-manager.ts";
import type { HeaderIndexManager } from "./managers/header-index-manager.ts";
import type { SummaryManager } from "./managers/summary-manager.ts";
import type { QueryEngine } from "./queries/query-engine.ts";

/** Where a registry's database is: a URI for `openDialect`, or an opened dialect. */
export type RegistryDatabaseInput = string | RegistryDialect;

export interface RegistryCreateOptions {
  /** A database URI (file path, `sqlite:///…`, `postgresql://…`) or an opened dialect. */
  readonly db: RegistryDatabaseInput;
  /** The dimension universe of the new repository (the default universe when absent). */
  readonly universe?: DimensionUniverse;
  /** Engine options for a URI (namespace, busy timeout, pool size). */
  readonly dialectOptions?: OpenDialectOptions;
  /** The components hook for queryDatasetTypes (until storage classes are in core). */
  readonly componentsOf?: ComponentsHook;
}

/** The registry's database as `Registry.sharedDatabase` lends it out. */
export interface SharedDatabase {
  /** The connection to use now: the open transaction's, else the shared one. */
  current(): Kysely<DynamicSchema>;
  /** Runs `fn` in a registry transaction (a savepoint inside an open one). */
  transaction<T>(fn: (db: Kysely<DynamicSchema>) => Promise<T>): Promise<T>;
  /** What CREATE TABLE appends for a small table stored by its primary key (engine-specific). */
  readonly keyedTableOptions: string;
}

export interface RegistryOpenOptions {
  readonly db: RegistryDatabaseInput;
  /** False (the default is true) opens read-only: every write is a ReadOnlyRegistryError. */
  readonly writeable?: boolean;
  readonly dialectOptions?: OpenDialectOptions;
  readonly componentsOf?: ComponentsHook;
}

export interface ExpandDataIdOptions {
  /** The dimensions of the data ID; inferred from its keys when absent. */
  readonly dimensions?: DimensionGroup | Iterable<string>;
  /** Records already known, by element name, used instead of being looked up. */
  readonly records?: RecordsInput;
  /** Values for dimensions the data ID lacks. */
  readonly defaults?: DataIdInput | null;
}

/** The building blocks the query system uses (tables, managers); not a stable public API. */
export interface RegistryInternals {
  readonly database: RegistryDatabase;
  readonly collections: CollectionManager;
  readonly datasetTypes: DatasetTypeManager;
  readonly dimensions: DimensionRecordManager;
  readonly expander: DataIdExpander;
  readonly datasets: DatasetManager;
  readonly search: DatasetSearch;
  readonly summaries: SummaryManager;
  readonly headers: HeaderIndexManager;
  readonly queries: QueryEngine;
}
