/**
 * What a read of an afw-layout FITS file needs, from the byte index alone: the HDUs whose headers it
 * parses and the byte ranges it fetches (those headers, the pixels under a box, an archived component's
 * rows). The formatter's `plan` returns the ranges; its `read` opens the file from the index with the
 * same headers, so the two cannot disagree.
 *
 * | component | headers | data |
 * | --- | --- | --- |
 * | metadata, visitInfo, id, bbox, dimensions, xy0 | primary, image | none |
 * | image, mask, variance | primary, image, that plane | its rows under `bbox` (plain), or its tile descriptors (compressed; the tiles under the box follow in one more request) |
 * | archived components (wcs, psf, photoCalib, …) | primary, image, each catalog of the object | its rows and heap cells |
 * | the whole Exposure, archive left for later (version-2 index, the caller can fetch later) | primary, planes | none (the readers read planes in chunks); with `bbox`, the pixels under it. Each archived component is fetched when asked for: its catalogs' headers, rows and heap cells |
 * | the whole dataset otherwise | every HDU | none: the readers read planes and archive tables in chunks; with `bbox`, the pixels under it and every archive table |
 *
 * A version-1 index has no archive layout: archived components then read every header and the archive
 * index table, and find the object's rows from it.
 */
import type { ByteRange } from "../../bytes/byte-source.ts";
import { InvalidArgumentError } from "../../errors/index.ts";
import { archivedParts } from "../../image/archive-layout.ts";
import type { Box2I } from "../../image/box.ts";
import { ARCHIVE_KEY_OF } from "../../image/exposure-info.ts";
import { Extent2I } from "../../image/point.ts";
import type { FitsByteIndex, FitsHduIndex } from "../byte-index.ts";
import { normalizePixelParameters } from "../parameters.ts";

/** What a storage class holds, which decides the file layout. */
export type PixelKind = "exposure" | "maskedImage" | "image" | "mask";

/** Components answered from the primary and image headers alone. */
const HEADER_COMPONENTS: ReadonlySet<string> = new Set([
  "metadata",
  "visitInfo",
  "id",
  "bbox",
  "dimensions",
  "xy0",
]);
export const PLANES: ReadonlySet<string> = new Set(["image", "mask", "variance"]);

export { ARCHIVE_KEY_OF };

export interface FitsReadPlan {
  /** 0-based HDUs whose headers the read parses. */
  headers: number[];
  /** Every byte range the read fetches before decoding (headers first). */
  ranges: ByteRange[];
  /** Whether archived components come from the index's archive layout (else from the archive index table). */
  archiveFromIndex: boolean;
  /** A whole Exposure whose archived components are left unread, for the Exposure to fetch when asked. */
  lazyArchive?: boolean;
}

function pixelShape(hdu: FitsHduIndex): readonly number[] {
  return hdu.compression?.shape ?? hdu.naxis;
}

function hasPixels(hdu: FitsHduIndex | undefined): boolean {
  if (hdu === undefined) return false;
  const shape = pixelShape(hdu);
  return (
    (hdu.kind === "primary" || hdu.kind === "image" || hdu.kind === "compressed_image") &&
    shape.length >= 2 &&
    shape.every((n) => n > 0)
  );
}

/** The plane HDUs as the image layer will find them (it checks EXTTYPE when it reads). */
function indexedPlanes(
  index: FitsByteIndex,
  kind: PixelKind,
): { image: number; mask?: number; variance?: number } {
  const hdus = index.hdus;
  if (kind === "mask") {
    const first = hdus.findIndex(hasPixels);
    if (first >= 0 && hdus[first]!.exttype?.trim().toUpperCase() === "MASK")
      return { image: first, mask: first };
  }
  const image = hasPixels(hdus[0]) ? 0 : 1;
  const planes: { image: number; mask?: number; variance?: number } = { image };
  if (hasPixels(hdus[image + 1])) {
    planes.mask = image + 1;
    if (hasPixels(hdus[image + 2])) planes.variance = image + 2;
  }
  if (kind === "mask") return { image: planes.mask ?? image, mask: planes.mask ?? image };
  return planes;
}

/** A plane's data ranges under a PARENT box, or its whole data part. */
function planeDataRanges(hdu: FitsHduIndex, box: Box2I | undefined): ByteRange[] {
  const c = hdu.compression;
  // The tile descriptors (a few bytes a tile, read whole); the tiles under the box are found from them.
  if (c !== undefined) return [c.table];
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

export function headerRange(index: FitsByteIndex, n: number): ByteRange {
  const hdu = index.hdus[n]!;
  return { offset: hdu.headerOffset, length: hdu.headerLength };
}

/**
 * The plan of one read: `component` (undefined: the whole dataset) with `parameters`. `later`: the
 * caller can fetch more of the file after the read, so a whole Exposure leaves its archive unread.
 */
export function planFitsRead(
  index: FitsByteIndex,
  kind: PixelKind,
  component: string | undefined,
  parameters: Readonly<Record<string, unknown>>,
  later = false,
): FitsReadPlan {
  const all = index.hdus.map((_, i) => i);
  const planes = indexedPlanes(index, kind);
  const withHeaders = (headers: number[], data: ByteRange[], archiveFromIndex = false): FitsReadPlan => {
    const unique = [...new Set(headers)].filter((n) => index.hdus[n] !== undefined).sort((a, b) => a - b);
    return {
      headers: unique,
      ranges: [...unique.map((n) => headerRange(index, n)), ...data],
      archiveFromIndex,
    };
  };
  if (component !== undefined && HEADER_COMPONENTS.has(component)) {
    return withHeaders([0, planes.image], []);
  }
  const { bbox, origin } = normalizePixelParameters(parameters);
  // A LOCAL box is relative to xy0, which the index keeps for each plane.
  const xy0 = index.hdus[planes.image]?.xy0;
  const box =
    bbox !== undefined && origin === "LOCAL"
      ? xy0 === undefined
        ? undefined
        : bbox.shift(new Extent2I(xy0[0], xy0[1]))
      : bbox;
  const pixelRanges = (hdus: readonly (number | undefined)[]) =>
    hdus.flatMap((n) =>
      n === undefined || index.hdus[n] === undefined ? [] : planeDataRanges(index.hdus[n]!, box),
    );
  if (component !== undefined && PLANES.has(component)) {
    const at = planes[component as "image" | "mask" | "variance"];
    if (at === undefined) return withHeaders([0, planes.image], []);
    return withHeaders([0, planes.image, at], pixelRanges([at]));
  }
  if (component === undefined) {
    if (kind === "image" || kind === "mask") {
      const at = kind === "mask" ? planes.mask! : planes.image;
      return withHeaders([0, at], pixelRanges([at]));
    }
    const planeHdus = [planes.image, planes.mask, planes.variance];
    if (kind === "maskedImage") {
      return withHeaders([0, ...planeHdus.filter((n) => n !== undefined)], pixelRanges(planeHdus));
    }
    // A whole Exposure whose archive can be fetched later: the planes' headers and, for a cutout, the
    // pixels under the box; each archived component is fetched when the Exposure is asked for it.
    if (later && index.archive !== undefined) {
      const plan = withHeaders(
        [0, ...planeHdus.filter((n) => n !== undefined)],
        box === undefined ? [] : pixelRanges(planeHdus),
      );
      return { ...plan, lazyArchive: true };
    }
    // Else every header; the readers then read each plane and archive table in chunks, so the file is
    // never held whole. A cutout also plans the pixels under its box and the archive tables (every
    // object is kept row for row, so a read-modify-write loses nothing), a few large requests.
    if (box === undefined) return withHeaders(all, []);
    const planeSet = new Set(planeHdus);
    const archive = index.hdus.flatMap((h, n) =>
      planeSet.has(n) || h.dataLength === 0 ? [] : [{ offset: h.dataOffset, length: h.dataLength }],
    );
    return withHeaders(all, [...pixelRanges(planeHdus), ...archive]);
  }
  const key = ARCHIVE_KEY_OF[component];
  if (key === undefined) {
    throw new InvalidArgumentError(`no read plan for component '${component}' of a FITS exposure`);
  }
  const archived = archivedData(index, [key], component === "detector");
  if (!archived.fromIndex) return withHeaders(all, archived.ranges);
  // The image header follows the primary's, so it costs no extra request; every read finds the planes.
  return withHeaders([0, planes.image, ...archived.hdus], archived.ranges, true);
}

/** The rows of archived components from the index, or (version 1) the archive index table to find them. */
function archivedData(
  index: FitsByteIndex,
  keys: readonly string[],
  firstCatalogOnly: boolean,
): { hdus: number[]; ranges: ByteRange[]; fromIndex: boolean } {
  if (index.archive !== undefined) {
    return { ...archivedParts(index.archive, keys, { firstCatalogOnly }), fromIndex: true };
  }
  return { hdus: [], ranges: archiveIndexTable(index), fromIndex: false };
}

function archiveIndexTable(index: FitsByteIndex): ByteRange[] {
  const hdu = index.hdus.find((h) => h.exttype === "ARCHIVE_INDEX");
  return hdu === undefined ? [] : [{ offset: hdu.dataOffset, length: hdu.dataLength }];
}
