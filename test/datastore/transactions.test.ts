/**
 * The single-transaction put: a failure at each step (formatter, record insert, registry rows, the
 * move into place, the commit itself) leaves the directory tree and every table as they were. Then
 * units of work that span several puts, removal through the trash, and ingest in every transfer mode.
 */
import assert from "node:assert/strict";
import {
  copyFileSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { describe, test } from "node:test";
import { FileSource } from "../../src/bytes/file-source.ts";
import { BYTE_INDEX_VERSION, type FitsByteIndex, headerBytes } from "../../src/datastore/byte-index.ts";
import type { FileDatastore } from "../../src/datastore/file-datastore.ts";
import { FitsExposureFormatter } from "../../src/datastore/formatters/fits-exposure.ts";
import type { Formatter, WriteResult } from "../../src/datastore/formatters/formatter.ts";
import { FormatterRegistry } from "../../src/datastore/formatters/registry.ts";
import { KyselyRecordStore } from "../../src/datastore/kysely-record-store.ts";
import { LocalRoot } from "../../src/datastore/location.ts";
import type { AnyDatabase, StoredFileRecord } from "../../src/datastore/records.ts";
import { DatastoreTransaction } from "../../src/datastore/transaction.ts";
import { DatasetAlreadyExistsError, InvalidArgumentError } from "../../src/errors/index.ts";
import { Header } from "../../src/fits/header.ts";
import { scanFits } from "../../src/fits/scan.ts";
import type { Exposure } from "../../src/image/exposure.ts";
import { headersEqual } from "../../src/image/exposure-info.ts";
import { fixturePath } from "../support/fixtures.ts";
import {
  CALEXP_FIXTURE,
  calexpExposure,
  freshDir,
  makeRepo,
  type Repo,
  tables,
  tree,
  visitRef,
} from "./helpers.ts";

const boom = (what: string) => new Error(`injected failure: ${what}`);
const calexp: Exposure = await calexpExposure();

/** Puts one dataset first, so "unchanged" means unchanged next to existing data, not just empty. */
async function seeded(repo: Repo): Promise<void> {
  const ref = visitRef("calexp", "ExposureF", { visit: 1 });
  await repo.datastore.put(await calexpExposure(), ref, { insertRegistryRows: repo.registryInsert(ref) });
}

async function snapshot(repo: Repo) {
  return { tree: tree(repo.root), tables: await tables(repo.db) };
}

/** Seeds `base` (whose datastore works), then checks that `put` fails and changes nothing. */
async function assertPutLeavesNothing(
  base: Repo,
  put: () => Promise<unknown>,
  message: RegExp,
): Promise<void> {
  await seeded(base);
  const before = await snapshot(base);
  await assert.rejects(put(), message);
  assert.deepEqual(await snapshot(base), before);
}

/** The FITS formatter, but its write fails after writing part of the file. */
class FailingWrite extends FitsExposureFormatter {
  override async write(object: unknown, request: Parameters<Formatter["write"]>[1]): Promise<WriteResult> {
    writeFileSync(request.path, "SIMPLE  =                    T / half a file");
    throw boom(`formatter write (${object instanceof Object ? "object" : typeof object})`);
  }
}

class FailingInsert extends KyselyRecordStore {
  override async insert(records: readonly StoredFileRecord[], trx?: AnyDatabase): Promise<void> {
    await super.insert(records, trx);
    throw boom("record insert");
  }
}

class FailingMove extends LocalRoot {
  override async moveIntoPlace(): Promise<void> {
    throw boom("rename");
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

describe("a failure at any step of a put leaves neither row nor file", () => {
  test("the formatter throws after writing part of its file", async () => {
    const registry = new FormatterRegistry();
    registry.register("FitsExposureFormatter", async () => () => new FailingWrite(), { replace: true });
    const repo = await makeRepo();
    const failing = await makeRepo(
      { root: repo.root },
      { formatterRegistry: registry, records: repo.records },
    );
    const ref = visitRef("calexp", "ExposureF");
    await seeded(repo);
    const before = await snapshot(repo);
    await assert.rejects(
      failing.datastore.put(await calexpExposure(), ref, { insertRegistryRows: repo.registryInsert(ref) }),
      /injected failure: formatter write/,
    );
    assert.deepEqual(await snapshot(repo), before);
  });

  test("the record insert fails (after the registry rows went in)", async () => {
    const base = await makeRepo();
    const repo = await makeRepo({ root: base.root }, { records: new FailingInsert(base.db) });
    const ref = visitRef("calexp", "ExposureF");
    await assertPutLeavesNothing(
      base,
      () => repo.datastore.put(calexp, ref, { insertRegistryRows: base.registryInsert(ref) }),
      /injected failure: record insert/,
    );
  });

  test("the registry callback throws after inserting its row", async () => {
    const repo = await makeRepo();
    const ref = visitRef("calexp", "ExposureF");
    await assertPutLeavesNothing(
      repo,
      () =>
        repo.datastore.put(calexp, ref, {
          insertRegistryRows: async (trx) => {
            await repo.registryInsert(ref)(trx);
            throw boom("registry rows");
          },
        }),
      /injected failure: registry rows/,
    );
  });

  test("moving the file into place fails", async () => {
    const base = await makeRepo();
    const repo = await makeRepo(
      { root: base.root },
      { root: new FailingMove(base.root), records: base.records },
    );
    const ref = visitRef("calexp", "ExposureF");
    await assertPutLeavesNothing(
      base,
      () => repo.datastore.put(calexp, ref, { insertRegistryRows: base.registryInsert(ref) }),
      /injected failure: rename/,
    );
  });

  test("the commit fails after the file was moved into place", async () => {
    const base = await makeRepo();
    const records = new FailingCommit(base.db);
    const repo = await makeRepo({ root: base.root }, { records });
    const ref = visitRef("calexp", "ExposureF");
    await seeded(base);
    const before = await snapshot(base);
    records.failNext = true;
    await assert.rejects(
      repo.datastore.put(calexp, ref, { insertRegistryRows: base.registryInsert(ref) }),
      /injected failure: commit/,
    );
    assert.deepEqual(await snapshot(base), before);
  });

  test("a file that appears at the target while writing is a conflict, and is left alone", async () => {
    const repo = await makeRepo();
    const ref = visitRef("calexp", "ExposureF");
    const path = repo.datastore.pathFor(ref, ".fits");
    class Racing extends LocalRoot {
      override async moveIntoPlace(temp: string, target: string): Promise<void> {
        writeFileSync(join(repo.root, target), "someone else's");
        return super.moveIntoPlace(temp, target);
      }
    }
    const racing = await makeRepo(
      { root: repo.root },
      { root: new Racing(repo.root), records: repo.records },
    );
    await assert.rejects(racing.datastore.put(calexp, ref), DatasetAlreadyExistsError);
    assert.equal(readFileSync(join(repo.root, path), "utf8"), "someone else's");
    assert.deepEqual(
      tree(repo.root).filter((p) => p.includes(".tmp-")),
      [],
    );
    assert.deepEqual((await tables(repo.db)).file_datastore_records, []);
  });
});

describe("units of work across several puts", () => {
  test("puts in one caller transaction commit together", async () => {
    const repo = await makeRepo();
    const refs = [1, 2, 3].map((visit) => visitRef("calexp", "ExposureF", { visit }));
    await repo.datastore.transaction(async (txn) => {
      for (const ref of refs) {
        await repo.registryInsert(ref)(txn.db);
        await repo.datastore.put(await calexpExposure(), ref, { transaction: txn });
      }
      // Nothing is in place until the transaction commits.
      assert.equal(tree(repo.root).filter((p) => p.endsWith(".fits") && !p.includes(".tmp-")).length, 0);
    });
    for (const ref of refs) assert.equal(await repo.datastore.exists(ref), true);
    assert.equal((await tables(repo.db)).test_dataset.length, 3);
  });

  test("a failure in the third put rolls back all three", async () => {
    const repo = await makeRepo();
    const before = await snapshot(repo);
    await assert.rejects(
      repo.datastore.transaction(async (txn) => {
        for (const visit of [1, 2, 3]) {
          const ref = visitRef("calexp", "ExposureF", { visit });
          await repo.registryInsert(ref)(txn.db);
          await repo.datastore.put(visit === 3 ? "not an exposure" : await calexpExposure(), ref, {
            transaction: txn,
          });
        }
      }),
      /must be an Exposure/,
    );
    assert.deepEqual(await snapshot(repo), before);
  });

  test("two puts to one path in one transaction: a conflict, and nothing is kept", async () => {
    const repo = await makeRepo();
    const before = await snapshot(repo);
    await assert.rejects(
      repo.datastore.transaction(async (txn) => {
        for (const ref of [visitRef("calexp", "ExposureF"), visitRef("calexp", "ExposureF")]) {
          await repo.registryInsert(ref)(txn.db);
          await repo.datastore.put(calexp, ref, { transaction: txn });
        }
      }),
      (err: unknown) => err instanceof DatasetAlreadyExistsError && /put there first/.test(err.message),
    );
    assert.deepEqual(await snapshot(repo), before);
  });

  test("a transaction the caller owns: commitFiles before COMMIT, rollbackFiles after a rollback", async () => {
    const repo = await makeRepo();
    const ref = visitRef("calexp", "ExposureF");
    let txn: DatastoreTransaction | undefined;
    await assert.rejects(
      repo.db.transaction().execute(async (trx) => {
        txn = new DatastoreTransaction(trx);
        await repo.registryInsert(ref)(trx);
        await repo.datastore.put(await calexpExposure(), ref, { transaction: txn });
        await txn.commitFiles();
        throw boom("caller's later statement");
      }),
      /caller's later statement/,
    );
    await txn!.rollbackFiles();
    assert.deepEqual(await snapshot(repo), { tree: [], tables: await tables(repo.db) });
    assert.deepEqual((await tables(repo.db)).test_dataset, []);

    await repo.db.transaction().execute(async (trx) => {
      txn = new DatastoreTransaction(trx);
      await repo.registryInsert(ref)(trx);
      await repo.datastore.put(await calexpExposure(), ref, { transaction: txn });
      await txn.commitFiles();
    });
    await txn!.committed();
    assert.equal(await repo.datastore.exists(ref), true);
  });
});

describe("the record hook and work before commit", () => {
  test("ingest hands the hook the headers its scan parsed; put leaves it to read the file", async () => {
    const repo = await makeRepo();
    const seen: { hdus: number | undefined; given: unknown; inFile: unknown }[] = [];
    repo.datastore.onRecord = async ({ headers, open }) => {
      const source = open();
      const inFile = (await scanFits(source, { maxHdus: 1 })).headers[0]!.get("EXPTIME");
      await source.close?.();
      seen.push({ hdus: headers?.length, given: headers?.[0]?.get("EXPTIME"), inFile });
    };
    const ingested = visitRef("calexp", "ExposureF", { visit: 1 });
    await repo.datastore.ingest(CALEXP_FIXTURE, ingested, {
      transfer: "copy",
      insertRegistryRows: repo.registryInsert(ingested),
    });
    const put = visitRef("calexp", "ExposureF", { visit: 2 });
    await repo.datastore.put(calexp, put, { insertRegistryRows: repo.registryInsert(put) });
    const source = new FileSource(CALEXP_FIXTURE);
    const hdus = (await scanFits(source)).hdus.length;
    await source.close();
    assert.equal(seen.length, 2);
    assert.deepEqual(seen[0], { hdus, given: seen[0]!.inFile, inFile: seen[0]!.inFile });
    assert.notEqual(seen[0]!.inFile, undefined);
    assert.equal(seen[1]!.hdus, undefined);
  });

  test("beforeCommit work runs inside the transaction, before the files move; its failure undoes all", async () => {
    const repo = await makeRepo();
    const before = await snapshot(repo);
    const ref = visitRef("calexp", "ExposureF", { visit: 1 });
    let ran = 0;
    await assert.rejects(
      repo.datastore.transaction(async (txn) => {
        await repo.registryInsert(ref)(txn.db);
        await repo.datastore.put(calexp, ref, { transaction: txn });
        txn.beforeCommit(async () => {
          ran++;
          // The files are not in place yet.
          assert.equal(tree(repo.root).filter((p) => p.endsWith(".fits") && !p.includes(".tmp-")).length, 0);
          throw boom("work before commit");
        });
      }),
      /work before commit/,
    );
    assert.equal(ran, 1);
    assert.deepEqual(await snapshot(repo), before);
  });
});

describe("removal goes through the trash", () => {
  async function twoDatasets() {
    const repo = await makeRepo();
    const refs = [1, 2].map((visit) => visitRef("calexp", "ExposureF", { visit }));
    for (const ref of refs) {
      await repo.datastore.put(await calexpExposure(), ref, { insertRegistryRows: repo.registryInsert(ref) });
    }
    const paths = await Promise.all(refs.map(async (r) => (await repo.datastore.getRecord(r.id)).path));
    return { repo, refs, paths };
  }

  const deleteRegistryRow = (id: string) => async (trx: AnyDatabase) => {
    await trx.deleteFrom("test_dataset").where("id", "=", id).execute();
  };

  test("remove: records to the trash with the registry delete, then the file", async () => {
    const { repo, refs, paths } = await twoDatasets();
    const moved = await repo.datastore.remove([refs[0]!], {
      deleteRegistryRows: deleteRegistryRow(refs[0]!.id),
    });
    assert.equal(moved, 1);
    assert.equal(existsSync(join(repo.root, paths[0]!)), false);
    assert.equal(existsSync(join(repo.root, paths[1]!)), true);
    const t = await tables(repo.db);
    assert.deepEqual(
      t.file_datastore_records.map((r) => (r as { dataset_id: string }).dataset_id),
      [refs[1]!.id],
    );
    assert.deepEqual(t.file_datastore_trash, []);
    assert.deepEqual(
      t.test_dataset.map((r) => (r as { id: string }).id),
      [refs[1]!.id],
    );
    // The directories that held only the removed file stay (they are cheap and may be reused).
    assert.equal(await repo.datastore.exists(refs[0]!), false);
  });

  test("a removal inside a transaction that rolls back changes nothing", async () => {
    const { repo, refs } = await twoDatasets();
    const before = await snapshot(repo);
    await assert.rejects(
      repo.datastore.transaction(async (txn) => {
        await repo.datastore.remove(refs, {
          transaction: txn,
          deleteRegistryRows: deleteRegistryRow(refs[0]!.id),
        });
        throw boom("after remove");
      }),
      /after remove/,
    );
    assert.deepEqual(await snapshot(repo), before);
  });

  test("emptyTrash deletes files then rows, and tolerates files already gone", async () => {
    const { repo, refs, paths } = await twoDatasets();
    assert.equal(await repo.datastore.trash(refs), 2);
    assert.equal((await repo.records.listTrash()).length, 2);
    rmSync(join(repo.root, paths[0]!));
    const result = await repo.datastore.emptyTrash();
    assert.deepEqual(result.missing, [paths[0]]);
    assert.deepEqual(result.removed, [paths[1]]);
    assert.deepEqual(await repo.records.listTrash(), []);
    assert.deepEqual(await repo.datastore.emptyTrash(), { removed: [], missing: [], kept: [] });
  });
});

describe("ingest", () => {
  const refs = new Map<number, ReturnType<typeof visitRef>>();
  const ingestRef = (visit: number) => {
    if (!refs.has(visit)) refs.set(visit, visitRef("calexp", "ExposureF", { visit }));
    return refs.get(visit)!;
  };

  async function checkIngested(
    datastore: FileDatastore,
    ref: ReturnType<typeof ingestRef>,
  ): Promise<StoredFileRecord> {
    const record = await datastore.getRecord(ref.id);
    const index = record.byteIndex as FitsByteIndex;
    const source = new FileSource(CALEXP_FIXTURE);
    const scanned = await scanFits(source);
    await source.close();
    assert.equal(index.kind, "fits");
    assert.equal(record.fileSize, statSync(CALEXP_FIXTURE).size);
    assert.deepEqual(
      index.hdus.map((h) => [h.headerOffset, h.headerLength, h.dataOffset, h.dataLength]),
      scanned.hdus.map((h) => [h.headerOffset, h.headerLength, h.dataOffset, h.dataLength]),
    );
    const md = await datastore.get(ref, { component: "metadata" });
    assert.ok(md.value instanceof Header);
    assert.ok(headersEqual(md.value, md.value));
    assert.ok(md.metrics.bytesRead <= headerBytes(index));
    return record;
  }

  test("copy, link and symlink: the file is indexed by a header scan", async () => {
    const repo = await makeRepo({ checksum: true });
    for (const [visit, transfer] of [
      [1, "copy"],
      [2, "link"],
      [3, "symlink"],
    ] as const) {
      const ref = ingestRef(visit);
      const { record } = await repo.datastore.ingest(CALEXP_FIXTURE, ref, {
        transfer,
        insertRegistryRows: repo.registryInsert(ref),
      });
      assert.ok(record.path.endsWith(".fits") && !record.path.startsWith("/"));
      assert.match(record.checksum!, /^sha256:[0-9a-f]{64}$/);
      const file = join(repo.root, record.path);
      assert.equal(lstatSync(file).isSymbolicLink(), transfer === "symlink");
      await checkIngested(repo.datastore, ref);
    }
    assert.ok(existsSync(CALEXP_FIXTURE));
    assert.equal((await tables(repo.db)).test_dataset.length, 3);
  });

  test("move removes the source only after the commit; direct and auto keep files in place", async () => {
    const repo = await makeRepo();
    const outside = join(freshDir("outside"), "calexp.fits");
    copyFileSync(CALEXP_FIXTURE, outside);
    // A failed move ingest keeps the source.
    await assert.rejects(
      repo.datastore.ingest(outside, ingestRef(1), {
        transfer: "move",
        insertRegistryRows: async () => {
          throw boom("registry rows");
        },
      }),
      /registry rows/,
    );
    assert.ok(existsSync(outside));
    assert.deepEqual(tree(repo.root), []);
    await repo.datastore.ingest(outside, ingestRef(1), { transfer: "move" });
    assert.equal(existsSync(outside), false);
    await checkIngested(repo.datastore, ingestRef(1));

    const direct = join(freshDir("direct"), "calexp.fits");
    copyFileSync(CALEXP_FIXTURE, direct);
    const { record } = await repo.datastore.ingest(direct, ingestRef(2), { transfer: "direct" });
    assert.equal(record.path, direct);
    await checkIngested(repo.datastore, ingestRef(2));
    // Removing a direct ingest forgets it but leaves the file, which is not the datastore's.
    await repo.datastore.remove([ingestRef(2)]);
    assert.ok(existsSync(direct));

    mkdirSync(join(repo.root, "incoming"));
    const inside = join(repo.root, "incoming", "calexp.fits");
    copyFileSync(CALEXP_FIXTURE, inside);
    const auto = await repo.datastore.ingest(inside, ingestRef(3), { transfer: "auto" });
    assert.equal(auto.record.path, "incoming/calexp.fits");
    await checkIngested(repo.datastore, ingestRef(3));
  });

  test("an unknown transfer mode or a missing file is refused", async () => {
    const repo = await makeRepo();
    await assert.rejects(
      repo.datastore.ingest(CALEXP_FIXTURE, ingestRef(1), { transfer: "teleport" as never }),
      InvalidArgumentError,
    );
    await assert.rejects(repo.datastore.ingest(join(repo.root, "nope.fits"), ingestRef(1)), /no such file/);
  });
});

test("a whole-file gzip FITS is ingested with a whole-file index and still reads", async () => {
  const repo = await makeRepo();
  const ref = visitRef("calexp", "ExposureF", { visit: 77 });
  const gz = fixturePath("real/lsst-afw-ticketdm26260-uncompressed.fits.gz");
  const { record } = await repo.datastore.ingest(gz, ref, { transfer: "symlink" });
  assert.ok(record.path.endsWith(".fits.gz"), record.path);
  assert.deepEqual(record.byteIndex, { version: BYTE_INDEX_VERSION, kind: "whole", size: statSync(gz).size });
  const bbox = await repo.datastore.get(ref, { component: "bbox" });
  assert.ok(bbox.value !== undefined);
});
