/**
 * Display stretches that map pixel values to 0–255 grey levels: `zscale` (IRAF's limits around the
 * median, linear between them) and `asinh` (Lupton et al. 2004: faint structure and bright cores in one
 * image). Non-finite pixels (NaN where a plane has no data) map to 0.
 */

export type StretchName = "zscale" | "asinh";
export const STRETCHES: readonly StretchName[] = ["zscale", "asinh"];

const ZSCALE_SAMPLES = 1000;
const ZSCALE_CONTRAST = 0.25;
const ZSCALE_REJECT = 2.5;
const ZSCALE_ITERATIONS = 5;
/** The fit gives up when fewer than this fraction of the samples are left. */
const ZSCALE_MAX_REJECT = 0.5;
const ZSCALE_MIN_PIXELS = 5;
/** asinh softening: the stretch is linear below ~1/Q of the range, logarithmic above. */
const ASINH_Q = 10;

/** Up to `count` finite values taken at an even stride, sorted. */
function sortedSample(values: ArrayLike<number>, count: number): Float64Array {
  const finite: number[] = [];
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (Number.isFinite(v)) finite.push(v);
  }
  const stride = Math.max(1, Math.floor(finite.length / count));
  const out: number[] = [];
  for (let i = 0; i < finite.length && out.length < count; i += stride) out.push(finite[i]!);
  return Float64Array.from(out).sort();
}

function medianOf(sorted: Float64Array): number {
  const n = sorted.length;
  return n % 2 === 1 ? sorted[(n - 1) / 2]! : (sorted[n / 2 - 1]! + sorted[n / 2]!) / 2;
}

/**
 * IRAF's zscale: a straight line fitted to the sorted sample, iteratively rejecting points more than
 * 2.5σ off it (and their neighbours); the limits are the median ∓ the line's slope over the contrast,
 * kept within the sample's range. Too many rejections fall back to the whole range.
 */
export function zscaleLimits(values: ArrayLike<number>): [number, number] {
  const sample = sortedSample(values, ZSCALE_SAMPLES);
  const n = sample.length;
  if (n === 0) return [0, 1];
  let z1 = sample[0]!;
  let z2 = sample[n - 1]!;
  const minPixels = Math.max(ZSCALE_MIN_PIXELS, Math.floor(n * ZSCALE_MAX_REJECT));
  const grow = Math.max(1, Math.floor(n * 0.01));
  let bad = new Uint8Array(n);
  let good = n;
  let lastGood = n + 1;
  let slope = 0;
  for (let iteration = 0; iteration < ZSCALE_ITERATIONS; iteration++) {
    if (good >= lastGood || good < minPixels) break;
    // Least squares over the points still in.
    let sx = 0;
    let sy = 0;
    let sxx = 0;
    let sxy = 0;
    for (let i = 0; i < n; i++) {
      if (bad[i] === 1) continue;
      sx += i;
      sy += sample[i]!;
      sxx += i * i;
      sxy += i * sample[i]!;
    }
    const denominator = good * sxx - sx * sx;
    slope = denominator === 0 ? 0 : (good * sxy - sx * sy) / denominator;
    const intercept = (sy - slope * sx) / good;
    let sum = 0;
    let sumSq = 0;
    for (let i = 0; i < n; i++) {
      if (bad[i] === 1) continue;
      const r = sample[i]! - (intercept + slope * i);
      sum += r;
      sumSq += r * r;
    }
    const mean = sum / good;
    const threshold = ZSCALE_REJECT * Math.sqrt(Math.max(0, sumSq / good - mean * mean));
    const rejected = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      if (bad[i] === 1 || Math.abs(sample[i]! - (intercept + slope * i)) > threshold) rejected[i] = 1;
    }
    // A rejected point takes its neighbours with it: outliers come in runs in a sorted sample.
    const before = Math.floor((grow - 1) / 2);
    const grown = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      if (rejected[i] === 0) continue;
      for (let k = Math.max(0, i - before); k <= Math.min(n - 1, i + grow - 1 - before); k++) grown[k] = 1;
    }
    bad = grown;
    lastGood = good;
    good = n - bad.reduce((a, b) => a + b, 0);
  }
  if (good >= minPixels) {
    const centre = Math.floor((n - 1) / 2);
    const median = medianOf(sample);
    const scaled = slope / ZSCALE_CONTRAST;
    z1 = Math.max(z1, median - (centre - 1) * scaled);
    z2 = Math.min(z2, median + (n - centre) * scaled);
  }
  return z2 > z1 ? [z1, z2] : [z1, z1 + 1];
}

/** The value at fraction `q` (0–1) of the sorted sample. */
function quantile(sample: Float64Array, q: number): number {
  return sample[Math.min(sample.length - 1, Math.max(0, Math.round(q * (sample.length - 1))))]!;
}

/** The stretch's lower and upper limits for these pixels. */
export function stretchLimits(values: ArrayLike<number>, stretch: StretchName): [number, number] {
  if (stretch === "zscale") return zscaleLimits(values);
  const sample = sortedSample(values, 10 * ZSCALE_SAMPLES);
  if (sample.length === 0) return [0, 1];
  // asinh keeps the bright end: from just below the sky to the brightest pixels.
  const z1 = zscaleLimits(values)[0];
  const z2 = quantile(sample, 0.9995);
  return z2 > z1 ? [z1, z2] : [z1, z1 + 1];
}

/** Steps of the normalised value the grey levels are looked up at: finer than 8-bit output needs. */
const LEVELS = 4096;

/** Grey levels (0–255) of `values` under the stretch between `limits`. */
export function applyStretch(
  values: ArrayLike<number>,
  stretch: StretchName,
  limits: readonly [number, number],
): Uint8Array {
  const [z1, z2] = limits;
  const scale = (LEVELS - 1) / (z2 - z1);
  // The stretch as a table over the normalised value, so each pixel costs a multiply and a lookup.
  const table = new Uint8Array(LEVELS);
  const norm = Math.asinh(ASINH_Q);
  for (let k = 0; k < LEVELS; k++) {
    const t = k / (LEVELS - 1);
    table[k] = Math.round((stretch === "asinh" ? Math.asinh(ASINH_Q * t) / norm : t) * 255);
  }
  const out = new Uint8Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (!Number.isFinite(v)) continue;
    const k = Math.round((v - z1) * scale);
    out[i] = table[k <= 0 ? 0 : k >= LEVELS ? LEVELS - 1 : k]!;
  }
  return out;
}
