import {
  CollectionType,
  DataCoordinate,
  type DataIdInput,
  DatasetIdGenEnum,
  type DatasetRef,
  type DatasetType,
  type DimensionElement,
  type DimensionGroup,
  type DimensionRecord,
  type DimensionRecordValue,
  type DimensionUniverse,
  defaultUniverse,
  normalizeUuid,
  parseDataId,
  type Timespan,
} from "../core/index.ts";
import { DimensionRecordNotFoundError, ReadOnlyRegistryError } from "../errors/index.ts";
import { componentRefOf, parentDatasets, splitComponentName } from "./component-names.ts";
import { RegistryDatabase } from "./database.ts";
import { type OpenDialectOptions, openDialect } from "./dialects/open-dialect.ts";
import type { RegistryDialect } from "./dialects/registry-dialect.ts";
import { AssociationManager } from "./managers/association-manager.ts";
import { CollectionManager, type QueryCollectionsOptions } from "./managers/collection-manager.ts";
import { DataIdExpander } from "./managers/data-id-expander.ts";
import { DatasetManager } from "./managers/dataset-manager.ts";
import {
  type DatasetAssociation,
  DatasetSearch,
  type FindDatasetOptions,
  type FindFirstDatasetsOptions,
  type QueryDatasetAssociationsOptions,
} from "./managers/dataset-search.ts";
import {
  type ComponentsHook,
  DatasetTypeManager,
  type QueryDatasetTypesOptions,
} from "./managers/dataset-type-manager.ts";
import {
  DimensionRecordManager,
  type InsertDimensionDataOptions,
} from "./managers/dimension-record-manager.ts";
import { HeaderIndexManager } from "./managers/header-index-manager.ts";
import { type CollectionSummary, SummaryManager } from "./managers/summary-manager.ts";
import { TokenManager } from "./managers/token-manager.ts";
import type { NameExpression } from "./name-expression.ts";
import { QueryEngine } from "./queries/query-engine.ts";
import type {
  DimensionsInput,
  QueryDataIdsOptions,
  QueryDatasetsOptions,
  QueryDimensionRecordsOptions,
} from "./queries/query-options.ts";
import { QueryStream, type QueryStreamOptions } from "./queries/query-stream.ts";
import type {
  ExpandDataIdOptions,
  RegistryCreateOptions,
  RegistryDatabaseInput,
  RegistryInternals,
  RegistryOpenOptions,
  SharedDatabase,
} from "./registry-options.ts";
import { HEADER_TABLES } from "./schema/header-tables.ts";
import { initializeRegistryDatabase, loadRegistryDatabase } from "./schema/registry-setup.ts";
import { TABLES } from "./schema/static-tables.ts";

/**
 * The SQL registry: dimension records, collections, dataset types and datasets, on any engine a
 * dialect supports. Method names follow daf_butler's Registry in camelCase; all are async.
 */
export class Registry {
  readonly universe: DimensionUniverse;
  readonly isWriteable: boolean;
  /** The components hook queryDatasetTypes uses when the call gives none. */
  componentsOf: ComponentsHook | undefined;
  readonly #database: RegistryDatabase;
  readonly #collections: CollectionManager;
  readonly #datasetTypes: DatasetTypeManager;
  readonly #dimensions: DimensionRecordManager;
  readonly #expander: DataIdExpander;
  readonly #datasets: DatasetManager;
  readonly #associations: AssociationManager;
  readonly #search: DatasetSearch;
  readonly #summaries: SummaryManager;
  readonly #headers: HeaderIndexManager;
  readonly #tokens: TokenManager;
  readonly #queries: QueryEngine;
  #closed = false;

  private constructor(
    database: RegistryDatabase,
    universe: DimensionUniverse,
    writeable: boolean,
    componentsOf: ComponentsHook | undefined,
  ) {
    this.#database = database;
    this.universe = universe;
    this.isWriteable = writeable;
    this.componentsOf = componentsOf;
    this.#collections = new CollectionManager(database);
    this.#datasetTypes = new DatasetTypeManager(database, universe);
    this.#dimensions = new DimensionRecordManager(database, universe);
    this.#expander = new DataIdExpander(database, universe, this.#dimensions);
    this.#summaries = new SummaryManager(database, universe);
    this.#datasets = new DatasetManager(
      database,
      this.#collections,
      this.#datasetTypes,
      this.#expander,
      this.#summaries,
    );
    this.#associations = new AssociationManager(
      database,
      this.#collections,
      this.#datasetTypes,
      this.#datasets,
      this.#expander,
      this.#summaries,
    );
    this.#headers = new HeaderIndexManager(database, this.#datasetTypes);
    this.#tokens = new TokenManager(database, writeable);
    this.#search = new DatasetSearch(database, this.#collections, this.#datasetTypes, this.#expander);
    this.#queries = new QueryEngine(database, universe, this.#collections, this.#datasetTypes, this.#headers);
    // Records cached inside a transaction that is undone may name rows that no longer exist.
    database.onRollback(() => this.refresh());
    database.onCommit(() => this.#summaries.commit());
  }

  /**
   * Creates the registry's tables (in one transaction) in an empty database and opens it writeable.
   * A database that already has a registry is a ConflictingDefinitionError.
   */
  static async create(options: RegistryCreateOptions): Promise<Registry> {
    const universe = options.universe ?? defaultUniverse();
    const dialect = await toDialect(options.db, options.dialectOptions ?? {});
    try {
      const database = new RegistryDatabase(dialect);
      await initializeRegistryDatabase(database, universe);
      return new Registry(database, universe, true, options.componentsOf);
    } catch (err) {
      if (typeof options.db === "string") await dialect.close();
      throw err;
    }
  }

  /**
   * Opens an existing registry with the universe stored in it. Read-only unless `writeable` is true
   * (the default); an older schema is migrated on a writeable open, a newer one is refused.
   */
  static async open(options: RegistryOpenOptions): Promise<Registry> {
    const writeable = options.writeable ?? true;
    const dialect = await toDialect(options.db, {
      ...(options.dialectOptions ?? {}),
      readOnly: !writeable,
      mustExist: true,
    });
    try {
      const database = new RegistryDatabase(dialect);
      const universe = await loadRegistryDatabase(database, writeable);
      return new Registry(database, universe, writeable, options.componentsOf);
    } catch (err) {
      if (typeof options.db === "string") await dialect.close();
      throw err;
    }
  }

  /** The database layer, managers and tables, for the query system. */
  get internals(): RegistryInternals {
    return {
      database: this.#database,
      collections: this.#collections,
      datasetTypes: this.#datasetTypes,
      dimensions: this.#dimensions,
      expander: this.#expander,
      datasets: this.#datasets,
      search: this.#search,
      summaries: this.#summaries,
      headers: this.#headers,
    };
  }

  /** The bearer tokens servers of this repository accept (writes need a writeable registry). */
  get tokens(): TokenManager {
    return this.#tokens;
  }

  get dialect(): RegistryDialect {
    return this.#database.dialect;
  }

  /**
   * The registry's database, for tables kept beside the registry's own (the datastore's records): rows
   * written through it commit and roll back with the registry's transactions.
   */
  sharedDatabase(): SharedDatabase {
    const database = this.#database;
    return {
      current: () => database.db,
      transaction: (fn) => this.transaction(() => fn(database.db)),
      keyedTableOptions: database.dialect.keyedTableOptions,
    };
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#database.dialect.close();
  }

  /** Forgets cached collections and dataset types (after another process changed them). */
  refresh(): void {
    this.#collections.refresh();
    this.#datasetTypes.refresh();
    this.#dimensions.refresh();
    this.#summaries.refresh();
    this.#headers.refresh();
  }

  /**
   * Refreshes the query planner's statistics of the registry's tables where the engine needs them.
   * Worth running after a bulk load: PostgreSQL otherwise plans on empty-table estimates until
   * autovacuum catches up (find-first over 100k datasets: 2.2 s before, 0.4 s after).
   */
  async analyze(): Promise<void> {
    const tables = new Set<string>([...Object.values(TABLES), ...Object.values(HEADER_TABLES)]);
    for (const element of this.universe.elements) if (element.hasOwnTable) tables.add(element.name);
    for (const record of await this.#datasetTypes.all()) {
      tables.add(record.tagsTable);
      if (record.calibsTable !== null) tables.add(record.calibsTable);
    }
    await this.#database.dialect.updateStatistics(this.#database.db, [...tables]);
  }

  /**
   * Runs `fn` in one transaction: everything it did through this registry is undone if it throws.
   * Nested calls use savepoints.
   */
  transaction<T>(fn: () => Promise<T>): Promise<T> {
    return this.#database.transaction(fn, this.isWriteable ? "write" : "read");
  }

  // ---- dimension records ------------------------------------------------------------------------

  /** Inserts records of one element (see InsertDimensionDataOptions for existing keys). */
  async insertDimensionData(
    element: string | DimensionElement,
    records: readonly Readonly<Record<string, unknown>>[],
    options: InsertDimensionDataOptions = {},
  ): Promise<void> {
    this.#checkWriteable("insertDimensionData");
    await this.#dimensions.insert(element, records, options);
  }

  /**
   * Inserts the record unless an identical one exists: true when inserted, false when identical.
   * A different stored record is a ConflictingDefinitionError, or with `update` it is overwritten and
   * the old values of the changed fields are returned.
   */
  async syncDimensionData(
    element: string | DimensionElement,
    record: Readonly<Record<string, unknown>>,
    update = false,
  ): Promise<boolean | Record<string, DimensionRecordValue>> {
    this.#checkWriteable("syncDimensionData");
    return this.#dimensions.sync(element, record, update);
  }

  /**
   * The data ID with alternate keys resolved, implied values filled in and every element's record
   * attached. A value with no record is a DimensionRecordNotFoundError naming it.
   */
  async expandDataId(
    dataId: DataIdInput | null | undefined,
    options: ExpandDataIdOptions = {},
  ): Promise<DataCoordinate> {
    const given =
      options.records === undefined
        ? undefined
        : options.records instanceof Map
          ? (options.records as ReadonlyMap<string, DimensionRecord | null>)
          : new Map(Object.entries(options.records as Record<string, DimensionRecord | null>));
    const [expanded] = await this.#expander.expand([dataId ?? {}], {
      records: true,
      ...(options.dimensions !== undefined ? { dimensions: options.dimensions } : {}),
      ...(given !== undefined ? { given } : {}),
      ...(options.defaults !== undefined ? { defaults: options.defaults } : {}),
    });
    return expanded!;
  }

  /** Expands many data IDs of one group at once (full values; records when asked). */
  async expandDataIds(
    dataIds: readonly DataIdInput[],
    options: { dimensions?: DimensionGroup | Iterable<string>; records?: boolean } = {},
  ): Promise<DataCoordinate[]> {
    return this.#expander.expand(dataIds, options);
  }

  /** The record of an element for a data ID (which may use alternate keys), or null. */
  async getDimensionRecord(
    element: string | DimensionElement,
    dataId: DataIdInput,
  ): Promise<DimensionRecord | null> {
    const target = this.#dimensions.tableElement(element);
    const parsed = parseDataId(dataId, { universe: this.universe, dimensions: target.required });
    let standard: DataCoordinate;
    if (parsed.constraints.length === 0) standard = DataCoordinate.fromParsed(parsed);
    else {
      try {
        [standard] = (await this.#expander.expand([dataId], { dimensions: target.required })) as [
          DataCoordinate,
        ];
      } catch (err) {
        if (err instanceof DimensionRecordNotFoundError) return null;
        throw err;
      }
    }
    const key = target.required.map((d) => standard.get(d)!);
    const records = await this.#dimensions.fetchRecords(target, [key]);
    return records.values().next().value ?? null;
  }

  // ---- collections ------------------------------------------------------------------------------

  /** Registers a RUN collection; false when it already exists. */
  async registerRun(name: string, doc?: string | null): Promise<boolean> {
    this.#checkWriteable("registerRun");
    return this.#collections.register(name, CollectionType.RUN, doc);
  }

  /** Registers a collection of any type; false when one of that name and type exists. */
  async registerCollection(name: string, type: CollectionType = CollectionType.TAGGED, doc?: string | null) {
    this.#checkWriteable("registerCollection");
    return this.#collections.register(name, type, doc);
  }

  async getCollectionType(name: string): Promise<CollectionType> {
    return (await this.#collections.find(name)).type;
  }

  async getCollectionDocumentation(name: string): Promise<string | null> {
    return this.#collections.getDocumentation(name);
  }

  async setCollectionDocumentation(name: string, doc: string | null): Promise<void> {
    this.#checkWriteable("setCollectionDocumentation");
    await this.#collections.setDocumentation(name, doc);
  }

  /** Removes a collection (not a chain's child, not a RUN with datasets) and its associations. */
  async removeCollection(name: string): Promise<void> {
    this.#checkWriteable("removeCollection");
    await this.#collections.remove(name);
  }

  async getCollectionChain(parent: string): Promise<string[]> {
    return this.#collections.getChain(parent);
  }

  /** Defines a CHAINED collection's children (see CollectionManager.setChain). */
  async setCollectionChain(parent: string, children: NameExpression, flatten = false): Promise<void> {
    this.#checkWriteable("setCollectionChain");
    await this.#collections.setChain(parent, children, flatten);
  }

  async getCollectionParentChains(name: string): Promise<string[]> {
    return this.#collections.parentChains(name);
  }

  /** Collection names matching an expression (see CollectionManager.query for the order). */
  async queryCollections(
    expression?: NameExpression,
    options: QueryCollectionsOptions = {},
  ): Promise<string[]> {
    return this.#collections.query(expression, options);
  }

  /** The collections a find-first search of `name` visits, in order. */
  async collectionChainFlattened(name: string): Promise<string[]> {
    return (await this.#collections.searchOrder([name])).map((r) => r.name);
  }

  /** What the collections (chains flattened) hold: dataset type names and governor values. */
  async getCollectionSummary(
    collections: NameExpression,
  ): Promise<{ datasetTypes: string[]; governors: Record<string, string[]> }> {
    const records = await this.#collections.searchOrder(collections);
    const summary: CollectionSummary = await this.#summaries.get(records);
    const names: string[] = [];
    for (const id of summary.datasetTypeIds) {
      try {
        names.push((await this.#datasetTypes.byId(id)).datasetType.name);
      } catch {
        // A dataset type removed since: summaries only grow.
      }
    }
    return {
      datasetTypes: names.sort(),
      governors: Object.fromEntries([...summary.governors].map(([g, v]) => [g, [...v].sort()])),
    };
  }

  // ---- dataset types ----------------------------------------------------------------------------

  async registerDatasetType(datasetType: DatasetType): Promise<boolean> {
    this.#checkWriteable("registerDatasetType");
    return this.#datasetTypes.register(datasetType);
  }

  async getDatasetType(name: string): Promise<DatasetType> {
    return (await this.#datasetTypes.get(name)).datasetType;
  }

  /** Removes dataset types (names or globs); refused for types with datasets. */
  async removeDatasetType(name: string | readonly string[]): Promise<void> {
    this.#checkWriteable("removeDatasetType");
    await this.#datasetTypes.remove(name);
  }

  async queryDatasetTypes(expression?: NameExpression, options: QueryDatasetTypesOptions = {}) {
    return this.#datasetTypes.query(expression, {
      ...options,
      ...(this.componentsOf !== undefined ? { defaultComponentsOf: this.componentsOf } : {}),
    });
  }

  // ---- datasets ---------------------------------------------------------------------------------

  /** Inserts new datasets of one type into a RUN, expanding their data IDs in bulk. */
  async insertDatasets(
    datasetType: DatasetType | string,
    dataIds: readonly DataIdInput[],
    run: string,
    idGenerationMode: DatasetIdGenEnum = DatasetIdGenEnum.UNIQUE,
  ): Promise<DatasetRef[]> {
    this.#checkWriteable("insertDatasets");
    return this.#datasets.insert(datasetType, dataIds, run, idGenerationMode);
  }

  /** Inserts datasets keeping their ids; re-importing an identical dataset is a no-op. */
  async importDatasets(
    refs: readonly DatasetRef[],
    options: { expand?: boolean } = {},
  ): Promise<DatasetRef[]> {
    this.#checkWriteable("importDatasets");
    return this.#datasets.importRefs(refs, options);
  }

  async removeDatasets(refs: readonly (DatasetRef | string)[]): Promise<void> {
    this.#checkWriteable("removeDatasets");
    await this.#datasets.remove(refs);
  }

  async getDataset(id: string): Promise<DatasetRef | null> {
    return this.#datasets.get(id);
  }

  /**
   * Stored datasets by id in one lookup per dataset type, keyed by the normalized id; ids not stored
   * are absent. An id that is not a UUID is an InvalidDatasetIdError.
   */
  async getDatasets(ids: readonly string[]): Promise<Map<string, DatasetRef>> {
    return this.#datasets.fetchRefs([...new Set(ids.map((id) => normalizeUuid(id)))]);
  }

  async associate(collection: string, refs: readonly DatasetRef[]): Promise<void> {
    this.#checkWriteable("associate");
    await this.#associations.associate(collection, refs);
  }

  async disassociate(collection: string, refs: readonly DatasetRef[]): Promise<void> {
    this.#checkWriteable("disassociate");
    await this.#associations.disassociate(collection, refs);
  }

  async certify(collection: string, refs: readonly DatasetRef[], timespan: Timespan): Promise<void> {
    this.#checkWriteable("certify");
    await this.#associations.certify(collection, refs, timespan);
  }

  async decertify(
    collection: string,
    datasetType: DatasetType | string,
    timespan: Timespan,
    options: { dataIds?: readonly DataIdInput[] } = {},
  ): Promise<void> {
    this.#checkWriteable("decertify");
    await this.#associations.decertify(collection, datasetType, timespan, options);
  }

  /** Find-first search for one data ID (one SQL statement). */
  async findDataset(
    datasetType: DatasetType | string,
    dataId: DataIdInput,
    options: FindDatasetOptions = {},
  ): Promise<DatasetRef | null> {
    const component =
      typeof datasetType === "string" ? splitComponentName(datasetType, this.componentsOf) : undefined;
    if (component === undefined) return this.#search.findDataset(datasetType, dataId, options);
    const parent = await this.#search.findDataset(component.parent, dataId, options);
    return parent === null ? null : componentRefOf(parent, component.component, this.componentsOf);
  }

  /** Find-first search for many data IDs, or all, in one SQL statement. */
  async findFirstDatasets(
    datasetType: DatasetType | string,
    collections: NameExpression,
    options: FindFirstDatasetsOptions = {},
  ): Promise<DatasetRef[]> {
    return this.#search.findFirstDatasets(datasetType, collections, options);
  }

  async queryDatasetAssociations(
    datasetType: DatasetType | string,
    options: QueryDatasetAssociationsOptions = {},
  ): Promise<DatasetAssociation[]> {
    return this.#search.queryDatasetAssociations(datasetType, options);
  }

  /**
   * Data IDs of `dimensions` matching a `where` expression, a data ID and dataset searches; dimensions
   * the expression names join the query and are then projected away (results are distinct).
   */
  async queryDataIds(
    dimensions: DimensionsInput,
    options: QueryDataIdsOptions = {},
  ): Promise<DataCoordinate[]> {
    return this.#queries.queryDataIds(dimensions, {
      ...options,
      ...parentDatasets(options, this.componentsOf),
    });
  }

  /**
   * Datasets of the type(s) (names, globs, DatasetTypes) in the collections matching the constraints;
   * with `findFirst`, only the first of each data ID in the collections' search order.
   */
  async queryDatasets(
    datasetType: NameExpression | DatasetType | readonly DatasetType[],
    options: QueryDatasetsOptions,
  ): Promise<DatasetRef[]> {
    const component =
      typeof datasetType === "string" ? splitComponentName(datasetType, this.componentsOf) : undefined;
    if (component === undefined) return this.#queries.queryDatasets(datasetType, options);
    const parents = await this.#queries.queryDatasets(component.parent, options);
    return parents.map((ref) => componentRefOf(ref, component.component, this.componentsOf));
  }

  /** Records of one dimension element matching the constraints. */
  async queryDimensionRecords(
    element: string | DimensionElement,
    options: QueryDimensionRecordsOptions = {},
  ): Promise<DimensionRecord[]> {
    return this.#queries.queryDimensionRecords(element, {
      ...options,
      ...parentDatasets(options, this.componentsOf),
    });
  }

  /** `queryDataIds` read from a database cursor a page at a time (see QueryStream). */
  streamDataIds(
    dimensions: DimensionsInput,
    options: QueryDataIdsOptions & QueryStreamOptions = {},
  ): QueryStream<DataCoordinate> {
    const query = { ...options, ...parentDatasets(options, this.componentsOf) };
    return new QueryStream((size) => this.#queries.dataIdPages(dimensions, query, size), options);
  }

  /** `queryDatasets` read from a database cursor a page at a time (see QueryStream). */
  streamDatasets(
    datasetType: NameExpression | DatasetType | readonly DatasetType[],
    options: QueryDatasetsOptions & QueryStreamOptions,
  ): QueryStream<DatasetRef> {
    const component =
      typeof datasetType === "string" ? splitComponentName(datasetType, this.componentsOf) : undefined;
    const type = component?.parent ?? datasetType;
    const parents = new QueryStream((size) => this.#queries.datasetPages(type, options, size), options);
    return component === undefined
      ? parents
      : parents.map((ref) => componentRefOf(ref, component.component, this.componentsOf));
  }

  /** `queryDimensionRecords` read from a database cursor a page at a time (see QueryStream). */
  streamDimensionRecords(
    element: string | DimensionElement,
    options: QueryDimensionRecordsOptions & QueryStreamOptions = {},
  ): QueryStream<DimensionRecord> {
    const query = { ...options, ...parentDatasets(options, this.componentsOf) };
    return new QueryStream((size) => this.#queries.dimensionRecordPages(element, query, size), options);
  }

  #checkWriteable(operation: string): void {
    if (!this.isWriteable) throw new ReadOnlyRegistryError(operation);
  }
}

async function toDialect(db: RegistryDatabaseInput, options: OpenDialectOptions): Promise<RegistryDialect> {
  return typeof db === "string" ? openDialect(db, options) : db;
}
