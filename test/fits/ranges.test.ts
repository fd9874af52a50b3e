/**
 * The bytes a read touches: header scans read header blocks only, box reads read the rows or tiles
 * under the box, planned before any I/O.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { FileSource } from "../../src/bytes/file-source.ts";
import { MemorySource } from "../../src/bytes/memory-source.ts";
import { createMetrics, withMetrics } from "../../src/bytes/with-metrics.ts";
import { InvalidArgumentError } from "../../src/errors/index.ts";
import { FitsFile } from "../../src/fits/fits-file.ts";
import { planImageRead } from "../../src/fits/image.ts";
import { imageHdu } from "../../src/fits/image-hdu.ts";
import { scanFits } from "../../src/fits/scan.ts";
import { readTileTable } from "../../src/fits/tile-table.ts";
import { planTileRead, tileGrid, tilesForBox } from "../../src/fits/tiled-image.ts";
import { encodeFits } from "../../src/fits/writer.ts";
import { EXPECTED, fixturePath } from "../support/fixtures.ts";

function metered(path: string) {
  const metrics = createMetrics({ recordRanges: true });
  return { source: withMetrics(new FileSource(path), metrics), metrics };
}

describe("scanning reads header blocks only", () => {
  for (const expected of EXPECTED.filter((f) => !f.file.endsWith(".gz"))) {
    test(expected.file, async () => {
      const { source, metrics } = metered(fixturePath(expected.file));
      await scanFits(source);
      const headers = expected.hdus.map((h) => ({ from: h.header_offset, to: h.data_offset }));
      for (const range of metrics.ranges!) {
        const inside = headers.some((h) => range.offset >= h.from && range.offset + range.length <= h.to);
        assert.ok(inside, `range ${range.offset}+${range.length} is outside every header`);
      }
      const headerBytes = headers.reduce((a, h) => a + (h.to - h.from), 0);
      assert.equal(metrics.bytes, headerBytes, "each header block is read exactly once");
      await source.close?.();
    });
  }
});

describe("box reads of plain images", () => {
  // A 100x80 int16 image with known values; rows are 200 bytes.
  const width = 100;
  const height = 80;
  const pixels = Int16Array.from({ length: width * height }, (_, i) => (i * 7) % 30000);
  const { bytes, index } = encodeFits([imageHdu(pixels, [width, height], { primary: true })]);
  const hdu = index[0]!;

  test("rows are planned as ranges and coalesced across small gaps", () => {
    const box = { x: 10, y: 5, width: 20, height: 3 };
    const separate = planImageRead(hdu, box, { gapBytes: 0 });
    assert.deepEqual(separate, [
      { offset: hdu.dataOffset + (5 * width + 10) * 2, length: 40 },
      { offset: hdu.dataOffset + (6 * width + 10) * 2, length: 40 },
      { offset: hdu.dataOffset + (7 * width + 10) * 2, length: 40 },
    ]);
    const merged = planImageRead(hdu, box);
    assert.deepEqual(merged, [{ offset: hdu.dataOffset + (5 * width + 10) * 2, length: 2 * 200 + 40 }]);
    assert.deepEqual(planImageRead(hdu, { x: 0, y: 2, width, height: 4 }), [
      { offset: hdu.dataOffset + 2 * 200, length: 4 * 200 },
    ]);
  });

  test("a box read fetches exactly the planned ranges and returns the right pixels", async () => {
    const metrics = createMetrics({ recordRanges: true });
    const fits = await FitsFile.open(withMetrics(new MemorySource(bytes), metrics));
    metrics.ranges!.length = 0;
    const box = { x: 30, y: 40, width: 7, height: 9 };
    const image = await fits.readImage(0, { box, gapBytes: 0 });
    assert.deepEqual(metrics.ranges, planImageRead(hdu, box, { gapBytes: 0 }));
    assert.deepEqual(image.shape, [7, 9]);
    for (let y = 0; y < 9; y++) {
      for (let x = 0; x < 7; x++) {
        assert.equal(image.data[y * 7 + x], pixels[(y + 40) * width + (x + 30)]);
      }
    }
  });

  test("a box outside the image is an InvalidArgumentError that states the bounds", async () => {
    const fits = await FitsFile.open(new MemorySource(bytes));
    await assert.rejects(fits.readImage(0, { box: { x: 95, y: 0, width: 10, height: 1 } }), (e: unknown) => {
      return e instanceof InvalidArgumentError && /x \+ width <= 100/.test(e.message);
    });
  });
});

describe("box reads of tile-compressed images fetch only the tiles under the box", () => {
  test("2-D tiles 64x50 (4x4 grid with partial edge tiles)", async () => {
    const path = fixturePath("derived/HSC-small-fpack-gzip2-tiles64x50.fits");
    const { source, metrics } = metered(path);
    const fits = await FitsFile.open(source);
    const hdu = fits.hdu(1);
    const grid = tileGrid(hdu.compression!);
    const box = { x: 50, y: 40, width: 50, height: 30 };
    assert.deepEqual(tilesForBox(grid, box), [0, 1, 4, 5]);
    const table = await readTileTable(fits.source, hdu, fits.header(1));
    metrics.ranges!.length = 0;
    const cut = await fits.readImage(1, { box, tileTable: table, gapBytes: 0 });
    const wanted = [0, 1, 4, 5].map((t) => ({
      offset: table.tiles[t]!.offset,
      length: table.tiles[t]!.length,
    }));
    assert.deepEqual(
      [...metrics.ranges!].sort((a, b) => a.offset - b.offset),
      planTileRead(hdu, table, box, { gapBytes: 0 }),
    );
    assert.deepEqual(planTileRead(hdu, table, box, { gapBytes: 0 }), coalesce(wanted));
    // The cutout equals the same box of the whole image.
    const whole = await fits.readImage(1);
    for (let y = 0; y < box.height; y++) {
      for (let x = 0; x < box.width; x++) {
        assert.equal(cut.data[y * box.width + x], whole.data[(y + box.y) * 200 + (x + box.x)]);
      }
    }
    await fits.close();
  });

  test("row tiles: a cutout of rows 10..14 reads the table and five tiles", async () => {
    const { source, metrics } = metered(fixturePath("real/lsst-afw-ticketdm26260.fits.fz"));
    const fits = await FitsFile.open(source);
    const before = metrics.requests;
    const box = { x: 100, y: 10, width: 200, height: 5 };
    const cut = await fits.readImage(1, { box });
    assert.equal(metrics.requests - before, 2, "one request for the tile table, one for the coalesced tiles");
    const last = metrics.ranges!.at(-1)!;
    const table = await readTileTable(fits.source, fits.hdu(1), fits.header(1));
    const tiles = table.tiles.slice(10, 15);
    assert.deepEqual(last, {
      offset: tiles[0]!.offset,
      length: tiles.at(-1)!.offset + tiles.at(-1)!.length - tiles[0]!.offset,
    });
    assert.equal(cut.data.length, 1000);
    await fits.close();
  });
});

function coalesce(ranges: { offset: number; length: number }[]) {
  const out: { offset: number; length: number }[] = [];
  for (const r of [...ranges].sort((a, b) => a.offset - b.offset)) {
    const last = out.at(-1);
    if (last && last.offset + last.length === r.offset) last.length += r.length;
    else out.push({ ...r });
  }
  return out;
}
