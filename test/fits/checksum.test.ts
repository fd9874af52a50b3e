/**
 * The FITS checksum convention against real files: the LSSTCam raw (CFITSIO-written CHECKSUM/DATASUM on
 * every HDU) verifies and is reproduced byte for byte; astropy's chandra fixture (deliberately wrong
 * sums) is caught; the sum itself is checked against a BigInt reference.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { ChecksumMismatchError } from "../../src/errors/index.ts";
import { encodeTable } from "../../src/fits/bintable.ts";
import {
  addChecksum,
  addSums,
  assertChecksum,
  dataSum,
  decodeChecksum,
  encodeChecksum,
  NEGATIVE_ZERO,
  verifyHdu,
  verifyHduAt,
} from "../../src/fits/checksum.ts";
import { formatHeader } from "../../src/fits/header-format.ts";
import { openFixture } from "../support/fixtures.ts";

const LSST_RAW = "real/lsst-obs_lsst-lsstCamSim-raw-7024032100720-R22-S11-det094.fits.fz";
const CHANDRA = "real/astropy-chandra_time.fits";

const open = openFixture;

/** Ones'-complement reference: the integer sum of the words modulo 2^32 − 1, with −0 for non-zero multiples. */
function referenceSum(bytes: Uint8Array): number {
  let total = 0n;
  for (let i = 0; i < bytes.length; i += 4) {
    let word = 0n;
    for (let k = 0; k < 4; k++) word = (word << 8n) | BigInt(bytes[i + k] ?? 0);
    total += word;
  }
  if (total === 0n) return 0;
  const folded = total % 0xffffffffn;
  return folded === 0n ? NEGATIVE_ZERO : Number(folded);
}

describe("the 32-bit ones'-complement sum", () => {
  test("matches a BigInt reference, across folds and a partial last word", () => {
    let seed = 12345;
    const random = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed & 0xff;
    };
    for (const length of [0, 3, 4, 2880, 65536 * 4 + 6, 3 * 65536 * 4]) {
      const bytes = Uint8Array.from({ length }, random);
      assert.equal(dataSum(bytes), referenceSum(bytes), `length ${length}`);
    }
    const ones = new Uint8Array(4 * 70000).fill(0xff);
    assert.equal(dataSum(ones), NEGATIVE_ZERO);
  });

  test("sums chain over pieces whose lengths are multiples of 4", () => {
    const bytes = Uint8Array.from({ length: 10000 }, (_, i) => (i * 31 + 7) & 0xff);
    assert.equal(dataSum(bytes.subarray(4000), dataSum(bytes.subarray(0, 4000))), dataSum(bytes));
    assert.equal(addSums(dataSum(bytes.subarray(0, 4000)), dataSum(bytes.subarray(4000))), dataSum(bytes));
  });

  test("the ASCII encoding is alphanumeric and decodes back", () => {
    for (const sum of [0, 1, 0x7fffffff, 0x80000000, NEGATIVE_ZERO, 0x12345678, 0xdeadbeef, 2300995179]) {
      for (const complement of [true, false]) {
        const text = encodeChecksum(sum, complement);
        assert.match(text, /^[0-9A-Za-z]{16}$/);
        assert.equal(decodeChecksum(text, complement), sum >>> 0);
      }
    }
  });
});

describe("real files", () => {
  test("every HDU of the LSSTCam raw verifies (DATASUM and CHECKSUM)", async () => {
    const { source, hdus, headers } = await open(LSST_RAW);
    assert.equal(hdus.length, 17);
    for (const hdu of hdus) {
      const header = headers[hdu.index]!;
      assert.ok(header.has("CHECKSUM") && header.has("DATASUM"), `HDU ${hdu.index} has the cards`);
      const report = await verifyHduAt(source, hdu, header);
      assert.equal(report.datasumOk, true, `HDU ${hdu.index} DATASUM`);
      assert.equal(report.checksumOk, true, `HDU ${hdu.index} CHECKSUM`);
      assertChecksum(report);
    }
  });

  test("encoding reproduces CFITSIO's CHECKSUM strings from the zeroed header", async () => {
    const { source, hdus, headers } = await open(LSST_RAW);
    for (const hdu of hdus) {
      const bytes = await source.read(hdu.headerOffset, hdu.headerLength);
      const text = Buffer.from(bytes).toString("latin1");
      const at = text.indexOf("CHECKSUM= '");
      assert.ok(at >= 0 && at % 80 === 0);
      const stored = text.slice(at + 11, at + 27);
      assert.equal(stored, headers[hdu.index]!.getString("CHECKSUM"));
      const zeroed = Buffer.from(bytes);
      zeroed.write("0000000000000000", at + 11, "latin1");
      const data = await source.read(hdu.dataOffset, hdu.dataSpan);
      const datasum = dataSum(data);
      // CFITSIO writes a zero sum right-justified ('         0').
      assert.equal(String(datasum), headers[hdu.index]!.getString("DATASUM")!.trim());
      assert.equal(encodeChecksum(addSums(dataSum(zeroed), datasum)), stored, `HDU ${hdu.index}`);
    }
  });

  test("addChecksum on a parsed header rewrites the same cards CFITSIO wrote", async () => {
    const { source, hdus, headers } = await open(LSST_RAW);
    for (const index of [0, 1, 16]) {
      const hdu = hdus[index]!;
      const header = headers[index]!.clone();
      const before = header.cards.map((c) => c.key);
      const checksum = header.getString("CHECKSUM");
      const datasum = header.getString("DATASUM");
      const data = await source.read(hdu.dataOffset, hdu.dataLength);
      addChecksum(header, data);
      assert.deepEqual(
        header.cards.map((c) => c.key),
        before,
        "cards keep their places",
      );
      assert.equal(header.getString("DATASUM"), datasum);
      assert.equal(header.getString("CHECKSUM"), checksum, `HDU ${index}`);
      const headerBytes = formatHeader(header);
      const original = await source.read(hdu.headerOffset, hdu.headerLength);
      assert.ok(Buffer.from(headerBytes).equals(original), "the header is written back byte for byte");
    }
  });

  test("astropy's chandra fixture has wrong sums and they are caught", async () => {
    const { source, hdus, headers } = await open(CHANDRA);
    const primary = await verifyHduAt(source, hdus[0]!, headers[0]!);
    assert.equal(primary.checksumOk, undefined, "no CHECKSUM card: nothing to check");
    const report = await verifyHduAt(source, hdus[1]!, headers[1]!);
    assert.equal(report.datasumOk, false);
    assert.equal(report.checksumOk, false);
    assert.throws(() => assertChecksum(report, { uri: CHANDRA, hdu: 1 }), ChecksumMismatchError);
  });
});

describe("addChecksum on new HDUs", () => {
  test("the HDU sums to −0, and any changed byte is detected", () => {
    const table = encodeTable([
      { name: "a", values: Int32Array.of(1, 2, 3) },
      { name: "v", format: "QD", values: [Float64Array.of(1.5), Float64Array.of(), Float64Array.of(2, 3)] },
    ]);
    addChecksum(table.header, table.data);
    const headerBytes = formatHeader(table.header);
    assert.equal(addSums(dataSum(headerBytes), dataSum(table.data)), NEGATIVE_ZERO);
    const card = Buffer.from(headerBytes)
      .toString("latin1")
      .match(/CHECKSUM= '.{16}' {3}\/ HDU checksum/);
    assert.ok(card !== null, "fixed-format CHECKSUM card");
    assert.deepEqual(verifyHdu(headerBytes, table.data), {
      datasum: dataSum(table.data),
      hduSum: NEGATIVE_ZERO,
      datasumOk: true,
      checksumOk: true,
    });
    const corrupt = table.data.slice();
    corrupt[5]! ^= 1;
    const report = verifyHdu(headerBytes, corrupt);
    assert.equal(report.datasumOk, false);
    assert.equal(report.checksumOk, false);
    // Adding it again after a change gives sums that verify again.
    addChecksum(table.header, corrupt);
    assert.equal(verifyHdu(formatHeader(table.header), corrupt).checksumOk, true);
  });
});
