/**
 * Removing datasets, after daf_butler's `removeRuns` and `pruneDatasets`: the registry rows and the
 * datastore records go in one transaction (records through the datastore's trash), and the files are
 * deleted once it has committed, so a failure midway removes nothing and a crash after the commit
 * leaves only trash that the next removal empties.
 */
import { CollectionType, type DatasetRef } from "../core/index.ts";
import { CollectionTypeError, InvalidArgumentError } from "../errors/index.ts";
import type { Butler } from "./butler.ts";
import { timer } from "./timer.ts";

export interface RemoveRunsOptions {
  /** Delete the files too (default true); false forgets the datasets but leaves their files on disk. */
  unstore?: boolean;
  /** Take each run out of the CHAINED collections that hold it (else a run in a chain is refused). */
  unlinkFromChains?: boolean;
}

export interface PruneDatasetsOptions {
  /** Take the datasets out of the `tags` collections (default true). */
  disassociate?: boolean;
  /** Delete the datasets' files and datastore records (default false). */
  unstore?: boolean;
  /** TAGGED collections to disassociate from. */
  tags?: readonly string[];
  /** Remove the datasets from the registry entirely (needs disassociate and unstore). */
  purge?: boolean;
}

/** Every dataset in a RUN collection, by one find-first query per dataset type it holds. */
async function datasetsInRun(butler: Butler, run: string): Promise<DatasetRef[]> {
  const { datasetTypes } = await butler.registry.getCollectionSummary([run]);
  const refs: DatasetRef[] = [];
  for (const name of datasetTypes) {
    for (const ref of await butler.registry.findFirstDatasets(name, [run])) refs.push(ref);
  }
  return refs;
}

/**
 * Removes RUN collections, their datasets and (with `unstore`, the default) their files. A name that
 * is not a RUN is a CollectionTypeError, and nothing is removed. Returns how many datasets went.
 */
export async function removeRuns(
  butler: Butler,
  names: readonly string[],
  options: RemoveRunsOptions = {},
): Promise<number> {
  butler.checkWriteable("removeRuns");
  const started = performance.now();
  const registry = butler.registry;
  for (const name of names) {
    const type = await registry.getCollectionType(name);
    if (type !== CollectionType.RUN) {
      throw new CollectionTypeError(
        `'${name}' is a ${type.name} collection; removeRuns removes RUN collections only (remove others with registry.removeCollection)`,
      );
    }
  }
  const byRun = new Map<string, DatasetRef[]>();
  for (const name of names) byRun.set(name, await datasetsInRun(butler, name));
  const all = [...byRun.values()].flat();
  await butler.datastore.transaction(async (txn) => {
    if (options.unstore ?? true) await butler.datastore.remove(all, { transaction: txn });
    else
      await butler.datastore.records.remove(
        all.map((r) => r.id),
        txn.db,
      );
    await registry.removeDatasets(all);
    for (const name of names) {
      if (options.unlinkFromChains) {
        for (const parent of await registry.getCollectionParentChains(name)) {
          const children = await registry.getCollectionChain(parent);
          await registry.setCollectionChain(
            parent,
            children.filter((c) => c !== name),
          );
        }
      }
      await registry.removeCollection(name);
    }
  });
  timer.debug(
    `Removed ${names.length} RUN collection(s): took ${(performance.now() - started).toFixed(3)} ms`,
    {
      datasets: all.length,
    },
  );
  return all.length;
}

/**
 * daf_butler's pruneDatasets: `purge` removes the datasets (it needs `disassociate` and `unstore`);
 * otherwise `disassociate` takes them out of the TAGGED `tags` collections and `unstore` deletes their
 * files and records while the registry keeps them. Components are refused.
 */
export async function pruneDatasets(
  butler: Butler,
  refs: readonly DatasetRef[],
  options: PruneDatasetsOptions = {},
): Promise<void> {
  butler.checkWriteable("pruneDatasets");
  const disassociate = options.disassociate ?? true;
  const unstore = options.unstore ?? false;
  const purge = options.purge ?? false;
  const tags = [...(options.tags ?? [])];
  if (purge && !disassociate)
    throw new InvalidArgumentError(
      "pruneDatasets: purge needs disassociate (a purged dataset is in no collection)",
    );
  if (purge && !unstore)
    throw new InvalidArgumentError("pruneDatasets: purge needs unstore (a purged dataset keeps no file)");
  if (!purge && disassociate && tags.length === 0) {
    throw new InvalidArgumentError(
      "pruneDatasets: disassociate needs the TAGGED collections to remove the datasets from (tags); or pass purge, or unstore with disassociate: false",
    );
  }
  const component = refs.find((r) => r.isComponent());
  if (component !== undefined) {
    throw new InvalidArgumentError(
      `pruneDatasets: ${component.datasetType.name} is a component; prune the whole dataset`,
    );
  }
  if (!purge && disassociate) {
    for (const tag of tags) {
      const type = await butler.registry.getCollectionType(tag);
      if (type !== CollectionType.TAGGED) {
        throw new CollectionTypeError(
          `'${tag}' is a ${type.name} collection; pruneDatasets disassociates from TAGGED collections only (purge removes from RUNs)`,
        );
      }
    }
  }
  await butler.datastore.transaction(async (txn) => {
    if (unstore) await butler.datastore.remove(refs, { transaction: txn });
    if (purge) await butler.registry.removeDatasets(refs);
    else if (disassociate) for (const tag of tags) await butler.registry.disassociate(tag, refs);
  });
}
