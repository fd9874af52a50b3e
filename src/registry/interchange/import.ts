/**
 * Imports a parsed export into a registry, in one transaction: dimension records (in the universe's
 * element order), runs and other collections, dataset types, datasets, chains, then tagged and
 * certified associations. File paths and formatters are returned, not stored: a datastore records
 * them afterwards.
 */
import {
  CollectionType,
  DataCoordinate,
  DatasetRef,
  DatasetType,
  type DimensionRecord,
  type DimensionUniverse,
  makeDimensionRecord,
  type Timespan,
} from "../../core/index.ts";
import { ButlerError, ExportFormatError } from "../../errors/index.ts";
import type {
  DatasetItem,
  DatasetTypeItem,
  ExportDocument,
  ExportItem,
  ExportRecord,
} from "./export-format.ts";
import { type DayObsOffsets, migrateExport } from "./migrations.ts";

export type MaybePromise<T> = T | Promise<T>;

/**
 * The registry operations an import needs. The SQL registry implements them; methods may be
 * synchronous or return promises.
 */
export interface ImportTarget {
  readonly universe: DimensionUniverse;
  /** Runs `fn` in one transaction: everything it did is undone if it throws. */
  transaction<T>(fn: () => Promise<T>): Promise<T>;
  /** Inserts records of one element; records already there (same primary key) are skipped. */
  insertDimensionData(
    element: string,
    records: readonly DimensionRecord[],
    options: { skipExisting: boolean },
  ): MaybePromise<unknown>;
  registerRun(name: string, doc?: string): MaybePromise<unknown>;
  registerCollection(name: string, type: CollectionType, doc?: string): MaybePromise<unknown>;
  setCollectionChain(parent: string, children: readonly string[]): MaybePromise<unknown>;
  registerDatasetType(datasetType: DatasetType): MaybePromise<unknown>;
  /** Inserts datasets with their given IDs into their runs. */
  importDatasets(refs: readonly DatasetRef[]): MaybePromise<unknown>;
  associate(collection: string, refs: readonly DatasetRef[]): MaybePromise<unknown>;
  certify(collection: string, refs: readonly DatasetRef[], timespan: Timespan): MaybePromise<unknown>;
  /** The dataset with this ID, or null/undefined when there is none. */
  getDataset(id: string): MaybePromise<DatasetRef | null | undefined>;
}

export interface ImportOptions {
  /** Elements whose records are not inserted (e.g. ones the repository already has). */
  readonly skipDimensions?: ReadonlySet<string>;
  /** Import into the registry only: no files are returned for a datastore to record. */
  readonly withoutDatastore?: boolean;
  /**
   * Dataset types already registered that the file's datasets may use without defining them
   * (datasets.yaml uses base.yaml's `bias` and `flat`); pass the `datasetTypes` of an earlier import.
   * ImportTarget has no lookup for them.
   */
  readonly datasetTypes?: Iterable<DatasetType>;
  /** Run `migrateExport` first (default true); it changes nothing on current files. */
  readonly migrate?: boolean;
  /** Observing-day offsets for the migration, by instrument, in seconds. */
  readonly dayObsOffsets?: DayObsOffsets;
}

/** One file of the import, for a datastore to record. */
export interface ImportedFile {
  readonly path: string;
  readonly formatter: string | null;
  readonly datasetType: string;
  readonly run: string;
  /** The datasets the file holds. */
  readonly ids: readonly string[];
}

export interface ImportCounts {
  readonly dimensionRecords: number;
  readonly runs: number;
  /** TAGGED, CALIBRATION and CHAINED collections registered. */
  readonly collections: number;
  readonly chains: number;
  readonly datasetTypes: number;
  readonly datasets: number;
  /** Datasets associated with TAGGED collections. */
  readonly associations: number;
  /** Datasets certified into CALIBRATION collections (one per validity range). */
  readonly certifications: number;
}

export interface ImportSummary {
  readonly counts: ImportCounts;
  /** Records given to the registry per element, in insertion order. */
  readonly dimensionRecords: Readonly<Record<string, number>>;
  /** The dataset types the file defined, registered. */
  readonly datasetTypes: readonly DatasetType[];
  /** The IDs of the datasets imported, in file order. */
  readonly datasetIds: readonly string[];
  /** Files with their paths and formatters; empty with `withoutDatastore`. */
  readonly files: readonly ImportedFile[];
  /** From the migration and the import: what was dropped or guessed. */
  readonly warnings: readonly string[];
}

/**
 * Imports a parsed export document. Problems are ExportFormatErrors: `universe` when the file's
 * universe namespace is not the registry's or an element is unknown, `reference` for a dataset type
 * or dataset the file uses but neither it nor the registry has, `dataId` for a data ID that does not
 * fit its dataset type; registry errors pass through. All inserts happen in one transaction.
 */
export async function importExport(
  registry: ImportTarget,
  document: ExportDocument,
  options: ImportOptions = {},
): Promise<ImportSummary> {
  const universe = registry.universe;
  if (
    !universe.isCompatibleWith({ version: document.universeVersion, namespace: document.universeNamespace })
  ) {
    throw new ExportFormatError(
      "universe",
      `the file's records are from universe namespace '${document.universeNamespace}' ` +
        `(version ${document.universeVersion}); this repository's is '${universe.namespace}' (version ${universe.version})`,
    );
  }
  const warnings: string[] = [];
  let items = document.items;
  if (options.migrate ?? true) {
    const migrated = migrateExport(document, {
      universe,
      ...(options.dayObsOffsets === undefined ? {} : { dayObsOffsets: options.dayObsOffsets }),
    });
    items = migrated.document.items;
    warnings.push(...migrated.warnings);
  }
  const plan = planImport(items, universe, options, warnings);
  return registry.transaction(() => runImport(registry, plan, options, warnings));
}

interface ImportPlan {
  readonly dimensions: readonly [string, DimensionRecord[]][];
  readonly items: readonly ExportItem[];
  readonly definedTypes: DatasetType[];
  /** The refs of each dataset item, in item order. */
  readonly datasets: readonly { readonly item: DatasetItem; readonly refs: DatasetRef[] }[];
}

/** The dataset type a `dataset_type` item of an export defines. */
export function datasetTypeOfItem(item: DatasetTypeItem, universe: DimensionUniverse): DatasetType {
  return DatasetType.fromNames(item.name, item.dimensions, item.storageClass, universe, {
    isCalibration: item.isCalibration,
  });
}

/** Everything that can be checked before touching the registry: records, dataset types and refs. */
function planImport(
  items: readonly ExportItem[],
  universe: DimensionUniverse,
  options: ImportOptions,
  warnings: string[],
): ImportPlan {
  const byElement = new Map<string, DimensionRecord[]>();
  items.forEach((item, i) => {
    if (item.kind !== "dimension" || options.skipDimensions?.has(item.element)) return;
    if (!universe.hasElement(item.element)) {
      throw new ExportFormatError(
        "universe",
        `universe ${universe.version} has no element '${item.element}'; accepted: ${universe.describeElements()}`,
        { path: `data[${i}].element` },
      );
    }
    const element = universe.getElement(item.element);
    if (!element.hasOwnTable) {
      warnings.push(
        `skipped ${item.records.length} ${item.element} record(s): ${item.element} records are not stored`,
      );
      return;
    }
    let list = byElement.get(element.name);
    if (list === undefined) {
      list = [];
      byElement.set(element.name, list);
    }
    for (const [j, record] of item.records.entries()) {
      list.push(toDimensionRecord(element.name, record, universe, `data[${i}].records[${j}]`));
    }
  });
  const dimensions = universe
    .sorted(byElement.keys())
    .map((name): [string, DimensionRecord[]] => [name, byElement.get(name)!]);

  const datasetTypes = new Map<string, DatasetType>();
  for (const type of options.datasetTypes ?? []) datasetTypes.set(type.name, type);
  const definedTypes: DatasetType[] = [];
  items.forEach((item, i) => {
    if (item.kind !== "dataset_type") return;
    let type: DatasetType;
    try {
      type = datasetTypeOfItem(item, universe);
    } catch (err) {
      throw wrap(err, "reference", `dataset type '${item.name}' cannot be defined`, `data[${i}]`);
    }
    datasetTypes.set(type.name, type);
    definedTypes.push(type);
  });
  const datasets = items.flatMap((item, i) =>
    item.kind === "dataset" ? [{ item, refs: makeRefs(item, datasetTypes, `data[${i}]`) }] : [],
  );
  return { dimensions, items, definedTypes, datasets };
}

async function runImport(
  registry: ImportTarget,
  plan: ImportPlan,
  options: ImportOptions,
  warnings: string[],
): Promise<ImportSummary> {
  const dimensionRecords: Record<string, number> = {};
  let recordCount = 0;
  for (const [element, records] of plan.dimensions) {
    await registry.insertDimensionData(element, records, { skipExisting: true });
    dimensionRecords[element] = records.length;
    recordCount += records.length;
  }

  let runs = 0;
  let collections = 0;
  for (const item of plan.items) {
    if (item.kind === "run" || (item.kind === "collection" && item.type === CollectionType.RUN)) {
      const doc = item.kind === "collection" ? item.doc : null;
      await (doc === null ? registry.registerRun(item.name) : registry.registerRun(item.name, doc));
      runs++;
    }
  }
  for (const item of plan.items) {
    if (item.kind === "collection" && item.type !== CollectionType.RUN) {
      await (item.doc === null
        ? registry.registerCollection(item.name, item.type)
        : registry.registerCollection(item.name, item.type, item.doc));
      collections++;
    }
  }

  for (const type of plan.definedTypes) await registry.registerDatasetType(type);

  const refsById = new Map<string, DatasetRef>();
  const files: ImportedFile[] = [];
  for (const { item, refs } of plan.datasets) {
    await registry.importDatasets(refs);
    for (const ref of refs) refsById.set(ref.id, ref);
    if (!options.withoutDatastore) {
      for (const record of item.records) {
        files.push({
          path: record.path,
          formatter: record.formatter ?? null,
          datasetType: item.datasetType,
          run: item.run,
          ids: [...record.ids],
        });
      }
    }
  }

  let chains = 0;
  for (const item of plan.items) {
    if (item.kind === "collection" && item.children !== undefined) {
      await registry.setCollectionChain(item.name, item.children);
      chains++;
    }
  }

  const resolve = async (ids: readonly string[], path: string): Promise<DatasetRef[]> => {
    const refs: DatasetRef[] = [];
    for (const id of ids) {
      const ref = refsById.get(id) ?? (await registry.getDataset(id));
      if (ref === null || ref === undefined) {
        throw new ExportFormatError("reference", `dataset ${id} is neither in the file nor in the registry`, {
          path,
        });
      }
      refs.push(ref);
    }
    return refs;
  };
  let associations = 0;
  let certifications = 0;
  for (const [i, item] of plan.items.entries()) {
    if (item.kind !== "associations") continue;
    if (item.datasetIds !== undefined) {
      const refs = await resolve(item.datasetIds, `data[${i}].dataset_ids`);
      await registry.associate(item.collection, refs);
      associations += refs.length;
    }
    for (const [j, range] of (item.validityRanges ?? []).entries()) {
      const refs = await resolve(range.datasetIds, `data[${i}].validity_ranges[${j}].dataset_ids`);
      await registry.certify(item.collection, refs, range.timespan);
      certifications += refs.length;
    }
  }

  return {
    counts: {
      dimensionRecords: recordCount,
      runs,
      collections,
      chains,
      datasetTypes: plan.definedTypes.length,
      datasets: refsById.size,
      associations,
      certifications,
    },
    dimensionRecords,
    datasetTypes: plan.definedTypes,
    datasetIds: [...refsById.keys()],
    files,
    warnings,
  };
}

function toDimensionRecord(
  element: string,
  record: ExportRecord,
  universe: DimensionUniverse,
  path: string,
): DimensionRecord {
  try {
    return makeDimensionRecord(universe.getElement(element), record);
  } catch (err) {
    throw wrap(err, "structure", `${element} record does not fit universe ${universe.version}`, path);
  }
}

function makeRefs(item: DatasetItem, types: ReadonlyMap<string, DatasetType>, path: string): DatasetRef[] {
  const type = types.get(item.datasetType);
  if (type === undefined) {
    throw new ExportFormatError(
      "reference",
      `dataset type '${item.datasetType}' is not defined in the file; pass it in options.datasetTypes ` +
        "when an earlier import defined it",
      { path: `${path}.dataset_type` },
    );
  }
  const refs: DatasetRef[] = [];
  for (const [j, record] of item.records.entries()) {
    for (const [k, id] of record.ids.entries()) {
      const at = `${path}.records[${j}].data_id[${k}]`;
      let dataId: DataCoordinate;
      try {
        dataId = DataCoordinate.standardize(record.dataIds[k]!, { dimensions: type.dimensions });
      } catch (err) {
        throw wrap(err, "dataId", `data ID of dataset ${id} does not fit dataset type ${type.name}`, at);
      }
      try {
        refs.push(new DatasetRef(type, dataId, item.run, { id }));
      } catch (err) {
        throw wrap(err, "structure", `dataset ${id} cannot be made`, at);
      }
    }
  }
  return refs;
}

/** A butler error from a lower layer as an ExportFormatError that says where; other errors pass. */
function wrap(err: unknown, kind: ExportFormatError["kind"], what: string, path: string): unknown {
  if (err instanceof ExportFormatError) return err;
  if (!(err instanceof ButlerError)) return err;
  return new ExportFormatError(kind, `${what}: ${err.message}`, { path, cause: err });
}
