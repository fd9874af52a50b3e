/**
 * RICE_1 tile codec (FITS 4.0 §10.4; CFITSIO also writes the name `RICE_ONE`).
 *
 * Stream layout: the first pixel verbatim (`bytePix` bytes, big-endian), then the pixels in blocks of at
 * most `blockSize`. Each block starts with an `fsBits`-wide code `c`:
 * - `c == 0`: every difference in the block is 0;
 * - `c == fsMax + 1`: every difference is stored raw in `8 * bytePix` bits;
 * - otherwise `fs = c - 1` and each difference is a unary prefix (count of 0 bits before a 1 bit),
 *   shifted left by `fs`, OR the next `fs` bits.
 * A difference `d` is zig-zag mapped (even: `d >> 1`, odd: `~(d >> 1)`); pixel = previous + d, wrapping
 * modulo 2^(8·bytePix). The first pixel also counts as a difference (of 0) in the first block.
 * Bits are read most-significant first.
 */
import { FitsFormatError } from "../../errors/index.ts";

export type RiceBytePix = 1 | 2 | 4;

interface RiceParams {
  /** Width of the per-block code. */
  fsBits: number;
  /** Largest usable split position; code `fsMax + 1` marks a raw block. */
  fsMax: number;
  /** Width of a raw difference. */
  bBits: number;
}

const PARAMS: Readonly<Record<RiceBytePix, RiceParams>> = {
  1: { fsBits: 3, fsMax: 6, bBits: 8 },
  2: { fsBits: 4, fsMax: 14, bBits: 16 },
  4: { fsBits: 5, fsMax: 25, bBits: 32 },
};

function paramsFor(bytePix: number): RiceParams {
  const p = PARAMS[bytePix as RiceBytePix];
  if (p === undefined) {
    throw new FitsFormatError(`RICE_1: unsupported BYTEPIX ${bytePix} (expected 1, 2 or 4)`);
  }
  return p;
}

// CFITSIO writes 16 or 32; anything far beyond is a corrupt header, refused before it sizes a buffer.
const MAX_BLOCK_SIZE = 1 << 16;

function checkBlockSize(blockSize: number): void {
  if (!Number.isInteger(blockSize) || blockSize < 1 || blockSize > MAX_BLOCK_SIZE) {
    throw new FitsFormatError(`RICE_1: invalid BLOCKSIZE ${blockSize}`);
  }
}

function truncated(nPixels: number, done: number, bytes: number): FitsFormatError {
  return new FitsFormatError(
    `RICE_1: compressed tile ended after ${bytes} bytes with ${done} of ${nPixels} pixels decoded`,
  );
}

/**
 * Decodes one RICE_1 tile into `nPixels` signed integers of the `bytePix` width (int8, int16 or int32
 * range; for an unsigned ZBITPIX 8 image take `v & 0xff`). Writes into `out` when given (it must hold
 * at least `nPixels` values) and returns it.
 * Trailing bytes after the last block are ignored, as CFITSIO does. Truncated or corrupt input throws
 * `FitsFormatError`.
 */
export function riceDecode(
  input: Uint8Array,
  nPixels: number,
  bytePix: RiceBytePix,
  blockSize: number,
  out?: Int32Array,
): Int32Array {
  const { fsBits, fsMax, bBits } = paramsFor(bytePix);
  checkBlockSize(blockSize);
  if (!Number.isInteger(nPixels) || nPixels < 0) {
    throw new FitsFormatError(`RICE_1: invalid pixel count ${nPixels}`);
  }
  const result = out ?? new Int32Array(nPixels);
  if (result.length < nPixels) {
    throw new RangeError(`riceDecode: output holds ${result.length} values, need ${nPixels}`);
  }
  if (nPixels === 0) return result;
  const n = input.length;
  if (n < bytePix + 1) throw truncated(nPixels, 0, n);

  // Work on a zero-padded copy so the hot loops need no bounds checks: the padding covers the most one
  // block can read (≤ 8 bytes per pixel outside zero runs), and overruns are detected after each block.
  const src = paddedCopy(input, blockSize * 8 + 16);
  const view = scratchView;
  const limitBits = n * 8;

  // Wrapping to the pixel width: shift left then arithmetic shift right.
  const wrapShift = 32 - bBits;
  let last = 0;
  for (let k = 0; k < bytePix; k++) last = (last << 8) | src[k]!;
  last = (last << wrapShift) >> wrapShift;

  // Absolute bit position; `peek` = the 32 bits starting there, MSB first (one unaligned word + a byte).
  let bitPos = bytePix * 8;
  const codeShift = 32 - fsBits;

  let i = 0;
  while (i < nPixels) {
    const end = Math.min(i + blockSize, nPixels);
    let p = bitPos >>> 3;
    let r = bitPos & 7;
    const code = ((view.getUint32(p) << r) | (src[p + 4]! >>> (8 - r))) >>> codeShift;
    bitPos += fsBits;
    const fs = code - 1;

    if (fs < 0) {
      // Low-entropy block: all differences zero.
      for (; i < end; i++) result[i] = last;
    } else if (fs === fsMax) {
      // High-entropy block: raw differences of bBits bits.
      const rawShift = 32 - bBits;
      for (; i < end; i++) {
        p = bitPos >>> 3;
        r = bitPos & 7;
        const diff = ((view.getUint32(p) << r) | (src[p + 4]! >>> (8 - r))) >>> rawShift;
        bitPos += bBits;
        const d = (diff >>> 1) ^ -(diff & 1);
        last = ((last + d) << wrapShift) >> wrapShift;
        result[i] = last;
      }
    } else if (fs > fsMax) {
      throw new FitsFormatError(`RICE_1: invalid block code ${code} for BYTEPIX ${bytePix} at pixel ${i}`);
    } else {
      // Normal block: unary high part (count of 0 bits before a 1), then fs low bits.
      const lowShift = 31 - fs;
      const fastMax = 31 - fs; // zeros ≤ fastMax: prefix, 1 bit and low bits all lie in one peek
      for (; i < end; i++) {
        p = bitPos >>> 3;
        r = bitPos & 7;
        let w = (view.getUint32(p) << r) | (src[p + 4]! >>> (8 - r));
        let zeros = Math.clz32(w);
        if (zeros <= fastMax) {
          bitPos += zeros + 1 + fs;
          w = (w << zeros) << 1;
        } else {
          // Long prefix: skip 32-bit zero words, then finish the prefix and re-peek for the low bits.
          let run = 0;
          while (w === 0) {
            run += 32;
            bitPos += 32;
            if (bitPos > limitBits) throw truncated(nPixels, i, n);
            p = bitPos >>> 3;
            r = bitPos & 7;
            w = (view.getUint32(p) << r) | (src[p + 4]! >>> (8 - r));
          }
          zeros = Math.clz32(w);
          bitPos += zeros + 1;
          p = bitPos >>> 3;
          r = bitPos & 7;
          w = (view.getUint32(p) << r) | (src[p + 4]! >>> (8 - r));
          bitPos += fs;
          zeros += run;
        }
        const diff = (zeros << fs) | ((w >>> 1) >>> lowShift);
        const d = (diff >>> 1) ^ -(diff & 1);
        last = ((last + d) << wrapShift) >> wrapShift;
        result[i] = last;
      }
    }
    if (bitPos > limitBits) throw truncated(nPixels, i, n);
  }
  return result;
}

/** Reused scratch for `paddedCopy` (decoding is synchronous, so one buffer suffices). */
let scratch = new Uint8Array(0);
let scratchView = new DataView(scratch.buffer);

/** Copies `input` into the scratch buffer followed by at least `pad` zero bytes (plus 8 for peeks). */
function paddedCopy(input: Uint8Array, pad: number): Uint8Array {
  const need = input.length + pad + 8;
  if (scratch.length < need) {
    scratch = new Uint8Array(Math.max(need, scratch.length * 2, 4096));
    scratchView = new DataView(scratch.buffer);
  }
  scratch.set(input);
  scratch.fill(0, input.length, need);
  return scratch;
}

/**
 * Encodes integers as one RICE_1 tile that CFITSIO/astropy decode with the same `bytePix` and
 * `blockSize` (write them as ZNAME/ZVAL `BYTEPIX` and `BLOCKSIZE`). Values are taken modulo
 * 2^(8·bytePix), so they must already fit the pixel width (signed or unsigned).
 * Each block gets the split `fs` with the fewest bits (checked around log2 of the mean difference), or
 * raw/zero coding when that is smaller.
 */
export function riceEncode(values: ArrayLike<number>, bytePix: RiceBytePix, blockSize: number): Uint8Array {
  const { fsBits, fsMax, bBits } = paramsFor(bytePix);
  checkBlockSize(blockSize);
  const nPixels = values.length;
  if (nPixels === 0) return new Uint8Array(0);

  // Worst case: every block raw (a cheaper coding is only ever chosen when it is smaller).
  const nBlocks = Math.ceil(nPixels / blockSize);
  const bytes = new Uint8Array(bytePix + Math.ceil((nBlocks * fsBits + nPixels * bBits) / 8) + 8);
  let pos = 0;
  // Pending bits (fewer than 8 between calls) in the low end of `acc`.
  let acc = 0;
  let nAcc = 0;
  /** Appends the low `count` (≤ 24) bits of `value`. */
  const put = (value: number, count: number): void => {
    acc = (acc << count) | (value & ((1 << count) - 1));
    nAcc += count;
    while (nAcc >= 8) {
      nAcc -= 8;
      bytes[pos++] = acc >>> nAcc;
    }
    acc &= (1 << nAcc) - 1;
  };

  const wrapShift = 32 - bBits;
  let last = (values[0]! << wrapShift) >> wrapShift;
  for (let b = bytePix - 1; b >= 0; b--) bytes[pos++] = (last >>> (8 * b)) & 0xff;

  // Zig-zag mapped differences of the current block (< 2^bBits, as unsigned 32-bit values).
  const mapped = new Uint32Array(blockSize);
  for (let start = 0; start < nPixels; start += blockSize) {
    const count = Math.min(blockSize, nPixels - start);
    let sum = 0;
    for (let k = 0; k < count; k++) {
      const v = (values[start + k]! << wrapShift) >> wrapShift;
      const d = ((v - last) << wrapShift) >> wrapShift;
      last = v;
      const m = ((d << 1) ^ (d >> 31)) >>> 0; // zig-zag: 0, -1, 1, -2, … → 0, 1, 2, 3, …
      mapped[k] = m;
      sum += m;
    }

    if (sum === 0) {
      put(0, fsBits);
      continue;
    }

    // Candidate splits: three consecutive values around log2 of the mean difference (all below fsMax);
    // keep the cheapest of them and raw coding.
    const mean = sum / count;
    const guess = mean < 2 ? 0 : Math.floor(Math.log2(mean));
    const f0 = Math.max(0, Math.min(fsMax - 3, guess - 1));
    let q0 = 0;
    let q1 = 0;
    let q2 = 0;
    for (let k = 0; k < count; k++) {
      const m = mapped[k]!;
      q0 += m >>> f0;
      q1 += m >>> (f0 + 1);
      q2 += m >>> (f0 + 2);
    }
    // Bits of a block coded with split fs: unary parts + one stop bit and fs low bits per pixel.
    const c0 = q0 + (f0 + 1) * count;
    const c1 = q1 + (f0 + 2) * count;
    const c2 = q2 + (f0 + 3) * count;
    let bestFs = fsMax; // fsMax stands for "raw"
    let bestCost = bBits * count;
    if (c0 < bestCost) {
      bestCost = c0;
      bestFs = f0;
    }
    if (c1 < bestCost) {
      bestCost = c1;
      bestFs = f0 + 1;
    }
    if (c2 < bestCost) bestFs = f0 + 2;

    put(bestFs + 1, fsBits);
    if (bestFs === fsMax) {
      for (let k = 0; k < count; k++) {
        const m = mapped[k]!;
        if (bBits === 32) {
          put(m >>> 16, 16);
          put(m, 16);
        } else {
          put(m, bBits);
        }
      }
    } else {
      for (let k = 0; k < count; k++) {
        const m = mapped[k]!;
        let q = m >>> bestFs;
        while (q >= 16) {
          put(0, 16);
          q -= 16;
        }
        put(1, q + 1);
        if (bestFs > 0) put(m, bestFs);
      }
    }
  }
  if (nAcc > 0) put(0, 8 - nAcc);
  return bytes.slice(0, pos);
}
