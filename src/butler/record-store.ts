/**
 * Datastore records kept in the registry's database and bound to the registry's transactions: a
 * datastore transaction is a registry transaction, so a put's dataset row, its record and its file
 * commit together, and registry calls made inside it (which find their connection through the async
 * call chain) run on the same connection as the records.
 */
import type { AnyDatabase, DatastoreRecordStore, StoredFileRecord } from "../datastore/index.ts";
import { KyselyRecordStore } from "../datastore/index.ts";
import type { Registry } from "../registry/index.ts";

export class RegistryRecordStore implements DatastoreRecordStore {
  readonly #registry: Registry;
  readonly #store: KyselyRecordStore;

  constructor(registry: Registry, options: { tablesExist?: boolean } = {}) {
    this.#registry = registry;
    this.#store = new KyselyRecordStore(registry.dialect.kysely as AnyDatabase, {
      tablesExist: options.tablesExist ?? true,
    });
  }

  /** Creates the record tables (a new repository), in the current registry transaction if any. */
  createTables(): Promise<void> {
    return this.#store.createTables(this.#db(undefined));
  }

  /** The caller's transaction, else the registry's current one, else the shared connection. */
  #db(trx: AnyDatabase | undefined): AnyDatabase {
    return trx ?? (this.#registry.internals.database.db as AnyDatabase);
  }

  insert(records: readonly StoredFileRecord[], trx?: AnyDatabase): Promise<void> {
    return this.#store.insert(records, this.#db(trx));
  }

  get(datasetIds: readonly string[], trx?: AnyDatabase): Promise<StoredFileRecord[]> {
    return this.#store.get(datasetIds, this.#db(trx));
  }

  list(
    after: Pick<StoredFileRecord, "datasetId" | "component"> | null,
    limit: number,
    trx?: AnyDatabase,
  ): Promise<StoredFileRecord[]> {
    return this.#store.list(after, limit, this.#db(trx));
  }

  findByPaths(paths: readonly string[], trx?: AnyDatabase): Promise<StoredFileRecord[]> {
    return this.#store.findByPaths(paths, this.#db(trx));
  }

  remove(datasetIds: readonly string[], trx?: AnyDatabase): Promise<number> {
    return this.#store.remove(datasetIds, this.#db(trx));
  }

  moveToTrash(datasetIds: readonly string[], trx?: AnyDatabase): Promise<number> {
    if (trx === undefined) return this.transaction((t) => this.#store.moveToTrash(datasetIds, t));
    return this.#store.moveToTrash(datasetIds, trx);
  }

  listTrash(trx?: AnyDatabase): Promise<StoredFileRecord[]> {
    return this.#store.listTrash(this.#db(trx));
  }

  emptyTrash(
    entries?: readonly Pick<StoredFileRecord, "datasetId" | "component">[],
    trx?: AnyDatabase,
  ): Promise<number> {
    return this.#store.emptyTrash(entries, this.#db(trx));
  }

  transaction<T>(fn: (trx: AnyDatabase) => Promise<T>): Promise<T> {
    return this.#registry.transaction(() => fn(this.#registry.internals.database.db as AnyDatabase));
  }
}
