/**
 * `queryHeaders` of a remote butler, with the local butler's answer (a HeaderScan): keys the
 * repository indexes come from the server's registry with no file opened; other keys are read by this
 * client from the files, one ranged GET of the headers each, straight from the store (never through
 * the server).
 */

import { readDatasetHeaders } from "../butler/header-index.ts";
import {
  type HeaderScan,
  type HeaderScanRow,
  type QueryHeadersOptions,
  scanRowOf,
} from "../butler/header-scan.ts";
import type { DatasetRef } from "../core/index.ts";
import { InvalidArgumentError } from "../errors/index.ts";
import { type HeaderValue, parseHeaderKey, type TypedHeaderValue } from "../fits/header-key.ts";
import { bindToJson } from "./bind-wire.ts";
import { type HeaderKeysResponse, type HeaderRowJson, MAX_DATASET_IDS, routePath } from "./protocol.ts";
import type { RemoteButler } from "./remote-butler.ts";
import { dataIdToJson, namesToJson, refFromJson } from "./wire.ts";

/** A local butler's queryHeaders options; collections default to the butler's. */
export type RemoteQueryHeadersOptions = Omit<QueryHeadersOptions, "collections"> & {
  collections?: string | readonly string[];
};

/** The header keys the repository indexes for a dataset type. */
export async function indexedHeaderKeys(butler: RemoteButler, datasetType: string): Promise<string[]> {
  const answer = await butler.connection.getJson<HeaderKeysResponse>(
    routePath("headerKeys", { datasetTypeName: datasetType }),
  );
  return answer.keys;
}

export async function remoteQueryHeaders(
  butler: RemoteButler,
  datasetType: string,
  options: RemoteQueryHeadersOptions,
): Promise<HeaderScan> {
  const collections = butler.searchCollections(options.collections, "queryHeaders");
  const type = await butler.registry.getDatasetType(datasetType);
  const indexed = await indexedHeaderKeys(butler, type.name);
  const keys =
    options.keys === undefined ? indexed : [...new Set(options.keys.map((k) => parseHeaderKey(k).name))];
  if (keys.length === 0) {
    throw new InvalidArgumentError(
      `no header keys to show: ${type.name} has no indexed keys; name some keys, or index them with 'butler index-headers'`,
    );
  }
  const fromIndex = keys.filter((k) => indexed.includes(k));
  const fromFiles = keys.filter((k) => !indexed.includes(k));
  const orderBy = options.orderBy ?? [...type.dimensions.required];
  const query = {
    ...(options.where === undefined ? {} : { where: options.where }),
    ...(options.bind === undefined ? {} : { bind: options.bind }),
    ...(options.dataId === undefined ? {} : { dataId: options.dataId }),
    ...(options.limit === undefined ? {} : { limit: options.limit }),
  };
  let found: { ref: DatasetRef; values: Record<string, HeaderValue> }[];
  if (fromIndex.length > 0) {
    found = [];
    await butler.connection.stream<HeaderRowJson>(
      routePath("queryHeaders"),
      {
        dataset_type: type.name,
        collections: namesToJson(collections, "queryHeaders"),
        keys: fromIndex,
        find_first: options.findFirst ?? true,
        order_by: typeof orderBy === "string" ? orderBy : [...orderBy],
        ...(query.where === undefined ? {} : { where: query.where }),
        ...(query.bind === undefined ? {} : { bind: bindToJson(query.bind) }),
        ...(query.dataId === undefined ? {} : { data_id: dataIdToJson(query.dataId) }),
        ...(query.limit === undefined ? {} : { limit: query.limit }),
      },
      (page) => {
        for (const row of page) {
          found.push({
            ref: refFromJson(row.dataset_ref, butler.registry.universe),
            values: { ...row.values },
          });
        }
      },
    );
  } else {
    const refs = await butler.registry.queryDatasets(type, {
      ...query,
      collections,
      findFirst: options.findFirst ?? true,
      orderBy,
    });
    found = refs.map((ref) => ({ ref, values: {} }));
  }
  let filesRead = 0;
  if (fromFiles.length > 0 && found.length > 0) {
    const ids = found.map((f) => f.ref.id);
    const read = new Map<string, Map<string, TypedHeaderValue>>();
    // The files of MAX_DATASET_IDS datasets per get_file call, each batch read before the next.
    for (let i = 0; i < ids.length; i += MAX_DATASET_IDS) {
      const batch = ids.slice(i, i + MAX_DATASET_IDS);
      await butler.fetchFileInfo(batch);
      const values = await readDatasetHeaders(butler.files.datastore, batch, fromFiles.map(parseHeaderKey), {
        ...(options.concurrency === undefined ? {} : { concurrency: options.concurrency }),
        onRead: () => {
          filesRead++;
          options.onRead?.(filesRead, ids.length);
        },
      });
      for (const [id, value] of values) read.set(id, value);
    }
    for (const row of found) {
      const values = read.get(row.ref.id);
      for (const key of fromFiles) row.values[key] = values?.get(key)?.value ?? null;
    }
  }
  const rows: HeaderScanRow[] = found.map(({ ref, values }) =>
    scanRowOf(ref, Object.fromEntries(keys.map((k) => [k, values[k] ?? null]))),
  );
  return { keys, fromIndex, fromFiles, filesRead, rows };
}
