/**
 * Making a repository, as daf_butler's `Butler.makeRepo` / `butler create`: a config file
 * (`REPO/butler.yaml`, or `outfile`), the registry schema in its database (SQLite `REPO/gen3.sqlite3`
 * by default, or a `postgresql://` URI), the datastore record tables beside it, and the datastore root.
 *
 * Templates and formatter lookups are written into the config (frozen, as daf_butler freezes its
 * managers): files keep the names and formatters they were given when the code's defaults change.
 */
import { access, mkdir, readFile } from "node:fs/promises";
import { resolve } from "node:path";
import { parse } from "yaml";
import { DimensionUniverse } from "../core/index.ts";
import {
  createRootDirectory,
  DEFAULT_FORMATTER_LOOKUPS,
  DEFAULT_TEMPLATES,
  isLocalRoot,
  KyselyRecordStore,
} from "../datastore/index.ts";
import { ConflictingDefinitionError, RepositoryConfigError } from "../errors/index.ts";
import { Registry } from "../registry/index.ts";
import {
  BUTLER_CONFIG_FILE,
  BUTLER_ROOT_TOKEN,
  DEFAULT_REGISTRY_DB,
  expandRoot,
  mergeConfig,
  type RepoConfig,
  readSeedConfig,
  registryDialectOptions,
  repoPathOf,
  validateRepoConfig,
  writeRepoConfig,
} from "./repo-config.ts";
import { builtinStorageClassConfig, componentsHook, repoStorageClasses } from "./storage-classes.ts";

export interface CreateRepoOptions {
  /** A config (file path or mapping) whose values seed the new one. */
  seedConfig?: string | Record<string, unknown>;
  /** A dimension universe config (file path or mapping); the default universe otherwise. */
  dimensionConfig?: string | Record<string, unknown>;
  /** Write every default into the config (storage classes too), so it does not depend on this code's. */
  standalone?: boolean;
  /**
   * Keep the seed config's registry database and datastore root; without it they are reset to the
   * repository's own (`<butlerRoot>/gen3.sqlite3`, `<butlerRoot>`), as daf_butler does.
   */
  override?: boolean;
  /** Write the config here instead of `REPO/butler.yaml` (it then records `root: REPO`). */
  outfile?: string;
  /** Replace an existing config file (the registry database must still be new). */
  overwrite?: boolean;
  /** Registry database URI, e.g. `postgresql://user@host/db?namespace=repo`; wins over the seed config. */
  db?: string;
}

export interface CreatedRepo {
  /** The config file written. */
  configFile: string;
  /** Absolute repository root. */
  root: string;
  config: RepoConfig;
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}

async function mappingFrom(
  input: string | Record<string, unknown> | undefined,
): Promise<Record<string, unknown> | undefined> {
  if (input === undefined) return undefined;
  return typeof input === "string" ? readSeedConfig(input) : input;
}

async function universeFrom(input: string | Record<string, unknown> | undefined) {
  if (input === undefined) return undefined;
  const config = typeof input === "string" ? (parse(await readFile(input, "utf8")) as unknown) : input;
  return DimensionUniverse.fromConfig(config);
}

/** The config a new repository gets, before the database exists. */
export function buildRepoConfig(
  seed: Record<string, unknown> | undefined,
  options: Pick<CreateRepoOptions, "standalone" | "override" | "db">,
): RepoConfig {
  const defaults: Record<string, unknown> = {
    registry: { db: DEFAULT_REGISTRY_DB },
    datastore: {
      cls: "FileDatastore",
      root: BUTLER_ROOT_TOKEN,
      templates: { ...DEFAULT_TEMPLATES },
      formatters: structuredClone(DEFAULT_FORMATTER_LOOKUPS) as Record<string, unknown>,
      checksum: false,
    },
  };
  let merged = mergeConfig(defaults, seed ?? {});
  if (!options.override) {
    merged = mergeConfig(merged, {
      registry: { db: DEFAULT_REGISTRY_DB },
      datastore: { root: BUTLER_ROOT_TOKEN },
    });
    delete merged.root;
  }
  if (options.db !== undefined) merged = mergeConfig(merged, { registry: { db: options.db } });
  if (options.standalone) {
    merged.storageClasses = mergeConfig(
      builtinStorageClassConfig(),
      (merged.storageClasses as Record<string, unknown> | undefined) ?? {},
    );
  }
  return validateRepoConfig(merged, "the new repository config");
}

/**
 * Creates a repository at `repo` (a directory, made if missing). An existing config file is a
 * ConflictingDefinitionError unless `overwrite`; a database that already holds a registry is one too.
 */
export async function createRepo(repo: string, options: CreateRepoOptions = {}): Promise<CreatedRepo> {
  const root = repoPathOf(repo);
  const configFile =
    options.outfile !== undefined ? resolve(options.outfile) : resolve(root, BUTLER_CONFIG_FILE);
  if (!options.overwrite && (await exists(configFile))) {
    throw new ConflictingDefinitionError(
      `a repository config already exists at ${configFile}; accepted: a directory with no repository in it ` +
        "(open the existing repository instead, or remove it first)",
    );
  }
  const seed = await mappingFrom(options.seedConfig);
  const universe = await universeFrom(options.dimensionConfig);
  const config = buildRepoConfig(seed, options);
  if (options.outfile !== undefined) config.root = root;
  const storageClasses = repoStorageClasses(config.storageClasses);
  await mkdir(root, { recursive: true });
  const datastoreRoot = expandRoot(config.datastore.root, root);
  try {
    // A local directory (relative to the repository), a WebDAV collection, or nothing to make (S3).
    await createRootDirectory(
      isLocalRoot(datastoreRoot) && !/^file:/i.test(datastoreRoot)
        ? resolve(root, datastoreRoot)
        : datastoreRoot,
    );
  } catch (err) {
    throw new RepositoryConfigError(
      configFile,
      `cannot make the datastore root ${datastoreRoot}: ${(err as Error).message}`,
      { cause: err },
    );
  }
  const registry = await Registry.create({
    db: expandRoot(config.registry.db, root),
    dialectOptions: registryDialectOptions(config.registry),
    ...(universe === undefined ? {} : { universe }),
    componentsOf: componentsHook(storageClasses),
  });
  try {
    await new KyselyRecordStore(registry.sharedDatabase()).createTables();
  } finally {
    await registry.close();
  }
  await writeRepoConfig(configFile, config);
  return { configFile, root, config };
}
