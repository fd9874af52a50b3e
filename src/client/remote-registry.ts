/**
 * `butler.registry` of a remote butler: the registry's read API over the server's routes, with the
 * butler's default collections filled in as a local butler's registry does. Queries stream as JSON
 * lines and are collected page by page; dataset types are fetched once and kept.
 */
import type { RegistryReader } from "../butler/butler-api.ts";
import {
  CollectionType,
  type DataCoordinate,
  type DataIdInput,
  type DatasetRef,
  type DatasetRefJson,
  type DatasetType,
  type DimensionElement,
  type DimensionRecord,
  type DimensionUniverse,
  type RecordsInput,
  Timespan,
} from "../core/index.ts";
import { DimensionRecordNotFoundError, MissingCollectionError } from "../errors/index.ts";
import type {
  DatasetAssociation,
  DimensionsInput,
  NameExpression,
  QueryCollectionsOptions,
  QueryDataIdsOptions,
  QueryDatasetAssociationsOptions,
  QueryDatasetsOptions,
  QueryDimensionRecordsOptions,
  QueryOptions,
  QueryStreamOptions,
} from "../registry/index.ts";
import { QueryStream } from "../registry/queries/query-stream.ts";
import { bindToJson } from "./bind-wire.ts";
import type { ServerConnection } from "./connection.ts";
import { type RegistryWrite, registryWriteNotOffered } from "./not-offered.ts";
import {
  type CollectionChainResponse,
  type CollectionInfo,
  type CollectionSummaryResponse,
  type CollectionTypeName,
  type DataIdJson,
  type DatasetAssociationJson,
  type DatasetResponse,
  type DatasetsResponse,
  type DatasetTypeResponse,
  type DimensionRecordJson,
  type ExpandDataIdResponse,
  type FindDatasetResponse,
  MAX_DATASET_IDS,
  type QueryCollectionInfoResponse,
  type QueryDatasetAssociationsRequest,
  type QueryDatasetTypesResponse,
  type QueryRequestBase,
  routePath,
} from "./protocol.ts";
import {
  dataIdFromJson,
  dataIdToJson,
  datasetTypeFromJson,
  namesToJson,
  recordFromJson,
  refFromJson,
  timespanToJson,
} from "./wire.ts";

/** The options every streamed query shares, on the wire. */
function queryBase(options: QueryOptions): QueryRequestBase {
  const out: QueryRequestBase = {};
  if (options.where !== undefined) out.where = options.where;
  if (options.bind !== undefined) out.bind = bindToJson(options.bind);
  if (options.dataId !== undefined) out.data_id = dataIdToJson(options.dataId);
  if (options.orderBy !== undefined)
    out.order_by = typeof options.orderBy === "string" ? options.orderBy : [...options.orderBy];
  if (options.limit !== undefined) out.limit = options.limit;
  if (options.offset !== undefined) out.offset = options.offset;
  if (options.explain !== undefined) out.explain = options.explain;
  return out;
}

function typeNames(
  types: string | DatasetType | readonly (string | DatasetType)[] | undefined,
): string | string[] | undefined {
  if (types === undefined) return undefined;
  const list: readonly (string | DatasetType)[] = Array.isArray(types)
    ? (types as readonly (string | DatasetType)[])
    : [types as string | DatasetType];
  return list.map((t) => (typeof t === "string" ? t : t.name));
}

/** Collection types as the wire names them. */
function collectionTypeNames(
  types: QueryCollectionsOptions["collectionTypes"],
): CollectionTypeName[] | undefined {
  if (types === undefined) return undefined;
  return [...(types instanceof CollectionType ? [types] : types)].map((t) => t.name as CollectionTypeName);
}

export class RemoteRegistry implements RegistryReader {
  readonly universe: DimensionUniverse;
  readonly isWriteable = false;
  /** Collections searched when a call gives none (the butler's). */
  readonly defaults: readonly string[];
  readonly #connection: ServerConnection;
  readonly #types = new Map<string, DatasetType>();

  constructor(connection: ServerConnection, universe: DimensionUniverse, defaults: readonly string[]) {
    this.#connection = connection;
    this.universe = universe;
    this.defaults = defaults;
  }

  #collections(given: NameExpression | undefined, what: string): string | string[] | undefined {
    return namesToJson(given ?? (this.defaults.length > 0 ? this.defaults : undefined), what);
  }

  async close(): Promise<void> {}

  // ---- dataset types ----------------------------------------------------------------------------

  async getDatasetType(name: string): Promise<DatasetType> {
    const known = this.#types.get(name);
    if (known !== undefined) return known;
    const json = await this.#connection.getJson<DatasetTypeResponse>(
      routePath("datasetType", { datasetTypeName: name }),
    );
    const type = datasetTypeFromJson(json, this.universe);
    this.#types.set(name, type);
    return type;
  }

  /** Keeps a dataset type the server sent with a ref, so later lookups need no request. */
  rememberDatasetType(type: DatasetType): void {
    if (!type.isComponent() && !this.#types.has(type.name)) this.#types.set(type.name, type);
  }

  async queryDatasetTypes(
    expression?: NameExpression,
    options: { components?: boolean; missing?: string[] } = {},
  ): Promise<DatasetType[]> {
    const pattern = namesToJson(expression, "queryDatasetTypes");
    const answer = await this.#connection.postJson<QueryDatasetTypesResponse>(
      routePath("queryDatasetTypes"),
      {
        ...(pattern === undefined ? {} : { pattern }),
        ...(options.components === undefined ? {} : { components: options.components }),
      },
    );
    options.missing?.push(...(answer.missing ?? []));
    return answer.dataset_types.map((json) => datasetTypeFromJson(json, this.universe));
  }

  // ---- collections ------------------------------------------------------------------------------

  /** Collections matching an expression, with their types and (for chains) children. */
  async queryCollectionInfo(
    expression?: NameExpression,
    options: QueryCollectionsOptions & { includeSummary?: boolean } = {},
  ): Promise<CollectionInfo[]> {
    const pattern = namesToJson(expression, "queryCollections");
    const types = collectionTypeNames(options.collectionTypes);
    const answer = await this.#connection.postJson<QueryCollectionInfoResponse>(
      routePath("queryCollectionInfo"),
      {
        ...(pattern === undefined ? {} : { pattern }),
        ...(types === undefined ? {} : { types }),
        ...(options.flattenChains === undefined ? {} : { flatten_chains: options.flattenChains }),
        ...(options.includeChains === undefined ? {} : { include_chains: options.includeChains }),
        ...(options.includeSummary === undefined ? {} : { include_summary: options.includeSummary }),
      },
    );
    return answer.collections;
  }

  async queryCollections(
    expression?: NameExpression,
    options: QueryCollectionsOptions = {},
  ): Promise<string[]> {
    return (await this.queryCollectionInfo(expression, options)).map((c) => c.name);
  }

  async getCollectionType(name: string): Promise<CollectionType> {
    const [info] = await this.queryCollectionInfo([name]);
    if (info === undefined) {
      throw new MissingCollectionError(name);
    }
    return CollectionType.fromName(info.type);
  }

  async getCollectionDocumentation(name: string): Promise<string | null> {
    const [info] = await this.queryCollectionInfo([name]);
    if (info === undefined) throw new MissingCollectionError(name);
    return info.doc ?? null;
  }

  async getCollectionChain(parent: string): Promise<string[]> {
    const answer = await this.#connection.getJson<CollectionChainResponse>(
      routePath("collectionChain", { collection: parent }),
    );
    return answer.children;
  }

  /** The CHAINED collections that list `name` among their children. */
  async getCollectionParentChains(name: string): Promise<string[]> {
    const chains = await this.queryCollectionInfo("*", { collectionTypes: CollectionType.CHAINED });
    return chains.filter((c) => c.children?.includes(name)).map((c) => c.name);
  }

  async getCollectionSummary(
    collections: NameExpression,
  ): Promise<{ datasetTypes: string[]; governors: Record<string, string[]> }> {
    const answer = await this.#connection.postJson<CollectionSummaryResponse>(
      routePath("collectionSummary"),
      { collections: namesToJson(collections, "getCollectionSummary") },
    );
    return { datasetTypes: answer.dataset_types, governors: answer.governors };
  }

  // ---- datasets ---------------------------------------------------------------------------------

  #ref(json: DatasetRefJson): DatasetRef {
    const ref = refFromJson(json, this.universe);
    this.rememberDatasetType(ref.datasetType.makeCompositeDatasetType());
    return ref;
  }

  async findDataset(
    datasetType: DatasetType | string,
    dataId: DataIdInput,
    options: { collections?: NameExpression; timespan?: Timespan | null } = {},
  ): Promise<DatasetRef | null> {
    const timespan = timespanToJson(options.timespan);
    const collections = this.#collections(options.collections, "findDataset");
    const answer = await this.#connection.postJson<FindDatasetResponse>(routePath("findDataset"), {
      dataset_type: typeof datasetType === "string" ? datasetType : datasetType.name,
      data_id: dataIdToJson(dataId),
      ...(collections === undefined ? {} : { collections }),
      ...(timespan === undefined ? {} : { timespan }),
    });
    return answer.dataset_ref === null ? null : this.#ref(answer.dataset_ref);
  }

  async getDataset(id: string): Promise<DatasetRef | null> {
    const answer = await this.#connection.getJson<DatasetResponse>(routePath("dataset", { id }));
    return answer.dataset_ref === null ? null : this.#ref(answer.dataset_ref);
  }

  /**
   * Stored datasets by ID, keyed by ID as a local registry's (unknown IDs are absent), in one request
   * per MAX_DATASET_IDS.
   */
  async getDatasets(ids: readonly string[]): Promise<Map<string, DatasetRef>> {
    const out = new Map<string, DatasetRef>();
    const unique = [...new Set(ids)];
    for (let i = 0; i < unique.length; i += MAX_DATASET_IDS) {
      const answer = await this.#connection.postJson<DatasetsResponse>(routePath("datasets"), {
        dataset_ids: unique.slice(i, i + MAX_DATASET_IDS),
      });
      for (const json of answer.dataset_refs) {
        const ref = this.#ref(json);
        out.set(ref.id, ref);
      }
    }
    return out;
  }

  /**
   * The data ID with every value and the records of its elements attached, as a local registry's;
   * records given in `options.records` are used instead of the server's, as a local registry uses them.
   */
  async expandDataId(
    dataId: DataIdInput | null | undefined,
    options: { dimensions?: DimensionsInput; records?: RecordsInput } = {},
  ): Promise<DataCoordinate> {
    const dimensions = options.dimensions === undefined ? undefined : this.#group(options.dimensions);
    const answer = await this.#connection.postJson<ExpandDataIdResponse>(routePath("expandDataId"), {
      data_id: dataIdToJson(dataId),
      ...(dimensions === undefined ? {} : { dimensions: [...dimensions.names] }),
    });
    const group = dimensions ?? this.universe.conform(Object.keys(answer.data_id));
    const given =
      options.records instanceof Map ? options.records : new Map(Object.entries(options.records ?? {}));
    const records = new Map<string, DimensionRecord | null>();
    for (const element of group.elements) {
      const json = answer.records[element];
      records.set(
        element,
        given.get(element) ??
          (json === undefined || json === null ? null : recordFromJson(json, element, this.universe)),
      );
    }
    return dataIdFromJson(answer.data_id, group).expanded(records);
  }

  /**
   * The record of an element for a data ID (which may use alternate keys), or null: the record the
   * expansion of the element's required dimensions attaches.
   */
  async getDimensionRecord(
    element: string | DimensionElement,
    dataId: DataIdInput,
  ): Promise<DimensionRecord | null> {
    const target = typeof element === "string" ? this.universe.getElement(element) : element;
    try {
      return (await this.expandDataId(dataId, { dimensions: target.required })).record(target.name);
    } catch (err) {
      // No record for the values given, as a local registry answers it.
      if (err instanceof DimensionRecordNotFoundError) return null;
      throw err;
    }
  }

  #group(dimensions: DimensionsInput) {
    return this.universe.conform(typeof dimensions === "string" ? [dimensions] : dimensions);
  }

  // ---- queries ----------------------------------------------------------------------------------

  async queryDatasets(
    datasetType: NameExpression | DatasetType | readonly DatasetType[],
    options: QueryDatasetsOptions = {},
  ): Promise<DatasetRef[]> {
    return this.streamDatasets(datasetType, options).toArray();
  }

  /** `queryDatasets` as it arrives from the server, a page at a time (see QueryStream). */
  streamDatasets(
    datasetType: NameExpression | DatasetType | readonly DatasetType[],
    options: QueryDatasetsOptions & QueryStreamOptions = {},
  ): QueryStream<DatasetRef> {
    const names =
      typeof datasetType === "string" || datasetType instanceof RegExp
        ? namesToJson(datasetType, "queryDatasets")
        : Array.isArray(datasetType)
          ? (datasetType as readonly (string | RegExp | DatasetType)[]).map((t) =>
              typeof t === "string" || t instanceof RegExp ? namesToJson(t, "queryDatasets")![0]! : t.name,
            )
          : (datasetType as DatasetType).name;
    const collections = this.#collections(options.collections, "queryDatasets");
    const timespan = timespanToJson(options.timespan);
    const body = {
      ...queryBase(options),
      dataset_type: names!,
      ...(collections === undefined ? {} : { collections }),
      ...(options.findFirst === undefined ? {} : { find_first: options.findFirst }),
      ...(timespan === undefined ? {} : { timespan }),
    };
    return this.#stream(routePath("queryDatasets"), body, (row: DatasetRefJson) => this.#ref(row), options);
  }

  /**
   * Every membership of datasets of a type in the matching collections (every collection when none
   * are given, as a local registry's: the butler's defaults are not filled in), with the validity
   * range of each membership of a CALIBRATION collection.
   */
  async queryDatasetAssociations(
    datasetType: DatasetType | string,
    options: QueryDatasetAssociationsOptions = {},
  ): Promise<DatasetAssociation[]> {
    const collections = namesToJson(options.collections, "queryDatasetAssociations");
    const types = collectionTypeNames(options.collectionTypes);
    const body: QueryDatasetAssociationsRequest = {
      dataset_type: typeof datasetType === "string" ? datasetType : datasetType.name,
      ...(collections === undefined ? {} : { collections }),
      ...(types === undefined ? {} : { collection_types: types }),
      ...(options.flattenChains === undefined ? {} : { flatten_chains: options.flattenChains }),
    };
    const decode = (row: DatasetAssociationJson): DatasetAssociation => ({
      ref: this.#ref(row.dataset_ref),
      collection: row.collection,
      timespan: row.timespan === null ? null : Timespan.fromJSON(row.timespan),
    });
    return this.#stream(routePath("queryDatasetAssociations"), body, decode, {}).toArray();
  }

  /** A query's pages as the server sends them, cut to the asked page size and decoded. */
  #stream<Row, T>(path: string, body: unknown, decode: (row: Row) => T, options: QueryStreamOptions) {
    const connection = this.#connection;
    const request = options.signal === undefined ? {} : { signal: options.signal };
    return new QueryStream<T>(async function* (size) {
      for await (const rows of connection.pages<Row>(path, body, request)) {
        for (let i = 0; i < rows.length; i += size) yield rows.slice(i, i + size).map(decode);
      }
    }, options);
  }

  /** The collections a dataset-constrained query searches: the call's, else the butler's defaults. */
  #constrained(options: QueryDataIdsOptions, what: string) {
    const datasets = typeNames(options.datasets);
    if (datasets === undefined) return {};
    const collections = this.#collections(options.collections, what);
    return { datasets, ...(collections === undefined ? {} : { collections }) };
  }

  async queryDataIds(
    dimensions: DimensionsInput,
    options: QueryDataIdsOptions = {},
  ): Promise<DataCoordinate[]> {
    return this.streamDataIds(dimensions, options).toArray();
  }

  /** `queryDataIds` as it arrives from the server, a page at a time (see QueryStream). */
  streamDataIds(
    dimensions: DimensionsInput,
    options: QueryDataIdsOptions & QueryStreamOptions = {},
  ): QueryStream<DataCoordinate> {
    const group = this.#group(dimensions);
    const body = {
      ...queryBase(options),
      dimensions: [...group.names],
      ...this.#constrained(options, "queryDataIds"),
    };
    return this.#stream(
      routePath("queryDataIds"),
      body,
      (row: DataIdJson) => dataIdFromJson(row, group),
      options,
    );
  }

  async queryDimensionRecords(
    element: string | DimensionElement,
    options: QueryDimensionRecordsOptions = {},
  ): Promise<DimensionRecord[]> {
    return this.streamDimensionRecords(element, options).toArray();
  }

  /** `queryDimensionRecords` as it arrives from the server, a page at a time (see QueryStream). */
  streamDimensionRecords(
    element: string | DimensionElement,
    options: QueryDimensionRecordsOptions & QueryStreamOptions = {},
  ): QueryStream<DimensionRecord> {
    const name = typeof element === "string" ? element : element.name;
    const body = {
      ...queryBase(options),
      element: name,
      ...this.#constrained(options, "queryDimensionRecords"),
    };
    const decode = (row: DimensionRecordJson) => recordFromJson(row, name, this.universe);
    return this.#stream(routePath("queryDimensionRecords"), body, decode, options);
  }

  // ---- writes: not offered through a server (see not-offered.ts), each a NotOfferedRemotelyError --

  #refuse(operation: RegistryWrite): Promise<never> {
    return registryWriteNotOffered(operation, this.#connection.baseUrl);
  }

  associate(..._args: unknown[]): Promise<never> {
    return this.#refuse("associate");
  }

  certify(..._args: unknown[]): Promise<never> {
    return this.#refuse("certify");
  }

  decertify(..._args: unknown[]): Promise<never> {
    return this.#refuse("decertify");
  }

  disassociate(..._args: unknown[]): Promise<never> {
    return this.#refuse("disassociate");
  }

  importDatasets(..._args: unknown[]): Promise<never> {
    return this.#refuse("importDatasets");
  }

  insertDatasets(..._args: unknown[]): Promise<never> {
    return this.#refuse("insertDatasets");
  }

  insertDimensionData(..._args: unknown[]): Promise<never> {
    return this.#refuse("insertDimensionData");
  }

  registerCollection(..._args: unknown[]): Promise<never> {
    return this.#refuse("registerCollection");
  }

  registerDatasetType(..._args: unknown[]): Promise<never> {
    return this.#refuse("registerDatasetType");
  }

  registerRun(..._args: unknown[]): Promise<never> {
    return this.#refuse("registerRun");
  }

  removeCollection(..._args: unknown[]): Promise<never> {
    return this.#refuse("removeCollection");
  }

  removeDatasetType(..._args: unknown[]): Promise<never> {
    return this.#refuse("removeDatasetType");
  }

  removeDatasets(..._args: unknown[]): Promise<never> {
    return this.#refuse("removeDatasets");
  }

  setCollectionChain(..._args: unknown[]): Promise<never> {
    return this.#refuse("setCollectionChain");
  }

  setCollectionDocumentation(..._args: unknown[]): Promise<never> {
    return this.#refuse("setCollectionDocumentation");
  }

  syncDimensionData(..._args: unknown[]): Promise<never> {
    return this.#refuse("syncDimensionData");
  }
}
