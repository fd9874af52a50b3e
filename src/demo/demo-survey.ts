/**
 * A small, realistic synthetic survey in a new repository, so a newcomer sees every part work without
 * data of their own: an instrument (DemoCam) with detectors and three filters; nights, exposures and
 * visits with timespans and sky regions; a sky map with one tract of 3×3 patches over the field;
 * calexps with a TAN WCS, VisitInfo, PhotoCalib, filter, masks and stars; a CALIBRATION collection of
 * bias and flat frames with two validity ranges; and a CHAINED collection that searches both.
 */
import { Butler } from "../butler/index.ts";
import { CollectionType, type DatasetRef, DatasetType, Timespan } from "../core/index.ts";
import { InvalidArgumentError } from "../errors/index.ts";
import { Header } from "../fits/header.ts";
import { Box2I } from "../image/box.ts";
import { Exposure } from "../image/exposure.ts";
import { ExposureInfo } from "../image/exposure-info.ts";
import { FilterLabel } from "../image/filter-label.ts";
import { Image } from "../image/image.ts";
import { Mask } from "../image/mask.ts";
import { MaskedImage } from "../image/masked-image.ts";
import { PhotoCalib } from "../image/photo-calib.ts";
import { SkyWcs } from "../image/sky-wcs.ts";
import { VisitInfo } from "../image/visit-info.ts";
import { ConvexPolygon } from "../sphgeom/index.ts";
import { DateTime, timeFromIso } from "../time/index.ts";

export const DEMO_INSTRUMENT = "DemoCam";
export const DEMO_RUN = "DemoCam/runs/demo";
export const DEMO_CALIB = "DemoCam/calib";
export const DEMO_CHAIN = "DemoCam/defaults";
export const DEMO_SKYMAP = "demo-skymap";

const BANDS = ["g", "r", "i"] as const;
const FIELD_RA = 150.1;
const FIELD_DEC = 2.2;
/** Degrees per pixel (0.2 arcsec). */
const PIXEL_SCALE = 0.2 / 3600;
const GAP_PIXELS = 40;
const EXPOSURE_SECONDS = 30;
const FIRST_NIGHT = { year: 2026, month: 3, day: 10 };
const NIGHTS = 3;

export interface DemoOptions {
  /** Number of visits (default 6). */
  readonly visits?: number;
  /** Detectors per visit (default 4). */
  readonly detectors?: number;
  /** Detector size in pixels, width and height (default 512×512). */
  readonly size?: readonly [number, number];
  /** Datastore root for the new repository (the repository directory by default). */
  readonly datastoreRoot?: string;
  /** Registry database URI (`postgresql://…?namespace=…`); the repository's own SQLite file by default. */
  readonly registryDb?: string;
  /** Called after each dataset written. */
  readonly onProgress?: (done: number, total: number) => void;
}

export interface DemoSummary {
  readonly repo: string;
  readonly visits: number;
  readonly detectors: number;
  readonly calexps: number;
  readonly calibrations: number;
  readonly collections: readonly string[];
}

/** Builds the demo survey in a new repository at `repo`. */
export async function makeDemoRepo(repo: string, options: DemoOptions = {}): Promise<DemoSummary> {
  const visits = checkCount("visits", options.visits ?? 6, 1, 100_000);
  const detectors = checkCount("detectors", options.detectors ?? 4, 1, 1000);
  const [width, height] = options.size ?? [512, 512];
  checkCount("width", width, 16, 16_384);
  checkCount("height", height, 16, 16_384);
  await Butler.create(repo, {
    ...(options.datastoreRoot === undefined
      ? {}
      : { seedConfig: { datastore: { root: options.datastoreRoot } }, override: true }),
    ...(options.registryDb === undefined ? {} : { db: options.registryDb }),
  });
  const butler = await Butler.open(repo, { writeable: true });
  try {
    const layout = new DemoLayout(visits, detectors, width, height);
    await insertDimensions(butler, layout);
    await registerTypes(butler);
    const total = visits * detectors + detectors * (2 + BANDS.length);
    let done = 0;
    const progress = () => options.onProgress?.(++done, total);
    await butler.registry.registerRun(DEMO_RUN);
    for (const visit of layout.visits) {
      for (let d = 0; d < detectors; d++) {
        await butler.put(
          makeCalexp(layout, visit, d),
          "calexp",
          { instrument: DEMO_INSTRUMENT, visit: visit.id, detector: d },
          { run: DEMO_RUN },
        );
        progress();
      }
    }
    const calibrations = await writeCalibrations(butler, layout, progress);
    await butler.registry.registerCollection(DEMO_CHAIN, CollectionType.CHAINED);
    await butler.registry.setCollectionChain(DEMO_CHAIN, [DEMO_RUN, DEMO_CALIB]);
    return {
      repo,
      visits,
      detectors,
      calexps: visits * detectors,
      calibrations,
      collections: [DEMO_RUN, DEMO_CALIB, DEMO_CHAIN],
    };
  } finally {
    await butler.close();
  }
}

function checkCount(name: string, value: number, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new InvalidArgumentError(`demo ${name} must be an integer from ${min} to ${max}, got ${value}`);
  }
  return value;
}

interface DemoVisit {
  readonly id: number;
  readonly night: number;
  readonly dayObs: number;
  readonly band: (typeof BANDS)[number];
  readonly physicalFilter: string;
  readonly ra: number;
  readonly dec: number;
  readonly timespan: Timespan;
}

/** Where everything is: visits on three nights cycling through the bands, dithered around the field. */
class DemoLayout {
  readonly visits: DemoVisit[] = [];
  readonly columns: number;
  readonly rows: number;

  constructor(
    visitCount: number,
    readonly detectorCount: number,
    readonly width: number,
    readonly height: number,
  ) {
    this.columns = Math.ceil(Math.sqrt(detectorCount));
    this.rows = Math.ceil(detectorCount / this.columns);
    const perNight = Math.ceil(visitCount / NIGHTS);
    for (let i = 0; i < visitCount; i++) {
      const night = Math.floor(i / perNight);
      const band = BANDS[i % BANDS.length]!;
      const start = nightStart(night) + BigInt(i % perNight) * 60_000_000_000n;
      this.visits.push({
        // Visit ids read as the night and the sequence number in it: 2026031000, 2026031001, …
        id: dayObs(night) * 100 + (i % perNight),
        night,
        dayObs: dayObs(night),
        band,
        physicalFilter: `${DEMO_INSTRUMENT}-${band}`,
        // A small dither pattern: every visit covers the field centre.
        ra: FIELD_RA + 0.01 * Math.cos(i * 2.4),
        dec: FIELD_DEC + 0.01 * Math.sin(i * 2.4),
        timespan: new Timespan(start, start + BigInt(EXPOSURE_SECONDS) * 1_000_000_000n),
      });
    }
  }

  /** The detector's WCS: one tangent point per visit, detectors offset on the focal plane. */
  wcs(visit: DemoVisit, detector: number): SkyWcs {
    const column = detector % this.columns;
    const row = Math.floor(detector / this.columns);
    const dx = (column - (this.columns - 1) / 2) * (this.width + GAP_PIXELS);
    const dy = (row - (this.rows - 1) / 2) * (this.height + GAP_PIXELS);
    return new SkyWcs({
      crpix: [(this.width - 1) / 2 - dx, (this.height - 1) / 2 - dy],
      crval: [visit.ra, visit.dec],
      cd: [-PIXEL_SCALE, 0, 0, PIXEL_SCALE],
    });
  }

  /** The detector's corners on the sky, as lon/lat degrees. */
  corners(visit: DemoVisit, detector: number): number[] {
    const wcs = this.wcs(visit, detector);
    const out: number[] = [];
    for (const [x, y] of [
      [-0.5, -0.5],
      [this.width - 0.5, -0.5],
      [this.width - 0.5, this.height - 0.5],
      [-0.5, this.height - 0.5],
    ] as const) {
      const sky = wcs.pixelToSky(x, y);
      out.push(sky.ra, sky.dec);
    }
    return out;
  }
}

function nightStart(night: number): bigint {
  const day = FIRST_NIGHT.day + night;
  return timeFromIso(
    `${FIRST_NIGHT.year}-0${FIRST_NIGHT.month}-${String(day).padStart(2, "0")}T02:00:00`,
    "utc",
  );
}

function dayObs(night: number): number {
  return FIRST_NIGHT.year * 10000 + FIRST_NIGHT.month * 100 + FIRST_NIGHT.day + night;
}

async function insertDimensions(butler: Butler, layout: DemoLayout): Promise<void> {
  const registry = butler.registry;
  const instrument = DEMO_INSTRUMENT;
  await registry.insertDimensionData("instrument", [
    {
      name: instrument,
      visit_max: 9_999_999_999,
      exposure_max: 9_999_999_999,
      detector_max: 1000,
      class_name: "demo.DemoCam",
    },
  ]);
  await registry.insertDimensionData(
    "physical_filter",
    BANDS.map((band) => ({ instrument, name: `${instrument}-${band}`, band })),
  );
  await registry.insertDimensionData(
    "detector",
    Array.from({ length: layout.detectorCount }, (_, d) => ({
      instrument,
      id: d,
      full_name: `R0_S${String(d).padStart(2, "0")}`,
      name_in_raft: `S${String(d).padStart(2, "0")}`,
      raft: "R0",
      purpose: "SCIENCE",
    })),
  );
  const nights = [...new Set(layout.visits.map((v) => v.night))];
  await registry.insertDimensionData(
    "day_obs",
    nights.map((n) => ({
      instrument,
      id: dayObs(n),
      timespan: new Timespan(nightStart(n) - 14_400_000_000_000n, nightStart(n) + 72_000_000_000_000n),
    })),
  );
  await registry.insertDimensionData(
    "group",
    layout.visits.map((v) => ({ instrument, name: String(v.id) })),
  );
  const common = (v: DemoVisit) => ({
    instrument,
    id: v.id,
    physical_filter: v.physicalFilter,
    day_obs: v.dayObs,
    exposure_time: EXPOSURE_SECONDS,
    target_name: "DEMO-FIELD",
    observation_reason: "science",
    science_program: "demo",
    azimuth: 180,
    zenith_angle: 30,
    timespan: v.timespan,
  });
  await registry.insertDimensionData(
    "exposure",
    layout.visits.map((v) => ({
      ...common(v),
      obs_id: `DM_${v.id}`,
      group: String(v.id),
      dark_time: EXPOSURE_SECONDS,
      observation_type: "science",
      seq_num: v.id % 1000,
      seq_start: v.id % 1000,
      seq_end: v.id % 1000,
      tracking_ra: v.ra,
      tracking_dec: v.dec,
      sky_angle: 0,
      has_simulated: true,
      can_see_sky: true,
    })),
  );
  await registry.insertDimensionData(
    "visit",
    layout.visits.map((v) => ({
      ...common(v),
      name: `DM_${v.id}`,
      seq_num: v.id % 1000,
      region: ConvexPolygon.fromLonLatDegrees(
        Array.from({ length: layout.detectorCount }, (_, d) => layout.corners(v, d)).flat(),
      ),
    })),
  );
  await registry.insertDimensionData(
    "visit_definition",
    layout.visits.map((v) => ({ instrument, exposure: v.id, visit: v.id })),
  );
  await registry.insertDimensionData(
    "visit_detector_region",
    layout.visits.flatMap((v) =>
      Array.from({ length: layout.detectorCount }, (_, d) => ({
        instrument,
        visit: v.id,
        detector: d,
        region: ConvexPolygon.fromLonLatDegrees(layout.corners(v, d)),
      })),
    ),
  );
  await insertSkyMap(butler);
}

/** One tract of 3×3 patches over the field, so visits relate to tracts and patches by region. */
async function insertSkyMap(butler: Butler): Promise<void> {
  const registry = butler.registry;
  const half = 0.25;
  const box = (ra0: number, dec0: number, ra1: number, dec1: number) =>
    ConvexPolygon.fromLonLatDegrees([ra0, dec0, ra1, dec0, ra1, dec1, ra0, dec1]);
  await registry.insertDimensionData("skymap", [
    { name: DEMO_SKYMAP, hash: new Uint8Array(16), tract_max: 1, patch_nx_max: 3, patch_ny_max: 3 },
  ]);
  await registry.insertDimensionData("tract", [
    {
      skymap: DEMO_SKYMAP,
      id: 0,
      region: box(FIELD_RA - half, FIELD_DEC - half, FIELD_RA + half, FIELD_DEC + half),
    },
  ]);
  const step = (2 * half) / 3;
  const patches = [];
  for (let y = 0; y < 3; y++) {
    for (let x = 0; x < 3; x++) {
      const ra0 = FIELD_RA - half + x * step;
      const dec0 = FIELD_DEC - half + y * step;
      patches.push({
        skymap: DEMO_SKYMAP,
        tract: 0,
        id: y * 3 + x,
        cell_x: x,
        cell_y: y,
        region: box(ra0, dec0, ra0 + step, dec0 + step),
      });
    }
  }
  await registry.insertDimensionData("patch", patches);
}

async function registerTypes(butler: Butler): Promise<void> {
  const universe = butler.registry.universe;
  await butler.registry.registerDatasetType(
    DatasetType.fromNames("calexp", ["instrument", "visit", "detector"], "ExposureF", universe),
  );
  await butler.registry.registerDatasetType(
    DatasetType.fromNames("bias", ["instrument", "detector"], "ExposureF", universe, { isCalibration: true }),
  );
  await butler.registry.registerDatasetType(
    DatasetType.fromNames(
      "flat",
      ["instrument", "detector", "physical_filter", "band"],
      "ExposureF",
      universe,
      {
        isCalibration: true,
      },
    ),
  );
}

/**
 * Bias frames in two runs, valid before and from the second night; flats per band valid throughout;
 * all certified in the CALIBRATION collection.
 */
async function writeCalibrations(butler: Butler, layout: DemoLayout, progress: () => void): Promise<number> {
  const registry = butler.registry;
  const bbox = Box2I.fromXYWH(0, 0, layout.width, layout.height);
  await registry.registerCollection(DEMO_CALIB, CollectionType.CALIBRATION);
  const switchover = nightStart(1) - 14_400_000_000_000n;
  const ranges: [string, Timespan][] = [
    ["DemoCam/calib/bias/1", new Timespan(null, switchover)],
    ["DemoCam/calib/bias/2", new Timespan(switchover, null)],
  ];
  let written = 0;
  for (const [i, [run, validity]] of ranges.entries()) {
    await registry.registerRun(run);
    const refs: DatasetRef[] = [];
    for (let d = 0; d < layout.detectorCount; d++) {
      refs.push(
        await butler.put(
          flatField(bbox, 100 + 5 * i),
          "bias",
          { instrument: DEMO_INSTRUMENT, detector: d },
          { run },
        ),
      );
      progress();
      written++;
    }
    await registry.certify(DEMO_CALIB, refs, validity);
  }
  const flatRun = "DemoCam/calib/flat/1";
  await registry.registerRun(flatRun);
  const flats: DatasetRef[] = [];
  for (const band of BANDS) {
    for (let d = 0; d < layout.detectorCount; d++) {
      const dataId = {
        instrument: DEMO_INSTRUMENT,
        detector: d,
        physical_filter: `${DEMO_INSTRUMENT}-${band}`,
      };
      flats.push(await butler.put(flatField(bbox, 1), "flat", dataId, { run: flatRun }));
      progress();
      written++;
    }
  }
  await registry.certify(DEMO_CALIB, flats, new Timespan(null, null));
  return written;
}

function flatField(bbox: Box2I, level: number): Exposure {
  const image = Image.zeros(bbox, "float32");
  (image.array as Float32Array).fill(level);
  const variance = Image.zeros(bbox, "float32");
  (variance.array as Float32Array).fill(level / 100);
  return new Exposure(new MaskedImage(image, Mask.zerosMask(bbox, "int32"), variance));
}

/** A deterministic pseudo-random stream (so the same options give the same files). */
function random(seed: number): () => number {
  let state = seed >>> 0 || 1;
  return () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 4_294_967_296;
  };
}

/** A calexp: sky with noise and a few stars, variance to match, masks on bright and edge pixels. */
function makeCalexp(layout: DemoLayout, visit: DemoVisit, detector: number): Exposure {
  const { width, height } = layout;
  const bbox = Box2I.fromXYWH(0, 0, width, height);
  const next = random(visit.id * 1000 + detector);
  const image = Image.zeros(bbox, "float32");
  const pixels = image.array as Float32Array;
  const sky = 400 + 100 * BANDS.indexOf(visit.band);
  for (let i = 0; i < pixels.length; i++) {
    // Sum of uniforms: a cheap, near-Gaussian noise of σ ≈ 20.
    pixels[i] = sky + (next() + next() + next() + next() - 2) * 35;
  }
  const stars = 15 + Math.floor(next() * 15);
  for (let s = 0; s < stars; s++) {
    const x0 = next() * width;
    const y0 = next() * height;
    const flux = 2000 * (1 + 20 * next() ** 3);
    const sigma = 1.5 + next();
    const r = Math.ceil(4 * sigma);
    for (let y = Math.max(0, Math.floor(y0 - r)); y < Math.min(height, y0 + r); y++) {
      for (let x = Math.max(0, Math.floor(x0 - r)); x < Math.min(width, x0 + r); x++) {
        const d2 = (x - x0) ** 2 + (y - y0) ** 2;
        pixels[y * width + x]! +=
          (flux / (2 * Math.PI * sigma * sigma)) * Math.exp(-d2 / (2 * sigma * sigma));
      }
    }
  }
  const variance = Image.zeros(bbox, "float32");
  const vars = variance.array as Float32Array;
  const mask = Mask.zerosMask(bbox, "int32");
  const bits = mask.array as Int32Array;
  const sat = 1 << mask.planes.getBit("SAT");
  const detected = 1 << mask.planes.getBit("DETECTED");
  const edge = 1 << mask.planes.getBit("EDGE");
  for (let i = 0; i < pixels.length; i++) {
    vars[i] = Math.max(pixels[i]!, 1);
    if (pixels[i]! > sky + 100) bits[i]! |= detected;
    if (pixels[i]! > 30_000) bits[i]! |= sat;
    const x = i % width;
    const y = (i / width) | 0;
    if (x < 4 || y < 4 || x >= width - 4 || y >= height - 4) bits[i]! |= edge;
  }
  const info = new ExposureInfo();
  info.id = visit.id * 1000 + detector;
  info.wcs = layout.wcs(visit, detector);
  const mid = visit.timespan.beginNs + BigInt(EXPOSURE_SECONDS / 2) * 1_000_000_000n;
  info.visitInfo = new VisitInfo({
    exposureTime: EXPOSURE_SECONDS,
    darkTime: EXPOSURE_SECONDS,
    date: new DateTime(mid),
    boresightRaDec: { ra: visit.ra, dec: visit.dec },
    boresightAirmass: 1.15,
    boresightRotAngle: 0,
    rotType: "SKY",
    instrumentLabel: DEMO_INSTRUMENT,
    id: visit.id,
    observationType: "science",
    scienceProgram: "demo",
    observationReason: "science",
    object: "DEMO-FIELD",
    hasSimulatedContent: true,
  });
  info.photoCalib = new PhotoCalib({
    calibrationMean: 0.5 + 0.05 * BANDS.indexOf(visit.band),
    calibrationErr: 0.001,
  });
  info.filter = new FilterLabel({ band: visit.band, physical: visit.physicalFilter });
  const header = new Header();
  header.set("DETECTOR", detector, { comment: "detector id" });
  header.set("DET_NAME", `R0_S${String(detector).padStart(2, "0")}`, { comment: "detector name" });
  header.set("FILTER", visit.physicalFilter, { comment: "physical filter" });
  header.set("DAYOBS", visit.dayObs, { comment: "observing day" });
  header.set("SKYLEVEL", sky, { comment: "synthetic sky level" });
  header.set("NSTARS", stars, { comment: "synthetic stars added" });
  info.metadata = header;
  return new Exposure(new MaskedImage(image, mask, variance), info);
}
