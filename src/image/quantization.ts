/**
 * The quantization step of a lossy write, as afw's STDEV_MASKED scaling sets it: the standard deviation
 * of the plane's finite pixels whose mask has none of the ignored planes set, divided by the level (16
 * for Rubin's lossy16 recipe, so the step is a sixteenth of the noise).
 */
import type { Image } from "./image.ts";
import type { Mask } from "./mask.ts";

/** afw's default planes to leave out of the noise estimate of a lossy write. */
export const QUANTIZE_IGNORED_PLANES: readonly string[] = ["NO_DATA", "INTRP"];

/** Standard deviation of the finite pixels of `image` not flagged by `ignore` in `mask`; 0 when none. */
export function maskedStdev(
  image: Image,
  mask?: Mask,
  ignore: readonly string[] = QUANTIZE_IGNORED_PLANES,
): number {
  const values = image.array as ArrayLike<number>;
  const names = mask === undefined ? [] : ignore.filter((n) => mask.planes.names.includes(n));
  const bits = mask === undefined || names.length === 0 ? 0 : mask.getPlaneBitMask(names);
  const flags = mask?.array;
  const use = (i: number) => Number.isFinite(values[i]) && (bits === 0 || (flags![i]! & bits) === 0);
  let n = 0;
  let sum = 0;
  for (let i = 0; i < values.length; i++) {
    if (use(i)) {
      n++;
      sum += values[i]!;
    }
  }
  if (n < 2) return 0;
  const mean = sum / n;
  let squares = 0;
  for (let i = 0; i < values.length; i++) {
    if (use(i)) squares += (values[i]! - mean) ** 2;
  }
  return Math.sqrt(squares / (n - 1));
}

/** The step for `level` steps per sigma; undefined when the plane has no spread (store it losslessly). */
export function quantizationStep(
  image: Image,
  level: number,
  mask?: Mask,
  ignore: readonly string[] = QUANTIZE_IGNORED_PLANES,
): number | undefined {
  const sigma = maskedStdev(image, mask, ignore);
  return sigma > 0 && Number.isFinite(sigma) ? sigma / level : undefined;
}
