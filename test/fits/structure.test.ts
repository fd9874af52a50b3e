/**
 * Damaged FITS files are found out by the scan and the structure check, with the byte offset of the
 * damage: a missing END card, truncation inside a header, inside data or at a block boundary, bytes after
 * the last HDU. Gzip-wrapped files read the same through the streaming inflater as inflated whole.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, test } from "node:test";
import { gzipSync } from "node:zlib";
import { MemorySource } from "../../src/bytes/memory-source.ts";
import { FitsFormatError } from "../../src/errors/index.ts";
import { FitsFile } from "../../src/fits/fits-file.ts";
import { GzipSource, gzipMaxBytes, inflateIfGzip } from "../../src/fits/gzip-source.ts";
import { scanFits } from "../../src/fits/scan.ts";
import { checkStructure, structureProblems } from "../../src/fits/structure.ts";
import { fixturePath } from "../support/fixtures.ts";

const CALEXP = readFileSync(fixturePath("real/lsst-obs_base-calexp.fits"));

async function problemsOf(bytes: Uint8Array): Promise<{ hdus: number; problems: FitsFormatError[] }> {
  const source = new MemorySource(bytes, { key: "damaged.fits" });
  const index = await scanFits(source, { partial: true });
  return { hdus: index.hdus.length, problems: await structureProblems(source, index) };
}

describe("FITS structure", async () => {
  const whole = await scanFits(new MemorySource(CALEXP));
  const hdu5 = whole.hdus[5]!;
  // HDU 7's header spans four blocks.
  const hdu7 = whole.hdus[7]!;

  test("the intact file has no problems", async () => {
    assert.equal(whole.hdus.length, 22);
    assert.deepEqual((await problemsOf(CALEXP)).problems, []);
  });

  test("a primary header without END is refused at the next header's offset, not read as one HDU", async () => {
    const bytes = Buffer.from(CALEXP);
    const text = bytes.subarray(0, whole.hdus[1]!.headerOffset).toString("latin1");
    const end = text.search(/END {77}/);
    assert.ok(end >= 0 && end % 80 === 0);
    bytes.write(" ".repeat(80), end, "latin1");
    const err = await scanFits(new MemorySource(bytes)).then(
      () => assert.fail("scanned"),
      (e: unknown) => e,
    );
    assert.ok(err instanceof FitsFormatError);
    assert.equal(err.offset, whole.hdus[1]!.headerOffset);
    assert.equal(err.hdu, 0);
    assert.match(err.message, /no END card/);
  });

  test("an extension header without END is found too; the listing keeps the HDUs before it", async () => {
    const bytes = Buffer.from(CALEXP);
    const text = bytes.subarray(hdu5.headerOffset, hdu5.dataOffset).toString("latin1");
    bytes.write(" ".repeat(80), hdu5.headerOffset + text.search(/END {77}/), "latin1");
    const { hdus, problems } = await problemsOf(bytes);
    // Its data part is not a header block; the next extension is where the missing END shows.
    assert.ok(hdus <= 5, `${hdus} HDUs`);
    assert.equal(problems.length, 1);
    assert.match(problems[0]!.message, /no END card|truncated|not padding/);
  });

  test("truncation inside a header, inside data, or at a block boundary of data names the offset", async () => {
    const cases: [string, number, RegExp, number][] = [
      ["less than a block of a header", hdu5.headerOffset + 1000, /not padding/, hdu5.headerOffset],
      [
        "whole blocks of a header",
        hdu7.headerOffset + 2880,
        /ends inside a header/,
        hdu7.headerOffset + 2880,
      ],
      ["inside data", hdu5.dataOffset + 100, /truncated/, hdu5.dataOffset],
      ["the last data block's padding", CALEXP.length - 10, /truncated/, CALEXP.length - 10],
    ];
    for (const [what, cut, message, offset] of cases) {
      const { hdus, problems } = await problemsOf(CALEXP.subarray(0, cut));
      assert.equal(problems.length, 1, what);
      assert.match(problems[0]!.message, message, what);
      assert.equal(problems[0]!.offset, offset, what);
      assert.ok(hdus >= 5, `${what}: the HDUs before the damage are listed`);
    }
    const last = whole.hdus.at(-1)!;
    if (last.dataLength > 2880) {
      const cut = last.dataOffset + 2880;
      const { problems } = await problemsOf(CALEXP.subarray(0, cut));
      assert.match(problems[0]!.message, /truncated/);
    }
    await assert.rejects(
      checkStructure(new MemorySource(CALEXP.subarray(0, hdu5.dataOffset + 100)), {
        ...(await scanFits(new MemorySource(CALEXP.subarray(0, hdu5.dataOffset + 100)), { partial: true })),
      }),
      FitsFormatError,
    );
  });

  test("bytes after the last HDU must be padding", async () => {
    const junk = Buffer.concat([CALEXP, Buffer.from("trailing garbage".repeat(10))]);
    const { problems } = await problemsOf(junk);
    assert.equal(problems.length, 1);
    assert.equal(problems[0]!.offset, CALEXP.length);
    assert.match(problems[0]!.message, /160 bytes after the last HDU are not padding/);
    const zeros = Buffer.concat([CALEXP, Buffer.alloc(5760)]);
    assert.deepEqual((await problemsOf(zeros)).problems, []);
  });
});

describe("gzip-wrapped FITS", () => {
  const gz = gzipSync(CALEXP);

  test("streamed reads give the same bytes as the file, forwards, backwards and at random", async () => {
    const source = await inflateIfGzip(new MemorySource(gz, { key: "x.fits.gz" }), { inflateWholeBytes: 0 });
    assert.ok(source instanceof GzipSource);
    assert.equal(await source.size(), CALEXP.length);
    let seed = 7;
    const random = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    for (let i = 0; i < 50; i++) {
      const offset = Math.floor(random() * CALEXP.length);
      const length = Math.min(CALEXP.length - offset, Math.floor(random() * 100_000));
      assert.deepEqual(
        await source.read(offset, length),
        new Uint8Array(CALEXP.subarray(offset, offset + length)),
      );
    }
    const streamed = await FitsFile.open(source);
    assert.equal(streamed.hdus.length, 22);
    const plain = await FitsFile.open(new MemorySource(CALEXP));
    assert.deepEqual((await streamed.readImage(1)).data, (await plain.readImage(1)).data);
    await streamed.close();
  });

  test("a whole read larger than the cap is refused before inflating; header reads still work", async () => {
    const source = await inflateIfGzip(new MemorySource(gz, { key: "x.fits.gz" }), {
      inflateWholeBytes: 0,
      maxBytes: 4000,
    });
    const fits = await FitsFile.open(source);
    assert.equal(fits.hdus.length, 22);
    await assert.rejects(fits.readImage(1), (err: unknown) => {
      assert.ok(err instanceof FitsFormatError);
      assert.match(err.message, /BUTLER_GZIP_MAX_BYTES/);
      return true;
    });
  });

  test("a stream that lies about its size, or is damaged, is a FitsFormatError", async () => {
    const lying = Buffer.from(gz);
    lying.writeUInt32LE(CALEXP.length + 2880 * 10, lying.length - 4);
    const source = await inflateIfGzip(new MemorySource(lying), { inflateWholeBytes: 0 });
    await assert.rejects(
      source.read(CALEXP.length, 2880),
      (err: unknown) =>
        err instanceof FitsFormatError && /inflates to \d+ bytes but declares|length check/.test(err.message),
    );
    const damaged = Buffer.from(gz);
    damaged.fill(0x55, 1000, 3000);
    await assert.rejects(
      (async () => {
        const s = await inflateIfGzip(new MemorySource(damaged), { inflateWholeBytes: 0 });
        await s.read(0, CALEXP.length);
      })(),
      FitsFormatError,
    );
  });

  test("BUTLER_GZIP_MAX_BYTES sets the cap and must be a positive number", () => {
    const saved = process.env.BUTLER_GZIP_MAX_BYTES;
    try {
      process.env.BUTLER_GZIP_MAX_BYTES = "12345";
      assert.equal(gzipMaxBytes(), 12345);
      process.env.BUTLER_GZIP_MAX_BYTES = "lots";
      assert.throws(() => gzipMaxBytes(), /accepted: a positive whole number/);
      delete process.env.BUTLER_GZIP_MAX_BYTES;
      assert.equal(gzipMaxBytes(), 2 * 1024 ** 3);
    } finally {
      if (saved === undefined) delete process.env.BUTLER_GZIP_MAX_BYTES;
      else process.env.BUTLER_GZIP_MAX_BYTES = saved;
    }
  });
});
