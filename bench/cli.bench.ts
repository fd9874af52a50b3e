/**
 * `npm run bench:cli`: how long the built `butler` command (dist/, as installed) takes to start and
 * do a small job, against `node -e 0` (starting Node and doing nothing) measured in the same run:
 * - `butler --help`;
 * - `butler query-datasets REPO calexp` on the demo repository (`butler demo`, made in a temporary
 *   directory);
 * - `butler get REPO calexp.metadata --data-id …` of one dataset of it.
 * The runs of the four commands are interleaved, so a change of load on the machine falls on all of
 * them alike. Each row gives the median wall time, the ratio to `node -e 0`, and the median CPU time
 * of the process (user + system, from /usr/bin/time), which a busy machine inflates far less than wall
 * time. Goals: `--help` ≤ 250 ms, the metadata get ≤ 500 ms (wall).
 *
 *   npm run bench:cli [-- --repeat 15]
 */
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";

const { values: args } = parseArgs({ options: { repeat: { type: "string", default: "15" } } });
const REPEAT = Number(args.repeat);
const ROOT = join(import.meta.dirname, "..");
const BIN = join(ROOT, "dist/bin/butler.js");
const TIME = "/usr/bin/time";

if (!existsSync(TIME)) {
  console.error("bench:cli needs /usr/bin/time for the CPU time of each run: apt-get install time");
  process.exit(1);
}

interface Sample {
  wallMs: number;
  cpuMs: number;
}

/** Runs `node ARGS` under /usr/bin/time; its wall time as seen from here, its CPU time as counted there. */
function timed(nodeArgs: string[]): Promise<Sample> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(TIME, ["-f", "BENCH-CPU %U %S", process.execPath, ...nodeArgs], {
      stdio: ["ignore", "ignore", "pipe"],
    });
    let stderr = "";
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    child.on("error", reject);
    child.on("close", (status) => {
      const wallMs = performance.now() - started;
      const cpu = /BENCH-CPU ([\d.]+) ([\d.]+)/.exec(stderr);
      if (status !== 0 || cpu === null) {
        reject(new Error(`node ${nodeArgs.join(" ")} failed (${status}):\n${stderr}`));
        return;
      }
      resolve({ wallMs, cpuMs: (Number(cpu[1]) + Number(cpu[2])) * 1000 });
    });
  });
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

// The CLI as installed: compile dist/ if it is not up to date.
const build = spawnSync(process.execPath, [join(ROOT, "scripts/build.mjs")], { stdio: "inherit" });
if (build.status !== 0) process.exit(build.status ?? 1);

const scratch = mkdtempSync(join(tmpdir(), "butler-bench-cli-"));
try {
  const repo = join(scratch, "demo-repo");
  console.log("making the demo repository (butler demo) …");
  const demo = spawnSync(process.execPath, [BIN, "demo", repo, "--no-summary", "--no-progress"], {
    encoding: "utf8",
  });
  if (demo.status !== 0) throw new Error(`butler demo failed:\n${demo.stderr}`);
  // The first calexp's data ID, found with the CLI itself.
  const listed = spawnSync(process.execPath, [BIN, "query-datasets", repo, "calexp", "--format", "json"], {
    encoding: "utf8",
  });
  const first = (JSON.parse(listed.stdout) as Record<string, unknown>[])[0]!;
  const dataId = ["instrument", "visit", "detector"].flatMap((k) => ["--data-id", `${k}=${first[k]}`]);

  const cases: { name: string; args: string[]; goalMs?: number }[] = [
    { name: "node -e 0", args: ["-e", "0"] },
    { name: "butler --help", args: [BIN, "--help"], goalMs: 250 },
    { name: "butler query-datasets REPO calexp", args: [BIN, "query-datasets", repo, "calexp"] },
    {
      name: "butler get REPO calexp.metadata (one dataset)",
      args: [BIN, "get", repo, "calexp.metadata", "--collections", "DemoCam/defaults", ...dataId],
      goalMs: 500,
    },
  ];
  const samples = cases.map(() => [] as Sample[]);
  const loadBefore = loadavg();
  for (const c of cases) await timed(c.args); // warm the file cache
  for (let i = 0; i < REPEAT; i++) {
    for (const [k, c] of cases.entries()) samples[k]!.push(await timed(c.args));
  }
  const loadAfter = loadavg();

  const base = median(samples[0]!.map((s) => s.wallMs));
  const baseCpu = median(samples[0]!.map((s) => s.cpuMs));
  console.log(
    `\n${cpus().length} CPUs; load average (1 min) ${loadBefore[0]!.toFixed(2)} before, ${loadAfter[0]!.toFixed(2)} after; ${REPEAT} runs each, interleaved\n`,
  );
  const rows = cases.map((c, k) => {
    const wall = median(samples[k]!.map((s) => s.wallMs));
    const cpu = median(samples[k]!.map((s) => s.cpuMs));
    return {
      command: c.name,
      "wall ms (median)": wall.toFixed(0),
      "wall min": Math.min(...samples[k]!.map((s) => s.wallMs)).toFixed(0),
      "× node -e 0": (wall / base).toFixed(2),
      "CPU ms (median)": cpu.toFixed(0),
      "CPU × node -e 0": (cpu / baseCpu).toFixed(2),
      goal: c.goalMs === undefined ? "" : `≤ ${c.goalMs} ms: ${wall <= c.goalMs ? "met" : "missed"}`,
    };
  });
  console.table(rows);
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
