/**
 * FileDatastore over a remote root (`ResourceRoot`) on real servers, WebDAV (nginx), S3 (s3rver) and
 * GCS's XML API (s3rver as the endpoint):
 * the root is chosen from the URI; a put stages its file locally and moves it into place last; a
 * failure at each step (formatter, registry rows, record insert, the upload, the commit after it)
 * leaves neither row, remote file nor staged file; trash and emptyTrash delete remote files; ingest
 * copies local and remote files in.
 */
import assert from "node:assert/strict";
import { copyFileSync, type Dirent, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { closeSharedDispatcher } from "../../src/bytes/http-client.ts";
import { FileDatastore } from "../../src/datastore/file-datastore.ts";
import { FitsExposureFormatter } from "../../src/datastore/formatters/fits-exposure.ts";
import type { Formatter, WriteResult } from "../../src/datastore/formatters/formatter.ts";
import { FormatterRegistry } from "../../src/datastore/formatters/registry.ts";
import { KyselyRecordStore } from "../../src/datastore/kysely-record-store.ts";
import { LocalRoot } from "../../src/datastore/location.ts";
import type { AnyDatabase, StoredFileRecord } from "../../src/datastore/records.ts";
import { datastoreRootFor, ResourceRoot } from "../../src/datastore/resource-root.ts";
import { DatasetAlreadyExistsError, InvalidArgumentError } from "../../src/errors/index.ts";
import { Header } from "../../src/fits/header.ts";
import type { Exposure } from "../../src/image/exposure.ts";
import { resourcePath } from "../../src/resources/from-uri.ts";
import { closeGcsClients } from "../../src/resources/gcs-client.ts";
import { closeS3Clients } from "../../src/resources/s3-client.ts";
import { NginxServer, nginxUnavailable } from "../support/servers/nginx.ts";
import { S3RVER_KEY, S3Server } from "../support/servers/s3rver.ts";
import {
  CALEXP_FIXTURE,
  calexpExposure,
  freshDir,
  makeRepo,
  type Repo,
  tables,
  visitRef,
} from "./helpers.ts";

const calexp: Exposure = await calexpExposure();
const boom = (what: string) => new Error(`injected failure: ${what}`);
const BUCKET = "datastore-remote";

class FailingWrite extends FitsExposureFormatter {
  override async write(object: unknown, request: Parameters<Formatter["write"]>[1]): Promise<WriteResult> {
    writeFileSync(request.path, "SIMPLE  =                    T / half a file");
    throw boom(`formatter write (${typeof object})`);
  }
}

class FailingInsert extends KyselyRecordStore {
  override async insert(records: readonly StoredFileRecord[], trx?: AnyDatabase): Promise<void> {
    await super.insert(records, trx);
    throw boom("record insert");
  }
}

class FailingCommit extends KyselyRecordStore {
  failNext = false;
  override async transaction<T>(fn: (trx: AnyDatabase) => Promise<T>): Promise<T> {
    return this.db.transaction().execute(async (trx) => {
      const value = await fn(trx);
      if (this.failNext) {
        this.failNext = false;
        throw boom("commit");
      }
      return value;
    });
  }
}

class FailingUpload extends ResourceRoot {
  override async moveIntoPlace(): Promise<void> {
    throw boom("upload");
  }
}

interface Kind {
  name: string;
  skip: string | undefined;
  start(): Promise<void>;
  stop(): Promise<void>;
  root(): string;
  files(root: string): Promise<string[]>;
}

function webdav(): Kind {
  let nginx: NginxServer;
  let n = 0;
  return {
    name: "WebDAV",
    skip: nginxUnavailable(),
    async start() {
      nginx = await NginxServer.start();
    },
    async stop() {
      await closeSharedDispatcher();
      await nginx?.stop();
    },
    root: () => `dav://127.0.0.1:${nginx.port}/store-${++n}/`,
    async files(root) {
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
      walk(join(nginx.root, new URL(root).pathname), "");
      return out.sort();
    },
  };
}

/** An object store on s3rver: S3, or GCS's XML API (`gs://` with an HMAC key) with s3rver as its endpoint. */
function objectStore(scheme: "s3" | "gs"): Kind {
  let server: S3Server;
  let n = 0;
  const saved: Record<string, string | undefined> = {};
  const env = (): Record<string, string> =>
    scheme === "s3"
      ? server.env()
      : { GCS_ENDPOINT_URL: server.origin, GS_ACCESS_KEY_ID: S3RVER_KEY, GS_SECRET_ACCESS_KEY: S3RVER_KEY };
  return {
    name: scheme === "s3" ? "S3" : "GCS",
    skip: undefined,
    async start() {
      server = await S3Server.start([BUCKET]);
      for (const [key, value] of Object.entries(env())) {
        saved[key] = process.env[key];
        process.env[key] = value;
      }
    },
    async stop() {
      closeS3Clients();
      await closeGcsClients();
      await server?.stop();
      for (const [key, value] of Object.entries(saved)) {
        if (value === undefined) delete process.env[key];
        else process.env[key] = value;
      }
    },
    root: () => `${scheme}://${BUCKET}/store-${++n}/`,
    async files(root) {
      const base = resourcePath(root);
      return (await base.list()).map((e) => e.path.relativeTo(base)!).sort();
    },
  };
}

for (const kind of [webdav(), objectStore("s3"), objectStore("gs")]) {
  describe(`FileDatastore on a ${kind.name} root`, { skip: kind.skip }, () => {
    before(() => kind.start());
    after(() => kind.stop());

    /** A repository whose files go to a fresh remote root, staging in a directory of its own. */
    async function remote(
      options: Parameters<typeof makeRepo>[1] = {},
      uri = kind.root(),
    ): Promise<Repo & { uri: string; staging: string }> {
      const staging = freshDir("staging");
      const repo = await makeRepo(
        { root: uri, remote: { stagingDir: staging, retry: { maxAttempts: 1 } }, cached: false },
        options,
      );
      return { ...repo, uri, staging };
    }

    async function snapshot(repo: Repo & { uri: string; staging: string }) {
      return {
        files: await kind.files(repo.uri),
        staging: readdirSync(repo.staging),
        tables: await tables(repo.db),
      };
    }

    async function seeded(repo: Repo): Promise<void> {
      const ref = visitRef("calexp", "ExposureF", { visit: 1 });
      await repo.datastore.put(calexp, ref, { insertRegistryRows: repo.registryInsert(ref) });
    }

    test("the root comes from the URI; put and get", async () => {
      assert.ok(datastoreRootFor(kind.root()) instanceof ResourceRoot);
      assert.ok(datastoreRootFor(freshDir("local")) instanceof LocalRoot);
      const repo = await remote();
      assert.ok(repo.datastore.root instanceof ResourceRoot);
      const ref = visitRef("calexp", "ExposureF");
      const put = await repo.datastore.put(calexp, ref, { insertRegistryRows: repo.registryInsert(ref) });
      assert.ok(put.uri.endsWith(put.record.path));
      assert.deepEqual(await kind.files(repo.uri), [put.record.path]);
      assert.deepEqual(readdirSync(repo.staging), []);
      const got = await repo.datastore.get<Header>(ref, { component: "metadata" });
      assert.ok(got.value instanceof Header);
      assert.equal(got.metrics.requests, 1);
      const whole = await repo.datastore.get<Exposure>(ref);
      assert.ok(whole.value.maskedImage.equals(calexp.maskedImage));
      assert.ok(await repo.datastore.exists(ref));
    });

    test("the formatter fails after writing part of its staged file", async () => {
      const registry = new FormatterRegistry();
      registry.register("FitsExposureFormatter", async () => () => new FailingWrite(), { replace: true });
      const base = await remote();
      await seeded(base);
      const failing = new FileDatastore(
        { root: base.uri },
        { records: base.records, formatterRegistry: registry, root: base.datastore.root },
      );
      const before = await snapshot(base);
      const ref = visitRef("calexp", "ExposureF");
      await assert.rejects(
        failing.put(calexp, ref, { insertRegistryRows: base.registryInsert(ref) }),
        /injected failure: formatter write/,
      );
      assert.deepEqual(await snapshot(base), before);
    });

    test("the registry rows, the record insert, the upload or the commit fail", async () => {
      const base = await remote();
      await seeded(base);
      const before = await snapshot(base);
      const ref = visitRef("calexp", "ExposureF");
      await assert.rejects(
        base.datastore.put(calexp, ref, {
          insertRegistryRows: async (trx) => {
            await base.registryInsert(ref)(trx);
            throw boom("registry rows");
          },
        }),
        /registry rows/,
      );
      assert.deepEqual(await snapshot(base), before);

      const insert = new FileDatastore(
        { root: base.uri },
        { records: new FailingInsert(base.db), root: base.datastore.root },
      );
      await assert.rejects(
        insert.put(calexp, ref, { insertRegistryRows: base.registryInsert(ref) }),
        /record insert/,
      );
      assert.deepEqual(await snapshot(base), before);

      const upload = new FileDatastore(
        { root: base.uri },
        { records: base.records, root: new FailingUpload(base.uri, { stagingDir: base.staging }) },
      );
      await assert.rejects(
        upload.put(calexp, ref, { insertRegistryRows: base.registryInsert(ref) }),
        /upload/,
      );
      assert.deepEqual(await snapshot(base), before);

      // The file is uploaded, then the COMMIT fails: the uploaded file is deleted again.
      const records = new FailingCommit(base.db);
      const commit = new FileDatastore({ root: base.uri }, { records, root: base.datastore.root });
      records.failNext = true;
      await assert.rejects(
        commit.put(calexp, ref, { insertRegistryRows: base.registryInsert(ref) }),
        /commit/,
      );
      assert.deepEqual(await snapshot(base), before);
    });

    test("a file already at the target is a conflict and is left alone", async () => {
      const repo = await remote();
      const ref = visitRef("calexp", "ExposureF");
      const path = repo.datastore.pathFor(ref, ".fits");
      await resourcePath(`${repo.uri}${path}`).write("someone else's");
      await assert.rejects(
        repo.datastore.put(calexp, ref, { insertRegistryRows: repo.registryInsert(ref) }),
        DatasetAlreadyExistsError,
      );
      assert.equal(
        new TextDecoder().decode(await resourcePath(`${repo.uri}${path}`).read()),
        "someone else's",
      );
      assert.deepEqual((await tables(repo.db)).file_datastore_records, []);
      assert.deepEqual(readdirSync(repo.staging), []);
    });

    test("trash, then emptyTrash deletes the remote files", async () => {
      const repo = await remote();
      const refs = [1, 2].map((visit) => visitRef("calexp", "ExposureF", { visit }));
      for (const ref of refs) {
        await repo.datastore.put(calexp, ref, { insertRegistryRows: repo.registryInsert(ref) });
      }
      assert.equal((await kind.files(repo.uri)).length, 2);
      assert.equal(await repo.datastore.trash([refs[0]!]), 1);
      assert.equal((await kind.files(repo.uri)).length, 2);
      const emptied = await repo.datastore.emptyTrash();
      assert.equal(emptied.removed.length, 1);
      assert.equal((await kind.files(repo.uri)).length, 1);
      await repo.datastore.remove([refs[1]!]);
      assert.deepEqual(await kind.files(repo.uri), []);
    });

    test("ingest: a local copy, a remote move, and link modes refused", async () => {
      const repo = await remote();
      const local = join(freshDir("ingest"), "calexp.fits");
      copyFileSync(CALEXP_FIXTURE, local);
      const first = visitRef("calexp", "ExposureF", { visit: 1 });
      const copied = await repo.datastore.ingest(local, first, {
        transfer: "copy",
        insertRegistryRows: repo.registryInsert(first),
      });
      assert.equal(copied.record.byteIndex?.kind, "fits");
      assert.ok((await repo.datastore.get(first, { component: "bbox" })).value);

      const outside = resourcePath(`${kind.root()}incoming/x.fits`);
      await outside.write(
        new Uint8Array(await import("node:fs").then((fs) => fs.readFileSync(CALEXP_FIXTURE))),
      );
      const second = visitRef("calexp", "ExposureF", { visit: 2 });
      const moved = await repo.datastore.ingest(outside.uri, second, {
        transfer: "move",
        insertRegistryRows: repo.registryInsert(second),
      });
      assert.equal(moved.record.fileSize, copied.record.fileSize);
      assert.equal(await outside.exists(), false);
      assert.ok((await repo.datastore.get(second, { component: "visitInfo" })).value);
      assert.equal((await kind.files(repo.uri)).length, 2);

      const third = visitRef("calexp", "ExposureF", { visit: 3 });
      await assert.rejects(
        repo.datastore.ingest(local, third, {
          transfer: "symlink",
          insertRegistryRows: repo.registryInsert(third),
        }),
        InvalidArgumentError,
      );
      assert.deepEqual(readdirSync(repo.staging), []);
    });
  });
}
