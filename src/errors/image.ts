/** Errors of the `image` layer: FITS files that break the afw Exposure layout. */
import { ButlerError } from "./base.ts";
import { describeLocation, type FitsLocation } from "./fits.ts";

/**
 * A file that is valid FITS but breaks the afw Exposure layout: a plane whose EXTTYPE names another
 * plane, an archive index that points at a missing catalog, a DATE-AVG whose TIMESYS is not TAI, …
 */
export class ImageFormatError extends ButlerError {
  readonly uri?: string;
  readonly hdu?: number;

  constructor(message: string, where: FitsLocation = {}, options?: { cause?: unknown }) {
    super("IMAGE_FORMAT", `${message}${describeLocation(where)}`, options);
    this.uri = where.uri;
    this.hdu = where.hdu;
  }
}

/**
 * A mask plane dictionary that afw would refuse (one name on two bits, two names on one bit, a bit
 * outside the pixel type), or a plane name that the dictionary does not have.
 */
export class MaskPlaneError extends ButlerError {
  /** The plane name or names at fault. */
  readonly planes: readonly string[];

  constructor(message: string, planes: readonly string[]) {
    super("MASK_PLANE", message);
    this.planes = planes;
  }
}

/**
 * An archived component of an Exposure read lazily (psf, photoCalib, …) used before it was fetched:
 * `await exposure.info.load("psf")` (or `load()` for all of them) fetches it. Without a component, the
 * whole archive (nested objects too) was needed, as a write needs it, and `load()` fetches it.
 */
export class ComponentNotLoadedError extends ButlerError {
  /** The component not loaded; undefined for the whole archive. */
  readonly component: string | undefined;

  constructor(component: string | undefined, action = `read ${component}`) {
    super(
      "COMPONENT_NOT_LOADED",
      component === undefined
        ? `cannot ${action}: the Exposure was read lazily and its whole archive is not loaded yet; call await exposure.info.load() first`
        : `cannot ${action}: the Exposure was read lazily and its ${component} is not loaded yet; call await exposure.info.load(${JSON.stringify(component)}) (or load() for every component) first`,
    );
    this.component = component;
  }
}
