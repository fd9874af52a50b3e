/**
 * FITS files in LSST afw's layout for the pixel storage classes: Exposure (F/I/U/D), MaskedImage,
 * Image and Mask. Components are served by the image layer's component readers, from a file opened
 * with the byte index (`FitsFile.fromIndex`) and exactly the headers the read plan names
 * (`fits-exposure-plan.ts`, which has the table of what each component reads); a file without an
 * index (a foreign file, a whole-file gzip) is scanned instead. With a version-2 index an archived
 * component (wcs, psf, photoCalib, …) reads its own rows without the archive index.
 *
 * Parameters: `bbox` (a Box2I, `{minX, minY, maxX, maxY}` or `[x0, y0, x1, y1]`, inclusive corners) and
 * `origin` (`"PARENT"`, the default, or `"LOCAL"`, relative to xy0). Write recipes: `lossless` (default:
 * GZIP_2 row tiles, Rubin's default), `noCompression`, and `lossy16`, Rubin's lossy recipe: the image
 * and variance planes quantized with SUBTRACTIVE_DITHER_2 in steps of a sixteenth of their standard
 * deviation (pixels flagged NO_DATA or INTRP left out of it), then RICE_1; the mask GZIP_2. A plane
 * with no spread is stored losslessly. The dither seed comes from the plane's pixels, so writing the same
 * pixels twice gives the same file (Rubin derives it from the data ID, which a formatter is not given).
 */
import { stat } from "node:fs/promises";
import type { ByteRange, ByteSource } from "../../bytes/byte-source.ts";
import { FileSource } from "../../bytes/file-source.ts";
import type { StorageClass } from "../../core/index.ts";
import {
  FormatterError,
  ImageFormatError,
  InvalidArgumentError,
  isButlerError,
  WriteRecipeError,
} from "../../errors/index.ts";
import { FitsFile } from "../../fits/fits-file.ts";
import { inflateIfGzip, isGzip } from "../../fits/gzip-source.ts";
import type { HduInfo } from "../../fits/hdu.ts";
import { scanFits } from "../../fits/scan.ts";
import { checkStructure } from "../../fits/structure.ts";
import { writeFits } from "../../fits/writer.ts";
import { locatePlanes, type PlaneHdus, type PlaneName, planeBBox } from "../../image/afw-layout.ts";
import { ArchiveReader } from "../../image/archive.ts";
import { archiveLayout } from "../../image/archive-layout.ts";
import {
  type ComponentReadOptions,
  readArchiveComponent,
  readDetectorSummary,
  readExposureId,
  readFilter,
  readImagePlane,
  readMetadata,
  readPhotoCalib,
  readSummaryStats,
  readValidPolygon,
  readVisitInfo,
  readWcs,
} from "../../image/component-readers.ts";
import { Exposure } from "../../image/exposure.ts";
import type { LaterFits } from "../../image/lazy-archive.ts";
import { MaskedImage } from "../../image/masked-image.ts";
import { readExposure } from "../../image/read-exposure.ts";
import { type ByteIndex, type FitsByteIndex, fitsIndex, wholeIndex } from "../byte-index.ts";
import { cutoutBox, normalizePixelParameters } from "../parameters.ts";
import {
  ARCHIVE_KEY_OF,
  type FitsReadPlan,
  headerRange,
  type PixelKind,
  planFitsRead,
} from "./fits-exposure-plan.ts";
import {
  checkRecipe,
  DEFAULT_FITS_RECIPE,
  exposureHdus,
  FITS_WRITE_RECIPES,
  type FitsWriteRecipe,
} from "./fits-exposure-write.ts";
import type {
  Formatter,
  FormatterOptions,
  LaterRead,
  ReadRequest,
  WriteRequest,
  WriteResult,
} from "./formatter.ts";

export type { PixelKind } from "./fits-exposure-plan.ts";
export { DEFAULT_FITS_RECIPE, FITS_WRITE_RECIPES, type FitsWriteRecipe } from "./fits-exposure-write.ts";

function pixelKind(storageClass: StorageClass): PixelKind {
  if (storageClass.isA("Exposure")) return "exposure";
  if (storageClass.isA("MaskedImage")) return "maskedImage";
  if (storageClass.isA("Mask")) return "mask";
  if (storageClass.isA("Image")) return "image";
  throw new InvalidArgumentError(
    `FitsExposureFormatter does not handle storage class ${storageClass.name}; it handles Exposure, MaskedImage, Image and Mask and the classes that inherit from them`,
  );
}

const DERIVED: ReadonlySet<string> = new Set(["bbox", "dimensions", "xy0"]);

const EXPOSURE_COMPONENTS: readonly string[] = [
  "image",
  "mask",
  "variance",
  "wcs",
  "psf",
  "photoCalib",
  "visitInfo",
  "apCorrMap",
  "coaddInputs",
  "transmissionCurve",
  "metadata",
  "filter",
  "detector",
  "validPolygon",
  "summaryStats",
  "id",
  "bbox",
  "dimensions",
  "xy0",
];

const COMPONENTS_OF: Readonly<Record<PixelKind, ReadonlySet<string>>> = {
  exposure: new Set(EXPOSURE_COMPONENTS),
  maskedImage: new Set(["image", "mask", "variance", "bbox", "dimensions", "xy0"]),
  image: DERIVED,
  mask: DERIVED,
};

/** The HDU of the first plane with pixels (afw's image plane position). */
function hasPixels(hdu: HduInfo): boolean {
  const shape = hdu.compression?.shape ?? hdu.naxis;
  return (
    (hdu.kind === "primary" || hdu.kind === "image" || hdu.kind === "compressed_image") &&
    shape.length >= 2 &&
    shape.every((n) => n > 0)
  );
}

/** Where the planes are, for a file read as `kind`: a Mask file has its single plane tagged MASK. */
function planesOf(fits: FitsFile, kind: PixelKind): PlaneHdus {
  if (kind === "mask") {
    const first = fits.hdus.find(hasPixels);
    if (first !== undefined && first.exttype?.trim().toUpperCase() === "MASK") {
      return { image: first.index, mask: first.index };
    }
    const planes = locatePlanes(fits);
    if (planes.mask === undefined) {
      throw new ImageFormatError("the file has no mask plane", { uri: fits.uri });
    }
    return { image: planes.mask, mask: planes.mask };
  }
  return locatePlanes(fits);
}

/** The read plan of a request on an indexed FITS file; undefined when the file must be scanned. */
function fitsPlan(request: ReadRequest): FitsReadPlan | undefined {
  const index = request.index;
  if (index?.kind !== "fits") return undefined;
  return planFitsRead(
    index,
    pixelKind(request.storageClass),
    request.component,
    request.parameters ?? {},
    request.later !== undefined,
  );
}

/**
 * Opens the file for a read: from the byte index with the plan's headers (no scan), or, for a file
 * without a usable index (a foreign file, a whole-file gzip), by scanning its headers.
 */
async function openFits(
  source: ByteSource,
  request: ReadRequest,
  plan: FitsReadPlan | undefined,
): Promise<FitsFile> {
  const index = request.index as FitsByteIndex | undefined;
  if (plan === undefined || index === undefined) return FitsFile.open(source);
  return FitsFile.fromIndex(source, index, {
    headers: plan.headers,
    ...(request.signal === undefined ? {} : { signal: request.signal }),
  });
}

export class FitsExposureFormatter implements Formatter {
  readonly name = "FitsExposureFormatter";
  readonly extension = ".fits";
  readonly storageClasses: readonly string[] = ["Exposure", "MaskedImage", "Image", "Mask"];
  readonly readComponents: ReadonlySet<string> = new Set(EXPOSURE_COMPONENTS);
  readonly parameters: ReadonlySet<string> = new Set(["bbox", "origin"]);
  readonly writeRecipes: readonly string[];
  readonly #recipes: Readonly<Record<string, FitsWriteRecipe>>;

  constructor(options: FormatterOptions = {}) {
    const recipes: Record<string, FitsWriteRecipe> = { ...FITS_WRITE_RECIPES };
    for (const [name, value] of Object.entries(options.recipes ?? {}))
      recipes[name] = checkRecipe(name, value);
    this.#recipes = recipes;
    this.writeRecipes = [
      DEFAULT_FITS_RECIPE,
      ...Object.keys(recipes).filter((n) => n !== DEFAULT_FITS_RECIPE),
    ];
  }

  /** The recipe settings for a name (the default when absent); an unknown name lists the known ones. */
  recipe(name: string | undefined): FitsWriteRecipe {
    const key = name ?? DEFAULT_FITS_RECIPE;
    const found = this.#recipes[key];
    if (found === undefined) {
      throw new WriteRecipeError(this.name, key, `unknown recipe; known: ${this.writeRecipes.join(", ")}`);
    }
    return found;
  }

  plan(request: ReadRequest, index: ByteIndex): ByteRange[] {
    if (index.kind !== "fits") return [{ offset: 0, length: index.size }];
    return fitsPlan({ ...request, index })!.ranges;
  }

  async read(source: ByteSource, request: ReadRequest): Promise<unknown> {
    const kind = pixelKind(request.storageClass);
    const component = request.component;
    if (component !== undefined && !COMPONENTS_OF[kind].has(component)) {
      throw new InvalidArgumentError(
        `${this.name} cannot read component '${component}' of ${request.storageClass.name}; it reads ${[...COMPONENTS_OF[kind]].join(", ")}`,
      );
    }
    const { bbox, origin } = normalizePixelParameters(request.parameters ?? {});
    const plan = fitsPlan(request);
    const fits = await openFits(source, request, plan);
    const index = request.index as FitsByteIndex | undefined;
    const archiveOptions: ComponentReadOptions =
      plan?.archiveFromIndex && index?.archive !== undefined
        ? { archive: ArchiveReader.fromLayout(fits, index.archive) }
        : {};
    const planes = planesOf(fits, kind);
    const full = planeBBox(fits, kind === "mask" ? planes.mask! : planes.image);
    const box = bbox === undefined ? undefined : cutoutBox(bbox, origin ?? "PARENT", full);
    const planeOptions = { planes, ...(box === undefined ? {} : { bbox: box }) };

    if (component === undefined) {
      switch (kind) {
        case "exposure": {
          const lazy =
            plan?.lazyArchive && index?.archive !== undefined && request.later !== undefined
              ? { layout: index.archive, fetch: laterFits(request.later, index) }
              : undefined;
          return readExposure(fits, {
            ...(box === undefined ? {} : { bbox: box }),
            ...(lazy === undefined ? {} : { lazy }),
          });
        }
        case "maskedImage": {
          const [image, mask, variance] = await Promise.all([
            readImagePlane(fits, "image", planeOptions),
            readImagePlane(fits, "mask", planeOptions),
            readImagePlane(fits, "variance", planeOptions),
          ]);
          return new MaskedImage(image, mask, variance);
        }
        case "image":
          return readImagePlane(fits, "image", planeOptions);
        case "mask":
          return readImagePlane(fits, "mask", planeOptions);
      }
    }
    switch (component) {
      case "bbox":
        return full;
      case "dimensions":
        return full.dimensions;
      case "xy0":
        return full.minimum;
      case "image":
      case "mask":
      case "variance":
        return readImagePlane(fits, component as PlaneName, planeOptions);
      case "metadata":
        return readMetadata(fits);
      case "visitInfo":
        return readVisitInfo(fits);
      case "id":
        return readExposureId(fits);
      case "wcs":
        return readWcs(fits, archiveOptions);
      case "filter":
        return readFilter(fits, archiveOptions);
      case "photoCalib":
        return readPhotoCalib(fits, archiveOptions);
      case "detector":
        return readDetectorSummary(fits, archiveOptions);
      case "validPolygon":
        return readValidPolygon(fits, archiveOptions);
      case "summaryStats":
        return readSummaryStats(fits, archiveOptions);
    }
    return readArchiveComponent(fits, ARCHIVE_KEY_OF[component!]!, archiveOptions);
  }

  async write(object: unknown, request: WriteRequest): Promise<WriteResult> {
    const kind = pixelKind(request.storageClass);
    // An Exposure read lazily fetches what it has not yet, so the file keeps every archived object.
    if (object instanceof Exposure) await object.info.load();
    const recipe = this.recipe(request.recipe ?? DEFAULT_FITS_RECIPE);
    const hdus = exposureHdus(object, kind, request.storageClass, recipe, this.name);
    const infos = await writeFits(request.path, hdus, { checksum: recipe.checksum ?? true });
    const index = fitsIndex(
      infos,
      hdus.map((h) => h.header),
    );
    const { size } = await stat(request.path);
    if (size !== index.size) {
      throw new FormatterError(
        this.name,
        `${request.path}: wrote ${size} bytes but the index says ${index.size}`,
      );
    }
    if (kind === "exposure") {
      // The archive rows of each component, from the file just written (local, a few small reads).
      const written = new FileSource(request.path);
      try {
        const all = index.hdus.map((_, i) => i);
        await addArchiveLayout(index, await FitsFile.fromIndex(written, index, { headers: all }));
      } finally {
        await written.close();
      }
    }
    return { size, index };
  }

  /**
   * A header scan that also checks the file is whole (every header ends, every data part is inside the
   * file, nothing but padding after the last HDU), so a damaged file is refused at ingest. A whole-file
   * gzip (`.fits.gz`) is checked by streaming through it, and indexed as a whole: it has no random access.
   */
  async index(source: ByteSource): Promise<ByteIndex> {
    const size = await source.size();
    const magic = size >= 2 ? await source.read(0, 2) : new Uint8Array(0);
    if (isGzip(magic)) {
      const inflated = await inflateIfGzip(source);
      await checkStructure(inflated, await scanFits(inflated));
      return wholeIndex(size);
    }
    const scanned = await scanFits(source);
    await checkStructure(source, scanned);
    const index = fitsIndex(scanned.hdus, scanned.headers);
    await addArchiveLayout(index, FitsFile.fromScan(source, scanned.hdus, scanned.headers));
    return index;
  }
}

/** Opens the same file again from its index with `headers` and `data` fetched by `later`. */
function laterFits(later: LaterRead, index: FitsByteIndex): LaterFits {
  return (headers, data, use) =>
    later([...headers.map((n) => headerRange(index, n)), ...data], async (source) =>
      use(await FitsFile.fromIndex(source, index, { headers })),
    );
}

/**
 * Adds where each archived component's rows are (afw Exposure files with an archive). A file whose
 * archive cannot be read keeps a plain index: its components then fail or read as they would without one.
 */
async function addArchiveLayout(index: FitsByteIndex, fits: FitsFile): Promise<void> {
  try {
    const layout = await archiveLayout(fits);
    if (layout !== undefined) index.archive = layout;
  } catch (err) {
    if (!isButlerError(err)) throw err;
  }
}

export function createFitsExposureFormatter(options: FormatterOptions): FitsExposureFormatter {
  return new FitsExposureFormatter(options);
}
