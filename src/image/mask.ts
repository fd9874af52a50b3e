/**
 * `Mask`: an integer image whose bits are named planes. Pixels are int32 as afw writes them today,
 * or uint16 in legacy files; the plane dictionary comes from the MASK header's `MP_*` cards.
 */
import { InvalidArgumentError } from "../errors/index.ts";
import type { Header } from "../fits/header.ts";
import { type Box2I, checkInside, type Origin, toParentBox } from "./box.ts";
import { Image } from "./image.ts";
import { MaskPlaneDict } from "./mask-planes.ts";

export type MaskPixels = Int32Array | Uint16Array;

export class Mask extends Image<MaskPixels> {
  planes: MaskPlaneDict;

  constructor(array: MaskPixels, bbox: Box2I, planes?: MaskPlaneDict, header?: Header) {
    if (!(array instanceof Int32Array) && !(array instanceof Uint16Array)) {
      throw new InvalidArgumentError(
        "mask pixels must be an Int32Array (afw MaskPixel) or a legacy Uint16Array",
      );
    }
    super(array, bbox, header);
    const bits = array instanceof Uint16Array ? 16 : 32;
    this.planes = planes ?? MaskPlaneDict.defaults(bits);
    if (this.planes.bitsAvailable > bits) {
      // A dictionary built for a wider type: revalidate for this pixel type.
      this.planes = new MaskPlaneDict(this.planes.entries(), bits);
    }
  }

  /** A zero mask with afw's default planes. */
  static zerosMask(bbox: Box2I, type: "int32" | "uint16" = "int32", planes?: MaskPlaneDict): Mask {
    const array = type === "int32" ? new Int32Array(bbox.area) : new Uint16Array(bbox.area);
    return new Mask(array, bbox, planes);
  }

  /** The OR of the named planes' bits. */
  getPlaneBitMask(names: string | readonly string[]): number {
    return this.planes.getPlaneBitMask(names);
  }

  /** Whether pixel (x, y) has any of the named planes set. */
  isSet(x: number, y: number, names: string | readonly string[], origin: Origin = "PARENT"): boolean {
    return (this.get(x, y, origin) & this.getPlaneBitMask(names)) !== 0;
  }

  /** Number of pixels inside `bbox` (default: all) with any of the named planes set. */
  count(names: string | readonly string[], bbox?: Box2I, origin: Origin = "PARENT"): number {
    const bits = this.getPlaneBitMask(names);
    const box = bbox === undefined ? this.bbox : toParentBox(bbox, origin, this.xy0);
    checkInside(box, this.bbox, origin);
    let n = 0;
    for (let y = box.minY; y <= box.maxY; y++) {
      const row = (y - this.bbox.minY) * this.width - this.bbox.minX;
      for (let x = box.minX; x <= box.maxX; x++) if ((this.array[row + x]! & bits) !== 0) n++;
    }
    return n;
  }

  override equals(other: Image): boolean {
    return other instanceof Mask && super.equals(other) && this.planes.equals(other.planes);
  }

  protected override withPixels(array: MaskPixels, bbox: Box2I, header: Header | undefined): this {
    return new Mask(array, bbox, this.planes, header) as this;
  }
}
