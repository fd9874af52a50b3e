/**
 * Decoding any region from its lsst.sphgeom bytes or hex (the `encoded:` value of an export's
 * `!<lsst.sphgeom.ConvexPolygon>` mapping), dispatching on the type byte.
 */
import { InvalidRegionError } from "../errors/index.ts";
import { Box } from "./box.ts";
import { Circle } from "./circle.ts";
import { ConvexPolygon } from "./convex-polygon.ts";
import { BOX_TYPE_CODE, bytesToHex, CIRCLE_TYPE_CODE, hexToBytes, POLYGON_TYPE_CODE } from "./encoding.ts";
import type { Region } from "./region.ts";

export function decodeRegion(bytes: Uint8Array): Region {
  switch (bytes[0]) {
    case POLYGON_TYPE_CODE:
      return ConvexPolygon.decode(bytes);
    case CIRCLE_TYPE_CODE:
      return Circle.decode(bytes);
    case BOX_TYPE_CODE:
      return Box.decode(bytes);
    default: {
      const got = bytes.length === 0 ? "no bytes" : `type byte 0x${bytes[0]!.toString(16).padStart(2, "0")}`;
      throw new InvalidRegionError(
        "encoding",
        `cannot decode region: ${got}; supported: 0x70 ConvexPolygon, 0x63 Circle, 0x62 Box`,
      );
    }
  }
}

export function decodeRegionHex(hex: string): Region {
  return decodeRegion(hexToBytes(hex));
}

export function encodeRegionHex(region: Region): string {
  return bytesToHex(region.encode());
}
