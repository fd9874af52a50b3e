/**
 * The header index on each registry engine: values recorded at put, ingest, import and transferFrom
 * and after a backfill equal the files' own headers; removal removes them; `where` and orderBy on
 * header values; queryHeaders answering indexed keys with every file gone, and reading the others.
 */
import assert from "node:assert/strict";
import { copyFileSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { stringify } from "yaml";
import { Butler, readRepoConfig } from "../../src/butler/index.ts";
import { FileSource } from "../../src/bytes/file-source.ts";
import type { DatasetRef } from "../../src/core/index.ts";
import { typedValue } from "../../src/datastore/index.ts";
import { InvalidQueryError } from "../../src/errors/index.ts";
import { parseHeaderKey } from "../../src/fits/header-key.ts";
import { scanFits } from "../../src/fits/scan.ts";
import type { Exposure } from "../../src/image/exposure.ts";
import { headerValuesTableName } from "../../src/registry/index.ts";
import { forEachDialect } from "../registry/registry-support.ts";
import {
  CALEXP_FIXTURE,
  calexpExposure,
  calexpType,
  DATA_ID,
  freshDir,
  loadHscDimensions,
  open,
  RUN,
} from "./helpers.ts";

const KEYS = [
  "EXPTIME",
  "SKYLEVEL",
  "AIRMASS",
  "FILTER01",
  "ESO DET CHIP NAME",
  "NCOMBINE",
  "BIGID",
  "FLAG",
  "IMAGE:EXTTYPE",
];

/** An exposure whose metadata carries the test keys for one detector. */
async function exposureFor(detector: number): Promise<Exposure> {
  const exposure = await calexpExposure();
  const md = exposure.info.metadata!;
  // EXPTIME is written from the VisitInfo (30 s for every detector here), so it is not set.
  md.set("SKYLEVEL", 10 * (detector - 14), { type: "float" });
  md.set("ESO DET CHIP NAME", `CCD-${detector}`);
  md.set("NCOMBINE", detector);
  md.set("BIGID", 2n ** 60n + BigInt(detector));
  md.set("FLAG", detector % 2 === 0);
  return exposure;
}

/** The index's values of a dataset against its file's headers, key by key. */
async function assertIndexMatchesFile(butler: Butler, ref: DatasetRef, keys = KEYS): Promise<void> {
  const stored = await butler.registry.internals.headers.values(ref.datasetType.name, [ref.id]);
  const row = stored.get(ref.id);
  assert.ok(row !== undefined, `index has values for ${ref.dataId}`);
  const path = fileURLToPath(await butler.getURI(ref));
  const scan = await scanFits(new FileSource(path));
  for (const key of keys) {
    const spec = parseHeaderKey(key);
    const hdu =
      spec.hdu === undefined
        ? 0
        : scan.hdus.findIndex((h) => (h.extname ?? h.exttype)?.toUpperCase() === spec.hdu);
    const expected = hdu < 0 ? null : (typedValue(scan.headers[hdu]!, spec.key)?.value ?? null);
    assert.deepEqual(row.get(spec.name), expected, `${key} of ${ref.dataId}`);
  }
}

async function newRepo(
  ctx: { newUri(): string },
  name: string,
  indexed = true,
): Promise<{ repo: string; butler: Butler }> {
  const repo = freshDir(name);
  await Butler.create(repo, { db: ctx.newUri() });
  const config = await readRepoConfig(repo);
  config.raw.headerIndex = indexed ? { datasetTypes: { "calex*": KEYS } } : { exposureDefault: false };
  writeFileSync(config.file, stringify(config.raw));
  const butler = await open(repo, { run: RUN });
  await loadHscDimensions(butler);
  await butler.registry.registerDatasetType(calexpType(butler));
  return { repo, butler };
}

forEachDialect("header index", (ctx) => {
  test("put, ingest, import, transferFrom and backfill keep the index equal to the files' headers", async () => {
    const { repo, butler } = await newRepo(ctx, "hdr-writes");
    const refs: DatasetRef[] = [];
    for (const detector of [16, 17, 18]) {
      refs.push(await butler.put(await exposureFor(detector), "calexp", { ...DATA_ID, detector }));
    }
    for (const ref of refs) await assertIndexMatchesFile(butler, ref);
    const keys = (await butler.registry.internals.headers.keys("calexp")).map((k) => `${k.name}:${k.type}`);
    assert.deepEqual(
      keys.sort(),
      [
        "AIRMASS:float",
        "BIGID:integer",
        "SKYLEVEL:float",
        "EXPTIME:float",
        "ESO DET CHIP NAME:string",
        "FILTER01:string",
        "FLAG:logical",
        "IMAGE:EXTTYPE:string",
        "NCOMBINE:integer",
      ].sort(),
    );

    const source = join(freshDir("hdr-ingest"), "calexp.fits");
    copyFileSync(CALEXP_FIXTURE, source);
    const [ingested] = await butler.ingest({
      path: source,
      refs: { datasetType: "calexp", dataId: { ...DATA_ID, detector: 22 } },
    });
    await assertIndexMatchesFile(butler, ingested!);
    // Keys the fixture lacks are NULL rows, not missing ones.
    const row = (await butler.registry.internals.headers.values("calexp", [ingested!.id])).get(ingested!.id)!;
    assert.equal(row.get("ESO DET CHIP NAME"), null);
    assert.equal(row.size, KEYS.length);

    // Import with files, and transferFrom, into repositories indexing the same keys.
    const directory = freshDir("hdr-export");
    await butler.export(refs, { directory, transfer: "copy" });
    const { butler: imported } = await newRepo(ctx, "hdr-import");
    await imported.import(directory, { transfer: "copy" });
    for (const ref of refs) await assertIndexMatchesFile(imported, ref);
    const { butler: transferred } = await newRepo(ctx, "hdr-transfer");
    await transferred.transferFrom(butler, refs);
    for (const ref of refs) await assertIndexMatchesFile(transferred, ref);

    // A new key, backfilled; an interrupted backfill resumes with what is left.
    const stop = new AbortController();
    await assert.rejects(
      butler.indexHeaders("calexp", ["MJD", "OBJECT"], {
        batchSize: 1,
        signal: stop.signal,
        onProgress: (done) => {
          if (done === 2) stop.abort();
        },
      }),
    );
    // The rest: one ranged read of each file, through its byte index.
    const reads: number[] = [];
    const root = butler.datastore.root;
    const openFile = root.open.bind(root);
    root.open = (...args) => {
      const source = openFile(...args);
      const index = reads.push(0) - 1;
      const read = source.read.bind(source);
      source.read = (offset, length, options) => {
        reads[index]!++;
        return read(offset, length, options);
      };
      return source;
    };
    const resumed = await butler.indexHeaders("calexp", ["MJD", "OBJECT"], { batchSize: 1 });
    root.open = openFile;
    assert.equal(resumed.backfilled, 2);
    assert.deepEqual(reads, [1, 1]);
    for (const ref of [...refs, ingested!])
      await assertIndexMatchesFile(butler, ref, [...KEYS, "MJD", "OBJECT"]);
    const config = await readRepoConfig(repo);
    assert.deepEqual(config.raw.headerIndex?.datasetTypes?.calexp, [...KEYS, "MJD", "OBJECT"]);

    // Removal removes the values with the dataset.
    await butler.pruneDatasets([refs[0]!], { purge: true, unstore: true });
    const typeId = (await butler.registry.internals.datasetTypes.get("calexp")).id;
    const left = await butler.registry.internals.database.rows<{ n: unknown }>(
      (await import("kysely"))
        .sql`SELECT COUNT(*) AS n FROM ${(await import("kysely")).sql.table(headerValuesTableName(typeId))} WHERE dataset_id = ${refs[0]!.id}`,
    );
    assert.equal(Number(left[0]!.n), 0);
  });

  test("where and orderBy on header values; unindexed keys are errors listing the indexed ones", async () => {
    const { butler } = await newRepo(ctx, "hdr-where");
    for (const detector of [16, 17, 18, 22]) {
      await butler.put(await exposureFor(detector), "calexp", { ...DATA_ID, detector });
    }
    const detectors = async (where: string, extra: Record<string, unknown> = {}) =>
      (await butler.queryDatasets("calexp", { where, ...extra })).map((r) => r.dataId.get("detector")).sort();
    assert.deepEqual(await detectors("calexp.header.EXPTIME > 20"), [16, 17, 18, 22]);
    assert.deepEqual(await detectors("calexp.header.SKYLEVEL > 20"), [17, 18, 22]);
    assert.deepEqual(await detectors("header.SKYLEVEL > 20 AND header.NCOMBINE < 19"), [17, 18]);
    assert.deepEqual(await detectors("HEADER(calexp, 'ESO DET CHIP NAME') = 'CCD-18'"), [18]);
    assert.deepEqual(
      await detectors("HEADER(calexp, :key) = :chip", { bind: { key: "ESO DET CHIP NAME", chip: "CCD-17" } }),
      [17],
    );
    assert.deepEqual(await detectors("header.FLAG AND band = 'r'"), [16, 18, 22]);
    assert.deepEqual(await detectors("NOT header.FLAG"), [17]);
    assert.deepEqual(await detectors(`header.BIGID = ${2n ** 60n + 22n}`), [22]);
    const ordered = await butler.queryDatasets("calexp", { orderBy: "-header.SKYLEVEL" });
    assert.deepEqual(
      ordered.map((r) => r.dataId.get("detector")),
      [22, 18, 17, 16],
    );
    const dataIds = await butler.queryDataIds(["detector"], {
      datasets: "calexp",
      collections: RUN,
      where: "calexp.header.AIRMASS < 1.5 AND calexp.header.NCOMBINE >= 18",
      dataId: { instrument: "HSC" },
    });
    assert.deepEqual(dataIds.map((d) => d.get("detector")).sort(), [18, 22]);
    await assert.rejects(butler.queryDatasets("calexp", { where: "header.SEEING > 1" }), (err: Error) => {
      assert.ok(err instanceof InvalidQueryError);
      assert.match(err.message, /'SEEING' is not indexed for calexp; indexed keys: .*AIRMASS.*EXPTIME/);
      return true;
    });
    await assert.rejects(
      butler.queryDatasets("calexp", { where: "header.EXPTIME = 'long'" }),
      InvalidQueryError,
    );
  });

  test("export and import carry the values to a repository that indexes nothing itself", async () => {
    const { butler } = await newRepo(ctx, "hdr-carry-source");
    const refs: DatasetRef[] = [];
    for (const detector of [16, 17]) {
      refs.push(await butler.put(await exposureFor(detector), "calexp", { ...DATA_ID, detector }));
    }
    const directory = freshDir("hdr-carry-export");
    const file = await butler.export(refs, { directory, transfer: "copy" });
    assert.match(readFileSync(file, "utf8"), /^butler_ts_header_index:$/m);
    const { butler: target } = await newRepo(ctx, "hdr-carry-target", false);
    await target.import(directory, { transfer: "copy" });
    for (const ref of refs) await assertIndexMatchesFile(target, ref);
    const scan = await target.queryHeaders("calexp", { keys: ["BIGID", "FLAG"] });
    assert.equal(scan.filesRead, 0);
    assert.deepEqual(
      scan.rows.map((r) => [r.values.BIGID, r.values.FLAG]),
      [
        [2n ** 60n + 16n, true],
        [2n ** 60n + 17n, false],
      ],
    );
  });

  test("queryHeaders answers indexed keys with no file, and reads the others", async () => {
    const { repo, butler } = await newRepo(ctx, "hdr-scan");
    for (const detector of [16, 17]) {
      await butler.put(await exposureFor(detector), "calexp", { ...DATA_ID, detector });
    }
    const mixed = await butler.queryHeaders("calexp", { keys: ["SKYLEVEL", "FRAMEID"] });
    assert.deepEqual(mixed.fromIndex, ["SKYLEVEL"]);
    assert.deepEqual(mixed.fromFiles, ["FRAMEID"]);
    assert.equal(mixed.filesRead, 2);
    assert.deepEqual(
      mixed.rows.map((r) => [r.ref.dataId.get("detector"), r.values.SKYLEVEL, r.values.FRAMEID]),
      [
        [16, 20, "HSCA90401142"],
        [17, 30, "HSCA90401142"],
      ],
    );
    // Every file gone, and opening any would fail: indexed keys still come back.
    let opened = 0;
    const root = butler.datastore.root;
    const openFile = root.open.bind(root);
    root.open = (...args) => {
      opened++;
      return openFile(...args);
    };
    rmSync(join(repo, RUN.split("/")[0]!), { recursive: true, force: true });
    const scan = await butler.queryHeaders("calexp", { where: "header.NCOMBINE = 17" });
    assert.equal(opened, 0);
    assert.equal(scan.filesRead, 0);
    assert.deepEqual(scan.fromFiles, []);
    assert.equal(scan.rows.length, 1);
    assert.equal(scan.rows[0]!.values["ESO DET CHIP NAME"], "CCD-17");
    assert.equal(scan.rows[0]!.values.BIGID, 2n ** 60n + 17n);
    assert.equal(scan.rows[0]!.values.FLAG, false);
  });
});

forEachDialect("header index under concurrent writers", (ctx) => {
  test("first writers of a type, at once, each commit (the index's tables and columns are made outside their transactions)", async () => {
    // Each round starts with no values table and untyped keys, so every writer would make them.
    for (let round = 0; round < 3; round++) {
      const { repo, butler } = await newRepo(ctx, `hdr-concurrent-${round}`);
      const writers = [butler, ...(await Promise.all([0, 1, 2].map(() => open(repo, { run: RUN }))))];
      const detectors = [10, 11, 12, 16, 17, 18, 22, 23];
      const exposures = await Promise.all(detectors.map(exposureFor));
      const refs = (
        await Promise.all(
          writers.map(async (writer, w) => {
            const out: DatasetRef[] = [];
            for (const i of [2 * w, 2 * w + 1]) {
              out.push(await writer.put(exposures[i]!, "calexp", { ...DATA_ID, detector: detectors[i]! }));
            }
            return out;
          }),
        )
      ).flat();
      assert.equal(refs.length, 8);
      for (const ref of refs) await assertIndexMatchesFile(butler, ref);
      for (const writer of writers) await writer.close();
    }
  });
});
