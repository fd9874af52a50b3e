/**
 * The robust orientation predicate: the sign of det[a, b, c] = a · (b × c). It is +1 when c lies to
 * the left of (counter-clockwise from) the great circle a→b, −1 to the right, 0 when the three
 * vectors are exactly coplanar. The floating-point determinant is trusted when it clears a forward
 * error bound; otherwise the determinant is recomputed exactly in BigInt arithmetic, so the sign is
 * always the sign of the exact determinant of the given doubles.
 */
import type { Vec3 } from "./vector3d.ts";

/**
 * Relative bound on the rounding error of the straightforward 3×3 determinant: each term passes
 * through at most 5 roundings (2 products, a difference, a product, two sums ⇒ ≤ 6u + O(u²) of the
 * permanent, u = 2⁻⁵³). 8u ≈ 8.9e-16 is used, rounded up.
 */
const ERROR_FACTOR = 1e-15;
/** Below this permanent, products may be subnormal and the bound above does not hold. */
const MIN_PERMANENT = 1e-280;

export function orientation(a: Vec3, b: Vec3, c: Vec3): -1 | 0 | 1 {
  const m1 = b.y * c.z;
  const m2 = b.z * c.y;
  const m3 = b.z * c.x;
  const m4 = b.x * c.z;
  const m5 = b.x * c.y;
  const m6 = b.y * c.x;
  const det = a.x * (m1 - m2) + a.y * (m3 - m4) + a.z * (m5 - m6);
  const permanent =
    Math.abs(a.x) * (Math.abs(m1) + Math.abs(m2)) +
    Math.abs(a.y) * (Math.abs(m3) + Math.abs(m4)) +
    Math.abs(a.z) * (Math.abs(m5) + Math.abs(m6));
  const bound = ERROR_FACTOR * permanent;
  if (det > bound && permanent > MIN_PERMANENT) return 1;
  if (det < -bound && permanent > MIN_PERMANENT) return -1;
  return exactOrientation(a, b, c);
}

// ---------------------------------------------------------------------------------------------
// Exact arithmetic: every finite double is m·2^e with integer m; products of three are exact in
// BigInt, and the six terms are summed after aligning them to the smallest exponent.

interface Exact {
  m: bigint;
  e: number;
}

const scratch = new DataView(new ArrayBuffer(8));

function toExact(v: number): Exact {
  if (!Number.isFinite(v)) throw new RangeError(`orientation of a non-finite value ${v}`);
  if (v === 0) return { m: 0n, e: 0 };
  scratch.setFloat64(0, v);
  const hi = scratch.getUint32(0);
  const lo = scratch.getUint32(4);
  const sign = hi >>> 31 ? -1n : 1n;
  const biased = (hi >>> 20) & 0x7ff;
  let mant = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo);
  let e: number;
  if (biased === 0) {
    e = -1074; // subnormal
  } else {
    mant |= 1n << 52n;
    e = biased - 1075;
  }
  return { m: sign * mant, e };
}

function mul3(a: Exact, b: Exact, c: Exact): Exact {
  return { m: a.m * b.m * c.m, e: a.e + b.e + c.e };
}

function exactOrientation(a: Vec3, b: Vec3, c: Vec3): -1 | 0 | 1 {
  const [ax, ay, az, bx, by, bz, cx, cy, cz] = [a.x, a.y, a.z, b.x, b.y, b.z, c.x, c.y, c.z].map(toExact) as [
    Exact,
    Exact,
    Exact,
    Exact,
    Exact,
    Exact,
    Exact,
    Exact,
    Exact,
  ];
  const pos = [mul3(ax, by, cz), mul3(ay, bz, cx), mul3(az, bx, cy)];
  const neg = [mul3(ax, bz, cy), mul3(ay, bx, cz), mul3(az, by, cx)];
  let emin = Number.POSITIVE_INFINITY;
  for (const t of [...pos, ...neg]) if (t.m !== 0n && t.e < emin) emin = t.e;
  if (emin === Number.POSITIVE_INFINITY) return 0;
  let sum = 0n;
  for (const t of pos) if (t.m !== 0n) sum += t.m << BigInt(t.e - emin);
  for (const t of neg) if (t.m !== 0n) sum -= t.m << BigInt(t.e - emin);
  return sum > 0n ? 1 : sum < 0n ? -1 : 0;
}
