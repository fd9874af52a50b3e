/**
 * Seeded mutation test: thousands of corrupted variants of real fixtures must produce either a result
 * or a typed ButlerError — never a crash, a RangeError from a typed array, or a hang.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { MemorySource } from "../../src/bytes/memory-source.ts";
import { ButlerError } from "../../src/errors/index.ts";
import { FitsFile } from "../../src/fits/fits-file.ts";
import { fixturePath } from "../support/fixtures.ts";

const FIXTURES = [
  "real/astropy-comp.fits",
  "real/astropy-chandra_time.fits",
  "real/lsst-afw-exposure-version-2.fits",
  "real/astropy-o4sp040b0_raw.fits",
  "derived/astropy-comp-fpack-gzip1.fits",
  "derived/HSC-small-fpack-gzip2-tiles64x50.fits",
  "derived/calexp-fpack-rice-q16-dither2.fits",
  "real/lsst-afw-ticketdm26260.fits.fz",
];
const MUTANTS_PER_FIXTURE = 300;
const SEED = 20261126;

/** Mulberry32: a small seeded generator so every run mutates the same way. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const NUMBERS = ["0", "-1", "2147483647", "99999999999999999999", "1e300", "-32", "3", "T", "'X'", "NAN"];

/** One mutation: byte flips, truncation, a rewritten card value, or a zeroed range. */
function mutate(original: Uint8Array, rnd: () => number): Uint8Array {
  const bytes = original.slice();
  const pick = (n: number) => Math.floor(rnd() * n);
  switch (pick(5)) {
    case 0: {
      // Flip a few bytes, mostly in headers (the first blocks of each HDU), where structure lives.
      const flips = 1 + pick(8);
      for (let i = 0; i < flips; i++) bytes[pick(Math.min(bytes.length, 64 * 1024))] = pick(256);
      return bytes;
    }
    case 1:
      return bytes.subarray(0, pick(bytes.length));
    case 2: {
      // Rewrite the value of a random structural card.
      const text = Buffer.from(bytes).toString("latin1");
      const keys = [
        "NAXIS",
        "NAXIS1",
        "NAXIS2",
        "BITPIX",
        "PCOUNT",
        "ZNAXIS1",
        "ZNAXIS2",
        "ZTILE1",
        "ZTILE2",
        "THEAP",
        "TFORM1",
        "ZBITPIX",
        "TFIELDS",
        "GCOUNT",
        "ZVAL1",
        "ZVAL2",
      ];
      const key = keys[pick(keys.length)]!.padEnd(8, " ");
      const at = [...text.matchAll(new RegExp(`${key}= `, "g"))].map((m) => m.index!);
      if (at.length === 0) return bytes;
      const where = at[pick(at.length)]! + 10;
      const value = NUMBERS[pick(NUMBERS.length)]!.padStart(20, " ");
      bytes.set(Buffer.from(value, "latin1"), where);
      return bytes;
    }
    case 3: {
      // Scribble over a range of data (tiles, descriptors, heap).
      const start = pick(bytes.length);
      const length = Math.min(bytes.length - start, 1 + pick(4096));
      for (let i = start; i < start + length; i++) bytes[i] = pick(256);
      return bytes;
    }
    default: {
      // Remove an END card or duplicate a block.
      const text = Buffer.from(bytes).toString("latin1");
      const end = text.indexOf("END     ");
      if (end >= 0 && rnd() < 0.5) bytes.set(Buffer.from("XND     ", "latin1"), end);
      else {
        const block = pick(Math.floor(bytes.length / 2880));
        const copy = bytes.slice(block * 2880, block * 2880 + 2880);
        const target = pick(Math.floor(bytes.length / 2880));
        bytes.set(copy, target * 2880);
      }
      return bytes;
    }
  }
}

/** Opens a mutant and reads everything in it, plus a box of every image. */
async function exercise(bytes: Uint8Array): Promise<void> {
  const fits = await FitsFile.open(new MemorySource(bytes, { key: "mem://mutant.fits" }));
  for (const hdu of fits.hdus) {
    if (hdu.kind === "image" || hdu.kind === "compressed_image" || hdu.kind === "primary") {
      const shape = hdu.compression?.shape ?? hdu.naxis;
      if (shape.length === 0 || shape.includes(0)) continue;
      await fits.readImage(hdu.index);
      if (shape.length === 2) {
        const box = {
          x: Math.floor(shape[0]! / 3),
          y: Math.floor(shape[1]! / 3),
          width: 1 + Math.floor(shape[0]! / 3),
          height: 1 + Math.floor(shape[1]! / 3),
        };
        await fits.readImage(hdu.index, { box });
      }
    }
  }
}

test(`${FIXTURES.length * MUTANTS_PER_FIXTURE} mutated fixtures give results or typed errors only`, async (t) => {
  const rnd = random(SEED);
  const outcomes = { ok: 0, typed: 0 };
  const codes = new Map<string, number>();
  for (const file of FIXTURES) {
    const original = new Uint8Array(readFileSync(fixturePath(file)));
    for (let i = 0; i < MUTANTS_PER_FIXTURE; i++) {
      const mutant = mutate(original, rnd);
      try {
        await exercise(mutant);
        outcomes.ok++;
      } catch (err) {
        if (!(err instanceof ButlerError)) {
          assert.fail(
            `${file} mutant ${i}: untyped ${(err as Error)?.constructor?.name}: ${(err as Error)?.stack}`,
          );
        }
        outcomes.typed++;
        codes.set(err.code, (codes.get(err.code) ?? 0) + 1);
      }
    }
  }
  t.diagnostic(`outcomes ${JSON.stringify(outcomes)}, codes ${JSON.stringify([...codes])}`);
  // Both outcomes must occur, or the mutations are too weak (or too strong) to test anything.
  assert.ok(outcomes.ok > 0 && outcomes.typed > 0, JSON.stringify(outcomes));
  assert.ok((codes.get("FITS_FORMAT") ?? 0) > 0);
});
