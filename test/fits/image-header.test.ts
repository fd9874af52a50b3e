/**
 * The image header of a tile-compressed HDU, against astropy's `CompImageHDU.header` for every
 * compressed fixture: the same keys in the same order, the image's structure, the values carried over.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { describe, test } from "node:test";
import { FitsFile } from "../../src/fits/fits-file.ts";
import { imageHeaderOf } from "../../src/fits/image-header.ts";
import { TESTDATA } from "../support/fixtures.ts";
import { hasAstropy, runAstropy } from "../support/oracles.ts";

const FILES = [
  "derived/HSC-small-fpack-gzip2-tiles64x50.fits",
  "derived/astropy-comp-fpack-gzip1.fits",
  "derived/astropy-comp-fpack-hcompress.fits",
  "derived/calexp-fpack-gzip2-lossless.fits",
  "derived/calexp-fpack-rice-q16-dither2.fits",
];

const ASTROPY_IMAGE_HEADERS = `
import json, sys, warnings
from astropy.io import fits
warnings.simplefilter("ignore")
out = []
with fits.open(sys.argv[1]) as hdul:
    for i, h in enumerate(hdul):
        if isinstance(h, fits.CompImageHDU):
            out.append([i, [[c.keyword, c.value if isinstance(c.value, (bool, int, float, str)) else None] for c in h.header.cards]])
print(json.dumps(out))
`;

describe("imageHeaderOf", { skip: !hasAstropy() && "astropy is not installed" }, () => {
  for (const file of FILES) {
    test(`${file}: astropy's keys, order and values`, async () => {
      const path = join(TESTDATA, file);
      const expected = runAstropy<[number, [string, unknown][]][]>(ASTROPY_IMAGE_HEADERS, [path]);
      assert.ok(expected.length > 0);
      const fits = await FitsFile.open(path);
      try {
        for (const [index, cards] of expected) {
          const ours = imageHeaderOf(fits.header(index)).cards;
          assert.deepEqual(
            ours.map((c) => c.key),
            cards.map(([key]) => key),
            `HDU ${index}`,
          );
          for (const key of [
            "XTENSION",
            "BITPIX",
            "NAXIS",
            "NAXIS1",
            "NAXIS2",
            "PCOUNT",
            "GCOUNT",
            "EXTNAME",
          ]) {
            const theirs = cards.find(([k]) => k === key)?.[1];
            const mine = ours.find((c) => c.key === key)?.value;
            assert.equal(
              typeof mine === "string" ? mine.trim() : mine,
              typeof theirs === "string" ? theirs.trim() : theirs,
              `HDU ${index} ${key}`,
            );
          }
        }
      } finally {
        await fits.close();
      }
    });
  }
});

describe("butler fits-header of a compressed HDU", () => {
  const file = join(TESTDATA, "derived/astropy-comp-fpack-gzip1.fits");
  const run = (...args: string[]) =>
    spawnSync(
      process.execPath,
      [join(import.meta.dirname, "../butler-from-source.js"), "fits-header", file, ...args],
      {
        encoding: "utf8",
      },
    );

  test("shows the image's header, and the table's with --compressed", () => {
    const image = run("--hdu", "1");
    assert.equal(image.status, 0, image.stderr);
    assert.match(image.stdout, /^XTENSION= 'IMAGE {3}'/);
    assert.match(image.stdout, /\nBITPIX {2}=\s+16 /);
    assert.doesNotMatch(image.stdout, /\nZCMPTYPE=/);
    const table = run("--hdu", "1", "--compressed");
    assert.equal(table.status, 0, table.stderr);
    assert.match(table.stdout, /^XTENSION= 'BINTABLE'/);
    assert.match(table.stdout, /\nZCMPTYPE= 'GZIP_1 {2}'/);
  });
});
