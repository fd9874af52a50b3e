/**
 * FileDatastore put/get of a real calexp (read in place, cut out so that xy0 ≠ 0) with each write
 * recipe; every component read; a metadata read fetches header bytes only; parameters are checked
 * before any I/O; typed errors for conflicts and missing files.
 */
import assert from "node:assert/strict";
import { rmSync } from "node:fs";
import { join } from "node:path";
import { before, describe, test } from "node:test";
import { FileSource } from "../../src/bytes/file-source.ts";
import { createMetrics, withMetrics } from "../../src/bytes/with-metrics.ts";
import { defaultStorageClasses } from "../../src/core/index.ts";
import { type FitsByteIndex, headerBytes } from "../../src/datastore/byte-index.ts";
import { FitsExposureFormatter } from "../../src/datastore/formatters/fits-exposure.ts";
import type { Formatter } from "../../src/datastore/formatters/formatter.ts";
import { FormatterRegistry } from "../../src/datastore/formatters/registry.ts";
import { type DatastoreRoot, LocalRoot } from "../../src/datastore/location.ts";
import type { StoredFileRecord } from "../../src/datastore/records.ts";
import {
  ComponentNotLoadedError,
  DatasetAlreadyExistsError,
  DatasetFileNotFoundError,
  DatasetNotInDatastoreError,
  FileIntegrityError,
  InvalidParameterError,
  UnknownComponentError,
  UnknownParameterError,
} from "../../src/errors/index.ts";
import { Header } from "../../src/fits/header.ts";
import { scanFits } from "../../src/fits/scan.ts";
import { archiveObjectsEqual } from "../../src/image/archive-types.ts";
import { Box2I } from "../../src/image/box.ts";
import { Exposure } from "../../src/image/exposure.ts";
import { ARCHIVE_KEY_OF, headersEqual } from "../../src/image/exposure-info.ts";
import { Image } from "../../src/image/image.ts";
import { Extent2I, Point2I } from "../../src/image/point.ts";
import { writeExposure } from "../../src/image/write-exposure.ts";
import { type LogRecord, resetLogLevels, setLogLevel, setLogSinks } from "../../src/log.ts";
import { fitsverify, fitsverifyPath } from "../support/oracles.ts";
import { calexpExposure, freshDir, makeRepo, type Repo, tables, tree, visitRef } from "./helpers.ts";

const recipes = { calexp: "lossless", calexpRaw: "noCompression", calexpLossy: "lossy16" } as const;
const formatters = Object.fromEntries(
  Object.entries(recipes).map(([type, recipe]) => [type, { formatter: "FitsExposureFormatter", recipe }]),
);

describe("put and get an Exposure with each write recipe", () => {
  for (const [type, recipe] of Object.entries(recipes)) {
    test(`${recipe}`, async (t) => {
      const repo = await makeRepo({ formatters });
      const exposure = await calexpExposure();
      const ref = visitRef(type, "ExposureF");
      const put = await repo.datastore.put(exposure, ref, { insertRegistryRows: repo.registryInsert(ref) });
      assert.equal(put.record.formatter, "FitsExposureFormatter");
      assert.equal(put.record.storageClass, "ExposureF");
      assert.ok(put.record.path.endsWith(".fits"));
      assert.ok(put.record.path.startsWith("HSC/runs/test/"), put.record.path);
      const file = join(repo.root, put.record.path);
      const index = put.record.byteIndex as FitsByteIndex;
      assert.equal(index.kind, "fits");
      assert.equal(index.size, put.record.fileSize);
      // The index written with the file matches a scan of it.
      const source = new FileSource(file);
      const scanned = await scanFits(source);
      await source.close();
      assert.deepEqual(
        index.hdus.map((h) => [h.headerOffset, h.headerLength, h.dataOffset, h.dataLength, h.name ?? null]),
        scanned.hdus.map((h) => [
          h.headerOffset,
          h.headerLength,
          h.dataOffset,
          h.dataLength,
          h.extname ?? null,
        ]),
      );
      const planes = index.hdus.slice(1, 4);
      assert.deepEqual(
        planes.map((h) => h.kind),
        Array(3).fill(recipe === "noCompression" ? "image" : "compressed_image"),
      );
      assert.deepEqual(planes[0]!.xy0, [8, 4]);
      const back = await repo.datastore.get<Exposure>(ref);
      assert.ok(back.value instanceof Exposure);
      if (recipe === "lossy16") {
        // Image and variance are quantized (RICE_1, dither 2); the mask is lossless.
        assert.deepEqual(
          planes.map((h) => `${h.compression?.algorithm}/${h.compression?.quantize ?? "-"}`),
          ["RICE_1/SUBTRACTIVE_DITHER_2", "GZIP_2/-", "RICE_1/SUBTRACTIVE_DITHER_2"],
        );
        assert.ok(back.value.mask.equals(exposure.mask), "mask exact");
        assert.ok(back.value.bbox.equals(exposure.bbox));
        const a = back.value.image.array as Float32Array;
        const b = exposure.image.array as Float32Array;
        assert.ok(
          a.some((v, i) => v !== b[i]),
          "the image is quantized, not stored as it was",
        );
      } else {
        assert.ok(back.value.maskedImage.equals(exposure.maskedImage), "pixels, boxes and mask planes");
      }
      assert.ok((await back.value.info.load()).equals(exposure.info), "every component");
      assert.equal(back.metrics.bytesRead <= put.record.fileSize, true);
      if (fitsverifyPath() === undefined) {
        t.diagnostic("fitsverify not installed: the written file was not checked by it");
      } else {
        const report = fitsverify(file);
        assert.equal(report.status, 0, report.output);
      }
    });
  }
});

describe("component reads of a stored calexp", () => {
  let repo: Repo;
  let exposure: Exposure;
  let record: StoredFileRecord;
  const ref = visitRef("calexp", "ExposureF");
  before(async () => {
    repo = await makeRepo();
    exposure = await calexpExposure();
    ({ record } = await repo.datastore.put(exposure, ref));
  });
  const get = (component: string, parameters?: Record<string, unknown>) =>
    repo.datastore.get(ref, { component, ...(parameters === undefined ? {} : { parameters }) });

  test("metadata is the header, read from header bytes only", async () => {
    const { value, metrics } = await get("metadata");
    assert.ok(value instanceof Header);
    assert.ok(headersEqual(value, exposure.info.metadata));
    const index = record.byteIndex as FitsByteIndex;
    assert.ok(metrics.bytesRead <= headerBytes(index), `${metrics.bytesRead} > ${headerBytes(index)}`);
    assert.ok(metrics.bytesRead < record.fileSize / 10);
    // Exactly the primary and image headers, which are adjacent: one request.
    assert.equal(metrics.bytesRead, headerBytes(index, 2));
    assert.equal(metrics.requests, 1);
  });

  test("the timer logger says where the time of a get went", async () => {
    const records: LogRecord[] = [];
    const previous = setLogSinks([(r) => records.push(r)]);
    setLogLevel("timer.datastore", "debug");
    try {
      await get("metadata");
    } finally {
      setLogSinks(previous);
      resetLogLevels();
    }
    assert.equal(records.length, 1);
    assert.equal(records[0]!.logger, "timer.datastore");
    assert.match(
      records[0]!.message,
      /^Reading component metadata from file:\/\/.*\.fits with formatter FitsExposureFormatter: took [\d.]+ ms$/,
    );
    assert.deepEqual(Object.keys(records[0]!.fields!), [
      "recordMs",
      "openMs",
      "fetchMs",
      "decodeMs",
      "bytes",
      "requests",
    ]);
    assert.equal(records[0]!.fields!.bytes, headerBytes(record.byteIndex as FitsByteIndex, 2));
  });

  test("the formatter alone, through withMetrics, reads no more than the headers", async () => {
    const metrics = createMetrics({ recordRanges: true });
    const source = withMetrics(new FileSource(join(repo.root, record.path)), metrics);
    const formatter = new FitsExposureFormatter();
    const storageClass = defaultStorageClasses().get("ExposureF");
    const index = record.byteIndex as FitsByteIndex;
    const header = await formatter.read(source, { storageClass, component: "metadata", index });
    await source.close?.();
    assert.ok(header instanceof Header);
    assert.ok(metrics.bytes <= headerBytes(index));
    for (const range of metrics.ranges!) {
      const inHeader = index.hdus.some(
        (h) =>
          range.offset >= h.headerOffset && range.offset + range.length <= h.headerOffset + h.headerLength,
      );
      const spansHeaders = range.offset === 0 && range.length === headerBytes(index, 2);
      assert.ok(inHeader || spansHeaders, `range ${range.offset}+${range.length} is not header bytes`);
    }
    // Without an index the scan still reads headers only (one block at a time).
    const plain = createMetrics();
    const bare = withMetrics(new FileSource(join(repo.root, record.path)), plain);
    await formatter.read(bare, { storageClass, component: "metadata" });
    await bare.close?.();
    assert.ok(plain.bytes <= headerBytes(index) + 2, `${plain.bytes}`);
  });

  test("wcs, visitInfo, filter, photoCalib, detector, psf, id", async () => {
    const info = exposure.info;
    assert.ok((await get("wcs")).value !== undefined);
    assert.ok(info.wcs!.equals((await get("wcs")).value as never));
    assert.ok(info.visitInfo!.equals((await get("visitInfo")).value as never));
    assert.ok(info.filter!.equals((await get("filter")).value as never));
    assert.ok(info.photoCalib!.equals((await get("photoCalib")).value as never));
    assert.deepEqual((await get("detector")).value, info.detector);
    assert.equal((await get("id")).value, info.id);
    const psf = await get("psf");
    assert.ok(archiveObjectsEqual(psf.value as never, info.psf!));
    // The PSF is a small archive object: far less than the file is read.
    assert.ok(psf.metrics.bytesRead < record.fileSize / 4, `${psf.metrics.bytesRead}`);
  });

  test("bbox, dimensions and xy0 come from the image header", async () => {
    const bbox = await get("bbox");
    assert.ok(bbox.value instanceof Box2I);
    assert.ok(bbox.value.equals(Box2I.fromXYWH(8, 4, 48, 24)));
    assert.ok(((await get("dimensions")).value as Extent2I).equals(new Extent2I(48, 24)));
    assert.ok(((await get("xy0")).value as Point2I).equals(new Point2I(8, 4)));
    assert.equal(bbox.metrics.bytesRead, headerBytes(record.byteIndex as FitsByteIndex, 2));
  });

  test("image with a PARENT bbox and the same box in LOCAL coordinates", async () => {
    const box = Box2I.fromCorners(10, 6, 20, 12);
    const expected = exposure.image.subset(box);
    const parent = await get("image", { bbox: box });
    assert.ok(parent.value instanceof Image);
    assert.ok(parent.value.bbox.equals(box));
    assert.ok(parent.value.equals(expected));
    const local = await get("image", { bbox: [2, 2, 12, 8], origin: "LOCAL" });
    assert.ok((local.value as Image).equals(expected));
    const corners = await get("image", { bbox: { minX: 10, minY: 6, maxX: 20, maxY: 12 } });
    assert.ok((corners.value as Image).equals(expected));
    // The cutout reads far less than the whole plane set.
    assert.ok(parent.metrics.bytesRead < record.fileSize / 4);
  });

  test("mask and variance planes, and a whole-Exposure cutout", async () => {
    const box = Box2I.fromXYWH(30, 10, 5, 7);
    assert.ok(((await get("mask", { bbox: box })).value as Image).equals(exposure.mask.subset(box)));
    assert.ok(((await get("variance")).value as Image).equals(exposure.variance));
    const cut = await repo.datastore.get<Exposure>(ref, { parameters: { bbox: box } });
    assert.ok(cut.value.maskedImage.equals(exposure.maskedImage.subset(box)));
    assert.ok((await cut.value.info.load("wcs")).wcs!.equals(exposure.info.wcs!));
    // Every component loaded one by one leaves out the objects they refer to, which a write needs.
    await cut.value.info.load(...Object.keys(ARCHIVE_KEY_OF));
    assert.ok(cut.value.info.equals(exposure.info));
    assert.equal(cut.value.info.loaded, false);
    assert.throws(() => writeExposure(cut.value), ComponentNotLoadedError);
    await cut.value.info.load();
    assert.equal(cut.value.info.loaded, true);
    assert.equal(writeExposure(cut.value).length, writeExposure(exposure).length);
  });

  test("a component ref reads its component", async () => {
    const wcsRef = ref.makeComponentRef("wcs", "Wcs");
    const { value } = await repo.datastore.get(wcsRef);
    assert.ok(exposure.info.wcs!.equals(value as never));
  });

  test("exists and getURI", async () => {
    assert.equal(await repo.datastore.exists(ref), true);
    assert.equal(await repo.datastore.getURI(ref), new URL(`file://${join(repo.root, record.path)}`).href);
    const other = visitRef("calexp", "ExposureF", { visit: 1 });
    assert.equal(await repo.datastore.exists(other), false);
    await assert.rejects(repo.datastore.getURI(other), DatasetNotInDatastoreError);
    assert.match(
      await repo.datastore.getURI(other, { predict: true }),
      /\/calexp_HSC_i_HSC-I_1_1_16_HSC_runs_test\.fits#predicted$/,
    );
  });
});

/** A root that counts file operations, to show a check happened before any I/O. */
class CountingRoot extends LocalRoot {
  calls = 0;
  override size(path: string) {
    this.calls++;
    return super.size(path);
  }
  override open(path: string) {
    this.calls++;
    return super.open(path);
  }
}

describe("bad components and parameters fail before any I/O", () => {
  let root: CountingRoot;
  let repo: Repo;
  const ref = visitRef("calexp", "ExposureF");
  before(async () => {
    root = new CountingRoot(freshDir("counting"));
    repo = await makeRepo({}, { root: root as DatastoreRoot });
    await repo.datastore.put(await calexpExposure(), ref);
  });
  const get = (options: Parameters<typeof repo.datastore.get>[1]) => repo.datastore.get(ref, options);

  test("an unknown parameter lists the accepted ones (the seed's {test: 1})", async () => {
    root.calls = 0;
    await assert.rejects(get({ parameters: { test: 1 } }), (err: unknown) => {
      assert.ok(err instanceof UnknownParameterError);
      assert.match(err.message, /'test' not understood by storage class ExposureF/);
      assert.match(err.message, /accepted parameters: bbox, origin/);
      return true;
    });
    assert.equal(root.calls, 0);
  });

  test("origin '123' is an InvalidParameterError naming PARENT and LOCAL", async () => {
    root.calls = 0;
    await assert.rejects(get({ parameters: { origin: "123", bbox: [0, 0, 3, 3] } }), (err: unknown) => {
      assert.ok(err instanceof InvalidParameterError);
      assert.equal(err.parameter, "origin");
      assert.match(err.message, /"PARENT", "LOCAL"/);
      return true;
    });
    assert.equal(root.calls, 0);
  });

  test("a bbox of the wrong type names the accepted forms", async () => {
    root.calls = 0;
    for (const bbox of ["0,0,3,3", [0, 0, 3], { x: 1 }, [0, 0, 1.5, 3], [5, 5, 1, 1]]) {
      await assert.rejects(get({ component: "image", parameters: { bbox } }), (err: unknown) => {
        assert.ok(err instanceof InvalidParameterError, String(err));
        assert.equal(err.parameter, "bbox");
        return true;
      });
    }
    assert.equal(root.calls, 0);
  });

  test("an unknown component lists the components", async () => {
    root.calls = 0;
    await assert.rejects(get({ component: "metadta" }), (err: unknown) => {
      assert.ok(err instanceof UnknownComponentError);
      assert.match(err.message, /metadata/);
      return true;
    });
    assert.equal(root.calls, 0);
  });

  test("a bbox outside the image is an InvalidParameterError naming the image's box", async () => {
    await assert.rejects(
      get({ component: "image", parameters: { bbox: [0, 0, 10, 10] } }),
      (err: unknown) => {
        assert.ok(err instanceof InvalidParameterError);
        assert.match(err.message, /Box2I\(minimum=Point2I\(8, 4\), dimensions=Extent2I\(48, 24\)\)/);
        return true;
      },
    );
    await assert.rejects(
      get({ parameters: { bbox: [40, 20, 50, 30], origin: "LOCAL" } }),
      InvalidParameterError,
    );
  });
});

/** The FITS formatter without its direct component reads, so the assembler must do the work. */
class WholeOnly implements Formatter {
  readonly #inner = new FitsExposureFormatter();
  readonly name = "WholeOnlyFits";
  readonly extension = ".fits";
  readonly storageClasses = this.#inner.storageClasses;
  readonly readComponents: ReadonlySet<string> = new Set();
  readonly parameters: ReadonlySet<string> = new Set();
  readonly writeRecipes = this.#inner.writeRecipes;
  reads: { component?: string; parameters?: object }[] = [];
  read: Formatter["read"] = (source, request) => {
    this.reads.push({
      ...(request.component ? { component: request.component } : {}),
      parameters: { ...request.parameters },
    });
    return this.#inner.read(source, request);
  };
  write: Formatter["write"] = (object, request) => this.#inner.write(object, request);
  index: Formatter["index"] = (source) => this.#inner.index(source);
}

test("the assembler extracts components and applies a bbox the formatter did not", async () => {
  const wholeOnly = new WholeOnly();
  const registry = new FormatterRegistry({ lookups: { calexp: "WholeOnlyFits" } });
  registry.register("WholeOnlyFits", async () => () => wholeOnly);
  const repo = await makeRepo({}, { formatterRegistry: registry });
  const exposure = await calexpExposure();
  const ref = visitRef("calexp", "ExposureF");
  await repo.datastore.put(exposure, ref);
  const box = Box2I.fromXYWH(20, 8, 6, 5);
  const bbox = await repo.datastore.get(ref, { component: "bbox" });
  assert.ok((bbox.value as Box2I).equals(exposure.bbox));
  const image = await repo.datastore.get(ref, {
    component: "image",
    parameters: { bbox: [12, 4, 17, 8], origin: "LOCAL" },
  });
  assert.ok((image.value as Image).equals(exposure.image.subset(box)));
  const cut = await repo.datastore.get<Exposure>(ref, { parameters: { bbox: box } });
  assert.ok(cut.value.maskedImage.equals(exposure.maskedImage.subset(box)));
  // Every read was of the whole dataset, with no parameters: the assembler did the rest.
  assert.deepEqual(wholeOnly.reads, [{ parameters: {} }, { parameters: {} }, { parameters: {} }]);
});

describe("typed errors", () => {
  test("a second put at the same path is a DatasetAlreadyExistsError and changes nothing", async () => {
    const repo = await makeRepo();
    const exposure = await calexpExposure();
    const ref = visitRef("calexp", "ExposureF");
    const { record } = await repo.datastore.put(exposure, ref);
    const before = { tree: tree(repo.root), tables: await tables(repo.db) };
    const sameId = visitRef("calexp", "ExposureF", { id: ref.id, run: "other/run" });
    for (const again of [ref, visitRef("calexp", "ExposureF"), sameId]) {
      await assert.rejects(repo.datastore.put(exposure, again), (err: unknown) => {
        assert.ok(err instanceof DatasetAlreadyExistsError);
        assert.equal(err.code, "CONFLICTING_DEFINITION");
        return true;
      });
    }
    assert.deepEqual({ tree: tree(repo.root), tables: await tables(repo.db) }, before);
    assert.ok(before.tree.includes(record.path));
  });

  test("a record whose file is gone names the path; a changed file is a FileIntegrityError", async () => {
    const repo = await makeRepo();
    const ref = visitRef("calexp", "ExposureF");
    const { record } = await repo.datastore.put(await calexpExposure(), ref);
    const file = join(repo.root, record.path);
    await repo.db.updateTable("file_datastore_records").set({ file_size: 12 }).execute();
    await assert.rejects(repo.datastore.get(ref, { component: "metadata" }), FileIntegrityError);
    rmSync(file);
    await assert.rejects(repo.datastore.get(ref, { component: "metadata" }), (err: unknown) => {
      assert.ok(err instanceof DatasetFileNotFoundError);
      assert.equal(err.path, file);
      assert.ok(err.message.includes(file));
      return true;
    });
    assert.equal(await repo.datastore.exists(ref), false);
    await assert.rejects(
      repo.datastore.get(visitRef("calexp", "ExposureF", { visit: 7 })),
      DatasetNotInDatastoreError,
    );
  });
});
