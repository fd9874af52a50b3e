/**
 * A point on the sky as longitude/latitude (radians). Longitude is normalized to [0, 2π); a latitude
 * outside [−π/2, π/2] is an InvalidRegionError("invalid latitude angle ...").
 */
import { InvalidRegionError } from "../errors/index.ts";
import { HALF_PI, normalizeLongitude, toDegrees, toRadians } from "./angle.ts";
import { UnitVector3d } from "./vector3d.ts";

export class LonLat {
  /** Longitude in [0, 2π), radians. */
  readonly lon: number;
  /** Latitude in [−π/2, π/2], radians. */
  readonly lat: number;

  private constructor(lon: number, lat: number) {
    this.lon = lon;
    this.lat = lat;
  }

  static fromRadians(lon: number, lat: number): LonLat {
    checkFinite(lon, lat, "radians");
    if (Math.abs(lat) > HALF_PI) {
      throw new InvalidRegionError("coordinate", `invalid latitude angle: ${lat} rad is outside [-π/2, π/2]`);
    }
    return new LonLat(normalizeLongitude(lon), lat);
  }

  /** From degrees (ra/dec). ±90 exactly maps to ±π/2 exactly. */
  static fromDegrees(lon: number, lat: number): LonLat {
    checkFinite(lon, lat, "degrees");
    if (Math.abs(lat) > 90) {
      throw new InvalidRegionError("coordinate", `invalid latitude angle: ${lat}° is outside [-90°, 90°]`);
    }
    const latRad = lat === 90 ? HALF_PI : lat === -90 ? -HALF_PI : toRadians(lat);
    return new LonLat(normalizeLongitude(toRadians(lon)), latRad);
  }

  static fromVector(v: UnitVector3d): LonLat {
    const { lon, lat } = v.toLonLatRadians();
    return new LonLat(lon, lat);
  }

  toVector(): UnitVector3d {
    return UnitVector3d.fromLonLatRadians(this.lon, this.lat);
  }

  get lonDegrees(): number {
    return toDegrees(this.lon);
  }

  get latDegrees(): number {
    return toDegrees(this.lat);
  }

  toString(): string {
    return `LonLat(${this.lonDegrees}°, ${this.latDegrees}°)`;
  }
}

function checkFinite(lon: number, lat: number, unit: string): void {
  if (!Number.isFinite(lon) || !Number.isFinite(lat)) {
    throw new InvalidRegionError(
      "coordinate",
      `longitude and latitude must be finite ${unit}, got ${lon}, ${lat}`,
    );
  }
}
