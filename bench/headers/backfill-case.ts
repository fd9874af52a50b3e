/**
 * Backfill from a remote datastore: a demo repository of `datasets` small calexps whose datastore root
 * is a WebDAV server (nginx, test/support/servers/nginx.ts) behind a loopback proxy adding a round-trip
 * time (bench/latency-proxy.ts). Its calexp keys are unindexed, then `butler.indexHeaders` indexes and
 * backfills them: one ranged read per file through the byte index, 16 at a time. Beside it, astropy's
 * `getheader` over the same files read from the server's directory on local disk (the no-index way),
 * whose time per file is what a scan of N datasets would cost without the index.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Butler } from "../../src/butler/index.ts";
import { DEMO_RUN, makeDemoRepo } from "../../src/demo/demo-survey.ts";
import { NginxServer } from "../../test/support/servers/nginx.ts";
import { LatencyProxy } from "../latency-proxy.ts";
import { timeOnce } from "./timing.ts";

export interface BackfillCaseResult {
  readonly datasets: number;
  readonly rttMs: number;
  readonly keys: number;
  readonly backfilled: number;
  readonly ms: number;
  readonly cpuMs: number;
  /** astropy getheader over the same files on local disk. */
  readonly astropy: { readonly files: number; readonly ms: number } | { readonly error: string };
}

const DETECTORS = 20;

function fitsFiles(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) fitsFiles(path, out);
    else if (name.endsWith(".fits") && path.includes("calexp")) out.push(path);
  }
  return out;
}

export async function backfillCase(datasets: number, rttMs: number): Promise<BackfillCaseResult> {
  const nginx = await NginxServer.start();
  const proxy = await LatencyProxy.start(nginx.port);
  const dir = mkdtempSync(join(tmpdir(), "butler-bench-backfill-"));
  try {
    proxy.rttMs = 0;
    const repo = join(dir, "repo");
    await makeDemoRepo(repo, {
      visits: Math.ceil(datasets / DETECTORS),
      detectors: DETECTORS,
      size: [64, 64],
      datastoreRoot: `${proxy.origin}/headers/`,
    });
    const butler = await Butler.open(repo, { writeable: true, collections: DEMO_RUN });
    try {
      const headers = butler.registry.internals.headers;
      const keys = (await headers.keys("calexp")).map((k) => k.name);
      await butler.registry.transaction(() => headers.removeKeys("calexp", keys));
      butler.datastore.headerCache?.clear();
      proxy.rttMs = rttMs;
      const run = await timeOnce(() => butler.indexHeaders("calexp", keys, {}));
      proxy.rttMs = 0;
      const files = fitsFiles(join(nginx.root, "headers")).slice(0, datasets);
      let astropy: BackfillCaseResult["astropy"];
      try {
        const out = execFileSync(
          "/usr/bin/python3",
          [new URL("astropy_getheader.py", import.meta.url).pathname, keys.join(",")],
          { input: JSON.stringify(files), encoding: "utf8", stdio: ["pipe", "pipe", "inherit"] },
        );
        const parsed = JSON.parse(out) as { ms: number; files: number };
        astropy = { files: parsed.files, ms: parsed.ms };
      } catch (err) {
        astropy = { error: (err as Error).message.split("\n")[0]! };
      }
      return {
        datasets,
        rttMs,
        keys: keys.length,
        backfilled: run.value.backfilled,
        ms: run.wall,
        cpuMs: run.cpu,
        astropy,
      };
    } finally {
      await butler.close();
    }
  } finally {
    await proxy.close();
    await nginx.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
