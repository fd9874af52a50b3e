/**
 * Storage classes from YAML in daf_butler's schema (`storageClasses:` mapping name → {pytype,
 * inheritsFrom, components, derivedComponents, parameters, delegate, converters}). Inheritance copies
 * the parent's fields, then the child overrides or extends them, as daf_butler does.
 *
 * Our own file adds documentation keys that daf_butler's loader ignores: `pythonType` (daf_butler's
 * pytype for the same name), `doc`, `componentDocs` and `parameterDocs`. Component and parameter docs
 * are inherited, and a doc for a component or parameter the class does not have is a config error, so
 * the generated reference (docs/storage-classes.md) cannot describe something that is not there.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parse } from "yaml";
import { MissingStorageClassError, StorageClassConfigError } from "../../errors/index.ts";
import { readShippedConfig } from "../config/shipped-config.ts";
import { StorageClass } from "./storage-class.ts";

export const DEFAULT_STORAGE_CLASSES_PATH = fileURLToPath(
  new URL("../config/storageClasses.yaml", import.meta.url),
);

interface RawEntry {
  pytype?: string;
  inheritsFrom?: string;
  components?: Record<string, string> | null;
  derivedComponents?: Record<string, string> | null;
  parameters?: string[] | null;
  delegate?: string;
  pythonType?: string;
  doc?: string;
  componentDocs?: Record<string, string> | null;
  parameterDocs?: Record<string, string> | null;
}

function checkDocs(
  name: string,
  what: "component" | "parameter",
  docs: ReadonlyMap<string, string>,
  has: (key: string) => boolean,
): void {
  for (const [key, text] of docs) {
    if (typeof text !== "string") {
      throw new StorageClassConfigError(`storage class '${name}': the doc of ${what} '${key}' must be text`);
    }
    if (!has(key)) {
      throw new StorageClassConfigError(
        `storage class '${name}' documents ${what} '${key}', which it does not have`,
      );
    }
  }
}

export class StorageClassFactory {
  readonly #classes = new Map<string, StorageClass>();

  /** Builds the factory from a parsed config (`{ storageClasses: {...} }` or the mapping itself). */
  static fromConfig(config: unknown): StorageClassFactory {
    const factory = new StorageClassFactory();
    factory.addConfig(config);
    return factory;
  }

  static fromYaml(text: string): StorageClassFactory {
    return StorageClassFactory.fromConfig(parse(text));
  }

  static fromFile(path: string): StorageClassFactory {
    return StorageClassFactory.fromYaml(readFileSync(path, "utf8"));
  }

  /** Adds (or overrides) classes from another config, e.g. a repository's own definitions. */
  addConfig(config: unknown): void {
    const root = (config as { storageClasses?: unknown } | null)?.storageClasses ?? config;
    if (root === null || typeof root !== "object" || Array.isArray(root)) {
      throw new StorageClassConfigError("a storage class config is a mapping of names to definitions");
    }
    const raw = root as Record<string, RawEntry | null>;
    const resolving = new Set<string>();
    const resolved = new Map<string, StorageClass>();
    const resolve = (name: string): StorageClass => {
      const done = resolved.get(name);
      if (done !== undefined) return done;
      if (resolving.has(name))
        throw new StorageClassConfigError(`storage class '${name}' inherits from itself`);
      const entry = raw[name] ?? {};
      if (typeof entry !== "object")
        throw new StorageClassConfigError(`storage class '${name}' must be a mapping`);
      resolving.add(name);
      let parent: StorageClass | undefined;
      if (entry.inheritsFrom !== undefined) {
        if (!(entry.inheritsFrom in raw) && !this.#classes.has(entry.inheritsFrom)) {
          throw new StorageClassConfigError(
            `storage class '${name}' inherits from undefined '${entry.inheritsFrom}'`,
          );
        }
        parent =
          entry.inheritsFrom in raw ? resolve(entry.inheritsFrom) : this.#classes.get(entry.inheritsFrom);
      }
      resolving.delete(name);
      const components = new Map([...(parent?.components ?? []), ...Object.entries(entry.components ?? {})]);
      if (components.size === 1) {
        throw new StorageClassConfigError(
          `storage class '${name}' has a single component '${[...components.keys()][0]}'; did you mean it to be a derived component?`,
        );
      }
      const spec = {
        name,
        pytype: entry.pytype ?? parent?.pytype,
        ancestors: parent ? [parent.name, ...parent.ancestors] : [],
        components,
        derivedComponents: new Map([
          ...(parent?.derivedComponents ?? []),
          ...Object.entries(entry.derivedComponents ?? {}),
        ]),
        parameters: new Set([...(parent?.parameters ?? []), ...(entry.parameters ?? [])]),
        delegate: entry.delegate ?? parent?.delegate,
        pythonType: entry.pythonType,
        doc: entry.doc,
        componentDocs: new Map([
          ...(parent?.componentDocs ?? []),
          ...Object.entries(entry.componentDocs ?? {}),
        ]),
        parameterDocs: new Map([
          ...(parent?.parameterDocs ?? []),
          ...Object.entries(entry.parameterDocs ?? {}),
        ]),
      };
      checkDocs(
        name,
        "component",
        spec.componentDocs,
        (c) => components.has(c) || spec.derivedComponents.has(c),
      );
      checkDocs(name, "parameter", spec.parameterDocs, (p) => spec.parameters.has(p));
      const made = new StorageClass(spec);
      resolved.set(name, made);
      this.#classes.set(name, made);
      return made;
    };
    for (const name of Object.keys(raw)) resolve(name);
  }

  get(name: string): StorageClass {
    const found = this.#classes.get(name);
    if (found === undefined) throw new MissingStorageClassError(name, this.names());
    return found;
  }

  has(name: string): boolean {
    return this.#classes.has(name);
  }

  names(): string[] {
    return [...this.#classes.keys()].sort();
  }

  /** All component names (stored and derived) of a storage class; none for an unknown class. */
  componentsOf(name: string): string[] {
    return this.#classes.get(name)?.allComponents() ?? [];
  }

  /** The class's own parameters and those of its stored components (daf_butler's `knownParameters`). */
  knownParameters(name: string): Set<string> {
    const storageClass = this.get(name);
    const known = new Set(storageClass.parameters);
    for (const component of storageClass.components.values()) {
      for (const p of this.#classes.get(component)?.parameters ?? []) known.add(p);
    }
    return known;
  }
}

let defaultFactory: StorageClassFactory | undefined;

/** Our shipped storage classes (`src/core/config/storageClasses.yaml`), loaded once. */
export function defaultStorageClasses(): StorageClassFactory {
  defaultFactory ??= StorageClassFactory.fromConfig(readShippedConfig(DEFAULT_STORAGE_CLASSES_PATH));
  return defaultFactory;
}
