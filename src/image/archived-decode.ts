/**
 * Turning one archived component (the object a primary-header key such as `PSF` or `PHOTOCALIB` names)
 * into ExposureInfo's fields: the decoded ones become typed fields, the rest are kept as archive objects.
 * Shared by an eager read (the whole archive at once) and a lazy one (one component when asked for).
 */
import type { Header } from "../fits/header.ts";
import type { ArchiveObject } from "./archive-types.ts";
import { legacyPhotoCalib } from "./component-readers.ts";
import { type DetectorSummary, detectorIdOf } from "./detector-summary.ts";
import type { ExposureInfo } from "./exposure-info.ts";
import { decodeFilterLabel, filterLabelFromLegacyName } from "./filter-label.ts";
import { decodePhotoCalib } from "./photo-calib.ts";
import type { Point2I } from "./point.ts";
import { decodePolygon } from "./polygon.ts";
import { decodeSkyWcsText } from "./sky-wcs-archive.ts";
import { decodeSummaryStats } from "./summary-stats.ts";
import { readSkyWcs } from "./wcs-header.ts";

/** What decoding needs besides the object: the headers it falls back on. */
export interface ArchivedContext {
  primary: Header;
  imageHeader: Header;
  xy0: Point2I;
  /** EXPINFO_V of the file. */
  version: number;
  /** DETNAME and DETSER from the primary header. */
  detector: DetectorSummary;
}

/** Sets what `object`, archived under `key`, holds into `info`. */
export function decodeArchived(
  info: ExposureInfo,
  key: string,
  object: ArchiveObject,
  context: ArchivedContext,
): void {
  let decoded = false;
  switch (key) {
    case "SKYWCS": {
      const ast = decodeSkyWcsText(object);
      const wcs = readSkyWcs(context.imageHeader, context.xy0, ast);
      if (wcs !== undefined) info.wcs = wcs;
      decoded = ast !== undefined && wcs !== undefined;
      break;
    }
    case "PHOTOCALIB": {
      const value = decodePhotoCalib(object);
      if (value !== undefined) info.photoCalib = value;
      else fallBack(info, "PHOTOCALIB", context);
      decoded = value !== undefined;
      break;
    }
    case "FILTER": {
      const value = context.version >= 2 ? decodeFilterLabel(object) : undefined;
      if (value !== undefined) info.filter = value;
      else fallBack(info, "FILTER", context);
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
      const detector = { ...context.detector };
      const detectorId = detectorIdOf(object);
      if (detectorId !== undefined) detector.id = detectorId;
      if (Object.keys(detector).length > 0) info.detector = detector;
      break;
    }
  }
  if (!decoded) info.components.set(key, object);
}

/**
 * What the headers alone say of a component the archive does not have (or that `key`'s object does not
 * decode into): the header WCS, FLUXMAG0, the legacy FILTER key, DETNAME and DETSER.
 */
export function fallBack(info: ExposureInfo, key: string, context: ArchivedContext): void {
  switch (key) {
    case "SKYWCS": {
      const wcs = readSkyWcs(context.imageHeader, context.xy0);
      if (wcs !== undefined) info.wcs = wcs;
      break;
    }
    case "PHOTOCALIB": {
      const legacy = legacyPhotoCalib(context.primary);
      if (legacy !== undefined) info.photoCalib = legacy;
      break;
    }
    case "FILTER": {
      const legacy =
        context.version < 2 ? filterLabelFromLegacyName(context.primary.getString("FILTER")) : undefined;
      if (legacy !== undefined) info.filter = legacy;
      break;
    }
    case "DETECTOR":
      if (Object.keys(context.detector).length > 0) info.detector = { ...context.detector };
      break;
  }
}

/** The keys whose header fallback applies when the archive does not name them. */
export const FALLBACK_KEYS: readonly string[] = ["SKYWCS", "PHOTOCALIB", "FILTER", "DETECTOR"];
