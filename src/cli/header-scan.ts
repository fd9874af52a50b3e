/**
 * `scan-metadata` over the header index: when the dataset type has indexed keys among those asked
 * (or any, when none are asked), the indexed ones come from the registry with no file opened and the
 * others from one ranged read of each file's headers; a line on stderr says which came from where.
 */

import type { AnyButler } from "../client/open.ts";
import { RemoteButler } from "../client/remote-butler.ts";
import { parseHeaderKey } from "../fits/header-key.ts";
import type { OutputFormat, Row } from "./output.ts";
import { progressBar } from "./progress.ts";
import { cellOf } from "./repo-command.ts";

export interface IndexedScanOptions {
  collections: readonly string[];
  where?: string;
  bind?: Record<string, unknown>;
  keys?: readonly string[];
  orderBy: readonly string[];
  limit?: number;
  concurrency: number;
  format: OutputFormat;
}

/** A scan's table, and the line saying which keys came from where. */
export interface IndexedScan {
  readonly rows: Row[];
  readonly columns: readonly string[];
  readonly keys: readonly string[];
  readonly indexedKeys: readonly string[];
  readonly note: string;
}

/** Runs the scan from the index; undefined (nothing read) when no asked key is indexed. */
export async function scanFromIndex(
  butler: AnyButler,
  datasetType: string,
  options: IndexedScanOptions,
): Promise<IndexedScan | undefined> {
  const indexed =
    butler instanceof RemoteButler
      ? await butler.indexedHeaderKeys(datasetType)
      : (await butler.registry.internals.headers.keys(datasetType)).map((k) => k.name);
  const asked = options.keys?.map((k) => parseHeaderKey(k).name);
  if (indexed.length === 0 || (asked !== undefined && !asked.some((k) => indexed.includes(k)))) {
    return undefined;
  }
  const bar = progressBar("reading headers");
  const scan = await butler.queryHeaders(datasetType, {
    collections: options.collections,
    ...(options.where === undefined ? {} : { where: options.where }),
    ...(options.bind === undefined ? {} : { bind: options.bind }),
    ...(asked === undefined ? {} : { keys: asked }),
    orderBy: options.orderBy,
    ...(options.limit === undefined ? {} : { limit: options.limit }),
    concurrency: options.concurrency,
    onRead: (done, total) => bar.update(done, total),
  });
  bar.done();
  const type = await butler.registry.getDatasetType(datasetType);
  const dims = [...type.dimensions.required];
  const rows: Row[] = scan.rows.map(({ dataId, values }) => {
    const row: Row = {};
    for (const d of dims) row[d] = dataId[d] as Row[string];
    for (const key of scan.keys) row[key] = cellOf(values[key], options.format);
    return row;
  });
  const files = scan.fromFiles.length > 0 ? `; read from the files: ${scan.fromFiles.join(", ")}` : "";
  const note = `keys from the header index: ${scan.fromIndex.join(", ") || "none"}${files} (${scan.filesRead} file(s) read)\n`;
  return { rows, columns: [...dims, ...scan.keys], keys: scan.keys, indexedKeys: indexed, note };
}
