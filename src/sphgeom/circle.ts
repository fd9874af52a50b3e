/**
 * A circle (spherical cap): every point within `openingAngle` radians of `center`. Opening angles
 * are clamped to [0, π]; π is the whole sphere.
 */
import { InvalidRegionError } from "../errors/index.ts";
import { toRadians } from "./angle.ts";
import { type CapSet, cap } from "./caps.ts";
import { CIRCLE_TYPE_CODE, decodeFloats, encodeFloats } from "./encoding.ts";
import { LonLat } from "./lonlat.ts";
import type { Region } from "./region.ts";
import { regionContains, regionsIntersect, relateRegions } from "./relate.ts";
import type { Relationship } from "./relationship.ts";
import { UnitVector3d } from "./vector3d.ts";

export class Circle implements Region {
  readonly kind = "circle" as const;
  readonly center: UnitVector3d;
  /** Radius as an angle, radians, in [0, π]. */
  readonly openingAngle: number;
  /** Squared Euclidean distance from the center to the boundary: 4 sin²(θ/2), in [0, 4]. */
  readonly squaredChordLength: number;

  /** `squaredChordLength` is for decoding only: it keeps a stored value bit for bit. */
  constructor(center: UnitVector3d, openingAngle: number, squaredChordLength?: number) {
    if (Number.isNaN(openingAngle) || openingAngle < 0) {
      throw new InvalidRegionError(
        "circle",
        `circle radius must be a non-negative angle, got ${openingAngle} rad`,
      );
    }
    this.center = center;
    this.openingAngle = Math.min(openingAngle, Math.PI);
    const s = Math.sin(this.openingAngle / 2);
    this.squaredChordLength = squaredChordLength ?? (this.openingAngle >= Math.PI ? 4 : 4 * s * s);
  }

  /** CIRCLE(ra, dec, r): center and radius in degrees. */
  static fromDegrees(ra: number, dec: number, radius: number): Circle {
    if (!Number.isFinite(radius) || radius < 0) {
      throw new InvalidRegionError(
        "circle",
        `circle radius must be a finite non-negative number of degrees, got ${radius}`,
      );
    }
    return new Circle(LonLat.fromDegrees(ra, dec).toVector(), toRadians(radius));
  }

  static full(): Circle {
    return new Circle(UnitVector3d.Z, Math.PI);
  }

  isFull(): boolean {
    return this.openingAngle >= Math.PI;
  }

  contains(v: UnitVector3d): boolean;
  contains(other: Region): boolean;
  contains(x: UnitVector3d | Region): boolean {
    if (x instanceof UnitVector3d) {
      if (this.isFull()) return true;
      const dx = x.x - this.center.x;
      const dy = x.y - this.center.y;
      const dz = x.z - this.center.z;
      return dx * dx + dy * dy + dz * dz <= this.squaredChordLength;
    }
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
    return this;
  }

  capPieces(): readonly CapSet[] {
    return [[cap(this.center, this.isFull() ? -1 : Math.cos(this.openingAngle))]];
  }

  complementPieces(): readonly CapSet[] {
    if (this.isFull()) return [];
    return [[cap(this.center.negate(), -Math.cos(this.openingAngle))]];
  }

  /** 0x63, center x, y, z, squared chord length, opening angle (little-endian float64). */
  encode(): Uint8Array {
    const c = this.center;
    return encodeFloats(CIRCLE_TYPE_CODE, [c.x, c.y, c.z, this.squaredChordLength, this.openingAngle]);
  }

  static decode(bytes: Uint8Array): Circle {
    const f = decodeFloats(bytes, CIRCLE_TYPE_CODE, "Circle");
    if (f.length !== 5) {
      throw new InvalidRegionError(
        "encoding",
        `cannot decode Circle: expected 41 bytes, got ${bytes.length}`,
      );
    }
    const norm = Math.hypot(f[0]!, f[1]!, f[2]!);
    if (Math.abs(norm - 1) > 1e-10) {
      throw new InvalidRegionError(
        "encoding",
        `cannot decode Circle: center is not a unit vector (|c| = ${norm})`,
      );
    }
    if (!(f[3]! >= 0 && f[3]! <= 4)) {
      throw new InvalidRegionError(
        "encoding",
        `cannot decode Circle: squared chord length ${f[3]} is outside [0, 4]`,
      );
    }
    return new Circle(UnitVector3d.fromNormalized(f[0]!, f[1]!, f[2]!), f[4]!, f[3]!);
  }

  toString(): string {
    const ll = LonLat.fromVector(this.center);
    return `Circle(${ll.lonDegrees}°, ${ll.latDegrees}°, r=${(this.openingAngle * 180) / Math.PI}°)`;
  }
}
