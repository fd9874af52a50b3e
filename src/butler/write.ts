/**
 * Writing datasets: `put` stores an object, `ingest` brings existing files in. The ref of each is
 * settled (and a conflicting dataset refused) before anything is written; the registry rows, the
 * datastore records and the files then commit together, so a failure leaves none of them.
 */
import { basename } from "node:path";
import { type DataIdInput, DatasetRef, type DatasetType } from "../core/index.ts";
import { ConflictingDefinitionError, InvalidArgumentError } from "../errors/index.ts";
import type { Butler } from "./butler.ts";
import { prepareHeaderIndex } from "./header-index.ts";
import type { ButlerPutOptions, FileDatasetInput, GetManyItem, IngestOptions } from "./options.ts";
import { mergeDataId, refuseComponentWrite, refuseDataIdBesideRef, resolveDatasetType } from "./resolve.ts";
import { roundMs, timer } from "./timer.ts";
import { datastoreTransfer } from "./transfer-mode.ts";

/** Stores `object` as a new dataset and returns its ref (see `Butler.put`). */
export async function putDataset(
  butler: Butler,
  object: unknown,
  datasetTypeOrRef: DatasetRef | DatasetType | string,
  dataId: DataIdInput | null | undefined,
  options: ButlerPutOptions,
): Promise<DatasetRef> {
  butler.checkWriteable("put");
  const started = performance.now();
  const ref = await refForWrite(butler, datasetTypeOrRef, dataId, options.run, "put");
  await prepareHeaderIndex(butler, [ref.datasetType]);
  let registryMs = performance.now() - started;
  const result = await butler.datastore.put(object, ref, {
    insertRegistryRows: async () => {
      const inserting = performance.now();
      await butler.registry.importDatasets([ref]);
      registryMs += performance.now() - inserting;
    },
  });
  if (timer.isEnabledFor("debug")) {
    timer.debug(
      `Dataset put with data ID ${ref.datasetType.name}@${ref.dataId}: took ${(performance.now() - started).toFixed(3)} ms`,
      {
        registryMs: roundMs(registryMs),
        writeMs: roundMs(result.writeMs),
        bytes: result.record.fileSize,
        formatter: result.record.formatter,
        id: ref.id,
      },
    );
  }
  return ref;
}

/** Brings existing files in as datasets, all in one transaction (see `Butler.ingest`). */
export async function ingestFiles(
  butler: Butler,
  datasets: FileDatasetInput | readonly FileDatasetInput[],
  options: IngestOptions,
): Promise<DatasetRef[]> {
  butler.checkWriteable("ingest");
  const started = performance.now();
  const transfer = datastoreTransfer(options.transfer ?? "auto");
  const list: readonly FileDatasetInput[] = Array.isArray(datasets)
    ? (datasets as readonly FileDatasetInput[])
    : [datasets as FileDatasetInput];
  const planned: { path: string; ref: DatasetRef; formatter?: string }[] = [];
  for (const dataset of list) {
    const refs = Array.isArray(dataset.refs)
      ? (dataset.refs as readonly GetManyItem[])
      : [dataset.refs as GetManyItem];
    if (refs.length !== 1) {
      throw new InvalidArgumentError(
        `ingest of ${basename(dataset.path)}: a file must hold exactly one dataset here; got ${refs.length}`,
      );
    }
    const item = refs[0]!;
    const ref =
      item instanceof DatasetRef
        ? await refForWrite(butler, item, null, undefined, "ingest")
        : await refForWrite(butler, item.datasetType, item.dataId, options.run, "ingest");
    planned.push({
      path: dataset.path,
      ref,
      ...(dataset.formatter === undefined ? {} : { formatter: dataset.formatter }),
    });
  }
  await prepareHeaderIndex(
    butler,
    planned.map((p) => p.ref.datasetType),
  );
  await butler.datastore.transaction(async (txn) => {
    for (const { path, ref, formatter } of planned) {
      await butler.registry.importDatasets([ref]);
      await butler.datastore.ingest(path, ref, {
        transfer,
        transaction: txn,
        ...(formatter === undefined ? {} : { formatter }),
      });
    }
  });
  if (timer.isEnabledFor("debug")) {
    timer.debug(`Ingested ${planned.length} files: took ${(performance.now() - started).toFixed(3)} ms`, {
      transfer,
    });
  }
  return planned.map((p) => p.ref);
}

/**
 * The ref a write stores: a resolved ref keeps its ID and run; a dataset type and data ID get a new
 * ID in the run. The data ID is expanded (file templates use its records) and the registry is
 * checked for a dataset of the same type and data ID in the run, before anything is written.
 */
async function refForWrite(
  butler: Butler,
  datasetTypeOrRef: DatasetRef | DatasetType | string,
  dataId: DataIdInput | null | undefined,
  run: string | undefined,
  operation: string,
): Promise<DatasetRef> {
  if (datasetTypeOrRef instanceof DatasetRef) {
    refuseDataIdBesideRef(dataId, operation);
    if (datasetTypeOrRef.isComponent()) {
      refuseComponentWrite(
        datasetTypeOrRef.datasetType.name,
        datasetTypeOrRef.datasetType.parentName,
        operation,
      );
    }
    const resolved = await resolveDatasetType(
      butler.registry,
      butler.storageClasses,
      datasetTypeOrRef.datasetType,
    );
    // As plain values: a ref from another repository's butler carries that repository's universe.
    const expanded = await butler.registry.expandDataId(datasetTypeOrRef.dataId.toObject(), {
      dimensions: resolved.parent.dimensions,
    });
    return new DatasetRef(resolved.parent, expanded, datasetTypeOrRef.run, { id: datasetTypeOrRef.id });
  }
  const outRun = butler.outputRun(run, operation);
  const resolved = await resolveDatasetType(butler.registry, butler.storageClasses, datasetTypeOrRef);
  if (resolved.component !== undefined) {
    refuseComponentWrite(`${resolved.parent.name}.${resolved.component}`, resolved.parent.name, operation);
  }
  const merged = mergeDataId(dataId, butler.dataId, resolved.parent.dimensions.names);
  const expanded = await butler.registry.expandDataId(merged, { dimensions: resolved.parent.dimensions });
  const existing = await butler.registry.findDataset(resolved.parent, expanded, { collections: [outRun] });
  if (existing !== null) {
    throw new ConflictingDefinitionError(
      `a ${resolved.parent.name} dataset with data ID ${expanded} already exists in run '${outRun}' (id ${existing.id}); ` +
        "remove it first (pruneDatasets with purge) or write to another run",
    );
  }
  return new DatasetRef(resolved.parent, expanded, outRun);
}
