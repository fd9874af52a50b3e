/**
 * The repository configuration, `REPO/butler.yaml`, in daf_butler's layout: `registry.db` (a database
 * URI), `datastore` (root, templates, formatters, write recipes, checksum) and optionally
 * `storageClasses`. The token `<butlerRoot>` in the registry URI and the datastore root stands for the
 * repository directory (the top-level `root` key, else the directory holding the file), so a
 * repository can be moved or mounted elsewhere and still open.
 */
import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { dirname, isAbsolute, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parse, stringify } from "yaml";
import {
  type CacheConfig,
  FileTemplates,
  type FormatterLookupConfig,
  type TemplatesConfig,
} from "../datastore/index.ts";
import { RepositoryConfigError } from "../errors/index.ts";
import { defaultDatabaseUri } from "../registry/index.ts";
import type { HeaderIndexConfig } from "./header-config.ts";

export const BUTLER_CONFIG_FILE = "butler.yaml";
export const BUTLER_ROOT_TOKEN = "<butlerRoot>";
export const DEFAULT_REGISTRY_DB = defaultDatabaseUri(BUTLER_ROOT_TOKEN);

export interface RegistryConfig {
  /** Database URI: a SQLite path or `sqlite:///…` URI, or `postgresql://…` (with `?namespace=`). */
  db: string;
  /** Seconds a SQLite writer waits for another writer's lock before REGISTRY_LOCKED (10). */
  busyTimeout?: number;
  /** Seconds connecting to a PostgreSQL server may take (10). */
  connectTimeout?: number;
  /** Seconds one PostgreSQL statement may run (600). */
  statementTimeout?: number;
  /** Seconds a PostgreSQL transaction may sit idle before the server ends it (600). */
  idleInTransactionTimeout?: number;
}

/** The registry settings given in seconds, and the engine option (in ms) each one sets. */
const REGISTRY_TIMEOUTS = {
  busyTimeout: "busyTimeoutMs",
  connectTimeout: "connectTimeoutMs",
  statementTimeout: "statementTimeoutMs",
  idleInTransactionTimeout: "idleInTransactionTimeoutMs",
} as const;

type RegistryTimeoutOptions = {
  -readonly [K in keyof typeof REGISTRY_TIMEOUTS as (typeof REGISTRY_TIMEOUTS)[K]]?: number;
};

/** The engine options (`openDialect`) the registry section sets: its timeouts, in ms. */
export function registryDialectOptions(registry: RegistryConfig): RegistryTimeoutOptions {
  const out: RegistryTimeoutOptions = {};
  for (const [key, option] of Object.entries(REGISTRY_TIMEOUTS)) {
    const seconds = registry[key as keyof typeof REGISTRY_TIMEOUTS];
    if (seconds !== undefined) out[option] = Math.round(seconds * 1000);
  }
  return out;
}

export interface DatastoreSection {
  cls?: string;
  /** The datastore root: a local path or `file://` URI, or `s3://…`, `gs://…`, `https://…` (WebDAV), `dav://…`. */
  root: string;
  name?: string;
  templates?: TemplatesConfig;
  formatters?: FormatterLookupConfig;
  writeRecipes?: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
  /** Seconds after which a temporary file is taken to be left by a dead write (default 3600). */
  tempGracePeriod?: number;
  checksum?: boolean;
  /** The local cache of a remote root (daf_butler's section: root, default, cacheable, expiry); false: none. */
  cached?: CacheConfig | false | null;
}

export interface RepoConfig {
  /** The directory `<butlerRoot>` stands for; written only when the file lives outside the repository. */
  root?: string;
  registry: RegistryConfig;
  datastore: DatastoreSection;
  /** Storage class definitions added to (or overriding) the built-in ones. */
  storageClasses?: Record<string, unknown>;
  /** FITS header keys copied into the registry per dataset type (see `header-config.ts`). */
  headerIndex?: HeaderIndexConfig;
}

/** A repository configuration as read: the file it came from, and values with `<butlerRoot>` replaced. */
export interface LoadedRepoConfig {
  file: string;
  /** Absolute repository root. */
  root: string;
  /** As written (tokens kept). */
  raw: RepoConfig;
  /** Registry database URI with the token replaced. */
  db: string;
  /** Datastore root with the token replaced. */
  datastoreRoot: string;
}

/**
 * The local path of a repository given as a path or a `file://` URI. Repository configs are read from
 * local files; their datastores may be remote.
 */
export function repoPathOf(repo: string): string {
  if (/^file:/i.test(repo)) {
    try {
      return fileURLToPath(repo);
    } catch (err) {
      throw new RepositoryConfigError(
        repo,
        `not a usable file URI (${(err as Error).message}); accepted: file:///absolute/path`,
        {
          cause: err,
        },
      );
    }
  }
  if (/^[a-z][a-z0-9+.-]+:\/\//i.test(repo)) {
    throw new RepositoryConfigError(
      repo,
      "a repository is opened from a local directory, its butler.yaml, or a file:// URI; accepted: those " +
        "(the repository's datastore root may be on S3, WebDAV or HTTP)",
    );
  }
  return resolve(repo);
}

/** The config file of a repository given as a directory, or the file itself (`….yaml`, `….yml`). */
export function configFileOf(repo: string): string {
  const path = repoPathOf(repo);
  return /\.ya?ml$/i.test(path) ? path : join(path, BUTLER_CONFIG_FILE);
}

/** Replaces `<butlerRoot>` (a SQLite URI's path then stays absolute: `sqlite:////abs/gen3.sqlite3`). */
export function expandRoot(value: string, root: string): string {
  return value.split(BUTLER_ROOT_TOKEN).join(root);
}

function isMapping(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

/** Checks the shape of a parsed config; `where` names it in messages. */
export function validateRepoConfig(value: unknown, where: string): RepoConfig {
  if (!isMapping(value)) throw new RepositoryConfigError(where, "a butler config is a YAML mapping");
  const registry = value.registry;
  if (!isMapping(registry) || typeof registry.db !== "string" || registry.db === "") {
    throw new RepositoryConfigError(
      where,
      `registry.db must be a database URI (e.g. ${DEFAULT_REGISTRY_DB})`,
    );
  }
  for (const key of Object.keys(REGISTRY_TIMEOUTS)) {
    const seconds = registry[key];
    if (seconds !== undefined && (typeof seconds !== "number" || !Number.isFinite(seconds) || seconds < 0)) {
      throw new RepositoryConfigError(
        where,
        `registry.${key} must be a number of seconds, 0 or more (0: no limit), not ${JSON.stringify(seconds)}`,
      );
    }
  }
  const datastore = value.datastore;
  if (!isMapping(datastore) || typeof datastore.root !== "string" || datastore.root === "") {
    throw new RepositoryConfigError(
      where,
      "datastore.root must be a path or a file://, s3://, gs://, https:// or dav:// URI (e.g. <butlerRoot>)",
    );
  }
  if (
    datastore.cls !== undefined &&
    datastore.cls !== "FileDatastore" &&
    !String(datastore.cls).endsWith(".FileDatastore")
  ) {
    throw new RepositoryConfigError(
      where,
      `datastore.cls '${String(datastore.cls)}' is not supported; accepted: FileDatastore`,
    );
  }
  for (const key of ["run", "collections", "collection"]) {
    if (key in value) {
      throw new RepositoryConfigError(
        where,
        `'${key}' does not belong in a repository config; pass it when opening the butler`,
      );
    }
  }
  if (value.root !== undefined && typeof value.root !== "string") {
    throw new RepositoryConfigError(where, "root must be a path");
  }
  // Every template is checked now (a FileTemplateError), not at the first put that uses it.
  if (isMapping(datastore.templates)) new FileTemplates(datastore.templates as TemplatesConfig);
  return value as unknown as RepoConfig;
}

/** Reads a repository's config (a directory or the config file itself). */
export async function readRepoConfig(repo: string): Promise<LoadedRepoConfig> {
  const file = configFileOf(repo);
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ENOENT") {
      throw new RepositoryConfigError(
        file,
        `no repository here: the config file does not exist; make one with 'butler create ${repo}' or Butler.create`,
        { cause: err },
      );
    }
    if (code === "ENOTDIR" || code === "EISDIR") {
      throw new RepositoryConfigError(
        repo,
        `not a repository: ${code === "ENOTDIR" ? "it is a file" : "its config path is a directory"}; ` +
          "accepted: a repository's directory or its butler.yaml",
        { cause: err },
      );
    }
    throw err;
  }
  let parsed: unknown;
  try {
    parsed = parse(text);
  } catch (err) {
    throw new RepositoryConfigError(file, `not valid YAML: ${(err as Error).message}`, { cause: err });
  }
  const raw = validateRepoConfig(parsed, file);
  const root = raw.root !== undefined ? resolve(dirname(file), raw.root) : dirname(file);
  const datastoreRoot = expandRoot(raw.datastore.root, root);
  return {
    file,
    root,
    raw,
    db: expandRoot(raw.registry.db, root),
    datastoreRoot:
      /^[a-z][a-z0-9+.-]*:/i.test(datastoreRoot) || isAbsolute(datastoreRoot)
        ? datastoreRoot
        : resolve(root, datastoreRoot),
  };
}

/** Writes a config atomically (temporary file, then rename), making its directory. */
export async function writeRepoConfig(file: string, config: RepoConfig): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  const temp = `${file}.tmp-${process.pid}`;
  await writeFile(temp, stringify(config, { lineWidth: 0 }), { flag: "wx" });
  await rename(temp, file);
}

/** Reads a seed config file (any subset of a repository config). */
export async function readSeedConfig(path: string): Promise<Record<string, unknown>> {
  let parsed: unknown;
  try {
    parsed = parse(await readFile(path, "utf8"));
  } catch (err) {
    throw new RepositoryConfigError(path, `cannot read the seed config: ${(err as Error).message}`, {
      cause: err,
    });
  }
  if (parsed === null || parsed === undefined) return {};
  if (!isMapping(parsed)) throw new RepositoryConfigError(path, "a seed config is a YAML mapping");
  return parsed;
}

/** `over` merged into `base`, mappings recursively (lists and scalars replace). */
export function mergeConfig(
  base: Record<string, unknown>,
  over: Record<string, unknown>,
): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(over)) {
    const previous = out[key];
    out[key] = isMapping(previous) && isMapping(value) ? mergeConfig(previous, value) : value;
  }
  return out;
}
