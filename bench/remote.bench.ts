/**
 * `npm run bench:remote`: gets from repositories whose datastore root is on a real WebDAV server (nginx)
 * and, with `--s3`, on S3 (s3rver), through a loopback proxy that adds a round-trip time (RTT):
 * - one calexp (demo survey, 1 visit × 1 detector, `--big` pixels square): full get,
 *   `calexp.metadata`, a 200×200 cutout (the three planes; the archive is fetched only when asked for)
 *   and a 200×200 cutout of `calexp.image` (the one plane astropy's cutout reads), median ms with the
 *   requests and body bytes the server saw;
 * - a metadata scan with getMany of the calexps of a second demo repository (`--visits` × `--detectors`
 *   at `--size` pixels square);
 * - astropy through fsspec (Debian's /usr/bin/python3, `bench/astropy_fsspec.py`) reading the same
 *   header and cutout from the same server through the same proxy, as the baseline.
 *
 * Requests and bytes are counted on the server side: nginx's access log, or for S3 a counting HTTP
 * proxy (test/support/servers/fault-proxy.ts) between the latency proxy and s3rver.
 *
 * No cache hides the network: the local file cache is off (DAF_BUTLER_CACHE_EXPIRATION_MODE=disabled,
 * set here before any butler opens) and the in-memory header cache is cleared before every timed get
 * and every scan.
 *
 *   npm run bench:remote [-- --rtt 0,10,50 --repeat 7 --visits 125 --detectors 4 --size 256 --big 2048 --s3]
 */
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { Butler } from "../src/butler/index.ts";
import { closeSharedDispatcher } from "../src/bytes/http-client.ts";
import type { DatasetRef } from "../src/core/index.ts";
import { DEMO_RUN, makeDemoRepo } from "../src/demo/demo-survey.ts";
import { Box2I } from "../src/image/box.ts";
import { closeS3Clients } from "../src/resources/s3-client.ts";
import { FaultProxy } from "../test/support/servers/fault-proxy.ts";
import { NginxServer } from "../test/support/servers/nginx.ts";
import { S3Server } from "../test/support/servers/s3rver.ts";
import { LatencyProxy } from "./latency-proxy.ts";
import { AIOHTTP, ASTROPY, FSSPEC, NGINX, NGINX_DAV, requireDebianPackages } from "./requirements.ts";

requireDebianPackages("bench:remote", [AIOHTTP, ASTROPY, FSSPEC, NGINX, NGINX_DAV]);

process.env.DAF_BUTLER_CACHE_EXPIRATION_MODE = "disabled";

const { values: args } = parseArgs({
  options: {
    rtt: { type: "string", default: "0,10,50" },
    repeat: { type: "string", default: "7" },
    visits: { type: "string", default: "125" },
    detectors: { type: "string", default: "4" },
    size: { type: "string", default: "256" },
    big: { type: "string", default: "2048" },
    "block-sizes": { type: "string", default: "default,65536" },
    s3: { type: "boolean", default: false },
  },
});
const RTTS = args.rtt.split(",").map(Number);
const REPEAT = Number(args.repeat);
const VISITS = Number(args.visits);
const DETECTORS = Number(args.detectors);
const SIZE = Number(args.size);
const BIG = Number(args.big);
const BLOCK_SIZES = args["block-sizes"].split(",").map((b) => (b === "default" ? null : Number(b)));
const CUT = 200;
const BOX = Box2I.fromXYWH((BIG - CUT) >> 1, (BIG - CUT) >> 1, CUT, CUT);
const BUCKET = "bench-remote";

/** Requests and body bytes the server sent. */
interface Traffic {
  requests: number;
  bytes: number;
}

/** One kind of remote store behind the latency proxy. */
interface Store {
  readonly name: string;
  readonly proxy: LatencyProxy;
  /** The datastore root for a new repository called `name`. */
  root(name: string): string;
  /** The HTTP URL of a file given by the datastore's URI, through the latency proxy (for astropy). */
  httpUrl(uri: string): string;
  /** Starts counting. */
  mark(): Promise<void>;
  /** What the server sent since the mark; waits for at least `atLeast` requests. */
  traffic(atLeast?: number): Promise<Traffic>;
  stop(): Promise<void>;
}

async function webdavStore(): Promise<Store> {
  const nginx = await NginxServer.start();
  const proxy = await LatencyProxy.start(nginx.port);
  return {
    name: "WebDAV (nginx)",
    proxy,
    root: (name) => `${proxy.origin}/${name}/`,
    httpUrl: (uri) => uri,
    mark: () => nginx.mark(),
    async traffic(atLeast = 0) {
      const entries = (await nginx.requests(atLeast)).filter((e) => e.method !== "PROPFIND");
      return { requests: entries.length, bytes: entries.reduce((s, e) => s + e.bytes, 0) };
    },
    async stop() {
      await proxy.close();
      await nginx.stop();
    },
  };
}

async function s3Store(): Promise<Store> {
  const s3 = await S3Server.start([BUCKET]);
  const counter = await FaultProxy.start(s3.origin);
  const proxy = await LatencyProxy.start(counter.port);
  Object.assign(process.env, s3.env(proxy.origin));
  let seen = 0;
  return {
    name: "S3 (s3rver)",
    proxy,
    root: (name) => `s3://${BUCKET}/${name}/`,
    // s3rver serves objects to anonymous GETs at path-style URLs.
    httpUrl: (uri) => `${proxy.origin}/${uri.replace(/^s3:\/\//, "")}`,
    async mark() {
      seen = counter.requests.length;
    },
    async traffic(atLeast = 0) {
      for (let i = 0; i < 200 && counter.requests.length - seen < atLeast; i++) {
        await new Promise((r) => setTimeout(r, 10));
      }
      await new Promise((r) => setTimeout(r, 30));
      const entries = counter.requests.slice(seen);
      seen = counter.requests.length;
      return { requests: entries.length, bytes: entries.reduce((s, e) => s + e.bytes, 0) };
    },
    async stop() {
      await proxy.close();
      await counter.close();
      await closeS3Clients();
      await s3.stop();
    },
  };
}

function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

interface Row {
  store: string;
  rtt: number;
  name: string;
  ms: number;
  min: number;
  requests: number;
  bytes: number;
}

const rows: Row[] = [];

/** `REPEAT` timed runs after one warm-up; traffic of each run, reported from the last. */
async function timed(
  store: Store,
  rtt: number,
  name: string,
  run: () => Promise<unknown>,
  runs = REPEAT,
): Promise<Row> {
  const times: number[] = [];
  let traffic: Traffic = { requests: 0, bytes: 0 };
  for (let i = 0; i <= runs; i++) {
    await store.mark();
    const started = performance.now();
    await run();
    const ms = performance.now() - started;
    traffic = await store.traffic(1);
    if (i > 0) times.push(ms);
  }
  const row = { store: store.name, rtt, name, ms: median(times), min: Math.min(...times), ...traffic };
  rows.push(row);
  progress(row);
  return row;
}

/** astropy through fsspec: `runs` timed calls in one process; the traffic is of all calls, per call. */
async function astropy(
  store: Store,
  rtt: number,
  url: string,
  op: "header" | "cutout",
  blockSize: number | null,
): Promise<Row> {
  const runs = REPEAT;
  await store.mark();
  const input = JSON.stringify({
    url,
    op,
    hdu: 1,
    box: [BOX.minX, BOX.minY, CUT, CUT],
    blockSize,
    repeat: runs,
  });
  // Asynchronous: the latency proxy runs on this process's event loop.
  const out = await new Promise<string>((resolve, reject) => {
    const child = execFile(
      "/usr/bin/python3",
      [new URL("astropy_fsspec.py", import.meta.url).pathname],
      (err, stdout) => (err ? reject(err) : resolve(stdout)),
    );
    child.stdin?.end(input);
  });
  const result = JSON.parse(out.trim().split("\n").at(-1)!) as { ms: number[]; shape: number[] };
  const traffic = await store.traffic(runs + 1);
  const row = {
    store: store.name,
    rtt,
    name: `astropy+fsspec ${op} (block_size ${blockSize ?? "default 5 MiB"})`,
    ms: median(result.ms),
    min: Math.min(...result.ms),
    requests: traffic.requests / (runs + 1),
    bytes: traffic.bytes / (runs + 1),
  };
  rows.push(row);
  progress(row);
  return row;
}

function progress(r: Row): void {
  console.log(
    `  RTT ${r.rtt} ms, ${r.name}: ${r.ms.toFixed(1)} ms, ${r.requests} requests, ${Math.round(r.bytes)} bytes`,
  );
}

interface Goal {
  store: string;
  rtt: number;
  goal: string;
  value: string;
  met: boolean;
}
const goals: Goal[] = [];

async function benchStore(store: Store, dir: string): Promise<void> {
  store.proxy.rttMs = 0;
  const started = performance.now();
  const bigRepo = join(dir, `${store.name.split(" ")[0]}-one`);
  const scanRepo = join(dir, `${store.name.split(" ")[0]}-scan`);
  await makeDemoRepo(bigRepo, {
    visits: 1,
    detectors: 1,
    size: [BIG, BIG],
    datastoreRoot: store.root("one"),
  });
  await makeDemoRepo(scanRepo, {
    visits: VISITS,
    detectors: DETECTORS,
    size: [SIZE, SIZE],
    datastoreRoot: store.root("scan"),
  });
  console.log(
    `${store.name}: demo repositories written in ${((performance.now() - started) / 1000).toFixed(1)} s`,
  );
  const one = await Butler.open(bigRepo, { collections: DEMO_RUN });
  const scan = await Butler.open(scanRepo, { collections: DEMO_RUN });
  try {
    const ref = (await one.registry.queryDatasets("calexp", { collections: DEMO_RUN }))[0]!;
    const refs: DatasetRef[] = await scan.registry.queryDatasets("calexp", { collections: DEMO_RUN });
    const metaRefs = refs.map((r) => scan.componentRef(r, "metadata"));
    const url = store.httpUrl(await one.getURI(ref));
    const clear = () => {
      one.datastore.headerCache?.clear();
      scan.datastore.headerCache?.clear();
    };
    let localMeta = 0;
    for (const rtt of RTTS) {
      store.proxy.rttMs = rtt;
      await timed(store, rtt, `full get ${BIG}×${BIG}`, () => {
        clear();
        return one.get(ref);
      });
      const meta = await timed(store, rtt, "calexp.metadata", () => {
        clear();
        return one.get(one.componentRef(ref, "metadata"));
      });
      const cut = await timed(store, rtt, `${CUT}×${CUT} cutout`, () => {
        clear();
        return one.get(ref, null, { parameters: { bbox: BOX } });
      });
      // The plane astropy's cutout reads: like for like with its one-HDU read.
      const imageCut = await timed(store, rtt, `${CUT}×${CUT} calexp.image cutout`, () => {
        clear();
        return one.get(one.componentRef(ref, "image"), null, { parameters: { bbox: BOX } });
      });
      const scanRow = await timed(
        store,
        rtt,
        `metadata scan of ${refs.length} (getMany)`,
        () => {
          clear();
          return scan.getMany(metaRefs);
        },
        3,
      );
      const baseline: Record<"header" | "cutout", Row[]> = { header: [], cutout: [] };
      for (const op of ["header", "cutout"] as const) {
        for (const bs of BLOCK_SIZES) baseline[op].push(await astropy(store, rtt, url, op, bs));
      }
      if (rtt === 0) {
        localMeta = meta.ms;
        continue;
      }
      const fmt = (x: number) => x.toFixed(1);
      goals.push({
        store: store.name,
        rtt,
        goal: "metadata get ≈ one round trip + parse",
        value: `${meta.requests} request(s), ${fmt(meta.ms)} ms vs RTT ${rtt} + ${fmt(localMeta)} ms (the same get at RTT 0)`,
        met: meta.requests === 1 && meta.ms <= rtt * 1.1 + localMeta + 1,
      });
      for (const [op, ours, label] of [
        ["header", meta, "header"],
        ["cutout", cut, "cutout"],
        ["cutout", imageCut, "calexp.image cutout"],
      ] as const) {
        const fewestBytes = Math.min(...baseline[op].map((r) => r.bytes));
        const fastest = Math.min(...baseline[op].map((r) => r.ms));
        goals.push({
          store: store.name,
          rtt,
          goal: `${label}: ≥ 5× fewer bytes than astropy+fsspec (its best block size)`,
          value: `${(fewestBytes / ours.bytes).toFixed(2)}× (${ours.bytes} vs ${fewestBytes})`,
          met: fewestBytes >= 5 * ours.bytes,
        });
        goals.push({
          store: store.name,
          rtt,
          goal: `${label}: ≥ 2× faster than astropy+fsspec (its best block size)`,
          value: `${(fastest / ours.ms).toFixed(2)}× (${fmt(ours.ms)} vs ${fmt(fastest)} ms)`,
          met: fastest >= 2 * ours.ms,
        });
      }
      goals.push({
        store: store.name,
        rtt,
        goal: `scan of ${refs.length} within 20 RTT`,
        value: `${fmt(scanRow.ms)} ms = ${(scanRow.ms / rtt).toFixed(1)} RTT (${scanRow.requests} requests)`,
        met: scanRow.ms <= 20 * rtt,
      });
    }
  } finally {
    await one.close();
    await scan.close();
  }
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "butler-bench-remote-"));
  const load = loadavg();
  console.log(
    `load average at start: ${load.map((l) => l.toFixed(2)).join(", ")}; RTTs ${RTTS.join(", ")} ms; ${REPEAT} runs per get (median), 3 per scan`,
  );
  try {
    const kinds = [webdavStore, ...(args.s3 ? [s3Store] : [])];
    for (const start of kinds) {
      const store = await start();
      try {
        await benchStore(store, dir);
      } finally {
        await closeSharedDispatcher();
        await store.stop();
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  console.log("\n| store | RTT ms | read | median ms | min ms | requests | bytes |");
  console.log("| --- | ---: | --- | ---: | ---: | ---: | ---: |");
  for (const r of rows) {
    console.log(
      `| ${r.store} | ${r.rtt} | ${r.name} | ${r.ms.toFixed(1)} | ${r.min.toFixed(1)} | ${Number.isInteger(r.requests) ? r.requests : r.requests.toFixed(1)} | ${Math.round(r.bytes)} |`,
    );
  }
  console.log("\n| store | RTT ms | goal | value | met? |");
  console.log("| --- | ---: | --- | --- | --- |");
  for (const g of goals) {
    console.log(`| ${g.store} | ${g.rtt} | ${g.goal} | ${g.value} | ${g.met ? "yes" : "NO"} |`);
  }
  console.log(
    `load average at end: ${loadavg()
      .map((l) => l.toFixed(2))
      .join(", ")}`,
  );
}

await main();
