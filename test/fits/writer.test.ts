/**
 * What we write reads back equal in our reader and in astropy, and passes fitsverify with no errors:
 * every BITPIX and unsigned convention, tile compression (GZIP_1, GZIP_2, RICE_1, NOCOMPRESS),
 * tables, long and HIERARCH header cards, and checksums.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { FileSource } from "../../src/bytes/file-source.ts";
import { ChecksumMismatchError, InvalidArgumentError } from "../../src/errors/index.ts";
import { encodeTable } from "../../src/fits/bintable.ts";
import { compressedImageHdu } from "../../src/fits/compressed-hdu.ts";
import { FitsFile } from "../../src/fits/fits-file.ts";
import { Header } from "../../src/fits/header.ts";
import { emptyPrimaryHdu, type HduParts, imageHdu } from "../../src/fits/image-hdu.ts";
import { type PixelArray, pixelTypeOf } from "../../src/fits/pixels.ts";
import { scanFits } from "../../src/fits/scan.ts";
import { encodeFits, writeFits } from "../../src/fits/writer.ts";
import { sha256BigEndian } from "../support/fixtures.ts";
import {
  ASTROPY_DESCRIBE,
  fitsverify,
  fitsverifyPath,
  funpack,
  funpackPath,
  hasAstropy,
  runAstropy,
} from "../support/oracles.ts";

const dir = mkdtempSync(join(tmpdir(), "butler-fits-writer-"));
after(() => rmSync(dir, { recursive: true, force: true }));

const WIDTH = 37;
const HEIGHT = 23;
const N = WIDTH * HEIGHT;

/** Deterministic pixels covering each type's extremes. */
function pixels(type: string): PixelArray {
  const ramp = (i: number) => ((i * 2654435761) >>> 0) / 2 ** 32;
  switch (type) {
    case "uint8":
      return Uint8Array.from({ length: N }, (_, i) =>
        i === 0 ? 0 : i === 1 ? 255 : Math.floor(ramp(i) * 256),
      );
    case "int8":
      return Int8Array.from({ length: N }, (_, i) =>
        i === 0 ? -128 : i === 1 ? 127 : Math.floor(ramp(i) * 256) - 128,
      );
    case "int16":
      return Int16Array.from({ length: N }, (_, i) =>
        i === 0 ? -32768 : i === 1 ? 32767 : Math.floor(ramp(i) * 2000) - 1000,
      );
    case "uint16":
      return Uint16Array.from({ length: N }, (_, i) =>
        i === 0 ? 0 : i === 1 ? 65535 : Math.floor(ramp(i) * 65536),
      );
    case "int32":
      return Int32Array.from({ length: N }, (_, i) =>
        i === 0 ? -(2 ** 31) : i === 1 ? 2 ** 31 - 1 : Math.floor(ramp(i) * 1e6),
      );
    case "uint32":
      return Uint32Array.from({ length: N }, (_, i) =>
        i === 0 ? 0 : i === 1 ? 2 ** 32 - 1 : Math.floor(ramp(i) * 2 ** 32),
      );
    case "int64":
      return BigInt64Array.from({ length: N }, (_, i) =>
        i === 0 ? -(2n ** 63n) : i === 1 ? 2n ** 63n - 1n : BigInt(i) * 1234567891011n,
      );
    case "uint64":
      return BigUint64Array.from({ length: N }, (_, i) =>
        i === 0 ? 0n : i === 1 ? 2n ** 64n - 1n : BigInt(i) * 98765432123n,
      );
    case "float32":
      return Float32Array.from({ length: N }, (_, i) =>
        i === 0 ? Number.NaN : i === 1 ? -0 : (ramp(i) - 0.5) * 1e5,
      );
    default:
      return Float64Array.from({ length: N }, (_, i) =>
        i === 0 ? Number.NaN : i === 1 ? 1e-300 : (ramp(i) - 0.5) * 1e12,
      );
  }
}

const TYPES = [
  "uint8",
  "int8",
  "int16",
  "uint16",
  "int32",
  "uint32",
  "int64",
  "uint64",
  "float32",
  "float64",
];

function userHeader(name: string): Header {
  return new Header()
    .set("EXTNAME", name)
    .set("LONGSTR", `a long value ${"x".repeat(120)} that needs CONTINUE cards`, { comment: "long" })
    .set("LSST BUTLER RUN", "demo/run")
    .set("EXPTIME", 30, { type: "float", comment: "seconds" })
    .set("NANVAL", Number.NaN)
    .addHistory("written by the butler-ts writer test");
}

/**
 * Writes `hdus`, then checks: our reader, fitsverify, astropy, and for compressed files CFITSIO's funpack.
 * `astropyTypes` lists pixel types astropy 5.2 decodes differently (compressed int8 comes back as float32).
 */
async function checkFile(
  name: string,
  hdus: HduParts[],
  arrays: Map<number, PixelArray>,
  compressed = false,
): Promise<string> {
  const path = join(dir, name);
  const index = await writeFits(path, hdus, { checksum: true });
  const fits = await FitsFile.open(path);
  assert.deepEqual(
    fits.hdus.map((h) => [h.headerOffset, h.dataOffset, h.dataLength]),
    index.map((h) => [h.headerOffset, h.dataOffset, h.dataLength]),
    "the byte index returned while writing equals a scan of the file",
  );
  await fits.verifyChecksums();
  for (const [hdu, expected] of arrays) {
    const image = await fits.readImage(hdu);
    assert.equal(pixelTypeOf(image.data), pixelTypeOf(expected), `HDU ${hdu} type`);
    assert.equal(sha256BigEndian(image.data), sha256BigEndian(expected), `HDU ${hdu} pixels`);
    assert.equal(
      fits.header(hdu).get("LONGSTR"),
      `a long value ${"x".repeat(120)} that needs CONTINUE cards`,
    );
  }
  await fits.close();
  if (fitsverifyPath() !== undefined) {
    const { status, output } = fitsverify(path);
    assert.equal(status, 0, `fitsverify found errors in ${name}: ${output}`);
  }
  if (hasAstropy()) {
    const described = runAstropy<
      { name: string; dtype?: string; sha256?: string; cards: Record<string, unknown> }[]
    >(ASTROPY_DESCRIBE, [path]);
    for (const [hdu, expected] of arrays) {
      // astropy 5.2 decodes compressed int8 (BZERO = -128) as float32; funpack below checks those.
      if (compressed && expected instanceof Int8Array) continue;
      assert.equal(
        described[hdu]!.sha256,
        sha256BigEndian(expected),
        `astropy reads HDU ${hdu} of ${name} equal`,
      );
      assert.equal(described[hdu]!.cards["LSST BUTLER RUN"], "demo/run");
    }
  }
  if (compressed && funpackPath() !== undefined) {
    const unpacked = join(dir, `unpacked-${name}`);
    funpack(path, unpacked);
    const plain = await FitsFile.open(unpacked);
    for (const [hdu, expected] of arrays) {
      const image = await plain.readImage(hdu);
      assert.equal(
        sha256BigEndian(image.data),
        sha256BigEndian(expected),
        `funpack decodes HDU ${hdu} of ${name} equal`,
      );
    }
    await plain.close();
  }
  return path;
}

describe("writing images", () => {
  test("every pixel type, uncompressed, as extensions after an empty primary", async () => {
    const hdus: HduParts[] = [emptyPrimaryHdu(new Header().set("ORIGIN", "butler-ts"))];
    const arrays = new Map<number, PixelArray>();
    for (const type of TYPES) {
      const data = pixels(type);
      arrays.set(hdus.length, data);
      hdus.push(imageHdu(data, [WIDTH, HEIGHT], { header: userHeader(type.toUpperCase()) }));
    }
    await checkFile("plain.fits", hdus, arrays);
  });

  test("a primary image", async () => {
    const data = pixels("float32");
    await checkFile(
      "primary.fits",
      [imageHdu(data, [WIDTH, HEIGHT], { primary: true, header: userHeader("P") })],
      new Map([[0, data]]),
    );
  });

  for (const algorithm of ["GZIP_2", "GZIP_1", "RICE_1"] as const) {
    test(`tile compression ${algorithm}: row tiles and 2-D tiles with partial edges`, async () => {
      const hdus: HduParts[] = [emptyPrimaryHdu()];
      const arrays = new Map<number, PixelArray>();
      const types = algorithm === "RICE_1" ? ["uint8", "int8", "int16", "uint16", "int32", "uint32"] : TYPES;
      for (const type of types) {
        // astropy 5.2 cannot read compressed 64-bit integer images; CFITSIO and we can.
        if (type.endsWith("int64")) continue;
        for (const tile of [undefined, [16, 10]]) {
          const data = pixels(type);
          arrays.set(hdus.length, data);
          hdus.push(
            compressedImageHdu(data, [WIDTH, HEIGHT], { algorithm, tile, header: userHeader(`${type}`) }),
          );
        }
      }
      await checkFile(`${algorithm}.fits`, hdus, arrays, true);
    });
  }

  test("64-bit integers under GZIP_2 read back in our reader", async () => {
    for (const type of ["int64", "uint64"]) {
      const data = pixels(type);
      const { bytes } = encodeFits([
        emptyPrimaryHdu(),
        compressedImageHdu(data, [WIDTH, HEIGHT], { algorithm: "GZIP_2" }),
      ]);
      const path = join(dir, `${type}-gzip2.fits`);
      await writeFits(path, [
        emptyPrimaryHdu(),
        compressedImageHdu(data, [WIDTH, HEIGHT], { algorithm: "GZIP_2" }),
      ]);
      const fits = await FitsFile.open(path);
      assert.equal(sha256BigEndian((await fits.readImage(1)).data), sha256BigEndian(data));
      assert.equal(bytes.length % 2880, 0);
      await fits.close();
    }
  });

  test("RICE_1 refuses floats with an error that says what to use", () => {
    assert.throws(
      () => compressedImageHdu(pixels("float32"), [WIDTH, HEIGHT], { algorithm: "RICE_1" }),
      (e: unknown) => {
        return e instanceof InvalidArgumentError && /use GZIP_2/.test(e.message);
      },
    );
  });

  test("a shape that does not match the pixels is refused", () => {
    assert.throws(() => imageHdu(pixels("int16"), [WIDTH, HEIGHT + 1]), InvalidArgumentError);
  });
});

describe("tables and checksums", () => {
  test("an image and a table in one file, with checksums that astropy accepts", async () => {
    const table = encodeTable(
      [
        { name: "id", values: Int32Array.from([1, 2, 3]) },
        { name: "name", values: ["alpha", "beta", "it's"] },
        {
          name: "blob",
          format: "QB",
          values: [new Uint8Array([1, 2, 3]), new Uint8Array(0), new Uint8Array(300)],
        },
      ],
      { extname: "CATALOG" },
    );
    const data = pixels("int16");
    const path = await checkFile(
      "mixed.fits",
      [imageHdu(data, [WIDTH, HEIGHT], { primary: true, header: userHeader("P") }), table],
      new Map([[0, data]]),
    );
    const fits = await FitsFile.open(path);
    const read = await fits.readTable("CATALOG", { columns: ["name"] });
    assert.deepEqual(read.columns[0]!.values, ["alpha", "beta", "it's"]);
    await fits.close();
  });

  test("a changed byte is found by the checksum", async () => {
    const data = pixels("int32");
    const { bytes } = encodeFits([imageHdu(data, [WIDTH, HEIGHT], { primary: true })], { checksum: true });
    bytes[2880 + 100]! ^= 0x01;
    const path = join(dir, "corrupt.fits");
    const { writeFileSync } = await import("node:fs");
    writeFileSync(path, bytes);
    const fits = await FitsFile.open(path);
    await assert.rejects(fits.verifyChecksums(), ChecksumMismatchError);
    await fits.close();
  });

  test("the index written equals the index scanned for an in-memory encode", async () => {
    const { bytes, index } = encodeFits([emptyPrimaryHdu(), imageHdu(pixels("uint16"), [WIDTH, HEIGHT])]);
    const path = join(dir, "memory.fits");
    const { writeFileSync } = await import("node:fs");
    writeFileSync(path, bytes);
    const scanned = await scanFits(new FileSource(path));
    assert.deepEqual(
      scanned.hdus.map((h) => h.dataOffset),
      index.map((h) => h.dataOffset),
    );
  });
});

describe("bytes held in a Buffer", () => {
  test("an encoded file in a Buffer reads through MemorySource without corrupting it", async () => {
    const table = encodeTable(
      [{ name: "blob", format: "PE", values: [Float32Array.from([1.5, 2.5]), Float32Array.from([3.5])] }],
      {
        extname: "T",
      },
    );
    const { bytes } = encodeFits([emptyPrimaryHdu(), table]);
    // Offset by one byte inside a Buffer so every typed view would be misaligned.
    const holder = Buffer.alloc(bytes.length + 1);
    holder.set(bytes, 1);
    const buffer = holder.subarray(1);
    const before = Buffer.from(buffer).toString("hex");
    const { MemorySource } = await import("../../src/bytes/memory-source.ts");
    const fits = await FitsFile.open(new MemorySource(buffer));
    const read = await fits.readTable("T");
    const cells = read.columns[0]!.values as Float32Array[];
    assert.deepEqual(
      cells.map((v) => [...v]),
      [[1.5, 2.5], [3.5]],
    );
    assert.equal(Buffer.from(buffer).toString("hex"), before, "the source bytes are unchanged");
  });
});
