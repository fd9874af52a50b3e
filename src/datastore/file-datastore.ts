/**
 * `FileDatastore`: datasets as files under a root, one record per file (path, formatter, storage
 * class, size, optional sha256, and the byte index of the file's parts).
 *
 * - `put` names the file by template, has the formatter write it under a temporary name in the target
 *   directory (computing the byte index as it writes), inserts the record in the same transaction as
 *   the caller's registry rows, and moves the file into place as the last step before COMMIT; any
 *   failure leaves neither row nor file (see `transaction.ts`).
 * - `get` checks the component and parameters before any I/O, reads the record, lets the formatter
 *   read the component (or the whole) from the file through a metered source, lets the assembler do the
 *   rest, and reports where the time went.
 * - `remove` moves records to the trash in the caller's transaction; `emptyTrash` deletes the files,
 *   then the trash rows, and tolerates files already gone.
 * - `ingest` brings an existing file in (copy, move, hard link, symlink, or in place) and indexes it
 *   by scanning its headers.
 *
 * The root is local or remote (`ResourceRoot`: S3, WebDAV), chosen from its URI. On a remote root a get
 * opens the file with the record's size (no HEAD), serves header bytes already fetched from memory,
 * bounds its requests with the datastore's limiter, and reads whole files through the local cache.
 */
import { basename } from "node:path";
import type { ByteSource } from "../bytes/byte-source.ts";
import { withKey } from "../bytes/with-key.ts";
import { ADAPTIVE_REQUEST_MAX, DEFAULT_REQUEST_LIMIT, RequestLimiter } from "../bytes/with-limit.ts";
import {
  type DatasetRef,
  defaultStorageClasses,
  type StorageClass,
  type StorageClassFactory,
} from "../core/index.ts";
import {
  DatasetAlreadyExistsError,
  DatasetNotInDatastoreError,
  DatastoreConfigError,
  FormatterError,
  FormatterLookupError,
  InvalidArgumentError,
  isButlerError,
} from "../errors/index.ts";
import type { Header } from "../fits/header.ts";
import { getLogger } from "../log.ts";
import { fileSystemError } from "../resources/fs-errors.ts";
import type { ByteIndex } from "./byte-index.ts";
import { resolveCacheSettings } from "./cache/cache-config.ts";
import { FileCache } from "./cache/file-cache.ts";
import { HeaderCache } from "./cache/header-cache.ts";
import {
  DEFAULT_TEMP_GRACE_SECONDS,
  type EmptyTrashResult,
  type FileDatastoreConfig,
  type FileDatastoreOptions,
  type GetOptions,
  type GetResult,
  type IngestOptions,
  type IngestTransfer,
  type PutResult,
  type RecordHook,
  type RemoveOptions,
  type TransactionOptions,
} from "./file-datastore-types.ts";
import { acceptsStorageClass, type Formatter } from "./formatters/formatter.ts";
import { FormatterRegistry } from "./formatters/registry.ts";
import { getDataset } from "./get.ts";
import { type DatastoreRoot, type FileTransfer, isLocalRoot, localPath } from "./location.ts";
import { lookupSubject } from "./lookup.ts";
import { fileStack } from "./read-source.ts";
import type { AnyDatabase, DatastoreRecordStore, StoredFileRecord } from "./records.ts";
import { datastoreRootFor } from "./resource-root.ts";
import { FileTemplates } from "./templates.ts";
import { type DatastoreTransaction, type PendingFile, runInTransaction } from "./transaction.ts";

export type {
  EmptyTrashResult,
  FileDatastoreConfig,
  FileDatastoreOptions,
  GetMetrics,
  GetOptions,
  GetResult,
  IngestOptions,
  IngestTransfer,
  PutResult,
  RecordHook,
  RemoveOptions,
  TransactionOptions,
} from "./file-datastore-types.ts";

/** daf_butler's `timer.…` convention: `--log-level timer.datastore=debug` shows where the time went. */
const timer = getLogger("timer.datastore");
const log = getLogger("datastore");

export class FileDatastore {
  readonly name: string;
  readonly root: DatastoreRoot;
  readonly records: DatastoreRecordStore;
  /** See `RecordHook`; settable so the butler can attach its header index after construction. */
  onRecord: RecordHook | undefined;
  readonly storageClasses: StorageClassFactory;
  readonly formatters: FormatterRegistry;
  readonly templates: FileTemplates;
  readonly checksum: boolean;
  /** The local file cache, for a remote root (undefined for a local one). */
  readonly cache: FileCache | undefined;
  /** Header bytes of remote files already fetched, by dataset and part. */
  readonly headerCache: HeaderCache | undefined;
  /** Bounds the remote requests in flight over every read of this datastore. */
  readonly requestLimiter: RequestLimiter;
  /** How old a temporary file must be to count as left by a dead write, in ms. */
  readonly tempGracePeriodMs: number;
  /** Directories whose stale temporaries this instance has already removed. */
  readonly #swept = new Set<string>();

  constructor(config: FileDatastoreConfig, options: FileDatastoreOptions) {
    if (typeof config.root !== "string" || config.root === "") {
      throw new DatastoreConfigError(
        "a FileDatastore needs a root (a local path, file://, s3://, gs://, https:// or dav:// URI)",
      );
    }
    this.root = options.root ?? datastoreRootFor(config.root, config.remote ?? {});
    const remote = this.root.remote === true;
    this.cache =
      options.cache ??
      (remote
        ? new FileCache(
            config.cached === false
              ? { ...resolveCacheSettings(null), mode: "disabled" }
              : resolveCacheSettings(config.cached),
          )
        : undefined);
    this.headerCache = remote ? (options.headerCache ?? new HeaderCache()) : undefined;
    // A remote root's limit adapts to the store's latency unless `maxRequests` fixes it.
    this.requestLimiter =
      config.maxRequests === undefined && remote
        ? new RequestLimiter(DEFAULT_REQUEST_LIMIT, { max: ADAPTIVE_REQUEST_MAX })
        : new RequestLimiter(config.maxRequests ?? DEFAULT_REQUEST_LIMIT);
    this.name = config.name ?? `FileDatastore@${config.root}`;
    this.records = options.records;
    this.onRecord = options.onRecord;
    this.storageClasses = options.storageClasses ?? defaultStorageClasses();
    this.formatters =
      options.formatterRegistry ??
      new FormatterRegistry({
        ...(config.formatters === undefined ? {} : { lookups: config.formatters }),
        ...(config.writeRecipes === undefined ? {} : { recipes: config.writeRecipes }),
      });
    this.templates = new FileTemplates(config.templates ?? {}, { storageClasses: this.storageClasses });
    this.checksum = config.checksum ?? false;
    const grace = config.tempGracePeriod ?? DEFAULT_TEMP_GRACE_SECONDS;
    if (typeof grace !== "number" || !Number.isFinite(grace) || grace < 0) {
      throw new DatastoreConfigError(
        `tempGracePeriod must be a number of seconds >= 0, got ${JSON.stringify(grace)}`,
      );
    }
    this.tempGracePeriodMs = grace * 1000;
  }

  /**
   * Removes temporaries left by dead writes (older than the grace period) from the directory a write
   * to `path` uses, once per directory and datastore. Litter never fails a write.
   */
  async #sweepTemporaries(path: string): Promise<void> {
    const dir = path.slice(0, path.lastIndexOf("/") + 1);
    if (this.root.sweepTemporaries === undefined || this.#swept.has(dir)) return;
    this.#swept.add(dir);
    try {
      const removed = await this.root.sweepTemporaries(path, this.tempGracePeriodMs);
      if (removed.length > 0) log.info(`Removed ${removed.length} stale temporary file(s) in ${dir || "."}`);
    } catch (err) {
      log.debug(`Could not sweep temporaries in ${dir || "."}: ${(err as Error).message}`);
    }
  }

  /** Runs `fn` in one transaction of the record store: records, registry rows and files commit together. */
  transaction<T>(fn: (txn: DatastoreTransaction) => Promise<T>): Promise<T> {
    return runInTransaction((f) => this.records.transaction(f), fn);
  }

  /**
   * Uses the caller's transaction, or opens one, and runs `registry` inside it too: before `fn` when
   * adding (a dataset row exists before its location), after it when removing.
   */
  async #inTransaction<T>(
    transaction: DatastoreTransaction | undefined,
    registry: { first?: (trx: AnyDatabase) => Promise<void>; last?: (trx: AnyDatabase) => Promise<void> },
    fn: (txn: DatastoreTransaction) => Promise<T>,
  ): Promise<T> {
    const work = async (txn: DatastoreTransaction) => {
      await registry.first?.(txn.db);
      const value = await fn(txn);
      await registry.last?.(txn.db);
      return value;
    };
    return transaction !== undefined ? work(transaction) : this.transaction(work);
  }

  #storageClassOf(ref: DatasetRef): StorageClass {
    return this.storageClasses.get(ref.datasetType.storageClass);
  }

  /** The formatter and recipe configured for a ref, checked to handle its storage class. */
  async #formatterFor(
    ref: DatasetRef,
    storageClass: StorageClass,
    name?: string,
  ): Promise<{ formatter: Formatter; recipe?: string }> {
    const choice =
      name === undefined
        ? this.formatters.lookup(lookupSubject(ref.datasetType, storageClass, ref.dataId.get("instrument")))
        : { formatter: name };
    const formatter = await this.formatters.get(choice.formatter);
    if (!acceptsStorageClass(formatter, storageClass)) {
      throw new FormatterLookupError(
        `formatter '${formatter.name}' (configured for ${ref.datasetType.name}) cannot store storage class ${storageClass.name}; ` +
          `it handles ${formatter.storageClasses.join(", ")}`,
      );
    }
    const out: { formatter: Formatter; recipe?: string } = { formatter };
    if ("recipe" in choice && choice.recipe !== undefined) out.recipe = choice.recipe;
    return out;
  }

  /** The record path a ref's file gets: its template, plus `extension`. */
  pathFor(ref: DatasetRef, extension: string, storageClass?: StorageClass): string {
    return this.templates.pathFor(ref, storageClass ?? this.#storageClassOf(ref)) + extension;
  }

  #checkPutRef(ref: DatasetRef): void {
    if (ref.isComponent()) {
      throw new InvalidArgumentError(
        `cannot put component ${ref.datasetType.name}: put the whole ${ref.datasetType.parentName} dataset`,
      );
    }
    if (!ref.run || !ref.id)
      throw new InvalidArgumentError(`a put needs a ref with a run and an ID; got ${ref}`);
  }

  /**
   * Stores `object` as the dataset `ref` (see the module comment for the order of steps). Returns its
   * record. A file already at the target path, or a record for the ID, is a DatasetAlreadyExistsError.
   */
  async put(object: unknown, ref: DatasetRef, options: TransactionOptions = {}): Promise<PutResult> {
    this.#checkPutRef(ref);
    const storageClass = this.#storageClassOf(ref);
    const { formatter, recipe } = await this.#formatterFor(ref, storageClass);
    const path = this.pathFor(ref, formatter.extension, storageClass);
    await this.#checkNew(ref, path, options);
    const createdDirs = await this.root.makeParents(path);
    await this.#sweepTemporaries(path);
    const temp = this.root.tempPath(path);
    const started = performance.now();
    let written: { size: number; index: ByteIndex; checksum: string | null };
    try {
      const result = await formatter.write(object, {
        storageClass,
        path: temp,
        ...(recipe === undefined ? {} : { recipe }),
      });
      written = { ...result, checksum: this.checksum ? await this.root.checksum(temp) : null };
    } catch (err) {
      await this.root.remove(temp).catch(() => false);
      await this.root.removeEmptyDirectories(createdDirs);
      const typed = fileSystemError(path, err);
      throw isButlerError(typed)
        ? typed
        : new FormatterError(
            formatter.name,
            `failed to write dataset ${ref.id} (${ref.datasetType.name}) to ${path} with formatter '${formatter.name}': ${(err as Error).message}`,
            { cause: err },
          );
    }
    const writeMs = performance.now() - started;
    timer.debug(`Writing dataset ${ref.id} with formatter ${formatter.name}: took ${writeMs.toFixed(3)} ms`, {
      bytes: written.size,
      path,
    });
    const record: StoredFileRecord = {
      datasetId: ref.id,
      component: null,
      path,
      formatter: formatter.name,
      storageClass: storageClass.name,
      checksum: written.checksum,
      fileSize: written.size,
      byteIndex: written.index,
    };
    await this.#commitRecord(
      ref,
      record,
      { root: this.root, temp, path, createdDirs, datasetId: ref.id },
      options,
    );
    return { record, uri: this.root.uriOf(path), writeMs };
  }

  /**
   * Fails early, before anything is written, when a file is at `path` or the ID has a record. (Both are
   * checked again at commit: the record inside the transaction, the file by the no-clobber move.)
   */
  async #checkNew(ref: DatasetRef, path: string, options: TransactionOptions): Promise<void> {
    if ((await this.root.size(path)) !== undefined) {
      throw new DatasetAlreadyExistsError(ref.id, path, "a file is already there");
    }
    // On the caller's transaction when there is one: SQLite has one connection, which it holds.
    const existing = await this.records.get([ref.id], options.transaction?.db);
    if (existing.length > 0) {
      throw new DatasetAlreadyExistsError(
        ref.id,
        path,
        `the datastore already has a record for it (${existing[0]!.path})`,
      );
    }
  }

  /**
   * Inserts the record (after checking the ID is new) and registers the file, in the caller's
   * transaction or a new one. Without a transaction of the caller's, a failure before the transaction
   * starts still removes the temporary file.
   */
  async #commitRecord(
    ref: DatasetRef,
    record: StoredFileRecord,
    file: PendingFile | undefined,
    options: TransactionOptions,
    afterCommit?: () => Promise<void>,
    headers?: readonly Header[],
  ): Promise<void> {
    let registered = false;
    try {
      const registry = options.insertRegistryRows === undefined ? {} : { first: options.insertRegistryRows };
      await this.#inTransaction(options.transaction, registry, async (txn) => {
        if (file !== undefined) {
          txn.addFile(file);
          registered = true;
        }
        if (afterCommit !== undefined) txn.afterCommit(afterCommit);
        const existing = await this.records.get([record.datasetId], txn.db);
        if (existing.length > 0) {
          throw new DatasetAlreadyExistsError(
            record.datasetId,
            record.path,
            `the datastore already has a record for it (${existing[0]!.path})`,
          );
        }
        await this.records.insert([record], txn.db);
        const at = file?.temp ?? record.path;
        await this.onRecord?.({
          ref,
          record,
          open: () => this.openFile(at),
          transaction: txn,
          ...(headers === undefined ? {} : { headers }),
        });
      });
    } catch (err) {
      if (file !== undefined && !registered) {
        await file.root.remove(file.temp).catch(() => false);
        await file.root.removeEmptyDirectories(file.createdDirs);
      }
      throw err;
    }
  }

  /** The record of a dataset (not disassembled); DatasetNotInDatastoreError when there is none. */
  /** The whole-file records of many datasets in one lookup, by dataset id (absent ones are left out). */
  async getRecords(datasetIds: readonly string[]): Promise<Map<string, StoredFileRecord>> {
    const out = new Map<string, StoredFileRecord>();
    for (const record of await this.records.get(datasetIds)) {
      if (record.component === null) out.set(record.datasetId, record);
    }
    return out;
  }

  async getRecord(datasetId: string): Promise<StoredFileRecord> {
    const records = await this.records.get([datasetId]);
    const whole = records.find((r) => r.component === null);
    if (whole === undefined) {
      throw new DatasetNotInDatastoreError(
        datasetId,
        records.length > 0 ? "; it is stored disassembled, which this datastore does not read yet" : "",
      );
    }
    return whole;
  }

  /**
   * Reads a dataset or one component of it (see `get.ts`). Components and parameters are checked
   * before any I/O; a record whose file is gone is a DatasetFileNotFoundError naming the path.
   */
  get<T = unknown>(ref: DatasetRef, options: GetOptions = {}): Promise<GetResult<T>> {
    return getDataset<T>(this, ref, options);
  }

  /**
   * A source over a stored file with this datastore's byte stack (retries, limits), for readers outside
   * `get` (the header index of a new record).
   */
  openFile(path: string, size?: number): ByteSource {
    return fileStack(this.root, this.requestLimiter, path, size);
  }

  /** Whether the datastore has a record for the dataset and its file exists. */
  async exists(ref: DatasetRef): Promise<boolean> {
    const records = await this.records.get([ref.id]);
    const whole = records.find((r) => r.component === null);
    return whole !== undefined && (await this.root.size(whole.path)) !== undefined;
  }

  /**
   * The URI of a dataset's file. Without a record it is a DatasetNotInDatastoreError, unless `predict`
   * is set: then it is where a put would write it, with a `#predicted` fragment.
   */
  async getURI(ref: DatasetRef, options: { predict?: boolean } = {}): Promise<string> {
    const records = await this.records.get([ref.id]);
    const whole = records.find((r) => r.component === null);
    if (whole !== undefined) return this.root.uriOf(whole.path);
    if (!options.predict) throw new DatasetNotInDatastoreError(ref.id);
    const composite = ref.makeCompositeRef();
    const storageClass = this.#storageClassOf(composite);
    const { formatter } = await this.#formatterFor(composite, storageClass);
    return `${this.root.uriOf(this.pathFor(composite, formatter.extension, storageClass))}#predicted`;
  }

  /** Moves the records of `refs` to the trash, in the caller's transaction or a new one. Returns how many. */
  async trash(refs: readonly DatasetRef[], options: RemoveOptions = {}): Promise<number> {
    const ids = [...new Set(refs.map((r) => r.id))];
    return this.#inTransaction(options.transaction, this.#removeRegistry(options), (txn) =>
      this.records.moveToTrash(ids, txn.db),
    );
  }

  /**
   * Removes datasets: records to the trash in the caller's transaction (or a new one), then the files
   * once that transaction has committed.
   */
  async remove(refs: readonly DatasetRef[], options: RemoveOptions = {}): Promise<number> {
    return this.#inTransaction(options.transaction, this.#removeRegistry(options), async (txn) => {
      const moved = await this.records.moveToTrash([...new Set(refs.map((r) => r.id))], txn.db);
      txn.afterCommit(async () => {
        await this.emptyTrash();
      });
      return moved;
    });
  }

  #removeRegistry(options: RemoveOptions): { last?: (trx: AnyDatabase) => Promise<void> } {
    return options.deleteRegistryRows === undefined ? {} : { last: options.deleteRegistryRows };
  }

  /**
   * Deletes the files of trashed records, then their trash rows. A file already gone is fine; a file
   * that a live record still uses, or that is outside the root (direct ingest), is kept. A file that
   * cannot be deleted keeps its trash row, so a later call tries again.
   */
  async emptyTrash(): Promise<EmptyTrashResult> {
    const trashed = await this.records.listTrash();
    const result: EmptyTrashResult = { removed: [], missing: [], kept: [] };
    if (trashed.length === 0) return result;
    const stillUsed = new Set(
      (await this.records.findByPaths(trashed.map((r) => r.path))).map((r) => r.path),
    );
    const done: StoredFileRecord[] = [];
    for (const record of trashed) {
      if (stillUsed.has(record.path) || this.#outsideRoot(record.path)) {
        result.kept.push(record.path);
        done.push(record);
        continue;
      }
      try {
        if (await this.root.remove(record.path)) result.removed.push(record.path);
        else result.missing.push(record.path);
        done.push(record);
      } catch (err) {
        // A file reached through a link out of the root is not the datastore's to delete.
        if (isButlerError(err, "PATH_ESCAPE")) {
          result.kept.push(record.path);
          done.push(record);
        }
        // Anything else: left in the trash for the next attempt.
      }
    }
    await this.records.emptyTrash(done.map((r) => ({ datasetId: r.datasetId, component: r.component })));
    return result;
  }

  #outsideRoot(path: string): boolean {
    return path.startsWith("/") || /^[a-z][a-z0-9+.-]*:/i.test(path);
  }

  /**
   * Brings an existing file in as the dataset `ref` and indexes it (FITS: a scan of its headers; other
   * formats: its size). `transfer`: `copy` (default), `move`, `link` (hard link), `symlink`,
   * `relsymlink` (a symlink by relative path), `direct`
   * (record the file's absolute path, leave it where it is), or `auto` (in place when the file is
   * inside the root, else copy).
   */
  async ingest(file: string, ref: DatasetRef, options: IngestOptions = {}): Promise<PutResult> {
    this.#checkPutRef(ref);
    const mode = options.transfer ?? "copy";
    const modes: IngestTransfer[] = ["copy", "move", "link", "symlink", "relsymlink", "direct", "auto"];
    if (!modes.includes(mode)) {
      throw new InvalidArgumentError(`unknown transfer mode '${mode}'; accepted: ${modes.join(", ")}`);
    }
    // A local path or file:// URI, or a remote file (another store's, or this root's own).
    const source = isLocalRoot(file) ? localPath(file) : file;
    const storageClass = this.#storageClassOf(ref);
    const { formatter } = await this.#formatterFor(ref, storageClass, options.formatter);
    if ((await this.root.size(source)) === undefined) {
      throw new InvalidArgumentError(`cannot ingest ${source}: no such file`);
    }
    const inside = this.root.relativePath(source);
    const inPlace = mode === "direct" || (mode === "auto" && inside !== undefined);
    const started = performance.now();
    let path: string;
    let pending: PendingFile | undefined;
    if (inPlace) {
      path = mode === "direct" ? source : inside!;
    } else {
      const base = basename(source);
      const dot = base.indexOf(".", 1);
      path = this.pathFor(ref, dot > 0 ? base.slice(dot) : formatter.extension, storageClass);
      await this.#checkNew(ref, path, options);
      const createdDirs = await this.root.makeParents(path);
      await this.#sweepTemporaries(path);
      const temp = this.root.tempPath(path);
      pending = { root: this.root, temp, path, createdDirs, datasetId: ref.id };
      try {
        await this.root.transferIn(source, temp, mode === "auto" ? "copy" : (mode as FileTransfer));
      } catch (err) {
        await this.root.remove(temp).catch(() => false);
        await this.root.removeEmptyDirectories(createdDirs);
        throw err;
      }
    }
    let record: StoredFileRecord;
    let headers: readonly Header[] | undefined;
    const at = pending?.temp ?? path;
    try {
      const reader = this.openFile(at);
      let index: ByteIndex;
      try {
        // Errors name the file as given, not its temporary copy.
        const named = pending === undefined ? reader : withKey(reader, source);
        if (formatter.indexWithHeaders === undefined) index = await formatter.index(named);
        else ({ index, headers } = await formatter.indexWithHeaders(named));
      } finally {
        await reader.close?.();
      }
      record = {
        datasetId: ref.id,
        component: null,
        path,
        formatter: formatter.name,
        storageClass: storageClass.name,
        checksum: this.checksum ? await this.root.checksum(at) : null,
        fileSize: (await this.root.size(at)) ?? -1,
        byteIndex: index,
      };
    } catch (err) {
      if (pending !== undefined) {
        await this.root.remove(pending.temp).catch(() => false);
        await this.root.removeEmptyDirectories(pending.createdDirs);
      }
      throw err;
    }
    // A moved file's source goes only once the transaction has committed.
    await this.#commitRecord(
      ref,
      record,
      pending,
      options,
      mode === "move"
        ? () =>
            this.root.remove(source).then(
              () => undefined,
              () => undefined,
            )
        : undefined,
      headers,
    );
    return { record, uri: this.root.uriOf(path), writeMs: performance.now() - started };
  }
}
