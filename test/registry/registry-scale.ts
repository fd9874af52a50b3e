/**
 * The daf_butler-measured scale test (research/daf_butler-measured.md §2), runnable by hand:
 *   node --import tsx test/registry/registry-scale.ts [database-uri] [datasets]
 * 1 instrument, 5 filters, 100 detectors, 1000 visits; 300 RUNs in one chain; datasets inserted in 300
 * calls (3 copies of each data ID in runs (k + 101·j) mod 300); then find-first over the chain for all
 * data IDs, a visit range, and 1000 findDataset calls. Prints one JSON line of timings.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CollectionType, DatasetType } from "../../src/core/index.ts";
import { Registry } from "../../src/registry/index.ts";

export interface ScaleResult {
  readonly datasets: number;
  readonly insertSeconds: number;
  /** Time of `registry.analyze()` after the load (planner statistics). */
  readonly analyzeSeconds: number;
  readonly findFirstAllSeconds: number;
  readonly findFirstAllRows: number;
  readonly findFirstSubsetSeconds: number;
  readonly findFirstSubsetRows: number;
  /** Time of `finds` findDataset calls (1000 by default). */
  readonly findDataset1000Seconds: number;
  readonly mismatches: number;
}

/** A seeded shuffle (mulberry32), so every run picks the same data IDs. */
function rng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface ScaleOptions {
  /** Datasets to insert (100,000 in the measured test). */
  readonly datasets?: number;
  /** findDataset calls to time (1000 in the measured test). */
  readonly finds?: number;
}

export async function runScale(registry: Registry, options: ScaleOptions = {}): Promise<ScaleResult> {
  const total = options.datasets ?? 100_000;
  const finds = options.finds ?? 1000;
  const runs = 300;
  await registry.insertDimensionData("instrument", [{ name: "Cam", visit_max: 1000, detector_max: 100 }]);
  await registry.insertDimensionData(
    "physical_filter",
    [..."grizy"].map((b) => ({ instrument: "Cam", name: `Cam-${b}`, band: b })),
  );
  await registry.insertDimensionData("day_obs", [{ instrument: "Cam", id: 20240101 }]);
  await registry.insertDimensionData(
    "detector",
    Array.from({ length: 100 }, (_, i) => ({ instrument: "Cam", id: i, full_name: `D${i}` })),
  );
  await registry.insertDimensionData(
    "visit",
    Array.from({ length: 1000 }, (_, v) => ({
      instrument: "Cam",
      id: v,
      name: `v${v}`,
      physical_filter: `Cam-${"grizy"[v % 5]}`,
      day_obs: 20240101,
    })),
  );
  const calexp = DatasetType.fromNames(
    "calexp",
    ["instrument", "visit", "detector"],
    "ExposureF",
    registry.universe,
  );
  await registry.registerDatasetType(calexp);
  const runNames = Array.from({ length: runs }, (_, i) => `run${String(i).padStart(3, "0")}`);
  for (const run of runNames) await registry.registerRun(run);
  await registry.registerCollection("chain", CollectionType.CHAINED);
  await registry.setCollectionChain("chain", runNames);

  const random = rng(42);
  const grid = Array.from({ length: 100_000 }, (_, i) => i);
  for (let i = grid.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [grid[i], grid[j]] = [grid[j]!, grid[i]!];
  }
  const distinct = Math.ceil(total / 3);
  const perRun: Record<string, unknown>[][] = runNames.map(() => []);
  const expected = new Map<string, number>();
  let count = 0;
  for (let k = 0; k < distinct && count < total; k++) {
    const cell = grid[k]!;
    const dataId = { instrument: "Cam", visit: Math.floor(cell / 100), detector: cell % 100 };
    let best = runs;
    for (let j = 0; j < 3 && count < total; j++, count++) {
      const run = (k + 101 * j) % runs;
      perRun[run]!.push(dataId);
      best = Math.min(best, run);
    }
    expected.set(`${dataId.visit}/${dataId.detector}`, best);
  }
  let start = performance.now();
  for (let r = 0; r < runs; r++) await registry.insertDatasets(calexp, perRun[r]!, runNames[r]!);
  const insertSeconds = (performance.now() - start) / 1000;
  start = performance.now();
  await registry.analyze();
  const analyzeSeconds = (performance.now() - start) / 1000;

  start = performance.now();
  const all = await registry.findFirstDatasets(calexp, "chain");
  const findFirstAllSeconds = (performance.now() - start) / 1000;
  let mismatches = 0;
  for (const ref of all) {
    const key = `${ref.dataId.get("visit")}/${ref.dataId.get("detector")}`;
    if (runNames[expected.get(key)!] !== ref.run) mismatches++;
  }
  if (all.length !== expected.size) mismatches += Math.abs(all.length - expected.size);

  const subsetIds = [...expected.keys()]
    .map((k) => k.split("/").map(Number) as [number, number])
    .filter(([v]) => v >= 100 && v < 200)
    .map(([visit, detector]) => ({ instrument: "Cam", visit, detector }));
  start = performance.now();
  const subset = await registry.findFirstDatasets(calexp, "chain", { dataIds: subsetIds });
  const findFirstSubsetSeconds = (performance.now() - start) / 1000;

  const sample = [...expected.keys()].slice(0, finds);
  start = performance.now();
  for (const key of sample) {
    const [visit, detector] = key.split("/").map(Number);
    const ref = await registry.findDataset(
      calexp,
      { instrument: "Cam", visit, detector },
      { collections: "chain" },
    );
    if (ref?.run !== runNames[expected.get(key)!]) mismatches++;
  }
  const findDataset1000Seconds = (performance.now() - start) / 1000;
  return {
    datasets: count,
    insertSeconds,
    analyzeSeconds,
    findFirstAllSeconds,
    findFirstAllRows: all.length,
    findFirstSubsetSeconds,
    findFirstSubsetRows: subset.length,
    findDataset1000Seconds,
    mismatches,
  };
}

if (import.meta.filename === process.argv[1]) {
  const dir = mkdtempSync(join(tmpdir(), "butler-scale-"));
  const uri = process.argv[2] ?? join(dir, "gen3.sqlite3");
  const total = Number(process.argv[3] ?? 100_000);
  const registry = await Registry.create({ db: uri });
  try {
    console.log(JSON.stringify({ uri, ...(await runScale(registry, { datasets: total })) }));
  } finally {
    await registry.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
