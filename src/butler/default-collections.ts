/**
 * The registry as a butler hands it out (`butler.registry`): searches given no collections use the
 * butler's default collections, as daf_butler's `butler.registry` does. Everything else is the
 * registry itself.
 */
import type { Registry } from "../registry/index.ts";

type WithCollections = { readonly collections?: unknown; readonly datasets?: unknown };

export function registryWithDefaultCollections(registry: Registry, defaults: readonly string[]): Registry {
  if (defaults.length === 0) return registry;
  const fill = <O extends WithCollections>(options: O | undefined): O =>
    ({ ...options, collections: options?.collections ?? defaults }) as O;
  // Data ID and record queries search collections only for their `datasets` constraint.
  const fillForDatasets = <O extends WithCollections>(options: O | undefined): O | undefined =>
    options?.datasets === undefined ? options : fill(options);
  const overrides: Partial<Record<keyof Registry, unknown>> = {
    queryDatasets: ((type, options) =>
      registry.queryDatasets(type, fill(options))) satisfies Registry["queryDatasets"],
    findDataset: ((type, dataId, options) =>
      registry.findDataset(type, dataId, fill(options))) satisfies Registry["findDataset"],
    queryDataIds: ((dimensions, options) =>
      registry.queryDataIds(dimensions, fillForDatasets(options))) satisfies Registry["queryDataIds"],
    queryDimensionRecords: ((element, options) =>
      registry.queryDimensionRecords(
        element,
        fillForDatasets(options),
      )) satisfies Registry["queryDimensionRecords"],
  };
  return new Proxy(registry, {
    get(target, property) {
      if (Object.hasOwn(overrides, property)) return overrides[property as keyof Registry];
      // The registry's methods use private fields: they run with the registry itself as `this`.
      const value = Reflect.get(target, property, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}
