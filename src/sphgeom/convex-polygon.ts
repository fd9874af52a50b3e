/**
 * A convex spherical polygon. `vertices` are kept exactly as given (so decode → encode is
 * byte-identical); all geometry uses `hull`, the exact convex hull of those vertices in
 * counter-clockwise order. For well-formed input the two are the same up to exact duplicates and
 * collinear points; for real exports they differ only by vertices that sit on an edge within
 * rounding (which sphgeom writes when it merges pixel boundaries).
 */
import { InvalidRegionError } from "../errors/index.ts";
import { type CapSet, cap } from "./caps.ts";
import { Circle } from "./circle.ts";
import { decodeFloats, encodeFloats, POLYGON_TYPE_CODE } from "./encoding.ts";
import { LonLat } from "./lonlat.ts";
import { convexHullIndices, edgeUnitNormals, polygonContains, polygonDistance } from "./polygon-geometry.ts";
import type { Region } from "./region.ts";
import { regionContains, regionsIntersect, relateRegions } from "./relate.ts";
import type { Relationship } from "./relationship.ts";
import { angleBetween, UnitVector3d } from "./vector3d.ts";

export class ConvexPolygon implements Region {
  readonly kind = "polygon" as const;
  /** The vertices as given or decoded (the encoding order). */
  readonly vertices: readonly UnitVector3d[];
  /** The convex hull of `vertices`, counter-clockwise, without duplicate or collinear points. */
  readonly hull: readonly UnitVector3d[];
  private normals: readonly UnitVector3d[] | undefined;
  private bounding: Circle | undefined;

  private constructor(vertices: readonly UnitVector3d[], hull: readonly UnitVector3d[]) {
    this.vertices = vertices;
    this.hull = hull;
  }

  /**
   * The convex hull of points given in any order (POLYGON(...) in a query). The points must lie
   * in an open hemisphere and not all on one great circle.
   */
  static convexHull(points: readonly UnitVector3d[]): ConvexPolygon {
    const hull = convexHullIndices(points).map((i) => points[i]!);
    return new ConvexPolygon(hull, hull);
  }

  /** convexHull of ra/dec pairs in degrees: [ra1, dec1, ra2, dec2, ...]. */
  static fromLonLatDegrees(coords: readonly number[]): ConvexPolygon {
    if (coords.length % 2 !== 0 || coords.length < 6) {
      throw new InvalidRegionError(
        "polygon",
        `a polygon needs an even number of coordinates for at least 3 vertices, got ${coords.length}`,
      );
    }
    const points: UnitVector3d[] = [];
    for (let i = 0; i < coords.length; i += 2)
      points.push(LonLat.fromDegrees(coords[i]!, coords[i + 1]!).toVector());
    return ConvexPolygon.convexHull(points);
  }

  /**
   * A polygon from vertices already in counter-clockwise convex order. Collinear or duplicated
   * vertices are allowed (kept for encoding, ignored by geometry); any other departure from a
   * counter-clockwise convex sequence is an InvalidRegionError.
   */
  static fromVertices(vertices: readonly UnitVector3d[]): ConvexPolygon {
    const indices = convexHullIndices(vertices);
    if (!isCyclicallyIncreasing(indices)) {
      throw new InvalidRegionError(
        "polygon",
        "polygon vertices are not in counter-clockwise convex order (use ConvexPolygon.convexHull for unordered points)",
      );
    }
    return new ConvexPolygon(
      [...vertices],
      indices.map((i) => vertices[i]!),
    );
  }

  /** Decodes 0x70 followed by x, y, z little-endian float64 per vertex. */
  static decode(bytes: Uint8Array): ConvexPolygon {
    const f = decodeFloats(bytes, POLYGON_TYPE_CODE, "ConvexPolygon");
    if (f.length % 3 !== 0 || f.length < 9) {
      throw new InvalidRegionError(
        "encoding",
        `cannot decode ConvexPolygon: ${bytes.length} bytes is not 1 + 24 × (3 or more vertices)`,
      );
    }
    const vertices: UnitVector3d[] = [];
    for (let i = 0; i < f.length; i += 3) {
      const x = f[i]!;
      const y = f[i + 1]!;
      const z = f[i + 2]!;
      const norm = Math.hypot(x, y, z);
      if (Math.abs(norm - 1) > 1e-10) {
        throw new InvalidRegionError(
          "encoding",
          `cannot decode ConvexPolygon: vertex ${i / 3} has length ${norm}`,
        );
      }
      vertices.push(UnitVector3d.fromNormalized(x, y, z));
    }
    // Geometry is the hull whatever the stored order, so that a decodable export never fails here.
    const hull = convexHullIndices(vertices).map((i) => vertices[i]!);
    return new ConvexPolygon(vertices, hull);
  }

  encode(): Uint8Array {
    const values: number[] = [];
    for (const v of this.vertices) values.push(v.x, v.y, v.z);
    return encodeFloats(POLYGON_TYPE_CODE, values);
  }

  /** Inward unit normals of the hull edges hull[i]→hull[i+1]. */
  edgeNormals(): readonly UnitVector3d[] {
    this.normals ??= edgeUnitNormals(this.hull);
    return this.normals;
  }

  /** The normalized sum of the hull vertices (inside the polygon). */
  centroid(): UnitVector3d {
    let x = 0;
    let y = 0;
    let z = 0;
    for (const v of this.hull) {
      x += v.x;
      y += v.y;
      z += v.z;
    }
    return UnitVector3d.of(x, y, z);
  }

  /** Angular distance (radians) from `v` to the polygon; 0 inside or on the boundary. */
  distanceTo(v: UnitVector3d): number {
    return polygonDistance(this.hull, this.edgeNormals(), v);
  }

  contains(v: UnitVector3d): boolean;
  contains(other: Region): boolean;
  contains(x: UnitVector3d | Region): boolean {
    if (x instanceof UnitVector3d) return polygonContains(this.hull, x);
    return regionContains(this, x);
  }

  relate(other: Region): Relationship {
    return relateRegions(this, other);
  }

  isDisjointFrom(other: Region): boolean {
    return !regionsIntersect(this, other);
  }

  overlaps(other: Region): boolean {
    return regionsIntersect(this, other);
  }

  isWithin(other: Region): boolean {
    return regionContains(other, this);
  }

  boundingCircle(): Circle {
    if (this.bounding === undefined) {
      const c = this.centroid();
      let r = 0;
      for (const v of this.hull) r = Math.max(r, angleBetween(c, v));
      // A cap wider than a hemisphere is not convex: containing the vertices would not be enough.
      this.bounding = r < Math.PI / 2 - 1e-9 ? new Circle(c, r * (1 + 1e-14) + 1e-14) : Circle.full();
    }
    return this.bounding;
  }

  capPieces(): readonly CapSet[] {
    const normals = this.edgeNormals();
    return [normals.map((n) => cap(n, 0))];
  }

  complementPieces(): readonly CapSet[] {
    return this.edgeNormals().map((n) => [cap(n.negate(), 0)]);
  }

  toString(): string {
    const pts = this.hull.map((v) => {
      const ll = LonLat.fromVector(v);
      return `(${ll.lonDegrees}, ${ll.latDegrees})`;
    });
    return `ConvexPolygon[${pts.join(", ")}]`;
  }
}

/** Whether the indices increase around the cycle with exactly one wrap (i.e. the same cyclic order). */
function isCyclicallyIncreasing(indices: readonly number[]): boolean {
  let descents = 0;
  for (let i = 0; i < indices.length; i++) {
    if (indices[(i + 1) % indices.length]! < indices[i]!) descents++;
  }
  return descents <= 1;
}
