/**
 * Dataset type names with a component (`calexp.wcs`): the registry stores only parent datasets, so a
 * component name is searched as its parent and the refs found are turned into component refs. Which
 * components a storage class has comes from the caller's `componentsOf` hook (the registry knows no
 * storage classes itself).
 */
import type { DatasetRef } from "../core/index.ts";
import { DatasetTypeError } from "../errors/index.ts";
import type { ComponentsHook } from "./managers/dataset-type-manager.ts";
import type { QueryDataIdsOptions } from "./queries/query-options.ts";

/**
 * `parent.component` names: the parent and the component when the parent is registered-looking and
 * components are known (through `componentsOf`); else undefined.
 */
export function splitComponentName(
  name: string,
  componentsOf: ComponentsHook | undefined,
): { parent: string; component: string } | undefined {
  const dot = name.indexOf(".");
  if (dot <= 0 || componentsOf === undefined) return undefined;
  return { parent: name.slice(0, dot), component: name.slice(dot + 1) };
}

/** The component ref of a parent ref, with the component's storage class from `componentsOf`. */
export function componentRefOf(
  parent: DatasetRef,
  component: string,
  componentsOf: ComponentsHook | undefined,
): DatasetRef {
  const components = componentsOf?.(parent.datasetType.storageClass) ?? [];
  const storageClass = Array.isArray(components)
    ? undefined
    : (components as Readonly<Record<string, string>>)[component];
  const known = Array.isArray(components) ? components.includes(component) : storageClass !== undefined;
  if (!known) {
    const names = Array.isArray(components) ? components : Object.keys(components);
    throw new DatasetTypeError(
      `${parent.datasetType.name} (storage class ${parent.datasetType.storageClass}) has no component ` +
        `'${component}'; its components: ${names.join(", ") || "none"}`,
    );
  }
  return parent.makeComponentRef(component, storageClass ?? parent.datasetType.storageClass);
}

/** A query's `datasets` with component names replaced by their parents' (a component exists with it). */
export function parentDatasets(
  options: QueryDataIdsOptions,
  componentsOf: ComponentsHook | undefined,
): Pick<QueryDataIdsOptions, "datasets"> {
  if (options.datasets === undefined) return {};
  const items = Array.isArray(options.datasets) ? options.datasets : [options.datasets];
  return {
    datasets: items.map((item) =>
      typeof item === "string" ? (splitComponentName(item, componentsOf)?.parent ?? item) : item,
    ) as QueryDataIdsOptions["datasets"],
  };
}
