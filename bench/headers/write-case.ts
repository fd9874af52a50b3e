/**
 * What the header index adds to writes: `put` and `ingest` of the real calexp fixture into two
 * SQLite repositories that differ only in their `headerIndex` config (10 keys of the fixture's primary
 * header, or none), interleaved call by call; the medians per call and their ratio.
 */
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stringify } from "yaml";
import { Butler, readRepoConfig } from "../../src/butler/index.ts";
import { DatasetType } from "../../src/core/index.ts";
import { FitsFile } from "../../src/fits/fits-file.ts";
import type { Exposure } from "../../src/image/exposure.ts";
import { readExposure } from "../../src/image/read-exposure.ts";
import { type ImportTarget, importExport, parseExport } from "../../src/registry/interchange/index.ts";
import { fixturePath, PEER_DATA } from "../../test/support/fixtures.ts";
import { median } from "./timing.ts";

/** Keys present in the fixture's primary header. */
export const FIXTURE_KEYS = [
  "EXPTIME",
  "AIRMASS",
  "FILTER01",
  "DATE-OBS",
  "RA",
  "DEC",
  "OBJECT",
  "MJD",
  "EXP-ID",
  "FRAMEID",
];

export interface WriteCallTimes {
  /** Median wall time per call, ms. */
  readonly indexedMs: number;
  readonly plainMs: number;
  /** Median CPU time of this process per call, ms. */
  readonly indexedCpuMs: number;
  readonly plainCpuMs: number;
  /** Median time per call inside the header index's hook and its registry write (indexed repository). */
  readonly indexMs: number;
}

export interface WriteCaseResult {
  readonly calls: number;
  readonly bytes: number;
  readonly put: WriteCallTimes;
  readonly ingest: WriteCallTimes;
}

function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

async function makeRepo(dir: string, indexed: boolean): Promise<Butler> {
  await Butler.create(dir);
  const config = await readRepoConfig(dir);
  config.raw.headerIndex = indexed
    ? { exposureDefault: false, datasetTypes: { calexp: FIXTURE_KEYS } }
    : { exposureDefault: false };
  writeFileSync(config.file, stringify(config.raw));
  const butler = await Butler.open(dir, { run: "bench/run" });
  const doc = parseExport(readFileSync(join(PEER_DATA, "ci_hsc-subset.yaml"), "utf8"));
  await importExport(butler.registry as unknown as ImportTarget, {
    ...doc,
    items: doc.items.filter((item) => item.kind === "dimension"),
  });
  await butler.registry.registerDatasetType(
    DatasetType.fromNames(
      "calexp",
      ["instrument", "visit", "detector"],
      "ExposureF",
      butler.registry.universe,
    ),
  );
  return butler;
}

export async function writeCase(calls: number): Promise<WriteCaseResult> {
  const scratch = mkdtempSync(join(tmpdir(), "butler-bench-header-writes-"));
  try {
    const file = fixturePath("real/lsst-obs_base-calexp.fits");
    const fits = await FitsFile.open(file);
    let exposure: Exposure;
    try {
      exposure = await readExposure(fits);
    } finally {
      await fits.close();
    }
    const indexed = await makeRepo(join(scratch, "indexed"), true);
    const plain = await makeRepo(join(scratch, "plain"), false);
    try {
      const times = {
        putA: [] as number[],
        putB: [] as number[],
        ingestA: [] as number[],
        ingestB: [] as number[],
      };
      const cpu = new Map<number[], number[]>(Object.values(times).map((list) => [list, []]));
      const index = new Map<number[], number[]>([
        [times.putA, []],
        [times.ingestA, []],
      ]);
      // The index's own work in the indexed repository: its hook and the registry write it queues.
      let indexWork = 0;
      const hook = indexed.datastore.onRecord!;
      indexed.datastore.onRecord = async (event) => {
        const t0 = performance.now();
        await hook(event);
        indexWork += performance.now() - t0;
      };
      const headers = indexed.registry.internals.headers;
      const record = headers.record.bind(headers);
      headers.record = async (type, rows) => {
        const t0 = performance.now();
        await record(type, rows);
        indexWork += performance.now() - t0;
      };
      const timed = async (out: number[], fn: () => Promise<unknown>, keep: boolean) => {
        indexWork = 0;
        const c0 = cpuMs();
        const t0 = performance.now();
        await fn();
        if (!keep) return;
        out.push(performance.now() - t0);
        cpu.get(out)!.push(cpuMs() - c0);
        index.get(out)?.push(indexWork);
      };
      // Data IDs the ci_hsc records allow: visit × detector pairs, two per call (a put and an ingest).
      const pairs = (await indexed.registry.queryDataIds(["instrument", "visit", "detector"])).slice(
        0,
        2 * (calls + 1),
      );
      if (pairs.length < 2 * (calls + 1)) throw new Error(`only ${pairs.length} data IDs for ${calls} calls`);
      const dataId = (k: number) => pairs[k]!.toObject();
      // One untimed call of each first (statement caches, formatter loading); then alternate the order.
      for (let i = -1; i < calls; i++) {
        const detector = i + 1;
        const pair: [Butler, number[]][] =
          i % 2 === 0
            ? [
                [indexed, times.putA],
                [plain, times.putB],
              ]
            : [
                [plain, times.putB],
                [indexed, times.putA],
              ];
        for (const [butler, out] of pair) {
          await timed(out, () => butler.put(exposure, "calexp", dataId(detector)), i >= 0);
        }
        const ingestPair: [Butler, number[]][] =
          i % 2 === 0
            ? [
                [indexed, times.ingestA],
                [plain, times.ingestB],
              ]
            : [
                [plain, times.ingestB],
                [indexed, times.ingestA],
              ];
        for (const [butler, out] of ingestPair) {
          const copy = join(scratch, `in-${detector}-${out === times.ingestA ? "a" : "b"}.fits`);
          copyFileSync(file, copy);
          await timed(
            out,
            () =>
              butler.ingest(
                { path: copy, refs: { datasetType: "calexp", dataId: dataId(detector + calls + 1) } },
                { transfer: "move" },
              ),
            i >= 0,
          );
        }
      }
      const scan = await indexed.queryHeaders("calexp", { collections: "bench/run", keys: FIXTURE_KEYS });
      if (scan.rows.length !== 2 * (calls + 1) || scan.filesRead !== 0) {
        throw new Error(
          `the indexed repository holds ${scan.rows.length} indexed datasets, ${scan.filesRead} files read`,
        );
      }
      const summary = (a: number[], b: number[]): WriteCallTimes => ({
        indexedMs: median(a),
        plainMs: median(b),
        indexedCpuMs: median(cpu.get(a)!),
        plainCpuMs: median(cpu.get(b)!),
        indexMs: median(index.get(a)!),
      });
      return {
        calls,
        bytes: readFileSync(file).length,
        put: summary(times.putA, times.putB),
        ingest: summary(times.ingestA, times.ingestB),
      };
    } finally {
      await indexed.close();
      await plain.close();
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}
