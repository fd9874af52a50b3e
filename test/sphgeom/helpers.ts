/**
 * Shared test helpers: a seeded PRNG, random points/regions, and independent oracles (gnomonic
 * point-in-polygon, haversine distances) that do not reuse the code under test.
 */
import { Box, Circle, ConvexPolygon, LonLat, UnitVector3d, type Vector3d } from "../../src/sphgeom/index.ts";

/** mulberry32: a small deterministic PRNG in [0, 1). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const DEG = Math.PI / 180;

/** A uniformly random point on the sphere. */
export function randomPoint(rand: () => number): UnitVector3d {
  const z = 2 * rand() - 1;
  const phi = 2 * Math.PI * rand();
  const r = Math.sqrt(Math.max(0, 1 - z * z));
  return UnitVector3d.of(r * Math.cos(phi), r * Math.sin(phi), z);
}

/** A uniformly random point within `radius` radians of `center`. */
export function randomPointNear(rand: () => number, center: UnitVector3d, radius: number): UnitVector3d {
  const u = center.orthogonal();
  const w = center.cross(u);
  const cosR = Math.cos(radius);
  const cosT = 1 - rand() * (1 - cosR);
  const sinT = Math.sqrt(Math.max(0, 1 - cosT * cosT));
  const phi = 2 * Math.PI * rand();
  const a = sinT * Math.cos(phi);
  const b = sinT * Math.sin(phi);
  return UnitVector3d.of(
    cosT * center.x + a * u.x + b * w.x,
    cosT * center.y + a * u.y + b * w.y,
    cosT * center.z + a * u.z + b * w.z,
  );
}

/** A random convex polygon: the hull of 3–10 random points within `size` of `center`. */
export function randomPolygon(rand: () => number, center: UnitVector3d, size: number): ConvexPolygon {
  for (;;) {
    const n = 3 + Math.floor(rand() * 8);
    const pts: UnitVector3d[] = [];
    for (let i = 0; i < n; i++) pts.push(randomPointNear(rand, center, size));
    try {
      return ConvexPolygon.convexHull(pts);
    } catch {
      // degenerate draw; try again
    }
  }
}

export function randomCircle(rand: () => number, center: UnitVector3d, maxRadius: number): Circle {
  return new Circle(center, maxRadius * (0.05 + 0.95 * rand()));
}

export function randomBox(rand: () => number, center: UnitVector3d, maxSize: number): Box {
  const ll = LonLat.fromVector(center);
  return Box.fromCenterSize(
    ll.lonDegrees,
    ll.latDegrees,
    (maxSize / DEG) * (0.05 + rand()),
    (maxSize / DEG) * (0.05 + rand()),
  );
}

/** Great-circle distance in radians by the haversine formula (independent of the library). */
export function haversine(a: UnitVector3d, b: UnitVector3d): number {
  const la = Math.atan2(a.y, a.x);
  const pa = Math.asin(Math.max(-1, Math.min(1, a.z)));
  const lb = Math.atan2(b.y, b.x);
  const pb = Math.asin(Math.max(-1, Math.min(1, b.z)));
  const h = Math.sin((pb - pa) / 2) ** 2 + Math.cos(pa) * Math.cos(pb) * Math.sin((lb - la) / 2) ** 2;
  return 2 * Math.asin(Math.min(1, Math.sqrt(h)));
}

/**
 * Point-in-convex-polygon by gnomonic projection onto the plane tangent at the vertices' mean and
 * 2-D cross products (great circles project to straight lines). Independent of the library's
 * orientation predicate; reliable away from the boundary.
 */
export function gnomonicContains(vertices: readonly UnitVector3d[], p: UnitVector3d): boolean {
  let g = gnomonicCache.get(vertices);
  if (g === undefined) {
    g = gnomonicFrame(vertices);
    gnomonicCache.set(vertices, g);
  }
  const { c, u, w, pts } = g;
  const d = c.dot(p);
  if (d <= 0) return false;
  const q = [u.dot(p) / d, w.dot(p) / d] as const;
  let sign = 0;
  for (let i = 0; i < pts.length; i++) {
    const a = pts[i]!;
    const b = pts[(i + 1) % pts.length]!;
    const cr = (b[0] - a[0]) * (q[1] - a[1]) - (b[1] - a[1]) * (q[0] - a[0]);
    if (cr === 0) continue;
    if (sign === 0) sign = Math.sign(cr);
    else if (Math.sign(cr) !== sign) return false;
  }
  return true;
}

interface GnomonicFrame {
  c: UnitVector3d;
  u: UnitVector3d;
  w: Vector3d;
  pts: [number, number][];
}

const gnomonicCache = new WeakMap<readonly UnitVector3d[], GnomonicFrame>();

function gnomonicFrame(vertices: readonly UnitVector3d[]): GnomonicFrame {
  let cx = 0;
  let cy = 0;
  let cz = 0;
  for (const v of vertices) {
    cx += v.x;
    cy += v.y;
    cz += v.z;
  }
  const c = UnitVector3d.of(cx, cy, cz);
  const u = c.orthogonal();
  const w = c.cross(u);
  const pts = vertices.map((v): [number, number] => {
    const d = c.dot(v);
    return [u.dot(v) / d, w.dot(v) / d];
  });
  return { c, u, w, pts };
}

/** Independent containment oracle for any of the library's regions. */
export function oracleContains(region: Circle | ConvexPolygon | Box, p: UnitVector3d): boolean {
  if (region instanceof Circle) return haversine(region.center, p) <= region.openingAngle;
  if (region instanceof ConvexPolygon) return gnomonicContains(region.hull, p);
  const lat = Math.atan2(p.z, Math.hypot(p.x, p.y));
  if (lat < region.latMin || lat > region.latMax) return false;
  if (region.isFullLongitude()) return true;
  let lon = Math.atan2(p.y, p.x);
  if (lon < 0) lon += 2 * Math.PI;
  const width = (region.lonMax - region.lonMin + 2 * Math.PI) % (2 * Math.PI);
  return (lon - region.lonMin + 2 * Math.PI) % (2 * Math.PI) <= width;
}

/** Fisher–Yates shuffle with the given PRNG. */
export function shuffle<T>(rand: () => number, items: readonly T[]): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}
