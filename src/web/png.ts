/**
 * A minimal PNG encoder (8-bit grey, RGB or RGBA, no interlace) for server-rendered previews: the pixel
 * rows with filter byte 0, deflated by node:zlib, in IHDR/IDAT/IEND chunks with their CRCs. Sky noise
 * barely compresses, so a fast deflate level costs few bytes and saves most of the time.
 */
import { crc32, deflateSync } from "node:zlib";

const SIGNATURE = Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a);

/** Grey, RGB or RGBA. */
export type PngChannels = 1 | 3 | 4;
const COLOUR_TYPE: Record<PngChannels, number> = { 1: 0, 3: 2, 4: 6 };

/** Encodes `pixels` (row-major, `channels` bytes a pixel, top row first) as a PNG file. */
export function encodePng(
  width: number,
  height: number,
  pixels: Uint8Array,
  channels: PngChannels = 4,
): Buffer {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) {
    throw new RangeError(`a PNG needs a positive integer size, got ${width}×${height}`);
  }
  const stride = width * channels;
  if (pixels.length !== stride * height) {
    throw new RangeError(
      `${width}×${height}×${channels} pixels need ${stride * height} bytes, got ${pixels.length}`,
    );
  }
  const raw = Buffer.alloc((stride + 1) * height);
  for (let y = 0; y < height; y++) {
    raw.set(pixels.subarray(y * stride, (y + 1) * stride), y * (stride + 1) + 1);
  }
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8; // bit depth
  header[9] = COLOUR_TYPE[channels];
  // Bytes 10–12: deflate compression, adaptive filtering, no interlace (all 0).
  return Buffer.concat([
    SIGNATURE,
    chunk("IHDR", header),
    chunk("IDAT", deflateSync(raw, { level: 3 })),
    chunk("IEND", Buffer.alloc(0)),
  ]);
}

function chunk(type: string, data: Uint8Array): Buffer {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, "latin1");
  out.set(data, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}
