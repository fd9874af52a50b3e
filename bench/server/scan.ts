/**
 * The 500-calexp metadata scan from an S3 root (s3rver) behind a latency proxy, read directly (a local
 * butler with the registry at hand) and through one `butler serve` process reached through its own
 * latency proxy (a RemoteButler: one get_file call for all refs, then the pre-signed ranged GETs
 * straight to the store), alternating, in the same run.
 */
import { join } from "node:path";
import { Butler } from "../../src/butler/index.ts";
import { closeSharedDispatcher } from "../../src/bytes/http-client.ts";
import { RemoteButler } from "../../src/client/remote-butler.ts";
import type { DatasetRef } from "../../src/core/index.ts";
import { DEMO_RUN } from "../../src/demo/demo-survey.ts";
import { closeS3Clients } from "../../src/resources/s3-client.ts";
import { S3Server } from "../../test/support/servers/s3rver.ts";
import { LatencyProxy } from "../latency-proxy.ts";
import { startChild } from "./child.ts";
import { makeBenchRepo } from "./repos.ts";

const BUCKET = "bench-server";

export interface ScanSettings {
  rttMs: number;
  visits: number;
  detectors: number;
  size: number;
  repeat: number;
  cli: string;
}

export interface ScanResult {
  datasets: number;
  directMs: number[];
  serverMs: number[];
}

export function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

export async function runScan(parent: string, settings: ScanSettings): Promise<ScanResult> {
  const s3 = await S3Server.start([BUCKET]);
  const storeProxy = await LatencyProxy.start(s3.port, 0);
  const env = s3.env(storeProxy.origin);
  Object.assign(process.env, env);
  const repo = await makeBenchRepo(parent, "sqlite", {
    name: "scan",
    visits: settings.visits,
    detectors: settings.detectors,
    size: [settings.size, settings.size],
    datastoreRoot: `s3://${BUCKET}/scan/`,
  });
  const server = await startChild(
    settings.cli,
    ["serve", repo.dir, "--port", "0", "--no-web"],
    /^Serving \S+ at (http:\/\/\S+)$/m,
    { env },
  );
  const served = new URL(server.url);
  const serverProxy = await LatencyProxy.start(Number(served.port), 0);
  const direct = await Butler.open(join(repo.dir), { collections: DEMO_RUN });
  try {
    const remote = await RemoteButler.open(`${serverProxy.origin}${served.pathname}`, {
      collections: DEMO_RUN,
    });
    const refs: DatasetRef[] = await direct.registry.queryDatasets("calexp", { collections: DEMO_RUN });
    const metaRefs = refs.map((r) => direct.componentRef(r, "metadata"));
    storeProxy.rttMs = settings.rttMs;
    serverProxy.rttMs = settings.rttMs;
    const directMs: number[] = [];
    const serverMs: number[] = [];
    // One warm-up each, then alternating timed scans; no remembered header answers for the store.
    for (let i = 0; i <= settings.repeat; i++) {
      direct.datastore.headerCache?.clear();
      let started = performance.now();
      const a = await direct.getMany(metaRefs);
      const d = performance.now() - started;
      remote.files.datastore.headerCache?.clear();
      started = performance.now();
      const b = await remote.getMany(metaRefs);
      const s = performance.now() - started;
      if (a.length !== refs.length || b.length !== refs.length) throw new Error("the scans read too little");
      if (i > 0) {
        directMs.push(d);
        serverMs.push(s);
      }
      console.log(
        `  scan ${i === 0 ? "warm-up" : i}: direct ${d.toFixed(0)} ms, through the server ${s.toFixed(0)} ms`,
      );
    }
    return { datasets: refs.length, directMs, serverMs };
  } finally {
    await direct.close();
    await server.stop();
    await serverProxy.close();
    await storeProxy.close();
    await closeSharedDispatcher();
    await closeS3Clients();
    await s3.stop();
    await repo.drop();
  }
}
