import { DimensionConfigError } from "../../errors/index.ts";
import type { ColumnSpec } from "./column-spec.ts";
import { DimensionElement } from "./dimension-element.ts";
import type { DimensionUniverse } from "./dimension-universe.ts";
import { TopologicalFamily, type TopologicalSpace } from "./topological-family.ts";
import type { ElementDefinition, SkyPixSystemDefinition, UniverseDefinition } from "./universe-config.ts";

/*
 * Turns a checked universe definition into families and elements, for DimensionUniverse's constructor:
 * the topological order, the expansion of required dependencies, governors and family membership.
 */

const SKYPIX_KEY: ColumnSpec = Object.freeze({ name: "id", type: "int", nullable: false, doc: "" });

/** Families keyed `space:name`; skypix systems are spatial families ordered finest level first. */
export function buildFamilies(definition: UniverseDefinition): Map<string, TopologicalFamily> {
  const families = new Map<string, TopologicalFamily>();
  const add = (space: TopologicalSpace, name: string, members: readonly string[], system: string | null) => {
    if (families.has(`${space}:${name}`)) {
      throw new DimensionConfigError(
        `${space} family '${name}' is defined twice (a skypix system has that name)`,
      );
    }
    families.set(`${space}:${name}`, new TopologicalFamily(name, space, members, system));
  };
  for (const [name, members] of definition.spatial) add("spatial", name, members, null);
  for (const [name, members] of definition.temporal) add("temporal", name, members, null);
  for (const system of definition.skypix) {
    const levels: string[] = [];
    for (let level = system.maxLevel; level >= system.minLevel; level--)
      levels.push(`${system.name}${level}`);
    add("spatial", system.name, levels, system.name);
  }
  return families;
}

/**
 * Creates the elements level by level: each round takes every entry whose dependencies are all
 * built, in name order, so the result does not depend on the order of the config file.
 */
export function buildElements(
  universe: DimensionUniverse,
  definition: UniverseDefinition,
  families: Map<string, TopologicalFamily>,
): DimensionElement[] {
  const systemOfLevel = new Map<string, SkyPixSystemDefinition>();
  for (const system of definition.skypix) {
    for (let level = system.minLevel; level <= system.maxLevel; level++)
      systemOfLevel.set(`${system.name}${level}`, system);
  }
  const definitions = new Map<string, ElementDefinition>();
  for (const element of definition.elements) {
    if (systemOfLevel.has(element.name) || definition.skypix.some((s) => s.name === element.name)) {
      throw new DimensionConfigError(
        `element '${element.name}' has the name of a skypix system or dimension`,
      );
    }
    definitions.set(element.name, element);
  }
  const familyOf = membership(families, definitions, systemOfLevel);
  // What each pending entry waits for: skypix dependencies wait for their whole system.
  const todo = new Map<string, string[]>();
  for (const system of definition.skypix) todo.set(system.name, []);
  for (const element of definition.elements) {
    const deps = [...element.requires, ...element.implies].map((dep) => {
      const system = systemOfLevel.get(dep);
      if (system !== undefined) return system.name;
      const target = definitions.get(dep);
      if (target === undefined || target.keys.length === 0) {
        throw new DimensionConfigError(
          `element '${element.name}' depends on '${dep}', which is not a dimension; requires and implies ` +
            `accept: ${[...definitions.values()]
              .filter((d) => d.keys.length > 0)
              .map((d) => d.name)
              .join(", ")}` +
            " and skypix levels",
        );
      }
      return dep;
    });
    todo.set(element.name, deps);
  }
  const elements: DimensionElement[] = [];
  const built = new Map<string, DimensionElement>();
  while (todo.size > 0) {
    const ready = [...todo.keys()].filter((name) => todo.get(name)!.every((dep) => !todo.has(dep))).sort();
    if (ready.length === 0) {
      throw new DimensionConfigError(`dependency cycle among elements: ${[...todo.keys()].join(", ")}`);
    }
    for (const name of ready) {
      todo.delete(name);
      const system = definition.skypix.find((s) => s.name === name);
      const created =
        system !== undefined
          ? makeSkyPixElements(universe, system, elements.length, families)
          : [makeElement(universe, definitions.get(name)!, elements.length, built, familyOf)];
      for (const element of created) {
        elements.push(element);
        built.set(element.name, element);
      }
    }
  }
  return elements;
}

function makeSkyPixElements(
  universe: DimensionUniverse,
  system: SkyPixSystemDefinition,
  firstIndex: number,
  families: Map<string, TopologicalFamily>,
): DimensionElement[] {
  const family = families.get(`spatial:${system.name}`)!;
  const elements: DimensionElement[] = [];
  for (let level = system.minLevel; level <= system.maxLevel; level++) {
    const name = `${system.name}${level}`;
    elements.push(
      new DimensionElement({
        universe,
        name,
        doc: `Level ${level} of the ${system.name} sky pixelization.`,
        kind: "skypix",
        index: firstIndex + elements.length,
        isGovernor: false,
        keys: [SKYPIX_KEY],
        metadata: [],
        directRequires: [],
        required: [name],
        implied: [],
        governor: null,
        spatial: family,
        temporal: null,
        isCached: false,
        impliedUnionTarget: null,
        alwaysJoin: false,
        populatedBy: null,
        skypixSystem: system.name,
        skypixLevel: level,
      }),
    );
  }
  return elements;
}

function makeElement(
  universe: DimensionUniverse,
  definition: ElementDefinition,
  index: number,
  built: Map<string, DimensionElement>,
  familyOf: Map<string, TopologicalFamily>,
): DimensionElement {
  const isDimension = definition.keys.length > 0;
  const required = new Set<string>();
  for (const dep of definition.requires) for (const name of built.get(dep)!.required) required.add(name);
  const requiredElements = [...required].map((name) => built.get(name)!).sort((a, b) => a.index - b.index);
  const governors = requiredElements.filter((e) => e.isGovernor).map((e) => e.name);
  const implied = definition.implies.map((name) => built.get(name)!).sort((a, b) => a.index - b.index);
  return new DimensionElement({
    universe,
    name: definition.name,
    doc: definition.doc,
    kind: isDimension ? "dimension" : "join",
    index,
    isGovernor: definition.governor,
    keys: definition.keys,
    metadata: definition.metadata,
    directRequires: definition.requires,
    required: [...requiredElements.map((e) => e.name), ...(isDimension ? [definition.name] : [])],
    implied: implied.map((e) => e.name),
    // With no governor, or an ambiguous choice of several, there is no single governor.
    governor: definition.governor ? definition.name : governors.length === 1 ? governors[0]! : null,
    spatial: familyOf.get(`spatial:${definition.name}`) ?? null,
    temporal: familyOf.get(`temporal:${definition.name}`) ?? null,
    isCached: definition.isCached,
    impliedUnionTarget: definition.impliedUnionTarget,
    alwaysJoin: definition.alwaysJoin,
    populatedBy: definition.populatedBy,
    skypixSystem: null,
    skypixLevel: null,
  });
}

/** `space:element` → the configured family it belongs to; an element may be in one family per space. */
function membership(
  families: Map<string, TopologicalFamily>,
  definitions: Map<string, ElementDefinition>,
  systemOfLevel: Map<string, SkyPixSystemDefinition>,
): Map<string, TopologicalFamily> {
  const familyOf = new Map<string, TopologicalFamily>();
  for (const family of families.values()) {
    if (family.skypixSystem !== null) continue;
    for (const member of family.members) {
      if (!definitions.has(member)) {
        const why = systemOfLevel.has(member)
          ? "is a skypix level, already in its system's family"
          : "is unknown";
        throw new DimensionConfigError(`${family.space} family '${family.name}' member '${member}' ${why}`);
      }
      const key = `${family.space}:${member}`;
      const other = familyOf.get(key);
      if (other !== undefined) {
        throw new DimensionConfigError(
          `element '${member}' is in two ${family.space} families: '${other.name}' and '${family.name}'`,
        );
      }
      familyOf.set(key, family);
    }
  }
  return familyOf;
}
