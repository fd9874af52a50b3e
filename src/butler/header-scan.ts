/**
 * `queryHeaders`: header values of the datasets a query finds, by data ID. Indexed keys come from the
 * registry in the statement that finds the datasets, with no file opened; keys that are not indexed (and datasets the index has no
 * values for yet) are read from the files, one ranged read each, and the result says which keys came
 * from where.
 */
import type { DataIdInput, DatasetRef } from "../core/index.ts";
import type { FileDatastore } from "../datastore/index.ts";
import { InvalidArgumentError } from "../errors/index.ts";
import { type HeaderValue, parseHeaderKey } from "../fits/header-key.ts";
import type { Registry } from "../registry/index.ts";
import { readDatasetHeaders } from "./header-index.ts";

export interface QueryHeadersOptions {
  /** Keys to return (`KEY`, `HIERARCH …`, `HDU:KEY`); default: every indexed key of the type. */
  keys?: readonly string[];
  collections: string | readonly string[];
  where?: string;
  bind?: Readonly<Record<string, unknown>>;
  dataId?: DataIdInput;
  /** Default: the dataset type's required dimensions. */
  orderBy?: string | readonly string[];
  limit?: number;
  /** Only the first dataset of each data ID in the collections' order (default true). */
  findFirst?: boolean;
  /** Files read at once for keys that are not indexed (default 16). */
  concurrency?: number;
  /** Called after each file read for keys that are not indexed. */
  onRead?: (done: number, total: number) => void;
}

export interface HeaderScanRow {
  /** Made when first asked for: a scan of many datasets that needs only IDs and values skips them. */
  readonly ref: DatasetRef;
  readonly id: string;
  readonly run: string;
  /** The values of the dataset type's required dimensions. */
  readonly dataId: Readonly<Record<string, string | number>>;
  /** By canonical key name, in the order of `keys`; null when the file has no such key. */
  readonly values: Readonly<Record<string, HeaderValue>>;
}

export interface HeaderScan {
  /** Canonical names of the keys returned. */
  readonly keys: readonly string[];
  /** Keys answered from the registry's index. */
  readonly fromIndex: readonly string[];
  /** Keys read from the files (not indexed). */
  readonly fromFiles: readonly string[];
  /** Files read: 0 when every key is indexed and every dataset has its values. */
  readonly filesRead: number;
  readonly rows: readonly HeaderScanRow[];
}

export async function queryHeaders(
  registry: Registry,
  datastore: FileDatastore,
  datasetType: string,
  options: QueryHeadersOptions,
): Promise<HeaderScan> {
  const type = await registry.getDatasetType(datasetType);
  const headers = registry.internals.headers;
  headers.refresh();
  const indexed = (await headers.keys(type.name)).map((k) => k.name);
  const keys =
    options.keys === undefined ? indexed : [...new Set(options.keys.map((k) => parseHeaderKey(k).name))];
  if (keys.length === 0) {
    throw new InvalidArgumentError(
      `no header keys to show: ${type.name} has no indexed keys; name some keys, or index them with 'butler index-headers'`,
    );
  }
  const fromIndex = keys.filter((k) => indexed.includes(k));
  const fromFiles = keys.filter((k) => !indexed.includes(k));
  const records = await headers.keys(type.name);
  const found = await registry.internals.queries.queryDatasetHeaders(
    type,
    {
      collections: options.collections,
      findFirst: options.findFirst ?? true,
      orderBy: options.orderBy ?? type.dimensions.required,
      ...(options.where === undefined ? {} : { where: options.where }),
      ...(options.bind === undefined ? {} : { bind: options.bind }),
      ...(options.dataId === undefined ? {} : { dataId: options.dataId }),
      ...(options.limit === undefined ? {} : { limit: options.limit }),
    },
    fromIndex.map((k) => records.find((r) => r.name === k)!),
  );
  // Datasets the index has no values for yet (written before their keys were indexed) are read too.
  const toRead = found.filter((row) => fromFiles.length > 0 || !row.complete).map((row) => row.id);
  let filesRead = 0;
  if (toRead.length > 0) {
    const read = await readDatasetHeaders(datastore, toRead, keys.map(parseHeaderKey), {
      ...(options.concurrency === undefined ? {} : { concurrency: options.concurrency }),
      onRead: () => {
        filesRead++;
        options.onRead?.(filesRead, toRead.length);
      },
    });
    for (const row of found) {
      const fromFile = read.get(row.id);
      if (fromFile === undefined && row.complete && fromFiles.length === 0) continue;
      for (const key of keys) {
        if (!(key in row.values)) row.values[key] = fromFile?.get(key)?.value ?? null;
      }
    }
  }
  // Keys in the order asked for; indexed ones come back from the registry in name order.
  const rows: HeaderScanRow[] =
    keys.length === fromIndex.length && keys.every((k, i) => k === fromIndex[i])
      ? found
      : found.map(inOrder(keys));
  return { keys, fromIndex, fromFiles, filesRead, rows };
}

/** A row with its values in the order of `keys`. */
function inOrder(keys: readonly string[]): (row: HeaderScanRow) => HeaderScanRow {
  return (row) => {
    const values: Record<string, HeaderValue> = {};
    for (const key of keys) values[key] = row.values[key] ?? null;
    return {
      get ref() {
        return row.ref;
      },
      id: row.id,
      run: row.run,
      dataId: row.dataId,
      values,
    };
  };
}

/** The scan row of a dataset found some other way (a remote query). */
export function scanRowOf(ref: DatasetRef, values: Readonly<Record<string, HeaderValue>>): HeaderScanRow {
  const dataId: Record<string, string | number> = {};
  for (const d of ref.datasetType.dimensions.required) dataId[d] = ref.dataId.get(d) as string | number;
  return { ref, id: ref.id, run: ref.run, dataId, values };
}
