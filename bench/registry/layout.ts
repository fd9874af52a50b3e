/**
 * The layout daf_butler was measured on (shared research, daf_butler-measured.md §2), scaled by the
 * number of datasets: 1 instrument, 5 filters, 100 detectors, 300 RUNs in one CHAINED collection,
 * and each data ID in 3 runs `(k + 101·j) mod 300`. At 100,000 datasets there are 1000 visits and
 * 33,334 data IDs chosen by a seeded shuffle of the visit × detector grid; larger sizes add visits
 * so that the grid keeps the same density.
 */
import { CollectionType, DatasetType } from "../../src/core/index.ts";
import type { Registry } from "../../src/registry/index.ts";

export const INSTRUMENT = "Cam";
export const DETECTORS = 100;
export const RUNS = 300;
export const CHAIN = "chain";
export const DATASET_TYPE = "calexp";
const BANDS = "grizy";

export interface BenchDataId extends Readonly<Record<string, unknown>> {
  readonly instrument: string;
  readonly visit: number;
  readonly detector: number;
}

export interface Layout {
  readonly datasets: number;
  readonly visits: number;
  readonly runNames: readonly string[];
  /** Data IDs to insert into each run, by run index. */
  readonly perRun: readonly (readonly BenchDataId[])[];
  /** The run (name) find-first must return, by `visit/detector`. */
  readonly expected: ReadonlyMap<string, string>;
  /** The visit range of the where-clause case, `[begin, end)`: 10%–60% of the visits. */
  readonly visitRange: readonly [number, number];
}

/** A seeded generator (mulberry32), so every run picks the same data IDs. */
function rng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function dataIdKey(visit: unknown, detector: unknown): string {
  return `${visit}/${detector}`;
}

export function makeLayout(datasets: number): Layout {
  const visits = Math.max(1000, Math.ceil(datasets / 100_000) * 1000);
  const runNames = Array.from({ length: RUNS }, (_, i) => `run${String(i).padStart(3, "0")}`);
  const random = rng(42);
  const grid = new Int32Array(visits * DETECTORS);
  for (let i = 0; i < grid.length; i++) grid[i] = i;
  for (let i = grid.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    const t = grid[i]!;
    grid[i] = grid[j]!;
    grid[j] = t;
  }
  const perRun: BenchDataId[][] = runNames.map(() => []);
  const expected = new Map<string, string>();
  let count = 0;
  for (let k = 0; count < datasets; k++) {
    const cell = grid[k]!;
    const dataId = {
      instrument: INSTRUMENT,
      visit: Math.floor(cell / DETECTORS),
      detector: cell % DETECTORS,
    };
    let best = RUNS;
    for (let j = 0; j < 3 && count < datasets; j++, count++) {
      const run = (k + 101 * j) % RUNS;
      perRun[run]!.push(dataId);
      best = Math.min(best, run);
    }
    expected.set(dataIdKey(dataId.visit, dataId.detector), runNames[best]!);
  }
  return {
    datasets,
    visits,
    runNames,
    perRun,
    expected,
    visitRange: [Math.floor(visits / 10), Math.floor((visits * 6) / 10)],
  };
}

/** Dimension records, the dataset type, the runs and the chain (not timed). */
export async function prepareRegistry(registry: Registry, layout: Layout): Promise<DatasetType> {
  await registry.insertDimensionData("instrument", [
    { name: INSTRUMENT, visit_max: layout.visits, detector_max: DETECTORS },
  ]);
  await registry.insertDimensionData(
    "physical_filter",
    [...BANDS].map((b) => ({ instrument: INSTRUMENT, name: `${INSTRUMENT}-${b}`, band: b })),
  );
  await registry.insertDimensionData("day_obs", [{ instrument: INSTRUMENT, id: 20240101 }]);
  await registry.insertDimensionData(
    "detector",
    Array.from({ length: DETECTORS }, (_, i) => ({ instrument: INSTRUMENT, id: i, full_name: `D${i}` })),
  );
  await registry.insertDimensionData(
    "visit",
    Array.from({ length: layout.visits }, (_, v) => ({
      instrument: INSTRUMENT,
      id: v,
      name: `v${v}`,
      physical_filter: `${INSTRUMENT}-${BANDS[v % BANDS.length]}`,
      day_obs: 20240101,
    })),
  );
  const calexp = DatasetType.fromNames(
    DATASET_TYPE,
    ["instrument", "visit", "detector"],
    "ExposureF",
    registry.universe,
  );
  await registry.registerDatasetType(calexp);
  for (const run of layout.runNames) await registry.registerRun(run);
  await registry.registerCollection(CHAIN, CollectionType.CHAINED);
  await registry.setCollectionChain(CHAIN, [...layout.runNames]);
  return calexp;
}
