/**
 * The butler's API as both kinds offer it: the local Butler over a registry and datastore, and the
 * client of a butler server (`src/client`), which implements this interface without this layer knowing
 * it. `Butler.open` returns it for a server URL, so a user's reads, queries and puts type-check either
 * way; what only a local butler has (the datastore, ingest, removal, transfers, registry writes) stays
 * on `Butler`.
 */
import type { DataIdInput, DatasetRef, DatasetType, StorageClassFactory } from "../core/index.ts";
import type { Registry } from "../registry/index.ts";
import type { HeaderScan, QueryHeadersOptions } from "./header-scan.ts";
import type {
  ButlerGetOptions,
  ButlerPutOptions,
  DatasetRefURIs,
  GetManyItem,
  GetManyOptions,
  GetURIsOptions,
} from "./options.ts";

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
  put(
    object: unknown,
    datasetType: DatasetType | string,
    dataId?: DataIdInput | null,
    options?: ButlerPutOptions,
  ): Promise<DatasetRef>;

  queryDatasets(
    datasetType: Parameters<Registry["queryDatasets"]>[0],
    options?: Omit<Parameters<Registry["queryDatasets"]>[1], "collections"> & { collections?: Collections },
  ): Promise<DatasetRef[]>;
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
