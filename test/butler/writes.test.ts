/**
 * Writes that fail leave nothing (no registry row without its file, no file without its row), racing
 * puts of one dataset leave exactly one, and ingest in every transfer mode.
 */
import assert from "node:assert/strict";
import { copyFileSync, existsSync, lstatSync, mkdirSync, readlinkSync, statSync } from "node:fs";
import { dirname, isAbsolute, join, resolve } from "node:path";
import { describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import type { Butler } from "../../src/butler/index.ts";
import { DatasetRef } from "../../src/core/index.ts";
import {
  ConflictingDefinitionError,
  FormatterError,
  InvalidArgumentError,
  MissingCollectionError,
} from "../../src/errors/index.ts";
import { Box2I } from "../../src/image/box.ts";
import {
  CALEXP_FIXTURE,
  calexpExposure,
  calexpType,
  DATA_ID,
  datastoreFiles,
  freshDir,
  makeRepo,
  open,
  RUN,
} from "./helpers.ts";

async function recordRows(butler: Butler): Promise<unknown[]> {
  return butler.registry.dialect.kysely
    .selectFrom("file_datastore_records" as never)
    .selectAll()
    .execute();
}

async function datasetCount(butler: Butler): Promise<number> {
  return (await butler.registry.findFirstDatasets("calexp", [RUN])).length;
}

describe("a failed put leaves neither row nor file", () => {
  test("the formatter cannot write the object", async () => {
    const { repo, butler } = await makeRepo();
    await assert.rejects(butler.put({ not: "an exposure" }, "calexp", DATA_ID), FormatterError);
    assert.equal(await datasetCount(butler), 0);
    assert.deepEqual(await recordRows(butler), []);
    assert.deepEqual(datastoreFiles(repo), []);
  });

  test("the registry insert fails after the file was written", async () => {
    const { repo, butler } = await makeRepo();
    await butler.put(await calexpExposure(), "calexp", DATA_ID);
    const before = { files: datastoreFiles(repo), rows: await recordRows(butler) };
    const dataId = await butler.registry.expandDataId({ ...DATA_ID, detector: 17 }, {});
    const orphan = new DatasetRef(
      calexpType(butler),
      dataId.subset(calexpType(butler).dimensions),
      "no/such/run",
    );
    await assert.rejects(butler.put(await calexpExposure(), orphan), MissingCollectionError);
    assert.deepEqual(datastoreFiles(repo), before.files);
    assert.deepEqual(await recordRows(butler), before.rows);
    assert.equal(await datasetCount(butler), 1);
  });

  test("two butlers racing to put the same dataset: one wins, one conflict, one row, one file", async () => {
    const { repo, butler } = await makeRepo();
    const other = await open(repo, { run: RUN });
    const exposure = await calexpExposure();
    const results = await Promise.allSettled([
      butler.put(exposure, "calexp", DATA_ID),
      other.put(exposure, "calexp", DATA_ID),
    ]);
    const won = results.filter((r) => r.status === "fulfilled");
    const lost = results.filter((r): r is PromiseRejectedResult => r.status === "rejected");
    assert.equal(won.length, 1);
    assert.equal(lost.length, 1);
    assert.ok(lost[0]!.reason instanceof ConflictingDefinitionError, String(lost[0]!.reason));
    assert.equal(await datasetCount(butler), 1);
    assert.equal((await recordRows(butler)).length, 1);
    assert.equal(datastoreFiles(repo).length, 1);
    assert.ok(await butler.get("calexp.bbox", DATA_ID));
  });

  test("an ingest of several files where one is missing ingests none", async () => {
    const { repo, butler } = await makeRepo();
    const outside = freshDir("outside");
    const good = join(outside, "good.fits");
    copyFileSync(CALEXP_FIXTURE, good);
    await assert.rejects(
      butler.ingest(
        [
          { path: good, refs: { datasetType: "calexp", dataId: DATA_ID } },
          {
            path: join(outside, "missing.fits"),
            refs: { datasetType: "calexp", dataId: { ...DATA_ID, detector: 17 } },
          },
        ],
        { transfer: "copy" },
      ),
      /missing\.fits: no such file/,
    );
    assert.equal(await datasetCount(butler), 0);
    assert.deepEqual(await recordRows(butler), []);
    assert.deepEqual(datastoreFiles(repo), []);
    assert.ok(existsSync(good));
  });
});

describe("ingest in every transfer mode", () => {
  const FULL = Box2I.fromXYWH(0, 0, 64, 32);

  async function ingestOne(butler: Butler, path: string, detector: number, transfer: string) {
    const [ref] = await butler.ingest(
      { path, refs: { datasetType: "calexp", dataId: { ...DATA_ID, detector } } },
      { transfer: transfer as never },
    );
    const uri = await butler.getURI(ref!);
    const bbox = await butler.get<Box2I>("calexp.bbox", { ...DATA_ID, detector });
    assert.ok(bbox.equals(FULL), `${transfer}: ${bbox}`);
    const record = await butler.datastore.getRecord(ref!.id);
    return { ref: ref!, file: fileURLToPath(uri), record };
  }

  test("copy, move, hardlink, symlink, relsymlink, direct and auto", async () => {
    const { repo, butler } = await makeRepo();
    const outside = freshDir("sources");
    const source = (name: string) => {
      const path = join(outside, `${name}.fits`);
      copyFileSync(CALEXP_FIXTURE, path);
      return path;
    };

    const copied = await ingestOne(butler, source("copy"), 16, "copy");
    assert.ok(existsSync(join(outside, "copy.fits")));
    assert.ok(lstatSync(copied.file).isFile());
    assert.notEqual(statSync(copied.file).ino, statSync(join(outside, "copy.fits")).ino);
    assert.ok(copied.file.startsWith(repo));
    assert.equal(copied.record.formatter, "FitsExposureFormatter");
    assert.equal(copied.record.byteIndex?.kind, "fits");

    const moved = await ingestOne(butler, source("move"), 17, "move");
    assert.ok(!existsSync(join(outside, "move.fits")));
    assert.ok(lstatSync(moved.file).isFile());

    const linkSource = source("hardlink");
    const linked = await ingestOne(butler, linkSource, 18, "hardlink");
    assert.equal(statSync(linked.file).ino, statSync(linkSource).ino);

    const symSource = source("symlink");
    const sym = await ingestOne(butler, symSource, 22, "symlink");
    assert.ok(lstatSync(sym.file).isSymbolicLink());
    assert.equal(readlinkSync(sym.file), symSource);

    const relSource = source("relsymlink");
    const rel = await ingestOne(butler, relSource, 23, "relsymlink");
    assert.ok(lstatSync(rel.file).isSymbolicLink());
    const target = readlinkSync(rel.file);
    assert.ok(!isAbsolute(target), target);
    assert.equal(resolve(dirname(rel.file), target), relSource);

    const directSource = source("direct");
    const direct = await ingestOne(butler, directSource, 24, "direct");
    assert.equal(direct.file, directSource);
    assert.equal(direct.record.path, directSource);

    const autoOutside = await ingestOne(butler, source("auto"), 25, "auto");
    assert.ok(autoOutside.file.startsWith(repo) && lstatSync(autoOutside.file).isFile());
    mkdirSync(join(repo, "incoming"));
    const inside = join(repo, "incoming", "calexp.fits");
    copyFileSync(CALEXP_FIXTURE, inside);
    const autoInside = await ingestOne(butler, inside, 100, "auto");
    assert.equal(autoInside.record.path, "incoming/calexp.fits");
  });

  test("a resolved ref keeps its ID; daf_butler's formatter name maps to ours; bad modes and files are refused", async () => {
    const { butler } = await makeRepo();
    const outside = freshDir("resolved");
    const path = join(outside, "calexp.fits");
    copyFileSync(CALEXP_FIXTURE, path);
    const type = calexpType(butler);
    const dataId = await butler.registry.expandDataId(DATA_ID, { dimensions: type.dimensions });
    const ref = new DatasetRef(type, dataId, RUN);
    const [ingested] = await butler.ingest(
      { path, refs: [ref], formatter: "lsst.obs.base.formatters.fitsExposure.FitsExposureFormatter" },
      { transfer: "copy" },
    );
    assert.equal(ingested!.id, ref.id);
    assert.equal((await butler.datastore.getRecord(ref.id)).formatter, "FitsExposureFormatter");
    await assert.rejects(
      butler.ingest(
        { path, refs: { datasetType: "calexp", dataId: { ...DATA_ID, detector: 17 } } },
        { transfer: "split" as never },
      ),
      (err: unknown) =>
        err instanceof InvalidArgumentError && /accepted: auto, copy, move, hardlink/.test(err.message),
    );
    await assert.rejects(
      butler.ingest({ path, refs: [ref, ref] }),
      (err: unknown) => err instanceof InvalidArgumentError && /exactly one dataset/.test(err.message),
    );
  });
});
