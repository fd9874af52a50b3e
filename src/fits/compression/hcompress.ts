/**
 * HCOMPRESS_1 tile decoder (FITS 4.0 §10.4; R. White's H-transform coder as used by CFITSIO/fpack).
 *
 * Stream layout (all integers big-endian):
 *   magic 0xDD 0x99 · int32 nx (rows, slow axis) · int32 ny (columns, fast axis) · int32 scale ·
 *   int64 sum-of-all coefficient · 3 bytes: bit-plane counts of quadrant 0, quadrants 1+2, quadrant 3 ·
 *   bit stream of the four quadrants' quadtree-coded bit planes · a zero nybble ·
 *   (from the next byte boundary) one sign bit per non-zero coefficient, in array order.
 *
 * Coefficients form an nx × ny array (row-major, stride ny) split into four quadrants (top-left
 * ceil(nx/2) × ceil(ny/2), top-right ceil × floor, bottom-left floor × ceil, bottom-right floor × floor).
 * Each quadrant's magnitudes are sent bit plane by bit plane, most significant first. A plane is either
 * written directly (format nybble 0: one nybble per 2×2 block) or as a quadtree (format nybble 0xF):
 * starting from a single node, each level holds a Huffman-coded 4-bit mask per non-zero node telling
 * which of its four children are non-zero, until the 2×2 blocks of the plane itself.
 * The image is the inverse H-transform of the coefficients (times `scale` when lossy), with optional
 * smoothing of the coefficients at each level.
 *
 * Arithmetic is done on doubles with explicit floor division, so the 64-bit variant (int32 images)
 * decodes exactly as long as the coefficients stay below 2^53.
 */
import { FitsFormatError } from "../../errors/index.ts";

/** Dimensions found in an HCOMPRESS stream header. */
export interface HcompressTile {
  /** Tile width (pixels along FITS axis 1, the fast axis). */
  width: number;
  /** Tile height (FITS axis 2). */
  height: number;
  /**
   * Quantization scale written by the encoder; values ≤ 1 mean no scaling (lossless). CFITSIO can write a
   * negative value after an overflow and then decodes it as unscaled, so do we.
   */
  scale: number;
}

const HEADER_BYTES = 2 + 4 + 4 + 4 + 8 + 3;

function corrupt(message: string): FitsFormatError {
  return new FitsFormatError(`HCOMPRESS_1: ${message}`);
}

/**
 * The fixed prefix code of the 4-bit quadtree masks, as [mask, code, code length]. Masks with one bit set
 * are the most frequent (3-bit codes); 0 and 14 the rarest (6 bits).
 */
const MASK_CODES: readonly (readonly [number, number, number])[] = [
  [1, 0b000, 3],
  [2, 0b001, 3],
  [4, 0b010, 3],
  [8, 0b011, 3],
  [3, 0b1000, 4],
  [5, 0b1001, 4],
  [10, 0b1010, 4],
  [12, 0b1011, 4],
  [15, 0b1100, 4],
  [6, 0b11010, 5],
  [7, 0b11011, 5],
  [9, 0b11100, 5],
  [11, 0b11101, 5],
  [13, 0b11110, 5],
  [0, 0b111110, 6],
  [14, 0b111111, 6],
];

/** Lookup by the next 6 bits: the decoded mask, and the code length (the bits to consume). */
const MASK_VALUE = new Uint8Array(64);
const MASK_LENGTH = new Uint8Array(64);
for (const [mask, code, length] of MASK_CODES) {
  const first = code << (6 - length);
  for (let k = 0; k < 1 << (6 - length); k++) {
    MASK_VALUE[first + k] = mask;
    MASK_LENGTH[first + k] = length;
  }
}

/**
 * MSB-first bit reader. Reads past the end see zero bits so lookups can peek ahead; consuming any of
 * them throws `FitsFormatError`.
 */
class BitReader {
  private pos: number;
  /** `left` valid bits in the low end of `cur`; higher bits are zero. */
  private cur = 0;
  private left = 0;

  constructor(
    private readonly bytes: Uint8Array,
    start: number,
  ) {
    this.pos = start;
  }

  private fill(n: number): void {
    while (this.left < n) {
      const p = this.pos++;
      this.cur = (this.cur << 8) | (p < this.bytes.length ? this.bytes[p]! : 0);
      this.left += 8;
    }
  }

  private checkOverrun(): void {
    const past = this.pos - this.bytes.length;
    if (past > 0 && this.left < past * 8) throw corrupt("compressed tile is truncated");
  }

  /** Reads `n` (≤ 24) bits as an unsigned integer. */
  bits(n: number): number {
    this.fill(n);
    this.left -= n;
    const v = this.cur >>> this.left;
    this.cur &= (1 << this.left) - 1;
    this.checkOverrun();
    return v;
  }

  /** Reads one prefix-coded quadtree mask. */
  mask(): number {
    this.fill(6);
    const idx = this.cur >>> (this.left - 6);
    this.left -= MASK_LENGTH[idx]!;
    this.cur &= (1 << this.left) - 1;
    this.checkOverrun();
    return MASK_VALUE[idx]!;
  }

  /**
   * Drops the unread rest of the current byte and returns the offset of the next byte (whole bytes
   * fetched ahead by a peek are given back).
   */
  align(): number {
    this.pos -= this.left >> 3;
    this.left = 0;
    this.cur = 0;
    if (this.pos > this.bytes.length) throw corrupt("compressed tile is truncated");
    return this.pos;
  }
}

/*
 * A 4-bit mask describes a 2×2 block: bit 3 → (2i, 2j), bit 2 → (2i, 2j+1), bit 1 → (2i+1, 2j),
 * bit 0 → (2i+1, 2j+1). The mask array has ceil(rows/2) × ceil(cols/2) entries, row-major; children
 * outside `rows × cols` are dropped.
 */

/** Adds `weight` (2^plane) to the coefficients (`rows × cols` at `base`, row stride `stride`) whose bit is set. */
function addPlane(
  src: Uint8Array,
  rows: number,
  cols: number,
  coef: Float64Array,
  base: number,
  stride: number,
  weight: number,
): void {
  const halfCols = (cols + 1) >> 1;
  for (let i = 0; i < rows; i += 2) {
    const srcRow = (i >> 1) * halfCols;
    const top = base + i * stride;
    const bottom = top + stride;
    const hasBottom = i + 1 < rows;
    for (let j = 0; j < cols; j += 2) {
      const m = src[srcRow + (j >> 1)]!;
      if (m === 0) continue;
      const hasRight = j + 1 < cols;
      coef[top + j] += ((m >> 3) & 1) * weight;
      if (hasRight) coef[top + j + 1] += ((m >> 2) & 1) * weight;
      if (hasBottom) {
        coef[bottom + j] += ((m >> 1) & 1) * weight;
        if (hasRight) coef[bottom + j + 1] += (m & 1) * weight;
      }
    }
  }
}

/** Decodes the bit planes of one quadrant (`rows × cols` at `base`, row stride `stride`) into `coef`. */
function decodeQuadrant(
  r: BitReader,
  coef: Float64Array,
  base: number,
  stride: number,
  rows: number,
  cols: number,
  planes: number,
): void {
  if (rows === 0 || cols === 0) {
    // Only 1-pixel-high or -wide tiles have an empty quadrant. CFITSIO never writes such tiles (it grows
    // the tile instead), so bit planes announced for one are treated as corrupt.
    if (planes !== 0) throw corrupt("bit planes announced for an empty quadrant");
    return;
  }
  if (planes === 0) return;
  // Number of halvings that bring the larger side down to 1.
  let levels = 0;
  while (2 ** levels < Math.max(rows, cols)) levels++;
  const halfRows = (rows + 1) >> 1;
  const halfCols = (cols + 1) >> 1;
  const size = halfRows * halfCols;
  let masks = new Uint8Array(size);
  let next = new Uint8Array(size);

  for (let plane = planes - 1; plane >= 0; plane--) {
    const format = r.bits(4);
    if (format === 0) {
      // Plane written directly: one mask nybble per 2×2 block, row-major.
      for (let k = 0; k < size; k++) masks[k] = r.bits(4);
    } else if (format === 0xf) {
      masks[0] = r.mask();
      let curRows = 1;
      let curCols = 1;
      for (let level = 1; level < levels; level++) {
        const div = 2 ** (levels - level);
        const nextRows = Math.ceil(rows / div);
        const nextCols = Math.ceil(cols / div);
        // One mask per child whose bit is set in its parent's mask, children visited last first.
        for (let row = nextRows - 1; row >= 0; row--) {
          const parentRow = (row >> 1) * curCols;
          const out = row * nextCols;
          const rowBit = (row & 1) << 1;
          for (let col = nextCols - 1; col >= 0; col--) {
            const parent = masks[parentRow + (col >> 1)]!;
            next[out + col] = (parent >> (3 - (rowBit | (col & 1)))) & 1 ? r.mask() : 0;
          }
        }
        const t = masks;
        masks = next;
        next = t;
        curRows = nextRows;
        curCols = nextCols;
      }
      if (curRows !== halfRows || curCols !== halfCols) throw corrupt("quadtree geometry mismatch");
    } else {
      throw corrupt(`bad bit-plane format code ${format}`);
    }
    addPlane(masks, rows, cols, coef, base, stride, 2 ** plane);
  }
}

/** floor(x / 2^k) for doubles holding integers. */
function shr(x: number, k: number): number {
  return Math.floor(x / 2 ** k);
}

/** Whether the bit worth `bit` (a power of two) is set in the two's complement of integer `x`. */
function hasBit(x: number, bit: number): boolean {
  return (Math.floor(x / bit) & 1) !== 0;
}

/** Rounds integer `x` to a multiple of `bit` (a power of two), halves away from zero. */
function roundToMultiple(x: number, bit: number): number {
  if (bit <= 1) return x;
  const half = bit / 2;
  return Math.floor((x >= 0 ? x + half : x + half - 1) / bit) * bit;
}

/** Moves the first ceil(n/2) elements of a strided line to the even slots and the rest to the odd slots. */
function interleave(a: Float64Array, start: number, n: number, step: number, tmp: Float64Array): void {
  for (let i = 0, p = start; i < n; i++, p += step) tmp[i] = a[p]!;
  const half = (n + 1) >> 1;
  for (let i = 0; i < half; i++) a[start + 2 * i * step] = tmp[i]!;
  for (let i = half; i < n; i++) a[start + (2 * (i - half) + 1) * step] = tmp[i]!;
}

const clampAbs = (v: number, lim: number): number => Math.min(lim, Math.max(-lim, v));

/** Integer division by 2^k truncating toward zero. */
function truncDiv(s: number, k: number): number {
  const d = 2 ** k;
  return s >= 0 ? Math.floor(s / d) : Math.floor((s + d - 1) / d);
}

/**
 * Nudges the difference coefficients of the current level toward values interpolated from neighbouring
 * block means, within monotonicity limits and by at most scale/2 (the SMOOTH option).
 */
function smoothLevel(a: Float64Array, rows: number, cols: number, ny: number, scale: number): void {
  const lim = Math.floor(scale / 2);
  if (lim <= 0) return;
  const ny2 = 2 * ny;

  // Slope across rows (hx sits one row below each block mean).
  for (let i = 2; i < rows - 2; i += 2) {
    for (let j = 0; j < cols; j += 2) {
      const p = ny * i + j;
      const hm = a[p - ny2]!;
      const h0 = a[p]!;
      const hp = a[p + ny2]!;
      const hi = Math.max(Math.min(hp - h0, h0 - hm), 0) * 4;
      const lo = Math.min(Math.max(hp - h0, h0 - hm), 0) * 4;
      if (lo < hi) {
        const target = Math.max(Math.min(hp - hm, hi), lo);
        const step = clampAbs(truncDiv(target - a[p + ny]! * 8, 3), lim);
        a[p + ny] = a[p + ny]! + step;
      }
    }
  }
  // Slope across columns (hy sits one column right of each block mean).
  for (let i = 0; i < rows; i += 2) {
    for (let j = 2; j < cols - 2; j += 2) {
      const p = ny * i + j;
      const hm = a[p - 2]!;
      const h0 = a[p]!;
      const hp = a[p + 2]!;
      const hi = Math.max(Math.min(hp - h0, h0 - hm), 0) * 4;
      const lo = Math.min(Math.max(hp - h0, h0 - hm), 0) * 4;
      if (lo < hi) {
        const target = Math.max(Math.min(hp - hm, hi), lo);
        const step = clampAbs(truncDiv(target - a[p + 1]! * 8, 3), lim);
        a[p + 1] = a[p + 1]! + step;
      }
    }
  }
  // Curvature (hc, diagonal neighbour of each block mean).
  for (let i = 2; i < rows - 2; i += 2) {
    for (let j = 2; j < cols - 2; j += 2) {
      const p = ny * i + j;
      const h0 = a[p]!;
      const hmm = a[p - ny2 - 2]!;
      const hpm = a[p + ny2 - 2]!;
      const hmp = a[p - ny2 + 2]!;
      const hpp = a[p + ny2 + 2]!;
      const hx2 = a[p + ny]! * 2;
      const hy2 = a[p + 1]! * 2;
      const hi =
        Math.min(
          Math.min(Math.max(hpp - h0, 0) - hx2 - hy2, Math.max(h0 - hpm, 0) + hx2 - hy2),
          Math.min(Math.max(h0 - hmp, 0) - hx2 + hy2, Math.max(hmm - h0, 0) + hx2 + hy2),
        ) * 16;
      const lo =
        Math.max(
          Math.max(Math.min(hpp - h0, 0) - hx2 - hy2, Math.min(h0 - hpm, 0) + hx2 - hy2),
          Math.max(Math.min(h0 - hmp, 0) - hx2 + hy2, Math.min(hmm - h0, 0) + hx2 + hy2),
        ) * 16;
      if (lo < hi) {
        const target = Math.max(Math.min(hpp + hmm - hmp - hpm, hi), lo);
        const q = p + ny + 1;
        const step = clampAbs(truncDiv(target - a[q]! * 64, 6), lim);
        a[q] = a[q]! + step;
      }
    }
  }
}

/**
 * In-place inverse H-transform of an nx × ny coefficient array (row stride ny). Each level turns a
 * block's mean/x-difference/y-difference/cross-difference back into its 2×2 pixels; the rounding and
 * low-bit propagation make it the exact inverse of the integer forward transform.
 */
function inverseHTransform(a: Float64Array, nx: number, ny: number, smooth: boolean, scale: number): void {
  const nmax = Math.max(nx, ny);
  if (nmax <= 1) return;
  let log2n = 0;
  while (2 ** log2n < nmax) log2n++;
  const tmp = new Float64Array(nmax);

  // Coefficient precision at the current level: h0 multiple of 4·b, hx/hy of 2·b, hc of b.
  let b = 2 ** (log2n - 1);
  a[0] = roundToMultiple(a[0]!, 4 * b);

  for (let k = log2n - 1; k >= 0; k--, b /= 2) {
    const rows = Math.ceil(nx / 2 ** k);
    const cols = Math.ceil(ny / 2 ** k);
    const shift = k === 0 ? 2 : 1;
    const b1 = 2 * b;

    for (let i = 0; i < rows; i++) interleave(a, ny * i, cols, 1, tmp);
    for (let j = 0; j < cols; j++) interleave(a, j, rows, ny, tmp);
    if (smooth) smoothLevel(a, rows, cols, ny, scale);

    // Precomputed factors: multiplying by a power of two's inverse is exact, and cheaper than dividing.
    const inv = 1 / b;
    const inv1 = 1 / b1;
    const invShift = 1 / 2 ** shift;
    const roundHc = b > 1; // on the last level hc is already an integer multiple of b = 1

    const evenRows = rows - (rows % 2);
    const evenCols = cols - (cols % 2);
    for (let i = 0; i < rows; i += 2) {
      const top = ny * i;
      const bottom = top + ny;
      if (i < evenRows) {
        for (let j = 0; j < evenCols; j += 2) {
          let h0 = a[top + j]!;
          // Round hx, hy to multiples of 2b and hc to a multiple of b (halves away from zero).
          let hx = a[bottom + j]!;
          hx = Math.floor((hx >= 0 ? hx + b : hx + b - 1) * inv1) * b1;
          let hy = a[top + j + 1]!;
          hy = Math.floor((hy >= 0 ? hy + b : hy + b - 1) * inv1) * b1;
          let hc = a[bottom + j + 1]!;
          if (roundHc) hc = Math.floor((hc >= 0 ? hc + b / 2 : hc + b / 2 - 1) * inv) * b;
          // The low bit of hc (weight b) was also lost from hx and hy; put it back.
          const low0 = (hc * inv) & 1 ? b : 0;
          hx = hx >= 0 ? hx - low0 : hx + low0;
          hy = hy >= 0 ? hy - low0 : hy + low0;
          // Parity at weight 2b of hc ^ hx ^ hy goes back into h0.
          const low1 = (Math.floor(hc * inv1) ^ Math.floor(hx * inv1) ^ Math.floor(hy * inv1)) & 1 ? b1 : 0;
          if (h0 >= 0) h0 = h0 + low0 - low1;
          else h0 = h0 + (low0 === 0 ? low1 : low0 - low1);
          a[bottom + j + 1] = Math.floor((h0 + hx + hy + hc) * invShift);
          a[bottom + j] = Math.floor((h0 + hx - hy - hc) * invShift);
          a[top + j + 1] = Math.floor((h0 - hx + hy - hc) * invShift);
          a[top + j] = Math.floor((h0 - hx - hy + hc) * invShift);
        }
        if (evenCols < cols) {
          // Last column of an odd-width level: only h0 and hx.
          const j = evenCols;
          let h0 = a[top + j]!;
          const hx = roundToMultiple(a[bottom + j]!, b1);
          const low1 = hasBit(hx, b1) ? b1 : 0;
          h0 = h0 >= 0 ? h0 - low1 : h0 + low1;
          a[bottom + j] = shr(h0 + hx, shift);
          a[top + j] = shr(h0 - hx, shift);
        }
      } else {
        // Last row of an odd-height level: only h0 and hy.
        for (let j = 0; j < evenCols; j += 2) {
          let h0 = a[top + j]!;
          const hy = roundToMultiple(a[top + j + 1]!, b1);
          const low1 = hasBit(hy, b1) ? b1 : 0;
          h0 = h0 >= 0 ? h0 - low1 : h0 + low1;
          a[top + j + 1] = shr(h0 + hy, shift);
          a[top + j] = shr(h0 - hy, shift);
        }
        if (evenCols < cols) a[top + evenCols] = shr(a[top + evenCols]!, shift);
      }
    }
  }
}

/** Reads the dimensions and scale from an HCOMPRESS stream header (validating the magic). */
export function hcompressHeader(input: Uint8Array): HcompressTile {
  if (input.length < HEADER_BYTES) throw corrupt("compressed tile is truncated");
  if (input[0] !== 0xdd || input[1] !== 0x99) throw corrupt("bad magic number");
  const view = new DataView(input.buffer, input.byteOffset, input.byteLength);
  const nx = view.getInt32(2);
  const ny = view.getInt32(6);
  const scale = view.getInt32(10);
  if (nx <= 0 || ny <= 0) throw corrupt(`bad dimensions ${nx} × ${ny}`);
  return { width: ny, height: nx, scale };
}

export interface HcompressDecodeOptions {
  /** ZVAL of `SMOOTH`: non-zero enables smoothing (it only changes lossy tiles, scale > 1). Default 0. */
  smooth?: number | boolean;
  /**
   * Integer width of the image (ZBITPIX 8, 16 or 32; 32 for quantized floats). Lossy tiles can overshoot
   * it; values are saturated to its range (CFITSIO saturates 16-bit tiles the same way; for 8-bit it
   * reports an overflow instead). Default 32.
   */
  zbitpix?: 8 | 16 | 32;
}

const RANGES: Readonly<Record<8 | 16 | 32, readonly [number, number]>> = {
  8: [0, 255],
  16: [-32768, 32767],
  32: [-2147483648, 2147483647],
};

/**
 * Decodes one HCOMPRESS_1 tile of `width × height` pixels (row-major) into integers, saturated to the
 * range of `options.zbitpix`. Writes into `out` when given. Corrupt or truncated input, or a stream whose
 * dimensions differ from `width × height`, throws `FitsFormatError`.
 */
export function hcompressDecode(
  input: Uint8Array,
  width: number,
  height: number,
  options: HcompressDecodeOptions = {},
  out?: Int32Array,
): Int32Array {
  const smooth = options.smooth ?? 0;
  const range = RANGES[options.zbitpix ?? 32];
  if (range === undefined) throw new RangeError(`hcompressDecode: bad zbitpix ${options.zbitpix}`);
  const [lo, hi] = range;
  const { width: ny, height: nx, scale } = hcompressHeader(input);
  if (ny !== width || nx !== height) {
    throw corrupt(`tile is ${ny} × ${nx} pixels, expected ${width} × ${height}`);
  }
  const n = nx * ny;
  const result = out ?? new Int32Array(n);
  if (result.length < n)
    throw new RangeError(`hcompressDecode: output holds ${result.length} values, need ${n}`);
  const view = new DataView(input.buffer, input.byteOffset, input.byteLength);
  const sumAll = Number(view.getBigInt64(14));
  const planes = [input[22]!, input[23]!, input[24]!];
  for (const p of planes) if (p > 52) throw corrupt(`bad bit-plane count ${p}`);

  const coef = new Float64Array(n);
  const r = new BitReader(input, HEADER_BYTES);
  const nx2 = (nx + 1) >> 1;
  const ny2 = (ny + 1) >> 1;
  decodeQuadrant(r, coef, 0, ny, nx2, ny2, planes[0]!);
  decodeQuadrant(r, coef, ny2, ny, nx2, ny >> 1, planes[1]!);
  decodeQuadrant(r, coef, ny * nx2, ny, nx >> 1, ny2, planes[1]!);
  decodeQuadrant(r, coef, ny * nx2 + ny2, ny, nx >> 1, ny >> 1, planes[2]!);
  if (r.bits(4) !== 0) throw corrupt("missing end-of-planes code");

  // Sign bits, one per non-zero coefficient, from the next byte boundary.
  let pos = r.align();
  let byte = 0;
  let left = 0;
  for (let i = 0; i < n; i++) {
    if (coef[i] === 0) continue;
    if (left === 0) {
      if (pos >= input.length) throw corrupt("compressed tile is truncated (sign bits)");
      byte = input[pos++]!;
      left = 8;
    }
    left--;
    if ((byte >> left) & 1) coef[i] = -coef[i]!;
  }
  coef[0] = sumAll;
  if (scale > 1) for (let i = 0; i < n; i++) coef[i] = coef[i]! * scale;

  inverseHTransform(coef, nx, ny, smooth !== 0 && smooth !== false, scale);

  for (let i = 0; i < n; i++) {
    const v = coef[i]!;
    result[i] = Math.min(hi, Math.max(lo, v));
  }
  return result;
}
