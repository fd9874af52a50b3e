/**
 * `npm run bench:fits`: the FITS engine against astropy 5.2.1 (Debian's /usr/bin/python3) and `cat`,
 * measured in one run on the same machine, warm page cache.
 *
 * 1. Header scan: every HDU header of every shared fixture, and 1,000 generated 300-card files, with
 *    every value parsed on both sides (astropy parses lazily, so its values are forced).
 * 2. Full read of a 4096×4096 float32 image (64 MiB) into a native array: against `cat` bandwidth and
 *    astropy `memmap=False`; peak memory of the read measured in a child process.
 * 3. A 200×200 cutout of that image (bytes read counted with `withMetrics`).
 * 4. Whole-image decompression: GZIP_2 lossless float32 and RICE_1 int32, both written by fpack.
 *
 * Generated inputs live in a temporary folder (removed at the end); the shared fixtures are read in
 * place. The table goes to stdout and every raw sample to a JSON file under os.tmpdir().
 *
 * Method: astropy runs in one long-lived `/usr/bin/python3 bench/astropy_fits.py serve` process, so
 * the two sides are interleaved call by call (ours, astropy, ours, ... in rounds) and drift on the shared
 * 2-core machine hits both alike. Every sample is a complete open → read → close with the heap collected
 * first (gc, outside the timed region; Python's gc is disabled during its call, as timeit does); every
 * operation gets one untimed warm-up call. Time rows compare medians of both sides; the bandwidth rows
 * compare best-of-N of both sides (cat's process start-up, timed on /dev/null, is subtracted from cat).
 */
import { type ChildProcessByStdio, spawn, spawnSync } from "node:child_process";
import { once } from "node:events";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { createInterface } from "node:readline";
import type { Readable, Writable } from "node:stream";
import { fileURLToPath } from "node:url";
import { FileSource } from "../src/bytes/file-source.ts";
import { createMetrics, withMetrics } from "../src/bytes/with-metrics.ts";
import { FitsFile } from "../src/fits/fits-file.ts";
import { parseHeader } from "../src/fits/header-parse.ts";
import { scanFits } from "../src/fits/scan.ts";
import { ASTROPY, FPACK, requireDebianPackages } from "./requirements.ts";

if (!process.argv.includes("--memory-child")) requireDebianPackages("bench:fits", [ASTROPY, FPACK]);

const THIS_FILE = fileURLToPath(import.meta.url);
const BENCH_DIR = path.dirname(THIS_FILE);
const PYTHON = "/usr/bin/python3";
const PY_HELPER = path.join(BENCH_DIR, "astropy_fits.py");
/** As in the tests: `BUTLER_TESTDATA`, else `../shared/testdata` beside the checkout, else /work/shared/testdata. */
const TESTDATA = process.env.BUTLER_TESTDATA
  ? path.resolve(process.env.BUTLER_TESTDATA)
  : ([path.join(BENCH_DIR, "../../shared/testdata"), "/work/shared/testdata"].find((d) =>
      existsSync(path.join(d, "real")),
    ) ?? "/work/shared/testdata");
const MIB = 1024 * 1024;

/** Rounds per group: each round calls every operation of the group once, ours and astropy alternating. */
const ROUNDS = {
  scan_fixtures: 20,
  scan_small: 5,
  full: 12,
  cutout: 30,
  decompress: 9,
  /** Child processes per side for the peak-memory measurement. */
  memory: 3,
};

interface Generated {
  small: string[];
  big: string;
  gzip2: string;
  rice: string;
  big_shape: [number, number];
  comp_shape: [number, number];
  seconds: { small: number; total: number };
}

interface PythonEnv {
  python: string;
  astropy: string;
  numpy: string;
  executable: string;
}

interface MemoryResult {
  rss_before: number;
  peak_before: number;
  peak_after: number;
  peak_delta: number;
  array_bytes: number;
  array_buffers_delta?: number;
}

const gc: () => void = (globalThis as { gc?: () => void }).gc ?? (() => {});

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

function min(values: number[]): number {
  return Math.min(...values);
}

/** Milliseconds of one call, the heap collected first (outside the timed region). */
async function timeOnce(run: () => Promise<unknown>): Promise<number> {
  gc();
  const start = performance.now();
  await run();
  return performance.now() - start;
}

interface Runner {
  side: "ours" | "astropy";
  name: string;
  /** One timed call; resolves to its milliseconds. */
  run: () => Promise<number>;
}

type Samples = Record<Runner["side"], Record<string, number[]>>;

/**
 * One untimed warm-up call of every runner, then `rounds` rounds calling each runner once, the order
 * reversed every other round, so drift on the shared machine hits ours and astropy alike.
 */
async function interleave(rounds: number, runners: Runner[], samples: Samples): Promise<void> {
  for (const r of runners) await r.run();
  for (let round = 0; round < rounds; round++) {
    const order = round % 2 === 0 ? runners : [...runners].reverse();
    for (const r of order) {
      const ms = await r.run();
      const list = samples[r.side][r.name] ?? [];
      list.push(ms);
      samples[r.side][r.name] = list;
    }
  }
}

/** The astropy side: `astropy_fits.py serve`, one JSON request line in, one JSON reply line out. */
class Baseline {
  readonly #child: ChildProcessByStdio<Writable, Readable, null>;
  readonly #lines: AsyncIterator<string>;

  constructor(specPath: string) {
    this.#child = spawn(PYTHON, [PY_HELPER, "serve", specPath], { stdio: ["pipe", "pipe", "inherit"] });
    this.#lines = createInterface({ input: this.#child.stdout })[Symbol.asyncIterator]();
  }

  async request<T>(request: { op: string }): Promise<T> {
    this.#child.stdin.write(`${JSON.stringify(request)}\n`);
    const { value, done } = await this.#lines.next();
    if (done === true) throw new Error(`the astropy baseline (${PY_HELPER} serve) ended early`);
    return JSON.parse(value as string) as T;
  }

  async time(op: string): Promise<number> {
    return (await this.request<{ ms: number }>({ op })).ms;
  }

  async close(): Promise<void> {
    if (this.#child.exitCode !== null) return;
    const exited = once(this.#child, "exit");
    this.#child.stdin.end(`${JSON.stringify({ op: "quit" })}\n`);
    await exited;
  }

  kill(): void {
    if (this.#child.exitCode === null) this.#child.kill();
  }
}

function python(args: string[], timeoutMs = 170_000): string {
  const r = spawnSync(PYTHON, [PY_HELPER, ...args], {
    encoding: "utf8",
    maxBuffer: 64 * MIB,
    timeout: timeoutMs,
  });
  if (r.status !== 0) {
    throw new Error(`${PYTHON} ${PY_HELPER} ${args[0]} failed (${r.status ?? r.signal}): ${r.stderr}`);
  }
  return r.stdout;
}

/** The shared fixtures: every FITS file of testdata/real and testdata/derived, read in place. */
function fixtureFiles(): string[] {
  const files: string[] = [];
  for (const sub of ["real", "derived"]) {
    const dir = path.join(TESTDATA, sub);
    for (const name of readdirSync(dir).sort()) {
      if (/\.(fits|fz|gz)$/.test(name)) files.push(path.join(dir, name));
    }
  }
  return files;
}

/** Reads every file once so all timings run on a warm page cache. */
function warmPageCache(files: string[]): void {
  for (const f of files) readFileSync(f);
}

// ----------------------------------------------------------------- our operations

async function scanAll(paths: string[], blocksPerRead?: number): Promise<number> {
  let cards = 0;
  for (const p of paths) {
    // FitsFile.open = gzip sniff (2 bytes) + scanFits: every header of every HDU, every card typed.
    const file = await FitsFile.open(p, blocksPerRead === undefined ? {} : { blocksPerRead });
    for (const h of file.index.headers) cards += h.length;
    await file.close();
  }
  return cards;
}

async function scanPlain(paths: string[], blocksPerRead?: number): Promise<number> {
  let cards = 0;
  for (const p of paths) {
    const source = new FileSource(p);
    const index = await scanFits(source, blocksPerRead === undefined ? {} : { blocksPerRead });
    for (const h of index.headers) cards += h.length;
    await source.close();
  }
  return cards;
}

async function fullRead(p: string, hdu: number): Promise<number> {
  const file = await FitsFile.open(p);
  const image = await file.readImage(hdu);
  await file.close();
  return image.data.length;
}

async function cutout(p: string, hdu: number, box: Box): Promise<number> {
  const file = await FitsFile.open(p);
  const image = await file.readImage(hdu, { box });
  await file.close();
  return image.data.length;
}

interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** Bytes and requests one call makes through a metered FileSource (FitsFile.open, then `run`). */
async function metered(
  paths: string[],
  run: (file: FitsFile) => Promise<unknown>,
): Promise<{ bytes: number; requests: number }> {
  const metrics = createMetrics();
  for (const p of paths) {
    const file = await FitsFile.open(withMetrics(new FileSource(p), metrics));
    await run(file);
    await file.close();
  }
  return { bytes: metrics.bytes, requests: metrics.requests };
}

/** Bytes and requests of `scanFits` alone (no gzip sniff), as the timed small-file scan does it. */
async function meteredScan(paths: string[]): Promise<{ bytes: number; requests: number }> {
  const metrics = createMetrics();
  for (const p of paths) {
    const source = withMetrics(new FileSource(p), metrics);
    await scanFits(source);
    await source.close?.();
  }
  return { bytes: metrics.bytes, requests: metrics.requests };
}

// ----------------------------------------------------------------- memory (child process)

/** VmRSS and VmHWM (peak RSS of this process image) from /proc/self/status, in bytes. */
function procMemory(): { rss: number; hwm: number } {
  const status = readFileSync("/proc/self/status", "latin1");
  const kb = (key: string) =>
    Number(new RegExp(`^${key}:\\s+(\\d+) kB`, "m").exec(status)?.[1] ?? Number.NaN) * 1024;
  return { rss: kb("VmRSS"), hwm: kb("VmHWM") };
}

/**
 * Child mode: one full read in a fresh process. The peak-RSS mark is reset just before the read
 * (`echo 5 > /proc/self/clear_refs`), so VmHWM afterwards is the peak during the read. (getrusage's
 * maxRSS cannot be used: it carries the parent's RSS over fork and exec.)
 */
async function memoryChild(file: string, hdu: number): Promise<void> {
  // Warm the code paths on a tiny box first so module loading and JIT do not count as read memory.
  const warm = await FitsFile.open(file);
  await warm.readImage(hdu, { box: { x: 0, y: 0, width: 8, height: 8 } });
  await warm.close();
  gc();
  gc();
  const before = process.memoryUsage();
  writeFileSync("/proc/self/clear_refs", "5");
  const start = procMemory();
  const f = await FitsFile.open(file);
  const image = await f.readImage(hdu);
  await f.close();
  const end = procMemory();
  const after = process.memoryUsage();
  const result: MemoryResult = {
    rss_before: start.rss,
    peak_before: start.hwm,
    peak_after: end.hwm,
    peak_delta: end.hwm - start.rss,
    array_bytes: image.data.byteLength,
    array_buffers_delta: after.arrayBuffers - before.arrayBuffers,
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

function runMemoryChildren(file: string, hdu: number, reps: number): MemoryResult[] {
  const out: MemoryResult[] = [];
  for (let i = 0; i < reps; i++) {
    const r = spawnSync(
      process.execPath,
      [...process.execArgv, THIS_FILE, "--memory-child", file, String(hdu)],
      {
        encoding: "utf8",
        timeout: 60_000,
      },
    );
    if (r.status !== 0) throw new Error(`memory child failed: ${r.stderr}`);
    out.push(JSON.parse(r.stdout.trim().split("\n").at(-1)!) as MemoryResult);
  }
  return out;
}

// ----------------------------------------------------------------- report

interface Row {
  op: string;
  stat: string;
  ours: string;
  baseline: string;
  ratio: string;
  bytes: string;
  goal: string;
  met: string;
}

const fmtMs = (ms: number): string => (ms >= 100 ? ms.toFixed(0) : ms >= 10 ? ms.toFixed(1) : ms.toFixed(3));
const fmtInt = (n: number): string => n.toLocaleString("en-US");
/** Median with the minimum beside it, so contention from other processes on the machine is visible. */
const fmtMed = (values: number[]): string => `${fmtMs(median(values))} ms (min ${fmtMs(min(values))})`;
const fmtX = (x: number): string => `${x >= 10 ? x.toFixed(1) : x.toFixed(2)}×`;

function printTable(rows: Row[]): string {
  const head: Row = {
    op: "operation",
    stat: "stat",
    ours: "ours",
    baseline: "baseline",
    ratio: "ratio",
    bytes: "bytes read (ours / baseline)",
    goal: "goal",
    met: "met?",
  };
  const keys = Object.keys(head) as (keyof Row)[];
  const lines = [head, ...rows].map((r) => `| ${keys.map((k) => r[k]).join(" | ")} |`);
  lines.splice(1, 0, `|${keys.map(() => "---").join("|")}|`);
  return lines.join("\n");
}

/** The commit measured and how many files under src/ differ from it (others edit the checkout too). */
function gitState(): { commit: string; dirtySrcFiles: number } {
  const git = (...args: string[]) =>
    spawnSync("git", args, { cwd: path.join(BENCH_DIR, ".."), encoding: "utf8" }).stdout ?? "";
  const dirty = git("status", "--porcelain", "--", "src")
    .split("\n")
    .filter((l) => l.trim() !== "");
  return { commit: git("rev-parse", "--short", "HEAD").trim(), dirtySrcFiles: dirty.length };
}

// ----------------------------------------------------------------- main

async function main(): Promise<void> {
  const t0 = performance.now();
  const loadAtStart = os.loadavg();
  const dir = mkdtempSync(path.join(os.tmpdir(), "butler-bench-fits-"));
  let baseline: Baseline | undefined;
  try {
    process.stderr.write(`generating data in ${dir} ...\n`);
    const gen = JSON.parse(python(["gen", dir])) as Generated;
    const fixtures = fixtureFiles();
    const big = { path: gen.big, hdu: 1 };
    const gzip2 = { path: gen.gzip2, hdu: 1 };
    const rice = { path: gen.rice, hdu: 1 };
    const [bw, bh] = gen.big_shape;
    const box: Box = { x: bw / 2 - 137, y: bh / 2 - 211, width: 200, height: 200 };
    warmPageCache([...fixtures, ...gen.small, gen.big, gen.gzip2, gen.rice]);

    const spec = {
      fixtures,
      small: gen.small,
      big,
      gzip2,
      rice,
      box: [box.x, box.y, box.width, box.height],
    };
    const specPath = path.join(dir, "spec.json");
    writeFileSync(specPath, JSON.stringify(spec));
    const server = new Baseline(specPath);
    baseline = server;
    const astroEnv = await server.request<PythonEnv>({ op: "env" });

    // Inputs of the diagnostics that split the costs: the small files' header bytes (to time parsing
    // alone) and the big image's data offset (to time the byte-source read alone).
    const smallHeaders: Uint8Array[] = [];
    for (const p of gen.small) {
      const source = new FileSource(p);
      const index = await scanFits(source);
      smallHeaders.push(await source.read(0, index.hdus[0]!.headerLength));
      await source.close();
    }
    const bigSource = new FileSource(big.path);
    const bigIndex = await scanFits(bigSource);
    await bigSource.close();
    const dataOffset = bigIndex.hdus[big.hdu]!.dataOffset;
    const reused = new Uint8Array(bigIndex.hdus[big.hdu]!.dataLength);
    const readData = async (target: Uint8Array) => {
      const source = new FileSource(big.path);
      await source.readInto(dataOffset, target);
      await source.close();
    };

    const samples: Samples = { ours: {}, astropy: {} };
    const mine = (name: string, run: () => Promise<unknown>): Runner => ({
      side: "ours",
      name,
      run: () => timeOnce(run),
    });
    const theirs = (name: string): Runner => ({ side: "astropy", name, run: () => server.time(name) });
    const groups: [string, number, Runner[]][] = [
      [
        "header scan of the fixtures",
        ROUNDS.scan_fixtures,
        [mine("scan_fixtures", () => scanAll(fixtures)), theirs("scan_fixtures")],
      ],
      [
        "header scan of 1000 files",
        ROUNDS.scan_small,
        [
          mine("scan_small", () => scanPlain(gen.small)),
          theirs("scan_small"),
          mine("scan_small_bpr16", () => scanPlain(gen.small, 16)),
          mine("parse_small", async () => {
            for (const h of smallHeaders) parseHeader(h);
          }),
        ],
      ],
      [
        "full read",
        ROUNDS.full,
        [
          mine("full", () => fullRead(big.path, big.hdu)),
          theirs("full"),
          theirs("cat_big"),
          theirs("cat_empty"),
          theirs("full_native"),
          mine("io_reused", () => readData(reused)),
          mine("io_fresh", () => readData(new Uint8Array(reused.byteLength))),
        ],
      ],
      [
        "cutout",
        ROUNDS.cutout,
        [mine("cutout", () => cutout(big.path, big.hdu, box)), theirs("cutout"), theirs("cutout_nommap")],
      ],
      [
        "decompression",
        ROUNDS.decompress,
        [
          mine("gzip2", () => fullRead(gzip2.path, gzip2.hdu)),
          theirs("gzip2"),
          mine("rice", () => fullRead(rice.path, rice.hdu)),
          theirs("rice"),
        ],
      ],
    ];
    for (const [label, rounds, runners] of groups) {
      process.stderr.write(
        `timing ${label}: ${rounds} rounds of ${runners.map((r) => `${r.side}:${r.name}`).join(", ")}\n`,
      );
      await interleave(rounds, runners, samples);
    }
    const ours = samples.ours;
    const astro = samples.astropy;

    const cardsFixtures = await scanAll(fixtures);
    const cardsSmall = await scanPlain(gen.small);
    const astroCards = await server.request<{ fixtures: number; small: number }>({ op: "cards" });
    const noop = async () => {};
    const bytes = {
      scan_fixtures: await metered(fixtures, noop),
      scan_small: await meteredScan(gen.small),
      full: await metered([big.path], (f) => f.readImage(big.hdu)),
      cutout: await metered([big.path], (f) => f.readImage(big.hdu, { box })),
      gzip2: await metered([gzip2.path], (f) => f.readImage(gzip2.hdu)),
      rice: await metered([rice.path], (f) => f.readImage(rice.hdu)),
    };
    const astroBytes = await server.request<Record<string, number>>({ op: "bytes" });
    await server.close();

    process.stderr.write("measuring peak memory ...\n");
    const memOurs = runMemoryChildren(big.path, big.hdu, ROUNDS.memory);
    const memAstropy: MemoryResult[] = [];
    for (let i = 0; i < ROUNDS.memory; i++) {
      memAstropy.push(JSON.parse(python(["memory", big.path, String(big.hdu)])) as MemoryResult);
    }

    // ---- rows
    const bigSize = statSync(big.path).size;
    const dataBytes = bw * bh * 4;
    const rows: Row[] = [];
    const b = astro;

    const speedRow = (op: string, o: number[], a: number[], by: string): Row => {
      const x = median(a) / median(o);
      return {
        op,
        stat: "median",
        ours: fmtMed(o),
        baseline: `astropy ${fmtMed(a)}`,
        ratio: `${fmtX(x)} faster (min/min ${fmtX(min(a) / min(o))})`,
        bytes: by,
        goal: "≥ 20× faster",
        met: x >= 20 ? "yes" : "NO",
      };
    };
    rows.push(
      speedRow(
        `1a header scan, ${fixtures.length} fixtures, all HDUs (${fmtInt(cardsFixtures)} cards), all values`,
        ours.scan_fixtures,
        b.scan_fixtures!,
        `${fmtInt(bytes.scan_fixtures.bytes)} / ${fmtInt(astroBytes.scan_fixtures!)}`,
      ),
      speedRow(
        `1b header scan, ${gen.small.length} files × ${Math.round(cardsSmall / gen.small.length)} cards, all values`,
        ours.scan_small,
        b.scan_small!,
        `${fmtInt(bytes.scan_small.bytes)} (${fmtInt(bytes.scan_small.requests)} reads) / ${fmtInt(astroBytes.scan_small!)}`,
      ),
    );
    for (const [key, label] of [
      ["scan_small_bpr16", "1b′ same, `scanFits(source, { blocksPerRead: 16 })` (diagnostic)"],
      ["parse_small", "1b″ `parseHeader` only, the 1000 headers' bytes already in memory (diagnostic)"],
    ] as const) {
      const x = median(b.scan_small!) / median(ours[key]!);
      rows.push({
        op: label,
        stat: "median",
        ours: fmtMed(ours[key]!),
        baseline: `astropy ${fmtMed(b.scan_small!)}`,
        ratio: `${fmtX(x)} faster`,
        bytes: "—",
        goal: "(info)",
        met: "—",
      });
    }

    // Bandwidth: best-of-N on both sides; cat's process start-up subtracted.
    const catMs = min(b.cat_big!) - min(b.cat_empty!);
    const oursMBs = dataBytes / 1e6 / (min(ours.full) / 1e3);
    const catMBs = bigSize / 1e6 / (catMs / 1e3);
    rows.push({
      op: "2a full read 4096² f32 (64 MiB) → native Float32Array vs `cat FILE > /dev/null`",
      stat: "best of N",
      ours: `${fmtMs(min(ours.full))} ms = ${fmtInt(Math.round(oursMBs))} MB/s`,
      baseline: `cat ${fmtMs(catMs)} ms = ${fmtInt(Math.round(catMBs))} MB/s (start-up ${fmtMs(min(b.cat_empty!))} ms subtracted)`,
      ratio: `${(oursMBs / catMBs).toFixed(2)} of cat MB/s`,
      bytes: `${fmtInt(bytes.full.bytes)} / ${fmtInt(bigSize)}`,
      goal: "≥ 0.90 of cat MB/s",
      met: oursMBs / catMBs >= 0.9 ? "yes" : "NO",
    });
    for (const [key, label] of [
      [
        "io_reused",
        "2a′ `FileSource.readInto` of the 64 MiB data into a reused buffer (no alloc, no decode; diagnostic)",
      ],
      ["io_fresh", "2a″ same into a fresh `new Uint8Array(64 MiB)` (diagnostic)"],
    ] as const) {
      const mbs = dataBytes / 1e6 / (min(ours[key]!) / 1e3);
      rows.push({
        op: label,
        stat: "best of N",
        ours: `${fmtMs(min(ours[key]!))} ms = ${fmtInt(Math.round(mbs))} MB/s`,
        baseline: `cat ${fmtInt(Math.round(catMBs))} MB/s`,
        ratio: `${(mbs / catMBs).toFixed(2)} of cat MB/s`,
        bytes: fmtInt(dataBytes),
        goal: "(info)",
        met: "—",
      });
    }
    {
      const x = median(ours.full) / median(b.full!);
      rows.push({
        op: "2b full read 4096² f32 vs astropy `memmap=False` `.data` (big-endian, not swapped)",
        stat: "median",
        ours: fmtMed(ours.full),
        baseline: `astropy ${fmtMed(b.full!)} (+ native swap: ${fmtMed(b.full_native!)})`,
        ratio: `${fmtX(x)} astropy's time`,
        bytes: `${fmtInt(bytes.full.bytes)} / ${fmtInt(astroBytes.full!)}`,
        goal: "(none set)",
        met: "—",
      });
    }
    {
      const oursPeak = Math.max(...memOurs.map((m) => m.peak_delta));
      const astroPeak = Math.max(...memAstropy.map((m) => m.peak_delta));
      const x = oursPeak / dataBytes;
      rows.push({
        op: "2c peak memory of the full read (child process, peak RSS − RSS before)",
        stat: `max of ${memOurs.length}`,
        ours: `${(oursPeak / MIB).toFixed(1)} MiB`,
        baseline: `astropy ${(astroPeak / MIB).toFixed(1)} MiB; decoded array ${(dataBytes / MIB).toFixed(0)} MiB`,
        ratio: `${fmtX(x)} the array`,
        bytes: "—",
        goal: "≤ 1.2× the array",
        met: x <= 1.2 ? "yes" : "NO",
      });
    }
    {
      const x = median(b.cutout!) / median(ours.cutout);
      rows.push({
        op: "3 cutout 200×200 of the 4096² image",
        stat: "median",
        ours: fmtMed(ours.cutout),
        baseline: `astropy .section ${fmtMed(b.cutout!)} (memmap=False: ${fmtMed(b.cutout_nommap!)})`,
        ratio: `${fmtX(x)} faster`,
        bytes: `${fmtInt(bytes.cutout.bytes)} (${bytes.cutout.requests} reads) / ${fmtInt(astroBytes.cutout_nommap!)} (memmap=False)`,
        goal: "(none set)",
        met: "—",
      });
    }
    const [cw, ch] = gen.comp_shape;
    for (const [key, label] of [
      ["gzip2", `4a decompress GZIP_2 lossless f32 ${cw}×${ch} (fpack -g2 -q 0, row tiles)`],
      ["rice", `4b decompress RICE_1 int32 ${cw}×${ch} (fpack -r, row tiles)`],
    ] as const) {
      const x = median(ours[key]!) / median(b[key]!);
      rows.push({
        op: label,
        stat: "median",
        ours: fmtMed(ours[key]!),
        baseline: `astropy ${fmtMed(b[key]!)}`,
        ratio: `${fmtX(x)} astropy's time (min/min ${fmtX(min(ours[key]!) / min(b[key]!))})`,
        bytes: `${fmtInt(bytes[key].bytes)} / ${fmtInt(astroBytes[key]!)}`,
        goal: "≤ 1.5× astropy's time",
        met: x <= 1.5 ? "yes" : "NO",
      });
    }

    const env = {
      date: new Date().toISOString(),
      node: process.version,
      cpus: os.cpus().length,
      cpu: os.cpus()[0]?.model,
      kernel: os.release(),
      python: astroEnv.python,
      astropy: astroEnv.astropy,
      numpy: astroEnv.numpy,
      loadavgAtStart: loadAtStart,
      loadavgAtEnd: os.loadavg(),
      git: gitState(),
    };
    const table = printTable(rows);
    const elapsed = (performance.now() - t0) / 1e3;
    const resultPath = path.join(os.tmpdir(), `butler-bench-fits-${env.date.replace(/[:.]/g, "-")}.json`);
    writeFileSync(
      resultPath,
      `${JSON.stringify(
        {
          env,
          elapsedSeconds: elapsed,
          generated: { seconds: gen.seconds, bigFileBytes: bigSize, shapes: [gen.big_shape, gen.comp_shape] },
          fixtures,
          box,
          rounds: ROUNDS,
          cards: {
            ours: { fixtures: cardsFixtures, small: cardsSmall },
            astropy: { fixtures: astroCards.fixtures, small: astroCards.small },
          },
          ours: { ms: ours, bytes },
          astropy: { ms: astro, bytes: astroBytes, env: astroEnv },
          memory: { ours: memOurs, astropy: memAstropy },
          rows,
        },
        null,
        2,
      )}\n`,
    );
    process.stdout.write(
      `FITS engine benchmark — ${env.date}, node ${env.node}, ${env.cpus} CPUs (${env.cpu}), ` +
        `astropy ${env.astropy} / numpy ${env.numpy} / python ${env.python}, ` +
        `git ${env.git.commit} (+${env.git.dirtySrcFiles} changed paths under src/), load average at start ${env.loadavgAtStart.map((l) => l.toFixed(2)).join(" ")}\n\n${table}\n\n` +
        `cards parsed: ours ${cardsFixtures} (fixtures) and ${cardsSmall} (small files); astropy ${astroCards.fixtures} and ${astroCards.small}\n` +
        `total ${elapsed.toFixed(1)} s (data generation ${gen.seconds.total.toFixed(1)} s); results: ${resultPath}\n`,
    );
  } finally {
    baseline?.kill();
    rmSync(dir, { recursive: true, force: true });
  }
}

const childAt = process.argv.indexOf("--memory-child");
if (childAt >= 0) {
  await memoryChild(process.argv[childAt + 1]!, Number(process.argv[childAt + 2]));
} else {
  await main();
}
