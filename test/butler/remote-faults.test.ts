/**
 * Remote write faults: a put to a WebDAV root (a PUT to a hidden name, then a MOVE) or an S3 root (one
 * no-clobber PUT), through a fault proxy that fails each step in each way (an error status, a reset
 * before the server sees the request, an answer lost after the server acted on it), either succeeds
 * whole or fails leaving nothing: never a partial or hidden object, never a row without its file or a
 * file without its row. Two writers on one remote root store each dataset once.
 */
import assert from "node:assert/strict";
import { type Dirent, readdirSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { type Butler, Butler as ButlerClass, verifyRepository } from "../../src/butler/index.ts";
import { closeSharedDispatcher } from "../../src/bytes/http-client.ts";
import { isButlerError } from "../../src/errors/index.ts";
import type { Box2I } from "../../src/image/box.ts";
import { resourcePath } from "../../src/resources/from-uri.ts";
import { closeS3Clients } from "../../src/resources/s3-client.ts";
import { type Fault, FaultProxy } from "../support/servers/fault-proxy.ts";
import { NginxServer, nginxUnavailable } from "../support/servers/nginx.ts";
import { S3Server } from "../support/servers/s3rver.ts";
import { calexpExposure, calexpType, DATA_ID, freshDir, loadHscDimensions, open, RUN } from "./helpers.ts";

const BUCKET = "butler-faults";
const DETECTORS = [0, 1, 4, 5, 6, 10, 11, 12, 16, 17, 18, 22, 23, 24, 25, 100];
const exposure = await calexpExposure();

interface Store {
  name: string;
  skip: string | undefined;
  start(): Promise<void>;
  stop(): Promise<void>;
  /** A fresh root, reached through the fault proxy. */
  root(name: string): string;
  proxy(): FaultProxy;
  /** Every object under a root, hidden ones included, as the server holds them. */
  objects(root: string): Promise<string[]>;
}

function webdav(): Store {
  let nginx: NginxServer;
  let proxy: FaultProxy;
  let n = 0;
  return {
    name: "WebDAV",
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
    root: (name) => `${proxy.origin}/${name}-${++n}/`,
    proxy: () => proxy,
    async objects(root) {
      const out: string[] = [];
      const walk = (dir: string, prefix: string) => {
        let entries: Dirent[];
        try {
          entries = readdirSync(dir, { withFileTypes: true });
        } catch {
          return;
        }
        for (const e of entries) {
          if (e.isDirectory()) walk(join(dir, e.name), `${prefix}${e.name}/`);
          else out.push(`${prefix}${e.name}`);
        }
      };
      walk(join(nginx.root, new URL(root).pathname), "");
      return out.sort();
    },
  };
}

function s3(): Store {
  let server: S3Server;
  let proxy: FaultProxy;
  let n = 0;
  const saved: Record<string, string | undefined> = {};
  return {
    name: "S3",
    skip: undefined,
    async start() {
      server = await S3Server.start([BUCKET]);
      proxy = await FaultProxy.start(server.origin);
      for (const [key, value] of Object.entries(server.env(proxy.origin))) {
        saved[key] = process.env[key];
        process.env[key] = value;
      }
    },
    async stop() {
      closeS3Clients();
      await proxy?.close();
      await server?.stop();
      for (const [key, value] of Object.entries(saved)) {
        if (value === undefined) delete process.env[key];
        else process.env[key] = value;
      }
    },
    root: (name) => `s3://${BUCKET}/${name}-${++n}/`,
    proxy: () => proxy,
    async objects(root) {
      const base = resourcePath(root);
      return (await base.list()).map((e) => e.path.relativeTo(base)!).sort();
    },
  };
}

/** A repository (local registry) whose files are at `root`. */
async function remoteRepo(root: string): Promise<{ repo: string; butler: Butler }> {
  const repo = freshDir("repo");
  await ButlerClass.create(repo, {
    seedConfig: { datastore: { root, cached: { root: freshDir("cache") } } },
    override: true,
  });
  const setup = await ButlerClass.open(repo, { writeable: true });
  try {
    await loadHscDimensions(setup);
    await setup.registry.registerDatasetType(calexpType(setup));
  } finally {
    await setup.close();
  }
  return { repo, butler: await open(repo, { run: RUN }) };
}

/** Rows, records and objects agree: every record's object is there, whole, and no other object is. */
async function assertConsistent(store: Store, root: string, butler: Butler): Promise<void> {
  const report = await verifyRepository(butler, { gracePeriodMs: 0 });
  assert.deepEqual(report.missing, [], "a row without its file");
  assert.deepEqual(report.wrongSize, [], "a partial object");
  assert.deepEqual(report.orphans, [], "a file without its row");
  assert.deepEqual(report.temporaries, [], "a hidden temporary object");
  const refs = await butler.registry.queryDatasets("calexp", { collections: RUN });
  assert.equal(refs.length, report.records);
  assert.equal((await store.objects(root)).length, report.records);
}

interface Case {
  name: string;
  methods: string[];
  faults: Fault[];
  /** Whether the put ends well (the retries or the ownership check carry it). */
  succeeds: boolean;
}

const ALL_ATTEMPTS = 5;
const many = (fault: Fault): Fault[] => Array.from({ length: ALL_ATTEMPTS }, () => fault);

const CASES: Record<string, Case[]> = {
  WebDAV: [
    {
      name: "PUT answered 500 once",
      methods: ["PUT"],
      faults: [{ kind: "status", status: 500 }],
      succeeds: true,
    },
    {
      name: "PUT refused (403)",
      methods: ["PUT"],
      faults: [{ kind: "status", status: 403 }],
      succeeds: false,
    },
    { name: "PUT reset once", methods: ["PUT"], faults: [{ kind: "reset" }], succeeds: true },
    { name: "PUT landed, answer lost once", methods: ["PUT"], faults: [{ kind: "drop" }], succeeds: true },
    {
      name: "PUT landed, every answer lost",
      methods: ["PUT"],
      faults: many({ kind: "drop" }),
      succeeds: false,
    },
    {
      name: "MOVE refused (403)",
      methods: ["MOVE"],
      faults: [{ kind: "status", status: 403 }],
      succeeds: false,
    },
    { name: "MOVE reset every time", methods: ["MOVE"], faults: many({ kind: "reset" }), succeeds: false },
    { name: "MOVE done, answer lost", methods: ["MOVE"], faults: [{ kind: "drop" }], succeeds: true },
    {
      name: "MOVE refused, then the cleanup DELETE reset once",
      methods: ["MOVE", "DELETE"],
      faults: [{ kind: "status", status: 403 }, { kind: "reset" }],
      succeeds: false,
    },
  ],
  S3: [
    {
      name: "PUT answered 500 once",
      methods: ["PUT"],
      faults: [{ kind: "status", status: 500 }],
      succeeds: true,
    },
    {
      name: "PUT refused (403)",
      methods: ["PUT"],
      faults: [{ kind: "status", status: 403 }],
      succeeds: false,
    },
    { name: "PUT reset once", methods: ["PUT"], faults: [{ kind: "reset" }], succeeds: true },
    { name: "PUT landed, answer lost once", methods: ["PUT"], faults: [{ kind: "drop" }], succeeds: true },
    {
      name: "PUT landed, every answer lost",
      methods: ["PUT"],
      faults: many({ kind: "drop" }),
      succeeds: true,
    },
    { name: "PUT reset every time", methods: ["PUT"], faults: many({ kind: "reset" }), succeeds: false },
  ],
};

for (const store of [webdav(), s3()]) {
  describe(`remote write faults on ${store.name}`, { skip: store.skip }, () => {
    let root: string;
    let butler: Butler;
    before(async () => {
      await store.start();
      root = store.root("faults");
      ({ butler } = await remoteRepo(root));
    });
    after(() => store.stop());

    CASES[store.name]!.forEach((c, i) => {
      test(`${c.name}: ${c.succeeds ? "the put succeeds whole" : "the put fails leaving nothing"}`, async () => {
        const dataId = { ...DATA_ID, detector: DETECTORS[i]! };
        const proxy = store.proxy();
        proxy.reset();
        proxy.faultMethods = c.methods;
        proxy.inject(...c.faults);
        let failure: unknown;
        try {
          await butler.put(exposure, "calexp", dataId);
        } catch (err) {
          failure = err;
        }
        proxy.reset();
        if (c.succeeds) {
          assert.equal(failure, undefined, String(failure));
          assert.ok((await butler.get<Box2I>("calexp.bbox", dataId)).equals(exposure.bbox));
        } else {
          assert.ok(isButlerError(failure), `a typed error, not ${String(failure)}`);
          assert.equal(await butler.exists("calexp", dataId), false);
        }
        await assertConsistent(store, root, butler);
        // The same put works once the store does (nothing was left in its way).
        if (!c.succeeds) await butler.put(exposure, "calexp", dataId);
        await assertConsistent(store, root, butler);
      });
    });

    const hidden =
      store.name === "WebDAV" &&
      "nginx's PROPFIND leaves dot-files out, so its listings cannot show temporaries";
    test("verify lists a temporary left in the store and --fix removes it", { skip: hidden }, async () => {
      const ref = await butler.put(exposure, "calexp", { ...DATA_ID, detector: 100 });
      const path = (await butler.datastore.getRecord(ref.id)).path;
      const dir = path.slice(0, path.lastIndexOf("/") + 1);
      const litter = resourcePath(`${root}${dir}.dead.fits.tmp-0123abcd`);
      await litter.write("left by a writer that died between PUT and MOVE");
      const found = await verifyRepository(butler);
      assert.deepEqual(
        found.temporaries.map((t) => t.path),
        [`${dir}.dead.fits.tmp-0123abcd`],
      );
      // The store gives its age; it is young, so only a zero grace period removes it.
      assert.ok(found.temporaries[0]!.ageMs !== undefined);
      assert.equal(found.temporaries[0]!.stale, false);
      const fixed = await verifyRepository(butler, { fix: true, gracePeriodMs: 0 });
      assert.equal(fixed.temporaries[0]!.fixed, true);
      await assertConsistent(store, root, butler);
    });

    test("two writers on one remote root store each dataset once", async () => {
      const shared = store.root("shared");
      const { repo, butler: first } = await remoteRepo(shared);
      const second = await open(repo, { run: RUN });
      const put = async (writer: Butler, detectors: number[]) => {
        const outcomes: string[] = [];
        for (const detector of detectors) {
          try {
            await writer.put(exposure, "calexp", { ...DATA_ID, detector });
            outcomes.push("stored");
          } catch (err) {
            assert.ok(isButlerError(err, "CONFLICTING_DEFINITION"), String(err));
            outcomes.push("conflict");
          }
        }
        return outcomes;
      };
      // Overlapping halves, in opposite orders, so the writers meet on the same datasets.
      const [a, b] = await Promise.all([
        put(first, DETECTORS.slice(0, 10)),
        put(second, DETECTORS.slice(6).reverse()),
      ]);
      const stored = [...a, ...b].filter((o) => o === "stored").length;
      assert.equal(stored, DETECTORS.length);
      assert.equal([...a, ...b].filter((o) => o === "conflict").length, 4);
      await assertConsistent(store, shared, first);
    });
  });
}
