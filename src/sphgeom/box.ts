/**
 * A longitude/latitude box: longitudes from `lonMin` counter-clockwise to `lonMax` (wrapping
 * through 0 when lonMin > lonMax; [0, 2π] is every longitude) and latitudes in [latMin, latMax].
 * Its meridian edges are great circles and its latitude edges are small circles, so it is not a
 * polygon; geometry goes through its exact decomposition into caps (caps.ts): the latitude band is
 * two caps centred on the poles, a longitude range up to π is two hemispheres, and a wider range is
 * split in two.
 */
import { InvalidRegionError } from "../errors/index.ts";
import { HALF_PI, normalizeLongitude, TWO_PI, toDegrees, toRadians } from "./angle.ts";
import { type Cap, type CapSet, cap } from "./caps.ts";
import { Circle } from "./circle.ts";
import { BOX_TYPE_CODE, decodeFloats, encodeFloats } from "./encoding.ts";
import type { Region } from "./region.ts";
import { regionContains, regionsIntersect, relateRegions } from "./relate.ts";
import type { Relationship } from "./relationship.ts";
import { angleBetween, UnitVector3d } from "./vector3d.ts";

export class Box implements Region {
  readonly kind = "box" as const;
  /** Start of the longitude range, radians in [0, 2π). */
  readonly lonMin: number;
  /** End of the longitude range, radians in [0, 2π]; 2π only for the full range [0, 2π]. */
  readonly lonMax: number;
  readonly latMin: number;
  readonly latMax: number;

  private constructor(lonMin: number, lonMax: number, latMin: number, latMax: number) {
    this.lonMin = lonMin;
    this.lonMax = lonMax;
    this.latMin = latMin;
    this.latMax = latMax;
  }

  /**
   * From ranges in radians: longitudes `lon1` → `lon2` counter-clockwise (an extent of 2π or more
   * is every longitude), latitudes lat1 ≤ lat2 within [−π/2, π/2].
   */
  static fromRadians(lon1: number, lon2: number, lat1: number, lat2: number): Box {
    for (const v of [lon1, lon2, lat1, lat2]) {
      if (Number.isNaN(v)) throw new InvalidRegionError("box", "box bounds must be numbers, got NaN");
    }
    if (lat1 < -HALF_PI || lat2 > HALF_PI) {
      throw new InvalidRegionError(
        "coordinate",
        `invalid latitude angle: box latitudes [${lat1}, ${lat2}] rad exceed ±π/2`,
      );
    }
    if (lat1 > lat2) {
      throw new InvalidRegionError("box", `box latitude range is empty: ${lat1} > ${lat2} rad`);
    }
    if (!Number.isFinite(lon1) || !Number.isFinite(lon2) || lon2 - lon1 >= TWO_PI) {
      return new Box(0, TWO_PI, lat1, lat2);
    }
    // Equal normalized ends mean a zero-width range (a whole turn was handled above).
    return new Box(normalizeLongitude(lon1), normalizeLongitude(lon2), lat1, lat2);
  }

  /** RANGE-style bounds in degrees; infinite longitudes mean all longitudes, ±∞ latitudes ±90°. */
  static fromDegrees(lon1: number, lon2: number, lat1: number, lat2: number): Box {
    if (Math.max(lat1, lat2) > 90 && Number.isFinite(Math.max(lat1, lat2))) {
      throw new InvalidRegionError(
        "coordinate",
        `invalid latitude angle: ${Math.max(lat1, lat2)}° is outside [-90°, 90°]`,
      );
    }
    if (Math.min(lat1, lat2) < -90 && Number.isFinite(Math.min(lat1, lat2))) {
      throw new InvalidRegionError(
        "coordinate",
        `invalid latitude angle: ${Math.min(lat1, lat2)}° is outside [-90°, 90°]`,
      );
    }
    const latRad = (d: number) => (d >= 90 ? HALF_PI : d <= -90 ? -HALF_PI : toRadians(d));
    const full = !Number.isFinite(lon1) || !Number.isFinite(lon2) || lon2 - lon1 >= 360;
    return Box.fromRadians(
      full ? 0 : toRadians(lon1),
      full ? TWO_PI : toRadians(lon2),
      latRad(lat1),
      latRad(lat2),
    );
  }

  /**
   * BOX(ra, dec, width, height) in degrees: longitudes ra ± width/2 (a longitude extent, not scaled
   * by cos dec), latitudes dec ± height/2 clipped to ±90°; width ≥ 360 is every longitude.
   */
  static fromCenterSize(ra: number, dec: number, width: number, height: number): Box {
    for (const [name, v] of [
      ["ra", ra],
      ["dec", dec],
      ["width", width],
      ["height", height],
    ] as const) {
      if (!Number.isFinite(v))
        throw new InvalidRegionError("box", `box ${name} must be a finite number, got ${v}`);
    }
    if (Math.abs(dec) > 90) {
      throw new InvalidRegionError("coordinate", `invalid latitude angle: ${dec}° is outside [-90°, 90°]`);
    }
    if (width < 0 || height < 0) {
      throw new InvalidRegionError(
        "box",
        `box width and height must be non-negative, got ${width} × ${height}`,
      );
    }
    const lat1 = Math.max(-90, dec - height / 2);
    const lat2 = Math.min(90, dec + height / 2);
    if (width >= 360) return Box.fromDegrees(0, 360, lat1, lat2);
    return Box.fromDegrees(ra - width / 2, ra + width / 2, lat1, lat2);
  }

  static full(): Box {
    return new Box(0, TWO_PI, -HALF_PI, HALF_PI);
  }

  isFullLongitude(): boolean {
    return this.lonMax - this.lonMin >= TWO_PI;
  }

  /** The longitude extent in radians, in [0, 2π]. */
  lonExtent(): number {
    if (this.isFullLongitude()) return TWO_PI;
    const w = this.lonMax - this.lonMin;
    return w >= 0 ? w : w + TWO_PI;
  }

  /** Whether longitude `lon` (radians, any range) is in the box's longitude range. */
  containsLongitude(lon: number): boolean {
    if (this.isFullLongitude()) return true;
    const offset = normalizeLongitude(lon - this.lonMin);
    return offset <= this.lonExtent();
  }

  contains(v: UnitVector3d): boolean;
  contains(other: Region): boolean;
  contains(x: UnitVector3d | Region): boolean {
    if (x instanceof UnitVector3d) {
      const { lon, lat } = x.toLonLatRadians();
      if (lat < this.latMin || lat > this.latMax) return false;
      // A pole belongs to every meridian.
      if (x.x === 0 && x.y === 0) return true;
      return this.containsLongitude(lon);
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
    if (this.isFullLongitude() || this.lonExtent() > Math.PI) {
      // Centre on the nearer pole.
      if (this.latMin + this.latMax >= 0) return new Circle(UnitVector3d.Z, slack(HALF_PI - this.latMin));
      return new Circle(UnitVector3d.of(0, 0, -1), slack(HALF_PI + this.latMax));
    }
    const lonMid = this.lonMin + this.lonExtent() / 2;
    const center = UnitVector3d.fromLonLatRadians(lonMid, (this.latMin + this.latMax) / 2);
    // The farthest point of a box from any point of its middle meridian is a corner.
    let r = 0;
    for (const lon of [this.lonMin, this.lonMin + this.lonExtent()]) {
      for (const lat of [this.latMin, this.latMax]) {
        r = Math.max(r, angleBetween(center, UnitVector3d.fromLonLatRadians(lon, lat)));
      }
    }
    return new Circle(center, slack(r));
  }

  private latCaps(): Cap[] {
    const caps: Cap[] = [];
    if (this.latMin > -HALF_PI) caps.push(cap(UnitVector3d.Z, Math.sin(this.latMin)));
    if (this.latMax < HALF_PI) caps.push(cap(UnitVector3d.of(0, 0, -1), -Math.sin(this.latMax)));
    return caps;
  }

  capPieces(): readonly CapSet[] {
    const band = this.latCaps();
    if (this.isFullLongitude()) return [band];
    const w = this.lonExtent();
    if (w <= Math.PI) return [[...band, eastOf(this.lonMin), westOf(this.lonMin + w)]];
    const mid = this.lonMin + w / 2;
    return [
      [...band, eastOf(this.lonMin), westOf(mid)],
      [...band, eastOf(mid), westOf(this.lonMin + w)],
    ];
  }

  complementPieces(): readonly CapSet[] {
    const pieces: CapSet[] = [];
    if (this.latMin > -HALF_PI) pieces.push([cap(UnitVector3d.of(0, 0, -1), -Math.sin(this.latMin))]);
    if (this.latMax < HALF_PI) pieces.push([cap(UnitVector3d.Z, Math.sin(this.latMax))]);
    if (this.isFullLongitude()) return pieces;
    const w = this.lonExtent();
    const end = this.lonMin + w;
    if (w >= Math.PI) {
      // The missing longitudes span at most π: one convex lune from `end` round to lonMin.
      pieces.push([eastOf(end), westOf(this.lonMin + TWO_PI)]);
    } else {
      pieces.push([cap(eastOf(this.lonMin).n.negate(), 0)], [cap(westOf(end).n.negate(), 0)]);
    }
    return pieces;
  }

  /** 0x62, lon a, lon b, lat a, lat b (radians, little-endian float64). */
  encode(): Uint8Array {
    return encodeFloats(BOX_TYPE_CODE, [this.lonMin, this.lonMax, this.latMin, this.latMax]);
  }

  static decode(bytes: Uint8Array): Box {
    const f = decodeFloats(bytes, BOX_TYPE_CODE, "Box");
    if (f.length !== 4)
      throw new InvalidRegionError("encoding", `cannot decode Box: expected 33 bytes, got ${bytes.length}`);
    const [a, b, c, d] = [f[0]!, f[1]!, f[2]!, f[3]!];
    if (!(a >= 0 && a <= TWO_PI && b >= 0 && b <= TWO_PI && c >= -HALF_PI && d <= HALF_PI && c <= d)) {
      throw new InvalidRegionError(
        "encoding",
        `cannot decode Box: bounds [${a}, ${b}] × [${c}, ${d}] are out of range`,
      );
    }
    return new Box(a === TWO_PI ? 0 : a, b, c, d);
  }

  toString(): string {
    return `Box(lon ${toDegrees(this.lonMin)}°→${toDegrees(this.lonMax)}°, lat ${toDegrees(this.latMin)}°..${toDegrees(this.latMax)}°)`;
  }
}

/** The hemisphere of longitudes in [lon, lon + π]: normal (−sin lon, cos lon, 0). */
function eastOf(lon: number): Cap {
  return cap(UnitVector3d.fromNormalized(-Math.sin(lon), Math.cos(lon), 0), 0);
}

/** The hemisphere of longitudes in [lon − π, lon]: normal (sin lon, −cos lon, 0). */
function westOf(lon: number): Cap {
  return cap(UnitVector3d.fromNormalized(Math.sin(lon), -Math.cos(lon), 0), 0);
}

function slack(r: number): number {
  return Math.min(Math.PI, r * (1 + 1e-14) + 1e-14);
}
