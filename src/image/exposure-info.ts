/**
 * `ExposureInfo`: everything about an Exposure besides its pixels. Components we decode are typed
 * fields (wcs, visitInfo, photoCalib, filter, detector summary, id, validPolygon, summaryStats,
 * metadata); archived components we do not decode (PSF, ApCorrMap, TransmissionCurve, CoaddInputs,
 * Detector, …) are kept as `ArchiveObject`s in `components`, and every archive object read (nested
 * ones such as a PSF's children included) is kept in `archive`, so writing the Exposure back
 * preserves them row for row with their ids, and the references between them stay valid.
 *
 * Read from a butler with a byte index, the archived components are lazy: the read fetches the headers
 * and pixels only, and `await info.load("psf")` fetches that component's own archive rows (one
 * coalesced request) when first asked for; `await info.load()` fetches the whole archive, which writing
 * the Exposure back needs. A lazy field read before its load throws ComponentNotLoadedError.
 */
import { ComponentNotLoadedError, InvalidArgumentError } from "../errors/index.ts";
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

/** The primary-header archive key of each archived component, by its butler component name. */
export const ARCHIVE_KEY_OF: Readonly<Record<string, string>> = {
  wcs: "SKYWCS",
  psf: "PSF",
  photoCalib: "PHOTOCALIB",
  apCorrMap: "AP_CORR_MAP",
  coaddInputs: "COADD_INPUTS",
  transmissionCurve: "TRANSMISSION_CURVE",
  filter: "FILTER",
  detector: "DETECTOR",
  validPolygon: "VALID_POLYGON",
  summaryStats: "SUMMARY_STATS",
};

/** Fetches and decodes the archived components of an ExposureInfo read lazily. */
export interface ArchiveLoader {
  /** Fetches the objects of archive keys `keys` (their own rows) and decodes them into `info`. */
  load(info: ExposureInfo, keys: readonly string[]): Promise<void>;
  /** Fetches every archive object (nested ones too) and decodes every pending key into `info`. */
  loadAll(info: ExposureInfo, keys: readonly string[]): Promise<void>;
}

export class ExposureInfo {
  /** The primary header without the keys other components own. */
  metadata: Header = new Header();
  /** EXPID: the exposure id. */
  id?: number;
  visitInfo?: VisitInfo;
  #wcs?: SkyWcs;
  #photoCalib?: PhotoCalib;
  #filter?: FilterLabel;
  #detector?: DetectorSummary;
  #validPolygon?: Polygon;
  #summaryStats?: SummaryStats;
  /**
   * Undecoded archived components by afw key (`PSF`, `AP_CORR_MAP`, `DETECTOR`, …); complete once
   * `load()` has resolved.
   */
  components: Map<string, ArchiveObject> = new Map();
  /** Every archive object of the file this was read from, by id, in index order (complete after `load()`). */
  archive: Map<number, ArchiveObject> = new Map();
  /** The archive id of each component in the file this was read from (decoded ones included). */
  archiveIds: Map<string, number> = new Map();
  /** Archive keys not fetched yet, and what fetches them. */
  #pending = new Set<string>();
  /** Whether `archive` holds every object of the file (nested ones too), as a write needs. */
  #wholeArchive = true;
  #loader?: ArchiveLoader;
  #loading = new Map<string, Promise<void>>();

  /**
   * Makes the archived components `keys` lazy: each is fetched and decoded by `loader` when `load`
   * asks for it; until then its field throws ComponentNotLoadedError.
   */
  deferArchived(keys: Iterable<string>, loader: ArchiveLoader): void {
    for (const key of keys) this.#pending.add(key);
    this.#loader = loader;
    this.#wholeArchive = false;
  }

  /** Whether everything is in memory (nothing left for `load()` to fetch, the whole archive included). */
  get loaded(): boolean {
    return this.#pending.size === 0 && this.#wholeArchive;
  }

  /**
   * Fetches and decodes the archived components named (`"psf"`, `"photoCalib"`, …; every one when none
   * is named, and with them every archive object, so the Exposure can be written back whole). Each
   * component is fetched once; an Exposure read eagerly resolves at once.
   */
  async load(...components: string[]): Promise<this> {
    for (const name of components) {
      if (ARCHIVE_KEY_OF[name] === undefined) {
        throw new InvalidArgumentError(
          `'${name}' is not an archived component of an Exposure; they are ${Object.keys(ARCHIVE_KEY_OF).join(", ")}`,
        );
      }
    }
    const loader = this.#loader;
    if (loader === undefined) return this;
    if (components.length === 0) {
      await this.#once("*", () => loader.loadAll(this, [...this.#pending]));
      this.#pending.clear();
      this.#wholeArchive = true;
      return this;
    }
    const keys = [...new Set(components.map((name) => ARCHIVE_KEY_OF[name]!))];
    await Promise.all(
      keys
        .filter((key) => this.#pending.has(key))
        .map((key) =>
          this.#once(key, async () => {
            await loader.load(this, [key]);
            this.#pending.delete(key);
          }),
        ),
    );
    return this;
  }

  #once(key: string, run: () => Promise<void>): Promise<void> {
    let running = this.#loading.get(key);
    if (running === undefined) {
      running = run();
      this.#loading.set(key, running);
      // A failed fetch may be tried again.
      running.catch(() => this.#loading.delete(key));
    }
    return running;
  }

  /** Throws ComponentNotLoadedError unless `component` (a butler component name) is in memory. */
  #check(component: string): void {
    if (this.#pending.has(ARCHIVE_KEY_OF[component]!)) throw new ComponentNotLoadedError(component);
  }

  /** Throws ComponentNotLoadedError unless every component is in memory (before a comparison). */
  requireComponents(action: string): void {
    const first = Object.keys(ARCHIVE_KEY_OF).find((name) => this.#pending.has(ARCHIVE_KEY_OF[name]!));
    if (first !== undefined) throw new ComponentNotLoadedError(first, action);
    const other = this.#pending.values().next();
    if (other.done !== true) throw new ComponentNotLoadedError(other.value, action);
  }

  /**
   * Throws ComponentNotLoadedError unless everything is in memory, every archive object included (before a
   * write: components loaded one by one do not bring the objects they refer to).
   */
  requireLoaded(action: string): void {
    this.requireComponents(action);
    if (!this.#wholeArchive) throw new ComponentNotLoadedError(undefined, action);
  }

  get wcs(): SkyWcs | undefined {
    this.#check("wcs");
    return this.#wcs;
  }
  set wcs(value: SkyWcs | undefined) {
    this.#wcs = value;
  }
  get photoCalib(): PhotoCalib | undefined {
    this.#check("photoCalib");
    return this.#photoCalib;
  }
  set photoCalib(value: PhotoCalib | undefined) {
    this.#photoCalib = value;
  }
  get filter(): FilterLabel | undefined {
    this.#check("filter");
    return this.#filter;
  }
  set filter(value: FilterLabel | undefined) {
    this.#filter = value;
  }
  get detector(): DetectorSummary | undefined {
    this.#check("detector");
    return this.#detector;
  }
  set detector(value: DetectorSummary | undefined) {
    this.#detector = value;
  }
  get validPolygon(): Polygon | undefined {
    this.#check("validPolygon");
    return this.#validPolygon;
  }
  set validPolygon(value: Polygon | undefined) {
    this.#validPolygon = value;
  }
  get summaryStats(): SummaryStats | undefined {
    this.#check("summaryStats");
    return this.#summaryStats;
  }
  set summaryStats(value: SummaryStats | undefined) {
    this.#summaryStats = value;
  }
  get psf(): ArchiveObject | undefined {
    this.#check("psf");
    return this.components.get("PSF");
  }
  get apCorrMap(): ArchiveObject | undefined {
    this.#check("apCorrMap");
    return this.components.get("AP_CORR_MAP");
  }
  get coaddInputs(): ArchiveObject | undefined {
    this.#check("coaddInputs");
    return this.components.get("COADD_INPUTS");
  }
  get transmissionCurve(): ArchiveObject | undefined {
    this.#check("transmissionCurve");
    return this.components.get("TRANSMISSION_CURVE");
  }
  /** The archived Detector (camera geometry), opaque; `detector` has its name, serial and id. */
  get detectorObject(): ArchiveObject | undefined {
    this.#check("detector");
    return this.components.get("DETECTOR");
  }

  /**
   * A shallow copy: components are shared (they are treated as immutable), maps are new. A lazy
   * original's pending components stay pending in the copy, fetched by the same loader.
   */
  clone(): ExposureInfo {
    const out = new ExposureInfo();
    out.metadata = this.metadata.clone();
    if (this.id !== undefined) out.id = this.id;
    if (this.visitInfo !== undefined) out.visitInfo = this.visitInfo;
    out.#wcs = this.#wcs;
    out.#photoCalib = this.#photoCalib;
    out.#filter = this.#filter;
    out.#detector = this.#detector;
    out.#validPolygon = this.#validPolygon;
    out.#summaryStats = this.#summaryStats;
    out.components = new Map(this.components);
    out.archive = new Map(this.archive);
    out.archiveIds = new Map(this.archiveIds);
    if (this.#loader !== undefined) {
      out.deferArchived(this.#pending, this.#loader);
      out.#wholeArchive = this.#wholeArchive;
    }
    return out;
  }

  /**
   * Whether every component equals (metadata by cards' keys and values, archived components row for
   * row). The archive bookkeeping (`archive`, `archiveIds`) is not compared. Both must be loaded.
   */
  equals(other: ExposureInfo): boolean {
    this.requireComponents("compare an ExposureInfo");
    other.requireComponents("compare an ExposureInfo");
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
