/**
 * How a region relates to one HTM trixel, for building pixel ranges. Conservative by construction:
 * the trixel handed in is already padded outward (by ~1e-11 rad, far more than the rounding in
 * index()), so OUTSIDE means no point index() could assign to the trixel is in the region, and
 * INSIDE means every such point is.
 * - Polygons: separating-edge test and vertex containment with the exact orientation predicate.
 * - Circles: angular distance from the center to the trixel (floating point, margin 1e-15).
 * - Boxes and any other region: the generic cap-intersection test of caps.ts.
 */
import { CAP_TOLERANCE, type Cap, cap, capsIntersect } from "./caps.ts";
import type { Circle } from "./circle.ts";
import type { ConvexPolygon } from "./convex-polygon.ts";
import { orientation } from "./orientation.ts";
import { edgeUnitNormals, polygonContains, polygonDistance } from "./polygon-geometry.ts";
import type { Region } from "./region.ts";
import { angleBetween, type UnitVector3d } from "./vector3d.ts";

export const TRIXEL_OUTSIDE = 0;
const TRIXEL_PARTIAL = 1;
export const TRIXEL_INSIDE = 2;
export type TrixelRelation = typeof TRIXEL_OUTSIDE | typeof TRIXEL_PARTIAL | typeof TRIXEL_INSIDE;

/** A padded trixel: its three (pushed-out) vertices and a circle around them. */
export interface PaddedTrixel {
  readonly vertices: readonly [UnitVector3d, UnitVector3d, UnitVector3d];
  readonly center: UnitVector3d;
  readonly radius: number;
}

export type TrixelTest = (t: PaddedTrixel) => TrixelRelation;

const MARGIN = 1e-15;

export function prepareTrixelTest(region: Region): TrixelTest {
  if (region.kind === "polygon") return polygonTest(region as ConvexPolygon);
  if (region.kind === "circle") return circleTest(region as Circle);
  return genericTest(region);
}

function boundingCirclesApart(t: PaddedTrixel, bc: Circle): boolean {
  if (bc.isFull()) return false;
  return angleBetween(t.center, bc.center) > t.radius + bc.openingAngle + 1e-12;
}

function polygonTest(polygon: ConvexPolygon): TrixelTest {
  const H = polygon.hull;
  const n = H.length;
  const bc = polygon.boundingCircle();
  return (t) => {
    if (boundingCirclesApart(t, bc)) return TRIXEL_OUTSIDE;
    const [t0, t1, t2] = t.vertices;
    // A polygon edge with the whole trixel strictly on its outer side separates them.
    for (let i = 0; i < n; i++) {
      const a = H[i]!;
      const b = H[(i + 1) % n]!;
      if (orientation(a, b, t0) < 0 && orientation(a, b, t1) < 0 && orientation(a, b, t2) < 0) {
        return TRIXEL_OUTSIDE;
      }
    }
    // So does a trixel edge with the whole polygon strictly outside it.
    for (const [a, b] of [
      [t0, t1],
      [t1, t2],
      [t2, t0],
    ] as const) {
      let separates = true;
      for (let i = 0; i < n && separates; i++) separates = orientation(a, b, H[i]!) < 0;
      if (separates) return TRIXEL_OUTSIDE;
    }
    if (polygonContains(H, t0) && polygonContains(H, t1) && polygonContains(H, t2)) return TRIXEL_INSIDE;
    return TRIXEL_PARTIAL;
  };
}

function circleTest(circle: Circle): TrixelTest {
  const theta = circle.openingAngle;
  const c = circle.center;
  const anti = c.negate();
  return (t) => {
    if (circle.isFull()) return TRIXEL_INSIDE;
    if (angleBetween(t.center, c) > t.radius + theta + 1e-12) return TRIXEL_OUTSIDE;
    const normals = edgeUnitNormals(t.vertices);
    if (polygonDistance(t.vertices, normals, c) > theta + MARGIN) return TRIXEL_OUTSIDE;
    if (theta <= Math.PI / 2) {
      if (t.vertices.every((v) => angleBetween(c, v) <= theta - MARGIN)) return TRIXEL_INSIDE;
    } else if (polygonDistance(t.vertices, normals, anti) >= Math.PI - theta + MARGIN) {
      return TRIXEL_INSIDE;
    }
    return TRIXEL_PARTIAL;
  };
}

function genericTest(region: Region): TrixelTest {
  const pieces = region.capPieces();
  const complement = region.complementPieces();
  const bc = region.boundingCircle();
  return (t) => {
    if (boundingCirclesApart(t, bc)) return TRIXEL_OUTSIDE;
    const tcaps: Cap[] = edgeUnitNormals(t.vertices).map((n) => cap(n, 0));
    if (!pieces.some((p) => capsIntersect([...tcaps, ...p], CAP_TOLERANCE))) return TRIXEL_OUTSIDE;
    if (complement.every((p) => !capsIntersect([...tcaps, ...p], -CAP_TOLERANCE))) return TRIXEL_INSIDE;
    return TRIXEL_PARTIAL;
  };
}
