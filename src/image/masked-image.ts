/**
 * `MaskedImage`: image, mask and variance over one PARENT box, as afw's MaskedImage.
 */
import { InvalidArgumentError } from "../errors/index.ts";
import type { Box2I, Origin } from "./box.ts";
import { Image } from "./image.ts";
import { Mask } from "./mask.ts";

export class MaskedImage {
  readonly image: Image;
  readonly mask: Mask;
  readonly variance: Image;

  /** The three planes; a missing mask or variance is made of zeros over the image's box. */
  constructor(image: Image, mask?: Mask, variance?: Image) {
    this.image = image;
    this.mask = mask ?? Mask.zerosMask(image.bbox);
    this.variance = variance ?? Image.zeros(image.bbox, "float32");
    for (const [name, plane] of [
      ["mask", this.mask],
      ["variance", this.variance],
    ] as const) {
      if (!plane.bbox.equals(image.bbox)) {
        throw new InvalidArgumentError(
          `${name} ${plane.bbox.toString()} does not cover the same pixels as the image ${image.bbox.toString()}`,
        );
      }
    }
  }

  get bbox(): Box2I {
    return this.image.bbox;
  }

  subset(bbox: Box2I, origin: Origin = "PARENT"): MaskedImage {
    return new MaskedImage(
      this.image.subset(bbox, origin),
      this.mask.subset(bbox, origin),
      this.variance.subset(bbox, origin),
    );
  }

  equals(other: MaskedImage): boolean {
    return (
      this.image.equals(other.image) && this.mask.equals(other.mask) && this.variance.equals(other.variance)
    );
  }
}
