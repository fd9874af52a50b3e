/**
 * Reading uncompressed image HDUs, whole or as a box. A box read is planned as byte ranges (one per
 * row, coalesced) before any I/O, so a cutout of a remote image costs only the rows under it.
 */
import type { ByteRange, ByteSource } from "../bytes/byte-source.ts";
import { type CoalesceOptions, coalesceRanges } from "../bytes/coalesce-ranges.ts";
import { readInto } from "../bytes/read-into.ts";
import { FitsFormatError, InvalidArgumentError } from "../errors/index.ts";
import type { HduInfo } from "./hdu.ts";
import type { Header } from "./header.ts";
import { bytesPerPixel, decodePixels, type PixelArray, type PixelScaling, pixelScaling } from "./pixels.ts";

/** A box of pixels, 0-based in the HDU's own pixel grid (FITS pixel p is index p − 1). */
export interface PixelBox {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface ImageData {
  /** Pixels row-major (axis 1 fastest), decoded to native order and physical values. */
  data: PixelArray;
  /** Shape, axis 1 first: [width, height, ...]. */
  shape: number[];
  scaling: PixelScaling;
}

export interface ImageReadOptions extends CoalesceOptions {
  box?: PixelBox;
  signal?: AbortSignal;
}

/** The pixel scaling an image HDU's header declares. */
function imageScaling(hdu: HduInfo, header: Header): PixelScaling {
  const where = { hdu: hdu.index, offset: hdu.headerOffset };
  return pixelScaling(hdu.bitpix, header.get("BZERO"), header.get("BSCALE"), header.get("BLANK"), where);
}

/** Checks a box against an image shape; boxes address the first two axes. */
export function checkBox(box: PixelBox, shape: readonly number[]): void {
  const [nx = 0, ny = 1] = shape;
  const ok =
    [box.x, box.y, box.width, box.height].every(Number.isSafeInteger) &&
    box.x >= 0 &&
    box.y >= 0 &&
    box.width > 0 &&
    box.height > 0 &&
    box.x + box.width <= nx &&
    box.y + box.height <= ny;
  if (!ok) {
    throw new InvalidArgumentError(
      `box x=${box.x} y=${box.y} width=${box.width} height=${box.height} is not inside the ${shape.join("x")} image ` +
        `(0 <= x, x + width <= ${nx}, 0 <= y, y + height <= ${ny}, width and height positive integers)`,
    );
  }
}

/** One byte range per row of the box, in row order; for the whole image, one range. */
function imageRowRanges(hdu: HduInfo, box?: PixelBox): ByteRange[] {
  const width = bytesPerPixel(hdu.bitpix);
  if (box === undefined)
    return hdu.dataLength === 0 ? [] : [{ offset: hdu.dataOffset, length: hdu.dataLength }];
  checkBox(box, hdu.naxis);
  const rowBytes = hdu.naxis[0]! * width;
  const planes = hdu.naxis.slice(2).reduce((a, b) => a * b, 1);
  const planeBytes = rowBytes * (hdu.naxis[1] ?? 1);
  const ranges: ByteRange[] = [];
  for (let plane = 0; plane < planes; plane++) {
    for (let y = box.y; y < box.y + box.height; y++) {
      ranges.push({
        offset: hdu.dataOffset + plane * planeBytes + y * rowBytes + box.x * width,
        length: box.width * width,
      });
    }
  }
  return ranges;
}

/** The requests a read of `box` makes: its row ranges, coalesced. Pure, so tests can assert it. */
export function planImageRead(hdu: HduInfo, box?: PixelBox, options: CoalesceOptions = {}): ByteRange[] {
  return coalesceRanges(imageRowRanges(hdu, box), options).map(({ offset, length }) => ({ offset, length }));
}

/** Reads an image HDU (primary or IMAGE extension), whole or the given box. */
export async function readImage(
  source: ByteSource,
  hdu: HduInfo,
  header: Header,
  options: ImageReadOptions = {},
): Promise<ImageData> {
  if (hdu.kind !== "primary" && hdu.kind !== "image") {
    throw new InvalidArgumentError(`HDU ${hdu.index} is a ${hdu.kind}, not an uncompressed image`);
  }
  const scaling = imageScaling(hdu, header);
  const box = options.box;
  const shape = box === undefined ? [...hdu.naxis] : [box.width, box.height, ...hdu.naxis.slice(2)];
  const count = hdu.naxis.length === 0 ? 0 : shape.reduce((a, b) => a * b, 1);
  // The stored bytes land straight in the buffer that becomes the decoded array: no second copy.
  const raw = new Uint8Array(count * bytesPerPixel(hdu.bitpix));
  if (box === undefined) {
    if (raw.byteLength > 0) await readInto(source, hdu.dataOffset, raw, { signal: options.signal });
  } else {
    await readRows(source, imageRowRanges(hdu, box), raw, options);
  }
  const data = decodePixels(raw, scaling);
  if (data.length !== count) {
    throw new FitsFormatError("decoded pixel count differs from the shape", {
      hdu: hdu.index,
      uri: source.key,
    });
  }
  return { data, shape, scaling };
}

/** Fetches the coalesced groups of `rows` and copies each row to its place in `target`. */
async function readRows(
  source: ByteSource,
  rows: ByteRange[],
  target: Uint8Array,
  options: ImageReadOptions,
): Promise<void> {
  const groups = coalesceRanges(rows, options);
  const rowLength = rows[0]?.length ?? 0;
  await Promise.all(
    groups.map(async (group) => {
      if (group.members.length === 1 || group.length === group.members.length * rowLength) {
        // Contiguous rows: read straight into place.
        const first = group.members[0]!;
        const into = target.subarray(first * rowLength, first * rowLength + group.length);
        if (group.length === group.members.length * rowLength && isAscending(group.members)) {
          await readInto(source, group.offset, into, { signal: options.signal });
          return;
        }
      }
      const bytes = await source.read(group.offset, group.length, { signal: options.signal });
      for (const i of group.members) {
        const row = rows[i]!;
        const from = row.offset - group.offset;
        target.set(bytes.subarray(from, from + row.length), i * rowLength);
      }
    }),
  );
}

function isAscending(members: number[]): boolean {
  for (let k = 1; k < members.length; k++) if (members[k] !== members[k - 1]! + 1) return false;
  return true;
}
