/**
 * The local cache's settings, as daf_butler reads them: the `cached:` section of the datastore config
 * and three environment variables.
 *
 * ```yaml
 * datastore:
 *   cached:
 *     root: null            # a shared directory; null: a temporary one per process
 *     default: true         # cache datasets no `cacheable` key matches
 *     cacheable: {ExposureF: true, calexp: true}   # dataset type or storage class → bool
 *     expiry: {mode: datasets, threshold: 4}        # disabled | files | datasets | size | age
 * ```
 *
 * - `DAF_BUTLER_CACHE_DIRECTORY` wins over `root`;
 * - `DAF_BUTLER_CACHE_DIRECTORY_IF_UNSET` is used when neither is set;
 * - `DAF_BUTLER_CACHE_EXPIRATION_MODE` (`disabled`, or `mode=threshold`: `files=N`, `datasets=N`,
 *   `size=BYTES`, `age=SECONDS`) wins over `expiry`.
 *
 * Without a `cached:` section the defaults are daf_butler's: datasets=4, everything cacheable.
 */
import { DatastoreConfigError } from "../../errors/index.ts";

export type ExpiryMode = "disabled" | "files" | "datasets" | "size" | "age";
const EXPIRY_MODES: readonly ExpiryMode[] = ["disabled", "files", "datasets", "size", "age"];

export interface CacheConfig {
  root?: string | null;
  default?: boolean;
  cacheable?: Readonly<Record<string, boolean>>;
  expiry?: { mode?: ExpiryMode | null; threshold?: number | null } | null;
}

export interface CacheSettings {
  /** The cache directory; undefined: a temporary directory made on first use. */
  root: string | undefined;
  mode: ExpiryMode | "none";
  /** Files, datasets, bytes or seconds, by mode. */
  threshold: number;
  default: boolean;
  cacheable: Readonly<Record<string, boolean>>;
}

const DEFAULT_CACHE_CONFIG: Readonly<Required<Omit<CacheConfig, "root">>> = {
  default: true,
  cacheable: {},
  expiry: { mode: "datasets", threshold: 4 },
};

/** Parses `DAF_BUTLER_CACHE_EXPIRATION_MODE` (or a config's `mode=threshold` string). */
export function parseExpiry(
  text: string,
  where = "DAF_BUTLER_CACHE_EXPIRATION_MODE",
): {
  mode: ExpiryMode;
  threshold: number;
} {
  const trimmed = text.trim();
  if (trimmed === "disabled") return { mode: "disabled", threshold: 0 };
  const match = /^([a-z]+)=(\d+)$/.exec(trimmed);
  const mode = match?.[1] as ExpiryMode | undefined;
  if (match === null || mode === undefined || mode === "disabled" || !EXPIRY_MODES.includes(mode)) {
    throw new DatastoreConfigError(
      `${where}: '${text}' is not a cache expiration mode; use disabled, files=N, datasets=N, size=BYTES or age=SECONDS`,
    );
  }
  return { mode, threshold: Number(match[2]) };
}

/** The settings from a `cached:` section (undefined: the defaults) and the environment. */
export function resolveCacheSettings(
  config: CacheConfig | null | undefined,
  env: NodeJS.ProcessEnv = process.env,
): CacheSettings {
  const section = config ?? {};
  const root =
    nonEmpty(env.DAF_BUTLER_CACHE_DIRECTORY) ??
    nonEmpty(section.root ?? undefined) ??
    nonEmpty(env.DAF_BUTLER_CACHE_DIRECTORY_IF_UNSET);
  let mode: ExpiryMode | "none";
  let threshold: number;
  const envMode = nonEmpty(env.DAF_BUTLER_CACHE_EXPIRATION_MODE);
  if (envMode !== undefined) {
    ({ mode, threshold } = parseExpiry(envMode));
  } else {
    const expiry = config === null || config === undefined ? DEFAULT_CACHE_CONFIG.expiry : section.expiry;
    if (expiry === null || expiry === undefined || expiry.mode === null || expiry.mode === undefined) {
      mode = "none";
      threshold = 0;
    } else {
      if (!EXPIRY_MODES.includes(expiry.mode)) {
        throw new DatastoreConfigError(
          `datastore.cached.expiry.mode '${String(expiry.mode)}' is unknown; accepted: ${EXPIRY_MODES.join(", ")}`,
        );
      }
      mode = expiry.mode;
      threshold = expiry.threshold ?? Number.NaN;
      if (mode !== "disabled" && !(Number.isFinite(threshold) && threshold >= 0)) {
        throw new DatastoreConfigError(
          `datastore.cached.expiry.threshold must be a number >= 0 for mode '${mode}'`,
        );
      }
    }
  }
  return {
    root,
    mode,
    threshold,
    default: section.default ?? DEFAULT_CACHE_CONFIG.default,
    cacheable: section.cacheable ?? DEFAULT_CACHE_CONFIG.cacheable,
  };
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === "" ? undefined : value;
}
