/**
 * Generic geometry for regions that are intersections of spherical caps. A cap is the closed set
 * {v : n·v ≥ d} for a unit vector n and d = cos(opening angle): d = 0 is a hemisphere (the inside
 * of a great-circle edge), d > 0 a small cap, d < 0 a cap larger than a hemisphere, d ≤ −1 the
 * whole sphere. Circles, polygons (one hemisphere per edge) and boxes (two caps for the latitude
 * band, two hemispheres for a longitude range up to π) all decompose into unions of such
 * intersections, which lets any pair of regions be related by one exact-in-principle routine.
 */
import { type UnitVector3d, type Vec3, Vector3d } from "./vector3d.ts";

export interface Cap {
  readonly n: UnitVector3d;
  readonly d: number;
}

/** An intersection of caps ("convex piece"); a region is a union of pieces. */
export type CapSet = readonly Cap[];

/** Tolerance in units of n·v: positive loosens every cap (touching counts), negative tightens. */
export const CAP_TOLERANCE = 1e-15;

const TWO_PI = 2 * Math.PI;

type Intervals = [number, number][];

/**
 * Whether the intersection of `caps` is non-empty, with every constraint relaxed to n·v ≥ d − tol.
 *
 * Why this is complete: let I be the intersection. If every cap is the whole sphere, I is the
 * sphere. Otherwise, if I is non-empty it is a closed proper subset of the (connected) sphere, so
 * it has a boundary point p, and at p some constraint is tight: p lies on the boundary circle of
 * some cap i and satisfies all the others. So I ≠ ∅ iff, for some i, the boundary circle of cap i
 * has a point inside every other cap. On circle i, parametrised by angle t, each other cap j is
 * satisfied on one arc (A cos t + B sin t ≥ C), so the test is an intersection of arcs.
 */
export function capsIntersect(caps: CapSet, tol = CAP_TOLERANCE): boolean {
  const active: Cap[] = [];
  for (const cap of caps) {
    if (cap.d - tol > 1) return false; // an empty cap
    if (cap.d - tol > -1) active.push(cap);
  }
  if (active.length === 0) return true;
  for (let i = 0; i < active.length; i++) {
    if (boundaryMeetsAll(active, i, tol)) return true;
  }
  return false;
}

function boundaryMeetsAll(caps: Cap[], i: number, tol: number): boolean {
  const { n, d } = caps[i]!;
  const di = Math.min(1, Math.max(-1, d));
  const s = Math.sqrt(Math.max(0, 1 - di * di));
  if (s === 0) {
    // A single-point cap: its boundary is n itself.
    for (let j = 0; j < caps.length; j++) {
      if (j !== i && caps[j]!.n.dot(n) < caps[j]!.d - tol) return false;
    }
    return true;
  }
  const u = n.orthogonal();
  const w = new Vector3d(n.y * u.z - n.z * u.y, n.z * u.x - n.x * u.z, n.x * u.y - n.y * u.x);
  let set: Intervals = [[0, TWO_PI]];
  for (let j = 0; j < caps.length && set.length > 0; j++) {
    if (j === i) continue;
    const cj = caps[j]!;
    const a = s * u.dot(cj.n);
    const b = s * w.dot(cj.n);
    const c = cj.d - tol - di * n.dot(cj.n);
    const r = Math.hypot(a, b);
    if (c <= -r) continue; // the whole circle satisfies cap j
    if (c > r) return false; // no point of the circle does
    const half = Math.acos(Math.min(1, c / r));
    const phi = Math.atan2(b, a);
    set = intersectArc(set, phi - half, 2 * half);
  }
  return set.length > 0;
}

/** Intersects a sorted interval list on [0, 2π] with the arc starting at `start`, of length `len`. */
function intersectArc(set: Intervals, start: number, len: number): Intervals {
  let s = start % TWO_PI;
  if (s < 0) s += TWO_PI;
  const e = s + len;
  const arcs: Intervals =
    e <= TWO_PI
      ? [[s, e]]
      : [
          [0, e - TWO_PI],
          [s, TWO_PI],
        ];
  const out: Intervals = [];
  for (const [lo, hi] of set) {
    for (const [alo, ahi] of arcs) {
      const l = Math.max(lo, alo);
      const h = Math.min(hi, ahi);
      if (l <= h) out.push([l, h]);
    }
  }
  return out;
}

/** Cap {v : n·v ≥ d}. */
export function cap(n: UnitVector3d, d: number): Cap {
  return { n, d };
}

/** The hemisphere to the left of the great circle a→b: {v : (a×b)·v ≥ 0}, via a robust normal. */
export function edgeNormal(a: Vec3, b: Vec3): Vector3d {
  // (a − b) × (a + b) = 2 a×b, but keeps its direction accurate when a and b are close.
  const dx = a.x - b.x;
  const dy = a.y - b.y;
  const dz = a.z - b.z;
  const sx = a.x + b.x;
  const sy = a.y + b.y;
  const sz = a.z + b.z;
  return new Vector3d(dy * sz - dz * sy, dz * sx - dx * sz, dx * sy - dy * sx);
}
