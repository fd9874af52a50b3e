/**
 * Turning what a caller names into what the registry and datastore need, before any I/O: a dataset
 * type name with an optional component (`calexp.metadata`), a data ID with the butler's defaults merged
 * in, and the collections to search.
 */
import {
  DataCoordinate,
  type DataIdInput,
  DatasetType,
  type DimensionUniverse,
  type StorageClassFactory,
  splitDatasetTypeName,
} from "../core/index.ts";
import { ConflictingDefinitionError, InvalidArgumentError, UnknownComponentError } from "../errors/index.ts";
import type { Registry } from "../registry/index.ts";

export interface ResolvedDatasetType {
  /** The registered (parent) dataset type. */
  parent: DatasetType;
  /** The component asked for, if any. */
  component?: string;
  /** The storage class to read as when the caller's dataset type differs from the registered one. */
  storageClass?: string;
}

/**
 * The registered dataset type of a name (`calexp` or `calexp.metadata`) or of a DatasetType. An
 * unregistered parent is a MissingDatasetTypeError; an unknown component an UnknownComponentError
 * listing the storage class's components; a DatasetType that differs from the registered one other
 * than by a related storage class is a ConflictingDefinitionError showing both.
 */
export async function resolveDatasetType(
  registry: Registry,
  storageClasses: StorageClassFactory,
  input: string | DatasetType,
): Promise<ResolvedDatasetType> {
  const name = typeof input === "string" ? input : input.name;
  const [parentName, component] = splitDatasetTypeName(name);
  const parent = await registry.getDatasetType(parentName);
  const out: ResolvedDatasetType = { parent };
  if (component !== null) {
    const storageClass = storageClasses.get(parent.storageClass);
    if (!storageClass.hasComponent(component)) {
      throw new UnknownComponentError(
        component,
        `dataset type '${parentName}' (storage class ${storageClass.name})`,
        storageClass.allComponents(),
      );
    }
    out.component = component;
  }
  if (typeof input !== "string") {
    const given = inUniverse(input.makeCompositeDatasetType(), registry.universe);
    const related = (a: string, b: string) =>
      storageClasses.has(a) &&
      storageClasses.has(b) &&
      (storageClasses.get(a).isA(b) || storageClasses.get(b).isA(a));
    if (!parent.isCompatibleWith(given, related)) {
      throw new ConflictingDefinitionError(
        `supplied dataset type (${given}) is inconsistent with the registry's definition (${parent})`,
      );
    }
    if (given.storageClass !== parent.storageClass) out.storageClass = given.storageClass;
  }
  return out;
}

/**
 * The same dataset type in `universe`: types from another repository's butler carry that
 * repository's universe, and dimension groups only compare equal within one.
 */
export function inUniverse(type: DatasetType, universe: DimensionUniverse): DatasetType {
  if (type.dimensions.universe === universe) return type;
  return DatasetType.fromNames(type.name, type.dimensions.names, type.storageClass, universe, {
    isCalibration: type.isCalibration,
    parentStorageClass: type.parentStorageClass,
  });
}

/** A data ID as a plain object (DataCoordinates and Maps included). */
export function dataIdObject(dataId: DataIdInput | null | undefined): Record<string, unknown> {
  if (dataId === null || dataId === undefined) return {};
  if (dataId instanceof DataCoordinate) return { ...dataId.toObject() };
  if (dataId instanceof Map) return Object.fromEntries(dataId);
  return { ...(dataId as Record<string, unknown>) };
}

/** A ref names its dataset, so a data ID given beside it is refused rather than ignored. */
export function refuseDataIdBesideRef(dataId: DataIdInput | null | undefined, operation: string): void {
  if (Object.keys(dataIdObject(dataId)).length > 0) {
    throw new InvalidArgumentError(
      `${operation}: a DatasetRef was given, so a data ID may not be given too (the ref already names the dataset)`,
    );
  }
}

/** A write of a component (`calexp.wcs`): only whole datasets are stored. */
export function refuseComponentWrite(component: string, parent: string, operation: string): never {
  throw new InvalidArgumentError(
    `${operation}: cannot store component ${component}; store the whole ${parent} dataset`,
  );
}

/**
 * `dataId` with the butler's default values added for the dataset type's dimensions it does not give
 * (neither as `dim` nor as `dim.field`). A DataCoordinate is complete and is returned unchanged.
 */
export function mergeDataId(
  dataId: DataIdInput | null | undefined,
  defaults: Readonly<Record<string, unknown>>,
  dimensions: readonly string[],
): DataIdInput {
  if (dataId instanceof DataCoordinate) return dataId;
  const given = dataIdObject(dataId);
  const keys = Object.keys(given);
  for (const [name, value] of Object.entries(defaults)) {
    if (!dimensions.includes(name)) continue;
    if (keys.some((k) => k === name || k.startsWith(`${name}.`))) continue;
    given[name] = value;
  }
  return given;
}

/** A data ID for messages: `{instrument: 'HSC', visit: 903334}`. */
export function formatDataId(dataId: DataIdInput | null | undefined): string {
  const entries = Object.entries(dataIdObject(dataId)).map(
    ([k, v]) => `${k}: ${typeof v === "string" ? `'${v}'` : String(v)}`,
  );
  return `{${entries.join(", ")}}`;
}

/** A key identifying a data ID by its required values. */
export function requiredKey(dataId: DataCoordinate): string {
  return JSON.stringify(dataId.dimensions.required.map((d) => dataId.get(d) ?? null));
}
