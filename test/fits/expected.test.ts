import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { FitsFile } from "../../src/fits/fits-file.ts";
import { pixelTypeOf } from "../../src/fits/pixels.ts";
import { EXPECTED, fixturePath, sha256BigEndian } from "../support/fixtures.ts";

const DTYPE: Record<string, string> = {
  u1: "uint8",
  i1: "int8",
  i2: "int16",
  u2: "uint16",
  i4: "int32",
  u4: "uint32",
  i8: "int64",
  u8: "uint64",
  f4: "float32",
  f8: "float64",
};

describe("every fixture matches EXPECTED.json", () => {
  test("the ground truth covers all 14 fixtures", () => {
    assert.equal(EXPECTED.length, 14);
  });

  for (const expected of EXPECTED) {
    describe(expected.file, () => {
      test("HDU index: offsets, spans, card counts, names, kinds", async () => {
        const fits = await FitsFile.open(fixturePath(expected.file));
        try {
          assert.equal(fits.index.size, expected.stream_bytes);
          assert.equal(fits.hdus.length, expected.hdus.length);
          for (const want of expected.hdus) {
            const got = fits.hdus[want.index]!;
            assert.equal(got.headerOffset, want.header_offset, `HDU ${want.index} header offset`);
            assert.equal(got.dataOffset, want.data_offset, `HDU ${want.index} data offset`);
            assert.equal(got.dataSpan, want.data_span, `HDU ${want.index} data span`);
            assert.equal(got.cardCount, want.raw_cards, `HDU ${want.index} cards`);
            assert.equal(got.kind, want.kind, `HDU ${want.index} kind`);
            assert.equal(got.extname ?? (want.index === 0 ? "PRIMARY" : ""), want.extname);
            assert.equal(got.extver, want.extver);
            if (want.kind === "compressed_image") {
              assert.equal(got.compression?.algorithm, want.zcmptype);
              assert.equal(got.compression?.zbitpix, want.zbitpix);
              assert.deepEqual(got.compression?.shape, want.znaxis);
              assert.deepEqual(got.compression?.tile, want.ztile);
              assert.equal(got.compression?.quantize ?? null, want.zquantiz);
              assert.equal(got.compression?.dither0 ?? null, want.zdither0);
            } else if (want.naxis !== undefined) {
              assert.equal(got.bitpix, want.bitpix);
              assert.deepEqual(got.naxis, want.naxis);
            }
          }
        } finally {
          await fits.close();
        }
      });

      const images = expected.hdus.filter((h) => h.sha256_decoded_be !== undefined);
      for (const want of images) {
        test(`HDU ${want.index} decoded pixels`, async () => {
          const fits = await FitsFile.open(fixturePath(expected.file));
          try {
            const image = await fits.readImage(want.index);
            assert.equal(pixelTypeOf(image.data), DTYPE[want.decoded_dtype!]);
            assert.deepEqual([...image.shape].reverse(), want.shape_numpy);
            assert.equal(sha256BigEndian(image.data), want.sha256_decoded_be);
            const nx = image.shape[0]!;
            for (const [y, x, value] of want.samples_y_x_value ?? []) {
              const got = image.data[y * nx + x]!;
              assert.equal(Number(got), value === "NaN" ? Number.NaN : value, `pixel (${x}, ${y})`);
            }
          } finally {
            await fits.close();
          }
        });
      }
    });
  }
});
