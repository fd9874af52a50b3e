/**
 * Datastore records: one per stored file (per dataset, or per component when a dataset is stored
 * disassembled), saying where the file is, which formatter and storage class wrote it, its size,
 * optional checksum, and its byte index. They live behind `DatastoreRecordStore`, whose every method
 * takes an optional transaction so the caller's registry rows and these records commit together.
 */
import type { Kysely } from "kysely";
import type { ByteIndex } from "./byte-index.ts";

/**
 * A Kysely database or transaction over the caller's schema (normally the registry's): the records
 * share it so that they commit with the registry's rows, and its schema type is not this layer's to know.
 */
// biome-ignore lint/suspicious/noExplicitAny: the schema type belongs to the caller (see above).
export type AnyDatabase = Kysely<any>;

export interface StoredFileRecord {
  /** The dataset's UUID (lowercase canonical form). */
  datasetId: string;
  /** The component this file holds when the dataset is disassembled; null for the whole dataset. */
  component: string | null;
  /** Path relative to the datastore root (`/`-separated), or an absolute path for `direct` ingests. */
  path: string;
  /** Formatter name, as registered in the FormatterRegistry. */
  formatter: string;
  /** Storage class the file was written with. */
  storageClass: string;
  /** `sha256:<hex>` when checksums are enabled, else null. */
  checksum: string | null;
  /** File size in bytes; −1 when unknown. */
  fileSize: number;
  /** The byte index of the file, or null (a reader then scans). */
  byteIndex: ByteIndex | null;
}

/**
 * Where records are kept. `trx` is the caller's transaction (a Kysely transaction on the same
 * database); without it each call runs on its own.
 */
export interface DatastoreRecordStore {
  /** Adds records; a record for an existing (dataset, component) is an error. */
  insert(records: readonly StoredFileRecord[], trx?: AnyDatabase): Promise<void>;
  /** The records of these datasets (every component), in no particular order. */
  get(datasetIds: readonly string[], trx?: AnyDatabase): Promise<StoredFileRecord[]>;
  /**
   * Live records in (dataset ID, component) order, `limit` at a time, starting after `after` (the last
   * record of the previous page): a scan of every record that never holds them all.
   */
  list(
    after: Pick<StoredFileRecord, "datasetId" | "component"> | null,
    limit: number,
    trx?: AnyDatabase,
  ): Promise<StoredFileRecord[]>;
  /** Live records whose path is one of `paths` (to keep a file that another record still uses). */
  findByPaths(paths: readonly string[], trx?: AnyDatabase): Promise<StoredFileRecord[]>;
  /** Deletes the records of these datasets; returns how many rows went. */
  remove(datasetIds: readonly string[], trx?: AnyDatabase): Promise<number>;
  /** Moves the records of these datasets to the trash; returns how many moved. */
  moveToTrash(datasetIds: readonly string[], trx?: AnyDatabase): Promise<number>;
  /** Records in the trash. */
  listTrash(trx?: AnyDatabase): Promise<StoredFileRecord[]>;
  /** Deletes trash rows: these (dataset, component) pairs, or every row when none are given. */
  emptyTrash(
    entries?: readonly Pick<StoredFileRecord, "datasetId" | "component">[],
    trx?: AnyDatabase,
  ): Promise<number>;
  /** Runs `fn` in one transaction on the store's database. */
  transaction<T>(fn: (trx: AnyDatabase) => Promise<T>): Promise<T>;
}
