/**
 * Geometry on vertex lists of convex spherical polygons (counter-clockwise, inside an open
 * hemisphere): the exact convex hull, exact point containment, edge crossing, and the angular
 * distance from a point to a polygon. Decisions that must be exact go through `orientation`;
 * distances are floating point (error ~1e-16 rad).
 */
import { InvalidRegionError } from "../errors/index.ts";
import { edgeNormal } from "./caps.ts";
import { orientation } from "./orientation.ts";
import { angleBetween, dot, type UnitVector3d, type Vec3, Vector3d } from "./vector3d.ts";

/**
 * A direction c with c·p > 0 for every point: proof that the points lie in an open hemisphere.
 * Starts from the mean direction and corrects with perceptron steps (which terminate whenever such
 * a c exists). Returns undefined when none is found.
 */
export function hemisphereCenter(points: readonly Vec3[]): Vector3d | undefined {
  let cx = 0;
  let cy = 0;
  let cz = 0;
  for (const p of points) {
    cx += p.x;
    cy += p.y;
    cz += p.z;
  }
  const maxSteps = 100 * points.length + 1000;
  for (let step = 0; step < maxSteps; step++) {
    const norm = Math.hypot(cx, cy, cz);
    let worst: Vec3 | undefined;
    let worstDot = Number.POSITIVE_INFINITY;
    if (norm > 0) {
      for (const p of points) {
        const d = (p.x * cx + p.y * cy + p.z * cz) / norm;
        if (d < worstDot) {
          worstDot = d;
          worst = p;
        }
      }
      if (worstDot > 1e-15) return new Vector3d(cx / norm, cy / norm, cz / norm);
    } else {
      worst = points[step % points.length];
    }
    if (worst === undefined) return undefined;
    cx += worst.x;
    cy += worst.y;
    cz += worst.z;
  }
  return undefined;
}

/**
 * Indices (into `points`) of the vertices of the spherical convex hull, counter-clockwise, by gift
 * wrapping with the exact orientation predicate. Points strictly inside, exact duplicates and
 * points in the middle of a hull edge (exactly collinear) are dropped; a point that is off an edge
 * by any amount, however small, is kept or dropped according to its exact side. Throws
 * InvalidRegionError when the points are not in an open hemisphere or span no area.
 */
export function convexHullIndices(points: readonly UnitVector3d[]): number[] {
  const unique = uniqueIndices(points);
  if (unique.length < 3) {
    throw new InvalidRegionError(
      "polygon",
      `a polygon needs at least 3 distinct vertices, got ${unique.length}`,
    );
  }
  const center = hemisphereCenter(unique.map((i) => points[i]!));
  if (center === undefined) {
    throw new InvalidRegionError("polygon", "polygon vertices do not lie in an open hemisphere");
  }
  // The point farthest from the center (in gnomonic projection) is a hull vertex.
  let start = unique[0]!;
  let best = Number.POSITIVE_INFINITY;
  for (const i of unique) {
    const d = dot(center, points[i]!);
    if (d < best) {
      best = d;
      start = i;
    }
  }
  const hull: number[] = [start];
  const position = new Map<number, number>([[start, 0]]);
  let p = start;
  for (let step = 0; step <= unique.length; step++) {
    const q = nextHullVertex(points, unique, p);
    const seenAt = position.get(q);
    if (seenAt !== undefined) {
      const cycle = hull.slice(seenAt);
      if (cycle.length < 3) break;
      return cycle;
    }
    position.set(q, hull.length);
    hull.push(q);
    p = q;
  }
  throw new InvalidRegionError(
    "polygon",
    "polygon vertices are degenerate (collinear): the polygon has no area",
  );
}

/** Indices of the first occurrence of each distinct point (exact comparison). */
function uniqueIndices(points: readonly Vec3[]): number[] {
  const unique: number[] = [];
  if (points.length <= 64) {
    for (let i = 0; i < points.length; i++) {
      const p = points[i]!;
      if (!unique.some((j) => points[j]!.x === p.x && points[j]!.y === p.y && points[j]!.z === p.z))
        unique.push(i);
    }
    return unique;
  }
  const seen = new Set<string>();
  for (let i = 0; i < points.length; i++) {
    const p = points[i]!;
    const key = `${p.x},${p.y},${p.z}`;
    if (!seen.has(key)) {
      seen.add(key);
      unique.push(i);
    }
  }
  return unique;
}

function nextHullVertex(points: readonly UnitVector3d[], candidates: readonly number[], p: number): number {
  const P = points[p]!;
  let q = -1;
  for (const r of candidates) {
    if (r === p) continue;
    if (q < 0) {
      q = r;
      continue;
    }
    const Q = points[q]!;
    const R = points[r]!;
    const o = orientation(P, Q, R);
    if (o < 0) {
      q = r;
    } else if (o === 0) {
      // Collinear: keep going to the farther point in the same direction along the great circle.
      const pq = dot(P, Q);
      const sameDirection = dot(Q, R) - pq * dot(P, R) > 0;
      if (sameDirection && dot(P, R) < pq) q = r;
    }
  }
  return q;
}

/** Whether v is inside or on the boundary of the convex polygon `hull` (exact). */
export function polygonContains(hull: readonly Vec3[], v: Vec3): boolean {
  const n = hull.length;
  for (let i = 0; i < n; i++) {
    if (orientation(hull[i]!, hull[(i + 1) % n]!, v) < 0) return false;
  }
  return true;
}

/**
 * Whether the arcs a→b and c→d (each shorter than π) cross at a point interior to both (exact).
 * Touching at an endpoint or overlapping collinearly is not a crossing (callers test vertices).
 */
export function arcsCross(a: Vec3, b: Vec3, c: Vec3, d: Vec3): boolean {
  const abc = orientation(a, b, c);
  if (abc === 0) return false;
  if (orientation(a, b, d) !== -abc) return false;
  // c and d straddle great circle ab; now a and b must straddle cd, on the side that makes the
  // crossing point the same one for both arcs (not its antipode).
  return orientation(c, d, a) === -abc && orientation(c, d, b) === abc;
}

/** Unit normals of the edges hull[i]→hull[i+1], computed robustly. */
export function edgeUnitNormals(hull: readonly Vec3[]): UnitVector3d[] {
  const n = hull.length;
  const out: UnitVector3d[] = [];
  for (let i = 0; i < n; i++) out.push(edgeNormal(hull[i]!, hull[(i + 1) % n]!).normalize());
  return out;
}

/** Angular distance from v to the arc a→b whose unit normal is `n`. */
export function arcDistance(a: Vec3, b: Vec3, n: Vec3, v: Vec3): number {
  // v projects inside the arc iff it is ahead of a and behind b along the direction of travel.
  const ta = new Vector3d(n.y * a.z - n.z * a.y, n.z * a.x - n.x * a.z, n.x * a.y - n.y * a.x);
  const tb = new Vector3d(n.y * b.z - n.z * b.y, n.z * b.x - n.x * b.z, n.x * b.y - n.y * b.x);
  if (ta.dot(v) >= 0 && tb.dot(v) <= 0) {
    const s = Math.abs(dot(n, v));
    const cx = n.y * v.z - n.z * v.y;
    const cy = n.z * v.x - n.x * v.z;
    const cz = n.x * v.y - n.y * v.x;
    return Math.atan2(s, Math.hypot(cx, cy, cz));
  }
  return Math.min(angleBetween(a, v), angleBetween(b, v));
}

/** Angular distance from v to the closed polygon (0 inside). */
export function polygonDistance(hull: readonly Vec3[], normals: readonly Vec3[], v: Vec3): number {
  if (polygonContains(hull, v)) return 0;
  const n = hull.length;
  let best = Number.POSITIVE_INFINITY;
  for (let i = 0; i < n; i++) {
    const d = arcDistance(hull[i]!, hull[(i + 1) % n]!, normals[i]!, v);
    if (d < best) best = d;
  }
  return best;
}
