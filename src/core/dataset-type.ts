import { DatasetTypeError } from "../errors/index.ts";
import type { DimensionGroup } from "./dimensions/dimension-group.ts";
import type { DimensionUniverse } from "./dimensions/dimension-universe.ts";

/** Letters, digits and underscores, not starting with a digit; dots separate component names. */
export const DATASET_TYPE_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*(\.[a-zA-Z_][a-zA-Z0-9_]*)*$/;

export interface DatasetTypeOptions {
  /** Whether datasets of this type may be certified into CALIBRATION collections. */
  readonly isCalibration?: boolean;
  /** For a component type (`calexp.wcs`): the storage class of the parent. Required there, refused elsewhere. */
  readonly parentStorageClass?: string | null;
}

/** JSON form, matching daf_butler's serialized dataset type. */
export interface DatasetTypeJson {
  readonly name: string;
  readonly storageClass: string;
  readonly dimensions: readonly string[];
  readonly isCalibration: boolean;
  readonly parentStorageClass?: string;
}

/** Splits `parent.component` at the first dot: `a.b.c` → ["a", "b.c"]; no dot → [name, null]. */
export function splitDatasetTypeName(name: string): [string, string | null] {
  const dot = name.indexOf(".");
  return dot < 0 ? [name, null] : [name.slice(0, dot), name.slice(dot + 1)];
}

export function datasetTypeNameWithComponent(parent: string, component: string): string {
  return `${parent}.${component}`;
}

/**
 * A named kind of dataset: its dimensions (the keys of its data IDs), the storage class that says
 * what its datasets hold, and whether it is a calibration. Component types (`calexp.wcs`) name a
 * part of a parent's datasets; they are never registered, only derived from the parent.
 */
export class DatasetType {
  readonly name: string;
  readonly dimensions: DimensionGroup;
  /** Name of the storage class; resolving it is the storage-class layer's job. */
  readonly storageClass: string;
  readonly isCalibration: boolean;
  /** The parent's storage class for component types, else null. */
  readonly parentStorageClass: string | null;

  constructor(
    name: string,
    dimensions: DimensionGroup,
    storageClass: string,
    options: DatasetTypeOptions = {},
  ) {
    validateDatasetTypeName(name, dimensions.universe);
    if (typeof storageClass !== "string" || storageClass === "") {
      throw new DatasetTypeError(
        `dataset type '${name}' needs a storage class name, got ${JSON.stringify(storageClass)}`,
      );
    }
    const parentStorageClass = options.parentStorageClass ?? null;
    const [, component] = splitDatasetTypeName(name);
    if (component !== null && parentStorageClass === null) {
      throw new DatasetTypeError(
        `component dataset type '${name}' needs the parent's storage class (parentStorageClass)`,
      );
    }
    if (component === null && parentStorageClass !== null) {
      throw new DatasetTypeError(
        `dataset type '${name}' is not a component, so it takes no parentStorageClass`,
      );
    }
    this.name = name;
    this.dimensions = dimensions;
    this.storageClass = storageClass;
    this.isCalibration = options.isCalibration ?? false;
    this.parentStorageClass = parentStorageClass;
    Object.freeze(this);
  }

  /** From dimension names; they are conformed in the universe. */
  static fromNames(
    name: string,
    dimensions: Iterable<string>,
    storageClass: string,
    universe: DimensionUniverse,
    options: DatasetTypeOptions = {},
  ): DatasetType {
    return new DatasetType(name, universe.conform(dimensions), storageClass, options);
  }

  static fromJSON(json: DatasetTypeJson, universe: DimensionUniverse): DatasetType {
    return DatasetType.fromNames(json.name, json.dimensions, json.storageClass, universe, {
      isCalibration: json.isCalibration,
      parentStorageClass: json.parentStorageClass ?? null,
    });
  }

  /** [parent name, component name or null]. */
  nameAndComponent(): [string, string | null] {
    return splitDatasetTypeName(this.name);
  }

  /** The component name, or null for a parent type. */
  get component(): string | null {
    return splitDatasetTypeName(this.name)[1];
  }

  isComponent(): boolean {
    return this.component !== null;
  }

  /** The name of the type this one is a component of (its own name for a parent type). */
  get parentName(): string {
    return splitDatasetTypeName(this.name)[0];
  }

  /**
   * The component type `this.name + "." + component`, whose datasets hold objects of
   * `componentStorageClass`. Which components exist, and their storage classes, is the storage-class
   * layer's knowledge, so the caller supplies it.
   */
  makeComponentDatasetType(component: string, componentStorageClass: string): DatasetType {
    return new DatasetType(
      datasetTypeNameWithComponent(this.name, component),
      this.dimensions,
      componentStorageClass,
      {
        isCalibration: this.isCalibration,
        parentStorageClass: this.storageClass,
      },
    );
  }

  /** The parent type of a component type (this type itself when it is not a component). */
  makeCompositeDatasetType(): DatasetType {
    if (this.parentStorageClass === null) return this;
    return new DatasetType(this.parentName, this.dimensions, this.parentStorageClass, {
      isCalibration: this.isCalibration,
    });
  }

  /** Everything equal: name, dimensions, storage class, calibration flag and parent storage class. */
  equals(other: DatasetType): boolean {
    return this.sameExceptStorageClass(other) && this.storageClass === other.storageClass;
  }

  /**
   * Whether a dataset of `other` can stand for one of this type: everything equal but the storage
   * class, which may differ when `canConvert(from: other's, to: this one's)` allows it.
   */
  isCompatibleWith(other: DatasetType, canConvert?: (from: string, to: string) => boolean): boolean {
    if (!this.sameExceptStorageClass(other)) return false;
    return (
      this.storageClass === other.storageClass ||
      (canConvert?.(other.storageClass, this.storageClass) ?? false)
    );
  }

  toJSON(): DatasetTypeJson {
    const json = {
      name: this.name,
      storageClass: this.storageClass,
      dimensions: [...this.dimensions.names],
      isCalibration: this.isCalibration,
    };
    return this.parentStorageClass === null ? json : { ...json, parentStorageClass: this.parentStorageClass };
  }

  toString(): string {
    const extra = [
      this.parentStorageClass && `parentStorageClass=${this.parentStorageClass}`,
      this.isCalibration && "isCalibration",
    ];
    return `DatasetType(${this.name}, ${this.dimensions}, ${this.storageClass}${extra
      .filter(Boolean)
      .map((e) => `, ${e}`)
      .join("")})`;
  }

  private sameExceptStorageClass(other: DatasetType): boolean {
    return (
      this.name === other.name &&
      this.dimensions.equals(other.dimensions) &&
      this.isCalibration === other.isCalibration &&
      this.parentStorageClass === other.parentStorageClass
    );
  }
}

/**
 * Checks a dataset type name: identifiers joined by dots, and not a governor dimension's name
 * (`instrument`, `skymap`), which queries reserve. Returns the name.
 */
export function validateDatasetTypeName(name: string, universe: DimensionUniverse): string {
  if (typeof name !== "string" || !DATASET_TYPE_NAME.test(name)) {
    throw new DatasetTypeError(
      `dataset type name ${JSON.stringify(name)} is not valid; accepted: letters, digits and underscores, ` +
        "not starting with a digit, with dots only between component names (calexp, calexp.wcs)",
    );
  }
  const [parent] = splitDatasetTypeName(name);
  if (universe.governors.some((g) => g.name === parent)) {
    throw new DatasetTypeError(
      `dataset type name '${name}' is reserved: governor dimension names (${universe.governors.map((g) => g.name).join(", ")}) ` +
        "cannot name dataset types",
    );
  }
  return name;
}
