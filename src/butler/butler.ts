/**
 * The Butler: one object over a repository's Registry (which datasets exist, by type, data ID and
 * collection) and FileDatastore (their files), after daf_butler's DirectButler. A read resolves the
 * dataset type (`calexp.metadata` is the `metadata` component of `calexp`), checks the component and
 * every parameter against the storage class before any I/O, finds the dataset with one find-first
 * registry query, and lets the datastore read only the bytes it needs. A write inserts the registry
 * row and the datastore record in one transaction and moves the file into place last, so a failure
 * leaves neither. The `timer.butler` logger (debug) says where the time of every get and put went.
 *
 * Removal, export/import and transfers between repositories live in their own modules and are
 * reached through the methods here.
 */
import { basename } from "node:path";
import {
  type DataIdInput,
  DatasetRef,
  type DatasetType,
  type StorageClassFactory,
  type Timespan,
} from "../core/index.ts";
import {
  FileDatastore,
  type GetMetrics,
  KyselyRecordStore,
  prepareRead,
  type StoredFileRecord,
} from "../datastore/index.ts";
import {
  ConflictingDefinitionError,
  DatasetNotFoundError,
  DatasetNotFoundInCollectionsError,
  InvalidArgumentError,
  isButlerError,
  NoDefaultCollectionError,
  ReadOnlyButlerError,
} from "../errors/index.ts";
import { getLogger } from "../log.ts";
import { Registry } from "../registry/index.ts";
import { calibrationTimespan } from "./calibration-time.ts";
import { mapConcurrent } from "./concurrency.ts";
import { type CreatedRepo, type CreateRepoOptions, createRepo } from "./create.ts";
import { registryWithDefaultCollections } from "./default-collections.ts";
import { DeferredDatasetHandle } from "./deferred.ts";
import { configuredHeaderKeys, validateHeaderIndexConfig, withHeaderKeys } from "./header-config.ts";
import {
  backfillHeaders,
  headerIndexHook,
  type IndexHeadersOptions,
  type IndexHeadersResult,
} from "./header-index.ts";
import { type HeaderScan, type QueryHeadersOptions, queryHeaders } from "./header-scan.ts";
import { type PruneDatasetsOptions, pruneDatasets, type RemoveRunsOptions, removeRuns } from "./removal.ts";
import {
  type LoadedRepoConfig,
  readRepoConfig,
  registryDialectOptions,
  writeRepoConfig,
} from "./repo-config.ts";
import {
  dataIdObject,
  formatDataId,
  mergeDataId,
  type ResolvedDatasetType,
  requiredKey,
  resolveDatasetType,
} from "./resolve.ts";
import { componentsHook, repoStorageClasses } from "./storage-classes.ts";
import {
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
import { datastoreTransfer, type TransferMode } from "./transfer-mode.ts";

/** Datasets getMany reads at once by default. */
const DEFAULT_GET_MANY_CONCURRENCY = 16;

/** daf_butler's `timer.…` convention: `--log-level timer.butler=debug` shows where each get and put went. */
const timer = getLogger("timer.butler");

export interface ButlerOpenOptions {
  /** Collections searched by reads, in order; `[run]` when absent and a run is given. */
  collections?: string | readonly string[];
  /** The RUN collection puts and ingests write to; registered when the butler is writeable. */
  run?: string;
  /** Allow writes; by default a butler is writeable exactly when it has a run, as in daf_butler. */
  writeable?: boolean;
  /** Default data ID values (e.g. `{instrument: "HSC"}`), used for dimensions a call does not give. */
  dataId?: Readonly<Record<string, unknown>>;
}

export interface ButlerGetOptions {
  /** Collections to search, in order (the butler's default collections otherwise). */
  collections?: string | readonly string[];
  /** Read parameters of the storage class (`bbox`, `origin`, `columns`), checked before any I/O. */
  parameters?: Readonly<Record<string, unknown>>;
  /** Storage class to read as (one related to the stored one). */
  storageClass?: string;
  /** Validity time for CALIBRATION collections (unbounded for calibration types when absent). */
  timespan?: Timespan | null;
  signal?: AbortSignal;
}

export interface GetManyOptions extends ButlerGetOptions {
  /** The most datasets read at once (default 16; the datastore also bounds its remote requests). */
  concurrency?: number;
  /** Called as each dataset has been read (progress). */
  onRead?: () => void;
}

/** A dataset for getMany: a ref, or a dataset type (name, possibly with a component) and data ID. */
export type GetManyItem = DatasetRef | { datasetType: string | DatasetType; dataId?: DataIdInput | null };

export interface ButlerPutOptions {
  /** The RUN collection to write to (the butler's run otherwise). */
  run?: string;
}

/** A file to ingest and the dataset it holds (daf_butler's FileDataset). */
export interface FileDatasetInput {
  /** A local path or `file://` URI. */
  path: string;
  /** The dataset: a ref (its run and ID are kept) or a dataset type and data ID (the ingest's run). */
  refs: GetManyItem | readonly GetManyItem[];
  /** Formatter name (ours or daf_butler's); the configured one when absent. */
  formatter?: string;
}

export interface IngestOptions {
  transfer?: TransferMode;
  run?: string;
}

export interface DatasetRefURIs {
  /** The file of the whole dataset (null when stored disassembled, which this datastore never does). */
  primaryURI: string | null;
  componentURIs: Record<string, string>;
}

interface ReadTarget {
  /** The ref of the whole dataset. */
  ref: DatasetRef;
  component?: string;
  storageClass?: string;
  registryMs: number;
}

function round(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}

/** The parts of a get's time the datastore measures, summed over the datasets of a `getMany`. */
interface ReadTotals {
  recordMs: number;
  openMs: number;
  fetchMs: number;
  decodeMs: number;
  requests: number;
  bytes: number;
  cacheHits: number;
}

function asList(collections: string | readonly string[]): string[] {
  return typeof collections === "string" ? [collections] : [...collections];
}

export class Butler {
  readonly registry: Registry;
  readonly datastore: FileDatastore;
  readonly storageClasses: StorageClassFactory;
  readonly config: LoadedRepoConfig;
  readonly isWriteable: boolean;
  /** Default collections searched by reads. */
  readonly collections: readonly string[];
  /** Default RUN collection of writes. */
  readonly run: string | undefined;
  /** Default data ID values. */
  readonly dataId: Readonly<Record<string, unknown>>;
  #closed = false;

  private constructor(
    config: LoadedRepoConfig,
    registry: Registry,
    datastore: FileDatastore,
    storageClasses: StorageClassFactory,
    options: ButlerOpenOptions,
    writeable: boolean,
  ) {
    this.config = config;
    this.datastore = datastore;
    this.storageClasses = storageClasses;
    this.isWriteable = writeable;
    this.run = options.run;
    this.collections =
      options.collections !== undefined
        ? asList(options.collections)
        : options.run !== undefined
          ? [options.run]
          : [];
    this.registry = registryWithDefaultCollections(registry, this.collections);
    this.dataId = { ...(options.dataId ?? {}) };
  }

  /**
   * Creates a repository (see `createRepo`): its config file, registry database and datastore root.
   * Returns where it went; open it with `Butler.open`.
   */
  static create(repo: string, options: CreateRepoOptions = {}): Promise<CreatedRepo> {
    return createRepo(repo, options);
  }

  /**
   * Opens a repository: a directory holding `butler.yaml`, or the config file itself. A butler server's
   * repository URL is refused with a pointer to `openButler`, which opens either kind.
   */
  static async open(repo: string, options: ButlerOpenOptions = {}): Promise<Butler> {
    if (/^https?:\/\/[^?#]*\/api\/butler\/repo\//i.test(repo)) {
      // A RemoteButler is not a Butler (no datastore or config of its own), so it has its own opener.
      throw new InvalidArgumentError(
        `${repo} is a repository on a butler server: open it with openButler(url) or RemoteButler.open(url)`,
      );
    }
    const config = await readRepoConfig(repo);
    const writeable = options.writeable ?? options.run !== undefined;
    const storageClasses = repoStorageClasses(config.raw.storageClasses);
    const registry = await Registry.open({
      db: config.db,
      dialectOptions: registryDialectOptions(config.raw.registry),
      writeable,
      componentsOf: componentsHook(storageClasses),
    });
    try {
      const store = config.raw.datastore;
      const datastore = new FileDatastore(
        {
          root: config.datastoreRoot,
          ...(store.name === undefined ? {} : { name: store.name }),
          ...(store.templates === undefined ? {} : { templates: store.templates }),
          ...(store.formatters === undefined ? {} : { formatters: store.formatters }),
          ...(store.writeRecipes === undefined ? {} : { writeRecipes: store.writeRecipes }),
          ...(store.checksum === undefined ? {} : { checksum: store.checksum }),
          ...(store.cached === undefined ? {} : { cached: store.cached }),
          ...(store.tempGracePeriod === undefined ? {} : { tempGracePeriod: store.tempGracePeriod }),
        },
        { records: new KyselyRecordStore(registry.sharedDatabase(), { tablesExist: true }), storageClasses },
      );
      const headerIndex = validateHeaderIndexConfig(config.raw.headerIndex, config.file);
      if (writeable) datastore.onRecord = headerIndexHook(registry, headerIndex);
      if (options.run !== undefined && writeable) await registry.registerRun(options.run);
      return new Butler(config, registry, datastore, storageClasses, options, writeable);
    } catch (err) {
      await registry.close();
      throw err;
    }
  }

  /** The repository root directory. */
  get root(): string {
    return this.config.root;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.registry.close();
  }

  /** Throws ReadOnlyButlerError unless the butler is writeable. */
  checkWriteable(operation: string): void {
    if (!this.isWriteable) throw new ReadOnlyButlerError(operation);
  }

  /** The collections a read searches: the call's, else the butler's; none is a NoDefaultCollectionError. */
  searchCollections(collections: string | readonly string[] | undefined, operation: string): string[] {
    const list = collections !== undefined ? asList(collections) : [...this.collections];
    if (list.length === 0) throw new NoDefaultCollectionError("collections", operation);
    return list;
  }

  /** The run a write goes to: the call's, else the butler's. */
  outputRun(run: string | undefined, operation: string): string {
    const out = run ?? this.run;
    if (out === undefined) throw new NoDefaultCollectionError("run", operation);
    return out;
  }

  /** The ref of one component of a dataset (checked against its storage class). */
  componentRef(ref: DatasetRef, component: string): DatasetRef {
    const composite = ref.makeCompositeRef();
    const storageClass = this.storageClasses.get(composite.datasetType.storageClass);
    return composite.makeComponentRef(component, storageClass.componentStorageClass(component));
  }

  // ---- reads ----------------------------------------------------------------------------------

  /**
   * Finds what a read needs before any I/O. With a ref: its component (if a component ref) and a
   * parameter check. With a dataset type: the registered type, the component and parameter checks,
   * then one find-first query; nothing found is a DatasetNotFoundInCollectionsError naming the type,
   * data ID and collections.
   */
  async #findForRead(
    refOrType: DatasetRef | DatasetType | string,
    dataId: DataIdInput | null | undefined,
    options: Omit<ButlerGetOptions, "signal">,
    operation: string,
    checkParameters = true,
  ): Promise<ReadTarget> {
    const started = performance.now();
    if (refOrType instanceof DatasetRef) {
      if (Object.keys(dataIdObject(dataId)).length > 0) {
        throw new InvalidArgumentError(
          `${operation}: a DatasetRef was given, so a data ID may not be given too (the ref already names the dataset)`,
        );
      }
      const component = refOrType.datasetType.component ?? undefined;
      const ref = refOrType.makeCompositeRef();
      if (checkParameters) {
        prepareRead(
          this.storageClasses,
          options.storageClass ?? ref.datasetType.storageClass,
          component,
          options.parameters,
        );
      }
      return {
        ref,
        ...(component === undefined ? {} : { component }),
        ...(options.storageClass === undefined ? {} : { storageClass: options.storageClass }),
        registryMs: 0,
      };
    }
    const resolved = await resolveDatasetType(this.registry, this.storageClasses, refOrType);
    const storageClass = options.storageClass ?? resolved.storageClass;
    if (checkParameters) {
      prepareRead(
        this.storageClasses,
        storageClass ?? resolved.parent.storageClass,
        resolved.component,
        options.parameters,
      );
    }
    const ref = await this.#find(resolved, dataId, options, operation);
    return {
      ref,
      ...(resolved.component === undefined ? {} : { component: resolved.component }),
      ...(storageClass === undefined ? {} : { storageClass }),
      registryMs: performance.now() - started,
    };
  }

  async #find(
    resolved: ResolvedDatasetType,
    dataId: DataIdInput | null | undefined,
    options: Pick<ButlerGetOptions, "collections" | "timespan">,
    operation: string,
  ): Promise<DatasetRef> {
    const collections = this.searchCollections(options.collections, operation);
    const merged = mergeDataId(dataId, this.dataId, resolved.parent.dimensions.names);
    const found = await this.registry.findDataset(resolved.parent, merged, {
      collections,
      timespan: await this.#timespanFor(resolved.parent, options.timespan, merged),
    });
    if (found === null) {
      throw new DatasetNotFoundInCollectionsError(resolved.parent.name, formatDataId(merged), collections);
    }
    return found;
  }

  /**
   * A calibration lookup without a timespan takes the time of the exposure or visit the data ID
   * names, else searches every validity range, as daf_butler's does.
   */
  async #timespanFor(
    type: DatasetType,
    timespan: Timespan | null | undefined,
    dataId: DataIdInput | null | undefined,
  ): Promise<Timespan | null> {
    if (timespan !== undefined) return timespan;
    return type.isCalibration ? calibrationTimespan(this.registry, type, dataId) : null;
  }

  async #read<T>(
    target: ReadTarget,
    options: ButlerGetOptions,
    started: number,
    record?: StoredFileRecord,
    totals?: ReadTotals,
  ): Promise<T> {
    const result = await this.datastore.get<T>(target.ref, {
      ...(record === undefined ? {} : { record }),
      ...(target.component === undefined ? {} : { component: target.component }),
      ...(options.parameters === undefined ? {} : { parameters: options.parameters }),
      ...(target.storageClass === undefined ? {} : { storageClass: target.storageClass }),
      ...(options.signal === undefined ? {} : { signal: options.signal }),
    });
    this.#logGet(target, result.metrics, performance.now() - started);
    if (totals !== undefined) {
      const m = result.metrics;
      totals.recordMs += m.recordMs;
      totals.openMs += m.openMs;
      totals.fetchMs += m.fetchMs;
      totals.decodeMs += m.decodeMs;
      totals.requests += m.requests;
      totals.bytes += m.bytesRead;
      totals.cacheHits += m.cacheHits;
    }
    return result.value;
  }

  #logGet(target: ReadTarget, metrics: GetMetrics, totalMs: number): void {
    if (!timer.isEnabledFor("debug")) return;
    const name =
      target.component === undefined
        ? target.ref.datasetType.name
        : `${target.ref.datasetType.name}.${target.component}`;
    // The parts sum to `took`: finding the dataset, its record, opening, fetching, decoding, and the
    // rest (argument checks, assembling the result, logging).
    const parts = target.registryMs + metrics.recordMs + metrics.openMs + metrics.fetchMs + metrics.decodeMs;
    timer.debug(`Retrieved dataset ${name}@${target.ref.dataId}: took ${totalMs.toFixed(3)} ms`, {
      registryMs: round(target.registryMs),
      recordMs: round(metrics.recordMs),
      openMs: round(metrics.openMs),
      fetchMs: round(metrics.fetchMs),
      decodeMs: round(metrics.decodeMs),
      otherMs: round(Math.max(0, totalMs - parts)),
      requests: metrics.requests,
      bytes: metrics.bytesRead,
      cacheHits: metrics.cacheHits,
      id: target.ref.id,
    });
  }

  /**
   * Reads a dataset, a component (`calexp.wcs`, or a component ref) or a cutout (`parameters: {bbox}`).
   * With a dataset type, `dataId` names the dataset (keyword style: `{instrument: "HSC", visit: 903334,
   * detector: 16}`, alternate keys such as `detector.full_name` allowed) and the collections are
   * searched in order.
   */
  async get<T = unknown>(
    refOrType: DatasetRef | DatasetType | string,
    dataId?: DataIdInput | null,
    options: ButlerGetOptions = {},
  ): Promise<T> {
    const started = performance.now();
    const target = await this.#findForRead(refOrType, dataId, options, "get");
    return this.#read<T>(target, options, started);
  }

  /**
   * Reads many datasets. Dataset types with data IDs are found with one find-first query per dataset
   * type; the reads then run in parallel, at most `concurrency` at a time. Results keep the input order;
   * a dataset not found is a DatasetNotFoundInCollectionsError (nothing is read).
   */
  async getMany<T = unknown>(items: readonly GetManyItem[], options: GetManyOptions = {}): Promise<T[]> {
    const started = performance.now();
    const targets = new Array<ReadTarget>(items.length);
    const groups = new Map<string, { type: string | DatasetType; indexes: number[] }>();
    for (const [i, item] of items.entries()) {
      if (item instanceof DatasetRef) {
        targets[i] = await this.#findForRead(item, null, options, "getMany");
        continue;
      }
      const name = typeof item.datasetType === "string" ? item.datasetType : item.datasetType.name;
      const group = groups.get(name) ?? { type: item.datasetType, indexes: [] };
      group.indexes.push(i);
      groups.set(name, group);
    }
    for (const group of groups.values()) {
      const found = await this.#findGroup(
        group.type,
        group.indexes.map((i) => (items[i] as { dataId?: DataIdInput | null }).dataId),
        options,
      );
      group.indexes.forEach((i, k) => {
        targets[i] = found[k]!;
      });
    }
    const recordStarted = performance.now();
    // One lookup of every record instead of one per dataset.
    const records = await this.datastore.getRecords(targets.map((t) => t.ref.id));
    const readStarted = performance.now();
    const totals: ReadTotals = {
      recordMs: readStarted - recordStarted,
      openMs: 0,
      fetchMs: 0,
      decodeMs: 0,
      requests: 0,
      bytes: 0,
      cacheHits: 0,
    };
    // Component reads of a remote root: as many at once as the datastore's adaptive request limit may
    // allow, which it raises with the store's latency; whole datasets stay 16 at a time (memory).
    const componentsOnly = targets.every((t) => t.component !== undefined);
    const concurrency =
      options.concurrency ??
      (this.datastore.root.remote === true && componentsOnly
        ? this.datastore.requestLimiter.max
        : DEFAULT_GET_MANY_CONCURRENCY);
    const values = await mapConcurrent(targets, concurrency, async (target) => {
      const value = await this.#read<T>(
        target,
        options,
        performance.now(),
        records.get(target.ref.id),
        totals,
      );
      options.onRead?.();
      return value;
    });
    if (timer.isEnabledFor("debug")) {
      const tookMs = performance.now() - started;
      const registryMs = recordStarted - started;
      // Registry and record lookups run once for all datasets; open, fetch and decode are summed over
      // the datasets, which are read `concurrency` at a time: with concurrency 1 the parts sum to
      // `took`, above it they can exceed readMs (the wall time of the reads) and otherMs is then 0.
      const parts = registryMs + totals.recordMs + totals.openMs + totals.fetchMs + totals.decodeMs;
      timer.debug(`Retrieved ${items.length} datasets: took ${tookMs.toFixed(3)} ms`, {
        registryMs: round(registryMs),
        recordMs: round(totals.recordMs),
        openMs: round(totals.openMs),
        fetchMs: round(totals.fetchMs),
        decodeMs: round(totals.decodeMs),
        otherMs: round(Math.max(0, tookMs - parts)),
        readMs: round(started + tookMs - readStarted),
        requests: totals.requests,
        bytes: totals.bytes,
        cacheHits: totals.cacheHits,
        datasetTypes: groups.size,
        concurrency,
      });
    }
    return values;
  }

  /** Read targets for many data IDs of one dataset type, from one find-first query. */
  async #findGroup(
    type: string | DatasetType,
    dataIds: readonly (DataIdInput | null | undefined)[],
    options: GetManyOptions,
  ): Promise<ReadTarget[]> {
    const started = performance.now();
    const resolved = await resolveDatasetType(this.registry, this.storageClasses, type);
    const storageClass = options.storageClass ?? resolved.storageClass;
    prepareRead(
      this.storageClasses,
      storageClass ?? resolved.parent.storageClass,
      resolved.component,
      options.parameters,
    );
    const collections = this.searchCollections(options.collections, "getMany");
    const dimensions = resolved.parent.dimensions;
    const merged = dataIds.map((d) => mergeDataId(d, this.dataId, dimensions.names));
    // Alternate keys (`detector.full_name`) need the registry; one query resolves them all.
    const standard = await this.registry.expandDataIds(merged, { dimensions });
    const refs = await this.registry.findFirstDatasets(resolved.parent, collections, {
      dataIds: standard,
      timespan: await this.#timespanFor(resolved.parent, options.timespan, null),
    });
    const byKey = new Map(refs.map((ref) => [requiredKey(ref.dataId), ref]));
    const registryMs = (performance.now() - started) / Math.max(1, dataIds.length);
    return standard.map((dataId, i) => {
      const ref = byKey.get(requiredKey(dataId));
      if (ref === undefined) {
        throw new DatasetNotFoundInCollectionsError(
          resolved.parent.name,
          formatDataId(merged[i]),
          collections,
        );
      }
      return {
        ref,
        ...(resolved.component === undefined ? {} : { component: resolved.component }),
        ...(storageClass === undefined ? {} : { storageClass }),
        registryMs,
      };
    });
  }

  /**
   * Finds a dataset now (checking component and parameters) and returns a handle that reads it later.
   * A ref that the datastore does not hold is a DatasetNotFoundError at once.
   */
  async getDeferred<T = unknown>(
    refOrType: DatasetRef | DatasetType | string,
    dataId?: DataIdInput | null,
    options: Omit<ButlerGetOptions, "signal"> = {},
  ): Promise<DeferredDatasetHandle<T>> {
    const target = await this.#findForRead(refOrType, dataId, options, "getDeferred");
    if (!(await this.datastore.exists(target.ref))) {
      throw new DatasetNotFoundError(target.ref.id, `dataset ${target.ref} has no file in the datastore`);
    }
    const ref = target.component === undefined ? target.ref : this.componentRef(target.ref, target.component);
    return new DeferredDatasetHandle<T>(this, ref, options.parameters ?? {}, target.storageClass);
  }

  /**
   * Whether a dataset exists: known to the registry (found in the collections, or a ref whose ID it
   * holds) and stored, with its file present.
   */
  async exists(
    refOrType: DatasetRef | DatasetType | string,
    dataId?: DataIdInput | null,
    options: Pick<ButlerGetOptions, "collections" | "timespan"> = {},
  ): Promise<boolean> {
    let target: ReadTarget;
    try {
      target = await this.#findForRead(refOrType, dataId, options, "exists", false);
    } catch (err) {
      if (isButlerError(err, "DATASET_NOT_FOUND")) return false;
      throw err;
    }
    if (refOrType instanceof DatasetRef && (await this.registry.getDataset(target.ref.id)) === null)
      return false;
    return this.datastore.exists(target.ref);
  }

  /**
   * The URIs of a dataset's files. With `predict`, a dataset not yet stored (or not registered) gets the
   * URI a put would write, with a `#predicted` fragment; that needs a run.
   */
  async getURIs(
    refOrType: DatasetRef | DatasetType | string,
    dataId?: DataIdInput | null,
    options: Pick<ButlerGetOptions, "collections" | "timespan"> & { predict?: boolean; run?: string } = {},
  ): Promise<DatasetRefURIs> {
    let ref: DatasetRef;
    try {
      ref = (await this.#findForRead(refOrType, dataId, options, "getURIs", false)).ref;
    } catch (err) {
      if (!options.predict || !isButlerError(err, "DATASET_NOT_FOUND") || refOrType instanceof DatasetRef)
        throw err;
      const resolved = await resolveDatasetType(this.registry, this.storageClasses, refOrType);
      const expanded = await this.registry.expandDataId(
        mergeDataId(dataId, this.dataId, resolved.parent.dimensions.names),
        { dimensions: resolved.parent.dimensions },
      );
      ref = new DatasetRef(resolved.parent, expanded, this.outputRun(options.run, "getURIs"));
    }
    if (options.predict && !ref.dataId.hasRecords()) {
      ref = ref.withDataId(
        await this.registry.expandDataId(ref.dataId, { dimensions: ref.datasetType.dimensions }),
      );
    }
    const uri = await this.datastore.getURI(ref, options.predict ? { predict: true } : {});
    return { primaryURI: uri, componentURIs: {} };
  }

  /** The URI of a dataset's file (see getURIs). */
  async getURI(
    refOrType: DatasetRef | DatasetType | string,
    dataId?: DataIdInput | null,
    options: Pick<ButlerGetOptions, "collections" | "timespan"> & { predict?: boolean; run?: string } = {},
  ): Promise<string> {
    const { primaryURI } = await this.getURIs(refOrType, dataId, options);
    return primaryURI!;
  }

  // ---- writes ---------------------------------------------------------------------------------

  /**
   * Stores `object` as a new dataset and returns its ref. With a dataset type (registered: a put
   * registers nothing), `dataId` names it and it goes to `run` (or the butler's run); a dataset of that
   * type and data ID already in the run is a ConflictingDefinitionError. With a resolved ref, its ID
   * and run are kept. The registry row, the datastore record and the file commit together.
   */
  async put(
    object: unknown,
    datasetTypeOrRef: DatasetRef | DatasetType | string,
    dataId?: DataIdInput | null,
    options: ButlerPutOptions = {},
  ): Promise<DatasetRef> {
    this.checkWriteable("put");
    const started = performance.now();
    const ref = await this.#refForWrite(datasetTypeOrRef, dataId, options.run, "put");
    let registryMs = performance.now() - started;
    const result = await this.datastore.put(object, ref, {
      insertRegistryRows: async () => {
        const inserting = performance.now();
        await this.registry.importDatasets([ref]);
        registryMs += performance.now() - inserting;
      },
    });
    if (timer.isEnabledFor("debug")) {
      timer.debug(
        `Dataset put with data ID ${ref.datasetType.name}@${ref.dataId}: took ${(performance.now() - started).toFixed(3)} ms`,
        {
          registryMs: round(registryMs),
          writeMs: round(result.writeMs),
          bytes: result.record.fileSize,
          formatter: result.record.formatter,
          id: ref.id,
        },
      );
    }
    return ref;
  }

  /**
   * The ref a write stores: a resolved ref keeps its ID and run; a dataset type and data ID get a new
   * ID in the run. The data ID is expanded (file templates use its records) and the registry is
   * checked for a dataset of the same type and data ID in the run, before anything is written.
   */
  async #refForWrite(
    datasetTypeOrRef: DatasetRef | DatasetType | string,
    dataId: DataIdInput | null | undefined,
    run: string | undefined,
    operation: string,
  ): Promise<DatasetRef> {
    if (datasetTypeOrRef instanceof DatasetRef) {
      if (Object.keys(dataIdObject(dataId)).length > 0) {
        throw new InvalidArgumentError(
          `${operation}: a DatasetRef was given, so a data ID may not be given too`,
        );
      }
      if (datasetTypeOrRef.isComponent()) {
        throw new InvalidArgumentError(
          `${operation}: cannot store component ${datasetTypeOrRef.datasetType.name}; store the whole ${datasetTypeOrRef.datasetType.parentName} dataset`,
        );
      }
      const resolved = await resolveDatasetType(
        this.registry,
        this.storageClasses,
        datasetTypeOrRef.datasetType,
      );
      // As plain values: a ref from another repository's butler carries that repository's universe.
      const expanded = await this.registry.expandDataId(datasetTypeOrRef.dataId.toObject(), {
        dimensions: resolved.parent.dimensions,
      });
      return new DatasetRef(resolved.parent, expanded, datasetTypeOrRef.run, { id: datasetTypeOrRef.id });
    }
    const outRun = this.outputRun(run, operation);
    const resolved = await resolveDatasetType(this.registry, this.storageClasses, datasetTypeOrRef);
    if (resolved.component !== undefined) {
      throw new InvalidArgumentError(
        `${operation}: cannot store component ${resolved.parent.name}.${resolved.component}; store the whole ${resolved.parent.name} dataset`,
      );
    }
    const merged = mergeDataId(dataId, this.dataId, resolved.parent.dimensions.names);
    const expanded = await this.registry.expandDataId(merged, { dimensions: resolved.parent.dimensions });
    const existing = await this.registry.findDataset(resolved.parent, expanded, { collections: [outRun] });
    if (existing !== null) {
      throw new ConflictingDefinitionError(
        `a ${resolved.parent.name} dataset with data ID ${expanded} already exists in run '${outRun}' (id ${existing.id}); ` +
          "remove it first (pruneDatasets with purge) or write to another run",
      );
    }
    return new DatasetRef(resolved.parent, expanded, outRun);
  }

  /**
   * Brings existing files in as datasets, all in one transaction (any failure leaves nothing). Each
   * file holds one dataset. `transfer`: `auto` (in place when inside the datastore root, else copy),
   * `copy`, `move`, `hardlink`/`link`, `symlink`, `relsymlink`, `direct` (record the absolute path).
   */
  async ingest(
    datasets: FileDatasetInput | readonly FileDatasetInput[],
    options: IngestOptions = {},
  ): Promise<DatasetRef[]> {
    this.checkWriteable("ingest");
    const started = performance.now();
    const transfer = datastoreTransfer(options.transfer ?? "auto");
    const list: readonly FileDatasetInput[] = Array.isArray(datasets)
      ? (datasets as readonly FileDatasetInput[])
      : [datasets as FileDatasetInput];
    const planned: { path: string; ref: DatasetRef; formatter?: string }[] = [];
    for (const dataset of list) {
      const refs = Array.isArray(dataset.refs)
        ? (dataset.refs as readonly GetManyItem[])
        : [dataset.refs as GetManyItem];
      if (refs.length !== 1) {
        throw new InvalidArgumentError(
          `ingest of ${basename(dataset.path)}: a file must hold exactly one dataset here; got ${refs.length}`,
        );
      }
      const item = refs[0]!;
      const ref =
        item instanceof DatasetRef
          ? await this.#refForWrite(item, null, undefined, "ingest")
          : await this.#refForWrite(item.datasetType, item.dataId, options.run, "ingest");
      planned.push({
        path: dataset.path,
        ref,
        ...(dataset.formatter === undefined ? {} : { formatter: dataset.formatter }),
      });
    }
    await this.datastore.transaction(async (txn) => {
      for (const { path, ref, formatter } of planned) {
        await this.registry.importDatasets([ref]);
        await this.datastore.ingest(path, ref, {
          transfer,
          transaction: txn,
          ...(formatter === undefined ? {} : { formatter }),
        });
      }
    });
    if (timer.isEnabledFor("debug")) {
      timer.debug(`Ingested ${planned.length} files: took ${(performance.now() - started).toFixed(3)} ms`, {
        transfer,
      });
    }
    return planned.map((p) => p.ref);
  }

  // ---- queries (the registry's, with the butler's default collections) --------------------------

  /** Datasets matching the constraints; `collections` defaults to the butler's. */
  queryDatasets(
    datasetType: Parameters<Registry["queryDatasets"]>[0],
    options: Omit<Parameters<Registry["queryDatasets"]>[1], "collections"> & {
      collections?: string | readonly string[];
    } = {},
  ): Promise<DatasetRef[]> {
    const collections = this.searchCollections(options.collections, "queryDatasets");
    return this.registry.queryDatasets(datasetType, { ...options, collections });
  }

  /** Data IDs of `dimensions` matching the constraints (see Registry.queryDataIds). */
  queryDataIds(
    dimensions: Parameters<Registry["queryDataIds"]>[0],
    options: Parameters<Registry["queryDataIds"]>[1] = {},
  ): ReturnType<Registry["queryDataIds"]> {
    return this.registry.queryDataIds(dimensions, options);
  }

  /** Records of one dimension element matching the constraints (see Registry.queryDimensionRecords). */
  queryDimensionRecords(
    element: Parameters<Registry["queryDimensionRecords"]>[0],
    options: Parameters<Registry["queryDimensionRecords"]>[1] = {},
  ): ReturnType<Registry["queryDimensionRecords"]> {
    return this.registry.queryDimensionRecords(element, options);
  }

  /**
   * Header values of the datasets found (find-first by default) in `collections` (the butler's by
   * default): indexed keys from the registry with no file opened, others read from the files.
   */
  queryHeaders(
    datasetType: string,
    options: Omit<QueryHeadersOptions, "collections"> & { collections?: string | readonly string[] } = {},
  ): Promise<HeaderScan> {
    const collections = this.searchCollections(options.collections, "queryHeaders");
    return queryHeaders(this.registry, this.datastore, datasetType, { ...options, collections });
  }

  /**
   * Indexes header keys for a dataset type: adds them to `headerIndex` in `butler.yaml` and to the
   * registry, then reads them from the datasets that lack them (resumable; see backfillHeaders).
   */
  async indexHeaders(
    datasetType: string,
    keys: readonly string[],
    options: IndexHeadersOptions = {},
  ): Promise<IndexHeadersResult> {
    this.checkWriteable("indexHeaders");
    const type = await this.registry.getDatasetType(datasetType);
    const section = validateHeaderIndexConfig(this.config.raw.headerIndex, this.config.file);
    const effective = configuredHeaderKeys(section, type.name, type.storageClass);
    const updated = withHeaderKeys(section, type.name, effective, keys);
    this.config.raw.headerIndex = updated;
    await writeRepoConfig(this.config.file, this.config.raw);
    return backfillHeaders(this.registry, this.datastore, type.name, keys, options);
  }

  // ---- removal, transfers ---------------------------------------------------------------------

  /** Removes RUN collections with their datasets and files (see removal.ts). */
  removeRuns(names: string | readonly string[], options: RemoveRunsOptions = {}): Promise<number> {
    return removeRuns(this, asList(names), options);
  }

  /** Removes, unstores or disassociates datasets (see removal.ts). */
  pruneDatasets(refs: readonly DatasetRef[], options: PruneDatasetsOptions = {}): Promise<void> {
    return pruneDatasets(this, refs, options);
  }

  /** Copies (or links) the files of datasets into a directory; returns the paths written. */
  retrieveArtifacts(
    refs: readonly DatasetRef[],
    destination: string,
    options: RetrieveArtifactsOptions = {},
  ): Promise<string[]> {
    return retrieveArtifacts(this, refs, destination, options);
  }

  /** Writes a daf_butler export file (and, with a transfer, the files) for datasets; returns its path. */
  export(refs: readonly DatasetRef[], options: ExportOptions): Promise<string> {
    return exportDatasets(this, refs, options);
  }

  /** Imports a daf_butler export file and the files it points at, in one transaction. */
  async import(directory: string, options: ImportOptions = {}): Promise<ImportResult> {
    this.checkWriteable("import");
    return importDatasets(this, directory, options);
  }

  /** Copies datasets (keeping their IDs) and their files from another butler; returns the refs added. */
  async transferFrom(
    source: Butler,
    refs: readonly DatasetRef[],
    options: TransferFromOptions = {},
  ): Promise<DatasetRef[]> {
    this.checkWriteable("transferFrom");
    return transferFrom(this, source, refs, options);
  }
}

export type { CreatedRepo, CreateRepoOptions };
