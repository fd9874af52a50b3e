/**
 * `npm run bench:stream`: peak memory of a 1,000,000-row registry query read from the database cursor
 * a page at a time (`streamDataIds(...).pages(2000)`, what the server's query routes do) against the
 * same query materialized (`queryDataIds`, then encoded a page at a time, as the server did before),
 * on SQLite (a file) and PostgreSQL (a database of its own on REGISTRY_PG_URI, dropped after).
 * The rows are data IDs of detector × physical_filter (1000 × 1000 of one instrument). Each mode runs
 * in a process of its own, so its peak resident memory is its own; the ratio is taken in the same run.
 *
 *   npm run bench:stream [-- --rows 1000000 --engines sqlite,postgres]
 */
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import pg from "pg";
import { Registry } from "../src/registry/index.ts";

const { values: args } = parseArgs({
  options: {
    rows: { type: "string", default: "1000000" },
    engines: { type: "string", default: "sqlite,postgres" },
    child: { type: "string" },
    db: { type: "string" },
  },
});

const PG_SERVER = process.env.REGISTRY_PG_URI ?? "postgresql://postgres@127.0.0.1:5432";
const PAGE = 2000;
const QUERY = { dimensions: ["detector", "physical_filter"], where: "instrument = 'Cam'" };
const RESULT = "RESULT ";

interface ModeResult {
  readonly rows: number;
  readonly bytes: number;
  readonly wallMs: number;
  readonly cpuMs: number;
  /** Peak resident memory during the query above the resident memory before it, MB. */
  readonly peakMb: number;
}

/** One mode, in this (child) process: the query read whole or from the cursor, each row encoded. */
async function runMode(mode: string, db: string): Promise<ModeResult> {
  const registry = await Registry.open({ db });
  try {
    await registry.queryDataIds(QUERY.dimensions, { where: QUERY.where, limit: 10 });
    const before = process.memoryUsage().rss;
    const started = performance.now();
    const cpu = process.cpuUsage();
    let rows = 0;
    let bytes = 0;
    const encode = (page: readonly { toJSON(): unknown }[]) => {
      bytes += JSON.stringify(page.map((d) => d.toJSON())).length;
      rows += page.length;
    };
    if (mode === "stream") {
      for await (const page of registry.streamDataIds(QUERY.dimensions, { where: QUERY.where }).pages(PAGE)) {
        encode(page);
      }
    } else {
      const all = await registry.queryDataIds(QUERY.dimensions, { where: QUERY.where });
      for (let i = 0; i < all.length; i += PAGE) encode(all.slice(i, i + PAGE));
    }
    const used = process.cpuUsage(cpu);
    return {
      rows,
      bytes,
      wallMs: performance.now() - started,
      cpuMs: (used.user + used.system) / 1000,
      peakMb: (process.resourceUsage().maxRSS * 1024 - before) / 2 ** 20,
    };
  } finally {
    await registry.close();
  }
}

async function admin(statement: string): Promise<void> {
  const client = new pg.Client({ connectionString: `${PG_SERVER}/postgres` });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}

/** A registry with `rows` data IDs of detector × physical_filter; its URI and how to remove it. */
async function makeRegistry(
  engine: string,
  rows: number,
): Promise<{ db: string; drop: () => Promise<void> }> {
  let db: string;
  let drop: () => Promise<void>;
  if (engine === "sqlite") {
    const dir = mkdtempSync(join(tmpdir(), "butler-stream-bench-"));
    db = join(dir, "registry.sqlite3");
    drop = async () => rmSync(dir, { recursive: true, force: true });
  } else {
    const database = `butler_bench_${randomBytes(6).toString("hex")}`;
    await admin(`CREATE DATABASE ${database}`);
    db = `${PG_SERVER}/${database}`;
    drop = () => admin(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
  }
  const registry = await Registry.create({ db });
  try {
    const side = Math.ceil(Math.sqrt(rows));
    await registry.insertDimensionData("instrument", [
      { name: "Cam", visit_max: 1_000_000, detector_max: 1_000_000, class_name: "Cam" },
    ]);
    await registry.insertDimensionData(
      "physical_filter",
      Array.from({ length: side }, (_, i) => ({ instrument: "Cam", name: `f${i}`, band: "r" })),
    );
    await registry.insertDimensionData(
      "detector",
      Array.from({ length: Math.ceil(rows / side) }, (_, i) => ({
        instrument: "Cam",
        id: i,
        full_name: `d${i}`,
      })),
    );
  } finally {
    await registry.close();
  }
  return { db, drop };
}

function child(mode: string, db: string): ModeResult {
  const out = execFileSync(
    process.execPath,
    ["--import", "tsx", import.meta.filename, "--child", mode, "--db", db],
    { encoding: "utf8", maxBuffer: 1 << 24 },
  );
  const line = out.split("\n").find((l) => l.startsWith(RESULT));
  if (line === undefined) throw new Error(`the ${mode} run printed no result:\n${out}`);
  return JSON.parse(line.slice(RESULT.length)) as ModeResult;
}

if (args.child !== undefined) {
  const result = await runMode(args.child, args.db!);
  process.stdout.write(`${RESULT}${JSON.stringify(result)}\n`);
} else {
  const rows = Number(args.rows);
  console.log(`bench:stream — ${rows} data IDs, pages of ${PAGE}; load average ${loadavg()[0]!.toFixed(2)}`);
  console.log("| engine | mode | rows | peak RSS above start (MB) | wall (ms) | CPU (ms) |");
  console.log("| --- | --- | ---: | ---: | ---: | ---: |");
  for (const engine of args.engines.split(",").map((e) => e.trim())) {
    const { db, drop } = await makeRegistry(engine, rows);
    try {
      const array = child("array", db);
      const stream = child("stream", db);
      if (array.rows !== stream.rows || array.bytes !== stream.bytes) {
        throw new Error(`the modes disagree: ${JSON.stringify({ array, stream })}`);
      }
      for (const [mode, r] of [
        ["materialized", array],
        ["streamed", stream],
      ] as const) {
        console.log(
          `| ${engine} | ${mode} | ${r.rows} | ${r.peakMb.toFixed(1)} | ${r.wallMs.toFixed(0)} | ${r.cpuMs.toFixed(0)} |`,
        );
      }
      console.log(
        `| ${engine} | ratio materialized / streamed | | ${(array.peakMb / Math.max(stream.peakMb, 0.1)).toFixed(1)}× | ${(array.wallMs / stream.wallMs).toFixed(2)}× | ${(array.cpuMs / stream.cpuMs).toFixed(2)}× |`,
      );
    } finally {
      await drop();
    }
  }
  console.log(`load average after: ${loadavg()[0]!.toFixed(2)}`);
}
