/**
 * Reading datasets: one (`get`) or many (`getMany`, one find-first query per dataset type, one lookup
 * of every file record, reads at bounded concurrency). The datastore reads only the bytes each needs;
 * `timer.butler` (debug) logs where the time went, in parts that sum to the whole.
 */
import { type DataIdInput, DatasetRef, type DatasetType } from "../core/index.ts";
import type { GetMetrics, StoredFileRecord } from "../datastore/index.ts";
import type { Butler } from "./butler.ts";
import { mapConcurrent } from "./concurrency.ts";
import { findForRead, findGroup, type ReadTarget } from "./find.ts";
import type { ButlerGetOptions, GetManyItem, GetManyOptions } from "./options.ts";
import { roundMs, timer } from "./timer.ts";

/** Datasets getMany reads at once by default. */
const DEFAULT_GET_MANY_CONCURRENCY = 16;

/** The parts of a get's time the datastore measures, summed over the datasets of a `getMany`. */
interface ReadTotals {
  recordMs: number;
  openMs: number;
  fetchMs: number;
  decodeMs: number;
  requests: number;
  bytes: number;
  cacheHits: number;
}

/** Reads one dataset, component or cutout (see `Butler.get`). */
export async function getDataset<T>(
  butler: Butler,
  refOrType: DatasetRef | DatasetType | string,
  dataId: DataIdInput | null | undefined,
  options: ButlerGetOptions,
): Promise<T> {
  const started = performance.now();
  const target = await findForRead(butler, refOrType, dataId, options, "get");
  return readTarget<T>(butler, target, options, started);
}

/** Reads many datasets, keeping the input order (see `Butler.getMany`). */
export async function getMany<T>(
  butler: Butler,
  items: readonly GetManyItem[],
  options: GetManyOptions,
): Promise<T[]> {
  const started = performance.now();
  const targets = new Array<ReadTarget>(items.length);
  const groups = new Map<string, { type: string | DatasetType; indexes: number[] }>();
  for (const [i, item] of items.entries()) {
    if (item instanceof DatasetRef) {
      targets[i] = await findForRead(butler, item, null, options, "getMany");
      continue;
    }
    const name = typeof item.datasetType === "string" ? item.datasetType : item.datasetType.name;
    const group = groups.get(name) ?? { type: item.datasetType, indexes: [] };
    group.indexes.push(i);
    groups.set(name, group);
  }
  for (const group of groups.values()) {
    const found = await findGroup(
      butler,
      group.type,
      group.indexes.map((i) => (items[i] as { dataId?: DataIdInput | null }).dataId),
      options,
    );
    group.indexes.forEach((i, k) => {
      targets[i] = found[k]!;
    });
  }
  const recordStarted = performance.now();
  // One lookup of every record instead of one per dataset.
  const records = await butler.datastore.getRecords(targets.map((t) => t.ref.id));
  const readStarted = performance.now();
  const totals: ReadTotals = {
    recordMs: readStarted - recordStarted,
    openMs: 0,
    fetchMs: 0,
    decodeMs: 0,
    requests: 0,
    bytes: 0,
    cacheHits: 0,
  };
  // Component reads of a remote root: as many at once as the datastore's adaptive request limit may
  // allow, which it raises with the store's latency; whole datasets stay 16 at a time (memory).
  const componentsOnly = targets.every((t) => t.component !== undefined);
  const concurrency =
    options.concurrency ??
    (butler.datastore.root.remote === true && componentsOnly
      ? butler.datastore.requestLimiter.max
      : DEFAULT_GET_MANY_CONCURRENCY);
  const values = await mapConcurrent(targets, concurrency, async (target) => {
    const value = await readTarget<T>(
      butler,
      target,
      options,
      performance.now(),
      records.get(target.ref.id),
      totals,
    );
    options.onRead?.();
    return value;
  });
  if (timer.isEnabledFor("debug")) {
    const tookMs = performance.now() - started;
    const registryMs = recordStarted - started;
    // Registry and record lookups run once for all datasets; open, fetch and decode are summed over
    // the datasets, which are read `concurrency` at a time: with concurrency 1 the parts sum to
    // `took`, above it they can exceed readMs (the wall time of the reads) and otherMs is then 0.
    const parts = registryMs + totals.recordMs + totals.openMs + totals.fetchMs + totals.decodeMs;
    timer.debug(`Retrieved ${items.length} datasets: took ${tookMs.toFixed(3)} ms`, {
      registryMs: roundMs(registryMs),
      recordMs: roundMs(totals.recordMs),
      openMs: roundMs(totals.openMs),
      fetchMs: roundMs(totals.fetchMs),
      decodeMs: roundMs(totals.decodeMs),
      otherMs: roundMs(Math.max(0, tookMs - parts)),
      readMs: roundMs(started + tookMs - readStarted),
      requests: totals.requests,
      bytes: totals.bytes,
      cacheHits: totals.cacheHits,
      datasetTypes: groups.size,
      concurrency,
    });
  }
  return values;
}

async function readTarget<T>(
  butler: Butler,
  target: ReadTarget,
  options: ButlerGetOptions,
  started: number,
  record?: StoredFileRecord,
  totals?: ReadTotals,
): Promise<T> {
  const result = await butler.datastore.get<T>(target.ref, {
    ...(record === undefined ? {} : { record }),
    ...(target.component === undefined ? {} : { component: target.component }),
    ...(options.parameters === undefined ? {} : { parameters: options.parameters }),
    ...(target.storageClass === undefined ? {} : { storageClass: target.storageClass }),
    ...(options.signal === undefined ? {} : { signal: options.signal }),
  });
  logGet(target, result.metrics, performance.now() - started);
  if (totals !== undefined) {
    const m = result.metrics;
    totals.recordMs += m.recordMs;
    totals.openMs += m.openMs;
    totals.fetchMs += m.fetchMs;
    totals.decodeMs += m.decodeMs;
    totals.requests += m.requests;
    totals.bytes += m.bytesRead;
    totals.cacheHits += m.cacheHits;
  }
  return result.value;
}

function logGet(target: ReadTarget, metrics: GetMetrics, totalMs: number): void {
  if (!timer.isEnabledFor("debug")) return;
  const name =
    target.component === undefined
      ? target.ref.datasetType.name
      : `${target.ref.datasetType.name}.${target.component}`;
  // The parts sum to `took`: finding the dataset, its record, opening, fetching, decoding, and the
  // rest (argument checks, assembling the result, logging).
  const parts = target.registryMs + metrics.recordMs + metrics.openMs + metrics.fetchMs + metrics.decodeMs;
  timer.debug(`Retrieved dataset ${name}@${target.ref.dataId}: took ${totalMs.toFixed(3)} ms`, {
    registryMs: roundMs(target.registryMs),
    recordMs: roundMs(metrics.recordMs),
    openMs: roundMs(metrics.openMs),
    fetchMs: roundMs(metrics.fetchMs),
    decodeMs: roundMs(metrics.decodeMs),
    otherMs: roundMs(Math.max(0, totalMs - parts)),
    requests: metrics.requests,
    bytes: metrics.bytesRead,
    cacheHits: metrics.cacheHits,
    id: target.ref.id,
  });
}
