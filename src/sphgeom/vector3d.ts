/**
 * Cartesian vectors. `Vector3d` is any vector (cross products, sums); `UnitVector3d` is a direction on
 * the unit sphere, the type every region works with. Both are immutable.
 */
import { InvalidRegionError } from "../errors/index.ts";

/** Anything with x, y, z components; the arithmetic below accepts either class. */
export interface Vec3 {
  readonly x: number;
  readonly y: number;
  readonly z: number;
}

export class Vector3d implements Vec3 {
  constructor(
    readonly x: number,
    readonly y: number,
    readonly z: number,
  ) {}

  dot(v: Vec3): number {
    return this.x * v.x + this.y * v.y + this.z * v.z;
  }

  cross(v: Vec3): Vector3d {
    return new Vector3d(
      this.y * v.z - this.z * v.y,
      this.z * v.x - this.x * v.z,
      this.x * v.y - this.y * v.x,
    );
  }

  add(v: Vec3): Vector3d {
    return new Vector3d(this.x + v.x, this.y + v.y, this.z + v.z);
  }

  sub(v: Vec3): Vector3d {
    return new Vector3d(this.x - v.x, this.y - v.y, this.z - v.z);
  }

  scale(s: number): Vector3d {
    return new Vector3d(this.x * s, this.y * s, this.z * s);
  }

  norm(): number {
    return Math.hypot(this.x, this.y, this.z);
  }

  squaredNorm(): number {
    return this.x * this.x + this.y * this.y + this.z * this.z;
  }

  isZero(): boolean {
    return this.x === 0 && this.y === 0 && this.z === 0;
  }

  /** This direction as a unit vector; throws InvalidRegionError for a zero or non-finite vector. */
  normalize(): UnitVector3d {
    return UnitVector3d.of(this.x, this.y, this.z);
  }

  toString(): string {
    return `(${this.x}, ${this.y}, ${this.z})`;
  }
}

export class UnitVector3d extends Vector3d {
  static readonly X = new UnitVector3d(1, 0, 0);
  static readonly Y = new UnitVector3d(0, 1, 0);
  static readonly Z = new UnitVector3d(0, 0, 1);

  private constructor(x: number, y: number, z: number) {
    super(x, y, z);
  }

  /** The direction of (x, y, z), normalized; a zero or non-finite vector is an error. */
  static of(x: number, y: number, z: number): UnitVector3d {
    const n2 = x * x + y * y + z * z;
    if (n2 > 1e-280 && n2 < 1e280) {
      const n = Math.sqrt(n2);
      return new UnitVector3d(x / n, y / n, z / n);
    }
    // Scale first so that tiny or huge inputs do not underflow or overflow the norm.
    const m = Math.max(Math.abs(x), Math.abs(y), Math.abs(z));
    if (!(m > 0) || !Number.isFinite(m)) {
      throw new InvalidRegionError("coordinate", `cannot normalize the vector (${x}, ${y}, ${z})`);
    }
    const sx = x / m;
    const sy = y / m;
    const sz = z / m;
    const n = Math.sqrt(sx * sx + sy * sy + sz * sz);
    return new UnitVector3d(sx / n, sy / n, sz / n);
  }

  /**
   * Wraps components the caller knows to be unit length (decoded bytes, HTM roots) without touching
   * a bit, so that encode(decode(b)) reproduces b exactly.
   */
  static fromNormalized(x: number, y: number, z: number): UnitVector3d {
    return new UnitVector3d(x, y, z);
  }

  /** The point at a LonLat (or any {lon, lat} in radians). */
  static fromLonLat(ll: { readonly lon: number; readonly lat: number }): UnitVector3d {
    return UnitVector3d.fromLonLatRadians(ll.lon, ll.lat);
  }

  /** The point at longitude `lon` and latitude `lat` (radians). The poles are exact. */
  static fromLonLatRadians(lon: number, lat: number): UnitVector3d {
    if (lat >= Math.PI / 2) return UnitVector3d.Z;
    if (lat <= -Math.PI / 2) return new UnitVector3d(0, 0, -1);
    const c = Math.cos(lat);
    return new UnitVector3d(c * Math.cos(lon), c * Math.sin(lon), Math.sin(lat));
  }

  /** Longitude in [0, 2π) and latitude in [−π/2, π/2], radians; lon is 0 at the poles. */
  toLonLatRadians(): { lon: number; lat: number } {
    const lat = Math.atan2(this.z, Math.hypot(this.x, this.y));
    if (this.x === 0 && this.y === 0) return { lon: 0, lat };
    let lon = Math.atan2(this.y, this.x);
    if (lon < 0) lon += 2 * Math.PI;
    if (lon >= 2 * Math.PI) lon = 0;
    return { lon, lat };
  }

  negate(): UnitVector3d {
    return new UnitVector3d(-this.x, -this.y, -this.z);
  }

  /** A unit vector perpendicular to this one (deterministic). */
  orthogonal(): UnitVector3d {
    // Cross with the axis this vector is least aligned with: always well conditioned.
    const ax = Math.abs(this.x);
    const ay = Math.abs(this.y);
    const az = Math.abs(this.z);
    if (ax <= ay && ax <= az) return UnitVector3d.of(0, -this.z, this.y);
    if (ay <= az) return UnitVector3d.of(this.z, 0, -this.x);
    return UnitVector3d.of(-this.y, this.x, 0);
  }

  /** Angular distance to `v` in radians, accurate at all separations. */
  angleTo(v: Vec3): number {
    return angleBetween(this, v);
  }
}

/** Angle between two vectors (need not be unit) in [0, π], via atan2(|a×b|, a·b). */
export function angleBetween(a: Vec3, b: Vec3): number {
  const cx = a.y * b.z - a.z * b.y;
  const cy = a.z * b.x - a.x * b.z;
  const cz = a.x * b.y - a.y * b.x;
  const s2 = cx * cx + cy * cy + cz * cz;
  // Math.hypot is slow; plain squares are exact enough unless they under- or overflow.
  const s = s2 > 1e-280 && s2 < 1e280 ? Math.sqrt(s2) : Math.hypot(cx, cy, cz);
  return Math.atan2(s, a.x * b.x + a.y * b.y + a.z * b.z);
}

export function dot(a: Vec3, b: Vec3): number {
  return a.x * b.x + a.y * b.y + a.z * b.z;
}

export function cross(a: Vec3, b: Vec3): Vector3d {
  return new Vector3d(a.y * b.z - a.z * b.y, a.z * b.x - a.x * b.z, a.x * b.y - a.y * b.x);
}

/** (a + b) normalized: the midpoint of the shorter arc between two unit vectors that are not antipodal. */
export function midpoint(a: Vec3, b: Vec3): UnitVector3d {
  return UnitVector3d.of(a.x + b.x, a.y + b.y, a.z + b.z);
}
