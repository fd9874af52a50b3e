import type { DimensionUniverse } from "./dimension-universe.ts";
import type { TopologicalFamily } from "./topological-family.ts";

/**
 * An immutable, dependency-complete set of dimensions, made by `universe.conform(names)`.
 * Every name list is in the universe's topological order.
 */
export class DimensionGroup {
  readonly universe: DimensionUniverse;
  /** Every dimension of the group. */
  readonly names: readonly string[];
  /** The dimensions no other dimension of the group implies: their values identify a data ID. */
  readonly required: readonly string[];
  /** The dimensions some other dimension of the group implies: a full data ID also has these. */
  readonly implied: readonly string[];
  /** Required then implied: the order of a data ID's values. */
  readonly dataCoordinateKeys: readonly string[];
  /** Every element whose required dimensions are all in the group, join elements included. */
  readonly elements: readonly string[];
  readonly governors: readonly string[];
  readonly skypix: readonly string[];
  /** Spatial families of the group's elements, in element order. */
  readonly spatialFamilies: readonly TopologicalFamily[];
  readonly temporalFamilies: readonly TopologicalFamily[];
  /** The names joined by commas: equal groups have equal keys. */
  readonly key: string;
  private readonly nameSet: ReadonlySet<string>;
  private readonly elementSet: ReadonlySet<string>;
  private lookupOrderCache: readonly string[] | null = null;

  /** Use `universe.conform`; this constructor trusts that `sortedNames` is complete and sorted. */
  constructor(universe: DimensionUniverse, sortedNames: readonly string[]) {
    this.universe = universe;
    this.names = Object.freeze([...sortedNames]);
    this.nameSet = new Set(sortedNames);
    this.key = sortedNames.join(",");
    const impliedByOthers = new Set<string>();
    for (const name of sortedNames) {
      for (const implied of universe.getElement(name).implied) impliedByOthers.add(implied);
    }
    this.required = Object.freeze(sortedNames.filter((n) => !impliedByOthers.has(n)));
    this.implied = Object.freeze(sortedNames.filter((n) => impliedByOthers.has(n)));
    this.dataCoordinateKeys = Object.freeze([...this.required, ...this.implied]);
    const elements = universe.elements.filter((e) => e.required.every((d) => this.nameSet.has(d)));
    this.elements = Object.freeze(elements.map((e) => e.name));
    this.elementSet = new Set(this.elements);
    this.governors = Object.freeze(sortedNames.filter((n) => universe.getElement(n).isGovernor));
    this.skypix = Object.freeze(sortedNames.filter((n) => universe.getElement(n).kind === "skypix"));
    this.spatialFamilies = Object.freeze(distinct(elements.map((e) => e.spatial)));
    this.temporalFamilies = Object.freeze(distinct(elements.map((e) => e.temporal)));
  }

  /** Whether the dimension is in the group. */
  has(name: string): boolean {
    return this.nameSet.has(name);
  }

  /** Whether the element (dimension or join element) is in the group. */
  hasElement(name: string): boolean {
    return this.elementSet.has(name);
  }

  get size(): number {
    return this.names.length;
  }

  get isEmpty(): boolean {
    return this.names.length === 0;
  }

  /**
   * The element whose region is the region of this group's data IDs: the finest member of the one
   * spatial family present. Null with no spatial family, or with several (their regions must be
   * intersected instead).
   */
  get regionDimension(): string | null {
    return this.spatialFamilies.length === 1 ? this.spatialFamilies[0]!.choose(this) : null;
  }

  /** Like `regionDimension`, for timespans. */
  get timespanDimension(): string | null {
    return this.temporalFamilies.length === 1 ? this.temporalFamilies[0]!.choose(this) : null;
  }

  /**
   * Elements in the order their records can be looked up: a dimension comes before the dimensions it
   * implies (visit before physical_filter), and every element after its required dimensions.
   */
  get lookupOrder(): readonly string[] {
    this.lookupOrderCache ??= Object.freeze(this.computeLookupOrder());
    return this.lookupOrderCache;
  }

  equals(other: DimensionGroup): boolean {
    return this === other || (this.universe === other.universe && this.key === other.key);
  }

  isSubsetOf(other: DimensionGroup): boolean {
    return this.names.every((n) => other.has(n));
  }

  isSupersetOf(other: DimensionGroup): boolean {
    return other.isSubsetOf(this);
  }

  isDisjointFrom(other: DimensionGroup): boolean {
    return !this.names.some((n) => other.has(n));
  }

  union(...others: DimensionGroup[]): DimensionGroup {
    return this.universe.conform([...this.names, ...others.flatMap((o) => o.names)]);
  }

  intersection(...others: DimensionGroup[]): DimensionGroup {
    return this.universe.conform(this.names.filter((n) => others.every((o) => o.has(n))));
  }

  toString(): string {
    return `{${this.names.join(", ")}}`;
  }

  /** The dimension names, which `universe.conform` turns back into this group. */
  toJSON(): string[] {
    return [...this.names];
  }

  private computeLookupOrder(): string[] {
    const done = new Set<string>();
    const order: string[] = [];
    const add = (name: string): void => {
      if (done.has(name)) return;
      const element = this.universe.getElement(name);
      if (!element.required.every((d) => d === name || done.has(d))) return;
      order.push(name);
      done.add(name);
      for (const implied of element.implied) add(implied);
    };
    // Each pass adds at least one dimension, because some required dimension always has its own
    // required dependencies done; the bound only guards against a universe that breaks that.
    for (let pass = 0; pass <= this.names.length && !this.required.every((d) => done.has(d)); pass++) {
      for (const name of this.required) add(name);
    }
    for (const name of this.elements) if (!done.has(name)) order.push(name);
    return order;
  }
}

function distinct(families: (TopologicalFamily | null)[]): TopologicalFamily[] {
  const seen: TopologicalFamily[] = [];
  for (const family of families) if (family !== null && !seen.includes(family)) seen.push(family);
  return seen;
}
