/**
 * Angle helpers. Every angle inside sphgeom is a plain number in radians; these convert at the edges
 * (query literals and POS strings are in degrees) and normalize longitudes.
 */

export const TWO_PI = 2 * Math.PI;
export const HALF_PI = Math.PI / 2;

const RAD_PER_DEG = Math.PI / 180;
const DEG_PER_RAD = 180 / Math.PI;

/** Degrees → radians. */
export function toRadians(degrees: number): number {
  return degrees * RAD_PER_DEG;
}

/** Radians → degrees. */
export function toDegrees(radians: number): number {
  return radians * DEG_PER_RAD;
}

/** Maps any finite longitude (radians) into [0, 2π). */
export function normalizeLongitude(lon: number): number {
  if (lon >= 0 && lon < TWO_PI) return lon;
  let r = lon % TWO_PI;
  if (r < 0) r += TWO_PI;
  // r + 2π can round up to exactly 2π for tiny negative inputs.
  return r >= TWO_PI ? 0 : r;
}
