/**
 * `npm run bench:web`: the web page's server time, measured with fastify's inject (no network) on the
 * plugin `butler ui` and `butler serve` register:
 *
 * - the first page (100 rows) of a find-first search for calexps with a `where`, on the registry
 *   benchmark's layout at 100,000 datasets (bench/registry/layout.ts: 300 RUNs in one chain), SQLite;
 * - a 1024-pixel preview of a 4096×4096 calexp (the demo survey's, GZIP_2 row tiles): server time,
 *   bytes read against the image plane's stored bytes;
 * - the header view: requests and bytes of the `metadata` read.
 *
 *   npm run bench:web [-- --datasets 100000 --size 4096 --repeat 5]
 */
import { mkdtempSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import Fastify from "fastify";
import { Butler } from "../src/butler/index.ts";
import { makeDemoRepo } from "../src/demo/demo-survey.ts";
import { webPlugin } from "../src/web/plugin.ts";
import { CHAIN, makeLayout, prepareRegistry } from "./registry/layout.ts";

const { values: args } = parseArgs({
  options: {
    datasets: { type: "string", default: "100000" },
    size: { type: "string", default: "4096" },
    repeat: { type: "string", default: "5" },
  },
});
const DATASETS = Number(args.datasets);
const SIZE = Number(args.size);
const REPEAT = Number(args.repeat);
const WHERE = "visit >= 100 AND visit < 600 AND detector < 50";

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

async function served(butler: Butler, name: string) {
  const app = Fastify({ logger: false });
  await app.register(webPlugin({ resolveButler: async () => butler, repositories: () => [name] }));
  await app.ready();
  return app;
}

/** Server time of GET `url`: one warm-up, then the median of REPEAT. */
async function timeGet(app: Awaited<ReturnType<typeof served>>, url: string) {
  let last = await app.inject({ method: "GET", url });
  if (last.statusCode !== 200) throw new Error(`${url}: ${last.statusCode} ${last.body}`);
  const times: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < REPEAT; i++) {
    const started = performance.now();
    const usage = process.cpuUsage();
    last = await app.inject({ method: "GET", url });
    times.push(performance.now() - started);
    const spent = process.cpuUsage(usage);
    cpu.push((spent.user + spent.system) / 1000);
  }
  // CPU time beside wall time: on a shared machine the wall time says more about the neighbours.
  return { ms: median(times), cpuMs: median(cpu), last };
}

const scratch = mkdtempSync(join(tmpdir(), "butler-bench-web-"));
try {
  process.stdout.write(
    `bench:web — load ${loadavg()
      .map((l) => l.toFixed(2))
      .join(" ")}\n\n`,
  );

  // 1. The first search page at DATASETS calexps.
  const searchRepo = join(scratch, "search");
  await Butler.create(searchRepo);
  const writer = await Butler.open(searchRepo, { writeable: true });
  const layout = makeLayout(DATASETS);
  const calexp = await prepareRegistry(writer.registry, layout);
  for (let r = 0; r < layout.runNames.length; r++) {
    if (layout.perRun[r]!.length > 0)
      await writer.registry.insertDatasets(calexp, layout.perRun[r]!, layout.runNames[r]!);
  }
  await writer.registry.analyze();
  await writer.close();
  const searchButler = await Butler.open(searchRepo);
  const searchApp = await served(searchButler, "bench");
  const url = `/web/api/bench/search?datasetType=calexp&collections=${CHAIN}&where=${encodeURIComponent(WHERE)}`;
  const search = await timeGet(searchApp, url);
  const rows = (search.last.json() as { rows: unknown[] }).rows.length;
  await searchApp.close();
  await searchButler.close();

  // 2. A preview of a SIZE×SIZE calexp, and 3. its header view.
  const imageRepo = join(scratch, "image");
  await makeDemoRepo(imageRepo, { visits: 1, detectors: 1, size: [SIZE, SIZE] });
  const imageButler = await Butler.open(imageRepo);
  const [ref] = await imageButler.registry.queryDatasets("calexp", { collections: "*" });
  const imageApp = await served(imageButler, "image");
  const preview = await timeGet(
    imageApp,
    `/web/api/image/dataset/${ref!.id}/preview.png?size=1024&stretch=asinh`,
  );
  const info = JSON.parse(String(preview.last.headers["x-preview"])) as {
    bytesRead: number;
    planeBytes: number;
    step: number;
  };
  const header = await imageButler.datastore.get(ref!, { component: "metadata" });
  await imageApp.close();
  await imageButler.close();

  const lines = [
    `| measurement (median of ${REPEAT} after a warm-up; wall time, CPU time) | result | goal |`,
    "| --- | --- | --- |",
    `| first search page (${rows} rows of ${DATASETS.toLocaleString("en-US")} calexps, find-first over ${layout.runNames.length} runs, \`${WHERE}\`) | ${search.ms.toFixed(1)} ms (CPU ${search.cpuMs.toFixed(1)} ms) | ≤ 200 ms |`,
    `| 1024-px preview of a ${SIZE}×${SIZE} calexp (every ${info.step}th row and column) | ${preview.ms.toFixed(1)} ms (CPU ${preview.cpuMs.toFixed(1)} ms), ${preview.last.rawPayload.length.toLocaleString("en-US")} PNG bytes | ≤ 300 ms |`,
    `| bytes the preview read / the image plane's stored bytes | ${info.bytesRead.toLocaleString("en-US")} / ${info.planeBytes.toLocaleString("en-US")} = ${(info.bytesRead / info.planeBytes).toFixed(3)} | ≤ 1/3 |`,
    `| header view (\`metadata\` component) | ${header.metrics.requests} request(s), ${header.metrics.bytesRead.toLocaleString("en-US")} bytes | one ranged read |`,
  ];
  process.stdout.write(`${lines.join("\n")}\n`);
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
