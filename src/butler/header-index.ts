/**
 * Keeping the header index exact: the values of a new dataset's indexed keys are taken from the
 * headers ingest parsed, or read from its file (the staged copy, through the byte index), and
 * recorded in the transaction that adds its dataset row
 * and datastore record, whichever way it came in (put, ingest, import, transferFrom); `indexHeaders`
 * adds keys to a dataset type and backfills the datasets it already has.
 */
import type { ByteSource } from "../bytes/byte-source.ts";
import type { DatasetRef } from "../core/index.ts";
import type {
  DatastoreTransaction,
  FileDatastore,
  RecordHook,
  StoredFileRecord,
} from "../datastore/index.ts";
import { readHeaderValues, valuesFromHeaders } from "../datastore/index.ts";
import { InvalidArgumentError } from "../errors/index.ts";
import { type HeaderKeySpec, parseHeaderKey, type TypedHeaderValue } from "../fits/header-key.ts";
import type { HeaderRow, Registry } from "../registry/index.ts";
import type { Butler } from "./butler.ts";
import { mapConcurrent } from "./concurrency.ts";
import {
  configuredHeaderKeys,
  type HeaderIndexConfig,
  validateHeaderIndexConfig,
  withHeaderKeys,
} from "./header-config.ts";
import { writeRepoConfig } from "./repo-config.ts";

/** The keys to fill for a dataset type: the config's and those already indexed in the registry. */
export async function headerKeysFor(
  registry: Registry,
  config: HeaderIndexConfig,
  datasetType: string,
  storageClass: string,
): Promise<string[]> {
  const keys = new Set(configuredHeaderKeys(config, datasetType, storageClass));
  for (const key of await registry.internals.headers.keys(datasetType)) keys.add(key.name);
  return [...keys];
}

/**
 * Makes the header index's tables and keys for the dataset types a write is about to store, before its
 * transaction opens (see HeaderIndexManager.prepare): the transaction then only writes values.
 */
export async function prepareHeaderIndex(
  butler: Butler,
  datasetTypes: Iterable<{ name: string; storageClass: string }>,
): Promise<void> {
  const config = validateHeaderIndexConfig(butler.config.raw.headerIndex, butler.config.file);
  const done = new Set<string>();
  for (const type of datasetTypes) {
    if (done.has(type.name)) continue;
    done.add(type.name);
    const keys = await headerKeysFor(butler.registry, config, type.name, type.storageClass);
    if (keys.length > 0) await butler.registry.internals.headers.prepare(type.name, keys);
  }
}

/**
 * The datastore hook that records a new dataset's header values (see the module comment). Values come
 * from the headers ingest has just parsed when it passes them, else from one read of the staged
 * file; they are written together, by dataset type, at the end of the transaction.
 */
export function headerIndexHook(registry: Registry, config: HeaderIndexConfig): RecordHook {
  const pending = new WeakMap<DatastoreTransaction, Map<string, HeaderRow[]>>();
  return async ({ ref, record, open, transaction, headers }) => {
    const type = ref.datasetType;
    const keys = await headerKeysFor(registry, config, type.name, type.storageClass);
    if (keys.length === 0) return;
    const specs = keys.map(parseHeaderKey);
    const values =
      headers !== undefined && record.byteIndex !== null
        ? valuesFromHeaders(record.byteIndex, headers, specs)
        : await readValues(open, record, specs);
    let byType = pending.get(transaction);
    if (byType === undefined) {
      const rows = new Map<string, HeaderRow[]>();
      byType = rows;
      pending.set(transaction, rows);
      transaction.beforeCommit(async () => {
        // In name order, so that writers of several types take the types' locks in one order.
        const names = [...rows.keys()].sort();
        for (const name of names) await registry.internals.headers.record(name, rows.get(name)!);
      });
    }
    const rows = byType.get(type.name);
    if (rows === undefined) byType.set(type.name, [{ datasetId: ref.id, values }]);
    else rows.push({ datasetId: ref.id, values });
  };
}

async function readValues(
  open: () => ByteSource,
  record: StoredFileRecord,
  specs: readonly HeaderKeySpec[],
): Promise<Map<string, TypedHeaderValue>> {
  const source = open();
  try {
    return await readHeaderValues(source, record.byteIndex, specs);
  } finally {
    await source.close?.();
  }
}

/** One ranged read of each file: the values of `specs` for the datasets `ids`, by dataset ID. */
export async function readDatasetHeaders(
  datastore: FileDatastore,
  ids: readonly string[],
  specs: readonly HeaderKeySpec[],
  options: { concurrency?: number; onRead?: () => void } = {},
): Promise<Map<string, Map<string, TypedHeaderValue>>> {
  const records = await datastore.getRecords(ids);
  const present = ids.filter((id) => records.has(id));
  // A remote root reads as many at once as its adaptive request limit may allow, as getMany does.
  const concurrency =
    options.concurrency ?? (datastore.root.remote === true ? datastore.requestLimiter.max : 16);
  const values = await mapConcurrent(present, concurrency, async (id) => {
    const record = records.get(id)!;
    const size = record.byteIndex?.size ?? (record.fileSize >= 0 ? record.fileSize : undefined);
    const out = await readValues(() => datastore.openFile(record.path, size), record, specs);
    options.onRead?.();
    return out;
  });
  return new Map(present.map((id, i) => [id, values[i]!]));
}

export interface IndexHeadersOptions {
  /** Backfill only the datasets in these collections (default: every dataset of the type). */
  collections?: string | readonly string[];
  /** Files read at once (default 16). */
  concurrency?: number;
  /** Datasets recorded per transaction (default 500): an interrupted backfill keeps what it committed. */
  batchSize?: number;
  /** Called after each batch is committed. */
  onProgress?: (done: number, total: number) => void;
  signal?: AbortSignal;
}

export interface IndexHeadersResult {
  /** The keys now indexed for the dataset type. */
  keys: string[];
  /** Datasets whose values were read and recorded. */
  backfilled: number;
  /** Datasets with no file in the datastore (left without values). */
  withoutFile: number;
}

/**
 * Indexes `keys` for `datasetType` in the registry and fills them for the datasets that lack a value
 * of any of them (so a second run after an interruption picks up where the first stopped).
 */
export async function backfillHeaders(
  registry: Registry,
  datastore: FileDatastore,
  datasetType: string,
  keys: readonly string[],
  options: IndexHeadersOptions = {},
): Promise<IndexHeadersResult> {
  if (keys.length === 0) throw new InvalidArgumentError("index-headers needs at least one key");
  const specs = keys.map(parseHeaderKey);
  const type = await registry.getDatasetType(datasetType);
  const headers = registry.internals.headers;
  const indexed = await registry.transaction(() =>
    headers.addKeys(
      type.name,
      specs.map((s) => s.name),
    ),
  );
  let candidates: string[] | undefined;
  if (options.collections !== undefined) {
    const refs: DatasetRef[] = await registry.queryDatasets(type, { collections: options.collections });
    candidates = [...new Set(refs.map((r) => r.id))];
  }
  const missing = await headers.missing(
    type.name,
    specs.map((s) => s.name),
    candidates,
  );
  const batchSize = Math.max(1, options.batchSize ?? 500);
  let done = 0;
  let withoutFile = 0;
  options.onProgress?.(0, missing.length);
  for (let i = 0; i < missing.length; i += batchSize) {
    options.signal?.throwIfAborted();
    const batch = missing.slice(i, i + batchSize);
    const values = await readDatasetHeaders(datastore, batch, specs, {
      ...(options.concurrency === undefined ? {} : { concurrency: options.concurrency }),
    });
    const rows: HeaderRow[] = [...values].map(([datasetId, v]) => ({ datasetId, values: v }));
    withoutFile += batch.length - rows.length;
    await registry.transaction(() => headers.record(type.name, rows));
    done += batch.length;
    options.onProgress?.(done, missing.length);
  }
  return { keys: indexed.map((k) => k.name), backfilled: done - withoutFile, withoutFile };
}

/**
 * Indexes header keys for a dataset type: adds them to `headerIndex` in `butler.yaml` first, so that
 * datasets written from now on get them, then backfills the datasets that lack them.
 */
export async function indexHeaders(
  butler: Butler,
  datasetType: string,
  keys: readonly string[],
  options: IndexHeadersOptions,
): Promise<IndexHeadersResult> {
  butler.checkWriteable("indexHeaders");
  const type = await butler.registry.getDatasetType(datasetType);
  const section = validateHeaderIndexConfig(butler.config.raw.headerIndex, butler.config.file);
  const effective = configuredHeaderKeys(section, type.name, type.storageClass);
  butler.config.raw.headerIndex = withHeaderKeys(section, type.name, effective, keys);
  await writeRepoConfig(butler.config.file, butler.config.raw);
  return backfillHeaders(butler.registry, butler.datastore, type.name, keys, options);
}
