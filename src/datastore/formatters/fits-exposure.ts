/**
 * FITS files in LSST afw's layout for the pixel storage classes: Exposure (F/I/U/D), MaskedImage,
 * Image and Mask. Components are served by the image layer's component readers, each touching only
 * what it needs:
 *
 * | component | bytes read |
 * | --- | --- |
 * | metadata, visitInfo, id, bbox, dimensions, xy0 | the primary and image headers (one range when adjacent) |
 * | wcs, filter, photoCalib, detector, validPolygon, summaryStats, psf, apCorrMap, coaddInputs, transmissionCurve | every header, the archive index and that object's rows |
 * | image, mask, variance | the headers up to that plane, then its rows (or tiles) under `bbox` |
 *
 * Parameters: `bbox` (a Box2I, `{minX, minY, maxX, maxY}` or `[x0, y0, x1, y1]`, inclusive corners) and
 * `origin` (`"PARENT"`, the default, or `"LOCAL"`, relative to xy0). Write recipes: `lossless` (default:
 * GZIP_2 row tiles, Rubin's default), `noCompression`, and `lossy16`, Rubin's lossy recipe: the image
 * and variance planes quantized with SUBTRACTIVE_DITHER_2 in steps of a sixteenth of their standard
 * deviation (pixels flagged NO_DATA or INTRP left out of it), then RICE_1; the mask GZIP_2. A plane
 * with no spread is stored losslessly. The dither seed comes from the plane's pixels, so writing the same
 * pixels twice gives the same file (Rubin derives it from the data ID, which a formatter is not given).
 */
import { createHash } from "node:crypto";
import { stat } from "node:fs/promises";
import type { ByteRange, ByteSource } from "../../bytes/byte-source.ts";
import type { StorageClass } from "../../core/index.ts";
import {
  FormatterError,
  ImageFormatError,
  InvalidArgumentError,
  WriteRecipeError,
} from "../../errors/index.ts";
import { normalizeKey } from "../../fits/card.ts";
import {
  type CompressedHduOptions,
  compressedImageHdu,
  type QuantizeOptions,
  WRITABLE_COMPRESSION,
  WRITE_QUANTIZE_METHODS,
  type WriteQuantizeMethod,
} from "../../fits/compressed-hdu.ts";
import { FitsFile } from "../../fits/fits-file.ts";
import { inflateIfGzip, isGzip } from "../../fits/gzip-source.ts";
import type { HduInfo } from "../../fits/hdu.ts";
import { Header } from "../../fits/header.ts";
import { emptyPrimaryHdu, type HduParts, imageHdu } from "../../fits/image-hdu.ts";
import { scanFits } from "../../fits/scan.ts";
import { checkStructure } from "../../fits/structure.ts";
import { writeFits } from "../../fits/writer.ts";
import { locatePlanes, type PlaneHdus, type PlaneName, planeBBox } from "../../image/afw-layout.ts";
import type { Box2I } from "../../image/box.ts";
import {
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
import { Image } from "../../image/image.ts";
import { Mask } from "../../image/mask.ts";
import { isMaskPlaneKey } from "../../image/mask-planes.ts";
import { MaskedImage } from "../../image/masked-image.ts";
import { isPixelOriginKey, pixelOriginCards } from "../../image/pixel-origin.ts";
import { Extent2I } from "../../image/point.ts";
import { QUANTIZE_IGNORED_PLANES, quantizationStep } from "../../image/quantization.ts";
import { readExposure } from "../../image/read-exposure.ts";
import { type PlaneCompression, writeExposure } from "../../image/write-exposure.ts";
import { type ByteIndex, type FitsByteIndex, fitsIndex, wholeIndex } from "../byte-index.ts";
import { cutoutBox, normalizePixelParameters } from "../parameters.ts";
import { withPrefetch } from "../prefetch.ts";
import type { Formatter, FormatterOptions, ReadRequest, WriteRequest, WriteResult } from "./formatter.ts";

/** What a storage class holds, which decides the file layout. */
export type PixelKind = "exposure" | "maskedImage" | "image" | "mask";

export function pixelKind(storageClass: StorageClass): PixelKind {
  if (storageClass.isA("Exposure")) return "exposure";
  if (storageClass.isA("MaskedImage")) return "maskedImage";
  if (storageClass.isA("Mask")) return "mask";
  if (storageClass.isA("Image")) return "image";
  throw new InvalidArgumentError(
    `FitsExposureFormatter does not handle storage class ${storageClass.name}; it handles Exposure, MaskedImage, Image and Mask and the classes that inherit from them`,
  );
}

/** Archived components read as opaque archive objects, by afw's primary-header key. */
const ARCHIVE_KEYS: Readonly<Record<string, string>> = {
  psf: "PSF",
  apCorrMap: "AP_CORR_MAP",
  coaddInputs: "COADD_INPUTS",
  transmissionCurve: "TRANSMISSION_CURVE",
};

/** Components answered from the primary and image headers alone. */
const HEADER_COMPONENTS: ReadonlySet<string> = new Set([
  "metadata",
  "visitInfo",
  "id",
  "bbox",
  "dimensions",
  "xy0",
]);
const DERIVED: ReadonlySet<string> = new Set(["bbox", "dimensions", "xy0"]);
const PLANES: ReadonlySet<string> = new Set(["image", "mask", "variance"]);

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

/** How planes are compressed when written. */
export interface FitsWriteRecipe {
  /** One setting for every plane, or one per plane. */
  compression:
    | PlaneCompression
    | { image?: PlaneCompression; mask?: PlaneCompression; variance?: PlaneCompression };
  /** Tile shape `[width, height]`; default whole rows. */
  tile?: [number, number];
  /** zlib level for GZIP. */
  level?: number;
  /** Quantize floating-point planes in steps of their standard deviation over this (lossy). */
  quantizeLevel?: number;
  /** How quantized planes are dithered (default SUBTRACTIVE_DITHER_2, as Rubin writes). */
  dither?: WriteQuantizeMethod;
  /** Mask planes whose pixels are left out of the standard deviation (default NO_DATA, INTRP). */
  quantizeMaskPlanes?: string[];
  /** Write CHECKSUM and DATASUM cards (default true). */
  checksum?: boolean;
}

/** The recipes every FITS exposure formatter knows, the default first. */
export const FITS_WRITE_RECIPES: Readonly<Record<string, FitsWriteRecipe>> = {
  lossless: { compression: "GZIP_2" },
  noCompression: { compression: "none" },
  lossy16: {
    compression: { image: "RICE_1", mask: "GZIP_2", variance: "RICE_1" },
    quantizeLevel: 16,
    dither: "SUBTRACTIVE_DITHER_2",
  },
};

export const DEFAULT_FITS_RECIPE = "lossless";

const PLANE_COMPRESSIONS: readonly string[] = [...WRITABLE_COMPRESSION, "none"];

function checkRecipe(name: string, value: unknown): FitsWriteRecipe {
  const fail = (why: string): never => {
    throw new WriteRecipeError("FitsExposureFormatter", name, why);
  };
  if (value === null || typeof value !== "object" || Array.isArray(value)) fail("a recipe is a mapping");
  const r = value as Record<string, unknown>;
  const known = ["compression", "tile", "level", "quantizeLevel", "dither", "quantizeMaskPlanes", "checksum"];
  const extra = Object.keys(r).filter((k) => !known.includes(k));
  if (extra.length > 0) fail(`unknown setting(s) ${extra.join(", ")}; accepted: ${known.join(", ")}`);
  const planeOk = (c: unknown) => typeof c === "string" && PLANE_COMPRESSIONS.includes(c);
  const c = r.compression;
  if (!planeOk(c)) {
    const perPlane =
      c !== null &&
      typeof c === "object" &&
      Object.entries(c as object).every(([k, v]) => PLANES.has(k) && planeOk(v));
    if (!perPlane)
      fail(
        `compression must be one of ${PLANE_COMPRESSIONS.join(", ")}, or a mapping of image/mask/variance to one`,
      );
  }
  const t = r.tile;
  if (
    t !== undefined &&
    !(Array.isArray(t) && t.length === 2 && t.every((n) => Number.isSafeInteger(n) && n > 0))
  ) {
    fail("tile must be [width, height] in pixels");
  }
  if (
    r.level !== undefined &&
    !(Number.isInteger(r.level) && (r.level as number) >= 1 && (r.level as number) <= 9)
  ) {
    fail("level must be a zlib level from 1 to 9");
  }
  if (r.quantizeLevel !== undefined && !(typeof r.quantizeLevel === "number" && r.quantizeLevel > 0)) {
    fail("quantizeLevel must be a positive number");
  }
  if (r.dither !== undefined && !WRITE_QUANTIZE_METHODS.includes(r.dither as WriteQuantizeMethod)) {
    fail(`dither must be one of ${WRITE_QUANTIZE_METHODS.join(", ")}`);
  }
  const planes = r.quantizeMaskPlanes;
  if (planes !== undefined && !(Array.isArray(planes) && planes.every((p) => typeof p === "string"))) {
    fail("quantizeMaskPlanes must be a list of mask plane names");
  }
  if (r.checksum !== undefined && typeof r.checksum !== "boolean") fail("checksum must be true or false");
  return r as unknown as FitsWriteRecipe;
}

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

/** HDUs a header-only read must scan: the primary and the first plane (one more for a Mask kind). */
function headerHdus(kind: PixelKind): number {
  return kind === "mask" ? 3 : 2;
}

function planeIndex(component: string): number {
  return component === "image" ? 1 : component === "mask" ? 2 : 3;
}

/** The HDUs that must be scanned for a request (undefined: all of them). */
function hdusToScan(kind: PixelKind, component: string | undefined): number | undefined {
  if (component === undefined)
    return kind === "exposure" ? undefined : kind === "maskedImage" ? 4 : headerHdus(kind);
  if (HEADER_COMPONENTS.has(component)) return headerHdus(kind);
  if (PLANES.has(component))
    return kind === "exposure" || kind === "maskedImage" ? planeIndex(component) + 1 : undefined;
  return undefined;
}

function headerRanges(index: FitsByteIndex, hdus: number | undefined): ByteRange[] {
  return index.hdus.slice(0, hdus).map((h) => ({ offset: h.headerOffset, length: h.headerLength }));
}

/** A plane's data ranges under a PARENT box, or the whole data part when that is not known. */
function planeDataRanges(index: FitsByteIndex, at: number, box: Box2I | undefined): ByteRange[] {
  const hdu = index.hdus[at];
  if (hdu === undefined) return [];
  const c = hdu.compression;
  if (c !== undefined) {
    // The descriptors of the tile rows under the box; the tiles themselves are found by reading them.
    const rowBytes = hdu.naxis[0] ?? 0;
    const tileHeight = c.tile[1] ?? 1;
    if (box !== undefined && hdu.xy0 !== undefined && c.tile[0] === c.shape[0]) {
      const first = Math.floor((box.minY - hdu.xy0[1]) / tileHeight);
      const last = Math.floor((box.maxY - hdu.xy0[1]) / tileHeight);
      return [{ offset: c.table.offset + first * rowBytes, length: (last - first + 1) * rowBytes }];
    }
    return [c.table];
  }
  const width = hdu.naxis[0] ?? 0;
  const bytes = Math.abs(hdu.bitpix) / 8;
  if (box !== undefined && hdu.xy0 !== undefined) {
    // From the box's first pixel to its last: the rows between, in one range.
    const x0 = box.minX - hdu.xy0[0];
    const y0 = box.minY - hdu.xy0[1];
    return [
      {
        offset: hdu.dataOffset + (y0 * width + x0) * bytes,
        length: ((box.height - 1) * width + box.width) * bytes,
      },
    ];
  }
  return [{ offset: hdu.dataOffset, length: hdu.dataLength }];
}

function expectedPixelType(storageClass: StorageClass): string | undefined {
  for (const [suffix, type] of [
    ["F", "float32"],
    ["D", "float64"],
    ["I", "int32"],
    ["U", "uint16"],
  ] as const) {
    if (["Exposure", "MaskedImage", "Image"].some((base) => storageClass.isA(`${base}${suffix}`)))
      return type;
  }
  return undefined;
}

/** A plane HDU as afw writes it: the plane's own cards, EXTTYPE/EXTNAME, mask planes, and xy0. */
function planeHduParts(
  name: "IMAGE" | "MASK" | "VARIANCE",
  plane: Image | Mask,
  compression: PlaneCompression,
  recipe: FitsWriteRecipe,
  quantize: QuantizeOptions | undefined,
): HduParts {
  const header = new Header();
  const owned = /^(EXTNAME|EXTTYPE|INHERIT)$/;
  for (const card of plane.header ?? []) {
    const key = normalizeKey(card.key);
    if (owned.test(key) || isPixelOriginKey(key) || (name === "MASK" && isMaskPlaneKey(key))) continue;
    header.append({ ...card });
  }
  header.set("EXTTYPE", name);
  header.set("EXTNAME", name);
  if (plane instanceof Mask) for (const card of plane.planes.toCards()) header.append(card);
  for (const card of pixelOriginCards(plane.bbox.minimum)) header.append(card);
  const shape = [plane.width, plane.height];
  if (compression === "none") return imageHdu(plane.array, shape, { header });
  const options: CompressedHduOptions = { algorithm: compression, header };
  if (recipe.tile !== undefined) options.tile = recipe.tile;
  if (recipe.level !== undefined) options.level = recipe.level;
  if (quantize !== undefined) options.quantize = quantize;
  return compressedImageHdu(plane.array, shape, options);
}

/** A dither seed (ZDITHER0, 1–10000) from the plane's pixels: the same pixels always give the same file. */
function ditherSeed(plane: Image): number {
  const a = plane.array;
  const digest = createHash("md5")
    .update(new Uint8Array(a.buffer, a.byteOffset, a.byteLength))
    .digest();
  return 1 + (digest.readUInt32BE(0) % 10000);
}

/**
 * The quantization of each floating-point plane under a lossy recipe; a plane with no spread (or an
 * integer plane) gets none and is stored losslessly.
 */
function quantizeSettings(
  recipe: FitsWriteRecipe,
  planes: readonly ["IMAGE" | "MASK" | "VARIANCE", Image | Mask][],
): { image?: QuantizeOptions; variance?: QuantizeOptions } {
  const out: { image?: QuantizeOptions; variance?: QuantizeOptions } = {};
  const level = recipe.quantizeLevel;
  if (level === undefined) return out;
  const mask = planes.find(([n]) => n === "MASK")?.[1] as Mask | undefined;
  for (const [name, plane] of planes) {
    if (name === "MASK" || !(plane.pixelType === "float32" || plane.pixelType === "float64")) continue;
    const scale = quantizationStep(plane, level, mask, recipe.quantizeMaskPlanes ?? QUANTIZE_IGNORED_PLANES);
    if (scale === undefined) continue;
    out[name === "IMAGE" ? "image" : "variance"] = {
      method: recipe.dither ?? "SUBTRACTIVE_DITHER_2",
      scale,
      zdither0: ditherSeed(plane),
    };
  }
  return out;
}

function planeCompression(
  recipe: FitsWriteRecipe,
  plane: "image" | "mask" | "variance",
  quantized: boolean,
  isFloat: boolean,
): PlaneCompression {
  const c = recipe.compression;
  const chosen = typeof c === "string" ? c : (c[plane] ?? "GZIP_2");
  // RICE_1 codes integers: a float plane that is not quantized (no spread, or a lossless recipe) is GZIP_2.
  return chosen === "RICE_1" && isFloat && !quantized ? "GZIP_2" : chosen;
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
    const kind = pixelKind(request.storageClass);
    const component = request.component;
    if (component === undefined && kind === "exposure") return [{ offset: 0, length: index.size }];
    const scanned = hdusToScan(kind, component);
    const ranges = headerRanges(index, scanned);
    if (component !== undefined && HEADER_COMPONENTS.has(component)) return ranges;
    if (component === undefined || PLANES.has(component)) {
      const { bbox, origin } = normalizePixelParameters(request.parameters ?? {});
      const planes =
        component !== undefined
          ? [planeIndex(component)]
          : kind === "maskedImage"
            ? [1, 2, 3]
            : [index.hdus.findIndex((h) => (h.compression?.shape ?? h.naxis).length >= 2)];
      // A LOCAL box is relative to xy0, which the index keeps for each plane.
      const xy0 = index.hdus[planes[0]!]?.xy0;
      const box =
        bbox !== undefined && origin === "LOCAL"
          ? xy0 === undefined
            ? undefined
            : bbox.shift(new Extent2I(xy0[0], xy0[1]))
          : bbox;
      for (const at of planes) ranges.push(...planeDataRanges(index, at, box));
      return ranges;
    }
    // Archived components: every header plus the archive index; the object's rows come after reading it.
    const archive = index.hdus.findIndex((h) => h.exttype === "ARCHIVE_INDEX");
    if (archive >= 0) {
      const hdu = index.hdus[archive]!;
      ranges.push({ offset: hdu.dataOffset, length: hdu.dataLength });
    }
    return ranges;
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
    const maxHdus = hdusToScan(kind, component);
    let input = source;
    if (request.index?.kind === "fits") {
      // Fetch the headers the scan needs in as few requests as the layout allows, and skip the size probe.
      input = withPrefetch(source, headerRanges(request.index, maxHdus), { size: request.index.size });
    }
    const fits = await FitsFile.open(input, maxHdus === undefined ? {} : { maxHdus });
    const planes = planesOf(fits, kind);
    const full = planeBBox(fits, kind === "mask" ? planes.mask! : planes.image);
    const box = bbox === undefined ? undefined : cutoutBox(bbox, origin ?? "PARENT", full);
    const planeOptions = { planes, ...(box === undefined ? {} : { bbox: box }) };

    if (component === undefined) {
      switch (kind) {
        case "exposure":
          return readExposure(fits, box === undefined ? {} : { bbox: box });
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
        return readWcs(fits);
      case "filter":
        return readFilter(fits);
      case "photoCalib":
        return readPhotoCalib(fits);
      case "detector":
        return readDetectorSummary(fits);
      case "validPolygon":
        return readValidPolygon(fits);
      case "summaryStats":
        return readSummaryStats(fits);
    }
    return readArchiveComponent(fits, ARCHIVE_KEYS[component]!);
  }

  async write(object: unknown, request: WriteRequest): Promise<WriteResult> {
    const kind = pixelKind(request.storageClass);
    const recipeName = request.recipe ?? DEFAULT_FITS_RECIPE;
    const recipe = this.recipe(recipeName);
    const hdus = this.#hdus(object, kind, request.storageClass, recipe);
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
    return { size, index };
  }

  #hdus(object: unknown, kind: PixelKind, storageClass: StorageClass, recipe: FitsWriteRecipe): HduParts[] {
    const expect = (ok: boolean, what: string) => {
      if (!ok) {
        const got =
          object === null
            ? "null"
            : typeof object === "object"
              ? (object.constructor?.name ?? "object")
              : typeof object;
        throw new FormatterError(this.name, `a ${storageClass.name} must be ${what}; got ${got}`);
      }
    };
    let planes: ["IMAGE" | "MASK" | "VARIANCE", Image | Mask][];
    switch (kind) {
      case "exposure":
        expect(object instanceof Exposure, "an Exposure");
        planes = [
          ["IMAGE", (object as Exposure).image],
          ["MASK", (object as Exposure).mask],
          ["VARIANCE", (object as Exposure).variance],
        ];
        break;
      case "maskedImage":
        expect(object instanceof MaskedImage, "a MaskedImage");
        planes = [
          ["IMAGE", (object as MaskedImage).image],
          ["MASK", (object as MaskedImage).mask],
          ["VARIANCE", (object as MaskedImage).variance],
        ];
        break;
      case "mask":
        expect(object instanceof Mask, "a Mask");
        planes = [["MASK", object as Mask]];
        break;
      case "image":
        expect(object instanceof Image && !(object instanceof Mask), "an Image");
        planes = [["IMAGE", object as Image]];
        break;
    }
    const pixelType = expectedPixelType(storageClass);
    const image = planes.find(([n]) => n === "IMAGE")?.[1];
    if (pixelType !== undefined && image !== undefined && image.pixelType !== pixelType) {
      throw new FormatterError(
        this.name,
        `a ${storageClass.name} holds ${pixelType} pixels, but the image plane is ${image.pixelType}`,
      );
    }
    const quantize = quantizeSettings(recipe, planes);
    const quantizeOf = (n: "IMAGE" | "MASK" | "VARIANCE") =>
      n === "IMAGE" ? quantize.image : n === "VARIANCE" ? quantize.variance : undefined;
    const compression = (n: "IMAGE" | "MASK" | "VARIANCE") => {
      const plane = planes.find(([m]) => m === n)?.[1];
      const isFloat = plane !== undefined && (plane.pixelType === "float32" || plane.pixelType === "float64");
      return planeCompression(
        recipe,
        n.toLowerCase() as "image" | "mask" | "variance",
        quantizeOf(n) !== undefined,
        isFloat,
      );
    };
    if (kind === "exposure") {
      return writeExposure(object as Exposure, {
        compression: {
          image: compression("IMAGE"),
          mask: compression("MASK"),
          variance: compression("VARIANCE"),
        },
        ...(recipe.tile === undefined ? {} : { tile: recipe.tile }),
        ...(recipe.level === undefined ? {} : { level: recipe.level }),
        quantize,
      });
    }
    return [
      emptyPrimaryHdu(),
      ...planes.map(([n, p]) => planeHduParts(n, p, compression(n), recipe, quantizeOf(n))),
    ];
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
    return fitsIndex(scanned.hdus, scanned.headers);
  }
}

export function createFitsExposureFormatter(options: FormatterOptions): FitsExposureFormatter {
  return new FitsExposureFormatter(options);
}
