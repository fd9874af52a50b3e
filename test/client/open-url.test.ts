/**
 * `Butler.open(url, {token})` of a butler server's repository URL, through the package entry: the
 * client registers its opener when the package is loaded, and the butler it returns reads, queries
 * and puts with the local butler's API (and its types: ButlerApi, not Butler). The butler layer alone
 * refuses a server URL with what to do.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { after, before, test } from "node:test";
import { Header } from "../../src/fits/header.ts";
import { headersEqual } from "../../src/image/exposure-info.ts";
import { Butler, type ButlerApi, RemoteButler } from "../../src/index.ts";
import { DEMO_CHAIN, makeSmallDemo, registerVisitSummary, type ServedDemo, serve } from "./helpers.ts";

const CALEXP_ID = { instrument: "DemoCam", visit: 2026031000, detector: 1 };
let served: ServedDemo;
let port: number;

before(async () => {
  served = await serve(await makeSmallDemo());
  await registerVisitSummary(served.butler);
  port = Number(new URL(served.url).port);
});
after(() => served.close());

test("Butler.open of a server URL reads, queries and puts with the same API", async () => {
  const butler = await Butler.open(`http://127.0.0.1:${port}/api/butler/repo/demo`, {
    collections: DEMO_CHAIN,
    run: "u/open-url",
  });
  try {
    assert.ok(butler instanceof RemoteButler);
    // @ts-expect-error a server's butler has no datastore: the type says so
    assert.equal(butler.datastore, undefined);
    const header = await butler.get<Header>("calexp.metadata", CALEXP_ID);
    assert.ok(header instanceof Header);
    const refs = await butler.queryDatasets("calexp", { where: "detector = 1" });
    assert.equal(refs.length, 2);
    assert.equal(await butler.exists(refs[0]!), true);
    const summary = { seeing: 0.6 };
    const ref = await butler.put(summary, "visitSummary", { instrument: "DemoCam", visit: CALEXP_ID.visit });
    assert.equal(ref.run, "u/open-url");
    assert.deepEqual(await butler.get(ref), summary);
  } finally {
    await butler.close();
  }
});

test("the same code runs on a local butler, which Butler.open of a directory still returns", async () => {
  const readHeader = (butler: ButlerApi) => butler.get<Header>("calexp.metadata", CALEXP_ID);
  const local = await Butler.open(served.repo, { collections: DEMO_CHAIN });
  const remote = await Butler.open(`http://127.0.0.1:${port}/api/butler/repo/demo`, {
    collections: DEMO_CHAIN,
  });
  try {
    assert.ok(local instanceof Butler);
    assert.ok(headersEqual(await readHeader(remote), await readHeader(local)));
  } finally {
    await local.close();
    await remote.close();
  }
});

test("without the client loaded, a server URL is refused with what to do", () => {
  const script =
    'import { Butler } from "./src/butler/index.ts";' +
    'await Butler.open("http://127.0.0.1:1/api/butler/repo/demo").then(' +
    "() => console.log('opened'), (err) => console.log(err.code, err.message));";
  const run = spawnSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], {
    encoding: "utf8",
  });
  assert.match(
    run.stdout,
    /^INVALID_ARGUMENT .*is a repository on a butler server.*import the package entry/,
  );
});
