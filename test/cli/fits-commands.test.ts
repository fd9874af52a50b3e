/** `butler fits-info` and `butler fits-header` run as the user runs them: a subprocess of test/butler-from-source.js. */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import { fixturePath } from "../support/fixtures.ts";

const BIN = join(import.meta.dirname, "../butler-from-source.js");

function butler(...args: string[]) {
  const run = spawnSync(process.execPath, [BIN, ...args], { encoding: "utf8" });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

const CALEXP = fixturePath("real/lsst-obs_base-calexp.fits");

describe("butler fits-info", () => {
  test("a table with one row per HDU", () => {
    const { status, stdout } = butler("fits-info", CALEXP);
    assert.equal(status, 0);
    const lines = stdout.trimEnd().split("\n");
    assert.match(
      lines[0]!,
      /^index\s+name\s+ver\s+kind\s+type\s+shape\s+compression\s+header_offset\s+data_offset\s+data_bytes$/,
    );
    assert.match(lines[1]!, /^-+ -+/);
    assert.equal(lines.length, 2 + 22);
    assert.match(lines[3]!, /^\s+1 IMAGE\s+1 image\s+float32\s+64x32\s+14400\s+23040\s+8192$/);
  });

  test("--format json gives the columns as fields, compression included", () => {
    const { status, stdout } = butler(
      "fits-info",
      "--format",
      "json",
      fixturePath("derived/calexp-fpack-rice-q16-dither2.fits"),
    );
    assert.equal(status, 0);
    const rows = JSON.parse(stdout);
    assert.equal(rows.length, 22);
    assert.deepEqual(rows[1], {
      index: 1,
      name: "IMAGE",
      ver: 1,
      kind: "compressed_image",
      type: "float32",
      shape: "64x32",
      compression: "RICE_ONE 64x1 SUBTRACTIVE_DITHER_2",
      header_offset: 14400,
      data_offset: 25920,
      data_bytes: rows[1].data_bytes,
    });
  });

  test("--format csv", () => {
    const { stdout } = butler("fits-info", "--format", "csv", fixturePath("real/astropy-comp.fits"));
    assert.equal(
      stdout.split("\n")[0],
      "index,name,ver,kind,type,shape,compression,header_offset,data_offset,data_bytes",
    );
    assert.match(
      stdout.split("\n")[2]!,
      /^1,COMPRESSED_IMAGE,1,compressed_image,int16,440x300,RICE_1 440x1,2880,14400,/,
    );
  });

  test("a file that is not FITS: one line, exit status 4, no stack", () => {
    const bad = join(tmpdir(), "butler-not-fits.fits");
    writeFileSync(bad, "x".repeat(6000));
    const { status, stdout, stderr } = butler("fits-info", bad);
    assert.equal(status, 4);
    assert.equal(stdout, "");
    assert.equal(stderr.trim().split("\n").length, 1);
    assert.match(stderr, /^butler: error \[FITS_FORMAT\]: not a FITS file: first card is not SIMPLE/);
    assert.doesNotMatch(stderr, /\s+at /);
  });

  test("a missing file: exit status 3", () => {
    const { status, stderr } = butler("fits-info", "/nonexistent/file.fits");
    assert.equal(status, 3);
    assert.match(stderr, /NOT_FOUND/);
  });

  test("a wrong format: usage error naming the accepted values", () => {
    const { status, stderr } = butler("fits-info", "--format", "xml", CALEXP);
    assert.equal(status, 2);
    assert.match(stderr, /accepted: table, json, csv/);
  });

  test("a missing argument: usage error, no stack", () => {
    const { status, stderr } = butler("fits-info");
    assert.equal(status, 2);
    assert.match(stderr, /missing required argument 'file'/);
    assert.doesNotMatch(stderr, /\s+at /);
  });
});

describe("butler fits-header", () => {
  test("the primary header as 80-column text ending in END", () => {
    const { status, stdout } = butler("fits-header", CALEXP);
    assert.equal(status, 0);
    const lines = stdout.trimEnd().split("\n");
    assert.equal(lines[0], "SIMPLE  =                    T / file does conform to FITS standard");
    assert.equal(lines.at(-1), "END");
    assert.ok(lines.some((l) => /^HIERARCH EXPINFO_V =\s+2$/.test(l)));
  });

  test("--hdu by name and --format json with typed values", () => {
    const { status, stdout } = butler("fits-header", CALEXP, "--hdu", "MASK", "--format", "json");
    assert.equal(status, 0);
    const cards = JSON.parse(stdout) as { key: string; type: string; value: unknown }[];
    assert.deepEqual(
      cards.find((c) => c.key === "EXTNAME"),
      { key: "EXTNAME", type: "string", value: "MASK" },
    );
    assert.equal(cards.find((c) => c.key === "MP_BAD")!.value, 0);
    assert.equal(cards.find((c) => c.key === "MP_DETECTED_NEGATIVE")!.value, 6);
  });

  test("--hdu NAME,VERSION", () => {
    const { status, stdout } = butler(
      "fits-header",
      fixturePath("real/astropy-o4sp040b0_raw.fits"),
      "--hdu",
      "SCI,2",
      "--format",
      "json",
    );
    assert.equal(status, 0);
    const cards = JSON.parse(stdout) as { key: string; value: unknown }[];
    assert.equal(cards.find((c) => c.key === "EXTVER")!.value, 2);
  });

  test("an unknown HDU name lists the names the file has", () => {
    const { status, stderr } = butler("fits-header", CALEXP, "--hdu", "NOPE");
    assert.equal(status, 2);
    assert.match(stderr, /no HDU named 'NOPE'; it has: PRIMARY, IMAGE, MASK, VARIANCE, ARCHIVE_INDEX/);
  });
});

describe("global options", () => {
  test("--log-level timer=debug shows where the time went", () => {
    const { status, stderr } = butler("--log-level", "timer=debug", "fits-info", CALEXP);
    assert.equal(status, 0);
    assert.match(
      stderr,
      /^DEBUG timer\.fits\.scan: scan .*lsst-obs_base-calexp\.fits: took \d+\.\d+ ms \{"hdus":22,"requests":\d+,"bytes":\d+\}$/m,
    );
  });

  test("a bad --log-level is a usage error naming the accepted levels", () => {
    const { status, stderr } = butler("--log-level", "timer=loud", "fits-info", CALEXP);
    assert.equal(status, 2);
    assert.match(stderr, /accepted: trace, debug, verbose, info, warning, error, critical/);
  });
});
