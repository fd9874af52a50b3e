/**
 * Opening a repository: its config, the registry over its database and the file datastore over its
 * root, with the datastore's records kept in the registry's database so that a dataset row and its
 * file record commit together. A writeable butler also indexes headers as datasets come in.
 */
import type { StorageClassFactory } from "../core/index.ts";
import { FileDatastore, KyselyRecordStore } from "../datastore/index.ts";
import { Registry } from "../registry/index.ts";
import { validateHeaderIndexConfig } from "./header-config.ts";
import { headerIndexHook } from "./header-index.ts";
import type { ButlerOpenOptions } from "./options.ts";
import { type LoadedRepoConfig, readRepoConfig, registryDialectOptions } from "./repo-config.ts";
import { componentsHook, repoStorageClasses } from "./storage-classes.ts";

/** What a Butler is made of. */
export interface OpenedRepository {
  config: LoadedRepoConfig;
  registry: Registry;
  datastore: FileDatastore;
  storageClasses: StorageClassFactory;
  writeable: boolean;
}

/**
 * Opens the parts of a repository: a directory holding `butler.yaml`, or the config file itself (a
 * server URL is opened by `Butler.open` before it gets here). The options' run is registered when the
 * butler is writeable.
 */
export async function openRepository(repo: string, options: ButlerOpenOptions): Promise<OpenedRepository> {
  const config = await readRepoConfig(repo);
  const writeable = options.writeable ?? options.run !== undefined;
  const storageClasses = repoStorageClasses(config.raw.storageClasses);
  const registry = await Registry.open({
    db: config.db,
    dialectOptions: registryDialectOptions(config.raw.registry),
    writeable,
    componentsOf: componentsHook(storageClasses),
  });
  try {
    const store = config.raw.datastore;
    const datastore = new FileDatastore(
      {
        root: config.datastoreRoot,
        ...(store.name === undefined ? {} : { name: store.name }),
        ...(store.templates === undefined ? {} : { templates: store.templates }),
        ...(store.formatters === undefined ? {} : { formatters: store.formatters }),
        ...(store.writeRecipes === undefined ? {} : { writeRecipes: store.writeRecipes }),
        ...(store.checksum === undefined ? {} : { checksum: store.checksum }),
        ...(store.cached === undefined ? {} : { cached: store.cached }),
        ...(store.tempGracePeriod === undefined ? {} : { tempGracePeriod: store.tempGracePeriod }),
      },
      { records: new KyselyRecordStore(registry.sharedDatabase(), { tablesExist: true }), storageClasses },
    );
    const headerIndex = validateHeaderIndexConfig(config.raw.headerIndex, config.file);
    if (writeable) datastore.onRecord = headerIndexHook(registry, headerIndex);
    if (options.run !== undefined && writeable) await registry.registerRun(options.run);
    return { config, registry, datastore, storageClasses, writeable };
  } catch (err) {
    await registry.close();
    throw err;
  }
}
