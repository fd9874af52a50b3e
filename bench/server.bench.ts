/**
 * `npm run bench:server`: one `butler serve` process under 50 concurrent clients, against a yardstick
 * fastify process measured by the same load generator in the same run, and the 500-calexp metadata scan
 * from S3 at a 10 ms round trip through the server against the same scan with direct access.
 *
 * - Yardstick (bench/server/baseline-server.ts, its own process): hello world, and one indexed SQLite
 *   lookup in the repository's registry file: the least work a server route can do.
 * - `butler serve REPO` (SQLite registry, and PostgreSQL at REGISTRY_PG_URI), `--auth none`: find_dataset;
 *   `calexp.metadata` gets as the two requests a client makes (get_file_by_data_id, then the signed
 *   ranged read of the header, which the server serves itself for a local root), and through
 *   RemoteButler.get (whose client work runs in this process too). Once more with `--auth tokens`.
 * - The scan: bench/server/scan.ts.
 *
 * Requests/s and p50/p99 latency over `--duration` ms after `--warmup` ms. `--profile DIR` writes a CPU
 * profile of each `butler serve` process (node --cpu-prof) to DIR; `--cases find,raw,client` picks cases;
 * `--no-scan` leaves the scan out.
 *
 *   npm run bench:server [-- --concurrency 50 --duration 5000 --registries sqlite,postgres --rtt 10 --profile DIR]
 */
import { mkdtempSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { closeSharedDispatcher } from "../src/bytes/http-client.ts";
import { type CaseRow, type CaseSettings, runServerCases, runYardstick } from "./server/cases.ts";
import { startChild } from "./server/child.ts";
import { type BenchRepo, createToken, makeBenchRepo, type RegistryKind } from "./server/repos.ts";
import { median, runScan } from "./server/scan.ts";

// Metadata reads never touch the local file cache; keep it out of every get all the same.
process.env.DAF_BUTLER_CACHE_EXPIRATION_MODE = "disabled";

const { values: args } = parseArgs({
  options: {
    concurrency: { type: "string", default: "50" },
    duration: { type: "string", default: "5000" },
    warmup: { type: "string", default: "1500" },
    registries: { type: "string", default: "sqlite,postgres" },
    visits: { type: "string", default: "25" },
    detectors: { type: "string", default: "4" },
    rtt: { type: "string", default: "10" },
    "scan-visits": { type: "string", default: "125" },
    "scan-detectors": { type: "string", default: "4" },
    "scan-size": { type: "string", default: "256" },
    repeat: { type: "string", default: "3" },
    "no-scan": { type: "boolean", default: false },
    profile: { type: "string" },
    cases: { type: "string", default: "find,raw,client" },
  },
});
const SETTINGS: CaseSettings = {
  concurrency: Number(args.concurrency),
  durationMs: Number(args.duration),
  warmupMs: Number(args.warmup),
};
const REGISTRIES = args.registries.split(",").map((r) => {
  if (r !== "sqlite" && r !== "postgres")
    throw new Error(`--registries: unknown '${r}'; accepted: sqlite, postgres`);
  return r as RegistryKind;
});
const CASES = args.cases.split(",").map((c) => {
  if (c !== "find" && c !== "raw" && c !== "client")
    throw new Error(`--cases: unknown '${c}'; accepted: find, raw, client`);
  return c as "find" | "raw" | "client";
});
const CLI = new URL("../src/cli/butler.ts", import.meta.url).pathname;
const SERVING = /^Serving \S+ at (http:\/\/\S+)$/m;

interface Row extends CaseRow {
  server: string;
}
const rows: Row[] = [];

function fmt(x: number, digits = 1): string {
  return Number.isFinite(x) ? x.toFixed(digits) : "—";
}

function record(server: string, found: readonly CaseRow[]): void {
  for (const r of found) {
    rows.push({ server, ...r });
    console.log(
      `  ${server}, ${r.name}: ${fmt(r.perSecond, 0)}/s, p50 ${fmt(r.p50Ms, 2)} ms, p99 ${fmt(r.p99Ms, 2)} ms` +
        (r.errors > 0 ? `, ${r.errors} errors (${r.firstError})` : ""),
    );
  }
}

/** Serves `repo` with `butler serve` in its own process and runs the cases against it. */
async function benchServe(repo: BenchRepo, auth: "none" | "tokens"): Promise<void> {
  const token = auth === "tokens" ? await createToken(repo.dir) : undefined;
  const label = `butler serve, ${repo.kind}, --auth ${auth}`;
  const server = await startChild(
    CLI,
    ["serve", repo.dir, "--port", "0", "--no-web", "--auth", auth],
    SERVING,
    args.profile === undefined
      ? {}
      : {
          nodeOptions: [
            "--cpu-prof",
            "--cpu-prof-dir",
            args.profile,
            "--cpu-prof-name",
            `serve-${repo.kind}-${auth}.cpuprofile`,
          ],
        },
  );
  try {
    record(
      label,
      await runServerCases(server.url, repo.dataIds, SETTINGS, {
        ...(token === undefined ? {} : { token }),
        // RemoteButler.get's own client work is the same with a token; once is enough.
        cases: auth === "tokens" ? CASES.filter((c) => c !== "client") : CASES,
      }),
    );
  } finally {
    await server.stop();
    await closeSharedDispatcher();
  }
}

interface Goal {
  goal: string;
  value: string;
  met: boolean;
}

function goalsOf(scan: { directMs: number; serverMs: number; datasets: number } | undefined): Goal[] {
  const goals: Goal[] = [];
  const serve = rows.filter((r) => r.server.startsWith("butler serve"));
  for (const r of serve.filter((r) => r.name === "find_dataset")) {
    goals.push({
      goal: `≥ 5,000 find_dataset/s (${r.server})`,
      value: `${fmt(r.perSecond, 0)}/s`,
      met: r.perSecond >= 5000,
    });
  }
  for (const r of serve.filter((r) => r.name.startsWith("calexp.metadata"))) {
    goals.push({
      goal: `≥ 2,000 ${r.name}/s (${r.server})`,
      value: `${fmt(r.perSecond, 0)}/s`,
      met: r.perSecond >= 2000,
    });
  }
  for (const r of serve) {
    goals.push({
      goal: `p99 ≤ 20 ms: ${r.name} (${r.server})`,
      value: `${fmt(r.p99Ms, 2)} ms`,
      met: r.p99Ms <= 20,
    });
  }
  if (scan !== undefined) {
    const ratio = scan.serverMs / scan.directMs;
    goals.push({
      goal: `scan of ${scan.datasets} through the server ≤ 1.2× direct`,
      value: `${fmt(ratio, 2)}× (${fmt(scan.serverMs, 0)} vs ${fmt(scan.directMs, 0)} ms)`,
      met: ratio <= 1.2,
    });
  }
  return goals;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "butler-bench-server-"));
  console.log(
    `load average at start: ${loadavg()
      .map((l) => l.toFixed(2))
      .join(
        ", ",
      )}; ${SETTINGS.concurrency} clients, ${SETTINGS.durationMs} ms per case after ${SETTINGS.warmupMs} ms warm-up`,
  );
  const repos: BenchRepo[] = [];
  let scan: { directMs: number; serverMs: number; datasets: number } | undefined;
  try {
    const demo = {
      visits: Number(args.visits),
      detectors: Number(args.detectors),
      size: [64, 64] as [number, number],
    };
    for (const kind of REGISTRIES) repos.push(await makeBenchRepo(dir, kind, demo));
    const yardstickRepo =
      repos.find((r) => r.kind === "sqlite") ?? (await makeBenchRepo(dir, "sqlite", demo));
    const yardstick = await startChild(
      new URL("server/baseline-server.ts", import.meta.url).pathname,
      [join(yardstickRepo.dir, "gen3.sqlite3")],
      /^Yardstick at (http:\/\/\S+) /m,
    );
    try {
      record("yardstick", await runYardstick(yardstick.url, SETTINGS));
    } finally {
      await yardstick.stop();
    }
    for (const repo of repos) await benchServe(repo, "none");
    const sqlite = repos.find((r) => r.kind === "sqlite");
    if (sqlite !== undefined) await benchServe(sqlite, "tokens");
    if (!args["no-scan"]) {
      console.log(`metadata scan from S3 at RTT ${args.rtt} ms:`);
      const result = await runScan(dir, {
        rttMs: Number(args.rtt),
        visits: Number(args["scan-visits"]),
        detectors: Number(args["scan-detectors"]),
        size: Number(args["scan-size"]),
        repeat: Number(args.repeat),
        cli: CLI,
      });
      scan = {
        datasets: result.datasets,
        directMs: median(result.directMs),
        serverMs: median(result.serverMs),
      };
    }
  } finally {
    for (const repo of repos) await repo.drop();
    rmSync(dir, { recursive: true, force: true });
  }

  const hello = rows.find((r) => r.name.includes("hello"));
  const lookup = rows.find((r) => r.name.includes("lookup"));
  console.log("\n| server | case | requests/s | p50 ms | p99 ms | errors | of yardstick lookup |");
  console.log("| --- | --- | ---: | ---: | ---: | ---: | ---: |");
  for (const r of rows) {
    const ratio = lookup === undefined ? "" : `${fmt(r.perSecond / lookup.perSecond, 2)}×`;
    console.log(
      `| ${r.server} | ${r.name} | ${fmt(r.perSecond, 0)} | ${fmt(r.p50Ms, 2)} | ${fmt(r.p99Ms, 2)} | ${r.errors} | ${ratio} |`,
    );
  }
  if (hello !== undefined && lookup !== undefined) {
    console.log(`\nyardstick lookup / hello world: ${fmt(lookup.perSecond / hello.perSecond, 2)}×`);
  }
  if (scan !== undefined) {
    console.log(
      `scan of ${scan.datasets} at RTT ${args.rtt} ms (median of ${args.repeat}): direct ${fmt(scan.directMs, 0)} ms, through the server ${fmt(scan.serverMs, 0)} ms, ratio ${fmt(scan.serverMs / scan.directMs, 2)}×`,
    );
  }
  console.log("\n| goal | value | met? |");
  console.log("| --- | --- | --- |");
  for (const g of goalsOf(scan)) console.log(`| ${g.goal} | ${g.value} | ${g.met ? "yes" : "NO"} |`);
  console.log(
    `load average at end: ${loadavg()
      .map((l) => l.toFixed(2))
      .join(", ")}`,
  );
}

await main();
