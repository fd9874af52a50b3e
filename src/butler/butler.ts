/**
 * The Butler: one object over a repository's Registry (which datasets exist, by type, data ID and
 * collection) and FileDatastore (their files), after daf_butler's DirectButler. A read resolves the
 * dataset type (`calexp.metadata` is the `metadata` component of `calexp`), checks the component and
 * every parameter against the storage class before any I/O, finds the dataset with one find-first
 * registry query, and lets the datastore read only the bytes it needs. A write inserts the registry
 * row and the datastore record in one transaction and moves the file into place last, so a failure
 * leaves neither. The `timer.butler` logger (debug) says where the time of every get and put went.
 *
 * The class holds the repository's parts and its defaults; each job lives in its own module (opening,
 * finding, reading, locating, writing, the header index, removal, transfers) and is reached through
 * the methods here.
 */
import type { DataIdInput, DatasetRef, DatasetType, StorageClassFactory } from "../core/index.ts";
import type { FileDatastore } from "../datastore/index.ts";
import { NoDefaultCollectionError, ReadOnlyButlerError } from "../errors/index.ts";
import type { Registry } from "../registry/index.ts";
import type { ButlerApi } from "./butler-api.ts";
import { type CreatedRepo, type CreateRepoOptions, createRepo } from "./create.ts";
import { registryWithDefaultCollections } from "./default-collections.ts";
import type { DeferredDatasetHandle } from "./deferred.ts";
import { type IndexHeadersOptions, type IndexHeadersResult, indexHeaders } from "./header-index.ts";
import { type HeaderScan, type QueryHeadersOptions, queryHeaders } from "./header-scan.ts";
import { datasetExists, getDeferred, getURIs } from "./locate.ts";
import { openRepository } from "./open.ts";
import type {
  ButlerGetOptions,
  ButlerOpenOptions,
  ButlerPutOptions,
  DatasetRefURIs,
  FileDatasetInput,
  GetManyItem,
  GetManyOptions,
  GetURIsOptions,
  IngestOptions,
} from "./options.ts";
import { getDataset, getMany } from "./read.ts";
import { type PruneDatasetsOptions, pruneDatasets, type RemoveRunsOptions, removeRuns } from "./removal.ts";
import type { LoadedRepoConfig } from "./repo-config.ts";
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
import { ingestFiles, putDataset } from "./write.ts";

function asList(collections: string | readonly string[]): string[] {
  return typeof collections === "string" ? [collections] : [...collections];
}

export class Butler implements ButlerApi {
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
    const { config, registry, datastore, storageClasses, writeable } = await openRepository(repo, options);
    return new Butler(config, registry, datastore, storageClasses, options, writeable);
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

  // ---- reads (read.ts), and finding without reading (locate.ts) --------------------------------

  /**
   * Reads a dataset, a component (`calexp.wcs`, or a component ref) or a cutout (`parameters: {bbox}`).
   * With a dataset type, `dataId` names the dataset (keyword style: `{instrument: "HSC", visit: 903334,
   * detector: 16}`, alternate keys such as `detector.full_name` allowed) and the collections are
   * searched in order.
   */
  get<T = unknown>(
    refOrType: DatasetRef | DatasetType | string,
    dataId?: DataIdInput | null,
    options: ButlerGetOptions = {},
  ): Promise<T> {
    return getDataset<T>(this, refOrType, dataId, options);
  }

  /**
   * Reads many datasets. Dataset types with data IDs are found with one find-first query per dataset
   * type; the reads then run in parallel, at most `concurrency` at a time. Results keep the input order;
   * a dataset not found is a DatasetNotFoundInCollectionsError (nothing is read).
   */
  getMany<T = unknown>(items: readonly GetManyItem[], options: GetManyOptions = {}): Promise<T[]> {
    return getMany<T>(this, items, options);
  }

  /**
   * Finds a dataset now (checking component and parameters) and returns a handle that reads it later.
   * A ref that the datastore does not hold is a DatasetNotFoundError at once.
   */
  getDeferred<T = unknown>(
    refOrType: DatasetRef | DatasetType | string,
    dataId?: DataIdInput | null,
    options: Omit<ButlerGetOptions, "signal"> = {},
  ): Promise<DeferredDatasetHandle<T>> {
    return getDeferred<T>(this, refOrType, dataId, options);
  }

  /**
   * Whether a dataset exists: known to the registry (found in the collections, or a ref whose ID it
   * holds) and stored, with its file present.
   */
  exists(
    refOrType: DatasetRef | DatasetType | string,
    dataId?: DataIdInput | null,
    options: Pick<ButlerGetOptions, "collections" | "timespan"> = {},
  ): Promise<boolean> {
    return datasetExists(this, refOrType, dataId, options);
  }

  /**
   * The URIs of a dataset's files. With `predict`, a dataset not yet stored (or not registered) gets the
   * URI a put would write, with a `#predicted` fragment; that needs a run.
   */
  getURIs(
    refOrType: DatasetRef | DatasetType | string,
    dataId?: DataIdInput | null,
    options: GetURIsOptions = {},
  ): Promise<DatasetRefURIs> {
    return getURIs(this, refOrType, dataId, options);
  }

  /** The URI of a dataset's file (see getURIs). */
  async getURI(
    refOrType: DatasetRef | DatasetType | string,
    dataId?: DataIdInput | null,
    options: GetURIsOptions = {},
  ): Promise<string> {
    const { primaryURI } = await this.getURIs(refOrType, dataId, options);
    return primaryURI!;
  }

  // ---- writes (write.ts) ----------------------------------------------------------------------

  /**
   * Stores `object` as a new dataset and returns its ref. With a dataset type (registered: a put
   * registers nothing), `dataId` names it and it goes to `run` (or the butler's run); a dataset of that
   * type and data ID already in the run is a ConflictingDefinitionError. With a resolved ref, its ID
   * and run are kept. The registry row, the datastore record and the file commit together.
   */
  put(
    object: unknown,
    datasetTypeOrRef: DatasetRef | DatasetType | string,
    dataId?: DataIdInput | null,
    options: ButlerPutOptions = {},
  ): Promise<DatasetRef> {
    return putDataset(this, object, datasetTypeOrRef, dataId, options);
  }

  /**
   * Brings existing files in as datasets, all in one transaction (any failure leaves nothing). Each
   * file holds one dataset. `transfer`: `auto` (in place when inside the datastore root, else copy),
   * `copy`, `move`, `hardlink`/`link`, `symlink`, `relsymlink`, `direct` (record the absolute path).
   */
  ingest(
    datasets: FileDatasetInput | readonly FileDatasetInput[],
    options: IngestOptions = {},
  ): Promise<DatasetRef[]> {
    return ingestFiles(this, datasets, options);
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

  /** `queryDatasets` read from a database cursor a page at a time (see Registry.streamDatasets). */
  streamDatasets(
    datasetType: Parameters<Registry["streamDatasets"]>[0],
    options: Omit<Parameters<Registry["streamDatasets"]>[1], "collections"> & {
      collections?: string | readonly string[];
    } = {},
  ): ReturnType<Registry["streamDatasets"]> {
    const collections = this.searchCollections(options.collections, "queryDatasets");
    return this.registry.streamDatasets(datasetType, { ...options, collections });
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
  indexHeaders(
    datasetType: string,
    keys: readonly string[],
    options: IndexHeadersOptions = {},
  ): Promise<IndexHeadersResult> {
    return indexHeaders(this, datasetType, keys, options);
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
