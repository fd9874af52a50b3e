/**
 * The exact byte ranges each get asks the store for, and how many requests it makes: on a local root, on
 * WebDAV (nginx, whose access log shows every Range header) and on S3 (s3rver, counted at the root), for
 * metadata, visitInfo, archived components and cutouts of plain and tile-compressed planes. The
 * expectations come from a scan of the written file (its headers, archive index and tile descriptors),
 * not from the byte index the read path plans with.
 */
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { after, before, describe, test } from "node:test";
import type { ByteRange, ByteSource } from "../../src/bytes/byte-source.ts";
import { FileSource } from "../../src/bytes/file-source.ts";
import { closeSharedDispatcher } from "../../src/bytes/http-client.ts";
import { type ByteMetrics, createMetrics, withMetrics } from "../../src/bytes/with-metrics.ts";
import { HeaderCache } from "../../src/datastore/cache/header-cache.ts";
import type { DatastoreRoot, OpenRootOptions } from "../../src/datastore/location.ts";
import { heapSpan, readTableRaw, tableLayout } from "../../src/fits/bintable-read.ts";
import { FitsFile } from "../../src/fits/fits-file.ts";
import { archiveComponentIds } from "../../src/image/afw-layout.ts";
import { ArchiveReader } from "../../src/image/archive.ts";
import { Box2I } from "../../src/image/box.ts";
import type { Exposure } from "../../src/image/exposure.ts";
import { closeS3Clients } from "../../src/resources/s3-client.ts";
import { NginxServer, nginxUnavailable } from "../support/servers/nginx.ts";
import { S3Server } from "../support/servers/s3rver.ts";
import { calexpExposure, freshDir, makeRepo, type Repo, visitRef } from "./helpers.ts";

const calexp: Exposure = await calexpExposure();
// The calexp is 48×24 pixels at xy0 (8, 4): this box is LOCAL columns 2–12 of rows 2–8.
const BOX = Box2I.fromCorners(10, 6, 20, 12);
const ARCHIVED: Record<string, string> = {
  wcs: "SKYWCS",
  psf: "PSF",
  photoCalib: "PHOTOCALIB",
  detector: "DETECTOR",
  filter: "FILTER",
};

interface Stored {
  repo: Repo;
  ref: ReturnType<typeof visitRef>;
  /** Counts what the root's files are asked for (below the caches, so each request once). */
  metrics: ByteMetrics;
  /** Every range requested by the gets so far. */
  all: ByteRange[];
  /** A local copy of the stored file, scanned for the expectations. */
  fits: FitsFile;
}

/** Wraps the files a root opens with `metrics`, which records every range. */
function recordRanges(root: DatastoreRoot, metrics: ByteMetrics): void {
  const open = root.open.bind(root);
  root.open = (path: string, options?: OpenRootOptions): ByteSource =>
    withMetrics(open(path, options), metrics);
}

async function store(recipe: string, root?: string): Promise<Stored> {
  const metrics = createMetrics({ recordRanges: true });
  // No header cache: every get goes to the store.
  const repo = await makeRepo(
    {
      formatters: { calexp: { formatter: "FitsExposureFormatter", recipe } },
      ...(root === undefined
        ? {}
        : { root, remote: { stagingDir: freshDir("staging") }, cached: false as const }),
    },
    { headerCache: new HeaderCache(0) },
  );
  recordRanges(repo.datastore.root, metrics);
  const ref = visitRef("calexp", "ExposureF");
  await repo.datastore.put(calexp, ref, { insertRegistryRows: repo.registryInsert(ref) });
  const record = await repo.datastore.getRecord(ref.id);
  const bytes =
    root === undefined
      ? new FileSource(`${repo.root}/${record.path}`)
      : repo.datastore.openFile(record.path, record.fileSize);
  const copy = freshDir("copy");
  writeFileSync(`${copy}/file.fits`, await bytes.read(0, record.fileSize));
  return { repo, ref, metrics, all: [], fits: await FitsFile.open(`${copy}/file.fits`) };
}

/** The ranges one get requests, in order, checked against the get's own request count. */
async function rangesOf(
  s: Stored,
  component: string | undefined,
  parameters?: Record<string, unknown>,
): Promise<ByteRange[]> {
  return (await getWithRanges(s, component, parameters)).ranges;
}

async function getWithRanges(
  s: Stored,
  component: string | undefined,
  parameters?: Record<string, unknown>,
): Promise<{ value: unknown; ranges: ByteRange[] }> {
  const got = await recorded(s, () =>
    s.repo.datastore.get(s.ref, {
      ...(component === undefined ? {} : { component }),
      ...(parameters === undefined ? {} : { parameters }),
    }),
  );
  assert.notEqual(got.value.value, undefined);
  assert.equal(got.value.metrics.requests, got.ranges.length);
  return { value: got.value.value, ranges: got.ranges };
}

/** What `run` asks the store for. */
async function recorded<T>(s: Stored, run: () => Promise<T>): Promise<{ value: T; ranges: ByteRange[] }> {
  s.metrics.ranges!.length = 0;
  s.metrics.requests = 0;
  const value = await run();
  // A remote file is opened with the record's size (no HEAD); a local one is checked by its fstat.
  if (s.repo.datastore.root.remote === true) assert.equal(s.metrics.sizeCalls, 0, "no size probe");
  assert.equal(s.metrics.ranges!.length, s.metrics.requests);
  const ranges = s.metrics.ranges!.map(({ offset, length }) => ({ offset, length }));
  s.all.push(...ranges);
  return { value, ranges };
}

/** The primary and image headers, adjacent at the start of the file. */
function headers(fits: FitsFile): ByteRange {
  const image = fits.hdus[1]!;
  assert.equal(image.headerOffset, fits.hdus[0]!.headerLength + fits.hdus[0]!.dataSpan);
  return { offset: 0, length: image.headerOffset + image.headerLength };
}

/** An archived component: its catalog's header through its last row or heap cell, found by scanning. */
async function archivedRange(fits: FitsFile, key: string): Promise<ByteRange> {
  const archive = (await ArchiveReader.open(fits))!;
  const id = archiveComponentIds(fits.header(0)).get(key)!;
  // A detector summary needs only the Detector's first catalog.
  const entries = archive
    .entriesOf(id)
    .filter((e) => e.catArchive >= 0 && (key !== "DETECTOR" || e.catPersistable === 0));
  assert.equal(entries.length, 1, `${key} is one catalog in this file`);
  const e = entries[0]!;
  const at = archive.catalogHdu(e.catArchive);
  const hdu = fits.hdus[at]!;
  const layout = tableLayout(hdu, fits.header(at));
  let end = layout.main.offset + (e.row0 + e.nrows) * layout.rowBytes;
  const heap = await heapSpan(fits.source, hdu, fits.header(at), [e.row0, e.row0 + e.nrows]);
  if (heap !== undefined) end = Math.max(end, heap.offset + heap.length);
  return { offset: hdu.headerOffset, length: end - hdu.headerOffset };
}

/** The tiles of rows 2–8 of GZIP_2 plane `n` (one tile a row), from its descriptor table. */
async function tilesUnderBox(fits: FitsFile, n = 1): Promise<ByteRange> {
  const hdu = fits.hdus[n]!;
  const raw = await readTableRaw(fits.source, hdu, fits.header(n));
  const view = new DataView(raw.main.buffer, raw.main.byteOffset, raw.main.byteLength);
  const heapStart = hdu.dataOffset + hdu.naxis[0]! * hdu.naxis[1]! + raw.heapStart;
  // COMPRESSED_DATA is the first column: a P descriptor (count, offset) per row.
  const first = view.getUint32(2 * raw.rowBytes + 4);
  const last = view.getUint32(8 * raw.rowBytes + 4) + view.getUint32(8 * raw.rowBytes);
  return { offset: heapStart + first, length: last - first };
}

/** The expected ranges of each read of a stored calexp, where every gap the plan bridges is one the store bridges. */
async function checkReads(s: Stored, compressed: boolean): Promise<void> {
  const head = headers(s.fits);
  assert.deepEqual(await rangesOf(s, "metadata"), [head]);
  assert.deepEqual(await rangesOf(s, "visitInfo"), [head]);
  assert.deepEqual(await rangesOf(s, "bbox"), [head]);
  for (const [component, key] of Object.entries(ARCHIVED)) {
    assert.deepEqual(
      await rangesOf(s, component),
      [head, await archivedRange(s.fits, key)],
      `${component}: the headers, then its catalog's header, rows and heap cells`,
    );
  }
  const image = s.fits.hdus[1]!;
  if (!compressed) {
    // Rows 2–8 of the 48-pixel-wide float plane, through column 12 of row 8: one request with the headers.
    const end = image.dataOffset + (8 * 48 + 12 + 1) * 4;
    assert.deepEqual(await rangesOf(s, "image", { bbox: BOX }), [{ offset: 0, length: end }]);
  } else {
    // The headers and the descriptor table in one request, then the tiles under the box in one more.
    const table = image.dataOffset + image.naxis[0]! * image.naxis[1]!;
    assert.deepEqual(await rangesOf(s, "image", { bbox: BOX }), [
      { offset: 0, length: table },
      await tilesUnderBox(s.fits),
    ]);
  }
  await checkLazyCutout(s, compressed);
}

/**
 * A cutout of the whole Exposure reads the headers of the primary and the planes and the pixels under
 * the box, no archive byte; its PSF, asked for afterwards, is one request of its catalog's header, rows
 * and heap cells.
 */
async function checkLazyCutout(s: Stored, compressed: boolean): Promise<void> {
  const { value, ranges } = await getWithRanges(s, undefined, { bbox: BOX });
  const cut = value as Exposure;
  const [, mask, variance] = [1, 2, 3].map((n) => s.fits.hdus[n]!);
  if (!compressed) {
    // Rows 2–8 of each 48-pixel-wide plane (float, int32, float) through column 12 of row 8: the
    // headers between the planes are inside the gaps bridged, so one request.
    const end = variance!.dataOffset + (8 * 48 + 12 + 1) * 4;
    assert.deepEqual(ranges, [{ offset: 0, length: end }]);
  } else {
    // The headers and the three descriptor tables in one request (the image's and mask's tiles lie
    // between them, so they come with it), then the variance's tiles under the box.
    const table = variance!.dataOffset + variance!.naxis[0]! * variance!.naxis[1]!;
    assert.deepEqual(ranges, [{ offset: 0, length: table }, await tilesUnderBox(s.fits, 3)]);
  }
  assert.ok(mask !== undefined);
  // Two loads at once share one fetch.
  const psf = await recorded(s, async () => {
    const [a, b] = await Promise.all([cut.info.load("psf"), cut.info.load("psf")]);
    return a === b ? a.psf : undefined;
  });
  assert.notEqual(psf.value, undefined);
  assert.deepEqual(psf.ranges, [await archivedRange(s.fits, "PSF")]);
  // Loaded once: asking again reads nothing.
  assert.deepEqual((await recorded(s, () => cut.info.load("psf"))).ranges, []);
}

describe("the bytes each get reads", () => {
  describe("on a local root", () => {
    test("plain planes", async () => {
      await checkReads(await store("noCompression"), false);
    });
    test("tile-compressed planes (GZIP_2)", async () => {
      await checkReads(await store("lossless"), true);
    });
    test("a version-1 record (no archive layout) still reads its components, scanning the archive index", async () => {
      const s = await store("noCompression");
      const record = await s.repo.datastore.getRecord(s.ref.id);
      const { archive: _, ...rest } = record.byteIndex as Extract<typeof record.byteIndex, { kind: "fits" }>;
      const old = { ...record, byteIndex: { ...rest, version: 1 as const } };
      const got = await s.repo.datastore.get(s.ref, { component: "wcs", record: old });
      const now = await s.repo.datastore.get(s.ref, { component: "wcs" });
      assert.deepEqual(got.value, now.value);
      assert.ok(got.metrics.requests > now.metrics.requests);
      // Without a layout, a cutout reads its archive with it (nothing is left to fetch).
      const oldCut = await s.repo.datastore.get<Exposure>(s.ref, { parameters: { bbox: BOX }, record: old });
      assert.equal(oldCut.value.info.loaded, true);
      const cut = await s.repo.datastore.get<Exposure>(s.ref, { parameters: { bbox: BOX } });
      assert.equal(cut.value.info.loaded, false);
      await cut.value.info.load();
      assert.ok(oldCut.value.equals(cut.value));
      assert.ok(oldCut.value.info.psf !== undefined);
    });
  });

  describe("on WebDAV (nginx)", { skip: nginxUnavailable() }, () => {
    let nginx: NginxServer;
    before(async () => {
      nginx = await NginxServer.start();
    });
    after(async () => {
      await closeSharedDispatcher();
      await nginx?.stop();
    });

    test("every Range the server sees is one the plan names", async () => {
      for (const [recipe, compressed] of [
        ["noCompression", false],
        ["lossless", true],
      ] as const) {
        const s = await store(recipe, `dav://127.0.0.1:${nginx.port}/ranges-${recipe}/`);
        await nginx.mark();
        await checkReads(s, compressed);
        const seen = await nginx.requests();
        assert.ok(
          seen.every((e) => e.method === "GET"),
          "no HEAD, no PROPFIND",
        );
        assert.deepEqual(
          seen.map((e) => e.range).sort(),
          s.all.map((r) => `bytes=${r.offset}-${r.offset + r.length - 1}`).sort(),
        );
      }
    });
  });

  describe("on S3 (s3rver)", () => {
    let server: S3Server;
    const saved: Record<string, string | undefined> = {};
    before(async () => {
      server = await S3Server.start(["ranges"]);
      for (const [key, value] of Object.entries(server.env())) {
        saved[key] = process.env[key];
        process.env[key] = value;
      }
    });
    after(async () => {
      closeS3Clients();
      await server?.stop();
      for (const [key, value] of Object.entries(saved)) {
        if (value === undefined) delete process.env[key];
        else process.env[key] = value;
      }
    });

    test("plain and tile-compressed planes", async () => {
      await checkReads(await store("noCompression", "s3://ranges/plain/"), false);
      await checkReads(await store("lossless", "s3://ranges/gzip/"), true);
    });
  });
});
