/**
 * `RemoteButler`: a repository on a butler server, with the Butler's API for reads, queries and puts.
 * The server finds datasets and hands out each file's record (with its byte index) and a signed URL;
 * the bytes come straight from the store through the local butler's own read path (`remote-read.ts`),
 * so `calexp.metadata` is one call to the server and one ranged GET of the header. Puts serialise
 * locally, upload to a signed URL and let the server register the dataset (`remote-put.ts`). What a
 * server leaves to the repository itself (ingest, removal, imports, transfers, the header index) is
 * here only to be refused with a NotOfferedRemotelyError saying what to do instead (`not-offered.ts`).
 */

import type { Butler } from "../butler/butler.ts";
import type { ButlerApi } from "../butler/butler-api.ts";
import { mapConcurrent } from "../butler/concurrency.ts";
import { DeferredDatasetHandle } from "../butler/deferred.ts";
import type { IndexHeadersOptions } from "../butler/header-index.ts";
import type { HeaderScan } from "../butler/header-scan.ts";
import type {
  ButlerPutOptions,
  DatasetRefURIs,
  FileDatasetInput,
  GetURIsOptions,
  IngestOptions,
} from "../butler/options.ts";
import type { PruneDatasetsOptions, RemoveRunsOptions } from "../butler/removal.ts";
import { dataIdObject, formatDataId, mergeDataId, refuseDataIdBesideRef } from "../butler/resolve.ts";
import { isServerUrl } from "../butler/server-opener.ts";
import {
  type ArtifactFile,
  type ExportOptions,
  type ImportOptions,
  type RetrieveArtifactsOptions,
  retrieveFiles,
  type TransferFromOptions,
} from "../butler/transfer.ts";
import {
  type DataIdInput,
  DatasetRef,
  type DatasetType,
  DimensionUniverse,
  defaultStorageClasses,
  type StorageClassFactory,
  splitDatasetTypeName,
  type Timespan,
} from "../core/index.ts";
import { prepareRead, type StoredFileRecord } from "../datastore/index.ts";
import {
  DatasetNotFoundError,
  DatasetNotFoundInCollectionsError,
  DatasetNotInDatastoreError,
  isButlerError,
  NoDefaultCollectionError,
  NotOfferedRemotelyError,
  ServerUrlError,
  UnknownComponentError,
} from "../errors/index.ts";
import { getLogger } from "../log.ts";
import { type ConnectionOptions, ServerConnection } from "./connection.ts";
import { notOffered } from "./not-offered.ts";
import {
  type FileInfo,
  type GetFileByDataIdResponse,
  type GetFileResponse,
  MAX_DATASET_IDS,
  REPO_PREFIX,
  routePath,
} from "./protocol.ts";
import { indexedHeaderKeys, type RemoteQueryHeadersOptions, remoteQueryHeaders } from "./remote-headers.ts";
import { putThroughServer } from "./remote-put.ts";
import { RemoteFiles } from "./remote-read.ts";
import { RemoteRegistry } from "./remote-registry.ts";
import { findToken } from "./token.ts";
import { dataIdToJson, namesToJson, refFromJson, timespanToJson } from "./wire.ts";

const timer = getLogger("timer.butler");

/**
 * Datasets whose files retrieveArtifacts asks for at once: each batch is downloaded before the next is
 * asked for, so that no signed URL waits long enough to expire.
 */
const RETRIEVE_BATCH = 100;

/** Datasets getMany reads at once by default (as a local butler). */
const DEFAULT_CONCURRENCY = 16;

export interface RemoteButlerOptions extends Omit<ConnectionOptions, "token"> {
  /** Bearer token; else `BUTLER_TOKEN`, else the tokens file (see `token.ts`). */
  token?: string;
  collections?: string | readonly string[];
  /** The RUN collection puts write to. */
  run?: string;
  /** Default data ID values. */
  dataId?: Readonly<Record<string, unknown>>;
  /** Allow puts; by default a remote butler is writeable exactly when it has a run, as a local one. */
  writeable?: boolean;
  /** Storage classes the repository uses beyond the defaults. */
  storageClasses?: StorageClassFactory;
}

export interface RemoteGetOptions {
  collections?: string | readonly string[];
  parameters?: Readonly<Record<string, unknown>>;
  storageClass?: string;
  timespan?: Timespan | null;
  signal?: AbortSignal;
}

export type RemoteGetManyItem =
  | DatasetRef
  | { datasetType: string | DatasetType; dataId?: DataIdInput | null };

/** A dataset about to be read: its whole-dataset ref, the component asked for, its file. */
interface Located {
  ref: DatasetRef;
  component?: string;
  record: StoredFileRecord;
  url: string;
}

function asList(collections: string | readonly string[]): string[] {
  return typeof collections === "string" ? [collections] : [...collections];
}

export { isServerUrl };

export class RemoteButler implements ButlerApi {
  /** The repository's URL on the server. */
  readonly url: string;
  readonly connection: ServerConnection;
  readonly registry: RemoteRegistry;
  readonly storageClasses: StorageClassFactory;
  readonly files: RemoteFiles;
  readonly collections: readonly string[];
  readonly run: string | undefined;
  readonly dataId: Readonly<Record<string, unknown>>;
  readonly isWriteable: boolean;

  private constructor(
    url: string,
    connection: ServerConnection,
    universe: DimensionUniverse,
    options: RemoteButlerOptions,
  ) {
    this.url = url;
    this.connection = connection;
    this.storageClasses = options.storageClasses ?? defaultStorageClasses();
    this.collections =
      options.collections !== undefined
        ? asList(options.collections)
        : options.run !== undefined
          ? [options.run]
          : [];
    this.run = options.run;
    this.dataId = { ...(options.dataId ?? {}) };
    this.isWriteable = options.writeable ?? options.run !== undefined;
    this.registry = new RemoteRegistry(connection, universe, this.collections);
    this.files = new RemoteFiles(url, this.storageClasses);
  }

  /** Connects to `http(s)://host/api/butler/repo/NAME` (one request: the dimension universe). */
  static async open(url: string, options: RemoteButlerOptions = {}): Promise<RemoteButler> {
    const base = url.replace(/\/+$/, "");
    if (!isServerUrl(base)) throw new ServerUrlError(url, `it has no ${REPO_PREFIX}/NAME path`);
    const token = findToken(base, options.token);
    const connection = new ServerConnection(base, {
      ...(token === undefined ? {} : { token }),
      ...(options.retryBudgetMs === undefined ? {} : { retryBudgetMs: options.retryBudgetMs }),
      ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
      ...(options.userAgent === undefined ? {} : { userAgent: options.userAgent }),
    });
    const universe = DimensionUniverse.fromConfig(await connection.getJson<unknown>(routePath("universe")));
    return new RemoteButler(base, connection, universe, options);
  }

  /** The repository (its server URL), where a local butler has its directory. */
  get root(): string {
    return this.url;
  }

  async close(): Promise<void> {}

  searchCollections(collections: string | readonly string[] | undefined, operation: string): string[] {
    const list = collections !== undefined ? asList(collections) : [...this.collections];
    if (list.length === 0) throw new NoDefaultCollectionError("collections", operation);
    return list;
  }

  /** The ref of one component of a dataset (checked against its storage class). */
  componentRef(ref: DatasetRef, component: string): DatasetRef {
    const composite = ref.makeCompositeRef();
    const storageClass = this.storageClasses.get(composite.datasetType.storageClass);
    return composite.makeComponentRef(component, storageClass.componentStorageClass(component));
  }

  // ---- finding files ----------------------------------------------------------------------------

  /**
   * The files of datasets by ID (record and signed URL, remembered for reads), in one request per
   * MAX_DATASET_IDS; a dataset without one is left out.
   */
  async fetchFileInfo(ids: readonly string[], signal?: AbortSignal): Promise<Map<string, Located>> {
    const out = new Map<string, Located>();
    for (let i = 0; i < ids.length; i += MAX_DATASET_IDS) {
      const answer = await this.connection.postJson<GetFileResponse>(
        routePath("getFile"),
        { dataset_ids: ids.slice(i, i + MAX_DATASET_IDS) },
        signal === undefined ? {} : { signal },
      );
      for (const file of answer.files) {
        const ref = refFromJson(file.dataset_ref, this.registry.universe);
        const located = this.#learn(ref, file.file_info);
        if (located !== undefined) out.set(ref.id, located);
      }
    }
    return out;
  }

  #learn(ref: DatasetRef, infos: readonly FileInfo[]): Located | undefined {
    const whole = infos.find((info) => info.record.component === null);
    if (whole === undefined) return undefined;
    return { ref, record: this.files.learn(whole), url: whole.url };
  }

  /** Checks a component and the parameters against the storage class, before any byte is read. */
  #check(parentStorageClass: string, component: string | undefined, options: RemoteGetOptions): void {
    prepareRead(
      this.storageClasses,
      options.storageClass ?? parentStorageClass,
      component,
      options.parameters,
    );
  }

  #checkComponent(type: DatasetType, component: string | null): string | undefined {
    if (component === null) return undefined;
    const storageClass = this.storageClasses.get(type.storageClass);
    if (!storageClass.hasComponent(component)) {
      throw new UnknownComponentError(
        component,
        `dataset type '${type.name}' (storage class ${storageClass.name})`,
        storageClass.allComponents(),
      );
    }
    return component;
  }

  /**
   * The dataset a read names and its file: with a ref, one get_file; with a dataset type and data ID,
   * one get_file_by_data_id (the type is fetched first only when default data ID values must be merged
   * for its dimensions and it is not known yet).
   */
  async #locate(
    refOrType: DatasetRef | DatasetType | string,
    dataId: DataIdInput | null | undefined,
    options: RemoteGetOptions,
    operation: string,
    check = true,
  ): Promise<Located> {
    if (refOrType instanceof DatasetRef) {
      refuseDataIdBesideRef(dataId, operation);
      const component = refOrType.datasetType.component ?? undefined;
      const ref = refOrType.makeCompositeRef();
      if (check) this.#check(ref.datasetType.storageClass, component, options);
      const found = (await this.fetchFileInfo([ref.id], options.signal)).get(ref.id);
      if (found === undefined)
        throw new DatasetNotFoundError(ref.id, `dataset ${ref} has no file on ${this.url}`);
      return { ...found, ...(component === undefined ? {} : { component }) };
    }
    const [parentName, componentName] = splitDatasetTypeName(
      typeof refOrType === "string" ? refOrType : refOrType.name,
    );
    const collections = this.searchCollections(options.collections, operation);
    let merged: DataIdInput = dataIdObject(dataId);
    if (Object.keys(this.dataId).length > 0) {
      const type = await this.registry.getDatasetType(parentName);
      merged = mergeDataId(dataId, this.dataId, type.dimensions.names);
    }
    const timespan = timespanToJson(options.timespan);
    const answer = await this.connection.postJson<GetFileByDataIdResponse>(
      routePath("getFileByDataId"),
      {
        dataset_type: parentName,
        data_id: dataIdToJson(merged),
        collections: namesToJson(collections, operation)!,
        ...(timespan === undefined ? {} : { timespan }),
      },
      options.signal === undefined ? {} : { signal: options.signal },
    );
    if (answer.dataset_ref === null) {
      // A bad component or parameter is reported before a missing dataset, as a local butler does;
      // the type is fetched only on this path, so that a found dataset stays one request.
      if (
        check &&
        (componentName !== null || options.parameters !== undefined || options.storageClass !== undefined)
      ) {
        const type = await this.registry.getDatasetType(parentName);
        this.#check(type.storageClass, this.#checkComponent(type, componentName), options);
      }
      throw new DatasetNotFoundInCollectionsError(parentName, formatDataId(merged), collections);
    }
    const ref = refFromJson(answer.dataset_ref, this.registry.universe).makeCompositeRef();
    this.registry.rememberDatasetType(ref.datasetType);
    const component = this.#checkComponent(ref.datasetType, componentName);
    if (check) this.#check(ref.datasetType.storageClass, component, options);
    const found = this.#learn(ref, answer.file_info);
    if (found === undefined)
      throw new DatasetNotFoundError(ref.id, `dataset ${ref} has no file on ${this.url}`);
    return { ...found, ...(component === undefined ? {} : { component }) };
  }

  async #read<T>(target: Located, options: RemoteGetOptions, started: number): Promise<T> {
    const result = await this.files.readFromRecord<T>(target.ref, target.record, {
      ...(target.component === undefined ? {} : { component: target.component }),
      ...(options.parameters === undefined ? {} : { parameters: options.parameters }),
      ...(options.storageClass === undefined ? {} : { storageClass: options.storageClass }),
      ...(options.signal === undefined ? {} : { signal: options.signal }),
    });
    if (timer.isEnabledFor("debug")) {
      const m = result.metrics;
      timer.debug(
        `Retrieved dataset ${target.ref.datasetType.name}${target.component === undefined ? "" : `.${target.component}`}@${target.ref.dataId} from ${this.url}: took ${(performance.now() - started).toFixed(3)} ms`,
        {
          fetchMs: m.fetchMs,
          decodeMs: m.decodeMs,
          requests: m.requests,
          bytes: m.bytesRead,
          cacheHits: m.cacheHits,
        },
      );
    }
    return result.value;
  }

  // ---- reads ------------------------------------------------------------------------------------

  /** Reads a dataset, a component (`calexp.wcs`, or a component ref) or a cutout (`parameters: {bbox}`). */
  async get<T = unknown>(
    refOrType: DatasetRef | DatasetType | string,
    dataId?: DataIdInput | null,
    options: RemoteGetOptions = {},
  ): Promise<T> {
    const started = performance.now();
    const target = await this.#locate(refOrType, dataId, options, "get");
    return this.#read<T>(target, options, started);
  }

  /**
   * Reads many datasets: items given by data ID are found first (in parallel), then one get_file asks
   * for the files of all of them; the reads run `concurrency` at a time. Results keep the input order.
   */
  async getMany<T = unknown>(
    items: readonly RemoteGetManyItem[],
    options: RemoteGetOptions & { concurrency?: number; onRead?: () => void } = {},
  ): Promise<T[]> {
    const started = performance.now();
    const concurrency = options.concurrency ?? DEFAULT_CONCURRENCY;
    const wanted = await mapConcurrent([...items], concurrency, async (item) => {
      if (item instanceof DatasetRef) {
        const component = item.datasetType.component ?? undefined;
        const ref = item.makeCompositeRef();
        this.#check(ref.datasetType.storageClass, component, options);
        return { ref, component };
      }
      const name = typeof item.datasetType === "string" ? item.datasetType : item.datasetType.name;
      const [parentName, componentName] = splitDatasetTypeName(name);
      const type = await this.registry.getDatasetType(parentName);
      const component = this.#checkComponent(type, componentName);
      this.#check(type.storageClass, component, options);
      const collections = this.searchCollections(options.collections, "getMany");
      const merged = mergeDataId(item.dataId, this.dataId, type.dimensions.names);
      const ref = await this.registry.findDataset(type, merged, {
        collections,
        ...(options.timespan === undefined ? {} : { timespan: options.timespan }),
      });
      if (ref === null)
        throw new DatasetNotFoundInCollectionsError(type.name, formatDataId(merged), collections);
      return { ref, component };
    });
    // The files of up to MAX_DATASET_IDS datasets per get_file call, each batch read before the next.
    const values: T[] = [];
    for (let i = 0; i < wanted.length; i += MAX_DATASET_IDS) {
      const batch = wanted.slice(i, i + MAX_DATASET_IDS);
      const files = await this.fetchFileInfo([...new Set(batch.map((w) => w.ref.id))], options.signal);
      const read = await mapConcurrent(batch, concurrency, async (w) => {
        const found = files.get(w.ref.id);
        if (found === undefined) {
          throw new DatasetNotFoundError(w.ref.id, `dataset ${w.ref} has no file on ${this.url}`);
        }
        const value = await this.#read<T>(
          { ...found, ...(w.component === undefined ? {} : { component: w.component }) },
          options,
          started,
        );
        options.onRead?.();
        return value;
      });
      values.push(...read);
    }
    return values;
  }

  /**
   * Finds a dataset now, with one request to the server (checking component and parameters, and that
   * it has a file), and returns a handle whose `get` reads it later through this butler's `get`: a
   * fresh signed URL then, however long the handle was kept.
   */
  async getDeferred<T = unknown>(
    refOrType: DatasetRef | DatasetType | string,
    dataId?: DataIdInput | null,
    options: Omit<RemoteGetOptions, "signal"> = {},
  ): Promise<DeferredDatasetHandle<T>> {
    const found = await this.#locate(refOrType, dataId, options, "getDeferred");
    const ref = found.component === undefined ? found.ref : this.componentRef(found.ref, found.component);
    return new DeferredDatasetHandle<T>(this, ref, options.parameters ?? {}, options.storageClass);
  }

  /** Whether the dataset is known to the server and has a file there. */
  async exists(
    refOrType: DatasetRef | DatasetType | string,
    dataId?: DataIdInput | null,
    options: Pick<RemoteGetOptions, "collections" | "timespan"> = {},
  ): Promise<boolean> {
    try {
      await this.#locate(refOrType, dataId, options, "exists", false);
      return true;
    } catch (err) {
      if (isButlerError(err, "DATASET_NOT_FOUND")) return false;
      throw err;
    }
  }

  /**
   * The URLs of a dataset's file: the signed URL the server hands out (it expires; see the server's
   * URL expiry). Predicting the URI of a dataset not yet stored is not offered through a server.
   */
  async getURIs(
    refOrType: DatasetRef | DatasetType | string,
    dataId?: DataIdInput | null,
    options: GetURIsOptions = {},
  ): Promise<DatasetRefURIs> {
    if (options.predict) {
      throw new NotOfferedRemotelyError(
        "getURIs with predict",
        this.url,
        "the server decides where a put writes; put the dataset, then ask getURIs for its URI",
      );
    }
    const found = await this.#locate(refOrType, dataId, options, "getURIs", false);
    return { primaryURI: found.url, componentURIs: {} };
  }

  async getURI(
    refOrType: DatasetRef | DatasetType | string,
    dataId?: DataIdInput | null,
    options: GetURIsOptions = {},
  ): Promise<string> {
    return (await this.getURIs(refOrType, dataId, options)).primaryURI!;
  }

  /**
   * Downloads the files of datasets into a local directory, keeping their datastore paths unless
   * `preservePath` is false; returns the paths written. The files come from their signed URLs, one
   * get_file call per RETRIEVE_BATCH datasets, so only `auto` and `copy` transfers apply.
   */
  retrieveArtifacts(
    refs: readonly DatasetRef[],
    destination: string,
    options: RetrieveArtifactsOptions = {},
  ): Promise<string[]> {
    const locate = async (batch: readonly DatasetRef[]) => {
      const found = await this.fetchFileInfo(batch.map((ref) => ref.id));
      const out = new Map<string, ArtifactFile>();
      for (const ref of batch) {
        const file = found.get(ref.id);
        if (file === undefined) throw new DatasetNotInDatastoreError(ref.id, ` on ${this.url}`);
        out.set(ref.id, { path: file.record.path, file: file.url });
      }
      return out;
    };
    return retrieveFiles(refs, destination, options, locate, RETRIEVE_BATCH);
  }

  // ---- queries ----------------------------------------------------------------------------------

  queryDatasets(
    datasetType: Parameters<RemoteRegistry["queryDatasets"]>[0],
    options: Parameters<RemoteRegistry["queryDatasets"]>[1] = {},
  ): ReturnType<RemoteRegistry["queryDatasets"]> {
    return this.streamDatasets(datasetType, options).toArray();
  }

  /** `queryDatasets` as it arrives from the server, a page at a time (see QueryStream). */
  streamDatasets(
    datasetType: Parameters<RemoteRegistry["streamDatasets"]>[0],
    options: Parameters<RemoteRegistry["streamDatasets"]>[1] = {},
  ): ReturnType<RemoteRegistry["streamDatasets"]> {
    const collections = this.searchCollections(
      options.collections as string | readonly string[] | undefined,
      "queryDatasets",
    );
    return this.registry.streamDatasets(datasetType, { ...options, collections });
  }

  queryDataIds(
    dimensions: Parameters<RemoteRegistry["queryDataIds"]>[0],
    options: Parameters<RemoteRegistry["queryDataIds"]>[1] = {},
  ): ReturnType<RemoteRegistry["queryDataIds"]> {
    return this.registry.queryDataIds(dimensions, options);
  }

  queryDimensionRecords(
    element: Parameters<RemoteRegistry["queryDimensionRecords"]>[0],
    options: Parameters<RemoteRegistry["queryDimensionRecords"]>[1] = {},
  ): ReturnType<RemoteRegistry["queryDimensionRecords"]> {
    return this.registry.queryDimensionRecords(element, options);
  }

  /**
   * Header values of the datasets found (find-first by default), as a local butler's queryHeaders:
   * indexed keys from the server's registry, others read here from the files (see remote-headers.ts).
   */
  queryHeaders(datasetType: string, options: RemoteQueryHeadersOptions = {}): Promise<HeaderScan> {
    return remoteQueryHeaders(this, datasetType, options);
  }

  /** The header keys the repository indexes for a dataset type. */
  indexedHeaderKeys(datasetType: string): Promise<string[]> {
    return indexedHeaderKeys(this, datasetType);
  }

  // ---- writes -----------------------------------------------------------------------------------

  /**
   * Stores `object` as a new dataset through the server: the formatter writes the file here, it is
   * uploaded to a signed URL, and the server checks it and registers dataset and record atomically.
   * A resolved ref keeps its ID and run, as a local put's does.
   */
  put(
    object: unknown,
    datasetTypeOrRef: DatasetRef | DatasetType | string,
    dataId?: DataIdInput | null,
    options: ButlerPutOptions = {},
  ): Promise<DatasetRef> {
    return putThroughServer(this, object, datasetTypeOrRef, dataId, options);
  }

  // ---- not offered through a server (see not-offered.ts): each a NotOfferedRemotelyError ----------

  ingest(
    _datasets: FileDatasetInput | readonly FileDatasetInput[],
    _options?: IngestOptions,
  ): Promise<never> {
    return notOffered("ingest", this.url);
  }

  indexHeaders(
    _datasetType: string,
    _keys: readonly string[],
    _options?: IndexHeadersOptions,
  ): Promise<never> {
    return notOffered("indexHeaders", this.url);
  }

  removeRuns(_names: string | readonly string[], _options?: RemoveRunsOptions): Promise<never> {
    return notOffered("removeRuns", this.url);
  }

  pruneDatasets(_refs: readonly DatasetRef[], _options?: PruneDatasetsOptions): Promise<never> {
    return notOffered("pruneDatasets", this.url);
  }

  export(_refs: readonly DatasetRef[], _options: ExportOptions): Promise<never> {
    return notOffered("export", this.url);
  }

  import(_directory: string, _options?: ImportOptions): Promise<never> {
    return notOffered("import", this.url);
  }

  transferFrom(
    _source: Butler,
    _refs: readonly DatasetRef[],
    _options?: TransferFromOptions,
  ): Promise<never> {
    return notOffered("transferFrom", this.url);
  }
}
