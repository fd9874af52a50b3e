/** Errors of the `core` layer: dimensions, data IDs, dataset types, collections, storage classes. */
import { didYouMean, unknownNameMessage } from "../did-you-mean.ts";
import { ButlerError } from "./base.ts";

/** A dimension universe configuration that breaks the schema (unknown field, bad type, cycle, …). */
export class DimensionConfigError extends ButlerError {
  constructor(message: string) {
    super("DIMENSION_CONFIG", message);
  }
}

/**
 * A name that is not a dimension, element or record field of the universe, or a required dimension
 * of a data ID that has no value. `key` is the offending name.
 */
export class DimensionNameError extends ButlerError {
  readonly key: string;

  constructor(key: string, message: string) {
    super("DIMENSION_NAME", message);
    this.key = key;
  }
}

/** A data ID or dimension record value of the wrong type for its dimension or field. */
export class DimensionValueError extends ButlerError {
  readonly key: string;

  constructor(key: string, message: string) {
    super("DIMENSION_VALUE", message);
    this.key = key;
  }
}

/** Two values given for the same dimension of a data ID disagree. */
export class InconsistentDataIdError extends ButlerError {
  readonly dimension: string;

  constructor(dimension: string, message: string) {
    super("INCONSISTENT_DATA_ID", message);
    this.dimension = dimension;
  }
}

/** A record-field constraint of a data ID (`detector.full_name = 'Ab'`) that only a registry can resolve. */
export interface PendingDataIdConstraint {
  readonly element: string;
  readonly field: string;
  readonly value: unknown;
}

/** A data ID names a dimension by an alternate key or a record field; a registry must look it up. */
export class UnresolvedDataIdError extends ButlerError {
  readonly constraints: readonly PendingDataIdConstraint[];

  constructor(constraints: readonly PendingDataIdConstraint[]) {
    const described = constraints.map((c) => `${c.element}.${c.field}=${JSON.stringify(c.value)}`);
    super(
      "UNRESOLVED_DATA_ID",
      `data ID needs a registry lookup to resolve ${described.join(", ")}; ` +
        "give primary key values, or resolve it through the registry",
    );
    this.constraints = constraints;
  }
}

/** A dataset type name, definition or component that is not valid. */
export class DatasetTypeError extends ButlerError {
  constructor(message: string) {
    super("DATASET_TYPE", message);
  }
}

/** A dataset ID that is not a UUID string, or an unknown ID generation mode. */
export class InvalidDatasetIdError extends ButlerError {
  constructor(message: string) {
    super("INVALID_DATASET_ID", message);
  }
}

/** A collection name that is empty, too long or otherwise not accepted. */
export class CollectionNameError extends ButlerError {
  readonly collection: string;

  constructor(collection: string, message: string) {
    super("COLLECTION_NAME", message);
    this.collection = collection;
  }
}

/** An unknown collection type, or a collection of the wrong type for an operation. */
export class CollectionTypeError extends ButlerError {
  constructor(message: string) {
    super("COLLECTION_TYPE", message);
  }
}

/** A storage class name that the configuration does not define. */
export class MissingStorageClassError extends ButlerError {
  readonly storageClass: string;

  constructor(storageClass: string, known: readonly string[]) {
    const hint =
      known.length > 0
        ? `; known storage classes include: ${known.slice(0, 20).join(", ")}${known.length > 20 ? ", …" : ""}`
        : "";
    super("MISSING_STORAGE_CLASS", `storage class '${storageClass}' is not defined${hint}`);
    this.storageClass = storageClass;
  }
}

/** A storage class configuration that breaks the schema's rules. */
export class StorageClassConfigError extends ButlerError {
  constructor(message: string) {
    super("STORAGE_CLASS_CONFIG", message);
  }
}

/** A component the storage class has, absent from this dataset (a calexp stored without a PSF). */
export class MissingComponentError extends ButlerError {
  readonly component: string;

  constructor(component: string, dataset: string, present: readonly string[] = []) {
    super(
      "MISSING_COMPONENT",
      `${dataset} has no '${component}' component: it was stored without one` +
        (present.length > 0 ? `; its file holds: ${present.join(", ")}` : ""),
    );
    this.component = component;
  }
}

/** A component that a storage class does not have (e.g. `calexp.metadta`). */
export class UnknownComponentError extends ButlerError {
  readonly component: string;
  readonly accepted: readonly string[];

  constructor(component: string, owner: string, accepted: readonly string[]) {
    super(
      "UNKNOWN_COMPONENT",
      unknownNameMessage(
        `component '${component}' is not understood by ${owner}`,
        didYouMean(component, accepted),
        accepted.length > 0 ? accepted.join(", ") : "none",
        "components",
      ),
    );
    this.component = component;
    this.accepted = accepted;
  }
}

/** A read parameter that a storage class does not take. */
export class UnknownParameterError extends ButlerError {
  readonly parameters: readonly string[];
  readonly accepted: readonly string[];

  constructor(parameters: readonly string[], storageClass: string, accepted: readonly string[]) {
    const names = parameters.map((p) => `'${p}'`).join(", ");
    super(
      "UNKNOWN_PARAMETER",
      `parameter${parameters.length > 1 ? "s" : ""} ${names} not understood by storage class ${storageClass}; accepted parameters: ${accepted.length > 0 ? accepted.join(", ") : "none"}`,
    );
    this.parameters = parameters;
    this.accepted = accepted;
  }
}

/** A read parameter of the wrong type or value (e.g. `origin: "123"`). */
export class InvalidParameterError extends ButlerError {
  readonly parameter: string;

  constructor(parameter: string, message: string) {
    super("INVALID_PARAMETER", `parameter '${parameter}': ${message}`);
    this.parameter = parameter;
  }
}
