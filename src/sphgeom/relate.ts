/**
 * Pairwise relations between regions. Polygon–polygon is decided with the exact orientation
 * predicate; circle–circle and polygon–circle with closed-form angular distances (floating point,
 * ~1e-15 rad); every pair involving a Box (or another Region implementation) goes through the
 * generic cap-intersection routine in caps.ts (floating point, ~1e-15 in n·v).
 */
import { CAP_TOLERANCE, type CapSet, capsIntersect } from "./caps.ts";
import type { Circle } from "./circle.ts";
import type { ConvexPolygon } from "./convex-polygon.ts";
import { arcsCross, polygonContains, polygonDistance } from "./polygon-geometry.ts";
import type { Region } from "./region.ts";
import { CONTAINS, DISJOINT, INTERSECTS, type Relationship, WITHIN } from "./relationship.ts";
import { angleBetween, dot } from "./vector3d.ts";

/** Slack on angular comparisons (radians): touching within this counts as touching. */
const ANGLE_TOLERANCE = 1e-15;

function asCircle(r: Region): Circle | undefined {
  return r.kind === "circle" ? (r as Circle) : undefined;
}

function asPolygon(r: Region): ConvexPolygon | undefined {
  return r.kind === "polygon" ? (r as ConvexPolygon) : undefined;
}

export function relateRegions(a: Region, b: Region): Relationship {
  if (!regionsIntersect(a, b)) return DISJOINT;
  let r = INTERSECTS;
  if (regionContains(a, b)) r |= CONTAINS;
  if (regionContains(b, a)) r |= WITHIN;
  return r;
}

/** Whether the closed regions share a point. */
export function regionsIntersect(a: Region, b: Region): boolean {
  const ca = asCircle(a);
  const cb = asCircle(b);
  const pa = asPolygon(a);
  const pb = asPolygon(b);
  if (ca && cb) {
    return angleBetween(ca.center, cb.center) <= ca.openingAngle + cb.openingAngle + ANGLE_TOLERANCE;
  }
  if (pa && pb) return polygonsIntersect(pa, pb);
  if (pa && cb) return polygonCircleIntersect(pa, cb);
  if (ca && pb) return polygonCircleIntersect(pb, ca);
  return genericIntersect(a.capPieces(), b.capPieces());
}

/** Whether `outer` ⊇ `inner`. */
export function regionContains(outer: Region, inner: Region): boolean {
  const co = asCircle(outer);
  const ci = asCircle(inner);
  const po = asPolygon(outer);
  const pi = asPolygon(inner);
  if (co?.isFull()) return true;
  if (co && ci) {
    return angleBetween(co.center, ci.center) + ci.openingAngle <= co.openingAngle + ANGLE_TOLERANCE;
  }
  if (po && pi) return pi.hull.every((v) => polygonContains(po.hull, v));
  if (co && pi) return circleContainsPolygon(co, pi);
  if (po && ci) return polygonContainsCircle(po, ci);
  return genericContains(outer.complementPieces(), inner.capPieces());
}

function polygonsIntersect(p: ConvexPolygon, q: ConvexPolygon): boolean {
  const P = p.hull;
  const Q = q.hull;
  for (const v of Q) if (polygonContains(P, v)) return true;
  for (const v of P) if (polygonContains(Q, v)) return true;
  for (let i = 0; i < P.length; i++) {
    const a = P[i]!;
    const b = P[(i + 1) % P.length]!;
    for (let j = 0; j < Q.length; j++) {
      if (arcsCross(a, b, Q[j]!, Q[(j + 1) % Q.length]!)) return true;
    }
  }
  return false;
}

function polygonCircleIntersect(p: ConvexPolygon, c: Circle): boolean {
  if (c.isFull()) return true;
  return polygonDistance(p.hull, p.edgeNormals(), c.center) <= c.openingAngle + ANGLE_TOLERANCE;
}

function circleContainsPolygon(c: Circle, p: ConvexPolygon): boolean {
  const theta = c.openingAngle;
  if (theta <= Math.PI / 2) {
    // The cap is convex, so it contains the polygon iff it contains the vertices.
    return p.hull.every((v) => angleBetween(c.center, v) <= theta + ANGLE_TOLERANCE);
  }
  // A cap larger than a hemisphere contains the polygon iff the polygon misses the (convex,
  // open) complementary cap around −center.
  return polygonDistance(p.hull, p.edgeNormals(), c.center.negate()) >= Math.PI - theta - ANGLE_TOLERANCE;
}

function polygonContainsCircle(p: ConvexPolygon, c: Circle): boolean {
  const theta = c.openingAngle;
  if (theta >= Math.PI / 2) return false; // a polygon lies in a hemisphere
  // The circle is inside every edge's hemisphere iff its center is at least θ inside it.
  const s = Math.sin(theta);
  return p.edgeNormals().every((n) => dot(n, c.center) >= s - ANGLE_TOLERANCE);
}

function genericIntersect(a: readonly CapSet[], b: readonly CapSet[]): boolean {
  for (const pa of a) {
    for (const pb of b) {
      if (capsIntersect([...pa, ...pb], CAP_TOLERANCE)) return true;
    }
  }
  return false;
}

/** outer ⊇ inner iff every piece of inner misses every piece of outer's complement. */
function genericContains(outerComplement: readonly CapSet[], inner: readonly CapSet[]): boolean {
  for (const pi of inner) {
    for (const pc of outerComplement) {
      if (capsIntersect([...pi, ...pc], -CAP_TOLERANCE)) return false;
    }
  }
  return true;
}

/**
 * The relation computed only through the cap decomposition (the path boxes take). Exported so that
 * the specialised polygon and circle paths can be cross-checked against it.
 */
export function relateByCaps(a: Region, b: Region): Relationship {
  if (!genericIntersect(a.capPieces(), b.capPieces())) return DISJOINT;
  let r = INTERSECTS;
  if (genericContains(a.complementPieces(), b.capPieces())) r |= CONTAINS;
  if (genericContains(b.complementPieces(), a.capPieces())) r |= WITHIN;
  return r;
}
