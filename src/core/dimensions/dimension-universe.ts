import { readFileSync } from "node:fs";
import { parse as parseYaml } from "yaml";
import { DimensionConfigError, DimensionNameError } from "../../errors/index.ts";
import type { DimensionElement } from "./dimension-element.ts";
import { DimensionGroup } from "./dimension-group.ts";
import type { TopologicalFamily } from "./topological-family.ts";
import { buildElements, buildFamilies } from "./universe-builder.ts";
import { parseUniverseConfig, type UniverseDefinition } from "./universe-config.ts";

/** A sky pixelization whose levels are dimensions (`htm1`…`htm24`). */
export interface SkyPixSystem {
  readonly name: string;
  readonly pixelizationClass: string;
  readonly minLevel: number;
  readonly maxLevel: number;
  readonly family: TopologicalFamily;
}

/**
 * The complete, self-consistent set of dimension elements a repository uses, loaded from a config in
 * daf_butler's dimension schema. Elements are kept in topological order (dependencies first, ties
 * broken by name, level by level), which is the order every group, table and data ID follows.
 */
export class DimensionUniverse {
  readonly version: number;
  readonly namespace: string;
  /** All elements in topological order: dimensions, skypix levels and join elements. */
  readonly elements: readonly DimensionElement[];
  /** The elements that can appear in a data ID, in topological order. */
  readonly dimensions: readonly DimensionElement[];
  readonly governors: readonly DimensionElement[];
  readonly skypixDimensions: readonly DimensionElement[];
  readonly skypixSystems: readonly SkyPixSystem[];
  /** The skypix dimension through which spatial elements are related (htm7 by default). */
  readonly commonSkyPix: DimensionElement;
  /** Spatial families: the configured ones, then one per skypix system. */
  readonly spatialFamilies: readonly TopologicalFamily[];
  readonly temporalFamilies: readonly TopologicalFamily[];
  /** The `packers` section, as configured. */
  readonly packers: Readonly<Record<string, unknown>>;
  /** The config this universe was loaded from, as plain data (for storing in a repository). */
  readonly config: unknown;
  /** The group with no dimensions. */
  readonly empty: DimensionGroup;
  private readonly byName = new Map<string, DimensionElement>();
  private readonly groups = new Map<string, DimensionGroup>();

  /** Builds a universe from the plain object a universe YAML file parses to. */
  static fromConfig(config: unknown): DimensionUniverse {
    return new DimensionUniverse(parseUniverseConfig(config), config);
  }

  static fromYaml(text: string): DimensionUniverse {
    let config: unknown;
    try {
      config = parseYaml(text);
    } catch (err) {
      throw new DimensionConfigError(`dimension config is not valid YAML: ${(err as Error).message}`);
    }
    return DimensionUniverse.fromConfig(config);
  }

  static fromFile(path: string): DimensionUniverse {
    let text: string;
    try {
      text = readFileSync(path, "utf8");
    } catch (err) {
      throw new DimensionConfigError(`cannot read dimension config ${path}: ${(err as Error).message}`);
    }
    return DimensionUniverse.fromYaml(text);
  }

  private constructor(definition: UniverseDefinition, config: unknown) {
    this.version = definition.version;
    this.namespace = definition.namespace;
    this.config = config;
    this.packers = Object.freeze({ ...definition.packers });
    const families = buildFamilies(definition);
    const elements = buildElements(this, definition, families);
    for (const element of elements) this.byName.set(element.name, element);
    this.elements = Object.freeze(elements);
    this.dimensions = Object.freeze(elements.filter((e) => e.isDimension));
    this.governors = Object.freeze(elements.filter((e) => e.isGovernor));
    this.skypixDimensions = Object.freeze(elements.filter((e) => e.kind === "skypix"));
    this.skypixSystems = Object.freeze(
      definition.skypix.map((s) => Object.freeze({ ...s, family: families.get(`spatial:${s.name}`)! })),
    );
    this.spatialFamilies = Object.freeze([...families.values()].filter((f) => f.space === "spatial"));
    this.temporalFamilies = Object.freeze([...families.values()].filter((f) => f.space === "temporal"));
    checkCrossReferences(this, definition);
    const common = this.byName.get(definition.commonSkyPix);
    if (common?.kind !== "skypix") {
      throw new DimensionConfigError(
        `skypix 'common' is ${JSON.stringify(definition.commonSkyPix)}, which is not a skypix dimension; ` +
          `accepted: ${describeSkyPix(this.skypixSystems)}`,
      );
    }
    this.commonSkyPix = common;
    this.empty = this.conform([]);
  }

  /** Whether an element (dimension, skypix level or join element) of that name exists. */
  hasElement(name: string): boolean {
    return this.byName.has(name);
  }

  hasDimension(name: string): boolean {
    return this.byName.get(name)?.isDimension ?? false;
  }

  /** The named element, or a DimensionNameError listing the accepted names. */
  getElement(name: string): DimensionElement {
    const element = this.byName.get(name);
    if (element === undefined) {
      throw new DimensionNameError(
        name,
        `unknown dimension element '${name}'; accepted: ${this.describeElements()}`,
      );
    }
    return element;
  }

  /** The named dimension; join elements and unknown names are DimensionNameErrors. */
  getDimension(name: string): DimensionElement {
    const element = this.byName.get(name);
    if (element?.isDimension !== true) {
      const what = element === undefined ? "unknown dimension" : "join element, not a dimension:";
      throw new DimensionNameError(name, `${what} '${name}'; accepted: ${this.describeDimensions()}`);
    }
    return element;
  }

  /**
   * The group of the given dimensions plus everything they require or imply, recursively.
   * Groups are cached, so equal groups from one universe are the same object.
   */
  conform(names: Iterable<string> | DimensionGroup): DimensionGroup {
    if (names instanceof DimensionGroup) {
      if (names.universe === this) return names;
      names = names.names;
    }
    const found = new Set<string>();
    const pending = [...names];
    while (pending.length > 0) {
      const name = pending.pop()!;
      if (found.has(name)) continue;
      const dimension = this.getDimension(name);
      found.add(name);
      pending.push(...dimension.required, ...dimension.implied);
    }
    const sorted = this.sorted(found);
    const key = sorted.join(",");
    let group = this.groups.get(key);
    if (group === undefined) {
      group = new DimensionGroup(this, sorted);
      this.groups.set(key, group);
    }
    return group;
  }

  /** The names in topological order; unknown names are DimensionNameErrors. */
  sorted(names: Iterable<string>): string[] {
    return [...names]
      .map((name) => this.getElement(name))
      .sort((a, b) => a.index - b.index)
      .map((e) => e.name);
  }

  /** Join elements whose records are exported and imported along with the given dimension's. */
  elementsPopulatedBy(dimension: string): DimensionElement[] {
    return this.elements.filter((e) => e.populatedBy === dimension);
  }

  /**
   * Whether data described by another universe (an export's `universe_version` and
   * `universe_namespace`) can be used with this one: namespaces must match; versions may differ.
   */
  isCompatibleWith(other: { readonly version: number; readonly namespace: string }): boolean {
    return other.namespace === this.namespace;
  }

  /** Dimension names for messages, with skypix levels summarized as ranges. */
  describeDimensions(): string {
    const plain = this.dimensions.filter((d) => d.kind !== "skypix").map((d) => d.name);
    return [...plain, describeSkyPix(this.skypixSystems)].filter((s) => s !== "").join(", ");
  }

  /** Element names for messages, with skypix levels summarized as ranges. */
  describeElements(): string {
    const plain = this.elements.filter((d) => d.kind !== "skypix").map((d) => d.name);
    return [...plain, describeSkyPix(this.skypixSystems)].filter((s) => s !== "").join(", ");
  }

  toString(): string {
    return `DimensionUniverse(${this.namespace}, version ${this.version})`;
  }
}

function describeSkyPix(systems: readonly { name: string; minLevel: number; maxLevel: number }[]): string {
  return systems.map((s) => `${s.name}${s.minLevel}–${s.name}${s.maxLevel}`).join(", ");
}

/** The rule that needs finished elements: an implied union's target must imply it. */
function checkCrossReferences(universe: DimensionUniverse, definition: UniverseDefinition): void {
  for (const element of definition.elements) {
    const target = element.impliedUnionTarget;
    if (
      target !== null &&
      !(universe.hasDimension(target) && universe.getElement(target).implied.includes(element.name))
    ) {
      throw new DimensionConfigError(
        `element '${element.name}': implied-union target '${target}' must be a dimension that implies it`,
      );
    }
  }
}
