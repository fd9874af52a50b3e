/**
 * Formatters by name, each behind a lazy loader (`() => import(...)`) so that a butler that never reads
 * Parquet never loads (or needs) a Parquet library; and the lookup config that says which formatter,
 * with which write recipe, stores each dataset (daf_butler's priority, see `lookup.ts`).
 */
import { DatastoreConfigError, FormatterLookupError, UnknownFormatterError } from "../../errors/index.ts";
import { type LookupSubject, LookupTable } from "../lookup.ts";
import type { Formatter, FormatterFactory } from "./formatter.ts";

/** Resolves to the factory of one formatter; called at most once per registry. */
export type FormatterLoader = () => Promise<FormatterFactory>;

/** A lookup entry: the formatter's name and, optionally, its write recipe. */
export interface FormatterLookupEntry {
  formatter: string;
  recipe?: string;
}

/**
 * Lookup key (dataset type, `a+b+c` dimensions, storage class, `default`, or an `instrument<NAME>`
 * section of such keys) → a formatter name or `{ formatter, recipe }`.
 */
export type FormatterLookupConfig = Readonly<
  Record<string, string | FormatterLookupEntry | Readonly<Record<string, string | FormatterLookupEntry>>>
>;

/** What a lookup found. */
export interface FormatterChoice {
  formatter: string;
  recipe?: string;
  /** The config key that matched. */
  key: string;
}

/** The formatters butler-ts ships, by name. */
export const BUILTIN_FORMATTERS: Readonly<Record<string, FormatterLoader>> = {
  FitsExposureFormatter: async () => (await import("./fits-exposure.ts")).createFitsExposureFormatter,
  JsonFormatter: async () => (await import("./json.ts")).createJsonFormatter,
  YamlFormatter: async () => (await import("./yaml.ts")).createYamlFormatter,
  ParquetFormatter: async () => (await import("./parquet.ts")).createParquetFormatter,
};

/** daf_butler's class names for the same formatters, so records imported from a daf_butler repo resolve. */
export const FORMATTER_ALIASES: Readonly<Record<string, string>> = {
  "lsst.obs.base.formatters.fitsExposure.FitsExposureFormatter": "FitsExposureFormatter",
  "lsst.obs.base.formatters.fitsExposure.FitsImageFormatter": "FitsExposureFormatter",
  "lsst.obs.base.formatters.fitsExposure.FitsMaskFormatter": "FitsExposureFormatter",
  "lsst.obs.base.formatters.fitsExposure.FitsMaskedImageFormatter": "FitsExposureFormatter",
  "lsst.daf.butler.formatters.json.JsonFormatter": "JsonFormatter",
  "lsst.daf.butler.formatters.yaml.YamlFormatter": "YamlFormatter",
  "lsst.daf.butler.formatters.parquet.ParquetFormatter": "ParquetFormatter",
};

/** Which formatter stores what by default (user lookups are merged over these). */
export const DEFAULT_FORMATTER_LOOKUPS: FormatterLookupConfig = {
  Exposure: { formatter: "FitsExposureFormatter", recipe: "lossless" },
  MaskedImage: { formatter: "FitsExposureFormatter", recipe: "lossless" },
  Image: { formatter: "FitsExposureFormatter", recipe: "lossless" },
  Mask: { formatter: "FitsExposureFormatter", recipe: "lossless" },
  StructuredDataDict: "YamlFormatter",
  StructuredDataList: "YamlFormatter",
  PropertyList: "YamlFormatter",
  Config: "YamlFormatter",
  Packages: "YamlFormatter",
  int: "JsonFormatter",
  Timespan: "JsonFormatter",
  ArrowTable: "ParquetFormatter",
  DataFrame: "ParquetFormatter",
};

export interface FormatterRegistryOptions {
  /** Lookup entries, merged over `DEFAULT_FORMATTER_LOOKUPS` (unless `defaults` is false). */
  lookups?: FormatterLookupConfig;
  /** Write recipes by formatter name: recipe name → settings (merged over the formatter's own). */
  recipes?: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
  /** Start from the built-in formatters and default lookups (default true). */
  defaults?: boolean;
}

function isEntry(value: unknown): value is string | FormatterLookupEntry {
  if (typeof value === "string") return value !== "";
  if (value === null || typeof value !== "object" || Array.isArray(value)) return false;
  const entry = value as Record<string, unknown>;
  return (
    typeof entry.formatter === "string" &&
    (entry.recipe === undefined || typeof entry.recipe === "string") &&
    Object.keys(entry).every((k) => k === "formatter" || k === "recipe")
  );
}

export class FormatterRegistry {
  readonly #loaders = new Map<string, FormatterLoader>();
  readonly #aliases = new Map<string, string>();
  readonly #instances = new Map<string, Promise<Formatter>>();
  readonly #recipes: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
  readonly #lookups: LookupTable<string | FormatterLookupEntry>;

  constructor(options: FormatterRegistryOptions = {}) {
    const defaults = options.defaults ?? true;
    if (defaults) {
      for (const [name, loader] of Object.entries(BUILTIN_FORMATTERS)) this.#loaders.set(name, loader);
      for (const [alias, name] of Object.entries(FORMATTER_ALIASES)) this.#aliases.set(alias, name);
    }
    this.#recipes = options.recipes ?? {};
    const config = { ...(defaults ? DEFAULT_FORMATTER_LOOKUPS : {}), ...(options.lookups ?? {}) };
    this.#lookups = new LookupTable(config, isEntry, "formatters");
  }

  /** Registers (or, with `replace`, replaces) a formatter under `name`, plus optional alias names. */
  register(
    name: string,
    loader: FormatterLoader,
    options: { aliases?: readonly string[]; replace?: boolean } = {},
  ): void {
    if (this.#loaders.has(name) && !options.replace) {
      throw new DatastoreConfigError(`a formatter is already registered as '${name}'`);
    }
    this.#loaders.set(name, loader);
    this.#instances.delete(name);
    for (const alias of options.aliases ?? []) this.#aliases.set(alias, name);
  }

  /** Registered formatter names, sorted (aliases not included). */
  names(): string[] {
    return [...this.#loaders.keys()].sort();
  }

  has(name: string): boolean {
    return this.#loaders.has(this.canonicalName(name));
  }

  /** The registered name for `name` (itself, or what an alias points at). */
  canonicalName(name: string): string {
    return this.#aliases.get(name) ?? name;
  }

  /**
   * The formatter registered as `name` (or an alias of it), loaded on first use. An unknown name is an
   * UnknownFormatterError listing the registered ones; a loader's own failure (a missing package) is
   * passed on, and tried again on the next call.
   */
  get(name: string): Promise<Formatter> {
    const canonical = this.canonicalName(name);
    const cached = this.#instances.get(canonical);
    if (cached !== undefined) return cached;
    const loader = this.#loaders.get(canonical);
    if (loader === undefined) return Promise.reject(new UnknownFormatterError(name, this.names()));
    const made = loader().then((factory) => factory({ recipes: this.#recipes[canonical] ?? {} }));
    made.catch(() => this.#instances.delete(canonical));
    this.#instances.set(canonical, made);
    return made;
  }

  /** The formatter name and recipe configured for a dataset; none configured is a FormatterLookupError. */
  lookup(subject: LookupSubject): FormatterChoice {
    const match = this.#lookups.lookup(subject);
    if (match === undefined) {
      throw new FormatterLookupError(
        `no formatter is configured for dataset type ${subject.datasetType} (storage class ${subject.storageClass}); ` +
          `add one under the datastore's formatters config, keyed by dataset type, storage class or 'default' ` +
          `(configured keys: ${this.#lookups.keys().join(", ") || "none"})`,
      );
    }
    const entry = typeof match.value === "string" ? { formatter: match.value } : match.value;
    const choice: FormatterChoice = { formatter: this.canonicalName(entry.formatter), key: match.key };
    if (entry.recipe !== undefined) choice.recipe = entry.recipe;
    return choice;
  }
}
