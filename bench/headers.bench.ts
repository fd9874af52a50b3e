/**
 * `npm run bench:headers`: the header index at the registry benchmark's scale (bench/registry/layout.ts:
 * 300 RUNs in one chain, `calexp` datasets over visit × detector) with 10 indexed keys, on SQLite (a
 * file in a temporary directory) and PostgreSQL (a database of its own on REGISTRY_PG_URI, default
 * postgresql://postgres@127.0.0.1:5432, dropped after). Against hand-written SQL on the same database,
 * in the same run:
 *
 * - the scan of the 10 keys of every dataset in the chain (`Butler.queryHeaders`, no file opened);
 * - a find-first `where` on two header keys plus `band` (`queryDatasets`);
 *
 * and, on SQLite with real files, the time `put` and `ingest` of the calexp fixture take with 10 keys
 * indexed against the same with none; and the backfill (`butler.indexHeaders`) of `--backfill`
 * calexps on a WebDAV datastore behind a proxy adding `--rtt` ms of round trip, with astropy's
 * `getheader` over the same files beside it (bench/headers/backfill-case.ts; `--backfill 0` skips
 * it). Each engine × size, the write case and the backfill run in a process of their own.
 *
 *   npm run bench:headers [-- --sizes 100000 --engines sqlite,postgres --repeat 3 --writes 20 \
 *     --backfill 1000 --rtt 10]
 */
import { execFileSync } from "node:child_process";
import { loadavg } from "node:os";
import { parseArgs } from "node:util";
import { type BackfillCaseResult, backfillCase } from "./headers/backfill-case.ts";
import { type RegistryCaseResult, registryCase, WHERE } from "./headers/registry-case.ts";
import { fmt } from "./headers/timing.ts";
import { type WriteCaseResult, writeCase } from "./headers/write-case.ts";

const { values: args } = parseArgs({
  options: {
    sizes: { type: "string", default: "100000" },
    engines: { type: "string", default: "sqlite,postgres" },
    repeat: { type: "string", default: "3" },
    writes: { type: "string", default: "20" },
    backfill: { type: "string", default: "1000" },
    rtt: { type: "string", default: "10" },
    child: { type: "string" },
  },
});

const PG_SERVER = process.env.REGISTRY_PG_URI ?? "postgresql://postgres@127.0.0.1:5432";
const RESULT = "RESULT ";

function list(text: string): string[] {
  return text
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "");
}

function child(kind: string, extra: string[]): unknown {
  const out = execFileSync(
    process.execPath,
    ["--import", "tsx", "--expose-gc", import.meta.filename, "--child", kind, ...extra],
    { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"], maxBuffer: 64 * 2 ** 20 },
  );
  const line = out.split("\n").find((l) => l.startsWith(RESULT));
  if (line === undefined) throw new Error(`the ${kind} case printed no result`);
  return JSON.parse(line.slice(RESULT.length));
}

const load = () =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(" ");

if (args.child === "registry") {
  const [engine] = list(args.engines);
  const [size] = list(args.sizes).map(Number);
  const result = await registryCase(engine!, size!, Number(args.repeat), PG_SERVER);
  process.stdout.write(`${RESULT}${JSON.stringify(result)}\n`);
} else if (args.child === "backfill") {
  const result = await backfillCase(Number(args.backfill), Number(args.rtt));
  process.stdout.write(`${RESULT}${JSON.stringify(result)}\n`);
} else if (args.child === "writes") {
  process.stdout.write(`${RESULT}${JSON.stringify(await writeCase(Number(args.writes)))}\n`);
} else {
  console.log(
    `header index benchmark: sizes ${args.sizes}; engines ${args.engines}; repeat ${args.repeat} (median); ` +
      `${args.writes} writes; node ${process.version}; load average ${load()}`,
  );
  console.log(`where: ${WHERE} (find-first over the chain)\n`);
  console.log("| engine | datasets | case | rows | API | cpu | hand SQL | vs SQL | goal | same answer |");
  console.log("|---|---|---|---|---|---|---|---|---|---|");
  let mismatch = false;
  for (const size of list(args.sizes).map(Number)) {
    for (const engine of list(args.engines)) {
      const r = child("registry", [
        "--engines",
        engine,
        "--sizes",
        String(size),
        "--repeat",
        args.repeat,
      ]) as RegistryCaseResult;
      const n = size.toLocaleString("en-US");
      const line = (name: string, c: RegistryCaseResult["scan"], goal: string) =>
        console.log(
          `| ${engine} | ${n} | ${name} | ${c.rows.toLocaleString("en-US")} | ${fmt(c.api.ms)} | ${fmt(c.api.cpuMs)} | ` +
            `${fmt(c.hand.ms)} | ${(c.api.ms / c.hand.ms).toFixed(2)}× | ${goal} | ${c.same ? "yes" : "**no**"} |`,
        );
      line("scan of 10 keys (`queryHeaders`, no find-first)", r.scan, "≤ 1 s (SQLite)");
      line("where on 2 header keys + band (find-first)", r.where, "≤ 1.5× SQL");
      console.log(
        `| ${engine} | ${n} | (loading 10 values per dataset: ${fmt(r.loadMs)}, load average ${load()}) | | | | | | | |`,
      );
      mismatch ||= !r.scan.same || !r.where.same;
    }
  }
  if (Number(args.writes) > 0) {
    const w = child("writes", ["--writes", args.writes]) as WriteCaseResult;
    console.log(
      `\nwrites (SQLite, local files, ${w.calls} calls each, ${(w.bytes / 1024).toFixed(0)} KiB calexp fixture; median per call)\n`,
    );
    console.log(
      "| call | 10 keys indexed | none | added | cpu indexed | cpu none | added (cpu) | index's own work | its share | goal |",
    );
    console.log("|---|---|---|---|---|---|---|---|---|---|");
    const pct = (a: number, b: number) => `${((a / b - 1) * 100).toFixed(1)}%`;
    for (const [name, c] of [
      ["put", w.put],
      ["ingest (move)", w.ingest],
    ] as const) {
      console.log(
        `| ${name} | ${fmt(c.indexedMs)} | ${fmt(c.plainMs)} | ${pct(c.indexedMs, c.plainMs)} | ${fmt(c.indexedCpuMs)} | ` +
          `${fmt(c.plainCpuMs)} | ${pct(c.indexedCpuMs, c.plainCpuMs)} | ${fmt(c.indexMs)} | ` +
          `${((c.indexMs / c.plainMs) * 100).toFixed(1)}% | ≤ 5% |`,
      );
    }
  }
  const sizes = list(args.sizes).map(Number);
  if (Number(args.backfill) > 0) {
    const b = child("backfill", ["--backfill", args.backfill, "--rtt", args.rtt]) as BackfillCaseResult;
    console.log(
      `\nbackfill (\`butler.indexHeaders\`, ${b.keys} keys) of ${b.backfilled.toLocaleString("en-US")} calexps ` +
        `on WebDAV (nginx) at ${b.rttMs} ms round trip: ${fmt(b.ms)} (cpu ${fmt(b.cpuMs)}); goal ≤ 2 s`,
    );
    if ("error" in b.astropy) console.log(`astropy getheader: not run (${b.astropy.error})`);
    else {
      const per = b.astropy.ms / b.astropy.files;
      const full = Math.max(...sizes);
      console.log(
        `astropy getheader over ${b.astropy.files.toLocaleString("en-US")} of the same files (local disk): ` +
          `${fmt(b.astropy.ms)} (${per.toFixed(2)} ms a file); extrapolated to ${full.toLocaleString("en-US")} ` +
          `files: ${fmt(per * full)} (extrapolated, not measured)`,
      );
    }
  }
  console.log(`\nload average at the end: ${load()}`);
  if (mismatch) process.exitCode = 1;
}
