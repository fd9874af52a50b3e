/**
 * The butler's API as both kinds offer it: the local Butler over a registry and datastore, and the
 * client of a butler server (`src/client`), which implements this interface without this layer knowing
 * it. `Butler.open` returns it for a server URL, so a user's reads, queries and puts type-check either
 * way; what only a local butler has (the datastore, ingest, removal, export/import and transfers into
 * a repository, the header index, registry writes) stays on `Butler` (a remote butler refuses those
 * with a NotOfferedRemotelyError).
 */
import type { DataIdInput, DatasetRef, DatasetType, StorageClassFactory } from "../core/index.ts";
import type { Registry } from "../registry/index.ts";
import type { DeferredDatasetHandle } from "./deferred.ts";
import type { HeaderScan, QueryHeadersOptions } from "./header-scan.ts";
import type {
  ButlerGetOptions,
  ButlerPutOptions,
  DatasetRefURIs,
  GetManyItem,
  GetManyOptions,
  GetURIsOptions,
} from "./options.ts";
import type { RetrieveArtifactsOptions } from "./transfer.ts";

/** The registry's reads and queries, which a server answers too. */
export type RegistryReader = Pick<
  Registry,
  | "universe"
  | "getDatasetType"
  | "queryDatasetTypes"
  | "queryCollections"
  | "getCollectionType"
  | "getCollectionDocumentation"
  | "getCollectionChain"
  | "getCollectionParentChains"
  | "getCollectionSummary"
  | "findDataset"
  | "getDataset"
  | "getDatasets"
  | "expandDataId"
  | "getDimensionRecord"
  | "queryDatasets"
  | "queryDataIds"
  | "queryDimensionRecords"
  | "queryDatasetAssociations"
>;

type RefOrType = DatasetRef | DatasetType | string;
type Collections = string | readonly string[];

export interface ButlerApi {
  /** The repository: its directory, or its URL on a server. */
  readonly root: string;
  readonly registry: RegistryReader;
  readonly storageClasses: StorageClassFactory;
  readonly isWriteable: boolean;
  /** Default collections searched by reads. */
  readonly collections: readonly string[];
  /** Default RUN collection of writes. */
  readonly run: string | undefined;
  /** Default data ID values. */
  readonly dataId: Readonly<Record<string, unknown>>;
  close(): Promise<void>;
  /** The ref of one component of a dataset (checked against its storage class). */
  componentRef(ref: DatasetRef, component: string): DatasetRef;

  get<T = unknown>(refOrType: RefOrType, dataId?: DataIdInput | null, options?: ButlerGetOptions): Promise<T>;
  getMany<T = unknown>(items: readonly GetManyItem[], options?: GetManyOptions): Promise<T[]>;
  /**
   * Finds a dataset now (checking component and parameters, and that its file is there) and returns a
   * handle whose `get` reads it later.
   */
  getDeferred<T = unknown>(
    refOrType: RefOrType,
    dataId?: DataIdInput | null,
    options?: Omit<ButlerGetOptions, "signal">,
  ): Promise<DeferredDatasetHandle<T>>;
  exists(
    refOrType: RefOrType,
    dataId?: DataIdInput | null,
    options?: Pick<ButlerGetOptions, "collections" | "timespan">,
  ): Promise<boolean>;
  getURIs(
    refOrType: RefOrType,
    dataId?: DataIdInput | null,
    options?: GetURIsOptions,
  ): Promise<DatasetRefURIs>;
  getURI(refOrType: RefOrType, dataId?: DataIdInput | null, options?: GetURIsOptions): Promise<string>;
  /**
   * Copies the files of datasets into a local directory; returns the paths written. Through a server
   * they are downloaded (`auto` or `copy`); a local butler can also link them.
   */
  retrieveArtifacts(
    refs: readonly DatasetRef[],
    destination: string,
    options?: RetrieveArtifactsOptions,
  ): Promise<string[]>;
  put(
    object: unknown,
    datasetTypeOrRef: RefOrType,
    dataId?: DataIdInput | null,
    options?: ButlerPutOptions,
  ): Promise<DatasetRef>;

  queryDatasets(
    datasetType: Parameters<Registry["queryDatasets"]>[0],
    options?: Omit<Parameters<Registry["queryDatasets"]>[1], "collections"> & { collections?: Collections },
  ): Promise<DatasetRef[]>;
  /** `queryDatasets` a page at a time (`for await (const ref of butler.streamDatasets(…))`). */
  streamDatasets(
    datasetType: Parameters<Registry["streamDatasets"]>[0],
    options?: Omit<Parameters<Registry["streamDatasets"]>[1], "collections"> & { collections?: Collections },
  ): ReturnType<Registry["streamDatasets"]>;
  queryDataIds(
    dimensions: Parameters<Registry["queryDataIds"]>[0],
    options?: Parameters<Registry["queryDataIds"]>[1],
  ): ReturnType<Registry["queryDataIds"]>;
  queryDimensionRecords(
    element: Parameters<Registry["queryDimensionRecords"]>[0],
    options?: Parameters<Registry["queryDimensionRecords"]>[1],
  ): ReturnType<Registry["queryDimensionRecords"]>;
  queryHeaders(
    datasetType: string,
    options?: Omit<QueryHeadersOptions, "collections"> & { collections?: Collections },
  ): Promise<HeaderScan>;
}
