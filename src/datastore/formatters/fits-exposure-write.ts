/**
 * Writing afw-layout FITS files: the write recipes (`lossless`, `noCompression`, `lossy16`, and
 * configured ones), their checks, and the HDUs of an Exposure, MaskedImage, Image or Mask.
 */
import { createHash } from "node:crypto";
import type { StorageClass } from "../../core/index.ts";
import { FormatterError, WriteRecipeError } from "../../errors/index.ts";
import { normalizeKey } from "../../fits/card.ts";
import {
  type CompressedHduOptions,
  compressedImageHdu,
  type QuantizeOptions,
  WRITABLE_COMPRESSION,
  WRITE_QUANTIZE_METHODS,
  type WriteQuantizeMethod,
} from "../../fits/compressed-hdu.ts";
import { Header } from "../../fits/header.ts";
import { emptyPrimaryHdu, type HduParts, imageHdu } from "../../fits/image-hdu.ts";
import { Exposure } from "../../image/exposure.ts";
import { Image } from "../../image/image.ts";
import { Mask } from "../../image/mask.ts";
import { isMaskPlaneKey } from "../../image/mask-planes.ts";
import { MaskedImage } from "../../image/masked-image.ts";
import { isPixelOriginKey, pixelOriginCards } from "../../image/pixel-origin.ts";
import { QUANTIZE_IGNORED_PLANES, quantizationStep } from "../../image/quantization.ts";
import { type PlaneCompression, writeExposure } from "../../image/write-exposure.ts";
import type { PixelKind } from "./fits-exposure-plan.ts";

const PLANES: ReadonlySet<string> = new Set(["image", "mask", "variance"]);

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

export function checkRecipe(name: string, value: unknown): FitsWriteRecipe {
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

/** The HDUs of `object` stored as `kind` under `recipe`. */
export function exposureHdus(
  object: unknown,
  kind: PixelKind,
  storageClass: StorageClass,
  recipe: FitsWriteRecipe,
  formatterName: string,
): HduParts[] {
  const expect = (ok: boolean, what: string) => {
    if (!ok) {
      const got =
        object === null
          ? "null"
          : typeof object === "object"
            ? (object.constructor?.name ?? "object")
            : typeof object;
      throw new FormatterError(formatterName, `a ${storageClass.name} must be ${what}; got ${got}`);
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
      formatterName,
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
