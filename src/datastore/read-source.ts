/**
 * The byte stack of one read, built in one place for every store, in the documented order:
 *
 *   cache → limits → metrics → retry → source
 *
 * - cache: a remote file already in the local file cache is read from there (held while in use); a
 *   whole-file read of a cacheable remote dataset downloads it in one request into the cache; header
 *   bytes already fetched are served from the in-memory header cache;
 * - limits: every remote request takes a slot of the datastore's `RequestLimiter`;
 * - metrics: requests, bytes and ms of the read (above retry, so one read counts once);
 * - retry: remote reads are retried on transient failures within the root's policy;
 * - source: the file, opened with the record's size (so no size probe is sent).
 *
 * A local file has no cache, limit or retry: metrics over the file.
 */
import type { ByteSource } from "../bytes/byte-source.ts";
import { FileSource } from "../bytes/file-source.ts";
import { MemorySource } from "../bytes/memory-source.ts";
import type { RequestLimiter } from "../bytes/with-limit.ts";
import { withLimit } from "../bytes/with-limit.ts";
import { type ByteMetrics, withMetrics } from "../bytes/with-metrics.ts";
import { withRetry } from "../bytes/with-retry.ts";
import { FileIntegrityError } from "../errors/index.ts";
import type { FileCache } from "./cache/file-cache.ts";
import { type HeaderCache, type HeaderCacheCounter, withHeaderCache } from "./cache/header-cache.ts";
import { type DatastoreRoot, isLocalRoot, localPath } from "./location.ts";
import type { StoredFileRecord } from "./records.ts";

/** Gaps bridged between planned ranges: a local read is cheap, a remote request costs a round trip. */
export const LOCAL_GAP_BYTES = 16 * 1024;
export const REMOTE_GAP_BYTES = 256 * 1024;

/** The gap that suits a root's store. */
export function gapBytesFor(root: Pick<DatastoreRoot, "remote">): number {
  return root.remote === true ? REMOTE_GAP_BYTES : LOCAL_GAP_BYTES;
}

/** What a datastore lends its reads: the root and the shared caches and limiter. */
export interface ReadContext {
  root: DatastoreRoot;
  limiter: RequestLimiter;
  fileCache?: FileCache | undefined;
  headerCache?: HeaderCache | undefined;
}

export interface ReadSourceOptions {
  /** The formatter reads all of the file, so a cacheable remote file is downloaded whole into the cache. */
  wholeFile: boolean;
  /** Whether the dataset may go into the file cache (the cache's `cacheable` rules). */
  cacheable: boolean;
  /** The read's counters (requests and bytes on the wire). */
  metrics: ByteMetrics;
  /** Hits of the header cache. */
  counter: HeaderCacheCounter;
}

/** The opened stack, and what opening it cost. */
export interface OpenedRead {
  source: ByteSource;
  /** Fetch time spent while opening (a whole-file download). */
  fetchMs: number;
  /** 1 when the file came from the local file cache. */
  cacheHits: number;
  /** Lets go of a cached file once the read is done. */
  release?: () => Promise<void>;
}

/** A file's extension for the cache: everything after the first dot of its name (`.fits`, `.fits.gz`). */
function cacheExtension(path: string): string {
  const name = path.slice(path.lastIndexOf("/") + 1);
  const dot = name.indexOf(".", 1);
  return dot > 0 ? name.slice(dot) : "";
}

/**
 * The file at a record path below the caches: limits → metrics → retry → source for a remote file,
 * metrics → source for a local one (no limit, no retry).
 */
export function fileStack(
  root: DatastoreRoot,
  limiter: RequestLimiter,
  path: string,
  size: number | undefined,
  metrics?: ByteMetrics,
): ByteSource {
  return stackOver(
    root,
    limiter,
    path,
    root.open(path, size === undefined || size < 0 ? {} : { size }),
    metrics,
  );
}

function stackOver(
  root: DatastoreRoot,
  limiter: RequestLimiter,
  path: string,
  file: ByteSource,
  metrics: ByteMetrics | undefined,
): ByteSource {
  const retry = root.retryPolicy(path);
  let source = retry === undefined ? file : withRetry(file, retry);
  if (metrics !== undefined) source = withMetrics(source, metrics);
  return root.remote === true ? withLimit(source, limiter) : source;
}

/** A record path as a user knows it: a local path, else the URI. */
export function displayPath(root: DatastoreRoot, path: string): string {
  try {
    return localPath(root.uriOf(path));
  } catch {
    return root.uriOf(path);
  }
}

/** Opens the byte stack of one read of `record`'s file. */
export async function openReadSource(
  context: ReadContext,
  record: Pick<StoredFileRecord, "datasetId" | "path" | "fileSize" | "byteIndex">,
  options: ReadSourceOptions,
): Promise<OpenedRead> {
  const { root, limiter } = context;
  const metrics = options.metrics;
  if (root.remote !== true) {
    const file = root.open(record.path, record.fileSize >= 0 ? { size: record.fileSize } : {});
    if (record.fileSize >= 0 && isLocalRoot(record.path)) {
      // The size of the opened file (the fstat that opening it does anyway) against the record's.
      const size = await file.size();
      if (size !== record.fileSize) {
        await file.close?.();
        throw new FileIntegrityError(
          displayPath(root, record.path),
          `the file has ${size} bytes but its record says ${record.fileSize}; it was changed outside the butler`,
        );
      }
    }
    return { source: stackOver(root, limiter, record.path, file, metrics), fetchMs: 0, cacheHits: 0 };
  }
  const uri = root.uriOf(record.path);
  const cache = context.fileCache;
  if (cache?.enabled) {
    const extension = cacheExtension(record.path);
    const cached = await cache.find(record.datasetId, extension);
    if (cached !== undefined) {
      return {
        source: withMetrics(new FileSource(cached.path, { key: uri }), metrics),
        fetchMs: 0,
        cacheHits: 1,
        release: cached.release,
      };
    }
    const download = root.download?.bind(root);
    if (
      options.wholeFile &&
      options.cacheable &&
      download !== undefined &&
      record.fileSize >= 0 &&
      cache.accepts(record.fileSize)
    ) {
      const started = performance.now();
      metrics.requests++;
      const bytes = await limiter.run(() => download(record.path));
      if (bytes.byteLength !== record.fileSize) {
        throw new FileIntegrityError(
          uri,
          `the file has ${bytes.byteLength} bytes but its record says ${record.fileSize}; it was changed outside the butler`,
        );
      }
      metrics.bytes += bytes.byteLength;
      const fetchMs = performance.now() - started;
      await cache.insert(record.datasetId, extension, bytes);
      return { source: new MemorySource(bytes, { key: uri }), fetchMs, cacheHits: 0 };
    }
  }
  let source = fileStack(root, limiter, record.path, record.fileSize, metrics);
  if (context.headerCache !== undefined) {
    source = withHeaderCache(
      source,
      context.headerCache,
      record.datasetId,
      record.byteIndex,
      options.counter,
    );
  }
  return { source, fetchMs: 0, cacheHits: 0 };
}
