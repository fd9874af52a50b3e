/**
 * The contract every sky region satisfies. Regions are closed sets on the unit sphere; they are
 * immutable. Implementations: Circle, ConvexPolygon, Box.
 */
import type { CapSet } from "./caps.ts";
import type { Circle } from "./circle.ts";
import type { Relationship } from "./relationship.ts";
import type { UnitVector3d } from "./vector3d.ts";

export type RegionKind = "circle" | "polygon" | "box";

export interface Region {
  readonly kind: RegionKind;
  /** Whether the point is inside or on the boundary. */
  contains(v: UnitVector3d): boolean;
  /** Whether `other` lies entirely inside this region. */
  contains(other: Region): boolean;
  /** Flags from relationship.ts: DISJOINT, or INTERSECTS with CONTAINS/WITHIN when they hold. */
  relate(other: Region): Relationship;
  /** No point in common (cheaper than relate: skips the containment tests). */
  isDisjointFrom(other: Region): boolean;
  /** At least one point in common (boundaries count). */
  overlaps(other: Region): boolean;
  /** Whether this region lies entirely inside `other`. */
  isWithin(other: Region): boolean;
  /** A circle containing the region (not necessarily the smallest). */
  boundingCircle(): Circle;
  /** The lsst.sphgeom binary encoding (type byte + little-endian float64 payload). */
  encode(): Uint8Array;
  /** The region as a union of intersections of caps (see caps.ts). */
  capPieces(): readonly CapSet[];
  /** The closure of the region's complement, as a union of intersections of caps. */
  complementPieces(): readonly CapSet[];
}
