/**
 * The storage classes of a repository: the built-in ones, plus any its config defines (a standalone
 * repository carries its whole set), and the components hook the registry's dataset-type queries use.
 */
import { readFileSync } from "node:fs";
import { parse } from "yaml";
import { DEFAULT_STORAGE_CLASSES_PATH, defaultStorageClasses, StorageClassFactory } from "../core/index.ts";
import type { ComponentsHook } from "../registry/index.ts";

export function repoStorageClasses(extra: Record<string, unknown> | undefined): StorageClassFactory {
  if (extra === undefined || Object.keys(extra).length === 0) return defaultStorageClasses();
  // A fresh factory: the shared default one must not change under other butlers.
  const factory = StorageClassFactory.fromFile(DEFAULT_STORAGE_CLASSES_PATH);
  factory.addConfig(extra);
  return factory;
}

/** The built-in storage class definitions as a mapping, written into a standalone config. */
export function builtinStorageClassConfig(): Record<string, unknown> {
  const parsed = parse(readFileSync(DEFAULT_STORAGE_CLASSES_PATH, "utf8")) as {
    storageClasses?: Record<string, unknown>;
  };
  return parsed.storageClasses ?? (parsed as Record<string, unknown>);
}

/** Component name → storage class name, stored and derived, for `queryDatasetTypes(…, {components})`. */
export function componentsHook(factory: StorageClassFactory): ComponentsHook {
  return (name) => {
    if (!factory.has(name)) return [];
    const sc = factory.get(name);
    return Object.fromEntries([...sc.components, ...sc.derivedComponents]);
  };
}
