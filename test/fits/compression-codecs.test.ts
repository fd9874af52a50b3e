/** Unit tests of the tile codecs: round trips, edge values, corrupt input, the dither sequence. */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { test } from "node:test";
import { deflateSync, gzipSync } from "node:zlib";
import {
  FitsFormatError,
  InvalidArgumentError,
  UnsupportedCompressionError,
} from "../../src/errors/index.ts";
import {
  DITHER_RANDOMS,
  DITHER2_ZERO_VALUE,
  decoderFor,
  dequantize,
  gunzipTile,
  gzipTile,
  hcompressDecode,
  N_RANDOM,
  quantize,
  type RiceBytePix,
  riceDecode,
  riceEncode,
  shuffleBytes,
  unshuffleBytes,
} from "../../src/fits/compression/index.ts";

/** Small deterministic PRNG (xorshift32) so failures reproduce. */
function rng(seed: number): () => number {
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

const RANGE: Record<RiceBytePix, [number, number]> = {
  1: [-128, 127],
  2: [-32768, 32767],
  4: [-2147483648, 2147483647],
};

/** Test signals of a given width: smooth, noisy, full-range, zero runs and extremes. */
function signals(bytePix: RiceBytePix, seed: number): Int32Array[] {
  const [lo, hi] = RANGE[bytePix];
  const rand = rng(seed);
  const out: Int32Array[] = [];
  const full = new Int32Array(1000).map(() => Math.floor(lo + rand() * (hi - lo + 1)));
  out.push(full);
  const smooth = new Int32Array(777).map((_, i) =>
    Math.round(Math.sin(i / 20) * (hi / 3) + (rand() - 0.5) * 8),
  );
  out.push(smooth);
  const zeros = new Int32Array(200);
  zeros.fill(7, 64, 96); // a constant block in the middle: all-zero differences
  zeros[150] = hi;
  out.push(zeros);
  const extremes = new Int32Array(130).map((_, i) => (i % 3 === 0 ? lo : i % 3 === 1 ? hi : 0));
  out.push(extremes);
  out.push(Int32Array.of(lo), Int32Array.of(hi), Int32Array.of(0), new Int32Array(0));
  const sparse = new Int32Array(500);
  for (let i = 0; i < sparse.length; i += 37) sparse[i] = Math.floor(lo + rand() * (hi - lo));
  out.push(sparse);
  return out;
}

for (const bytePix of [1, 2, 4] as const) {
  test(`RICE_1 round trip, BYTEPIX ${bytePix}`, () => {
    for (const blockSize of [32, 16, 1, 7]) {
      for (const values of signals(bytePix, 17 * bytePix + blockSize)) {
        const encoded = riceEncode(values, bytePix, blockSize);
        const decoded = riceDecode(encoded, values.length, bytePix, blockSize);
        assert.deepEqual(decoded, values, `blockSize ${blockSize}, n ${values.length}`);
      }
    }
  });

  test(`RICE_1 truncated input throws FitsFormatError, BYTEPIX ${bytePix}`, () => {
    const values = signals(bytePix, 5)[1]!;
    const encoded = riceEncode(values, bytePix, 32);
    for (let cut = 0; cut < encoded.length; cut += Math.max(1, Math.floor(encoded.length / 97))) {
      assert.throws(() => riceDecode(encoded.subarray(0, cut), values.length, bytePix, 32), FitsFormatError);
    }
    assert.throws(
      () => riceDecode(encoded.subarray(0, encoded.length - 1), values.length, bytePix, 32),
      FitsFormatError,
    );
  });

  test(`RICE_1 garbage input throws FitsFormatError or decodes, never hangs, BYTEPIX ${bytePix}`, () => {
    const rand = rng(99 + bytePix);
    for (let k = 0; k < 300; k++) {
      const junk = new Uint8Array(1 + Math.floor(rand() * 64)).map(() => Math.floor(rand() * 256));
      if (k % 3 === 0) junk.fill(0, 1 + bytePix); // long zero runs
      try {
        const out = riceDecode(junk, 200, bytePix, 32);
        assert.equal(out.length, 200);
      } catch (err) {
        assert.ok(err instanceof FitsFormatError, String(err));
      }
    }
  });
}

test("RICE_1 decodes uint16 data as int16 and wraps modulo the pixel width", () => {
  const values = Int32Array.of(0, 65535, 32768, 1, 65535);
  const decoded = riceDecode(riceEncode(values, 2, 32), values.length, 2, 32);
  assert.deepEqual([...decoded], [0, -1, -32768, 1, -1]);
});

test("RICE_1 invalid block code and parameters throw FitsFormatError", () => {
  // BYTEPIX 4: 5-bit block codes; 27..31 are not defined. First pixel 0, then code 31.
  assert.throws(() => riceDecode(Uint8Array.of(0, 0, 0, 0, 0xf8, 0, 0, 0), 4, 4, 32), FitsFormatError);
  assert.throws(() => riceDecode(Uint8Array.of(0, 0, 0, 0, 0), 4, 8 as RiceBytePix, 32), FitsFormatError);
  assert.throws(() => riceDecode(Uint8Array.of(0, 0, 0, 0, 0), 4, 4, 0), FitsFormatError);
  assert.throws(() => riceDecode(new Uint8Array(0), 1, 2, 32), FitsFormatError);
  assert.deepEqual(riceDecode(new Uint8Array(0), 0, 2, 32), new Int32Array(0));
});

test("RICE_1 writes into a caller's array", () => {
  const values = Int32Array.of(5, 6, 7, -8);
  const out = new Int32Array(10);
  const r = riceDecode(riceEncode(values, 4, 32), 4, 4, 32, out);
  assert.equal(r, out);
  assert.deepEqual([...out.subarray(0, 4)], [5, 6, 7, -8]);
});

test("GZIP_2 shuffle puts the most significant bytes first and unshuffle inverts it", () => {
  const bytes = Uint8Array.of(0x11, 0x12, 0x13, 0x14, 0x21, 0x22, 0x23, 0x24, 0x31, 0x32, 0x33, 0x34);
  const shuffled = shuffleBytes(bytes, 4);
  assert.deepEqual([...shuffled], [0x11, 0x21, 0x31, 0x12, 0x22, 0x32, 0x13, 0x23, 0x33, 0x14, 0x24, 0x34]);
  assert.deepEqual(unshuffleBytes(shuffled, 4), bytes);
  const rand = rng(3);
  for (const n of [1, 2, 4, 8]) {
    const data = new Uint8Array(n * 101).map(() => Math.floor(rand() * 256));
    assert.deepEqual(unshuffleBytes(shuffleBytes(data, n), n), data);
  }
  assert.throws(() => unshuffleBytes(new Uint8Array(7), 2), FitsFormatError);
});

test("gzipTile/gunzipTile round trip (GZIP_1 and GZIP_2)", () => {
  const rand = rng(11);
  const raw = new Uint8Array(4096).map((_, i) => (i % 4 === 0 ? 0 : Math.floor(rand() * 4)));
  assert.deepEqual(gunzipTile(gzipTile(raw), raw.length), raw);
  const tile2 = gzipTile(raw, { shuffleElementSize: 4 });
  assert.equal(tile2[0], 0x1f);
  assert.equal(tile2[1], 0x8b);
  assert.deepEqual(unshuffleBytes(gunzipTile(tile2, raw.length), 4), raw);
  // zlib-wrapped streams are accepted too.
  assert.deepEqual(gunzipTile(new Uint8Array(deflateSync(raw)), raw.length), raw);
});

test("gunzipTile rejects wrong sizes and corrupt streams with FitsFormatError", () => {
  const raw = new Uint8Array(1000).fill(3);
  const tile = new Uint8Array(gzipSync(raw));
  // Larger than expected: refused without inflating everything.
  assert.throws(() => gunzipTile(tile, 999), FitsFormatError);
  assert.throws(() => gunzipTile(new Uint8Array(gzipSync(new Uint8Array(5_000_000))), 100), FitsFormatError);
  // Shorter than expected: refused unless allowed.
  assert.throws(() => gunzipTile(tile, 1001), FitsFormatError);
  assert.equal(gunzipTile(tile, 2000, { allowShort: true }).length, 1000);
  // Truncated, garbage, empty.
  assert.throws(() => gunzipTile(tile.subarray(0, tile.length - 6), 1000), FitsFormatError);
  assert.throws(() => gunzipTile(tile.subarray(0, 12), 1000), FitsFormatError);
  assert.throws(() => gunzipTile(Uint8Array.of(1, 2, 3, 4, 5), 1000), FitsFormatError);
  assert.throws(() => gunzipTile(new Uint8Array(0), 1000), FitsFormatError);
  const flipped = tile.slice();
  flipped[tile.length - 5]! ^= 0xff; // length/CRC trailer
  assert.throws(() => gunzipTile(flipped, 1000), FitsFormatError);
});

test("dither sequence: Park–Miller values as float32", () => {
  assert.equal(DITHER_RANDOMS.length, N_RANDOM);
  assert.equal(DITHER_RANDOMS[0], Math.fround(16807 / 2147483647));
  assert.equal(DITHER_RANDOMS[1], Math.fround(282475249 / 2147483647));
  assert.equal(DITHER_RANDOMS[N_RANDOM - 1], Math.fround(1043618065 / 2147483647));
});

test("dequantize: NO_DITHER, ZBLANK and output offset", () => {
  const out = new Float64Array(6);
  dequantize(Int32Array.of(1, -2, 7, 100), out, 2, {
    method: "NO_DITHER",
    scale: 0.5,
    zero: 10,
    zblank: 7,
    tileIndex: 0,
  });
  assert.deepEqual([...out], [0, 0, 10.5, 9, Number.NaN, 60]);
  assert.throws(
    () => dequantize(new Int32Array(5), out, 2, { method: "NO_DITHER", scale: 1, zero: 0, tileIndex: 0 }),
    RangeError,
  );
});

test("dequantize: SUBTRACTIVE_DITHER_1/2 use R[k] from the tile's seed and advance k on every pixel", () => {
  const zdither0 = 42;
  const tileIndex = 3;
  const iseed = (tileIndex + zdither0 - 1) % N_RANDOM;
  const k0 = Math.trunc(Math.fround(DITHER_RANDOMS[iseed]! * 500));
  const ints = Int32Array.of(10, -2147483647, DITHER2_ZERO_VALUE, 10);
  const params = { scale: 0.25, zero: -3, zblank: -2147483647, tileIndex, zdither0 };
  const out2 = new Float32Array(4);
  dequantize(ints, out2, 0, { ...params, method: "SUBTRACTIVE_DITHER_2" });
  assert.equal(out2[0], Math.fround((10 - DITHER_RANDOMS[k0]! + 0.5) * 0.25 - 3));
  assert.ok(Number.isNaN(out2[1]));
  assert.equal(out2[2], 0);
  assert.equal(out2[3], Math.fround((10 - DITHER_RANDOMS[k0 + 3]! + 0.5) * 0.25 - 3));
  const out1 = new Float64Array(4);
  dequantize(ints, out1, 0, { ...params, method: "SUBTRACTIVE_DITHER_1" });
  assert.equal(out1[2], (DITHER2_ZERO_VALUE - DITHER_RANDOMS[k0 + 2]! + 0.5) * 0.25 - 3);
});

test("dequantize: the random index wraps to the next seed after 10000 values", () => {
  const tileIndex = 9998; // with ZDITHER0 = 1: iseed 9998; next seed wraps to 9999
  const k0 = Math.trunc(Math.fround(DITHER_RANDOMS[9998]! * 500));
  const n = N_RANDOM - k0 + 2;
  const out = new Float64Array(n);
  dequantize(new Int32Array(n), out, 0, { method: "SUBTRACTIVE_DITHER_1", scale: 1, zero: 0, tileIndex });
  const k1 = Math.trunc(Math.fround(DITHER_RANDOMS[9999]! * 500));
  assert.equal(out[N_RANDOM - k0 - 1], 0.5 - DITHER_RANDOMS[N_RANDOM - 1]!);
  assert.equal(out[N_RANDOM - k0], 0.5 - DITHER_RANDOMS[k1]!);
  assert.equal(out[N_RANDOM - k0 + 1], 0.5 - DITHER_RANDOMS[k1 + 1]!);
  // Tile 10000 uses the same seed as tile 0.
  const a = new Float64Array(10);
  const b = new Float64Array(10);
  dequantize(new Int32Array(10), a, 0, {
    method: "SUBTRACTIVE_DITHER_1",
    scale: 1,
    zero: 0,
    tileIndex: 0,
    zdither0: 5,
  });
  dequantize(new Int32Array(10), b, 0, {
    method: "SUBTRACTIVE_DITHER_1",
    scale: 1,
    zero: 0,
    tileIndex: 10000,
    zdither0: 5,
  });
  assert.deepEqual(a, b);
});

test("quantize → dequantize stays within half a step; NaN and (dither 2) zeros survive", () => {
  const rand = rng(8);
  const values = new Float32Array(20000).map(() => (rand() - 0.5) * 1000);
  values[5] = Number.NaN;
  values[6] = 0;
  for (const method of ["NO_DITHER", "SUBTRACTIVE_DITHER_1", "SUBTRACTIVE_DITHER_2"] as const) {
    const scale = 0.37;
    const zero = 12.5;
    const ints = new Int32Array(values.length);
    quantize(values, ints, { method, scale, zero, tileIndex: 7, zdither0: 1234 });
    const back = new Float32Array(values.length);
    dequantize(ints, back, 0, { method, scale, zero, zblank: -2147483647, tileIndex: 7, zdither0: 1234 });
    assert.ok(Number.isNaN(back[5]));
    if (method === "SUBTRACTIVE_DITHER_2") assert.equal(back[6], 0);
    for (let i = 0; i < values.length; i++) {
      if (i === 5) continue;
      assert.ok(Math.abs(back[i]! - values[i]!) <= scale / 2 + 1e-4, `${method} pixel ${i}`);
    }
  }
  assert.throws(
    () =>
      quantize(Float64Array.of(1e12), new Int32Array(1), {
        method: "NO_DITHER",
        scale: 1,
        zero: 0,
        tileIndex: 0,
      }),
    InvalidArgumentError,
  );
});

test("ZCMPTYPE table: aliases, unsupported and unknown names", () => {
  assert.equal(decoderFor("RICE_ONE").algorithm, "RICE_1");
  assert.equal(decoderFor("GZIP_2  ").algorithm, "GZIP_2");
  assert.equal(decoderFor("HCOMPRESS_1").algorithm, "HCOMPRESS_1");
  assert.equal(decoderFor("NOCOMPRESS").algorithm, "NOCOMPRESS");
  for (const name of ["PLIO_1", "BZIP2_1", "LZ4_1"]) {
    assert.throws(
      () => decoderFor(name, { hdu: 2 }),
      (err: unknown) =>
        err instanceof UnsupportedCompressionError &&
        err.algorithm === name &&
        err.message.includes("RICE_1") &&
        err.message.includes("GZIP_2") &&
        err.message.includes("HDU 2"),
    );
  }
});

test("HCOMPRESS_1 rejects bad magic, short headers and wrong dimensions", () => {
  assert.throws(() => hcompressDecode(new Uint8Array(10), 4, 4), FitsFormatError);
  const header = new Uint8Array(40);
  header.set([0xdd, 0x98]);
  assert.throws(() => hcompressDecode(header, 4, 4), FitsFormatError);
  header[1] = 0x99;
  header[5] = 4; // nx = 4
  header[9] = 4; // ny = 4
  assert.throws(() => hcompressDecode(header, 8, 2), FitsFormatError);
  // All-zero planes and an end code: a constant tile (sum 0).
  assert.deepEqual([...hcompressDecode(header, 4, 4)], new Array(16).fill(0));
  header[22] = 3; // 3 bit planes announced, then format nybble 5 (neither direct 0 nor quadtree 0xF)
  header.fill(0x55, 25);
  assert.throws(() => hcompressDecode(header, 4, 4), FitsFormatError);
});

test("HCOMPRESS_1 truncated bit stream throws FitsFormatError", () => {
  const header = new Uint8Array(26);
  header.set([0xdd, 0x99]);
  header[5] = 4;
  header[9] = 4;
  header[22] = 1;
  header[25] = 0xf0; // quadtree plane, then the stream ends
  assert.throws(() => hcompressDecode(header, 4, 4), FitsFormatError);
});

test("HCOMPRESS_1 lossy tile (scale 8, odd 19×21) decodes like CFITSIO with and without SMOOTH", () => {
  // Written by astropy 5.2.1 / CFITSIO (hcomp_scale 2.5 → stream scale 8); expected values are
  // astropy's decoded int16 pixels, as big-endian int32, hashed.
  const tile = Buffer.from(
    "dd990000001500000013000000080000000000000f50070302f6ffba5eee9ba5eeaf0c6b30ffeeb03bbac4e665b99953" +
      "34051fa2651a0e01a066401990018900002605740a5480810fe40071401080000082f61da4da3bf79f1d40410c89081f" +
      "fb3ba6ea9b2d50d07a4955af050ad806a7953af9522604052ce171b40014f928fc00d7c9066607e93450000801430724" +
      "888e00000b2f36018137bda8ca6300d151e45189f71c800802eab2154f0b04cad20800005000d71f15c7b2e3ddc3b9cf" +
      "81c3ef83dfcf7f1e00f011f77fd0ffaffe7fcfd54303c01000",
    "hex",
  );
  const sha = (v: Int32Array): string => {
    const be = new DataView(new ArrayBuffer(v.length * 4));
    for (let i = 0; i < v.length; i++) be.setInt32(i * 4, v[i]!);
    return createHash("sha256").update(new Uint8Array(be.buffer)).digest("hex");
  };
  assert.equal(
    sha(hcompressDecode(tile, 19, 21, { zbitpix: 16 })),
    "2c8440264cf593ad901420357f78d49471898abde1e30f493712da2fa8e3db23",
  );
  assert.equal(
    sha(hcompressDecode(tile, 19, 21, { smooth: 1, zbitpix: 16 })),
    "4e0027df35b8ae5a1ec9b12fd6a1c84cbd7789b59875b3163c68f86573aa5cc5",
  );
});
