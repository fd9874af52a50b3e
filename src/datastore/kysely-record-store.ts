/**
 * Datastore records in SQL through Kysely: `file_datastore_records` (live records) and
 * `file_datastore_trash` (records of removed datasets whose files are still to be deleted), created in
 * the database the caller gives, which is normally the registry's, so that a put's record and the
 * registry's dataset row commit in one transaction. Columns use portable types only (varchar, text,
 * bigint); the one engine-specific piece of DDL comes from the database's host (`keyedTableOptions`).
 */
import { sql } from "kysely";
import { parseByteIndex, serializeByteIndex } from "./byte-index.ts";
import { ByteIndexCache } from "./byte-index-cache.ts";
import type { AnyDatabase, DatastoreRecordStore, StoredFileRecord } from "./records.ts";

export interface KyselyRecordStoreOptions {
  /** Live records table; default `file_datastore_records`. */
  table?: string;
  /** Trash table; default `file_datastore_trash`. */
  trashTable?: string;
  /** For a plain Kysely instance: what CREATE TABLE appends for a table stored by its key (default none). */
  keyedTableOptions?: string;
  /** The tables are known to exist (a repository made them): never run DDL, as a read-only database refuses it. */
  tablesExist?: boolean;
  /** Characters of byte-index JSON whose parsed indexes are kept (default `DEFAULT_BYTE_INDEX_CACHE_CHARS`). */
  byteIndexCacheChars?: number;
}

/** The component column cannot be NULL (it is in the primary key); this stands for "no component". */
export const NO_COMPONENT = "__NULL_STRING__";

/** IN-lists are split so a statement never binds more than this many values (some engines allow 999). */
const CHUNK = 500;

interface RecordRow {
  dataset_id: string;
  component: string;
  path: string;
  formatter: string;
  storage_class: string;
  checksum: string | null;
  file_size: number | string | bigint | null;
  byte_index: unknown;
}

const COLUMNS = [
  "dataset_id",
  "component",
  "path",
  "formatter",
  "storage_class",
  "checksum",
  "file_size",
  "byte_index",
] as const;

/**
 * The database the records live in, as its host lends it (the registry's `sharedDatabase()`): the
 * connection of the moment, transactions, and the engine's DDL for a table stored by its key.
 */
export interface RecordDatabase {
  /** The connection to use now: the open transaction's, else the shared one. */
  current(): AnyDatabase;
  /** Runs `fn` in one transaction (joining an open one). */
  transaction<T>(fn: (db: AnyDatabase) => Promise<T>): Promise<T>;
  /** What CREATE TABLE appends for a small table stored by its primary key (may be empty). */
  readonly keyedTableOptions: string;
}

/** A plain Kysely instance as a RecordDatabase: itself always, its own transactions. */
function ownDatabase(db: AnyDatabase, keyedTableOptions: string): RecordDatabase {
  return {
    current: () => db,
    transaction: (fn) => (db.isTransaction ? fn(db) : db.transaction().execute(fn)),
    keyedTableOptions,
  };
}

function isRecordDatabase(database: AnyDatabase | RecordDatabase): database is RecordDatabase {
  return typeof (database as Partial<RecordDatabase>).current === "function";
}

function toRow(record: StoredFileRecord): RecordRow {
  return {
    dataset_id: record.datasetId,
    component: record.component ?? NO_COMPONENT,
    path: record.path,
    formatter: record.formatter,
    storage_class: record.storageClass,
    checksum: record.checksum,
    file_size: record.fileSize,
    byte_index: serializeByteIndex(record.byteIndex),
  };
}

/** A record from its row; live records' indexes go through the store's cache, trash rows' do not. */
function fromRow(row: RecordRow, indexes?: ByteIndexCache): StoredFileRecord {
  return {
    datasetId: row.dataset_id,
    component: row.component === NO_COMPONENT ? null : row.component,
    path: row.path,
    formatter: row.formatter,
    storageClass: row.storage_class,
    checksum: row.checksum ?? null,
    // PostgreSQL drivers return bigint columns as strings.
    fileSize: row.file_size === null ? -1 : Number(row.file_size),
    byteIndex:
      indexes === undefined
        ? parseByteIndex(row.byte_index)
        : indexes.parse(row.dataset_id, row.component, row.byte_index),
  };
}

function chunks<T>(items: readonly T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += CHUNK) out.push(items.slice(i, i + CHUNK));
  return out;
}

export class KyselyRecordStore implements DatastoreRecordStore {
  readonly table: string;
  readonly trashTable: string;
  readonly #database: RecordDatabase;
  #created = false;
  /** Parsed byte indexes of live records (see `ByteIndexCache`). */
  readonly byteIndexes: ByteIndexCache;

  constructor(database: AnyDatabase | RecordDatabase, options: KyselyRecordStoreOptions = {}) {
    this.#database = isRecordDatabase(database)
      ? database
      : ownDatabase(database, options.keyedTableOptions ?? "");
    this.table = options.table ?? "file_datastore_records";
    this.trashTable = options.trashTable ?? "file_datastore_trash";
    this.byteIndexes = new ByteIndexCache(options.byteIndexCacheChars);
    this.#created = options.tablesExist ?? false;
  }

  /** The connection calls without a transaction of their own use now. */
  get db(): AnyDatabase {
    return this.#database.current();
  }

  /**
   * Creates both tables and the path index when missing (idempotent). Methods call it on first use;
   * call it yourself to create the schema up front, or inside a schema-creating transaction.
   */
  async createTables(trx?: AnyDatabase): Promise<void> {
    const db = trx ?? this.db;
    const suffix = this.#database.keyedTableOptions;
    for (const name of [this.table, this.trashTable]) {
      let create = db.schema
        .createTable(name)
        .ifNotExists()
        .addColumn("dataset_id", "varchar(36)", (c) => c.notNull())
        .addColumn("component", "varchar(32)", (c) => c.notNull())
        .addColumn("path", "text", (c) => c.notNull())
        .addColumn("formatter", "varchar(128)", (c) => c.notNull())
        .addColumn("storage_class", "varchar(64)", (c) => c.notNull())
        .addColumn("checksum", "varchar(128)")
        .addColumn("file_size", "bigint", (c) => c.notNull().defaultTo(-1))
        .addColumn("byte_index", "text")
        .addPrimaryKeyConstraint(`${name}_pkey`, ["dataset_id", "component"]);
      if (suffix !== "") create = create.modifyEnd(sql.raw(suffix));
      await create.execute();
    }
    await db.schema
      .createIndex(`${this.table}_path_idx`)
      .ifNotExists()
      .on(this.table)
      .column("path")
      .execute();
    // Inside a transaction the DDL may still roll back, so only a committed create is remembered.
    if (!db.isTransaction) this.#created = true;
  }

  async #ready(trx: AnyDatabase | undefined): Promise<AnyDatabase> {
    if (!this.#created) await this.createTables(trx);
    return trx ?? this.db;
  }

  async insert(records: readonly StoredFileRecord[], trx?: AnyDatabase): Promise<void> {
    if (records.length === 0) return;
    const db = await this.#ready(trx);
    for (const part of chunks(records)) await db.insertInto(this.table).values(part.map(toRow)).execute();
  }

  async get(datasetIds: readonly string[], trx?: AnyDatabase): Promise<StoredFileRecord[]> {
    return this.#select(this.table, "dataset_id", datasetIds, trx);
  }

  async list(
    after: Pick<StoredFileRecord, "datasetId" | "component"> | null,
    limit: number,
    trx?: AnyDatabase,
  ): Promise<StoredFileRecord[]> {
    const db = await this.#ready(trx);
    let query = db
      .selectFrom(this.table)
      .select([...COLUMNS])
      .orderBy("dataset_id")
      .orderBy("component")
      .limit(limit);
    if (after !== null) {
      const component = after.component ?? NO_COMPONENT;
      query = query.where((eb) =>
        eb.or([
          eb("dataset_id", ">", after.datasetId),
          eb.and([eb("dataset_id", "=", after.datasetId), eb("component", ">", component)]),
        ]),
      );
    }
    // A scan of every record: past the cache, which it would only churn.
    return ((await query.execute()) as RecordRow[]).map((row) => fromRow(row));
  }

  async findByPaths(paths: readonly string[], trx?: AnyDatabase): Promise<StoredFileRecord[]> {
    return this.#select(this.table, "path", paths, trx);
  }

  async #select(
    table: string,
    column: string,
    values: readonly string[],
    trx: AnyDatabase | undefined,
  ): Promise<StoredFileRecord[]> {
    if (values.length === 0) return [];
    const db = await this.#ready(trx);
    const out: StoredFileRecord[] = [];
    for (const part of chunks([...new Set(values)])) {
      const rows = (await db
        .selectFrom(table)
        .select([...COLUMNS])
        .where(column, "in", part)
        .execute()) as RecordRow[];
      for (const row of rows) out.push(fromRow(row, table === this.table ? this.byteIndexes : undefined));
    }
    return out;
  }

  async remove(datasetIds: readonly string[], trx?: AnyDatabase): Promise<number> {
    if (datasetIds.length === 0) return 0;
    const db = await this.#ready(trx);
    let removed = 0;
    for (const part of chunks([...new Set(datasetIds)])) {
      const result = await db.deleteFrom(this.table).where("dataset_id", "in", part).executeTakeFirst();
      this.byteIndexes.forget(part);
      removed += Number(result.numDeletedRows);
    }
    return removed;
  }

  async moveToTrash(datasetIds: readonly string[], trx?: AnyDatabase): Promise<number> {
    if (datasetIds.length === 0) return 0;
    if (trx === undefined) return this.transaction((t) => this.moveToTrash(datasetIds, t));
    const db = await this.#ready(trx);
    let moved = 0;
    for (const part of chunks([...new Set(datasetIds)])) {
      // A dataset trashed before (and then stored again) replaces its old trash row.
      await db.deleteFrom(this.trashTable).where("dataset_id", "in", part).execute();
      await db
        .insertInto(this.trashTable)
        .columns([...COLUMNS])
        .expression(
          db
            .selectFrom(this.table)
            .select([...COLUMNS])
            .where("dataset_id", "in", part),
        )
        .execute();
      const result = await db.deleteFrom(this.table).where("dataset_id", "in", part).executeTakeFirst();
      this.byteIndexes.forget(part);
      moved += Number(result.numDeletedRows);
    }
    return moved;
  }

  async listTrash(trx?: AnyDatabase): Promise<StoredFileRecord[]> {
    const db = await this.#ready(trx);
    const rows = (await db
      .selectFrom(this.trashTable)
      .select([...COLUMNS])
      .execute()) as RecordRow[];
    return rows.map((row) => fromRow(row));
  }

  async emptyTrash(
    entries?: readonly Pick<StoredFileRecord, "datasetId" | "component">[],
    trx?: AnyDatabase,
  ): Promise<number> {
    const db = await this.#ready(trx);
    if (entries === undefined) {
      const result = await db.deleteFrom(this.trashTable).executeTakeFirst();
      return Number(result.numDeletedRows);
    }
    // One DELETE per component and chunk of IDs, not one per row.
    const byComponent = new Map<string, string[]>();
    for (const entry of entries) {
      const component = entry.component ?? NO_COMPONENT;
      const ids = byComponent.get(component);
      if (ids === undefined) byComponent.set(component, [entry.datasetId]);
      else ids.push(entry.datasetId);
    }
    let removed = 0;
    for (const [component, ids] of byComponent) {
      for (const part of chunks(ids)) {
        const result = await db
          .deleteFrom(this.trashTable)
          .where("component", "=", component)
          .where("dataset_id", "in", part)
          .executeTakeFirst();
        removed += Number(result.numDeletedRows);
      }
    }
    return removed;
  }

  transaction<T>(fn: (trx: AnyDatabase) => Promise<T>): Promise<T> {
    return this.#database.transaction(fn);
  }
}
