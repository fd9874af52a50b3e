/**
 * `FileDatastore.get`: reads a dataset or one component of it through the one read path (`read.ts`):
 * the checks and the plan before any I/O, the record's file opened through the byte stack of
 * `read-source.ts`, the planned ranges fetched and decoded, and where the time went reported.
 */
import { createMetrics } from "../bytes/with-metrics.ts";
import type { DatasetRef, StorageClassFactory } from "../core/index.ts";
import {
  DatasetFileNotFoundError,
  FileIntegrityError,
  FormatterError,
  InvalidArgumentError,
  isButlerError,
} from "../errors/index.ts";
import { getLogger } from "../log.ts";
import { prepareRead } from "./assembler.ts";
import { withBusyTime } from "./busy-time.ts";
import type { HeaderCacheCounter } from "./cache/header-cache.ts";
import type { FileDatastore } from "./file-datastore.ts";
import type { GetOptions, GetResult } from "./file-datastore-types.ts";
import { decodePlanned, laterReads, planDatasetRead } from "./read.ts";
import { displayPath, gapBytesFor, type OpenedRead, openReadSource } from "./read-source.ts";
import type { StoredFileRecord } from "./records.ts";

/** daf_butler's `timer.…` convention: `--log-level timer.datastore=debug` shows where the time went. */
const timer = getLogger("timer.datastore");

function round(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}

function errorCode(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException | undefined)?.code;
}

/**
 * Reads a dataset or one component of it. Components and parameters are checked before any I/O
 * (UnknownComponentError, UnknownParameterError, InvalidParameterError). A record whose file is gone
 * is a DatasetFileNotFoundError naming the path.
 */
export async function getDataset<T = unknown>(
  ds: FileDatastore,
  ref: DatasetRef,
  options: GetOptions = {},
): Promise<GetResult<T>> {
  const started = performance.now();
  const refComponent = ref.datasetType.component ?? undefined;
  if (options.component !== undefined && refComponent !== undefined && options.component !== refComponent) {
    throw new InvalidArgumentError(
      `the ref is for component '${refComponent}' but component '${options.component}' was asked for`,
    );
  }
  const component = options.component ?? refComponent;
  const compositeType = ref.datasetType.makeCompositeDatasetType();
  const readAs = options.storageClass ?? compositeType.storageClass;
  // Unknown components and parameters fail before the record lookup.
  const prepared = prepareRead(ds.storageClasses, readAs, component, options.parameters);
  const recordStarted = performance.now();
  const record =
    options.record !== undefined && options.record.datasetId === ref.id
      ? options.record
      : await ds.getRecord(ref.id);
  const openStarted = performance.now();
  const context = {
    root: ds.root,
    limiter: ds.requestLimiter,
    fileCache: ds.cache,
    headerCache: ds.headerCache,
  };
  const cacheable = () => ds.cache?.isCacheable(cacheSubject(ds.storageClasses, ref, record)) ?? false;
  // Parts of the value fetched after this get (an Exposure's archived components) open the same stack;
  // `timer.datastore` at debug level reports each such fetch.
  const later = laterReads(
    async () => {
      await ds.root.connect?.();
      const started = performance.now();
      const fetched = createMetrics();
      let opened: OpenedRead;
      try {
        opened = await openReadSource(context, record, {
          wholeFile: false,
          cacheable: cacheable(),
          metrics: fetched,
          counter: { hits: 0 },
        });
      } catch (err) {
        if (errorCode(err) === "ENOENT" || isButlerError(err, "NOT_FOUND")) {
          throw new DatasetFileNotFoundError(ref.id, displayPath(ds.root, record.path), { cause: err });
        }
        throw err;
      }
      const release = async () => {
        await opened.release?.();
        if (timer.isEnabledFor("debug")) {
          timer.debug(
            `Fetched more of ${ds.root.uriOf(record.path)} after the get: took ${(performance.now() - started).toFixed(3)} ms`,
            { bytes: fetched.bytes, requests: fetched.requests },
          );
        }
      };
      return { source: opened.source, release };
    },
    { gapBytes: gapBytesFor(ds.root), size: record.byteIndex?.size },
  );
  const planned = await planDatasetRead(
    ds.formatters,
    ds.storageClasses,
    record,
    {
      component,
      parameters: options.parameters,
      storageClass: readAs,
      signal: options.signal,
      later,
    },
    prepared,
  );
  const formatter = planned.formatter;
  // A file's size comes from its record (no HEAD), and a local one is checked against it when opened
  // (read-source.ts); only a record without a size asks the store.
  if (record.fileSize < 0) {
    const size = await ds.root.size(record.path);
    if (size === undefined) throw new DatasetFileNotFoundError(ref.id, displayPath(ds.root, record.path));
    if (record.fileSize >= 0 && size !== record.fileSize) {
      throw new FileIntegrityError(
        displayPath(ds.root, record.path),
        `the file has ${size} bytes but its record says ${record.fileSize}; it was changed outside the butler`,
      );
    }
  }
  const metrics = createMetrics();
  const counter: HeaderCacheCounter = { hits: 0 };
  let opened: OpenedRead | undefined;
  let openedAt = 0;
  // A whole-file download into the cache happens while opening; it is fetching, not opening.
  let downloadMs = 0;
  let value: unknown;
  try {
    await ds.root.connect?.();
    opened = await openReadSource(context, record, {
      wholeFile: planned.wholeFile,
      cacheable: cacheable(),
      metrics,
      counter,
    });
    openedAt = performance.now();
    downloadMs = opened.fetchMs;
    const { source, clock } = withBusyTime(opened.source);
    try {
      value = await decodePlanned(planned, source, {
        gapBytes: gapBytesFor(ds.root),
        describe: () => `${ref.datasetType.parentName} ${ref.dataId} in ${ref.run}`,
      });
    } finally {
      opened.fetchMs = downloadMs + clock.ms;
      await source.close?.();
    }
  } catch (err) {
    if (errorCode(err) === "ENOENT" || isButlerError(err, "NOT_FOUND")) {
      throw new DatasetFileNotFoundError(ref.id, displayPath(ds.root, record.path), { cause: err });
    }
    throw isButlerError(err)
      ? err
      : new FormatterError(
          formatter.name,
          `failure from formatter '${formatter.name}' for dataset ${ref.id} (${ref.datasetType.name} from ${ds.root.uriOf(record.path)}): ${(err as Error).message}`,
          { cause: err },
        );
  } finally {
    await opened?.release?.();
  }
  const ended = performance.now();
  const result: GetResult<T> = {
    value: value as T,
    metrics: {
      recordMs: openStarted - recordStarted,
      openMs: Math.max(0, openedAt - openStarted - downloadMs),
      fetchMs: opened.fetchMs,
      decodeMs: Math.max(0, ended - openedAt - (opened.fetchMs - downloadMs)),
      bytesRead: metrics.bytes,
      requests: metrics.requests,
      totalMs: ended - started,
      cacheHits: opened.cacheHits + counter.hits,
    },
    uri: ds.root.uriOf(record.path),
    record,
  };
  if (timer.isEnabledFor("debug")) {
    const m = result.metrics;
    timer.debug(
      `Reading${component === undefined ? "" : ` component ${component}`} from ${result.uri} with formatter ${formatter.name}: took ${m.totalMs.toFixed(3)} ms`,
      {
        recordMs: round(m.recordMs),
        openMs: round(m.openMs),
        fetchMs: round(m.fetchMs),
        decodeMs: round(m.decodeMs),
        bytes: m.bytesRead,
        requests: m.requests,
        ...(ds.root.remote === true ? { cacheHits: m.cacheHits } : {}),
      },
    );
  }
  return result;
}

/** What the file cache's `cacheable` rules look at. */
function cacheSubject(storageClasses: StorageClassFactory, ref: DatasetRef, record: StoredFileRecord) {
  const composite = ref.datasetType.makeCompositeDatasetType();
  const storageClass = storageClasses.has(record.storageClass)
    ? storageClasses.get(record.storageClass)
    : undefined;
  return {
    datasetType: composite.name,
    storageClass: record.storageClass,
    ...(storageClass === undefined ? {} : { storageClassAncestors: storageClass.ancestors }),
  };
}

/** A read storage class must be the stored one or related to it by inheritance (no converters yet). */
