/**
 * Writing an Exposure in afw's layout (EXPINFO_V = 2), as HDU parts for `writeFits`/`encodeFits`:
 *
 * 0. empty primary: metadata, `EXPINFO_V = 2`, `AR_HDU = 5`, `<KEY>_ID` + `ARCHIVE_ID_<KEY>` per
 *    archived component, DETNAME/DETSER, the VisitInfo keys, EXPID;
 * 1–3. IMAGE, MASK, VARIANCE: the WCS (for that HDU's grid), `INHERIT = T`, EXTTYPE = EXTNAME, the
 *    mask's `MP_*` cards, LTV1/2 and the `A` pixel WCS; lossless GZIP_2 row tiles by default;
 * 4. ARCHIVE_INDEX; 5+. ARCHIVE_DATA tables.
 *
 * Archive objects read with the Exposure are written back with their ids (so references between
 * them hold); decoded components that did not change keep their original objects row for row, and
 * changed or new ones are encoded (reusing the component's old id when it had one).
 */
import { InvalidArgumentError } from "../errors/index.ts";
import type { Card } from "../fits/card.ts";
import {
  type CompressedHduOptions,
  compressedImageHdu,
  type QuantizeOptions,
  type WriteCompression,
} from "../fits/compressed-hdu.ts";
import { Header, makeCard } from "../fits/header.ts";
import { emptyPrimaryHdu, type HduParts, imageHdu } from "../fits/image-hdu.ts";
import type { PixelArray } from "../fits/pixels.ts";
import { isWriterOwnedPrimaryKey } from "./afw-layout.ts";
import { type ArchiveObject, archiveObjectsEqual } from "./archive-types.ts";
import { encodeArchive } from "./archive-write.ts";
import type { Exposure } from "./exposure.ts";
import type { ExposureInfo } from "./exposure-info.ts";
import { decodeFilterLabel, encodeFilterLabel } from "./filter-label.ts";
import type { Image } from "./image.ts";
import type { Mask } from "./mask.ts";
import { decodePhotoCalib, encodePhotoCalib } from "./photo-calib.ts";
import { pixelOriginCards } from "./pixel-origin.ts";
import { decodePolygon, encodePolygon } from "./polygon.ts";
import { decodeSkyWcsText, encodeSkyWcsText } from "./sky-wcs-archive.ts";
import { decodeSummaryStats, encodeSummaryStats } from "./summary-stats.ts";
import { skyWcsCards } from "./wcs-header.ts";

/** How one plane is stored: a tile compression (lossless) or `"none"`. */
export type PlaneCompression = WriteCompression | "none";

export interface WriteExposureOptions {
  /**
   * Plane compression: one setting for all three planes or one per plane. Default `"GZIP_2"` with row
   * tiles, Rubin's lossless default recipe. RICE_1 applies to integer planes (the mask) only.
   */
  compression?:
    | PlaneCompression
    | { image?: PlaneCompression; mask?: PlaneCompression; variance?: PlaneCompression };
  /** Tile shape `[width, height]`; default whole rows. */
  tile?: [number, number];
  /** zlib level for the GZIP algorithms. */
  level?: number;
  /**
   * Quantize the floating-point planes (lossy) with these settings; a quantized plane may use RICE_1.
   * Planes without an entry are stored losslessly.
   */
  quantize?: { image?: QuantizeOptions; variance?: QuantizeOptions };
}

/** 1-based HDU of the archive index in the layout this writer produces. */
export const AR_HDU = 5;
/** The ExposureInfo serialization version this writer produces. */
export const EXPINFO_VERSION = 2;

/**
 * The HDUs of `exposure` in afw's layout, ready for `writeFits(path, hdus)`. An Exposure read lazily
 * must be loaded first (`await exposure.info.load()`), so no archived component is lost.
 */
export function writeExposure(exposure: Exposure, options: WriteExposureOptions = {}): HduParts[] {
  const info = exposure.info;
  info.requireLoaded("write the Exposure");
  const { objects, ids } = archiveObjectsFor(info);
  const hdus: HduParts[] = [emptyPrimaryHdu(primaryCards(info, ids))];
  const bunit = info.metadata.getString("BUNIT");
  const planes: [string, Image | Mask][] = [
    ["IMAGE", exposure.image],
    ["MASK", exposure.mask],
    ["VARIANCE", exposure.variance],
  ];
  for (const [name, plane] of planes) {
    hdus.push(planeHdu(name, plane, info, compressionFor(name, options), options, bunit));
  }
  hdus.push(...encodeArchive(objects));
  return hdus;
}

function quantizeFor(plane: string, options: WriteExposureOptions): QuantizeOptions | undefined {
  return plane === "IMAGE"
    ? options.quantize?.image
    : plane === "VARIANCE"
      ? options.quantize?.variance
      : undefined;
}

function compressionFor(plane: string, options: WriteExposureOptions): PlaneCompression {
  const c = options.compression ?? "GZIP_2";
  const quantized = quantizeFor(plane, options) !== undefined;
  if (typeof c === "string") return plane !== "MASK" && c === "RICE_1" && !quantized ? "GZIP_2" : c;
  const chosen = c[plane.toLowerCase() as "image" | "mask" | "variance"] ?? "GZIP_2";
  if (chosen === "RICE_1" && plane !== "MASK" && !quantized) {
    throw new InvalidArgumentError(
      `RICE_1 is lossless for integer planes only; the ${plane} plane is floating point`,
    );
  }
  return chosen;
}

function primaryCards(info: ExposureInfo, ids: Map<string, number>): Card[] {
  const cards: Card[] = [];
  for (const card of info.metadata) {
    if (card.type === "commentary" || !isWriterOwnedPrimaryKey(card.key, info.metadata))
      cards.push({ ...card });
  }
  cards.push(makeCard("EXPINFO_V", EXPINFO_VERSION));
  cards.push(
    makeCard("AR_HDU", AR_HDU, {
      comment: "HDU (1-indexed) containing the archive used to store ancillary objects",
    }),
  );
  for (const [key, id] of ids) {
    const comment = `archive ID for generic component '${key}'`;
    cards.push(makeCard(`${key}_ID`, id, { comment }));
    cards.push(makeCard(`ARCHIVE_ID_${key}`, id, { comment }));
  }
  if (info.detector?.name !== undefined) cards.push(makeCard("DETNAME", info.detector.name));
  if (info.detector?.serial !== undefined) cards.push(makeCard("DETSER", info.detector.serial));
  if (info.visitInfo !== undefined) cards.push(...info.visitInfo.toCards());
  if (info.id !== undefined) cards.push(makeCard("EXPID", info.id));
  return cards;
}

function planeHdu(
  name: string,
  plane: Image | Mask,
  info: ExposureInfo,
  compression: PlaneCompression,
  options: WriteExposureOptions,
  bunit: string | undefined,
): HduParts {
  const header = new Header();
  const xy0 = plane.bbox.minimum;
  if (info.wcs !== undefined) for (const card of skyWcsCards(info.wcs, xy0)) header.append(card);
  header.append(makeCard("INHERIT", true));
  header.append(makeCard("EXTTYPE", name));
  header.append(makeCard("EXTNAME", name));
  if (name === "MASK") for (const card of (plane as Mask).planes.toCards()) header.append(card);
  for (const card of pixelOriginCards(xy0)) header.append(card);
  if (bunit !== undefined) {
    if (name === "IMAGE") header.append(makeCard("BUNIT", bunit));
    else if (name === "VARIANCE") header.append(makeCard("BUNIT", `${bunit}**2`));
    else header.append(makeCard("BUNIT", null));
  }
  const data: PixelArray = plane.array;
  const shape = [plane.width, plane.height];
  if (compression === "none") return imageHdu(data, shape, { header });
  const hduOptions: CompressedHduOptions = { algorithm: compression, header };
  if (options.tile !== undefined) hduOptions.tile = options.tile;
  if (options.level !== undefined) hduOptions.level = options.level;
  const quantize = quantizeFor(name, options);
  if (quantize !== undefined && (plane.pixelType === "float32" || plane.pixelType === "float64")) {
    hduOptions.quantize = quantize;
  }
  return compressedImageHdu(data, shape, hduOptions);
}

/**
 * The archive to write: every object read with the Exposure (ids kept), decoded components re-encoded
 * only when they changed, undecoded components as they are. Returns the objects in write order and
 * the id of each component key.
 */
export function archiveObjectsFor(info: ExposureInfo): {
  objects: ArchiveObject[];
  ids: Map<string, number>;
} {
  const objects = new Map(info.archive);
  let next = Math.max(0, ...objects.keys()) + 1;
  const allocate = () => next++;
  const ids = new Map<string, number>();

  const place = (
    key: string,
    unchanged: (orig: ArchiveObject) => boolean,
    encode: (id: number) => ArchiveObject[],
  ) => {
    const origId = info.archiveIds.get(key);
    const orig = origId === undefined ? undefined : objects.get(origId);
    if (orig !== undefined && unchanged(orig)) {
      ids.set(key, origId!);
      return;
    }
    // A changed component keeps its old id, so objects that refer to it still do.
    const id = origId ?? allocate();
    for (const object of encode(id)) objects.set(object.id, object);
    ids.set(key, id);
  };

  const { wcs, photoCalib, filter, validPolygon, summaryStats } = info;
  if (wcs?.ast !== undefined) {
    const ast = wcs.ast;
    place(
      "SKYWCS",
      (o) => decodeSkyWcsText(o) === ast,
      (id) => [encodeSkyWcsText(ast, id)],
    );
  }
  if (photoCalib !== undefined) {
    place(
      "PHOTOCALIB",
      (o) => decodePhotoCalib(o)?.equals(photoCalib) === true,
      (id) => encodePhotoCalib(photoCalib, id, allocate),
    );
  }
  if (filter !== undefined) {
    place(
      "FILTER",
      (o) => decodeFilterLabel(o)?.equals(filter) === true,
      (id) => [encodeFilterLabel(filter, id)],
    );
  }
  if (validPolygon !== undefined) {
    place(
      "VALID_POLYGON",
      (o) => decodePolygon(o)?.equals(validPolygon) === true,
      (id) => [encodePolygon(validPolygon, id)],
    );
  }
  if (summaryStats !== undefined) {
    place(
      "SUMMARY_STATS",
      (o) => decodeSummaryStats(o)?.equals(summaryStats) === true,
      (id) => [encodeSummaryStats(summaryStats, id)],
    );
  }
  for (const [key, object] of info.components) {
    if (ids.has(key)) continue;
    const existing = objects.get(object.id);
    if (existing !== undefined && (existing === object || archiveObjectsEqual(existing, object))) {
      ids.set(key, object.id);
      continue;
    }
    const id =
      existing === undefined && Number.isInteger(object.id) && object.id > 0 ? object.id : allocate();
    objects.set(id, { ...object, id });
    ids.set(key, id);
  }
  // Keys in the order the source file had them, new ones after.
  const order = [...info.archiveIds.keys()];
  const sorted = new Map([...ids.entries()].sort((a, b) => rank(order, a[0]) - rank(order, b[0])));
  return { objects: [...objects.values()], ids: sorted };
}

function rank(order: string[], key: string): number {
  const at = order.indexOf(key);
  return at < 0 ? order.length : at;
}
