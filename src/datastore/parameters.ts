/**
 * Read parameters of the pixel storage classes (Exposure, MaskedImage, Image, Mask): `bbox` and
 * `origin`, checked and normalised before any I/O so that a wrong value fails at once with an
 * InvalidParameterError that says what is accepted.
 */
import { InvalidParameterError } from "../errors/index.ts";
import { Box2I, type Origin } from "../image/box.ts";

export const ORIGINS: readonly Origin[] = ["PARENT", "LOCAL"];

const BBOX_FORMS =
  "a Box2I, {minX, minY, maxX, maxY} (inclusive corners), {minX, minY, width, height}, or [x0, y0, x1, y1] (inclusive corners)";

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return `an array of ${value.length}`;
  if (typeof value === "object") return `an object with keys {${Object.keys(value).join(", ")}}`;
  if (typeof value === "string") return `the string ${JSON.stringify(value)}`;
  return `${typeof value} ${String(value)}`;
}

function integers(values: readonly unknown[]): values is number[] {
  return values.every((v) => typeof v === "number" && Number.isSafeInteger(v));
}

/** A `bbox` parameter as a non-empty Box2I. */
export function normalizeBBox(value: unknown): Box2I {
  if (value instanceof Box2I) {
    if (value.isEmpty()) throw new InvalidParameterError("bbox", "the box is empty; a cutout needs pixels");
    return value;
  }
  let corners: unknown[] | undefined;
  if (Array.isArray(value) && value.length === 4) corners = value;
  else if (value !== null && typeof value === "object" && !Array.isArray(value)) {
    const o = value as Record<string, unknown>;
    if ("maxX" in o || "maxY" in o) corners = [o.minX, o.minY, o.maxX, o.maxY];
    else if ("width" in o || "height" in o) {
      const parts = [o.minX, o.minY, o.width, o.height];
      if (integers(parts) && parts[2]! > 0 && parts[3]! > 0) {
        return Box2I.fromXYWH(parts[0]!, parts[1]!, parts[2]!, parts[3]!);
      }
      throw new InvalidParameterError(
        "bbox",
        `expected ${BBOX_FORMS} with integer values and positive width and height; got ${JSON.stringify(value)}`,
      );
    }
  }
  if (corners === undefined || !integers(corners)) {
    throw new InvalidParameterError(
      "bbox",
      `expected ${BBOX_FORMS} with integer values; got ${describe(value)}`,
    );
  }
  const [x0, y0, x1, y1] = corners as [number, number, number, number];
  if (x1 < x0 || y1 < y0) {
    throw new InvalidParameterError(
      "bbox",
      `the maximum corner (${x1}, ${y1}) is below the minimum (${x0}, ${y0}); corners are inclusive`,
    );
  }
  return Box2I.fromCorners(x0, y0, x1, y1);
}

/** An `origin` parameter: exactly "PARENT" or "LOCAL". */
export function normalizeOrigin(value: unknown): Origin {
  if (value === "PARENT" || value === "LOCAL") return value;
  throw new InvalidParameterError(
    "origin",
    `expected one of ${ORIGINS.map((o) => `"${o}"`).join(", ")}; got ${describe(value)}`,
  );
}

/** The pixel parameters, checked; `origin` is only kept with a `bbox` (alone it means nothing). */
export interface PixelParameters {
  bbox?: Box2I;
  origin?: Origin;
}

export function normalizePixelParameters(parameters: Readonly<Record<string, unknown>>): PixelParameters {
  const out: PixelParameters = {};
  if (parameters.origin !== undefined) out.origin = normalizeOrigin(parameters.origin);
  if (parameters.bbox !== undefined) out.bbox = normalizeBBox(parameters.bbox);
  else delete out.origin;
  return out;
}

/**
 * A PARENT cutout box: `bbox` (in `origin` coordinates) moved to PARENT and checked to lie inside
 * `bounds`, else an InvalidParameterError naming both boxes.
 */
export function cutoutBox(bbox: Box2I, origin: Origin, bounds: Box2I): Box2I {
  const parent =
    origin === "LOCAL"
      ? Box2I.fromXYWH(bbox.minX + bounds.minX, bbox.minY + bounds.minY, bbox.width, bbox.height)
      : bbox;
  if (!bounds.contains(parent)) {
    throw new InvalidParameterError(
      "bbox",
      `${bbox.toString()} (${origin}) is not inside the image, whose PARENT box is ${bounds.toString()}` +
        (origin === "LOCAL" ? " (LOCAL boxes are relative to its minimum corner)" : ""),
    );
  }
  return parent;
}
