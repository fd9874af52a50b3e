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
/** asinh softening: the stretch is linear below ~1/Q of the range, logarithmic above. */
const ASINH_Q = 10;

/** Up to `count` finite values spread evenly over `values`, sorted. */
function sortedSample(values: ArrayLike<number>, count: number): Float64Array {
  const step = Math.max(1, Math.floor(values.length / count));
  const out: number[] = [];
  for (let i = 0; i < values.length; i += step) {
    const v = values[i]!;
    if (Number.isFinite(v)) out.push(v);
  }
  return Float64Array.from(out).sort();
}

/** IRAF's zscale: a line fitted to the sorted sample with outliers rejected; limits from its slope. */
export function zscaleLimits(values: ArrayLike<number>): [number, number] {
  const sample = sortedSample(values, ZSCALE_SAMPLES);
  const n = sample.length;
  if (n === 0) return [0, 1];
  const lo = sample[0]!;
  const hi = sample[n - 1]!;
  const median = n % 2 === 1 ? sample[(n - 1) / 2]! : (sample[n / 2 - 1]! + sample[n / 2]!) / 2;
  const keep = new Uint8Array(n).fill(1);
  let slope = 0;
  let intercept = median;
  for (let iteration = 0; iteration < ZSCALE_ITERATIONS; iteration++) {
    let sx = 0;
    let sy = 0;
    let sxx = 0;
    let sxy = 0;
    let count = 0;
    for (let i = 0; i < n; i++) {
      if (keep[i] === 0) continue;
      sx += i;
      sy += sample[i]!;
      sxx += i * i;
      sxy += i * sample[i]!;
      count++;
    }
    if (count < Math.max(5, n / 2)) break;
    const denominator = count * sxx - sx * sx;
    slope = denominator === 0 ? 0 : (count * sxy - sx * sy) / denominator;
    intercept = (sy - slope * sx) / count;
    let sumSq = 0;
    for (let i = 0; i < n; i++) if (keep[i] === 1) sumSq += (sample[i]! - (intercept + slope * i)) ** 2;
    const sigma = Math.sqrt(sumSq / count);
    let rejected = 0;
    for (let i = 0; i < n; i++) {
      if (keep[i] === 1 && Math.abs(sample[i]! - (intercept + slope * i)) > ZSCALE_REJECT * sigma) {
        keep[i] = 0;
        rejected++;
      }
    }
    if (rejected === 0) break;
  }
  const centre = (n - 1) / 2;
  const z1 = Math.max(lo, median - (centre * slope) / ZSCALE_CONTRAST);
  const z2 = Math.min(hi, median + (centre * slope) / ZSCALE_CONTRAST);
  return z2 > z1 ? [z1, z2] : [lo, hi > lo ? hi : lo + 1];
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
