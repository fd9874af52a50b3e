/**
 * `npm run bench:registry`: the registry at the scale daf_butler was measured on (1 instrument,
 * 5 filters, 1000 visits, 100 detectors, 300 RUNs in one chain, 100,000 calexps over 33,334 data IDs
 * each in 3 runs), then at 1,000,000 datasets (10,000 visits), on SQLite (a file in a temporary
 * directory) and PostgreSQL (a database of its own on REGISTRY_PG_URI, default
 * postgresql://postgres@127.0.0.1:5432, dropped after).
 *
 * Each case is timed through the registry API and as hand-written SQL giving the same answer on the
 * same engine, and the answers are checked equal. Every engine × size runs in its own process, so
 * peak memory is that case's.
 *
 *   npm run bench:registry [-- --sizes 100000 --engines sqlite --repeat 5 --finds 1000 --json out.json]
 *   REGISTRY_BENCH_SIZES=100000 npm run bench:registry
 */
import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { loadavg } from "node:os";
import { parseArgs } from "node:util";
import { markdownTable, memoryLine, type Row, rowsOf } from "./registry/report.ts";
import { type CaseResult, type EngineName, runCase } from "./registry/run-case.ts";

const { values: args } = parseArgs({
  options: {
    sizes: { type: "string", default: process.env.REGISTRY_BENCH_SIZES ?? "100000,1000000" },
    engines: { type: "string", default: process.env.REGISTRY_BENCH_ENGINES ?? "sqlite,postgres" },
    repeat: { type: "string", default: "5" },
    finds: { type: "string", default: "1000" },
    json: { type: "string" },
    child: { type: "boolean", default: false },
  },
});

const PG_SERVER = process.env.REGISTRY_PG_URI ?? "postgresql://postgres@127.0.0.1:5432";
const RESULT_PREFIX = "RESULT ";

function parseList(text: string): string[] {
  return text
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "");
}

if (args.child) {
  const [engine] = parseList(args.engines) as EngineName[];
  const [size] = parseList(args.sizes).map(Number);
  const result = await runCase({
    engine: engine!,
    datasets: size!,
    repeat: Number(args.repeat),
    finds: Number(args.finds),
    pgServer: PG_SERVER,
  });
  process.stdout.write(`${RESULT_PREFIX}${JSON.stringify(result)}\n`);
} else {
  const sizes = parseList(args.sizes).map(Number);
  const engines = parseList(args.engines);
  for (const e of engines) {
    if (e !== "sqlite" && e !== "postgres")
      throw new Error(`--engines: unknown '${e}'; accepted: sqlite, postgres`);
  }
  for (const n of sizes) {
    if (!Number.isSafeInteger(n) || n < 3) throw new Error(`--sizes: '${n}' is not a dataset count ≥ 3`);
  }
  console.log(
    `registry benchmark: sizes ${sizes.join(", ")}; engines ${engines.join(", ")}; repeat ${args.repeat} ` +
      `(median); node ${process.version}; load average ${loadavg()
        .map((l) => l.toFixed(2))
        .join(" ")}`,
  );
  const results: CaseResult[] = [];
  const rows: Row[] = [];
  for (const size of sizes) {
    for (const engine of engines) {
      const started = performance.now();
      const out = execFileSync(
        process.execPath,
        [
          "--import",
          "tsx",
          "--expose-gc",
          import.meta.filename,
          "--child",
          "--engines",
          engine,
          "--sizes",
          String(size),
          "--repeat",
          String(args.repeat),
          "--finds",
          String(args.finds),
        ],
        { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"], maxBuffer: 64 * 2 ** 20 },
      );
      const line = out.split("\n").find((l) => l.startsWith(RESULT_PREFIX));
      if (line === undefined) throw new Error(`the ${engine} ${size} case printed no result`);
      const result = JSON.parse(line.slice(RESULT_PREFIX.length)) as CaseResult;
      results.push(result);
      const caseRows = rowsOf(result);
      rows.push(...caseRows);
      console.log(
        `\n${engine}, ${size.toLocaleString("en-US")} datasets (${((performance.now() - started) / 1000).toFixed(0)} s in all)`,
      );
      console.log(markdownTable(caseRows));
      console.log(memoryLine(result));
    }
  }
  console.log("\nall cases\n");
  console.log(markdownTable(rows));
  for (const result of results) console.log(memoryLine(result));
  if (args.json !== undefined)
    writeFileSync(args.json, JSON.stringify({ date: new Date().toISOString(), results }, null, 2));
  if (results.some((r) => r.mismatches.length > 0)) process.exitCode = 1;
}
