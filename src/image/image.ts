/**
 * `Image`: a typed pixel array and its PARENT bounding box (the box's minimum is afw's xy0). Pixels
 * are row-major, x fastest, like the FITS data they come from. An image read from a file may carry
 * its HDU header (WCS, A-WCS, LTV already adjusted to the image's own grid).
 */
import { InvalidArgumentError } from "../errors/index.ts";
import type { Header } from "../fits/header.ts";
import { allocatePixels, type PixelArray, type PixelType, pixelTypeOf } from "../fits/pixels.ts";
import { type Box2I, checkInside, type Origin, toParentBox } from "./box.ts";
import { Extent2I, type Point2I } from "./point.ts";

export class Image<T extends PixelArray = PixelArray> {
  readonly array: T;
  readonly bbox: Box2I;
  /** The header of the HDU the pixels came from, when read from a file (structural keys removed). */
  header?: Header;

  constructor(array: T, bbox: Box2I, header?: Header) {
    if (array.length !== bbox.area) {
      throw new InvalidArgumentError(
        `${array.length} pixels do not fill ${bbox.toString()} (${bbox.width}x${bbox.height} = ${bbox.area})`,
      );
    }
    this.array = array;
    this.bbox = bbox;
    if (header !== undefined) this.header = header;
  }

  /** A zero-filled image of `type` over `bbox`. */
  static zeros<K extends PixelType>(bbox: Box2I, type: K): Image {
    return new Image(allocatePixels(type, bbox.area), bbox);
  }

  get width(): number {
    return this.bbox.width;
  }
  get height(): number {
    return this.bbox.height;
  }
  /** The PARENT position of the first pixel. */
  get xy0(): Point2I {
    return this.bbox.minimum;
  }
  get dimensions(): Extent2I {
    return this.bbox.dimensions;
  }
  get pixelType(): PixelType {
    return pixelTypeOf(this.array);
  }

  /** Offset into `array` of pixel (x, y). */
  offset(x: number, y: number, origin: Origin = "PARENT"): number {
    const lx = origin === "PARENT" ? x - this.bbox.minX : x;
    const ly = origin === "PARENT" ? y - this.bbox.minY : y;
    if (
      !Number.isInteger(lx) ||
      !Number.isInteger(ly) ||
      lx < 0 ||
      ly < 0 ||
      lx >= this.width ||
      ly >= this.height
    ) {
      throw new InvalidArgumentError(
        `pixel (${x}, ${y}) ${origin} is outside ${this.bbox.toString()}${origin === "LOCAL" ? " (LOCAL: 0-based from xy0)" : ""}`,
      );
    }
    return ly * this.width + lx;
  }

  get(x: number, y: number, origin: Origin = "PARENT"): number {
    return Number(this.array[this.offset(x, y, origin)]);
  }

  set(x: number, y: number, value: number, origin: Origin = "PARENT"): void {
    const at = this.offset(x, y, origin);
    if (this.array instanceof BigInt64Array || this.array instanceof BigUint64Array) {
      this.array[at] = BigInt(value);
    } else {
      (this.array as Exclude<PixelArray, BigInt64Array | BigUint64Array>)[at] = value;
    }
  }

  /** A copy of the pixels inside `bbox` (given in `origin` coordinates); its bbox is in PARENT coordinates. */
  subset(bbox: Box2I, origin: Origin = "PARENT"): this {
    const parent = toParentBox(bbox, origin, this.xy0);
    checkInside(parent, this.bbox, origin);
    const out = allocatePixels(this.pixelType, parent.area);
    const dx = parent.minX - this.bbox.minX;
    const dy = parent.minY - this.bbox.minY;
    for (let row = 0; row < parent.height; row++) {
      const from = (dy + row) * this.width + dx;
      (out as Float64Array).set(
        (this.array as Float64Array).subarray(from, from + parent.width),
        row * parent.width,
      );
    }
    const header = this.header === undefined ? undefined : shiftedHeader(this.header, dx, dy, parent);
    return this.withPixels(out as T, parent, header);
  }

  /** A deep copy. */
  clone(): this {
    return this.withPixels(this.array.slice() as T, this.bbox, this.header?.clone());
  }

  /** Same box, same pixel type, same bytes (so NaN payloads compare too). */
  equals(other: Image): boolean {
    if (!this.bbox.equals(other.bbox) || this.pixelType !== other.pixelType) return false;
    const a = new Uint8Array(this.array.buffer, this.array.byteOffset, this.array.byteLength);
    const b = new Uint8Array(other.array.buffer, other.array.byteOffset, other.array.byteLength);
    return Buffer.compare(a, b) === 0;
  }

  /** Builds an image of this class around other pixels; subclasses carry their extra state. */
  protected withPixels(array: T, bbox: Box2I, header: Header | undefined): this {
    return new Image(array, bbox, header) as this;
  }
}

/** Moves a plane header to a cutout that starts `dx`, `dy` pixels into the original. */
function shiftedHeader(header: Header, dx: number, dy: number, cutout: Box2I): Header {
  const out = header.clone();
  adjustCutoutHeader(out, new Extent2I(dx, dy), cutout.minimum);
  return out;
}

/**
 * Rewrites a plane header for a cutout, as obs_base does for remote cutouts: the reference pixel
 * moves by the offset of the cutout inside the original HDU grid (`CRPIX1 −= dx`, `CRPIX2 −= dy`),
 * and the pixel origin becomes the cutout's PARENT xy0 (`LTV1/2 = −x0/−y0`, `CRVAL1A/2A = x0/y0`).
 * Keys the header does not have are not added.
 */
export function adjustCutoutHeader(header: Header, offset: Extent2I, xy0: Point2I): void {
  const shift = (key: string, by: number) => {
    const value = header.getNumber(key);
    if (value !== undefined && by !== 0) header.set(key, value - by, { type: "float" });
  };
  shift("CRPIX1", offset.x);
  shift("CRPIX2", offset.y);
  const put = (key: string, value: number) => {
    if (header.has(key)) header.set(key, value, { type: "float" });
  };
  put("LTV1", negate(xy0.x));
  put("LTV2", negate(xy0.y));
  put("CRVAL1A", xy0.x);
  put("CRVAL2A", xy0.y);
}

/** −v without producing −0 (which a header would print as `-0.0`). */
export function negate(value: number): number {
  return value === 0 ? 0 : -value;
}
