/**
 * The image layer: geometry, pixel containers, the Exposure and its components, and reading and
 * writing them in LSST afw's FITS layout.
 */
export {
  archiveComponentIds,
  exposureMetadata,
  KNOWN_COMPONENTS,
  locatePlanes,
  type PlaneHdus,
  type PlaneName,
  planeBBox,
  serializationVersion,
} from "./afw-layout.ts";
export { type ArchiveIndexEntry, ArchiveReader, findArchiveIndexHdu } from "./archive.ts";
export {
  type ArchiveCatalog,
  type ArchiveColumnSpec,
  type ArchiveObject,
  ArchiveSchema,
  archiveObjectsEqual,
  type ColumnValues,
  columnValues,
} from "./archive-types.ts";
export { encodeArchive } from "./archive-write.ts";
export { Box2I, type Origin, toParentBox } from "./box.ts";
export {
  type ComponentReadOptions,
  openArchive,
  type PlaneReadOptions,
  readArchiveComponent,
  readBBox,
  readDetectorSummary,
  readDimensions,
  readExposureId,
  readFilter,
  readImagePlane,
  readMetadata,
  readPhotoCalib,
  readSummaryStats,
  readValidPolygon,
  readVisitInfo,
  readWcs,
  readXy0,
} from "./component-readers.ts";
export type { DetectorSummary } from "./detector-summary.ts";
export { Exposure } from "./exposure.ts";
export { DECODED_COMPONENTS, ExposureInfo } from "./exposure-info.ts";
export { FilterLabel, filterLabelFromLegacyName } from "./filter-label.ts";
export { adjustCutoutHeader, Image } from "./image.ts";
export { Mask, type MaskPixels } from "./mask.ts";
export { DEFAULT_MASK_PLANES, MaskPlaneDict } from "./mask-planes.ts";
export { MaskedImage } from "./masked-image.ts";
export { PhotoCalib, REFERENCE_FLUX_NJY } from "./photo-calib.ts";
export { pixelOriginCards } from "./pixel-origin.ts";
export { Extent2I, Point2I } from "./point.ts";
export { Polygon } from "./polygon.ts";
export { type ReadExposureOptions, readExposure, readExposureInfo } from "./read-exposure.ts";
export {
  type PixelPosition,
  type SipCoefficients,
  type SkyPosition,
  SkyWcs,
  type SkyWcsParams,
} from "./sky-wcs.ts";
export { SummaryStats } from "./summary-stats.ts";
export {
  type Observatory,
  type RotType,
  VisitInfo,
  type VisitInfoFields,
  type Weather,
} from "./visit-info.ts";
export { readSkyWcs, skyWcsCards } from "./wcs-header.ts";
export {
  AR_HDU,
  archiveObjectsFor,
  EXPINFO_VERSION,
  type PlaneCompression,
  type WriteExposureOptions,
  writeExposure,
} from "./write-exposure.ts";
