/**
 * daf_butler's lookup rules for datastore configs (templates, formatters): a config maps keys to
 * values, and a dataset finds its value by trying keys in priority order:
 *
 * 1. an `instrument<NAME>` section, when the data ID's instrument is NAME (the same order inside it);
 * 2. the dataset type name (`calexp.wcs`), then the parent name for a component (`calexp`);
 * 3. the dimensions, written `a+b+c` (compared after the universe adds required and implied ones;
 *    a single dimension needs a trailing `+`);
 * 4. the storage class name, then the classes it inherits from (`ExposureF` → `Exposure`);
 * 5. the parent's storage class, for a component;
 * 6. `default`.
 */
import type { DatasetType, DimensionGroup, StorageClass } from "../core/index.ts";
import { DatastoreConfigError } from "../errors/index.ts";

/** What a lookup needs to know about a dataset. */
export interface LookupSubject {
  /** Dataset type name, with the component if any (`calexp.wcs`). */
  datasetType: string;
  storageClass: string;
  /** Storage classes the storage class inherits from, nearest first. */
  storageClassAncestors?: readonly string[];
  /** For a component: the parent's storage class. */
  parentStorageClass?: string;
  dimensions?: DimensionGroup;
  instrument?: string;
}

/** The subject of a dataset type (and the instrument of a data ID). */
export function lookupSubject(
  datasetType: DatasetType,
  storageClass?: StorageClass,
  instrument?: unknown,
): LookupSubject {
  const subject: LookupSubject = {
    datasetType: datasetType.name,
    storageClass: datasetType.storageClass,
    dimensions: datasetType.dimensions,
  };
  if (storageClass !== undefined) subject.storageClassAncestors = storageClass.ancestors;
  if (datasetType.parentStorageClass !== null) subject.parentStorageClass = datasetType.parentStorageClass;
  if (typeof instrument === "string") subject.instrument = instrument;
  return subject;
}

const INSTRUMENT_SECTION = /^instrument<([^<>]+)>$/;

export interface LookupMatch<T> {
  /** The key that matched (`instrument<HSC>/calexp` for a key inside an instrument section). */
  key: string;
  value: T;
}

export class LookupTable<T> {
  readonly #entries = new Map<string, T>();
  readonly #sections = new Map<string, LookupTable<T>>();
  readonly #dimensionKeys: string[] = [];
  readonly #what: string;

  /**
   * `isValue` tells entries from `instrument<NAME>` sections (which are plain mappings of entries);
   * `what` names the config in errors ("templates", "formatters").
   */
  constructor(
    config: Readonly<Record<string, unknown>>,
    isValue: (value: unknown) => value is T,
    what: string,
  ) {
    this.#what = what;
    for (const [rawKey, value] of Object.entries(config)) {
      const key = rawKey.trim();
      const section = INSTRUMENT_SECTION.exec(key);
      if (section !== null) {
        if (value === null || typeof value !== "object" || Array.isArray(value)) {
          throw new DatastoreConfigError(`${what}: '${key}' must be a mapping of lookup keys`);
        }
        this.#sections.set(section[1]!, new LookupTable(value as Record<string, unknown>, isValue, what));
        continue;
      }
      if (!isValue(value)) {
        throw new DatastoreConfigError(
          `${what}: the value of '${key}' is not valid (${JSON.stringify(value)})`,
        );
      }
      this.#entries.set(key, value);
      if (key.includes("+")) this.#dimensionKeys.push(key);
    }
  }

  /** Keys in this table (sections as `instrument<NAME>`). */
  keys(): string[] {
    return [...this.#entries.keys(), ...[...this.#sections.keys()].map((n) => `instrument<${n}>`)];
  }

  /** The value for `subject` by daf_butler's priority, or undefined when no key (not even `default`) matches. */
  lookup(subject: LookupSubject): LookupMatch<T> | undefined {
    if (subject.instrument !== undefined) {
      const section = this.#sections.get(subject.instrument);
      const found = section === undefined ? undefined : section.#lookupHere(subject);
      if (found !== undefined)
        return { key: `instrument<${subject.instrument}>/${found.key}`, value: found.value };
    }
    return this.#lookupHere(subject);
  }

  #lookupHere(subject: LookupSubject): LookupMatch<T> | undefined {
    for (const key of this.#candidates(subject)) {
      const value = this.#entries.get(key);
      if (value !== undefined) return { key, value };
    }
    return undefined;
  }

  *#candidates(subject: LookupSubject): Generator<string> {
    yield subject.datasetType;
    const dot = subject.datasetType.indexOf(".");
    if (dot >= 0) yield subject.datasetType.slice(0, dot);
    if (subject.dimensions !== undefined) {
      const key = this.#dimensionKeyFor(subject.dimensions);
      if (key !== undefined) yield key;
    }
    yield subject.storageClass;
    yield* subject.storageClassAncestors ?? [];
    if (subject.parentStorageClass !== undefined) yield subject.parentStorageClass;
    yield "default";
  }

  #dimensionKeyFor(dimensions: DimensionGroup): string | undefined {
    for (const key of this.#dimensionKeys) {
      const names = key
        .split("+")
        .map((n) => n.trim())
        .filter((n) => n !== "");
      let group: DimensionGroup;
      try {
        group = dimensions.universe.conform(names);
      } catch {
        // A key naming dimensions of another universe cannot match this dataset.
        continue;
      }
      if (group.equals(dimensions)) return key;
    }
    return undefined;
  }

  toString(): string {
    return `${this.#what}(${this.keys().join(", ")})`;
  }
}
