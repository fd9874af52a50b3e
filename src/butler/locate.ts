/**
 * Finding datasets without reading them: whether one exists, the URIs of its files (or the URI a put
 * would write), and deferred handles that read later.
 */
import { type DataIdInput, DatasetRef, type DatasetType } from "../core/index.ts";
import { DatasetNotFoundError, isButlerError } from "../errors/index.ts";
import type { Butler } from "./butler.ts";
import { DeferredDatasetHandle } from "./deferred.ts";
import { findForRead, type ReadTarget } from "./find.ts";
import type { ButlerGetOptions, DatasetRefURIs, GetURIsOptions } from "./options.ts";
import { mergeDataId, resolveDatasetType } from "./resolve.ts";

/** Finds a dataset now and returns a handle that reads it later (see `Butler.getDeferred`). */
export async function getDeferred<T>(
  butler: Butler,
  refOrType: DatasetRef | DatasetType | string,
  dataId: DataIdInput | null | undefined,
  options: Omit<ButlerGetOptions, "signal">,
): Promise<DeferredDatasetHandle<T>> {
  const target = await findForRead(butler, refOrType, dataId, options, "getDeferred");
  if (!(await butler.datastore.exists(target.ref))) {
    throw new DatasetNotFoundError(target.ref.id, `dataset ${target.ref} has no file in the datastore`);
  }
  const ref = target.component === undefined ? target.ref : butler.componentRef(target.ref, target.component);
  return new DeferredDatasetHandle<T>(butler, ref, options.parameters ?? {}, target.storageClass);
}

/** Whether a dataset is known to the registry and its file is present (see `Butler.exists`). */
export async function datasetExists(
  butler: Butler,
  refOrType: DatasetRef | DatasetType | string,
  dataId: DataIdInput | null | undefined,
  options: Pick<ButlerGetOptions, "collections" | "timespan">,
): Promise<boolean> {
  let target: ReadTarget;
  try {
    target = await findForRead(butler, refOrType, dataId, options, "exists", false);
  } catch (err) {
    if (isButlerError(err, "DATASET_NOT_FOUND")) return false;
    throw err;
  }
  if (refOrType instanceof DatasetRef && (await butler.registry.getDataset(target.ref.id)) === null)
    return false;
  return butler.datastore.exists(target.ref);
}

/** The URIs of a dataset's files, or with `predict` those a put would write (see `Butler.getURIs`). */
export async function getURIs(
  butler: Butler,
  refOrType: DatasetRef | DatasetType | string,
  dataId: DataIdInput | null | undefined,
  options: GetURIsOptions,
): Promise<DatasetRefURIs> {
  let ref: DatasetRef;
  try {
    ref = (await findForRead(butler, refOrType, dataId, options, "getURIs", false)).ref;
  } catch (err) {
    if (!options.predict || !isButlerError(err, "DATASET_NOT_FOUND") || refOrType instanceof DatasetRef)
      throw err;
    const resolved = await resolveDatasetType(butler.registry, butler.storageClasses, refOrType);
    const expanded = await butler.registry.expandDataId(
      mergeDataId(dataId, butler.dataId, resolved.parent.dimensions.names),
      { dimensions: resolved.parent.dimensions },
    );
    ref = new DatasetRef(resolved.parent, expanded, butler.outputRun(options.run, "getURIs"));
  }
  if (options.predict && !ref.dataId.hasRecords()) {
    ref = ref.withDataId(
      await butler.registry.expandDataId(ref.dataId, { dimensions: ref.datasetType.dimensions }),
    );
  }
  const uri = await butler.datastore.getURI(ref, options.predict ? { predict: true } : {});
  return { primaryURI: uri, componentURIs: {} };
}
