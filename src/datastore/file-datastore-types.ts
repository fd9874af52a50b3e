/**
 * The configuration, options and results of a `FileDatastore`: what its callers pass and get back.
 */
import type { ByteSource } from "../bytes/byte-source.ts";
import type { DatasetRef, StorageClassFactory } from "../core/index.ts";
import type { Header } from "../fits/header.ts";
import type { CacheConfig } from "./cache/cache-config.ts";
import type { FileCache } from "./cache/file-cache.ts";
import type { HeaderCache } from "./cache/header-cache.ts";
import type { FormatterLookupConfig, FormatterRegistry } from "./formatters/registry.ts";
import type { DatastoreRoot, FileTransfer } from "./location.ts";
import type { AnyDatabase, DatastoreRecordStore, StoredFileRecord } from "./records.ts";
import type { ResourceRootOptions } from "./resource-root.ts";
import type { TemplatesConfig } from "./templates.ts";
import type { DatastoreTransaction } from "./transaction.ts";

export interface FileDatastoreConfig {
  /**
   * Root directory: a local path or `file://` URI, or a remote one: `s3://bucket/prefix/`,
   * `gs://bucket/prefix/` (Google Cloud Storage), `https://host/dav/` (WebDAV; `dav://`/`davs://` too) or `mem://namespace/`.
   */
  root: string;
  /** Name for messages; default `FileDatastore@<root>`. */
  name?: string;
  /** Lookup key → file template, merged over daf_butler's defaults. */
  templates?: TemplatesConfig;
  /** Lookup key → formatter name or `{ formatter, recipe }`, merged over the defaults. */
  formatters?: FormatterLookupConfig;
  /** Extra write recipes by formatter name: recipe name → settings. */
  writeRecipes?: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
  /** Record a sha256 of every file written or ingested (default false). */
  checksum?: boolean;
  /**
   * The local cache of a remote root (daf_butler's `cached:` section; `false` turns it off). Its
   * environment variables apply too (see `cache/cache-config.ts`). Local roots have no cache.
   */
  cached?: CacheConfig | false | null;
  /**
   * The most remote requests in flight at once, over all reads of this datastore. Unset, a remote root
   * starts at 16 and adapts to the store's latency, up to 32.
   */
  maxRequests?: number;
  /** Options of a remote root's resources (retry budget, headers, timeouts) and its staging directory. */
  remote?: ResourceRootOptions;
  /**
   * Seconds after which a temporary file of a write is taken to be left by a write that died (default
   * 3600): a write removes such files from its directory, and `verify --fix` from the whole root.
   */
  tempGracePeriod?: number;
}

/** The default of `tempGracePeriod`: longer than any live write takes. */
export const DEFAULT_TEMP_GRACE_SECONDS = 3600;

export interface FileDatastoreOptions {
  /** Where records live (normally a KyselyRecordStore on the registry's database). */
  records: DatastoreRecordStore;
  storageClasses?: StorageClassFactory;
  /** A registry to use instead of one built from `formatters` and `writeRecipes`. */
  formatterRegistry?: FormatterRegistry;
  /** A root to use instead of the one `config.root` names (tests that inject failures). */
  root?: DatastoreRoot;
  /** The local file cache of a remote root (one from `config.cached` otherwise). */
  cache?: FileCache;
  /** The in-memory header cache of a remote root (a private one otherwise). */
  headerCache?: HeaderCache;
  /** Called in the transaction after each new record is inserted (the header index fills from it). */
  onRecord?: RecordHook;
}

/**
 * A new record, inside the transaction that inserts it: `open` reads the file as it will be committed
 * (the staged copy until the transaction commits); `headers`, when ingest has just parsed them, are
 * the file's headers by HDU as in `record.byteIndex`.
 */
export type RecordHook = (event: {
  ref: DatasetRef;
  record: StoredFileRecord;
  open: () => ByteSource;
  transaction: DatastoreTransaction;
  headers?: readonly Header[];
}) => Promise<void>;

/** Joins the caller's unit of work, or lets the datastore open its own transaction. */
export interface TransactionOptions {
  /** The caller's transaction: records go in with it, files move into place at its `commitFiles()`. */
  transaction?: DatastoreTransaction;
  /** Registry rows to insert in the same transaction as the record, before it (called with the transaction). */
  insertRegistryRows?: (trx: AnyDatabase) => Promise<void>;
}

export interface RemoveOptions {
  /** The caller's transaction: records move to the trash with it; files go after it commits. */
  transaction?: DatastoreTransaction;
  /** Registry rows to delete in the same transaction, after the records moved to the trash. */
  deleteRegistryRows?: (trx: AnyDatabase) => Promise<void>;
}

export interface PutResult {
  record: StoredFileRecord;
  uri: string;
  /** Wall time of the formatter's write, in ms. */
  writeMs: number;
}

export interface GetOptions {
  /** The component to read; the ref's own component when it is a component ref. */
  component?: string;
  parameters?: Readonly<Record<string, unknown>>;
  /** Storage class to read as: the ref's (composite) storage class by default. */
  storageClass?: string;
  signal?: AbortSignal;
  /** The dataset's record when the caller already looked it up (see `getRecords`). */
  record?: StoredFileRecord;
}

/** Where the time of a get went: record lookup, open, fetch and decode, with `totalMs` around them. */
export interface GetMetrics {
  /** Looking up the dataset's file record (0 when the caller passed it in). */
  recordMs: number;
  /**
   * Getting ready to read: the formatter (its module is loaded on first use), the size check of a
   * local file, a remote root's client set-up (its SDK is loaded on first use).
   */
  openMs: number;
  /** Wall time with at least one byte request in flight. */
  fetchMs: number;
  /** Time the formatter and assembler spent besides fetching. */
  decodeMs: number;
  bytesRead: number;
  requests: number;
  /** The whole get, record lookup included. */
  totalMs: number;
  /** Reads served by the caches of a remote root: the local file cache (one per get) and header bytes. */
  cacheHits: number;
}

export interface GetResult<T = unknown> {
  value: T;
  metrics: GetMetrics;
  uri: string;
  record: StoredFileRecord;
}

/** How `ingest` brings a file in: a transfer, `direct` (record its absolute path), or `auto`. */
export type IngestTransfer = FileTransfer | "direct" | "auto";

export interface IngestOptions extends TransactionOptions {
  transfer?: IngestTransfer;
  /** Formatter name to record; by default the one the lookup config gives. */
  formatter?: string;
}

export interface EmptyTrashResult {
  /** Files deleted. */
  removed: string[];
  /** Trashed records whose file was already gone. */
  missing: string[];
  /** Files kept: still used by a live record, or outside the root (direct ingests). */
  kept: string[];
}
