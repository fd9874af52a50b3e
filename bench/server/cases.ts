/**
 * The load cases of `npm run bench:server` against one served repository: `find_dataset`, and complete
 * `calexp.metadata` gets, both as the two raw requests a client makes (get_file_by_data_id, then the
 * signed ranged read of the primary header) and through RemoteButler.get (the client's own work too).
 */

import type { GetFileByDataIdResponse } from "../../src/client/protocol.ts";
import { RemoteButler } from "../../src/client/remote-butler.ts";
import type { FitsByteIndex } from "../../src/datastore/byte-index.ts";
import { DEMO_RUN } from "../../src/demo/demo-survey.ts";
import { LoadClient } from "./http.ts";
import { type LoadResult, runLoad } from "./load.ts";

export interface CaseSettings {
  concurrency: number;
  durationMs: number;
  warmupMs: number;
}

export interface CaseRow extends LoadResult {
  name: string;
}

/** The path and query of a URL, for a pool bound to its origin. */
function pathOf(url: string): string {
  const u = new URL(url);
  return `${u.pathname}${u.search}`;
}

/** One `calexp.metadata` get as the two raw requests; returns the header's length, checked. */
async function rawMetadataGet(client: LoadClient, base: string, dataId: unknown): Promise<void> {
  const answer = await client.post<GetFileByDataIdResponse>(`${base}/v1/get_file_by_data_id`, {
    dataset_type: "calexp",
    data_id: dataId,
    collections: DEMO_RUN,
  });
  const info = answer.file_info.find((f) => f.record.component === null);
  if (answer.dataset_ref === null || info === undefined)
    throw new Error(`no calexp for ${JSON.stringify(dataId)}`);
  const primary = (info.record.byte_index as FitsByteIndex).hdus[0]!;
  const last = primary.headerOffset + primary.headerLength - 1;
  const header = await client.get(pathOf(info.url), { range: `bytes=${primary.headerOffset}-${last}` }, 206);
  if (header.length !== primary.headerLength || !header.startsWith("SIMPLE  =")) {
    throw new Error(
      `the signed read gave ${header.length} bytes, not the ${primary.headerLength} of a header`,
    );
  }
}

/** Runs the cases against the repository at `url` (`http://host:port/api/butler/repo/NAME`). */
export async function runServerCases(
  url: string,
  dataIds: readonly Record<string, unknown>[],
  settings: CaseSettings,
  options: { token?: string; cases?: readonly ("find" | "raw" | "client")[] } = {},
): Promise<CaseRow[]> {
  const { origin, pathname: base } = new URL(url);
  const client = new LoadClient(origin, settings.concurrency, options.token);
  const cases = options.cases ?? ["find", "raw", "client"];
  const rows: CaseRow[] = [];
  const pick = (n: number) => dataIds[n % dataIds.length]!;
  try {
    if (cases.includes("find")) {
      const result = await runLoad({
        ...settings,
        request: async (n) => {
          const answer = await client.post<{ dataset_ref: unknown }>(`${base}/v1/find_dataset`, {
            dataset_type: "calexp",
            data_id: pick(n),
            collections: DEMO_RUN,
          });
          if (answer.dataset_ref === null) throw new Error("find_dataset found nothing");
        },
      });
      rows.push({ name: "find_dataset", ...result });
    }
    if (cases.includes("raw")) {
      const result = await runLoad({ ...settings, request: (n) => rawMetadataGet(client, base, pick(n)) });
      rows.push({ name: "calexp.metadata get (2 raw requests)", ...result });
    }
    if (cases.includes("client")) {
      const butler = await RemoteButler.open(url, {
        collections: DEMO_RUN,
        ...(options.token === undefined ? {} : { token: options.token }),
      });
      const result = await runLoad({
        ...settings,
        request: async (n) => {
          // No remembered header may answer for the store: every get reads its bytes.
          butler.files.datastore.headerCache?.clear();
          await butler.get("calexp.metadata", pick(n));
        },
      });
      rows.push({ name: "calexp.metadata get (RemoteButler.get)", ...result });
    }
  } finally {
    await client.close();
  }
  return rows;
}

/** The yardstick's hello world and indexed lookup, with the same load generator. */
export async function runYardstick(origin: string, settings: CaseSettings): Promise<CaseRow[]> {
  const client = new LoadClient(origin, settings.concurrency);
  try {
    const hello = await runLoad({ ...settings, request: () => client.get("/hello").then(() => undefined) });
    const lookup = await runLoad({
      ...settings,
      request: (n) => client.get(`/lookup/${n}`).then(() => undefined),
    });
    return [
      { name: "yardstick: fastify hello world", ...hello },
      { name: "yardstick: fastify + one indexed SQLite lookup", ...lookup },
    ];
  } finally {
    await client.close();
  }
}
