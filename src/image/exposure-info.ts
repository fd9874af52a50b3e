/**
 * `ExposureInfo`: everything about an Exposure besides its pixels. Components we decode are typed
 * fields (wcs, visitInfo, photoCalib, filter, detector summary, id, validPolygon, summaryStats,
 * metadata); archived components we do not decode (PSF, ApCorrMap, TransmissionCurve, CoaddInputs,
 * Detector, …) are kept as `ArchiveObject`s in `components`, and every archive object read (nested
 * ones such as a PSF's children included) is kept in `archive`, so writing the Exposure back
 * preserves them row for row with their ids, and the references between them stay valid.
 */
import { Header } from "../fits/header.ts";
import { type ArchiveObject, archiveObjectsEqual } from "./archive-types.ts";
import { type DetectorSummary, detectorSummariesEqual } from "./detector-summary.ts";
import type { FilterLabel } from "./filter-label.ts";
import type { PhotoCalib } from "./photo-calib.ts";
import type { Polygon } from "./polygon.ts";
import type { SkyWcs } from "./sky-wcs.ts";
import type { SummaryStats } from "./summary-stats.ts";
import type { VisitInfo } from "./visit-info.ts";

/** Archive component keys whose objects become typed fields of ExposureInfo. */
export const DECODED_COMPONENTS: readonly string[] = [
  "SKYWCS",
  "PHOTOCALIB",
  "FILTER",
  "VALID_POLYGON",
  "SUMMARY_STATS",
];

export class ExposureInfo {
  /** The primary header without the keys other components own. */
  metadata: Header = new Header();
  /** EXPID: the exposure id. */
  id?: number;
  wcs?: SkyWcs;
  visitInfo?: VisitInfo;
  photoCalib?: PhotoCalib;
  filter?: FilterLabel;
  detector?: DetectorSummary;
  validPolygon?: Polygon;
  summaryStats?: SummaryStats;
  /** Undecoded archived components by afw key (`PSF`, `AP_CORR_MAP`, `DETECTOR`, …). */
  components: Map<string, ArchiveObject> = new Map();
  /** Every archive object of the file this was read from, by id, in index order. */
  archive: Map<number, ArchiveObject> = new Map();
  /** The archive id of each component in the file this was read from (decoded ones included). */
  archiveIds: Map<string, number> = new Map();

  get psf(): ArchiveObject | undefined {
    return this.components.get("PSF");
  }
  get apCorrMap(): ArchiveObject | undefined {
    return this.components.get("AP_CORR_MAP");
  }
  get coaddInputs(): ArchiveObject | undefined {
    return this.components.get("COADD_INPUTS");
  }
  get transmissionCurve(): ArchiveObject | undefined {
    return this.components.get("TRANSMISSION_CURVE");
  }
  /** The archived Detector (camera geometry), opaque; `detector` has its name, serial and id. */
  get detectorObject(): ArchiveObject | undefined {
    return this.components.get("DETECTOR");
  }

  /** A shallow copy: components are shared (they are treated as immutable), maps are new. */
  clone(): ExposureInfo {
    const out = Object.assign(new ExposureInfo(), this);
    out.metadata = this.metadata.clone();
    out.components = new Map(this.components);
    out.archive = new Map(this.archive);
    out.archiveIds = new Map(this.archiveIds);
    return out;
  }

  /**
   * Whether every component equals (metadata by cards' keys and values, archived components row for
   * row). The archive bookkeeping (`archive`, `archiveIds`) is not compared.
   */
  equals(other: ExposureInfo): boolean {
    const same = <T extends { equals(o: T): boolean }>(a: T | undefined, b: T | undefined) =>
      a === undefined || b === undefined ? a === b : a.equals(b);
    if (
      this.id !== other.id ||
      !same(this.wcs, other.wcs) ||
      !same(this.visitInfo, other.visitInfo) ||
      !same(this.photoCalib, other.photoCalib) ||
      !same(this.filter, other.filter) ||
      !detectorSummariesEqual(this.detector, other.detector) ||
      !same(this.validPolygon, other.validPolygon) ||
      !same(this.summaryStats, other.summaryStats) ||
      !headersEqual(this.metadata, other.metadata)
    ) {
      return false;
    }
    if (this.components.size !== other.components.size) return false;
    for (const [key, object] of this.components) {
      const theirs = other.components.get(key);
      if (theirs === undefined || !archiveObjectsEqual(object, theirs)) return false;
    }
    return true;
  }
}

/** Same value cards (key, value) in the same order; comments and commentary text are compared too. */
export function headersEqual(a: Header, b: Header): boolean {
  if (a.length !== b.length) return false;
  return a.cards.every((card, i) => {
    const other = b.cards[i]!;
    return (
      card.key.toUpperCase() === other.key.toUpperCase() &&
      card.type === other.type &&
      Object.is(card.value, other.value) &&
      (card.comment ?? "") === (other.comment ?? "")
    );
  });
}
