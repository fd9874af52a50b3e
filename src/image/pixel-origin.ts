/**
 * xy0 in afw files: every plane HDU carries a linear WCS named `A` that maps its 1-based FITS grid to
 * PARENT pixels (`CRPIX1A = CRPIX2A = 1`, `CRVAL1A/2A = x0/y0`), plus ds9's `LTV1/2 = −x0/−y0`.
 * afw reads xy0 from the A-WCS only; the LTV cards are for display tools.
 */
import { type Card, normalizeKey } from "../fits/card.ts";
import { type Header, makeCard } from "../fits/header.ts";
import { negate } from "./image.ts";
import { Point2I } from "./point.ts";

const PIXEL_ORIGIN_KEYS = new Set([
  "CTYPE1A",
  "CTYPE2A",
  "CRPIX1A",
  "CRPIX2A",
  "CRVAL1A",
  "CRVAL2A",
  "CUNIT1A",
  "CUNIT2A",
  "LTV1",
  "LTV2",
]);

/** Whether a key belongs to the A-WCS or LTV cards (stripped from metadata, rewritten by the writer). */
export function isPixelOriginKey(key: string): boolean {
  return PIXEL_ORIGIN_KEYS.has(normalizeKey(key));
}

/**
 * xy0 from a plane header's A-WCS: valid only when the reference pixel is (1, 1), as afw requires;
 * values are rounded (old files wrote integers, new ones floats). Without a valid A-WCS, (0, 0).
 */
export function readXy0(header: Header): Point2I {
  const x0 = header.getNumber("CRVAL1A");
  const y0 = header.getNumber("CRVAL2A");
  const px = header.getNumber("CRPIX1A") ?? 1;
  const py = header.getNumber("CRPIX2A") ?? 1;
  if (x0 === undefined || y0 === undefined || px !== 1 || py !== 1) return new Point2I(0, 0);
  if (!Number.isFinite(x0) || !Number.isFinite(y0)) return new Point2I(0, 0);
  return new Point2I(Math.round(x0), Math.round(y0));
}

/** The cards afw writes for xy0: LTV1/2, then the A-WCS. */
export function pixelOriginCards(xy0: Point2I): Card[] {
  const f = { type: "float" as const };
  return [
    makeCard("LTV1", negate(xy0.x), f),
    makeCard("LTV2", negate(xy0.y), f),
    makeCard("CTYPE1A", "LINEAR", { comment: "Type of projection" }),
    makeCard("CTYPE2A", "LINEAR", { comment: "Type of projection" }),
    makeCard("CRPIX1A", 1, { ...f, comment: "Column Pixel Coordinate of Reference" }),
    makeCard("CRPIX2A", 1, { ...f, comment: "Row Pixel Coordinate of Reference" }),
    makeCard("CRVAL1A", xy0.x, { ...f, comment: "Column pixel of Reference Pixel" }),
    makeCard("CRVAL2A", xy0.y, { ...f, comment: "Row pixel of Reference Pixel" }),
    makeCard("CUNIT1A", "PIXEL", { comment: "Column unit" }),
    makeCard("CUNIT2A", "PIXEL", { comment: "Row unit" }),
  ];
}
