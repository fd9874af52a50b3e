/**
 * Whole-image reads of GZIP tiles through one inflater (`tiled-gzip.ts`): the result equals tile-by-tile
 * decoding for every pixel type, the requests are the planned ones, and anything that is not a clean
 * run of gzip members (zlib streams, padding, a corrupt tile) falls back to tile-by-tile decoding.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { deflateSync, gzipSync } from "node:zlib";
import type { ByteSource } from "../../src/bytes/byte-source.ts";
import { MemorySource } from "../../src/bytes/memory-source.ts";
import { createMetrics, withMetrics } from "../../src/bytes/with-metrics.ts";
import { FitsFormatError } from "../../src/errors/index.ts";
import { compressedImageHdu } from "../../src/fits/compressed-hdu.ts";
import { nativeWords, unshuffleInto, unshuffleToNative } from "../../src/fits/compression/gzip.ts";
import { FitsFile } from "../../src/fits/fits-file.ts";
import { emptyPrimaryHdu } from "../../src/fits/image-hdu.ts";
import type { PixelArray } from "../../src/fits/pixels.ts";
import { readChunks } from "../../src/fits/read-chunks.ts";
import { readTileTable } from "../../src/fits/tile-table.ts";
import { inflateTileRun, tileRunChunks } from "../../src/fits/tiled-gzip.ts";
import { planTileRead } from "../../src/fits/tiled-image.ts";
import { encodeFits } from "../../src/fits/writer.ts";

const W = 300;
const H = 70;

function noise(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 4294967296;
  };
}

function pixels(kind: string): PixelArray {
  const r = noise(kind.length * 7919);
  const n = W * H;
  switch (kind) {
    case "float32":
      return Float32Array.from({ length: n }, () => 1000 + r() * 20);
    case "float64":
      return Float64Array.from({ length: n }, () => (r() - 0.5) * 1e6);
    case "int32":
      return Int32Array.from({ length: n }, () => Math.floor((r() - 0.5) * 2 ** 31));
    case "uint32":
      return Uint32Array.from({ length: n }, () => Math.floor(r() * 2 ** 32));
    case "int16":
      return Int16Array.from({ length: n }, () => Math.floor((r() - 0.5) * 65536));
    case "uint16":
      return Uint16Array.from({ length: n }, () => Math.floor(r() * 65536));
    case "uint8":
      return Uint8Array.from({ length: n }, () => Math.floor(r() * 256));
    default:
      return Int8Array.from({ length: n }, () => Math.floor((r() - 0.5) * 256));
  }
}

function fileOf(data: PixelArray, algorithm: "GZIP_1" | "GZIP_2", tile?: [number, number]): Uint8Array {
  const options: Parameters<typeof compressedImageHdu>[2] = { algorithm };
  if (tile !== undefined) options.tile = tile;
  return encodeFits([emptyPrimaryHdu(), compressedImageHdu(data, [W, H], options)]).bytes;
}

function bytesOf(a: PixelArray): Buffer {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength);
}

function metered(bytes: Uint8Array) {
  const metrics = createMetrics({ recordRanges: true });
  return { source: withMetrics(new MemorySource(bytes, { key: "mem://tiles.fits" }), metrics), metrics };
}

/** The whole image, and the same pixels through tile-by-tile decoding (a box covering everything). */
async function bothWays(source: ByteSource) {
  const fits = await FitsFile.open(source);
  const whole = await fits.readImage(1);
  const boxed = await fits.readImage(1, { box: { x: 0, y: 0, width: W, height: H } });
  return { fits, whole, boxed };
}

describe("whole-image reads of GZIP tiles", () => {
  for (const algorithm of ["GZIP_1", "GZIP_2"] as const) {
    for (const kind of ["float32", "float64", "int32", "uint32", "int16", "uint16", "uint8", "int8"]) {
      test(`${algorithm} ${kind}: equals the pixels written and tile-by-tile decoding`, async () => {
        const data = pixels(kind);
        const { whole, boxed } = await bothWays(new MemorySource(fileOf(data, algorithm)));
        assert.equal(whole.data.constructor, data.constructor);
        assert.equal(whole.data.length, data.length);
        assert.ok(bytesOf(whole.data).equals(bytesOf(data)));
        assert.ok(bytesOf(boxed.data).equals(bytesOf(data)));
        assert.equal(whole.data.byteOffset % data.BYTES_PER_ELEMENT, 0);
      });
    }
  }

  test("tiles of several rows, a short last tile, and 2-d tiles (tile by tile) agree", async () => {
    const data = pixels("float32");
    for (const tile of [
      [W, 8],
      [W, 1],
      [64, 50],
    ] as [number, number][]) {
      const { whole } = await bothWays(new MemorySource(fileOf(data, "GZIP_2", tile)));
      assert.ok(bytesOf(whole.data).equals(bytesOf(data)), `tile ${tile}`);
    }
  });

  test("3-d images: row and plane tiles in one run, other tilings tile by tile, all equal", async () => {
    const shape = [40, 30, 3];
    const data = Float32Array.from({ length: 40 * 30 * 3 }, (_, i) => Math.sin(i) * 100);
    for (const tile of [
      [40, 1, 1],
      [40, 30, 1],
      [40, 7, 1],
      [40, 30, 2],
      [40, 7, 2],
      [20, 30, 1],
    ]) {
      const hdu = compressedImageHdu(data, shape, { algorithm: "GZIP_2", tile });
      const fits = await FitsFile.open(new MemorySource(encodeFits([emptyPrimaryHdu(), hdu]).bytes));
      const image = await fits.readImage(1);
      assert.deepEqual(image.shape, shape);
      assert.ok(bytesOf(image.data).equals(bytesOf(data)), `tile ${tile}`);
    }
  });

  test("the heap is read in the planned chunks, after the tile table", async () => {
    const data = pixels("float32");
    const { source, metrics } = metered(fileOf(data, "GZIP_2"));
    const fits = await FitsFile.open(source);
    const hdu = fits.hdu(1);
    const table = await readTileTable(fits.source, hdu, fits.header(1));
    for (const maxRequestBytes of [undefined, 20_000, 1]) {
      metrics.ranges!.length = 0;
      const options = maxRequestBytes === undefined ? {} : { maxRequestBytes };
      const image = await fits.readImage(1, { ...options, tileTable: table });
      assert.ok(bytesOf(image.data).equals(bytesOf(data)));
      const planned = planTileRead(hdu, table, undefined, options);
      assert.deepEqual(metrics.ranges, planned);
      if (maxRequestBytes === 1)
        assert.equal(planned.length, H, "one tile per request when each exceeds the cap");
      if (maxRequestBytes === 20_000) assert.ok(planned.every((r) => r.length <= 20_000));
    }
  });

  test("a corrupt tile is the same FitsFormatError as tile by tile", async () => {
    const bytes = fileOf(pixels("int32"), "GZIP_2");
    const fits = await FitsFile.open(new MemorySource(bytes));
    const table = await readTileTable(fits.source, fits.hdu(1), fits.header(1));
    const tile = table.tiles[5]!;
    const mutant = bytes.slice();
    mutant[tile.offset + Math.floor(tile.length / 2)]! ^= 0xff;
    const open = await FitsFile.open(new MemorySource(mutant));
    const whole = await open.readImage(1).catch((e: unknown) => e);
    const boxed = await open
      .readImage(1, { box: { x: 0, y: 0, width: W, height: H } })
      .catch((e: unknown) => e);
    assert.ok(whole instanceof FitsFormatError, String(whole));
    assert.ok(boxed instanceof FitsFormatError);
    assert.equal(whole.message, boxed.message);
  });
});

describe("inflateTileRun", () => {
  const r = noise(42);
  const raws = Array.from({ length: 9 }, (_, t) =>
    Uint8Array.from({ length: t === 8 ? 100 : 1000 }, (_, i) => (i % 7 === 0 ? Math.floor(r() * 256) : 3)),
  );
  const sizes = raws.map((b) => b.length);

  /** The tiles back to back in a heap, each coded by `code`, with `gap` bytes between them. */
  function heap(code: (raw: Uint8Array) => Uint8Array, gap = 0) {
    const members = raws.map(code);
    const tiles: { offset: number; length: number }[] = [];
    let at = 16;
    for (const m of members) {
      tiles.push({ offset: at, length: m.length });
      at += m.length + gap;
    }
    const bytes = new Uint8Array(at);
    members.forEach((m, t) => {
      bytes.set(m, tiles[t]!.offset);
    });
    return { bytes, tiles };
  }
  const gzip = (raw: Uint8Array) => new Uint8Array(gzipSync(raw));
  const expected = Buffer.concat(raws);

  test("decodes a run in any chunking, handing each tile over in order", async () => {
    const { bytes, tiles } = heap(gzip);
    for (const chunkBytes of [1, 50, 700, 3000, 1 << 20]) {
      const seen: number[] = [];
      const out = await inflateTileRun(new MemorySource(bytes), tiles, sizes, {
        chunkBytes,
        onTile: (tile, at, output) => {
          assert.ok(Buffer.from(tile).equals(raws[seen.length]!));
          assert.equal(output.subarray(at, at + tile.length).byteOffset, tile.byteOffset);
          seen.push(at);
        },
      });
      assert.ok(out !== undefined && Buffer.from(out).equals(expected), `chunkBytes ${chunkBytes}`);
      assert.equal(seen.length, raws.length);
      assert.deepEqual(tileRunChunks(tiles, chunkBytes)!.length <= tiles.length, true);
    }
  });

  test("gives up (undefined) on what is not a clean run of gzip members", async () => {
    const run = (bytes: Uint8Array, tiles: { offset: number; length: number }[], s = sizes) =>
      inflateTileRun(new MemorySource(bytes), tiles, s, { chunkBytes: 2500 });
    // zlib streams, not gzip members
    const zlib = heap((raw) => new Uint8Array(deflateSync(raw)));
    assert.equal(await run(zlib.bytes, zlib.tiles), undefined);
    // bytes between the tiles
    const gapped = heap(gzip, 3);
    assert.equal(await run(gapped.bytes, gapped.tiles), undefined);
    // a size that is not the tile's
    const good = heap(gzip);
    assert.equal(await run(good.bytes, good.tiles, [...sizes.slice(0, -1), 99]), undefined);
    // a corrupt member
    const corrupt = good.bytes.slice();
    corrupt[good.tiles[4]!.offset + 12]! ^= 0x55;
    assert.equal(await run(corrupt, good.tiles), undefined);
    // a wrong CRC in a trailer, the data intact
    const badCrc = good.bytes.slice();
    const t3 = good.tiles[3]!;
    badCrc[t3.offset + t3.length - 8]! ^= 1;
    assert.equal(await run(badCrc, good.tiles), undefined);
    // two members in one tile's range
    const doubled = heap((raw) => Buffer.concat([gzipSync(raw.subarray(0, 10)), gzipSync(raw.subarray(10))]));
    assert.equal(await run(doubled.bytes, doubled.tiles), undefined);
    // the intact heap still decodes
    assert.ok(Buffer.from((await run(good.bytes, good.tiles))!).equals(expected));
  });

  test("read errors and aborts are thrown, not taken for a bad run", async () => {
    const { bytes, tiles } = heap(gzip);
    const short = new MemorySource(bytes.subarray(0, tiles[6]!.offset));
    await assert.rejects(inflateTileRun(short, tiles, sizes, { chunkBytes: 1000 }), (e: unknown) => {
      return (e as { code?: string }).code !== undefined;
    });
    const controller = new AbortController();
    controller.abort();
    await assert.rejects(
      inflateTileRun(new MemorySource(bytes), tiles, sizes, { chunkBytes: 1000, signal: controller.signal }),
    );
  });
});

test("unshuffleInto writes what unshuffleToNative returns, in place in a larger array", () => {
  const r = noise(7);
  for (const width of [1, 2, 4] as const) {
    for (const flip of [false, true]) {
      const count = 37;
      const input = Uint8Array.from({ length: count * width }, () => Math.floor(r() * 256));
      const expected = unshuffleToNative(input, width, flip);
      const whole = new Uint8Array((count + 10) * width);
      unshuffleInto(input, nativeWords(whole, width), 5, flip);
      assert.deepEqual(
        whole.subarray(5 * width, (5 + count) * width),
        expected,
        `width ${width} flip ${flip}`,
      );
      assert.ok(whole.subarray(0, 5 * width).every((b) => b === 0));
    }
  }
  assert.throws(() => unshuffleInto(new Uint8Array(8), nativeWords(new Uint8Array(8), 4), 1), RangeError);
});

test("readChunks uses each range's bytes in order through one reused buffer", async () => {
  const bytes = Uint8Array.from({ length: 1000 }, (_, i) => i & 0xff);
  const ranges = [
    { offset: 0, length: 100 },
    { offset: 200, length: 50 },
    { offset: 300, length: 100 },
    { offset: 900, length: 100 },
  ];
  const seen: string[] = [];
  const buffers = new Set<ArrayBufferLike>();
  await readChunks(new MemorySource(bytes), ranges, undefined, (range, got) => {
    assert.deepEqual(got, bytes.subarray(range.offset, range.offset + range.length));
    buffers.add(got.buffer);
    seen.push(`${range.offset}`);
  });
  assert.deepEqual(seen, ["0", "200", "300", "900"]);
  assert.equal(buffers.size, 1);
  await assert.rejects(
    readChunks(new MemorySource(bytes), ranges, undefined, (range) => {
      if (range.offset === 200) throw new Error("stop");
    }),
    /stop/,
  );
});
