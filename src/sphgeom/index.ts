/**
 * Spherical geometry for sky regions: points (LonLat, UnitVector3d), regions (Circle,
 * ConvexPolygon, Box) with exact-or-documented overlap tests, their lsst.sphgeom binary encoding,
 * IVOA POS parsing, and the HTM pixelization used to index regions (htm7 is the common skypix).
 */
export {
  HALF_PI,
  normalizeLongitude,
  TWO_PI,
  toDegrees,
  toRadians,
} from "./angle.ts";
export { Box } from "./box.ts";
export { CAP_TOLERANCE, type Cap, type CapSet, capsIntersect } from "./caps.ts";
export { Circle } from "./circle.ts";
export { ConvexPolygon } from "./convex-polygon.ts";
export { decodeRegion, decodeRegionHex, encodeRegionHex } from "./decode.ts";
export {
  BOX_TYPE_CODE,
  bytesToHex,
  CIRCLE_TYPE_CODE,
  hexToBytes,
  POLYGON_TYPE_CODE,
} from "./encoding.ts";
export { HtmPixelization } from "./htm.ts";
export { LonLat } from "./lonlat.ts";
export { orientation } from "./orientation.ts";
export { POS_FORMS, parsePosRegion } from "./pos.ts";
export { type PixelRange, rangesContain, rangesSize, simplifyRanges } from "./ranges.ts";
export type { Region, RegionKind } from "./region.ts";
export { regionContains, regionsIntersect, relateByCaps, relateRegions } from "./relate.ts";
export {
  CONTAINS,
  DISJOINT,
  describeRelationship,
  INTERSECTS,
  invertRelationship,
  type Relationship,
  WITHIN,
} from "./relationship.ts";
export { angleBetween, cross, dot, midpoint, UnitVector3d, type Vec3, Vector3d } from "./vector3d.ts";
