/**
 * One benchmark case: one engine, one size, in its own process (so peak memory is this case's).
 * Loads the layout through the registry API and, into a sibling database on the same engine, with the
 * hand-written SQL; checks both hold the same datasets; then times each query both ways on the API's
 * database, interleaved, and checks the answers are the same set.
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import type { DataCoordinate, DatasetRef, DatasetType } from "../../src/core/index.ts";
import { Registry } from "../../src/registry/index.ts";
import { type AnswerRow, HandWritten } from "./handwritten.ts";
import {
  CHAIN,
  DATASET_TYPE,
  dataIdKey,
  INSTRUMENT,
  type Layout,
  makeLayout,
  prepareRegistry,
} from "./layout.ts";

export type EngineName = "sqlite" | "postgres";

export interface Timing {
  /** Median wall time of the repeats, ms. */
  readonly ms: number;
  readonly samples: readonly number[];
  /** Median CPU time (user + system) of this process, ms: less sensitive to other load than wall time. */
  readonly cpuMs: number;
}

export interface CaseMeasurement {
  readonly name: string;
  readonly rows: number;
  /** null when the registry has no such method yet. */
  readonly api: Timing | null;
  readonly hand: Timing;
  /** Per call instead of total (findDataset). */
  readonly perCall?: number;
  readonly sameAnswer: boolean | null;
  readonly note?: string;
}

export interface CaseResult {
  readonly engine: EngineName;
  readonly datasets: number;
  readonly visits: number;
  readonly insert: { readonly api: Timing; readonly hand: Timing; readonly sameAnswer: boolean };
  readonly analyzeMs: number;
  readonly queries: readonly CaseMeasurement[];
  /** Peak resident set of the whole process (resourceUsage().maxRSS), bytes. */
  readonly maxRssBytes: number;
  /** Largest heapUsed seen at the phase boundaries, bytes. */
  readonly peakHeapBytes: number;
  readonly mismatches: readonly string[];
}

export interface CaseOptions {
  readonly engine: EngineName;
  readonly datasets: number;
  readonly repeat: number;
  readonly finds: number;
  /** Server URI without a database, for PostgreSQL. */
  readonly pgServer: string;
}

/** The query methods the registry is gaining; absent ones are reported as not available. */
interface QueryMethods {
  queryDataIds?: (
    dimensions: readonly string[],
    options?: Record<string, unknown>,
  ) => Promise<readonly DataCoordinate[]>;
  queryDatasets?: (datasetType: string, options?: Record<string, unknown>) => Promise<readonly DatasetRef[]>;
}

function cpuNow(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

let peakHeap = 0;
function notePeak(): void {
  peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed);
}

async function timeOnce<T>(fn: () => Promise<T>): Promise<{ wall: number; cpu: number; value: T }> {
  (globalThis as { gc?: () => void }).gc?.();
  const cpu0 = cpuNow();
  const t0 = performance.now();
  const value = await fn();
  const wall = performance.now() - t0;
  const cpu = cpuNow() - cpu0;
  notePeak();
  return { wall, cpu, value };
}

function timing(walls: readonly number[], cpus: readonly number[]): Timing {
  return { ms: median(walls), samples: walls, cpuMs: median(cpus) };
}

/** Runs `api` and `hand` `repeat` times each, alternating which goes first, and keeps the last answers. */
async function interleaved<A, H>(
  repeat: number,
  api: (() => Promise<A>) | null,
  hand: () => Promise<H>,
): Promise<{ api: Timing | null; hand: Timing; apiValue: A | null; handValue: H; apiError?: string }> {
  const aw: number[] = [];
  const ac: number[] = [];
  const hw: number[] = [];
  const hc: number[] = [];
  let apiValue: A | null = null;
  let handValue: H | undefined;
  // One untimed call each warms statement caches and dataset-type/collection caches. An API call that
  // fails is reported as such, and the case goes on with the hand-written side only.
  let apiError: string | undefined;
  if (api !== null) {
    try {
      apiValue = await api();
    } catch (err) {
      apiError = `${(err as Error).name}: ${(err as Error).message}`;
      api = null;
    }
  }
  handValue = await hand();
  for (let i = 0; i < repeat; i++) {
    const order = i % 2 === 0 ? ["api", "hand"] : ["hand", "api"];
    for (const side of order) {
      if (side === "api" && api !== null) {
        const r = await timeOnce(api);
        aw.push(r.wall);
        ac.push(r.cpu);
        apiValue = r.value;
      } else if (side === "hand") {
        const r = await timeOnce(hand);
        hw.push(r.wall);
        hc.push(r.cpu);
        handValue = r.value;
      }
    }
  }
  return {
    api: api === null ? null : timing(aw, ac),
    hand: timing(hw, hc),
    apiValue,
    handValue: handValue!,
    ...(apiError !== undefined ? { apiError } : {}),
  };
}

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  const set = new Set(a);
  if (set.size !== a.length) return false;
  return b.every((x) => set.has(x));
}

function dataIdAnswer(dataId: DataCoordinate): string {
  const v = (d: string) => String(dataId.get(d));
  return `${v("instrument")} ${v("visit")} ${v("detector")} ${v("band")} ${v("day_obs")} ${v("physical_filter")}`;
}

function refAnswer(ref: DatasetRef): AnswerRow {
  return `${ref.id} ${ref.run} ${dataIdAnswer(ref.dataId)}`;
}

/** A fresh, empty database for one registry, and how to remove it. */
interface Place {
  readonly uri: string;
  readonly drop: () => Promise<void>;
}

async function makePlaces(options: CaseOptions): Promise<[Place, Place]> {
  if (options.engine === "sqlite") {
    const dir = mkdtempSync(join(tmpdir(), "butler-bench-registry-"));
    let removed = false;
    const drop = async () => {
      if (!removed) rmSync(dir, { recursive: true, force: true });
      removed = true;
    };
    return [
      { uri: join(dir, "api.sqlite3"), drop },
      { uri: join(dir, "hand.sqlite3"), drop },
    ];
  }
  // One database of its own; the two registries live in two namespaces (schemas) of it.
  const database = `butler_bench_${randomBytes(6).toString("hex")}`;
  const admin = new pg.Client({ connectionString: `${options.pgServer}/postgres` });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${database}`);
  } finally {
    await admin.end();
  }
  let dropped = false;
  const drop = async () => {
    if (dropped) return;
    dropped = true;
    const client = new pg.Client({ connectionString: `${options.pgServer}/postgres` });
    await client.connect();
    try {
      await client.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
    } finally {
      await client.end();
    }
  };
  const base = `${options.pgServer}/${database}`;
  return [
    { uri: `${base}?namespace=api`, drop },
    { uri: `${base}?namespace=hand`, drop },
  ];
}

export async function runCase(options: CaseOptions): Promise<CaseResult> {
  const layout: Layout = makeLayout(options.datasets);
  const [apiPlace, handPlace] = await makePlaces(options);
  const registries: Registry[] = [];
  const mismatches: string[] = [];
  try {
    const registry = await Registry.create({ db: apiPlace.uri });
    registries.push(registry);
    const handRegistry = await Registry.create({ db: handPlace.uri });
    registries.push(handRegistry);
    const calexp: DatasetType = await prepareRegistry(registry, layout);
    const handCalexp = await prepareRegistry(handRegistry, layout);
    notePeak();

    // --- insert: 300 calls, one per run -------------------------------------------------------
    const apiInsert = await timeOnce(async () => {
      for (let r = 0; r < layout.runNames.length; r++) {
        await registry.insertDatasets(calexp, layout.perRun[r]!, layout.runNames[r]!);
      }
    });
    const hand = new HandWritten(registry, calexp);
    const handOther = new HandWritten(handRegistry, handCalexp);
    const handInsert = await timeOnce(() => handOther.insert(layout));
    const sameInsert = sameSet(await hand.stored(), await handOther.stored());
    if (!sameInsert) mismatches.push("insert: the two databases hold different (run, data ID) sets");
    await handRegistry.close();
    registries.pop();
    notePeak();

    const analyze = await timeOnce(() => registry.analyze());
    const queries: CaseMeasurement[] = [];
    const methods = registry as unknown as QueryMethods;
    const queryDatasets = typeof methods.queryDatasets === "function" ? methods.queryDatasets : null;
    const queryDataIds = typeof methods.queryDataIds === "function" ? methods.queryDataIds : null;

    // --- find-first over the chain: findFirstDatasets, and queryDatasets where available -------
    const findFirstCase = async (
      name: string,
      api: (() => Promise<readonly DatasetRef[]>) | null,
      note: string,
    ): Promise<void> => {
      const r = await interleaved(options.repeat, api, () => hand.findFirst());
      const refs = r.apiValue;
      if (refs !== null) {
        let wrong = Math.abs(refs.length - layout.expected.size);
        for (const ref of refs) {
          const key = dataIdKey(ref.dataId.get("visit"), ref.dataId.get("detector"));
          if (layout.expected.get(key) !== ref.run) wrong++;
        }
        if (wrong > 0) mismatches.push(`${name}: ${wrong} data IDs did not get the first run of the chain`);
      }
      const apiRows = refs === null ? null : refs.map(refAnswer);
      queries.push({
        name,
        rows: apiRows?.length ?? r.handValue.length,
        api: r.api,
        hand: r.hand,
        sameAnswer: apiRows === null ? null : sameSet(apiRows, r.handValue),
        note: r.apiError ?? note,
      });
      if (r.apiError !== undefined) mismatches.push(`${name}: ${r.apiError}`);
    };
    await findFirstCase(
      "find-first over the chain (findFirstDatasets)",
      () => registry.findFirstDatasets(calexp, CHAIN),
      "findFirstDatasets(calexp, chain)",
    );
    await findFirstCase(
      "find-first over the chain (queryDatasets)",
      queryDatasets
        ? () => queryDatasets.call(registry, DATASET_TYPE, { collections: CHAIN, findFirst: true })
        : null,
      queryDatasets
        ? "queryDatasets(calexp, { collections: chain, findFirst: true })"
        : "queryDatasets not available",
    );

    // --- find-first with a visit-range where clause --------------------------------------------
    {
      const [lo, hi] = layout.visitRange;
      const where = `instrument = '${INSTRUMENT}' AND visit >= ${lo} AND visit < ${hi}`;
      const api = queryDatasets
        ? () => queryDatasets.call(registry, DATASET_TYPE, { collections: CHAIN, findFirst: true, where })
        : null;
      const r = await interleaved(options.repeat, api, () => hand.findFirst(layout.visitRange));
      const apiRows = r.apiValue === null ? null : r.apiValue.map(refAnswer);
      queries.push({
        name: `find-first, where visit in [${lo}, ${hi})`,
        rows: apiRows?.length ?? r.handValue.length,
        api: r.api,
        hand: r.hand,
        sameAnswer: apiRows === null ? null : sameSet(apiRows, r.handValue),
        note:
          r.apiError ?? (queryDatasets ? `queryDatasets(where: "${where}")` : "queryDatasets not available"),
      });
    }

    // --- data IDs ------------------------------------------------------------------------------
    {
      const api = queryDataIds
        ? () => queryDataIds.call(registry, ["instrument", "visit", "detector"])
        : null;
      const r = await interleaved(options.repeat, api, () => hand.allDataIds());
      const apiRows = r.apiValue === null ? null : r.apiValue.map(dataIdAnswer);
      queries.push({
        name: "data IDs, every visit × detector",
        rows: apiRows?.length ?? r.handValue.length,
        api: r.api,
        hand: r.hand,
        sameAnswer: apiRows === null ? null : sameSet(apiRows, r.handValue),
        note:
          r.apiError ??
          (queryDataIds ? 'queryDataIds(["instrument", "visit", "detector"])' : "queryDataIds not available"),
      });
    }
    {
      const api = queryDataIds
        ? () =>
            queryDataIds.call(registry, ["instrument", "visit", "detector"], {
              datasets: DATASET_TYPE,
              collections: CHAIN,
            })
        : null;
      const r = await interleaved(options.repeat, api, () => hand.datasetDataIds());
      const apiRows = r.apiValue === null ? null : r.apiValue.map(dataIdAnswer);
      queries.push({
        name: "data IDs with a calexp in the chain",
        rows: apiRows?.length ?? r.handValue.length,
        api: r.api,
        hand: r.hand,
        sameAnswer: apiRows === null ? null : sameSet(apiRows, r.handValue),
        note:
          r.apiError ??
          (queryDataIds
            ? 'queryDataIds([...], { datasets: "calexp", collections: "chain" })'
            : "queryDataIds not available"),
      });
    }

    // --- findDataset -----------------------------------------------------------------------------
    {
      const sample = [...layout.expected.keys()]
        .slice(0, options.finds)
        .map((k) => k.split("/").map(Number) as [number, number]);
      const one = await hand.findOne();
      const api = async () => {
        const out: string[] = [];
        for (const [visit, detector] of sample) {
          const ref = await registry.findDataset(
            calexp,
            { instrument: INSTRUMENT, visit, detector },
            { collections: CHAIN },
          );
          out.push(ref === null ? "null" : `${ref.id} ${ref.run}`);
        }
        return out;
      };
      const handAll = async () => {
        const out: string[] = [];
        for (const [visit, detector] of sample) out.push((await one(visit, detector)) ?? "null");
        return out;
      };
      const r = await interleaved(options.repeat, api, handAll);
      const apiRows = r.apiValue ?? [];
      const wrongRun = sample.filter(
        ([v, d], i) => apiRows[i]?.split(" ")[1] !== layout.expected.get(dataIdKey(v, d)),
      ).length;
      if (wrongRun > 0) mismatches.push(`findDataset: ${wrongRun} of ${sample.length} found another run`);
      queries.push({
        name: `findDataset × ${sample.length}`,
        rows: sample.length,
        api: r.api,
        hand: r.hand,
        perCall: sample.length,
        // Same list in the same order: each call's answer is compared.
        sameAnswer: apiRows.length === r.handValue.length && apiRows.every((x, i) => x === r.handValue[i]),
      });
    }

    for (const q of queries) {
      if (q.note !== undefined && /Error: /.test(q.note) && !mismatches.some((m) => m.startsWith(q.name))) {
        mismatches.push(`${q.name}: ${q.note}`);
      }
    }
    return {
      engine: options.engine,
      datasets: layout.datasets,
      visits: layout.visits,
      insert: {
        api: timing([apiInsert.wall], [apiInsert.cpu]),
        hand: timing([handInsert.wall], [handInsert.cpu]),
        sameAnswer: sameInsert,
      },
      analyzeMs: analyze.wall,
      queries,
      maxRssBytes: process.resourceUsage().maxRSS * 1024,
      peakHeapBytes: peakHeap,
      mismatches,
    };
  } finally {
    for (const registry of registries) await registry.close();
    await apiPlace.drop();
    await handPlace.drop();
  }
}
