/**
 * Reading a whole Exposure (or a cutout of one) from afw's FITS layout: the three planes by position
 * (EXTTYPE checked), the ExposureInfo from the primary header and the archive, every archive object
 * kept. Works for current files (EXPINFO_V = 2), older ones without EXTNAME, legacy version-0 files
 * (uint16 mask, FLUXMAG0, TIME-MID, FILTER key) and tile-compressed planes.
 */
import { ImageFormatError } from "../errors/index.ts";
import type { FitsFile } from "../fits/fits-file.ts";
import {
  archiveComponentIds,
  exposureMetadata,
  locatePlanes,
  type PlaneHdus,
  serializationVersion,
} from "./afw-layout.ts";
import { ArchiveReader } from "./archive.ts";
import type { Box2I, Origin } from "./box.ts";
import { detectorSummaryFromHeader, legacyPhotoCalib, readImagePlane } from "./component-readers.ts";
import { detectorIdOf } from "./detector-summary.ts";
import { Exposure } from "./exposure.ts";
import { ExposureInfo } from "./exposure-info.ts";
import { decodeFilterLabel, filterLabelFromLegacyName } from "./filter-label.ts";
import { MaskedImage } from "./masked-image.ts";
import { decodePhotoCalib } from "./photo-calib.ts";
import { readXy0 } from "./pixel-origin.ts";
import { decodePolygon } from "./polygon.ts";
import { decodeSkyWcsText } from "./sky-wcs-archive.ts";
import { decodeSummaryStats } from "./summary-stats.ts";
import { VisitInfo } from "./visit-info.ts";
import { readSkyWcs } from "./wcs-header.ts";

export interface ReadExposureOptions {
  /** Read only these pixels. */
  bbox?: Box2I;
  /** Coordinates of `bbox`: PARENT (default, includes xy0) or LOCAL (relative to xy0). */
  origin?: Origin;
  /** An archive reader to reuse. */
  archive?: ArchiveReader;
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
    }),
  ]);
  return new Exposure(new MaskedImage(image, mask, variance), info);
}

/**
 * Everything but the pixels: metadata, VisitInfo, id, detector summary, WCS, and the archive read in
 * full (each catalog table once) with its known components decoded.
 */
export async function readExposureInfo(
  fits: FitsFile,
  options: { planes?: PlaneHdus; archive?: ArchiveReader } = {},
): Promise<ExposureInfo> {
  const planes = options.planes ?? locatePlanes(fits);
  const primary = fits.header(0);
  const imageHeader = fits.header(planes.image);
  const version = serializationVersion(primary);
  const info = new ExposureInfo();
  info.metadata = exposureMetadata(primary, imageHeader, planes.image === 0);
  const expId = primary.getInteger("EXPID");
  if (expId !== undefined) info.id = expId;
  info.visitInfo = VisitInfo.fromHeader(primary, { uri: fits.uri, hdu: 0 });
  const detector = detectorSummaryFromHeader(primary);

  const archive = options.archive ?? (await ArchiveReader.open(fits));
  const objects = archive === undefined ? [] : await archive.readAll();
  for (const object of objects) info.archive.set(object.id, object);

  let ast: string | undefined;
  for (const [key, id] of archiveComponentIds(primary)) {
    const object = info.archive.get(id);
    if (object === undefined) {
      throw new ImageFormatError(
        `the primary header gives ${key} archive id ${id}, which the archive lacks`,
        {
          uri: fits.uri,
          hdu: 0,
        },
      );
    }
    info.archiveIds.set(key, id);
    let decoded = false;
    switch (key) {
      case "SKYWCS":
        ast = decodeSkyWcsText(object);
        decoded = ast !== undefined;
        break;
      case "PHOTOCALIB": {
        const value = decodePhotoCalib(object);
        if (value !== undefined) info.photoCalib = value;
        decoded = value !== undefined;
        break;
      }
      case "FILTER": {
        const value = version >= 2 ? decodeFilterLabel(object) : undefined;
        if (value !== undefined) info.filter = value;
        decoded = value !== undefined;
        break;
      }
      case "VALID_POLYGON": {
        const value = decodePolygon(object);
        if (value !== undefined) info.validPolygon = value;
        decoded = value !== undefined;
        break;
      }
      case "SUMMARY_STATS": {
        const value = decodeSummaryStats(object);
        if (value !== undefined) info.summaryStats = value;
        decoded = value !== undefined;
        break;
      }
      case "WCS":
        // The legacy TanWcs: the header WCS says the same; the object stays in the archive.
        decoded = true;
        break;
      case "DETECTOR": {
        const detectorId = detectorIdOf(object);
        if (detectorId !== undefined) detector.id = detectorId;
        break;
      }
    }
    if (!decoded) info.components.set(key, object);
  }
  const wcs = readSkyWcs(imageHeader, readXy0(imageHeader), ast);
  if (wcs !== undefined) info.wcs = wcs;
  else if (ast !== undefined)
    info.components.set("SKYWCS", info.archive.get(info.archiveIds.get("SKYWCS")!)!);
  if (info.photoCalib === undefined) {
    const legacy = legacyPhotoCalib(primary);
    if (legacy !== undefined) info.photoCalib = legacy;
  }
  if (version < 2 && info.filter === undefined) {
    const legacy = filterLabelFromLegacyName(primary.getString("FILTER"));
    if (legacy !== undefined) info.filter = legacy;
  }
  if (Object.keys(detector).length > 0) info.detector = detector;
  return info;
}
