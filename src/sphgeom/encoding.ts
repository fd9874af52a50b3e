/**
 * Byte-level helpers for the lsst.sphgeom region encoding: one type byte, then little-endian
 * float64 values. Type bytes: 0x70 'p' ConvexPolygon (x, y, z per vertex), 0x63 'c' Circle
 * (center x, y, z, squared chord length, opening angle), 0x62 'b' Box (lon a, lon b, lat a, lat b).
 * The polygon layout is confirmed by real exports; the circle and box layouts are inferred.
 */
import { InvalidRegionError } from "../errors/index.ts";

export const POLYGON_TYPE_CODE = 0x70;
export const CIRCLE_TYPE_CODE = 0x63;
export const BOX_TYPE_CODE = 0x62;

/** Type byte followed by the values as little-endian float64. */
export function encodeFloats(typeCode: number, values: readonly number[]): Uint8Array {
  const out = new Uint8Array(1 + 8 * values.length);
  out[0] = typeCode;
  const view = new DataView(out.buffer);
  for (let i = 0; i < values.length; i++) view.setFloat64(1 + 8 * i, values[i]!, true);
  return out;
}

/** The float64 payload after the type byte, checking the type and that the size is whole. */
export function decodeFloats(bytes: Uint8Array, typeCode: number, what: string): Float64Array {
  if (bytes.length < 1 || bytes[0] !== typeCode) {
    const got = bytes.length < 1 ? "no bytes" : `type byte 0x${bytes[0]!.toString(16).padStart(2, "0")}`;
    throw new InvalidRegionError(
      "encoding",
      `cannot decode ${what}: expected type byte 0x${typeCode.toString(16)}, got ${got}`,
    );
  }
  if ((bytes.length - 1) % 8 !== 0) {
    throw new InvalidRegionError(
      "encoding",
      `cannot decode ${what}: ${bytes.length - 1} payload bytes is not a whole number of float64`,
    );
  }
  const n = (bytes.length - 1) / 8;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const v = view.getFloat64(1 + 8 * i, true);
    if (!Number.isFinite(v))
      throw new InvalidRegionError("encoding", `cannot decode ${what}: value ${i} is ${v}`);
    out[i] = v;
  }
  return out;
}

export function bytesToHex(bytes: Uint8Array): string {
  let s = "";
  for (const b of bytes) s += b.toString(16).padStart(2, "0");
  return s;
}

export function hexToBytes(hex: string): Uint8Array {
  const clean = hex.trim();
  if (clean.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(clean)) {
    throw new InvalidRegionError(
      "encoding",
      "region hex encoding must be an even number of hexadecimal digits",
    );
  }
  const out = new Uint8Array(clean.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(clean.slice(2 * i, 2 * i + 2), 16);
  return out;
}
