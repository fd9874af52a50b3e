/**
 * Finding what a read needs before any I/O: the dataset type (`calexp.metadata` is the `metadata`
 * component of `calexp`), the component and parameter checks against the storage class, then the
 * dataset itself, by one find-first registry query for one dataset or for many of one type.
 */
import { type DataIdInput, DatasetRef, type DatasetType, type Timespan } from "../core/index.ts";
import { prepareRead } from "../datastore/index.ts";
import { DatasetNotFoundInCollectionsError } from "../errors/index.ts";
import type { Butler } from "./butler.ts";
import { calibrationTimespan } from "./calibration-time.ts";
import type { ButlerGetOptions, GetManyOptions } from "./options.ts";
import {
  formatDataId,
  mergeDataId,
  type ResolvedDatasetType,
  refuseDataIdBesideRef,
  requiredKey,
  resolveDatasetType,
} from "./resolve.ts";

/** A dataset found for reading, and how long finding it took. */
export interface ReadTarget {
  /** The ref of the whole dataset. */
  ref: DatasetRef;
  component?: string;
  storageClass?: string;
  registryMs: number;
}

/**
 * With a ref: its component (if a component ref) and a parameter check. With a dataset type: the
 * registered type, the component and parameter checks, then one find-first query; nothing found is a
 * DatasetNotFoundInCollectionsError naming the type, data ID and collections.
 */
export async function findForRead(
  butler: Butler,
  refOrType: DatasetRef | DatasetType | string,
  dataId: DataIdInput | null | undefined,
  options: Omit<ButlerGetOptions, "signal">,
  operation: string,
  checkParameters = true,
): Promise<ReadTarget> {
  const started = performance.now();
  if (refOrType instanceof DatasetRef) {
    refuseDataIdBesideRef(dataId, operation);
    const component = refOrType.datasetType.component ?? undefined;
    const ref = refOrType.makeCompositeRef();
    if (checkParameters) {
      prepareRead(
        butler.storageClasses,
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
  const resolved = await resolveDatasetType(butler.registry, butler.storageClasses, refOrType);
  const storageClass = options.storageClass ?? resolved.storageClass;
  if (checkParameters) {
    prepareRead(
      butler.storageClasses,
      storageClass ?? resolved.parent.storageClass,
      resolved.component,
      options.parameters,
    );
  }
  const ref = await findOne(butler, resolved, dataId, options, operation);
  return {
    ref,
    ...(resolved.component === undefined ? {} : { component: resolved.component }),
    ...(storageClass === undefined ? {} : { storageClass }),
    registryMs: performance.now() - started,
  };
}

async function findOne(
  butler: Butler,
  resolved: ResolvedDatasetType,
  dataId: DataIdInput | null | undefined,
  options: Pick<ButlerGetOptions, "collections" | "timespan">,
  operation: string,
): Promise<DatasetRef> {
  const collections = butler.searchCollections(options.collections, operation);
  const merged = mergeDataId(dataId, butler.dataId, resolved.parent.dimensions.names);
  const found = await butler.registry.findDataset(resolved.parent, merged, {
    collections,
    timespan: await timespanFor(butler, resolved.parent, options.timespan, merged),
  });
  if (found === null) {
    throw new DatasetNotFoundInCollectionsError(resolved.parent.name, formatDataId(merged), collections);
  }
  return found;
}

/** Read targets for many data IDs of one dataset type, from one find-first query. */
export async function findGroup(
  butler: Butler,
  type: string | DatasetType,
  dataIds: readonly (DataIdInput | null | undefined)[],
  options: GetManyOptions,
): Promise<ReadTarget[]> {
  const started = performance.now();
  const resolved = await resolveDatasetType(butler.registry, butler.storageClasses, type);
  const storageClass = options.storageClass ?? resolved.storageClass;
  prepareRead(
    butler.storageClasses,
    storageClass ?? resolved.parent.storageClass,
    resolved.component,
    options.parameters,
  );
  const collections = butler.searchCollections(options.collections, "getMany");
  const dimensions = resolved.parent.dimensions;
  const merged = dataIds.map((d) => mergeDataId(d, butler.dataId, dimensions.names));
  // Alternate keys (`detector.full_name`) need the registry; one query resolves them all.
  const standard = await butler.registry.expandDataIds(merged, { dimensions });
  const refs = await butler.registry.findFirstDatasets(resolved.parent, collections, {
    dataIds: standard,
    timespan: await timespanFor(butler, resolved.parent, options.timespan, null),
  });
  const byKey = new Map(refs.map((ref) => [requiredKey(ref.dataId), ref]));
  const registryMs = (performance.now() - started) / Math.max(1, dataIds.length);
  return standard.map((dataId, i) => {
    const ref = byKey.get(requiredKey(dataId));
    if (ref === undefined) {
      throw new DatasetNotFoundInCollectionsError(resolved.parent.name, formatDataId(merged[i]), collections);
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
 * A calibration lookup without a timespan takes the time of the exposure or visit the data ID
 * names, else searches every validity range, as daf_butler's does.
 */
async function timespanFor(
  butler: Butler,
  type: DatasetType,
  timespan: Timespan | null | undefined,
  dataId: DataIdInput | null | undefined,
): Promise<Timespan | null> {
  if (timespan !== undefined) return timespan;
  return type.isCalibration ? calibrationTimespan(butler.registry, type, dataId) : null;
}
