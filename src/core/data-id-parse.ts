import { didYouMean, unknownNameMessage } from "../did-you-mean.ts";
import {
  DimensionNameError,
  DimensionValueError,
  InconsistentDataIdError,
  InvalidArgumentError,
} from "../errors/index.ts";
import { describeColumnType } from "./dimensions/column-spec.ts";
import { type DataIdValue, normalizeColumnValue, showValue } from "./dimensions/column-value.ts";
import { DIMENSION_ALIASES } from "./dimensions/dimension-aliases.ts";
import type { DimensionElement } from "./dimensions/dimension-element.ts";
import { DimensionGroup } from "./dimensions/dimension-group.ts";
import type { DimensionUniverse } from "./dimensions/dimension-universe.ts";

/** Something that already is a data ID (a DataCoordinate): its group and its values. */
export interface DataIdLike {
  readonly dimensions: DimensionGroup;
  entries(): Iterable<readonly [string, DataIdValue]>;
}

/** What a data ID can be built from: a plain object, a Map, or another data ID. */
export type DataIdInput = Readonly<Record<string, unknown>> | ReadonlyMap<string, unknown> | DataIdLike;

export interface StandardizeOptions {
  /** Needed unless `dimensions` is a DimensionGroup or the input or defaults are data IDs. */
  readonly universe?: DimensionUniverse;
  /** The dimensions the data ID is for; inferred from the keys given when absent. */
  readonly dimensions?: DimensionGroup | Iterable<string>;
  /** Values used only for dimensions of the group that were given no value (butler defaults). */
  readonly defaults?: DataIdInput | null;
  /** Any other property is a keyword value, merged with the input: `{ universe, visit: 903334 }`. */
  readonly [keyword: string]: unknown;
}

/**
 * A data ID value that names a record rather than a dimension's primary key: an alternate key
 * (`detector: "1_53"` or `detector.full_name`, `exposure.obs_id`) or a metadata field
 * (`exposure.seq_num`). Only a registry can turn it into the dimension's primary key value.
 */
export interface RecordConstraint {
  /** The dimension the constraint identifies. */
  readonly element: string;
  readonly field: string;
  readonly value: DataIdValue | boolean | Uint8Array;
  readonly role: "alternateKey" | "metadata";
  /** The key as the caller wrote it, for messages. */
  readonly key: string;
}

/**
 * A standardized data ID before any registry lookup: the group, every primary key value given for
 * the group's dimensions (required and implied), and the record constraints still to resolve.
 * Every required dimension has a value or at least one constraint.
 */
export interface ParsedDataId {
  readonly dimensions: DimensionGroup;
  readonly values: ReadonlyMap<string, DataIdValue>;
  readonly constraints: readonly RecordConstraint[];
}

const OPTION_NAMES = new Set(["universe", "dimensions", "defaults"]);

/**
 * Standardizes a data ID from a mapping and keyword values (see `StandardizeOptions`). Keys are
 * dimension names or `element.field`; a value of another type than the dimension's primary key that
 * fits an alternate key becomes a record constraint. Two different values for one dimension are an
 * InconsistentDataIdError; unknown keys, unknown fields and a required dimension with neither value nor
 * constraint are DimensionNameErrors; values of the wrong type are DimensionValueErrors.
 * Values for dimensions outside an explicitly given group are checked, then ignored.
 */
export function parseDataId(
  input: DataIdInput | null | undefined,
  options: StandardizeOptions = {},
): ParsedDataId {
  const universe = findUniverse(input, options);
  const given = new Given(universe);
  if (input !== null && input !== undefined) {
    for (const [key, value] of entriesOf(input)) given.add(key, value, "data ID");
  }
  for (const [key, value] of Object.entries(options)) {
    if (!OPTION_NAMES.has(key)) given.add(key, value, "keyword arguments");
  }
  const explicit = options.dimensions;
  const dimensions =
    explicit !== undefined
      ? universe.conform(explicit)
      : universe.conform([...given.values.keys(), ...given.constraints.map((c) => c.element)]);
  const constraints = given.constraints.filter((c) => dimensions.has(c.element));
  const constrained = new Set(constraints.map((c) => c.element));
  let defaults: Given | undefined;
  if (options.defaults !== undefined && options.defaults !== null) {
    defaults = new Given(universe);
    for (const [key, value] of entriesOf(options.defaults)) defaults.add(key, value, "defaults");
  }
  // Defaults fill only dimensions given neither a value nor a record constraint.
  const values = new Map<string, DataIdValue>();
  for (const name of dimensions.dataCoordinateKeys) {
    const value =
      given.values.get(name)?.value ??
      (constrained.has(name) ? undefined : defaults?.values.get(name)?.value);
    if (value !== undefined) values.set(name, value);
  }
  for (const name of dimensions.required) {
    if (!values.has(name) && !constrained.has(name)) {
      const keys = [...given.keys].join(", ") || "none";
      throw new DimensionNameError(
        name,
        `no value in data ID for required dimension '${name}' of ${dimensions}; keys given: ${keys}`,
      );
    }
  }
  return { dimensions, values, constraints };
}

/** Collects values and constraints key by key, catching disagreements as they arrive. */
class Given {
  readonly values = new Map<string, { value: DataIdValue; source: string }>();
  readonly constraints: RecordConstraint[] = [];
  readonly keys = new Set<string>();

  constructor(private readonly universe: DimensionUniverse) {}

  add(key: string, raw: unknown, from: string): void {
    // Absent values are skipped, so `{ visit: undefined }` means the same as `{}`.
    if (raw === undefined || raw === null) return;
    this.keys.add(key);
    const dot = key.indexOf(".");
    if (dot < 0) {
      if (!this.universe.hasDimension(key)) {
        throw new DimensionNameError(
          key,
          unknownNameMessage(
            `unrecognized data ID key '${key}' in ${from}`,
            didYouMean(
              key,
              this.universe.dimensions.map((d) => d.name),
              { aliases: DIMENSION_ALIASES },
            ),
            `dimension names (${this.universe.describeDimensions()}) or element.field, such as detector.full_name`,
          ),
        );
      }
      this.addForDimension(this.universe.getDimension(key), key, raw, from);
      return;
    }
    const elementName = key.slice(0, dot);
    const field = key.slice(dot + 1);
    const element = this.universe.hasDimension(elementName)
      ? this.universe.getDimension(elementName)
      : undefined;
    if (element === undefined) {
      throw new DimensionNameError(
        key,
        `'${key}' in ${from}: '${elementName}' is not a dimension; element.field keys take a dimension name ` +
          `(${this.universe.describeDimensions()})`,
      );
    }
    const pk = element.primaryKey!;
    if (field === pk.name) {
      const value = normalizeColumnValue(pk.type, raw);
      if (value === undefined) throw wrongType(key, raw, `${describeColumnType(pk)}`);
      this.setValue(element.name, value as DataIdValue, key);
      return;
    }
    if (element.required.includes(field) || element.implied.includes(field)) {
      this.addForDimension(this.universe.getDimension(field), key, raw, from);
      return;
    }
    const column = [...element.alternateKeys, ...element.metadata].find((c) => c.name === field);
    if (column === undefined) {
      const accepted = element.recordFields.filter((f) => f.role !== "region" && f.role !== "timespan");
      throw new DimensionNameError(
        key,
        `unrecognized field '${field}' for ${element.name} in ${from}; accepted: ${accepted.map((f) => f.name).join(", ")}`,
      );
    }
    const value = normalizeColumnValue(column.type, raw);
    if (value === undefined) throw wrongType(key, raw, describeColumnType(column));
    const role = element.alternateKeys.includes(column) ? "alternateKey" : "metadata";
    this.addConstraint({ element: element.name, field, value, role, key });
  }

  /** A bare dimension key: its primary key type, else the first alternate key whose type fits. */
  private addForDimension(dimension: DimensionElement, key: string, raw: unknown, from: string): void {
    const pk = dimension.primaryKey!;
    const value = normalizeColumnValue(pk.type, raw);
    if (value !== undefined) {
      this.setValue(dimension.name, value as DataIdValue, `${key} (${from})`);
      return;
    }
    for (const alternate of dimension.alternateKeys) {
      const altValue = normalizeColumnValue(alternate.type, raw);
      if (altValue !== undefined) {
        this.addConstraint({
          element: dimension.name,
          field: alternate.name,
          value: altValue,
          role: "alternateKey",
          key,
        });
        return;
      }
    }
    const alternates = dimension.alternateKeys.map((c) => `${c.name}: ${describeColumnType(c)}`);
    const accepted = `${describeColumnType(pk)}${alternates.length > 0 ? ` or an alternate key (${alternates.join(", ")})` : ""}`;
    throw wrongType(key, raw, accepted);
  }

  private setValue(dimension: string, value: DataIdValue, source: string): void {
    const previous = this.values.get(dimension);
    if (previous !== undefined && previous.value !== value) {
      throw new InconsistentDataIdError(
        dimension,
        `inconsistent values for ${dimension}: ${showValue(previous.value)} from ${previous.source} ` +
          `and ${showValue(value)} from ${source}`,
      );
    }
    this.values.set(dimension, { value, source });
  }

  private addConstraint(constraint: RecordConstraint): void {
    const same = this.constraints.find(
      (c) => c.element === constraint.element && c.field === constraint.field,
    );
    if (same !== undefined) {
      if (!sameValue(same.value, constraint.value)) {
        throw new InconsistentDataIdError(
          constraint.element,
          `inconsistent values for ${constraint.element}.${constraint.field}: ${showValue(same.value)} from ` +
            `${same.key} and ${showValue(constraint.value)} from ${constraint.key}`,
        );
      }
      return;
    }
    this.constraints.push(Object.freeze(constraint));
  }
}

function sameValue(a: unknown, b: unknown): boolean {
  if (a instanceof Uint8Array && b instanceof Uint8Array) {
    return a.length === b.length && a.every((byte, i) => byte === b[i]);
  }
  return a === b;
}

function wrongType(key: string, raw: unknown, accepted: string): DimensionValueError {
  return new DimensionValueError(
    key,
    `data ID value ${key}=${showValue(raw)} has the wrong type; accepted: ${accepted}`,
  );
}

function isDataIdLike(input: unknown): input is DataIdLike {
  return (
    typeof input === "object" &&
    input !== null &&
    !(input instanceof Map) &&
    (input as DataIdLike).dimensions instanceof DimensionGroup &&
    typeof (input as DataIdLike).entries === "function"
  );
}

function entriesOf(input: DataIdInput): Iterable<readonly [string, unknown]> {
  if (input instanceof Map) return input.entries();
  if (isDataIdLike(input)) return input.entries();
  return Object.entries(input);
}

function findUniverse(input: DataIdInput | null | undefined, options: StandardizeOptions): DimensionUniverse {
  const universe =
    options.universe ??
    (options.dimensions instanceof DimensionGroup ? options.dimensions.universe : undefined) ??
    (isDataIdLike(input) ? input.dimensions.universe : undefined) ??
    (isDataIdLike(options.defaults) ? options.defaults.dimensions.universe : undefined);
  if (universe === undefined) {
    throw new InvalidArgumentError(
      "a data ID needs a dimension universe: pass `universe`, a DimensionGroup as `dimensions`, or a DataCoordinate",
    );
  }
  return universe;
}
