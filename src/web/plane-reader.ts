/**
 * Reads an exposure's image, mask or variance plane for display, straight from the FITS engine over the
 * datastore's byte source: only the headers up to the plane, then the rows (or row tiles) a preview
 * shows. A preview smaller than the image reads every `step`-th row, so a 1024-pixel view of a
 * 4096-row image fetches a quarter of the plane's bytes; single pixels are one-row, one-pixel box reads.
 */
import type { Butler } from "../butler/index.ts";
import { type ByteMetrics, createMetrics, withMetrics } from "../bytes/with-metrics.ts";
import type { DatasetRef } from "../core/index.ts";
import { InvalidArgumentError } from "../errors/index.ts";
import { FitsFile } from "../fits/fits-file.ts";
import type { PixelBox } from "../fits/image.ts";
import { readTileTable, type TileTable } from "../fits/tile-table.ts";
import { MaskPlaneDict } from "../image/mask-planes.ts";
import { readXy0 } from "../image/pixel-origin.ts";

export type PlaneName = "image" | "mask" | "variance";
export const PLANES: readonly PlaneName[] = ["image", "mask", "variance"];
/** afw's HDU order: primary, then image, mask, variance. */
const PLANE_HDU: Record<PlaneName, number> = { image: 1, mask: 2, variance: 3 };
/** Row reads in flight at once: enough to hide a remote store's latency without a request storm. */
const ROW_CONCURRENCY = 32;

export interface PlaneGeometry {
  /** PARENT coordinates of the plane's first pixel. */
  readonly x0: number;
  readonly y0: number;
  readonly width: number;
  readonly height: number;
}

export interface PlaneSample extends PlaneGeometry {
  /** Every `step`-th row and column was read, starting at the first. */
  readonly step: number;
  readonly columns: number;
  readonly rows: number;
  /** Sampled pixels, row-major from the plane's first (lowest y) row. */
  readonly values: ArrayLike<number>;
  /** Mask plane names and bits (mask plane only). */
  readonly maskPlanes?: Record<string, number>;
  /** Bytes fetched from the store, and the plane's stored data bytes. */
  readonly bytesRead: number;
  readonly planeBytes: number;
}

/** An opened plane: the FITS file over the metered source, its HDU and (compressed) tile table. */
interface OpenedPlane {
  fits: FitsFile;
  hdu: number;
  geometry: PlaneGeometry;
  tileTable?: TileTable;
  metrics: ByteMetrics;
}

async function openPlane(butler: Butler, ref: DatasetRef, plane: PlaneName): Promise<OpenedPlane> {
  const hduIndex = PLANE_HDU[plane];
  if (hduIndex === undefined) {
    throw new InvalidArgumentError(`plane must be one of ${PLANES.join(", ")}; got '${plane}'`);
  }
  const record = await butler.datastore.getRecord(ref.id);
  const metrics = createMetrics();
  const source = withMetrics(
    butler.datastore.root.open(record.path, record.fileSize >= 0 ? { size: record.fileSize } : {}),
    metrics,
  );
  const fits = await FitsFile.open(source, { maxHdus: hduIndex + 1 });
  const hdu = fits.hdu(hduIndex);
  const header = fits.header(hduIndex);
  const compressed = hdu.kind === "compressed_image";
  const width = compressed ? Number(header.get("ZNAXIS1")) : hdu.naxis[0]!;
  const height = compressed ? Number(header.get("ZNAXIS2")) : hdu.naxis[1]!;
  if (!(width > 0 && height > 0)) {
    throw new InvalidArgumentError(`${ref.datasetType.name} ${ref.dataId} has no ${plane} pixels to show`);
  }
  const xy0 = readXy0(header);
  const opened: OpenedPlane = {
    fits,
    hdu: hduIndex,
    geometry: { x0: xy0.x, y0: xy0.y, width, height },
    metrics,
  };
  if (compressed) opened.tileTable = await readTileTable(source, hdu, header);
  return opened;
}

async function readBox(opened: OpenedPlane, box: PixelBox): Promise<ArrayLike<number>> {
  const data = await opened.fits.readImage(opened.hdu, {
    box,
    ...(opened.tileTable === undefined ? {} : { tileTable: opened.tileTable }),
  });
  return data.data as ArrayLike<number>;
}

/** A region of the plane in PARENT coordinates, inclusive corners (as `bbox` parameters are given). */
export interface ParentBox {
  readonly minX: number;
  readonly minY: number;
  readonly maxX: number;
  readonly maxY: number;
}

/**
 * The plane (or `region` of it, clipped to the plane) sampled so that its longer side shows at most
 * `size` pixels.
 */
export async function samplePlane(
  butler: Butler,
  ref: DatasetRef,
  plane: PlaneName,
  size: number,
  region?: ParentBox,
): Promise<PlaneSample> {
  const opened = await openPlane(butler, ref, plane);
  try {
    const { x0, y0 } = opened.geometry;
    const box = clip(opened.geometry, region);
    const { width, height } = box;
    const step = Math.max(1, Math.ceil(Math.max(width, height) / size));
    const columns = Math.ceil(width / step);
    const rows = Math.ceil(height / step);
    let values: ArrayLike<number>;
    if (step === 1) {
      values = await readBox(opened, box);
    } else {
      const out = new Float64Array(columns * rows);
      for (let first = 0; first < rows; first += ROW_CONCURRENCY) {
        const batch = Array.from({ length: Math.min(ROW_CONCURRENCY, rows - first) }, (_, k) => first + k);
        await Promise.all(
          batch.map(async (r) => {
            const row = await readBox(opened, { x: box.x, y: box.y + r * step, width, height: 1 });
            for (let c = 0; c < columns; c++) out[r * columns + c] = row[c * step]!;
          }),
        );
      }
      values = out;
    }
    const header = opened.fits.header(opened.hdu);
    return {
      x0: x0 + box.x,
      y0: y0 + box.y,
      width,
      height,
      step,
      columns,
      rows,
      values,
      ...(plane === "mask" ? { maskPlanes: MaskPlaneDict.fromHeader(header).toJSON() } : {}),
      bytesRead: opened.metrics.bytes,
      planeBytes: opened.fits.hdu(opened.hdu).dataLength,
    };
  } finally {
    await opened.fits.close();
  }
}

/** The local pixel box of `region` within the plane; the whole plane without one. */
function clip(plane: PlaneGeometry, region: ParentBox | undefined): PixelBox {
  if (region === undefined) return { x: 0, y: 0, width: plane.width, height: plane.height };
  const x = Math.max(0, region.minX - plane.x0);
  const y = Math.max(0, region.minY - plane.y0);
  const xEnd = Math.min(plane.width, region.maxX - plane.x0 + 1);
  const yEnd = Math.min(plane.height, region.maxY - plane.y0 + 1);
  if (xEnd <= x || yEnd <= y) {
    throw new InvalidArgumentError(
      `the box (${region.minX}, ${region.minY})–(${region.maxX}, ${region.maxY}) is outside the image, ` +
        `which spans (${plane.x0}, ${plane.y0})–(${plane.x0 + plane.width - 1}, ${plane.y0 + plane.height - 1})`,
    );
  }
  return { x, y, width: xEnd - x, height: yEnd - y };
}

/** The values of each plane at PARENT pixel (x, y); undefined outside the image. */
export async function readPixel(
  butler: Butler,
  ref: DatasetRef,
  x: number,
  y: number,
): Promise<{ image: number; mask: number; variance: number; maskPlanes: string[] } | undefined> {
  const values: Partial<Record<PlaneName, number>> = {};
  let planes: MaskPlaneDict | undefined;
  for (const plane of PLANES) {
    const opened = await openPlane(butler, ref, plane);
    try {
      const { x0, y0, width, height } = opened.geometry;
      const col = x - x0;
      const row = y - y0;
      if (col < 0 || row < 0 || col >= width || row >= height) return undefined;
      values[plane] = (await readBox(opened, { x: col, y: row, width: 1, height: 1 }))[0]!;
      if (plane === "mask") planes = MaskPlaneDict.fromHeader(opened.fits.header(opened.hdu));
    } finally {
      await opened.fits.close();
    }
  }
  const mask = values.mask ?? 0;
  return {
    image: values.image!,
    mask,
    variance: values.variance!,
    maskPlanes: (planes?.entries() ?? []).filter(([, bit]) => (mask & (1 << bit)) !== 0).map(([n]) => n),
  };
}

/** The plane's place and the mask's planes, from the headers alone (no pixel is read). */
export async function planeInfo(
  butler: Butler,
  ref: DatasetRef,
): Promise<PlaneGeometry & { maskPlanes: Record<string, number> }> {
  const opened = await openPlane(butler, ref, "mask");
  try {
    return {
      ...opened.geometry,
      maskPlanes: MaskPlaneDict.fromHeader(opened.fits.header(opened.hdu)).toJSON(),
    };
  } finally {
    await opened.fits.close();
  }
}
