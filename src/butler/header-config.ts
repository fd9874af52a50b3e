/**
 * The `headerIndex` section of `butler.yaml`: which FITS header keys are copied into the registry for
 * each dataset type, as files are written.
 *
 *     headerIndex:
 *       exposureDefault: true        # the default keys for exposure-like storage classes (default true)
 *       datasetTypes:
 *         calexp: [EXPTIME, AIRMASS, "ESO DET CHIP NAME", "IMAGE:BUNIT"]
 *         "deepCoadd*": [FILTER]
 *
 * A dataset type gets the keys of every pattern (name or `*`/`?` glob) that matches it; when none
 * matches and its storage class is exposure-like (`Exposure*`), it gets DEFAULT_EXPOSURE_HEADER_KEYS.
 */
import { RepositoryConfigError } from "../errors/index.ts";
import { parseHeaderKey } from "../fits/header-key.ts";
import { globToRegExp, isGlob } from "../registry/index.ts";

export interface HeaderIndexConfig {
  /** Index DEFAULT_EXPOSURE_HEADER_KEYS for exposure-like storage classes no pattern names (default true). */
  exposureDefault?: boolean;
  /** Dataset type name or glob → header keys (`KEY`, `HIERARCH KEY WORDS`, `HDU:KEY`). */
  datasetTypes?: Record<string, string[]>;
}

/**
 * The primary-header keys of an exposure as written by a camera (raw) or by afw (calexp): observation
 * start, end and middle, exposure time, filter, airmass, pointing, object and observation type. A key
 * a file lacks is recorded as NULL.
 */
export const DEFAULT_EXPOSURE_HEADER_KEYS: readonly string[] = Object.freeze([
  "DATE-OBS",
  "DATE-END",
  "DATE-AVG",
  "EXPTIME",
  "FILTER",
  "AIRMASS",
  "BORE-AIRMASS",
  "RA",
  "DEC",
  "BORE-RA",
  "BORE-DEC",
  "OBJECT",
  "OBSTYPE",
]);

/** Storage classes that get the default keys. */
export function isExposureLike(storageClass: string): boolean {
  return /^Exposure/.test(storageClass);
}

/** Checks the section's shape; `where` names the file in messages. */
export function validateHeaderIndexConfig(value: unknown, where: string): HeaderIndexConfig {
  if (value === undefined || value === null) return {};
  const fail = (why: string) =>
    new RepositoryConfigError(
      where,
      `headerIndex: ${why}; accepted: { exposureDefault: true|false, datasetTypes: { <name or glob>: [KEY, …] } }`,
    );
  if (typeof value !== "object" || Array.isArray(value)) throw fail("must be a mapping");
  const section = value as Record<string, unknown>;
  for (const key of Object.keys(section)) {
    if (key !== "exposureDefault" && key !== "datasetTypes") throw fail(`unknown entry '${key}'`);
  }
  if (section.exposureDefault !== undefined && typeof section.exposureDefault !== "boolean") {
    throw fail("exposureDefault must be true or false");
  }
  const types = section.datasetTypes;
  if (types !== undefined && types !== null) {
    if (typeof types !== "object" || Array.isArray(types)) throw fail("datasetTypes must be a mapping");
    for (const [pattern, keys] of Object.entries(types as Record<string, unknown>)) {
      if (!Array.isArray(keys) || keys.some((k) => typeof k !== "string")) {
        throw fail(`datasetTypes.${pattern} must be a list of key names`);
      }
      for (const k of keys as string[]) {
        try {
          parseHeaderKey(k);
        } catch (err) {
          throw fail(`datasetTypes.${pattern}: ${(err as Error).message}`);
        }
      }
    }
  }
  return section as HeaderIndexConfig;
}

/** The canonical keys the config indexes for a dataset type (empty: none). */
export function configuredHeaderKeys(
  config: HeaderIndexConfig,
  datasetType: string,
  storageClass: string,
): string[] {
  const keys = new Set<string>();
  let matched = false;
  for (const [pattern, list] of Object.entries(config.datasetTypes ?? {})) {
    const hit = isGlob(pattern) ? globToRegExp(pattern).test(datasetType) : pattern === datasetType;
    if (!hit) continue;
    matched = true;
    for (const k of list) keys.add(parseHeaderKey(k).name);
  }
  if (!matched && config.exposureDefault !== false && isExposureLike(storageClass)) {
    for (const k of DEFAULT_EXPOSURE_HEADER_KEYS) keys.add(k);
  }
  return [...keys];
}

/**
 * The config with `keys` added to the entry for exactly `datasetType`. A new entry starts with the keys
 * in effect for the type (`effective`: from globs or the default), which it would otherwise hide.
 */
export function withHeaderKeys(
  config: HeaderIndexConfig,
  datasetType: string,
  effective: readonly string[],
  keys: readonly string[],
): HeaderIndexConfig {
  const types = { ...(config.datasetTypes ?? {}) };
  const current = types[datasetType] ?? [...effective];
  const names = new Set(current.map((k) => parseHeaderKey(k).name));
  types[datasetType] = [...current, ...keys.filter((k) => !names.has(parseHeaderKey(k).name))];
  return { ...config, datasetTypes: types };
}
