import {
  DimensionNameError,
  DimensionValueError,
  InconsistentDataIdError,
  UnresolvedDataIdError,
} from "../errors/index.ts";
import {
  type DataIdInput,
  type ParsedDataId,
  parseDataId,
  type StandardizeOptions,
} from "./data-id-parse.ts";
import { type DataIdValue, normalizeColumnValue, showValue } from "./dimensions/column-value.ts";
import type { DimensionGroup } from "./dimensions/dimension-group.ts";
import type { DimensionRecord } from "./dimensions/dimension-record.ts";
import type { DimensionUniverse } from "./dimensions/dimension-universe.ts";
import type { RegionLike } from "./region.ts";
import type { Timespan } from "./timespan.ts";

/** Records by element name, for `expanded`: every element of the group, null where there is none. */
export type RecordsInput =
  | ReadonlyMap<string, DimensionRecord | null>
  | Readonly<Record<string, DimensionRecord | null>>;

/**
 * An immutable data ID: primary key values for the dimensions of a group. It always has the
 * required dimensions; `hasFull()` says it also has the implied ones, and `hasRecords()` that the
 * records of every element of the group are attached ("expanded", by a registry).
 * Equality, `key` and `hashCode` use the group and the required values only.
 */
export class DataCoordinate {
  readonly dimensions: DimensionGroup;
  /** Required values, then implied values when full, in `dimensions.dataCoordinateKeys` order. */
  private readonly values: readonly DataIdValue[];
  private readonly records: ReadonlyMap<string, DimensionRecord | null> | null;
  private keyCache: string | null = null;
  private requiredCache: readonly DataIdValue[] | undefined = undefined;

  private constructor(
    dimensions: DimensionGroup,
    values: readonly DataIdValue[],
    records: ReadonlyMap<string, DimensionRecord | null> | null,
  ) {
    this.dimensions = dimensions;
    this.values = Object.freeze([...values]);
    this.records = records;
  }

  /** The data ID with no dimensions. */
  static makeEmpty(universe: DimensionUniverse): DataCoordinate {
    return new DataCoordinate(universe.empty, [], new Map());
  }

  /** From values for `dimensions.required`, in that order. */
  static fromRequiredValues(dimensions: DimensionGroup, values: readonly DataIdValue[]): DataCoordinate {
    checkValues(dimensions, dimensions.required, values);
    return new DataCoordinate(dimensions, values, dimensions.isEmpty ? new Map() : null);
  }

  /** From values for `dimensions.dataCoordinateKeys` (required then implied), in that order. */
  static fromFullValues(dimensions: DimensionGroup, values: readonly DataIdValue[]): DataCoordinate {
    checkValues(dimensions, dimensions.dataCoordinateKeys, values);
    return new DataCoordinate(dimensions, values, dimensions.isEmpty ? new Map() : null);
  }

  /**
   * Builds a data ID from a mapping, keyword values and defaults (see `parseDataId` for the rules).
   * A value that names a record (`detector: "1_53"`, `exposure.obs_id`) needs a registry: such a data
   * ID is an UnresolvedDataIdError carrying the constraints; use `parseDataId` and `fromParsed` to
   * resolve them. A DataCoordinate input keeps its records when the group does not grow.
   */
  static standardize(input?: DataIdInput | null, options: StandardizeOptions = {}): DataCoordinate {
    const parsed = parseDataId(input, options);
    if (parsed.constraints.length > 0) throw new UnresolvedDataIdError(parsed.constraints);
    const result = DataCoordinate.fromParsed(parsed);
    if (
      input instanceof DataCoordinate &&
      input.hasRecords() &&
      result.dimensions.isSubsetOf(input.dimensions)
    ) {
      const subset = input.subset(result.dimensions);
      if (subset.equals(result) && (!result.hasFull() || sameValues(subset, result))) return subset;
    }
    return result;
  }

  /**
   * The data ID of a parsed one, with `resolved` values (from record lookups) merged in; a resolved
   * value that disagrees with a given one is an InconsistentDataIdError. The caller is responsible for
   * having resolved the parsed constraints. Full when every implied value is known.
   */
  static fromParsed(
    parsed: ParsedDataId,
    resolved: ReadonlyMap<string, DataIdValue> | Readonly<Record<string, DataIdValue>> = {},
  ): DataCoordinate {
    const group = parsed.dimensions;
    const values = new Map(parsed.values);
    const extra = resolved instanceof Map ? resolved : new Map(Object.entries(resolved));
    for (const [name, value] of extra) {
      if (!group.has(name)) continue;
      const previous = values.get(name);
      if (previous !== undefined && previous !== value) {
        throw new InconsistentDataIdError(
          name,
          `data ID gives ${name}=${showValue(previous)} but its records say ${showValue(value)}`,
        );
      }
      values.set(name, value);
    }
    return DataCoordinate.fromValueMap(group, values);
  }

  /**
   * The data ID of `group` from a map of values by dimension (others ignored): full when every
   * implied value is there; a missing required value is a DimensionNameError.
   */
  static fromValueMap(group: DimensionGroup, values: ReadonlyMap<string, DataIdValue>): DataCoordinate {
    const missing = group.required.filter((d) => !values.has(d));
    if (missing.length > 0) {
      throw new DimensionNameError(
        missing[0]!,
        `no value for required dimension(s) ${missing.join(", ")} of ${group}`,
      );
    }
    const full = group.implied.every((d) => values.has(d));
    const keys = full ? group.dataCoordinateKeys : group.required;
    return full
      ? DataCoordinate.fromFullValues(
          group,
          keys.map((d) => values.get(d)!),
        )
      : DataCoordinate.fromRequiredValues(
          group,
          keys.map((d) => values.get(d)!),
        );
  }

  get universe(): DimensionUniverse {
    return this.dimensions.universe;
  }

  /** Values of the required dimensions, in `dimensions.required` order. */
  get requiredValues(): readonly DataIdValue[] {
    if (this.requiredCache === undefined) {
      const count = this.dimensions.required.length;
      this.requiredCache =
        this.values.length === count ? this.values : Object.freeze(this.values.slice(0, count));
    }
    return this.requiredCache;
  }

  /** Required then implied values, or null when the implied values are not known. */
  get fullValues(): readonly DataIdValue[] | null {
    return this.hasFull() ? this.values : null;
  }

  /** True when the implied dimensions' values are known too. */
  hasFull(): boolean {
    return this.values.length === this.dimensions.dataCoordinateKeys.length;
  }

  /** True when every element's record is attached. */
  hasRecords(): boolean {
    return this.records !== null;
  }

  /** Whether a value for the dimension is known. */
  has(dimension: string): boolean {
    const index = this.dimensions.dataCoordinateKeys.indexOf(dimension);
    return index >= 0 && index < this.values.length;
  }

  /** The dimension's value, or undefined when it is not in the group or not known. */
  get(dimension: string): DataIdValue | undefined {
    const index = this.dimensions.dataCoordinateKeys.indexOf(dimension);
    return index >= 0 ? this.values[index] : undefined;
  }

  /** The dimension's value; a DimensionNameError when it is not known. */
  value(dimension: string): DataIdValue {
    const value = this.get(dimension);
    if (value === undefined) {
      const known = this.dimensions.dataCoordinateKeys.slice(0, this.values.length);
      throw new DimensionNameError(
        dimension,
        `data ID ${this} has no value for '${dimension}'; it has: ${known.join(", ")}`,
      );
    }
    return value;
  }

  /** Known (dimension, value) pairs: required then implied. */
  *entries(): IterableIterator<[string, DataIdValue]> {
    for (let i = 0; i < this.values.length; i++)
      yield [this.dimensions.dataCoordinateKeys[i]!, this.values[i]!];
  }

  /** Known values as a plain object, required then implied. */
  toObject(): Record<string, DataIdValue> {
    return Object.fromEntries(this.entries());
  }

  /** Required values only, as a plain object. */
  requiredObject(): Record<string, DataIdValue> {
    return Object.fromEntries(this.dimensions.required.map((d, i) => [d, this.values[i]!]));
  }

  /** The attached record of an element of the group (null when it has none); needs `hasRecords()`. */
  record(element: string): DimensionRecord | null {
    if (this.records === null) {
      throw new DimensionNameError(
        element,
        `data ID ${this} has no records attached; expand it through a registry`,
      );
    }
    if (!this.records.has(element)) {
      throw new DimensionNameError(element, `'${element}' is not an element of ${this.dimensions}`);
    }
    return this.records.get(element)!;
  }

  /**
   * This data ID with the implied values added; they must agree with any already known.
   * Values beyond the group's dimensions are ignored.
   */
  withFullValues(
    implied: ReadonlyMap<string, DataIdValue> | Readonly<Record<string, DataIdValue>>,
  ): DataCoordinate {
    const given = implied instanceof Map ? implied : new Map(Object.entries(implied));
    const values = this.dimensions.dataCoordinateKeys.map((d, i) => {
      const known = this.values[i];
      const value = given.get(d);
      if (known !== undefined && value !== undefined && known !== value) {
        throw new InconsistentDataIdError(
          d,
          `data ID has ${d}=${showValue(known)} but ${showValue(value)} was given`,
        );
      }
      const result = known ?? value;
      if (result === undefined)
        throw new DimensionNameError(d, `no value given for implied dimension '${d}' of ${this.dimensions}`);
      return result;
    });
    return new DataCoordinate(this.dimensions, values, this.records);
  }

  /**
   * This data ID with the records of every element of its group attached. Implied values missing so
   * far are taken from the records; records whose keys disagree with the data ID are an
   * InconsistentDataIdError.
   */
  expanded(records: RecordsInput): DataCoordinate {
    const given: ReadonlyMap<string, DimensionRecord | null> =
      records instanceof Map ? records : new Map(Object.entries(records));
    const attached = new Map<string, DimensionRecord | null>();
    for (const element of this.dimensions.elements) {
      if (!given.has(element)) {
        throw new DimensionNameError(
          element,
          `no record given for element '${element}' of ${this.dimensions}`,
        );
      }
      attached.set(element, given.get(element) ?? null);
    }
    let result: DataCoordinate = this;
    if (!this.hasFull()) {
      const implied = new Map<string, DataIdValue>();
      for (const element of this.dimensions.elements) {
        const record = attached.get(element);
        if (record === null || record === undefined) continue;
        for (const dimension of this.universe.getElement(element).implied) {
          const value = record[dimension];
          if (typeof value === "number" || typeof value === "string") implied.set(dimension, value);
        }
      }
      result = this.withFullValues(implied);
    }
    for (const [element, record] of attached) {
      if (record !== null) checkRecordKeys(result, element, record);
    }
    return new DataCoordinate(result.dimensions, result.values, attached);
  }

  /** The data ID restricted to a subset of its dimensions (records too, when attached). */
  subset(dimensions: DimensionGroup | Iterable<string>): DataCoordinate {
    const group = this.universe.conform(dimensions);
    if (group === this.dimensions) return this;
    if (!group.isSubsetOf(this.dimensions)) {
      throw new DimensionNameError(
        group.names.find((d) => !this.dimensions.has(d))!,
        `cannot take subset ${group} of data ID ${this}: it is not within ${this.dimensions}`,
      );
    }
    const known = new Map(this.entries());
    const missing = group.required.filter((d) => !known.has(d));
    if (missing.length > 0) {
      throw new DimensionNameError(
        missing[0]!,
        `cannot take subset ${group} of data ID ${this}: implied value(s) ${missing.join(", ")} not known`,
      );
    }
    const full = group.implied.every((d) => known.has(d));
    const values = (full ? group.dataCoordinateKeys : group.required).map((d) => known.get(d)!);
    const records =
      this.records === null ? null : new Map(group.elements.map((e) => [e, this.records!.get(e) ?? null]));
    return new DataCoordinate(group, values, records);
  }

  /** The data ID over both groups; values they share must agree. */
  union(other: DataCoordinate): DataCoordinate {
    const group = this.dimensions.union(other.dimensions);
    const values = new Map(this.entries());
    for (const [d, v] of other.entries()) {
      const mine = values.get(d);
      if (mine !== undefined && mine !== v) {
        throw new InconsistentDataIdError(d, `cannot join data IDs ${this} and ${other}: ${d} differs`);
      }
      values.set(d, v);
    }
    const missing = group.required.filter((d) => !values.has(d));
    if (missing.length > 0) {
      throw new DimensionNameError(
        missing[0]!,
        `joining ${this} and ${other} leaves ${missing.join(", ")} unknown`,
      );
    }
    const full = group.implied.every((d) => values.has(d));
    return new DataCoordinate(
      group,
      (full ? group.dataCoordinateKeys : group.required).map((d) => values.get(d)!),
      null,
    );
  }

  /**
   * The timespan of the data ID: the intersection of the timespans of the finest element of each
   * temporal family in the group. Null when there is none or records are not attached.
   */
  get timespan(): Timespan | null {
    const spans = this.familyValues(this.dimensions.temporalFamilies, "timespan") as Timespan[];
    if (spans.length === 0) return null;
    return spans[0]!.intersection(...spans.slice(1));
  }

  /**
   * The regions of the finest element of each spatial family in the group. The data ID's region is
   * their intersection, which needs the region library; with one family it is `regions[0]`.
   */
  get regions(): readonly RegionLike[] {
    return this.familyValues(this.dimensions.spatialFamilies, "region") as RegionLike[];
  }

  equals(other: DataCoordinate): boolean {
    return this === other || this.key === other.key;
  }

  /** A stable string for maps and sets: the group's names and the required values. */
  get key(): string {
    this.keyCache ??= `${this.dimensions.key}|${JSON.stringify(this.requiredValues)}`;
    return this.keyCache;
  }

  /** A 32-bit FNV-1a hash of `key`. */
  hashCode(): number {
    let hash = 0x811c9dc5;
    for (let i = 0; i < this.key.length; i++) {
      hash ^= this.key.charCodeAt(i);
      hash = Math.imul(hash, 0x01000193);
    }
    return hash >>> 0;
  }

  /** Known values as a plain object (required then implied), which `standardize` reads back. */
  toJSON(): Record<string, DataIdValue> {
    return this.toObject();
  }

  /** `{instrument: 'HSC', detector: 16}`. */
  toString(): string {
    const parts = [...this.entries()].map(([d, v]) => `${d}: ${typeof v === "string" ? `'${v}'` : v}`);
    return `{${parts.join(", ")}}`;
  }

  private familyValues(families: DimensionGroup["spatialFamilies"], field: "region" | "timespan"): unknown[] {
    if (this.records === null) return [];
    const found: unknown[] = [];
    for (const family of families) {
      const element = family.choose(this.dimensions);
      const value = element === null ? null : this.records.get(element)?.[field];
      if (value !== null && value !== undefined) found.push(value);
    }
    return found;
  }
}

function checkValues(group: DimensionGroup, names: readonly string[], values: readonly DataIdValue[]): void {
  if (values.length !== names.length) {
    throw new DimensionValueError(
      group.toString(),
      `data ID for ${group} needs ${names.length} values (${names.join(", ")}), got ${values.length}`,
    );
  }
  names.forEach((name, i) => {
    const pk = group.universe.getElement(name).primaryKey!;
    if (normalizeColumnValue(pk.type, values[i]) !== values[i]) {
      throw new DimensionValueError(
        name,
        `data ID value ${name}=${showValue(values[i])} is not a ${pk.type}`,
      );
    }
  });
}

/** A record's dimension fields must agree with the data ID it is attached to. */
function checkRecordKeys(dataId: DataCoordinate, element: string, record: DimensionRecord): void {
  for (const field of dataId.universe.getElement(element).recordFields) {
    if (field.dimension === undefined) continue;
    const expected = dataId.get(field.dimension);
    const actual = record[field.name];
    if (expected !== undefined && actual !== null && actual !== undefined && actual !== expected) {
      throw new InconsistentDataIdError(
        field.dimension,
        `the ${element} record has ${field.name}=${showValue(actual)} but the data ID has ${field.dimension}=${showValue(expected)}`,
      );
    }
  }
}

function sameValues(a: DataCoordinate, b: DataCoordinate): boolean {
  const av = a.fullValues;
  const bv = b.fullValues;
  return av !== null && bv !== null && av.length === bv.length && av.every((v, i) => v === bv[i]);
}
