/**
 * Repositories whose registry is local and whose files live remotely, on a real WebDAV server (nginx)
 * and a real S3 server (s3rver behind a counting proxy): every Butler operation, the requests the
 * servers see (a metadata get is one ranged GET of the headers; a cutout fetches only its tiles), the
 * local cache (hits, expiry, no partial file after a cut connection) and failed puts that leave nothing.
 */
import assert from "node:assert/strict";
import { type Dirent, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { Butler } from "../../src/butler/index.ts";
import { readRepoConfig } from "../../src/butler/repo-config.ts";
import { closeSharedDispatcher } from "../../src/bytes/http-client.ts";
import type { DatasetRef } from "../../src/core/index.ts";
import { DEMO_CHAIN, makeDemoRepo } from "../../src/demo/demo-survey.ts";
import { Box2I } from "../../src/image/box.ts";
import type { Exposure } from "../../src/image/exposure.ts";
import type { Image } from "../../src/image/image.ts";
import { type LogRecord, resetLogLevels, setLogLevel, setLogSinks } from "../../src/log.ts";
import { resourcePath } from "../../src/resources/from-uri.ts";
import { closeGcsClients } from "../../src/resources/gcs-client.ts";
import { closeS3Clients } from "../../src/resources/s3-client.ts";
import { FaultProxy } from "../support/servers/fault-proxy.ts";
import { NginxServer, nginxUnavailable } from "../support/servers/nginx.ts";
import { S3RVER_KEY, S3Server } from "../support/servers/s3rver.ts";
import {
  CALEXP_FIXTURE,
  calexpExposure,
  calexpType,
  DATA_ID,
  datastoreFiles,
  freshDir,
  loadHscDimensions,
  makeRepo as makeLocalRepo,
  open,
  RUN,
} from "./helpers.ts";

const exposure: Exposure = await calexpExposure();
const BUCKET = "butler-remote";
const CACHE_ENV = [
  "DAF_BUTLER_CACHE_DIRECTORY",
  "DAF_BUTLER_CACHE_DIRECTORY_IF_UNSET",
  "DAF_BUTLER_CACHE_EXPIRATION_MODE",
];

/** What a server saw: one request. */
interface Seen {
  method: string;
  path: string;
  range: string;
  status: number;
  bytes: number;
}

/** One kind of remote store, started for the suite. */
interface RemoteKind {
  name: string;
  skip: string | undefined;
  start(): Promise<void>;
  stop(): Promise<void>;
  /** A fresh, empty root; through the fault proxy when `faulty`. */
  root(name: string, faulty?: boolean): string;
  proxy(): FaultProxy;
  /** Starts counting requests. */
  mark(): Promise<void>;
  /** Requests since the last mark, as the server (or the counting proxy in front of it) saw them. */
  requests(atLeast?: number): Promise<Seen[]>;
  /** Every object under a root, hidden ones included, relative to it. */
  files(root: string): Promise<string[]>;
}

function webdav(): RemoteKind {
  let nginx: NginxServer;
  let proxy: FaultProxy;
  let n = 0;
  return {
    name: "WebDAV (nginx)",
    skip: nginxUnavailable(),
    async start() {
      nginx = await NginxServer.start();
      proxy = await FaultProxy.start(nginx.origin);
    },
    async stop() {
      await proxy?.close();
      await closeSharedDispatcher();
      await nginx?.stop();
    },
    root(name, faulty = false) {
      return `${faulty ? proxy.origin : nginx.origin}/${name}-${++n}/`;
    },
    proxy: () => proxy,
    mark: () => nginx.mark(),
    async requests(atLeast = 0) {
      return (await nginx.requests(atLeast)).map((e) => ({
        method: e.method,
        path: e.uri,
        range: e.range,
        status: e.status,
        bytes: e.bytes,
      }));
    },
    async files(root) {
      const dir = join(nginx.root, new URL(root).pathname);
      const out: string[] = [];
      const walk = (d: string, prefix: string) => {
        let entries: Dirent[];
        try {
          entries = readdirSync(d, { withFileTypes: true });
        } catch {
          return;
        }
        for (const e of entries) {
          if (e.isDirectory()) walk(join(d, e.name), `${prefix}${e.name}/`);
          else out.push(`${prefix}${e.name}`);
        }
      };
      walk(dir, "");
      return out.sort();
    },
  };
}

/**
 * A store that speaks S3's protocol, on s3rver behind the counting proxy: S3 itself, or Google Cloud
 * Storage's XML API (`gs://` with an HMAC key, s3rver standing in for storage.googleapis.com).
 */
function objectStore(scheme: "s3" | "gs"): RemoteKind {
  let server: S3Server;
  let proxy: FaultProxy;
  let n = 0;
  let from = 0;
  const saved: Record<string, string | undefined> = {};
  const env = (origin: string): Record<string, string> =>
    scheme === "s3"
      ? server.env(origin)
      : { GCS_ENDPOINT_URL: origin, GS_ACCESS_KEY_ID: S3RVER_KEY, GS_SECRET_ACCESS_KEY: S3RVER_KEY };
  return {
    name: scheme === "s3" ? "S3 (s3rver)" : "GCS (XML API with an HMAC key, s3rver)",
    skip: undefined,
    async start() {
      server = await S3Server.start([BUCKET]);
      proxy = await FaultProxy.start(server.origin);
      for (const [key, value] of Object.entries(env(proxy.origin))) {
        saved[key] = process.env[key];
        process.env[key] = value;
      }
    },
    async stop() {
      closeS3Clients();
      await closeGcsClients();
      await proxy?.close();
      await server?.stop();
      for (const [key, value] of Object.entries(saved)) {
        if (value === undefined) delete process.env[key];
        else process.env[key] = value;
      }
    },
    root(name) {
      return `${scheme}://${BUCKET}/${name}-${++n}/`;
    },
    proxy: () => proxy,
    async mark() {
      from = proxy.requests.length;
    },
    async requests() {
      await new Promise((r) => setTimeout(r, 30));
      const seen = proxy.requests.slice(from).map((r) => ({
        method: r.method,
        path: r.path,
        range: r.range,
        status: r.status,
        bytes: r.bytes,
      }));
      from = proxy.requests.length;
      return seen;
    },
    async files(root) {
      const base = resourcePath(root);
      const entries = await base.list();
      return entries.map((e) => e.path.relativeTo(base)!).sort();
    },
  };
}

/** A repository (registry here, files at `root`) with HSC dimensions and the calexp type. */
async function remoteRepo(
  root: string,
  cached: Record<string, unknown> = { root: freshDir("cache") },
): Promise<{ repo: string; butler: Butler }> {
  const repo = freshDir("repo");
  await Butler.create(repo, { seedConfig: { datastore: { root, cached } }, override: true });
  const setup = await Butler.open(repo, { writeable: true });
  try {
    await loadHscDimensions(setup);
    await setup.registry.registerDatasetType(calexpType(setup));
    await setup.registry.registerDatasetType(calexpType(setup, "ingested"));
  } finally {
    await setup.close();
  }
  return { repo, butler: await open(repo, { run: RUN }) };
}

/** Timer records of the butler's gets while `fn` runs. */
async function timed<T>(fn: () => Promise<T>): Promise<{ value: T; records: LogRecord[] }> {
  const records: LogRecord[] = [];
  setLogLevel("timer.butler", "debug");
  const previous = setLogSinks([(r) => records.push(r)]);
  try {
    return { value: await fn(), records };
  } finally {
    setLogSinks(previous);
    resetLogLevels();
  }
}

for (const kind of [webdav(), objectStore("s3"), objectStore("gs")]) {
  describe(`a repository with its files on ${kind.name}`, { skip: kind.skip }, () => {
    const savedEnv: Record<string, string | undefined> = {};
    let root: string;
    let repo: string;
    let butler: Butler;
    let ref: DatasetRef;

    before(async () => {
      for (const key of CACHE_ENV) {
        savedEnv[key] = process.env[key];
        delete process.env[key];
      }
      await kind.start();
      root = kind.root("repo");
      ({ repo, butler } = await remoteRepo(root));
      ref = await butler.put(exposure, "calexp", DATA_ID);
    });

    after(async () => {
      await kind.stop();
      for (const [key, value] of Object.entries(savedEnv)) {
        if (value === undefined) delete process.env[key];
        else process.env[key] = value;
      }
    });

    test("Butler.create keeps the registry local and puts the files remotely", async () => {
      const config = await readRepoConfig(repo);
      assert.equal(config.datastoreRoot, root);
      assert.match(config.db, /^sqlite:/);
      assert.deepEqual(datastoreFiles(repo), []);
      const files = await kind.files(root);
      assert.equal(files.length, 1);
      assert.match(files[0]!, /^HSC\/runs\/test\/calexp\/.*\.fits$/);
      assert.equal(await butler.getURI(ref), `${root}${files[0]}`.replace(/^dav:/, "http:"));
      assert.ok(await butler.exists("calexp", DATA_ID));
    });

    test("calexp.metadata is one ranged GET of the header bytes: no HEAD, no whole file", async () => {
      // A fresh butler: nothing in its header cache.
      const reader = await open(repo, { collections: RUN });
      const record = await reader.datastore.getRecord(ref.id);
      const index = record.byteIndex;
      assert.ok(index?.kind === "fits");
      const headerBytes = index.hdus[0]!.headerLength + index.hdus[1]!.headerLength;
      await kind.mark();
      const metadata = await reader.get("calexp.metadata", DATA_ID);
      assert.ok(metadata);
      const seen = await kind.requests(1);
      assert.equal(seen.length, 1, JSON.stringify(seen));
      assert.equal(seen[0]!.method, "GET");
      assert.equal(seen[0]!.range, `bytes=0-${headerBytes - 1}`);
      assert.ok(seen[0]!.bytes <= Math.ceil(headerBytes / 2880) * 2880);
      // Again: the header bytes are in memory, and the timer log says so.
      const { records } = await timed(() => reader.get("calexp.metadata", DATA_ID));
      assert.deepEqual(await kind.requests(), []);
      const fields = records.find((r) => r.message.startsWith("Retrieved dataset calexp.metadata"))?.fields;
      assert.equal(fields?.cacheHits, 1);
      assert.equal(fields?.requests, 0);
    });

    test("components, the whole exposure and its cache", async () => {
      const reader = await open(repo, { collections: RUN });
      const bbox = await reader.get<Box2I>("calexp.bbox", DATA_ID);
      assert.ok(bbox.equals(exposure.bbox));
      const wcs = await reader.get("calexp.wcs", DATA_ID);
      assert.ok(wcs);
      await kind.mark();
      const whole = await reader.get<Exposure>("calexp", DATA_ID);
      assert.ok(whole.maskedImage.equals(exposure.maskedImage));
      const download = await kind.requests(1);
      assert.deepEqual(
        download.map((r) => [r.method, r.range]),
        [["GET", ""]],
      );
      // Now cached: a component of the same dataset reads the local copy.
      const { records } = await timed(() => reader.get<Image>("calexp.variance", DATA_ID));
      assert.deepEqual(await kind.requests(), []);
      const fields = records.find((r) => r.message.startsWith("Retrieved dataset calexp.variance"))?.fields;
      assert.equal(fields?.cacheHits, 1);
      const cacheDir = reader.datastore.cache?.settings.root ?? "";
      assert.deepEqual(
        readdirSync(cacheDir).filter((n) => n !== "exempt"),
        [`${ref.id}.fits`],
      );
      assert.deepEqual(readdirSync(join(cacheDir, "exempt")), []);
    });

    test("the demo survey builds on a remote root; a cutout fetches only the tiles under its box", async () => {
      const demoRoot = kind.root("demo");
      const demoRepo = freshDir("demo");
      await makeDemoRepo(demoRepo, { visits: 1, detectors: 1, size: [512, 512], datastoreRoot: demoRoot });
      assert.equal((await readRepoConfig(demoRepo)).datastoreRoot, demoRoot);
      assert.ok((await kind.files(demoRoot)).length >= 2);
      const reader = await open(demoRepo, { collections: DEMO_CHAIN });
      const [calexpRef] = await reader.queryDatasets("calexp");
      assert.ok(calexpRef !== undefined);
      const record = await reader.datastore.getRecord(calexpRef.id);
      const full = await reader.get<Image>(calexpRef.makeComponentRef("image", "ImageF"));
      const box = Box2I.fromXYWH(full.bbox.minX + 300, full.bbox.minY + 200, 40, 30);
      const fresh = await open(demoRepo, { collections: DEMO_CHAIN });
      await kind.mark();
      const cutout = await fresh.get<Image>("calexp.image", calexpRef.dataId, { parameters: { bbox: box } });
      assert.ok(cutout.bbox.equals(box));
      assert.ok(cutout.equals(full.subset(box)));
      const seen = await kind.requests(1);
      assert.ok(
        seen.every((r) => r.method === "GET" && r.range !== ""),
        JSON.stringify(seen),
      );
      const bytes = seen.reduce((sum, r) => sum + r.bytes, 0);
      // The headers, the descriptors of the tile rows under the box, and those tiles (coalesced).
      assert.ok(seen.length <= 4, `${seen.length} requests: ${JSON.stringify(seen)}`);
      assert.ok(bytes < record.fileSize / 8, `${bytes} of ${record.fileSize} bytes`);
    });

    test("getMany keeps its requests bounded", async () => {
      await butler.put(exposure, "calexp", { ...DATA_ID, detector: 17 });
      const reader = await open(repo, { collections: RUN });
      const many = Array.from({ length: 24 }, (_, i) => ({
        datasetType: "calexp.bbox",
        dataId: { ...DATA_ID, detector: i % 2 === 0 ? 16 : 17 },
      }));
      const boxes = await reader.getMany<Box2I>(many, { concurrency: 24 });
      assert.equal(boxes.length, 24);
      assert.ok(reader.datastore.requestLimiter.peak <= 16);
      assert.ok(reader.datastore.requestLimiter.peak >= 1);
    });

    test("ingest from a local file and from the store itself, then retrieve and export", async () => {
      const ingested = await butler.ingest(
        { path: CALEXP_FIXTURE, refs: { datasetType: "ingested", dataId: DATA_ID } },
        { transfer: "copy" },
      );
      const meta = await butler.get("ingested.visitInfo", DATA_ID);
      assert.ok(meta);
      // A remote file already in the store (here: the one just ingested, copied under another name).
      const first = await butler.getURI(ingested[0]!);
      const copy = resourcePath(`${root}elsewhere/copy.fits`);
      await copy.transferFrom(resourcePath(first));
      const [again] = await butler.ingest(
        { path: copy.uri, refs: { datasetType: "ingested", dataId: { ...DATA_ID, detector: 17 } } },
        { transfer: "auto" },
      );
      assert.equal(await butler.getURI(again!), copy.uri);
      assert.ok((await butler.get<Box2I>("ingested.bbox", { ...DATA_ID, detector: 17 })).width > 0);

      const destination = freshDir("artifacts");
      const written = await butler.retrieveArtifacts([ref, ingested[0]!], destination);
      assert.equal(written.length, 2);
      assert.deepEqual(readFileSync(written[1]!), readFileSync(CALEXP_FIXTURE));

      const exported = freshDir("export");
      await butler.export([ref], { directory: exported, transfer: "copy" });
      const { butler: target } = await remoteRepo(kind.root("imported"));
      const result = await target.import(exported, { transfer: "copy" });
      assert.equal(result.refs.length, 1);
      const back = await target.get<Exposure>("calexp", DATA_ID, { collections: RUN });
      assert.ok(back.maskedImage.equals(exposure.maskedImage));
    });

    test("transferFrom between a local and a remote repository, both ways", async () => {
      const { butler: local } = await makeLocalRepo();
      const moved = await local.transferFrom(butler, [ref]);
      assert.equal(moved.length, 1);
      assert.ok((await local.get<Exposure>("calexp", DATA_ID)).maskedImage.equals(exposure.maskedImage));
      const { butler: target } = await remoteRepo(kind.root("transferred"));
      const back = await target.transferFrom(local, [ref]);
      assert.equal(back.length, 1);
      assert.ok(
        (await target.get<Box2I>("calexp.bbox", DATA_ID, { collections: RUN })).equals(exposure.bbox),
      );
    });

    test("removeRuns deletes the files in the store", async () => {
      const runRoot = kind.root("removal");
      const { butler: doomed } = await remoteRepo(runRoot);
      await doomed.put(exposure, "calexp", DATA_ID);
      await doomed.put(exposure, "calexp", { ...DATA_ID, detector: 17 });
      assert.equal((await kind.files(runRoot)).length, 2);
      await doomed.removeRuns(RUN);
      assert.deepEqual(await kind.files(runRoot), []);
      assert.equal(await doomed.exists("calexp", DATA_ID, { collections: RUN }).catch(() => false), false);
    });
  });
}

describe("failed remote puts, broken downloads and the cache environment", () => {
  const dav = webdav();
  const stores = [objectStore("s3"), objectStore("gs")];
  const savedEnv: Record<string, string | undefined> = {};
  before(async () => {
    for (const key of CACHE_ENV) {
      savedEnv[key] = process.env[key];
      delete process.env[key];
    }
    if (dav.skip === undefined) await dav.start();
    for (const store of stores) await store.start();
  });
  after(async () => {
    if (dav.skip === undefined) await dav.stop();
    for (const store of stores) await store.stop();
    for (const [key, value] of Object.entries(savedEnv)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  });

  test("WebDAV: a refused MOVE leaves neither row nor file", { skip: dav.skip }, async () => {
    const root = dav.root("failed", true);
    const { butler } = await remoteRepo(root);
    const proxy = dav.proxy();
    proxy.reset();
    proxy.faultMethods = ["MOVE"];
    proxy.inject({ kind: "status", status: 403 });
    await assert.rejects(butler.put(exposure, "calexp", DATA_ID), /403/);
    assert.deepEqual(await butler.registry.queryDatasets("calexp", { collections: RUN }), []);
    assert.deepEqual(await dav.files(root), []);
    assert.deepEqual(await butler.datastore.records.listTrash(), []);
    // The same put works once the server does.
    proxy.reset();
    await butler.put(exposure, "calexp", DATA_ID);
    assert.equal((await dav.files(root)).length, 1);
  });

  for (const store of stores) {
    test(`${store.name}: a refused PUT leaves neither row nor file`, async () => {
      const root = store.root("failed");
      const { butler } = await remoteRepo(root);
      const proxy = store.proxy();
      proxy.reset();
      proxy.faultMethods = ["PUT"];
      proxy.inject({ kind: "status", status: 403 });
      await assert.rejects(butler.put(exposure, "calexp", DATA_ID));
      proxy.reset();
      assert.deepEqual(await butler.registry.queryDatasets("calexp", { collections: RUN }), []);
      assert.deepEqual(await store.files(root), []);
      await butler.put(exposure, "calexp", DATA_ID);
      assert.equal((await store.files(root)).length, 1);
    });
  }

  for (const kind of [dav, ...stores]) {
    test(`${kind.name}: a download cut short never leaves a partial file in the cache`, {
      skip: kind.skip,
    }, async () => {
      const root = kind.root("truncated", true);
      const cacheDir = freshDir("cache-truncated");
      const { repo, butler } = await remoteRepo(root, { root: cacheDir });
      const ref = await butler.put(exposure, "calexp", DATA_ID);
      const reader = await open(repo, { collections: RUN });
      const proxy = kind.proxy();
      proxy.reset();
      proxy.faultMethods = ["GET"];
      // More cuts than the retry budget allows: the get fails.
      proxy.inject(...Array.from({ length: 5 }, () => ({ kind: "truncate", afterBytes: 5000 }) as const));
      await assert.rejects(reader.get("calexp", DATA_ID));
      assert.deepEqual(
        readdirSync(cacheDir).filter((n) => n !== "exempt"),
        [],
      );
      // One cut, then a whole answer: the retry brings the whole file, and only that enters the cache.
      proxy.reset();
      proxy.faultMethods = ["GET"];
      proxy.inject({ kind: "truncate", afterBytes: 5000 });
      const whole = await reader.get<Exposure>("calexp", DATA_ID);
      assert.ok(whole.maskedImage.equals(exposure.maskedImage));
      const record = await reader.datastore.getRecord(ref.id);
      assert.deepEqual(
        readdirSync(cacheDir).filter((n) => n !== "exempt"),
        [`${ref.id}.fits`],
      );
      assert.equal(statSync(join(cacheDir, `${ref.id}.fits`)).size, record.fileSize);
    });
  }

  test("DAF_BUTLER_CACHE_DIRECTORY and DAF_BUTLER_CACHE_EXPIRATION_MODE", { skip: dav.skip }, async () => {
    const root = dav.root("cache-env");
    // The config names a cache directory; the environment wins over it.
    const { repo, butler } = await remoteRepo(root, {
      root: freshDir("unused"),
      expiry: { mode: "datasets", threshold: 4 },
    });
    const refs = [
      await butler.put(exposure, "calexp", DATA_ID),
      await butler.put(exposure, "calexp", { ...DATA_ID, detector: 17 }),
    ];
    const cacheDir = freshDir("cache-env");
    const cached = () =>
      readdirSync(cacheDir)
        .filter((n) => n !== "exempt")
        .sort();
    process.env.DAF_BUTLER_CACHE_DIRECTORY = cacheDir;
    try {
      process.env.DAF_BUTLER_CACHE_EXPIRATION_MODE = "files=1";
      let reader = await open(repo, { collections: RUN });
      assert.equal(reader.datastore.cache?.root, cacheDir);
      await reader.get("calexp", DATA_ID);
      assert.deepEqual(cached(), [`${refs[0]!.id}.fits`]);
      await reader.get("calexp", { ...DATA_ID, detector: 17 });
      assert.deepEqual(cached(), [`${refs[1]!.id}.fits`]);

      // Another butler (as another process would) finds the file the first one cached.
      process.env.DAF_BUTLER_CACHE_EXPIRATION_MODE = "size=100000000";
      reader = await open(repo, { collections: RUN });
      const { records } = await timed(() => reader.get("calexp.mask", { ...DATA_ID, detector: 17 }));
      assert.equal(records.find((r) => r.message.includes("calexp.mask"))?.fields?.cacheHits, 1);
      await reader.get("calexp", DATA_ID);
      assert.equal(cached().length, 2);

      // Too small for a file: nothing enters, reads still work.
      process.env.DAF_BUTLER_CACHE_EXPIRATION_MODE = "size=10";
      const small = freshDir("cache-small");
      process.env.DAF_BUTLER_CACHE_DIRECTORY = small;
      reader = await open(repo, { collections: RUN });
      await reader.get("calexp", DATA_ID);
      assert.deepEqual(
        readdirSync(small).filter((n) => n !== "exempt"),
        [],
      );

      process.env.DAF_BUTLER_CACHE_EXPIRATION_MODE = "disabled";
      const none = freshDir("cache-none");
      process.env.DAF_BUTLER_CACHE_DIRECTORY = none;
      reader = await open(repo, { collections: RUN });
      assert.equal(reader.datastore.cache?.enabled, false);
      await reader.get("calexp", DATA_ID);
      assert.deepEqual(readdirSync(none), []);
    } finally {
      delete process.env.DAF_BUTLER_CACHE_DIRECTORY;
      delete process.env.DAF_BUTLER_CACHE_EXPIRATION_MODE;
    }
  });
});
