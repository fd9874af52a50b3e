/**
 * `Exposure`: a MaskedImage with its ExposureInfo, as afw's Exposure.
 */
import type { Box2I, Origin } from "./box.ts";
import { ExposureInfo } from "./exposure-info.ts";
import type { Image } from "./image.ts";
import type { Mask } from "./mask.ts";
import type { MaskedImage } from "./masked-image.ts";
import type { Point2I } from "./point.ts";

export class Exposure {
  readonly maskedImage: MaskedImage;
  readonly info: ExposureInfo;

  constructor(maskedImage: MaskedImage, info: ExposureInfo = new ExposureInfo()) {
    this.maskedImage = maskedImage;
    this.info = info;
  }

  get image(): Image {
    return this.maskedImage.image;
  }
  get mask(): Mask {
    return this.maskedImage.mask;
  }
  get variance(): Image {
    return this.maskedImage.variance;
  }
  /** PARENT box of the pixels. */
  get bbox(): Box2I {
    return this.maskedImage.bbox;
  }
  get xy0(): Point2I {
    return this.bbox.minimum;
  }
  get wcs() {
    return this.info.wcs;
  }
  get visitInfo() {
    return this.info.visitInfo;
  }
  get photoCalib() {
    return this.info.photoCalib;
  }
  get filter() {
    return this.info.filter;
  }
  get metadata() {
    return this.info.metadata;
  }

  /** A cutout (pixels copied, info shared: the SkyWcs is in PARENT pixels, so it still applies). */
  subset(bbox: Box2I, origin: Origin = "PARENT"): Exposure {
    return new Exposure(this.maskedImage.subset(bbox, origin), this.info);
  }

  equals(other: Exposure): boolean {
    return this.maskedImage.equals(other.maskedImage) && this.info.equals(other.info);
  }
}
