/**
 * The search page's API beyond one page: 100 rows a page in find-first order, the last page short, and
 * the CSV and JSON downloads holding the whole result; on the registry benchmark's layout (300 RUNs in
 * one chain), registry rows only.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { CHAIN, makeLayout, prepareRegistry } from "../../bench/registry/layout.ts";
import { Butler } from "../../src/butler/index.ts";
import { localServerConfig, type Serving, startServing } from "../../src/cli/serving.ts";

const scratch = mkdtempSync(join(tmpdir(), "butler-web-search-"));
const layout = makeLayout(750);
let ui: Serving;
let base: string;
/** Data IDs find-first returns: one per distinct (visit, detector). */
let expected: number;

before(async () => {
  const repo = join(scratch, "repo");
  await Butler.create(repo);
  const writer = await Butler.open(repo, { writeable: true });
  const calexp = await prepareRegistry(writer.registry, layout);
  for (let r = 0; r < layout.runNames.length; r++) {
    if (layout.perRun[r]!.length > 0)
      await writer.registry.insertDatasets(calexp, layout.perRun[r]!, layout.runNames[r]!);
  }
  await writer.close();
  ui = await startServing(localServerConfig(repo, { name: "bench" }), { readOnly: true });
  base = `${ui.origin}/web/api/bench`;
  expected = layout.expected.size;
});
after(async () => {
  await ui?.close();
  rmSync(scratch, { recursive: true, force: true });
});

interface Page {
  rows: { id: string; run: string; dataId: Record<string, unknown> }[];
  hasMore: boolean;
  columns: string[];
}

async function page(n: number): Promise<Page> {
  const response = await fetch(`${base}/search?datasetType=calexp&collections=${CHAIN}&page=${n}`);
  assert.equal(response.status, 200);
  return (await response.json()) as Page;
}

test("pages of 100 rows cover the find-first result once, each row in its expected run", async () => {
  assert.equal(expected, 250);
  const seen = new Set<string>();
  for (let n = 0; n < 3; n++) {
    const p = await page(n);
    assert.equal(p.rows.length, n < 2 ? 100 : 50);
    assert.equal(p.hasMore, n < 2);
    assert.deepEqual(p.columns, ["instrument", "detector", "visit", "band", "day_obs", "physical_filter"]);
    for (const row of p.rows) {
      seen.add(row.id);
      assert.equal(row.run, layout.expected.get(`${row.dataId.visit}/${row.dataId.detector}`));
    }
  }
  assert.equal(seen.size, 250);
  const past = await page(3);
  assert.deepEqual([past.rows.length, past.hasMore], [0, false]);
});

test("the CSV and JSON downloads hold the whole result", async () => {
  const query = `datasetType=calexp&collections=${CHAIN}`;
  const csv = await fetch(`${base}/search.csv?${query}`);
  assert.match(csv.headers.get("content-disposition")!, /attachment; filename="calexp\.csv"/);
  const lines = (await csv.text()).trimEnd().split("\n");
  assert.equal(lines[0], "id,run,instrument,detector,visit,band,day_obs,physical_filter");
  assert.equal(lines.length, 251);
  const json = (await (await fetch(`${base}/search.json?${query}`)).json()) as unknown[];
  assert.equal(json.length, 250);
});

test("the repository summary shows the chain with its 300 runs under it", async () => {
  const summary = (await (await fetch(`${base}/summary`)).json()) as {
    collections: { name: string; type: string; children?: unknown[] }[];
    datasetTypes: { name: string; count: number }[];
  };
  assert.deepEqual(
    summary.collections.map((c) => [c.name, c.type, c.children?.length]),
    [[CHAIN, "CHAINED", 300]],
  );
  assert.deepEqual(
    summary.datasetTypes.map((t) => [t.name, t.count]),
    [["calexp", 750]],
  );
});
