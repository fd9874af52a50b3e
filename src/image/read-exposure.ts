/**
 * Reading a whole Exposure (or a cutout of one) from afw's FITS layout: the three planes by position
 * (EXTTYPE checked), the ExposureInfo from the primary header and the archive, every archive object
 * kept. Works for current files (EXPINFO_V = 2), older ones without EXTNAME, legacy version-0 files
 * (uint16 mask, FLUXMAG0, TIME-MID, FILTER key) and tile-compressed planes.
 */
import type { FitsFile } from "../fits/fits-file.ts";
import {
  archiveComponentIds,
  exposureMetadata,
  locatePlanes,
  type PlaneHdus,
  serializationVersion,
} from "./afw-layout.ts";
import { ArchiveReader } from "./archive.ts";
import { type ArchivedContext, decodeArchived, FALLBACK_KEYS, fallBack } from "./archived-decode.ts";
import type { Box2I, Origin } from "./box.ts";
import { detectorSummaryFromHeader, readImagePlane } from "./component-readers.ts";
import { Exposure } from "./exposure.ts";
import { ExposureInfo } from "./exposure-info.ts";
import { type LazyArchive, lazyArchiveLoader, missingObject } from "./lazy-archive.ts";
import { MaskedImage } from "./masked-image.ts";
import { readXy0 } from "./pixel-origin.ts";
import { VisitInfo } from "./visit-info.ts";

export interface ReadExposureOptions {
  /** Read only these pixels. */
  bbox?: Box2I;
  /** Coordinates of `bbox`: PARENT (default, includes xy0) or LOCAL (relative to xy0). */
  origin?: Origin;
  /** An archive reader to reuse. */
  archive?: ArchiveReader;
  /**
   * Leave the archive unread: where its components are (a byte index's layout) and how to fetch bytes
   * later. The Exposure's archived components are then fetched when `info.load` asks for them.
   */
  lazy?: LazyArchive;
}

/** The Exposure in `fits`, whole or the `bbox` cutout (the result's bbox is in PARENT coordinates). */
export async function readExposure(fits: FitsFile, options: ReadExposureOptions = {}): Promise<Exposure> {
  const planes = locatePlanes(fits);
  const planeOptions = {
    planes,
    ...(options.bbox !== undefined ? { bbox: options.bbox } : {}),
    ...(options.origin !== undefined ? { origin: options.origin } : {}),
  };
  const [image, mask, variance, info] = await Promise.all([
    readImagePlane(fits, "image", planeOptions),
    planes.mask === undefined ? undefined : readImagePlane(fits, "mask", planeOptions),
    planes.variance === undefined ? undefined : readImagePlane(fits, "variance", planeOptions),
    readExposureInfo(fits, {
      planes,
      ...(options.archive !== undefined ? { archive: options.archive } : {}),
      ...(options.lazy !== undefined ? { lazy: options.lazy } : {}),
    }),
  ]);
  return new Exposure(new MaskedImage(image, mask, variance), info);
}

/**
 * Everything but the pixels: metadata, VisitInfo, id, detector summary, WCS, and the archive read in
 * full (each catalog table once) with its known components decoded; with `lazy`, the archived
 * components are left for `info.load` to fetch.
 */
export async function readExposureInfo(
  fits: FitsFile,
  options: { planes?: PlaneHdus; archive?: ArchiveReader; lazy?: LazyArchive } = {},
): Promise<ExposureInfo> {
  const planes = options.planes ?? locatePlanes(fits);
  const primary = fits.header(0);
  const imageHeader = fits.header(planes.image);
  const context: ArchivedContext = {
    primary,
    imageHeader,
    xy0: readXy0(imageHeader),
    version: serializationVersion(primary),
    detector: detectorSummaryFromHeader(primary),
  };
  const info = new ExposureInfo();
  info.metadata = exposureMetadata(primary, imageHeader, planes.image === 0);
  const expId = primary.getInteger("EXPID");
  if (expId !== undefined) info.id = expId;
  info.visitInfo = VisitInfo.fromHeader(primary, { uri: fits.uri, hdu: 0 });
  const ids = archiveComponentIds(primary);
  for (const [key, id] of ids) info.archiveIds.set(key, id);
  // What the headers say of components the archive does not name.
  for (const key of FALLBACK_KEYS) if (!ids.has(key)) fallBack(info, key, context);

  if (options.lazy !== undefined && ids.size > 0) {
    info.deferArchived(ids.keys(), lazyArchiveLoader(fits, options.lazy, context));
    return info;
  }
  const archive = options.archive ?? (await ArchiveReader.open(fits));
  const objects = archive === undefined ? [] : await archive.readAll();
  for (const object of objects) info.archive.set(object.id, object);
  for (const [key, id] of ids) {
    const object = info.archive.get(id);
    if (object === undefined) throw missingObject(fits, key, id);
    decodeArchived(info, key, object, context);
  }
  return info;
}
