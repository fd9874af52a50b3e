/**
 * One reader per Exposure component, each touching only what that component needs, so a butler
 * formatter can serve `calexp.wcs` or a cutout without reading the rest:
 *
 * | reader | reads (after `FitsFile.open` scanned the headers) |
 * | --- | --- |
 * | `readMetadata`, `readVisitInfo`, `readExposureId`, `readBBox`, `readXy0`, `readDimensions` | nothing: primary / image headers |
 * | `readWcs` | image header; plus index + SkyWcs rows for the archived AST text (skip with `archive: null`) |
 * | `readFilter` | index + FilterLabel rows (EXPINFO_V ≥ 2), else the `FILTER` header key |
 * | `readPhotoCalib` | index + PhotoCalib rows (EXPINFO_V ≥ 1), else `FLUXMAG0` |
 * | `readDetectorSummary` | primary header; plus index + the Detector's first row for its id |
 * | `readValidPolygon`, `readSummaryStats`, `readArchiveComponent` | index + that object's rows |
 * | `readImagePlane(name, {bbox})` | that plane's rows (plain) or tiles (compressed) under the box |
 *
 * Pass one `ArchiveReader` (`openArchive`) to several readers to read the index once.
 */
import { ImageFormatError } from "../errors/index.ts";
import type { FitsFile } from "../fits/fits-file.ts";
import { Header } from "../fits/header.ts";
import { isUserCard } from "../fits/image-hdu.ts";
import type { PixelArray } from "../fits/pixels.ts";
import {
  archiveComponentIds,
  exposureMetadata,
  locatePlanes,
  type PlaneHdus,
  type PlaneName,
  planeBBox,
  planeHdu,
  serializationVersion,
} from "./afw-layout.ts";
import { ArchiveReader } from "./archive.ts";
import type { ArchiveObject } from "./archive-types.ts";
import { type Box2I, checkInside, type Origin, toParentBox } from "./box.ts";
import { type DetectorSummary, detectorIdOf } from "./detector-summary.ts";
import { decodeFilterLabel, type FilterLabel, filterLabelFromLegacyName } from "./filter-label.ts";
import { adjustCutoutHeader, Image } from "./image.ts";
import { Mask } from "./mask.ts";
import { MaskPlaneDict } from "./mask-planes.ts";
import { decodePhotoCalib, PhotoCalib } from "./photo-calib.ts";
import { readXy0 as readXy0FromHeader } from "./pixel-origin.ts";
import { Extent2I, type Point2I } from "./point.ts";
import { decodePolygon, type Polygon } from "./polygon.ts";
import type { SkyWcs } from "./sky-wcs.ts";
import { decodeSkyWcsText } from "./sky-wcs-archive.ts";
import { decodeSummaryStats, type SummaryStats } from "./summary-stats.ts";
import { VisitInfo } from "./visit-info.ts";
import { readSkyWcs } from "./wcs-header.ts";

export interface ComponentReadOptions {
  /** An archive reader to reuse (its index is read once); `null` to stay out of the archive. */
  archive?: ArchiveReader | null;
}

/** Reads a file's archive index; undefined when the file has no archive. */
export function openArchive(fits: FitsFile): Promise<ArchiveReader | undefined> {
  return ArchiveReader.open(fits);
}

async function archiveFor(fits: FitsFile, options: ComponentReadOptions): Promise<ArchiveReader | undefined> {
  if (options.archive === null) return undefined;
  return options.archive ?? (await ArchiveReader.open(fits));
}

function where(fits: FitsFile, hdu?: number) {
  return hdu === undefined ? { uri: fits.uri } : { uri: fits.uri, hdu };
}

/** The primary header (HDU 0). */
function primaryHeader(fits: FitsFile): Header {
  return fits.header(0);
}

/** The archive object a component key names in the primary header, or undefined. */
export async function readArchiveComponent(
  fits: FitsFile,
  key: string,
  options: ComponentReadOptions = {},
): Promise<ArchiveObject | undefined> {
  const id = archiveComponentIds(primaryHeader(fits)).get(key.toUpperCase());
  if (id === undefined) return undefined;
  if (options.archive === null) return undefined;
  const archive = await archiveFor(fits, options);
  if (archive === undefined) {
    throw new ImageFormatError(
      `the primary header gives ${key} archive id ${id} but the file has no archive`,
      where(fits),
    );
  }
  const object = await archive.get(id);
  if (object === undefined) {
    throw new ImageFormatError(
      `the primary header gives ${key} archive id ${id}, which the archive index lacks`,
      where(fits),
    );
  }
  return object;
}

/** The `metadata` component: the primary header without the keys other components own. */
export async function readMetadata(fits: FitsFile): Promise<Header> {
  const planes = locatePlanes(fits);
  return exposureMetadata(primaryHeader(fits), fits.header(planes.image), planes.image === 0);
}

export async function readVisitInfo(fits: FitsFile): Promise<VisitInfo> {
  return VisitInfo.fromHeader(primaryHeader(fits), where(fits, 0));
}

/** EXPID, or undefined. */
export async function readExposureId(fits: FitsFile): Promise<number | undefined> {
  return primaryHeader(fits).getInteger("EXPID");
}

/** The PARENT bounding box, from the image header alone. */
export async function readBBox(fits: FitsFile): Promise<Box2I> {
  return planeBBox(fits, locatePlanes(fits).image);
}

export async function readXy0(fits: FitsFile): Promise<Point2I> {
  return (await readBBox(fits)).minimum;
}

export async function readDimensions(fits: FitsFile): Promise<Extent2I> {
  return (await readBBox(fits)).dimensions;
}

/**
 * The header TAN/TAN-SIP WCS of the image HDU (PARENT pixels), with the archived SkyWcs text as
 * `ast` when the file has one. Undefined when the header has no TAN WCS.
 */
export async function readWcs(
  fits: FitsFile,
  options: ComponentReadOptions = {},
): Promise<SkyWcs | undefined> {
  const planes = locatePlanes(fits);
  const header = fits.header(planes.image);
  const xy0 = readXy0FromHeader(header);
  let ast: string | undefined;
  if (options.archive !== null && archiveComponentIds(primaryHeader(fits)).has("SKYWCS")) {
    const object = await readArchiveComponent(fits, "SKYWCS", options);
    if (object !== undefined) ast = decodeSkyWcsText(object);
  }
  return readSkyWcs(header, xy0, ast);
}

/** The FilterLabel: archived (EXPINFO_V ≥ 2), else from the legacy `FILTER` key. */
export async function readFilter(
  fits: FitsFile,
  options: ComponentReadOptions = {},
): Promise<FilterLabel | undefined> {
  const primary = primaryHeader(fits);
  if (serializationVersion(primary) < 2) return filterLabelFromLegacyName(primary.getString("FILTER"));
  const object = await readArchiveComponent(fits, "FILTER", options);
  return object === undefined ? undefined : decodeFilterLabel(object);
}

/** The PhotoCalib: archived (EXPINFO_V ≥ 1), else converted from `FLUXMAG0`/`FLUXMAG0ERR`. */
export async function readPhotoCalib(
  fits: FitsFile,
  options: ComponentReadOptions = {},
): Promise<PhotoCalib | undefined> {
  const primary = primaryHeader(fits);
  if (archiveComponentIds(primary).has("PHOTOCALIB")) {
    const object = await readArchiveComponent(fits, "PHOTOCALIB", options);
    if (object !== undefined) return decodePhotoCalib(object);
  }
  return legacyPhotoCalib(primary);
}

/** A PhotoCalib from a version-0 header's FLUXMAG0, or undefined. */
export function legacyPhotoCalib(primary: Header): PhotoCalib | undefined {
  if (serializationVersion(primary) >= 1) return undefined;
  const fluxMag0 = primary.getNumber("FLUXMAG0");
  if (fluxMag0 === undefined) return undefined;
  return PhotoCalib.fromFluxMag0(fluxMag0, primary.getNumber("FLUXMAG0ERR") ?? 0);
}

/** DETNAME, DETSER and (when the Detector is archived) its id; undefined when none is known. */
export async function readDetectorSummary(
  fits: FitsFile,
  options: ComponentReadOptions = {},
): Promise<DetectorSummary | undefined> {
  const primary = primaryHeader(fits);
  const summary = detectorSummaryFromHeader(primary);
  const id = archiveComponentIds(primary).get("DETECTOR");
  if (id !== undefined) {
    const archive = await archiveFor(fits, options);
    const catalog = await archive?.getCatalog(id, 0);
    if (catalog !== undefined) {
      const detectorId = detectorIdOf({
        id,
        name: archive!.nameOf(id) ?? "",
        module: "",
        catalogs: [catalog],
      });
      if (detectorId !== undefined) summary.id = detectorId;
    }
  }
  return Object.keys(summary).length === 0 ? undefined : summary;
}

export function detectorSummaryFromHeader(primary: Header): DetectorSummary {
  const summary: DetectorSummary = {};
  const name = primary.getString("DETNAME")?.trimEnd();
  const serial = primary.getString("DETSER")?.trimEnd();
  if (name !== undefined) summary.name = name;
  if (serial !== undefined) summary.serial = serial;
  return summary;
}

export async function readValidPolygon(
  fits: FitsFile,
  options: ComponentReadOptions = {},
): Promise<Polygon | undefined> {
  const object = await readArchiveComponent(fits, "VALID_POLYGON", options);
  return object === undefined ? undefined : decodePolygon(object);
}

export async function readSummaryStats(
  fits: FitsFile,
  options: ComponentReadOptions = {},
): Promise<SummaryStats | undefined> {
  const object = await readArchiveComponent(fits, "SUMMARY_STATS", options);
  return object === undefined ? undefined : decodeSummaryStats(object);
}

export interface PlaneReadOptions {
  /** Only these pixels (default: the whole plane). */
  bbox?: Box2I;
  /** Coordinates of `bbox`: PARENT (default, includes xy0) or LOCAL (relative to xy0). */
  origin?: Origin;
  /** The plane HDUs, when the caller located them already. */
  planes?: PlaneHdus;
}

/**
 * One plane, whole or a cutout, with its HDU header (adjusted to the cutout: CRPIX, LTV, A-WCS).
 * The mask comes back as a `Mask` with the planes of its `MP_*` cards.
 */
export async function readImagePlane(fits: FitsFile, name: "mask", options?: PlaneReadOptions): Promise<Mask>;
export async function readImagePlane(
  fits: FitsFile,
  name: "image" | "variance",
  options?: PlaneReadOptions,
): Promise<Image>;
export async function readImagePlane(
  fits: FitsFile,
  name: PlaneName,
  options?: PlaneReadOptions,
): Promise<Image | Mask>;
export async function readImagePlane(
  fits: FitsFile,
  name: PlaneName,
  options: PlaneReadOptions = {},
): Promise<Image | Mask> {
  const planes = options.planes ?? locatePlanes(fits);
  const at = planeHdu(fits, planes, name);
  const full = planeBBox(fits, at);
  let box = full;
  if (options.bbox !== undefined) {
    const origin = options.origin ?? "PARENT";
    box = toParentBox(options.bbox, origin, full.minimum);
    checkInside(box, full, origin);
  }
  const hdu = fits.hdus[at]!;
  const compressed = hdu.kind === "compressed_image";
  const header = fits.header(at);
  const cutout = !box.equals(full);
  const data = await fits.readImage(
    at,
    cutout
      ? { box: { x: box.minX - full.minX, y: box.minY - full.minY, width: box.width, height: box.height } }
      : {},
  );
  const kept = new Header(header.cards.filter((c) => isUserCard(c, compressed)).map((c) => ({ ...c })));
  if (cutout) adjustCutoutHeader(kept, new Extent2I(box.minX - full.minX, box.minY - full.minY), box.minimum);
  if (name === "mask") {
    const pixels = asMaskPixels(data.data);
    const planesDict = MaskPlaneDict.fromHeader(header, pixels instanceof Uint16Array ? 16 : 32);
    return new Mask(pixels, box, planesDict, kept);
  }
  return new Image(data.data, box, kept);
}

/** Mask pixels as afw keeps them: int32, or legacy uint16; other integer types are widened to int32. */
function asMaskPixels(data: PixelArray): Int32Array | Uint16Array {
  if (data instanceof Int32Array || data instanceof Uint16Array) return data;
  if (data instanceof Float32Array || data instanceof Float64Array) {
    throw new ImageFormatError("the mask plane holds floating-point pixels; masks are integers");
  }
  return Int32Array.from(data as ArrayLike<number | bigint>, (v) => Number(v));
}
