/**
 * Where things are in an afw Exposure file and which header keys belong to whom: the plane HDUs
 * (by position, checked against EXTTYPE), the archive component ids, the serialization version, and
 * the keys stripped from the `metadata` component because other components own them.
 */
import { ImageFormatError } from "../errors/index.ts";
import { type Card, normalizeKey } from "../fits/card.ts";
import type { FitsFile } from "../fits/fits-file.ts";
import type { HduInfo } from "../fits/hdu.ts";
import type { Header } from "../fits/header.ts";
import { Box2I } from "./box.ts";
import { isPixelOriginKey, readXy0 } from "./pixel-origin.ts";
import { Extent2I, type Point2I } from "./point.ts";
import { isVisitInfoKey, VISIT_INFO_FIELD_OF_KEY } from "./visit-info.ts";
import { isWcsKey } from "./wcs-header.ts";

export type PlaneName = "image" | "mask" | "variance";
const EXTTYPE_OF: Record<PlaneName, string> = { image: "IMAGE", mask: "MASK", variance: "VARIANCE" };

/** 0-based HDU numbers of the planes; mask and variance are absent in single-image files. */
export interface PlaneHdus {
  image: number;
  mask?: number;
  variance?: number;
}

function isImageHdu(hdu: HduInfo | undefined): hdu is HduInfo {
  return (
    hdu !== undefined && (hdu.kind === "image" || hdu.kind === "compressed_image" || hdu.kind === "primary")
  );
}

/** Image dimensions of a plane HDU (ZNAXIS for compressed ones); a 3-D HDU with NAXIS3 = 1 is 2-D. */
function planeShape(hdu: HduInfo, uri?: string): [number, number] {
  const shape = hdu.compression?.shape ?? hdu.naxis;
  const extra = shape.slice(2);
  if (shape.length < 2 || extra.some((n) => n !== 1)) {
    throw new ImageFormatError(`HDU ${hdu.index} is not a 2-D image (shape ${shape.join("x") || "none"})`, {
      uri,
      hdu: hdu.index,
    });
  }
  return [shape[0]!, shape[1]!];
}

function hasData(hdu: HduInfo): boolean {
  const shape = hdu.compression?.shape ?? hdu.naxis;
  return shape.length > 0 && shape.every((n) => n > 0);
}

/**
 * Finds the planes as afw does: the image is the primary HDU if it has data, else HDU 1 (which also
 * covers an empty primary followed by a tile-compressed image, afw's "compressed primary image");
 * the mask and variance are the next two HDUs when they are images. Each plane's EXTTYPE, when
 * present, must name that plane.
 */
export function locatePlanes(fits: FitsFile): PlaneHdus {
  const hdus = fits.hdus;
  const where = { uri: fits.uri };
  const primary = hdus[0]!;
  const imageAt = hasData(primary) ? 0 : 1;
  const image = hdus[imageAt];
  if (!isImageHdu(image) || !hasData(image)) {
    throw new ImageFormatError(
      `no image plane: HDU ${imageAt} is ${image === undefined ? "missing" : `a ${image.kind} without pixels`}`,
      {
        ...where,
        hdu: imageAt,
      },
    );
  }
  checkExttype(image, "image", fits.uri);
  const planes: PlaneHdus = { image: imageAt };
  const maskHdu = hdus[imageAt + 1];
  if (isImageHdu(maskHdu) && hasData(maskHdu)) {
    checkExttype(maskHdu, "mask", fits.uri);
    planes.mask = imageAt + 1;
    const varianceHdu = hdus[imageAt + 2];
    if (isImageHdu(varianceHdu) && hasData(varianceHdu)) {
      checkExttype(varianceHdu, "variance", fits.uri);
      planes.variance = imageAt + 2;
    }
  }
  return planes;
}

function checkExttype(hdu: HduInfo, plane: PlaneName, uri: string): void {
  const exttype = hdu.exttype?.trim().toUpperCase();
  if (exttype !== undefined && exttype !== "" && exttype !== EXTTYPE_OF[plane]) {
    throw new ImageFormatError(
      `HDU ${hdu.index} should hold the ${plane} plane (EXTTYPE '${EXTTYPE_OF[plane]}') but its EXTTYPE is '${exttype}'`,
      { uri, hdu: hdu.index },
    );
  }
}

/** The HDU of one plane; a missing mask or variance is an error naming what the file has. */
export function planeHdu(fits: FitsFile, planes: PlaneHdus, name: PlaneName): number {
  const at = planes[name];
  if (at === undefined) {
    throw new ImageFormatError(
      `the file has no ${name} plane (it holds a single image at HDU ${planes.image})`,
      {
        uri: fits.uri,
      },
    );
  }
  return at;
}

/** The PARENT box of a plane from its header alone: xy0 from the A-WCS, size from (Z)NAXIS. */
export function planeBBox(fits: FitsFile, hduIndex: number): Box2I {
  const hdu = fits.hdus[hduIndex]!;
  const [width, height] = planeShape(hdu, fits.uri);
  const xy0: Point2I = readXy0(fits.header(hduIndex));
  return new Box2I(xy0, new Extent2I(width, height), false);
}

/** EXPINFO_V: 0 (or absent) = Calib + FILTER key era, 1 = PhotoCalib archived, 2 = FilterLabel archived. */
export function serializationVersion(primary: Header): number {
  return primary.getInteger("EXPINFO_V") ?? 0;
}

/** The archive components afw names in the primary header (plus the legacy `WCS`). */
export const KNOWN_COMPONENTS: readonly string[] = [
  "SKYWCS",
  "PSF",
  "PHOTOCALIB",
  "DETECTOR",
  "VALID_POLYGON",
  "COADD_INPUTS",
  "AP_CORR_MAP",
  "TRANSMISSION_CURVE",
  "FILTER",
  "SUMMARY_STATS",
  "WCS",
];

/**
 * Component → archive id from the primary header: `ARCHIVE_ID_<KEY>` (preferred) and `<KEY>_ID` for
 * known components or keys that also have the ARCHIVE_ID_ form. Id 0 means "none" and is dropped.
 */
export function archiveComponentIds(primary: Header): Map<string, number> {
  const ids = new Map<string, number>();
  const fromArchiveKeys = new Set<string>();
  for (const card of primary) {
    const key = normalizeKey(card.key);
    const m = /^ARCHIVE_ID_(.+)$/.exec(key);
    if (m !== null && typeof card.value === "number") {
      fromArchiveKeys.add(m[1]!);
      if (card.value !== 0) ids.set(m[1]!, card.value);
    }
  }
  for (const card of primary) {
    const key = normalizeKey(card.key);
    const m = /^(.+)_ID$/.exec(key);
    if (m === null || key.startsWith("ARCHIVE_ID_") || typeof card.value !== "number") continue;
    const component = m[1]!;
    if (fromArchiveKeys.has(component) || !KNOWN_COMPONENTS.includes(component)) continue;
    if (card.value !== 0) ids.set(component, card.value);
  }
  return ids;
}

function isArchiveIdKey(key: string, primary: Header): boolean {
  if (key.startsWith("ARCHIVE_ID_")) return true;
  if (key.length < 4 || !key.endsWith("_ID")) return false;
  const component = key.slice(0, -3);
  return KNOWN_COMPONENTS.includes(component) || primary.has(`ARCHIVE_ID_${component}`);
}

const STRUCTURAL =
  /^(SIMPLE|XTENSION|BITPIX|NAXIS\d*|EXTEND|PCOUNT|GCOUNT|GROUPS|BSCALE|BZERO|BLANK|TFIELDS|THEAP|TTYPE\d+|TFORM\d+|TUNIT\d+|TDIM\d+|TNULL\d+|TSCAL\d+|TZERO\d+|CHECKSUM|DATASUM|EXTNAME|EXTVER|EXTTYPE|INHERIT|ZIMAGE|ZCMPTYPE|ZBITPIX|ZNAXIS\d*|ZTILE\d+|ZNAME\d+|ZVAL\d+|ZQUANTIZ|ZDITHER0|ZSIMPLE|ZTENSION|ZEXTEND|ZPCOUNT|ZGCOUNT|ZBLANK|ZHECKSUM|ZDATASUM|ZMASKCMP)$/;

/** Keys that describe an HDU's structure or compression (never metadata). */
function isStructuralKey(key: string): boolean {
  return STRUCTURAL.test(normalizeKey(key));
}

const OWNED_BY_EXPOSURE = new Set([
  "EXPINFO_V",
  "AR_HDU",
  "EXPID",
  "MJD-OBS",
  "DATE-OBS",
  "DETNAME",
  "DETSER",
]);

/** Keys `metadata` drops whatever the file: structure, the keys the Exposure owns, VisitInfo's. */
function isOwnedKey(key: string): boolean {
  let owned = OWNED_KEYS.get(key);
  if (owned === undefined) {
    owned = isStructuralKey(key) || OWNED_BY_EXPOSURE.has(key) || isVisitInfoKey(key);
    // Headers repeat the same few hundred keys; a file of made-up keys must not grow this forever.
    if (OWNED_KEYS.size < MAX_OWNED_KEYS) OWNED_KEYS.set(key, owned);
  }
  return owned;
}

const OWNED_KEYS = new Map<string, boolean>();
const MAX_OWNED_KEYS = 4096;

function isStandardFitsComment(card: Card): boolean {
  return /^\s*(FITS \(Flexible Image Transport System\) format is|and Astrophysics', volume 376, page 359)/.test(
    card.comment ?? "",
  );
}

/**
 * The `metadata` component: the primary header (or, for files whose image HDU lacks INHERIT = T, the
 * image HDU's header) without the keys afw strips — structure, the serialization version and archive
 * ids, VisitInfo, EXPID, DETNAME/DETSER, and the legacy FILTER / FLUXMAG0 keys of versions that used
 * them. A BUNIT on the image HDU comes back into the metadata (afw writes it from there). Cards are
 * chosen by key, so the values of a header held as card images are not parsed here.
 */
export function exposureMetadata(
  primary: Header,
  imageHeader: Header | undefined,
  primaryIsImage: boolean,
): Header {
  const version = serializationVersion(primary);
  const inherit = imageHeader?.getBoolean("INHERIT") === true;
  const source = primaryIsImage || inherit || imageHeader === undefined ? primary : imageHeader;
  const fromPlane = source !== primary || primaryIsImage;
  const kept: number[] = [];
  for (let i = 0; i < source.length; i++) {
    const key = normalizeKey(source.keyAt(i));
    if (source.isCommentaryAt(i)) {
      if (key === "COMMENT" && isStandardFitsComment(source.cardAt(i))) continue;
    } else {
      if (isOwnedKey(key)) continue;
      if (isArchiveIdKey(key, primary)) continue;
      if (version < 2 && key === "FILTER") continue;
      if (version < 1 && (key === "FLUXMAG0" || key === "FLUXMAG0ERR")) continue;
      if (fromPlane && (isWcsKey(key) || isPixelOriginKey(key) || key.startsWith("MP_"))) continue;
    }
    kept.push(i);
  }
  const out = source.pick(kept);
  const bunit = imageHeader?.get("BUNIT");
  if (source === primary && !primaryIsImage && typeof bunit === "string" && !out.has("BUNIT"))
    out.set("BUNIT", bunit);
  return out;
}

/**
 * Where a primary-header key of an afw Exposure goes instead of `metadata` when the file is read:
 * `visitInfo.exposureTime` for EXPTIME, `wcs` for the WCS keys; undefined for a key metadata keeps.
 */
export function componentOfExposureKey(key: string): string | undefined {
  const k = normalizeKey(key);
  if (isVisitInfoKey(k)) return `visitInfo.${VISIT_INFO_FIELD_OF_KEY[k] ?? k}`;
  if (isWcsKey(k)) return "wcs";
  if (k === "EXPID") return "visitInfo.id";
  if (k === "DATE-OBS" || k === "MJD-OBS") return "visitInfo.date";
  if (k === "DETNAME" || k === "DETSER") return "detector";
  return undefined;
}

/** The keys the Exposure writer owns in the primary header (dropped from metadata before writing). */
export function isWriterOwnedPrimaryKey(key: string, primary: Header): boolean {
  const k = normalizeKey(key);
  return (
    isStructuralKey(k) ||
    OWNED_BY_EXPOSURE.has(k) ||
    isVisitInfoKey(k) ||
    isArchiveIdKey(k, primary) ||
    k === "BUNIT"
  );
}
