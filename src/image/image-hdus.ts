/**
 * The FITS HDUs an image-like value is written as: an Exposure or MaskedImage in afw's layout, a bare
 * Image as a primary HDU and one image HDU. One implementation, so every writer of a cutout (the `get`
 * command, the web page's box download) produces the same bytes.
 */
import type { HduParts } from "../fits/image-hdu.ts";
import { emptyPrimaryHdu, imageHdu } from "../fits/image-hdu.ts";
import { Exposure } from "./exposure.ts";
import { Image } from "./image.ts";
import { MaskedImage } from "./masked-image.ts";
import { writeExposure } from "./write-exposure.ts";

/** Whether `imageHdus` writes `value` (an Exposure, MaskedImage or Image). */
export function isImageLike(value: unknown): boolean {
  return value instanceof Exposure || value instanceof MaskedImage || value instanceof Image;
}

/**
 * The HDUs of an image-like value, or undefined for anything else. An Exposure read lazily fetches its
 * archived components first, so the file keeps them all.
 */
export async function imageHdus(value: unknown): Promise<HduParts[] | undefined> {
  if (value instanceof Exposure) {
    await value.info.load();
    return writeExposure(value);
  }
  if (value instanceof MaskedImage) return writeExposure(new Exposure(value));
  if (value instanceof Image) {
    return [emptyPrimaryHdu(), imageHdu(value.array, [value.bbox.width, value.bbox.height])];
  }
  return undefined;
}
