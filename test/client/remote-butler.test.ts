/**
 * RemoteButler against a real server (createServerApp on loopback) serving a demo repository with a
 * local datastore root: queries, gets of components, cutouts and calibrations give what the local
 * butler gives; a metadata get is one call to the server and one ranged GET of the header bytes;
 * getMany asks for all files at once; user errors come back as the same typed errors; puts land in
 * the repository through a signed upload.
 */
import assert from "node:assert/strict";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { Butler } from "../../src/butler/index.ts";
import { REGISTRY_WRITES } from "../../src/client/not-offered.ts";
import { RemoteButler } from "../../src/client/remote-butler.ts";
import { rememberBounded } from "../../src/client/signed-root.ts";
import {
  DatasetNotFoundError,
  ExpressionSyntaxError,
  isButlerError,
  MissingDatasetTypeError,
  NotOfferedRemotelyError,
  ReadOnlyButlerError,
  UnknownComponentError,
  UnknownParameterError,
} from "../../src/errors/index.ts";
import { Box2I } from "../../src/image/box.ts";
import type { Exposure } from "../../src/image/exposure.ts";
import { Registry } from "../../src/registry/index.ts";
import {
  DEMO_CHAIN,
  DEMO_RUN,
  makeSmallDemo,
  registerVisitSummary,
  type ServedDemo,
  serve,
} from "./helpers.ts";

let served: ServedDemo;
let local: Butler;
let remote: RemoteButler;
const CALEXP_ID = { instrument: "DemoCam", visit: 2026031000, detector: 1 };

before(async () => {
  const repo = await makeSmallDemo();
  served = await serve(repo);
  local = await Butler.open(repo, { collections: DEMO_CHAIN });
  remote = await RemoteButler.open(served.url, { collections: DEMO_CHAIN });
});

after(async () => {
  await local.close();
  await served.close();
});

describe("queries", () => {
  test("streamed queries give pages of at most the asked size, the same as the local butler's", async () => {
    const local_ = await local.streamDatasets("calexp", { orderBy: ["visit", "detector"] }).toArray();
    const sizes: number[] = [];
    const ids: string[] = [];
    for await (const page of remote.streamDatasets("calexp", { orderBy: ["visit", "detector"] }).pages(1)) {
      sizes.push(page.length);
      for (const ref of page) ids.push(ref.id);
    }
    assert.ok(local_.length > 1);
    assert.deepEqual(
      sizes,
      local_.map(() => 1),
    );
    assert.deepEqual(
      ids,
      local_.map((r) => r.id),
    );
    const visits = [];
    for await (const record of remote.registry.streamDimensionRecords("visit", { orderBy: "visit" })) {
      visits.push(record);
      break;
    }
    assert.deepEqual(visits, (await local.queryDimensionRecords("visit", { orderBy: "visit" })).slice(0, 1));
    assert.deepEqual(
      (await remote.registry.streamDataIds(["visit"], { where: "band = 'r'" }).toArray()).map(String),
      (await local.queryDataIds(["visit"], { where: "band = 'r'" })).map(String),
    );
  });

  test("datasets, data IDs, records, collections and dataset types match the local butler's", async () => {
    const ids = (refs: { id: string }[]) => refs.map((r) => r.id).sort();
    assert.deepEqual(
      ids(await remote.registry.queryDatasets("calexp")),
      ids(await local.registry.queryDatasets("calexp", {})),
    );
    const where = { where: "visit = v AND detector > 0", bind: { v: CALEXP_ID.visit } };
    const remoteRefs = await remote.queryDatasets("calexp", where);
    assert.equal(remoteRefs.length, 1);
    assert.equal(remoteRefs[0]!.dataId.get("band"), "g");
    assert.deepEqual(
      (await remote.queryDataIds(["visit"], { where: "band = 'r'" })).map(String),
      (await local.queryDataIds(["visit"], { where: "band = 'r'" })).map(String),
    );
    const records = await remote.queryDimensionRecords("visit", { orderBy: "visit" });
    const localRecords = await local.queryDimensionRecords("visit", { orderBy: "visit" });
    assert.deepEqual(records, localRecords);
    assert.deepEqual(
      (await remote.registry.queryCollections("*")).sort(),
      (await local.registry.queryCollections("*")).sort(),
    );
    assert.deepEqual((await remote.registry.queryDatasetTypes("*")).map((t) => t.name).sort(), [
      "bias",
      "calexp",
      "flat",
    ]);
    assert.deepEqual(
      await remote.registry.getCollectionChain(DEMO_CHAIN),
      await local.registry.getCollectionChain(DEMO_CHAIN),
    );
  });

  test("findDataset, getDataset and expandDataId", async () => {
    const found = await remote.registry.findDataset("calexp", CALEXP_ID);
    const expected = await local.registry.findDataset("calexp", CALEXP_ID);
    assert.equal(found?.id, expected?.id);
    assert.equal((await remote.registry.getDataset(expected!.id))?.run, DEMO_RUN);
    const expanded = await remote.registry.expandDataId(CALEXP_ID, {
      dimensions: ["instrument", "visit", "detector"],
    });
    assert.equal(expanded.get("band"), "g");
    assert.equal(await remote.registry.findDataset("calexp", { ...CALEXP_ID, visit: 1 }), null);
  });

  test("a query streamed over many pages comes back whole and in order", async () => {
    const paged = await serve(served.repo, { pageRows: 1 });
    try {
      const client = await RemoteButler.open(paged.url, { collections: DEMO_CHAIN });
      const refs = await client.queryDatasets("calexp", { orderBy: ["visit", "detector"] });
      const expected = await local.queryDatasets("calexp", { orderBy: ["visit", "detector"] });
      assert.deepEqual(
        refs.map((r) => r.id),
        expected.map((r) => r.id),
      );
    } finally {
      await paged.close();
    }
  });
});

describe("reads", () => {
  test("calexp.metadata is one call to the server and one ranged GET of the header", async () => {
    // The first read of a type learns nothing the second does not: both are one call and one GET.
    for (const detector of [0, 1]) {
      served.seen.length = 0;
      const dataId = { ...CALEXP_ID, detector };
      const header = await remote.get("calexp.metadata", dataId);
      assert.deepEqual(header, await local.get("calexp.metadata", dataId));
      assert.equal(served.apiCalls().length, 1, JSON.stringify(served.seen));
      const reads = served.byteReads();
      assert.equal(reads.length, 1);
      assert.match(reads[0]!.range, /^bytes=0-\d+$/);
      assert.equal(reads[0]!.status, 206);
    }
  });

  test("a whole calexp, a cutout and a component read as the local butler reads them", async () => {
    const whole = await remote.get<Exposure>("calexp", CALEXP_ID);
    assert.deepEqual(whole, await local.get<Exposure>("calexp", CALEXP_ID));
    const bbox = Box2I.fromXYWH(whole.bbox.minX + 10, whole.bbox.minY + 12, 20, 29);
    const cutout = await remote.get<Exposure>("calexp", CALEXP_ID, { parameters: { bbox } });
    assert.deepEqual(cutout, await local.get<Exposure>("calexp", CALEXP_ID, { parameters: { bbox } }));
    assert.equal(cutout.bbox.width, 20);
    const ref = (await local.registry.findDataset("calexp", CALEXP_ID))!;
    assert.deepEqual(
      await remote.get(local.componentRef(ref, "wcs")),
      await local.get(local.componentRef(ref, "wcs")),
    );
    assert.deepEqual(
      await remote.get("calexp.visitInfo", CALEXP_ID),
      await local.get("calexp.visitInfo", CALEXP_ID),
    );
  });

  test("a calibration is found at the time of the visit the data ID names", async () => {
    const dataId = { instrument: "DemoCam", detector: 0, visit: CALEXP_ID.visit };
    const found = await local.get("bias.metadata", dataId);
    assert.deepEqual(await remote.get("bias.metadata", dataId), found);
  });

  test("getMany asks for every file in one get_file call", async () => {
    const refs = await local.queryDatasets("calexp", { orderBy: ["visit", "detector"] });
    // A fresh client: the first one's header cache already holds some of these headers.
    const client = await RemoteButler.open(served.url, { collections: DEMO_CHAIN });
    served.seen.length = 0;
    const headers = await client.getMany(refs.map((ref) => local.componentRef(ref, "metadata")));
    assert.equal(headers.length, refs.length);
    assert.deepEqual(headers[2], await local.get(local.componentRef(refs[2]!, "metadata")));
    const calls = served.apiCalls();
    assert.equal(calls.length, 1);
    assert.match(calls[0]!.url, /\/v1\/get_file$/);
    assert.equal(served.byteReads().length, refs.length);
  });

  test("getDeferred is one call to the server and no bytes; its get reads later", async () => {
    served.seen.length = 0;
    const handle = await remote.getDeferred("calexp.metadata", CALEXP_ID);
    assert.equal(served.apiCalls().length, 1, JSON.stringify(served.seen));
    assert.equal(served.byteReads().length, 0);
    served.seen.length = 0;
    assert.deepEqual(await handle.get(), await local.get("calexp.metadata", CALEXP_ID));
    const calls = served.apiCalls();
    assert.equal(calls.length, 1);
    assert.match(calls[0]!.url, /\/v1\/get_file$/);
  });

  test("exists and getURIs", async () => {
    assert.equal(await remote.exists("calexp", CALEXP_ID), true);
    assert.equal(await remote.exists("calexp", { ...CALEXP_ID, visit: 1 }), false);
    const uri = await remote.getURI("calexp", CALEXP_ID);
    assert.match(uri, /\/v1\/bytes\/.*\.fits\?expires=\d+&sig=[0-9a-f]{64}$/);
    const res = await fetch(uri, { headers: { range: "bytes=0-79" } });
    assert.equal(res.status, 206);
    assert.match(await res.text(), /^SIMPLE {2}=/);
  });
});

describe("memory", () => {
  test("the files a client remembers are bounded, the oldest forgotten first", () => {
    const map = new Map<string, number>();
    for (const [i, key] of ["a", "b", "c", "d"].entries()) rememberBounded(map, key, i, 3);
    rememberBounded(map, "b", 9, 3);
    assert.deepEqual(
      [...map.entries()],
      [
        ["c", 2],
        ["d", 3],
        ["b", 9],
      ],
    );
  });
});

describe("errors", () => {
  test("user errors come back as the same typed errors", async () => {
    await assert.rejects(remote.get("nosuch", CALEXP_ID), MissingDatasetTypeError);
    await assert.rejects(remote.get("calexp.nosuch", CALEXP_ID), UnknownComponentError);
    await assert.rejects(
      remote.get("calexp", CALEXP_ID, { parameters: { nosuch: 1 } }),
      UnknownParameterError,
    );
    await assert.rejects(remote.get("calexp", { ...CALEXP_ID, visit: 1 }), DatasetNotFoundError);
    const syntax = await remote.queryDatasets("calexp", { where: "visit = = 3" }).then(
      () => assert.fail("expected an error"),
      (err: unknown) => err,
    );
    assert.ok(syntax instanceof ExpressionSyntaxError, String(syntax));
    assert.ok(isButlerError(syntax, "EXPRESSION_SYNTAX"));
    assert.match((syntax as Error).message, /visit = = 3/);
  });

  test("what a server deliberately does not offer is a typed error saying what to do instead", async () => {
    const writer = await RemoteButler.open(served.url, { run: "u/remote/refused" });
    const ref = (await local.registry.findDataset("calexp", CALEXP_ID))!;
    const refused: [string, RegExp, () => Promise<unknown>][] = [
      ["ingest", /butler ingest-files/, () => writer.ingest({ path: "/tmp/x.fits", refs: ref })],
      ["indexHeaders", /butler index-headers/, () => writer.indexHeaders("calexp", ["EXPTIME"])],
      ["removeRuns", /butler remove-runs/, () => writer.removeRuns(DEMO_RUN)],
      ["pruneDatasets", /butler prune-datasets/, () => writer.pruneDatasets([ref], { purge: true })],
      ["export", /retrieveArtifacts/, () => writer.export([ref], { directory: "/tmp/x" })],
      ["import", /butler import/, () => writer.import("/tmp/x")],
      ["transferFrom", /butler transfer-datasets/, () => writer.transferFrom(local, [ref])],
      ["getURIs with predict", /put the dataset/, () => writer.getURI(ref, null, { predict: true })],
    ];
    served.seen.length = 0;
    for (const [operation, instead, call] of refused) {
      const err = await call().then(
        () => assert.fail(`${operation} was not refused`),
        (e: unknown) => e,
      );
      assert.ok(err instanceof NotOfferedRemotelyError, `${operation}: ${String(err)}`);
      assert.equal(err.code, "NOT_OFFERED_REMOTELY");
      assert.equal(err.operation, operation);
      assert.match(err.message, /is not available through a butler server \(http:\/\/127\.0\.0\.1:/);
      assert.match(err.message, instead, operation);
    }
    // Refused before anything is asked of the server.
    assert.deepEqual(served.apiCalls(), []);
    assert.equal((await local.queryDatasets("calexp")).length > 0, true);
  });

  test("the registry's writes are refused the same way: through a server only a put changes it", async () => {
    const writer = await RemoteButler.open(served.url, { run: "u/remote/refused" });
    served.seen.length = 0;
    for (const operation of REGISTRY_WRITES) {
      assert.equal(typeof (Registry.prototype as unknown as Record<string, unknown>)[operation], "function");
      const call = (writer.registry as unknown as Record<string, () => Promise<unknown>>)[operation]!;
      const err = await call.call(writer.registry).then(
        () => assert.fail(`${operation} was not refused`),
        (e: unknown) => e,
      );
      assert.ok(err instanceof NotOfferedRemotelyError, `${operation}: ${String(err)}`);
      assert.equal(err.operation, `registry.${operation}`);
      assert.match(err.message, /only by put; open the repository itself/);
    }
    await assert.rejects(writer.registry.registerRun("u/remote/other"), NotOfferedRemotelyError);
    assert.deepEqual(served.apiCalls(), []);
  });

  test("a put needs a writeable butler, as a local one does", async () => {
    await assert.rejects(remote.put({ a: 1 }, "calexp", CALEXP_ID), ReadOnlyButlerError);
  });
});

describe("put", () => {
  test("a put goes to the store through a signed upload and reads back", async () => {
    await registerVisitSummary(served.butler);
    const writer = await RemoteButler.open(served.url, { run: "u/remote/run" });
    const summary = { seeing: 0.7, stars: [1, 2, 3], note: "remote" };
    const ref = await writer.put(summary, "visitSummary", { instrument: "DemoCam", visit: CALEXP_ID.visit });
    assert.equal(ref.run, "u/remote/run");
    assert.deepEqual(
      await writer.get("visitSummary", { instrument: "DemoCam", visit: CALEXP_ID.visit }),
      summary,
    );
    const direct = await Butler.open(served.repo, { collections: "u/remote/run" });
    try {
      assert.deepEqual(await direct.get(ref), summary);
    } finally {
      await direct.close();
    }
    // Nothing is left waiting in the uploads directory.
    assert.deepEqual(readdirSync(join(served.repo, ".butler-uploads")), []);
    // A second put of the same dataset is refused before anything is uploaded.
    served.seen.length = 0;
    await assert.rejects(
      writer.put(summary, "visitSummary", { instrument: "DemoCam", visit: CALEXP_ID.visit }),
      (err: unknown) => isButlerError(err, "CONFLICTING_DEFINITION"),
    );
    assert.equal(served.seen.filter((r) => r.url.includes("/v1/uploads/")).length, 0);
  });
});
