/**
 * Writing HDUs to a FITS stream: header blocks, data padded with zeros to 2880, optional CHECKSUM and
 * DATASUM, and the byte index of what was written (each HDU's offsets), computed as it is written so a
 * datastore can record it without reading the file back.
 */
import { open } from "node:fs/promises";
import { InvalidArgumentError } from "../errors/index.ts";

import { setChecksum } from "./checksum.ts";
import { describeHdu, type HduInfo } from "./hdu.ts";
import { formatHeader } from "./header-format.ts";
import type { HduParts } from "./image-hdu.ts";

export interface WriteOptions {
  /** Add DATASUM and CHECKSUM cards to every HDU. */
  checksum?: boolean;
}

/** Yields each HDU's padded header and data chunks with its index entry. */
function* encodeHdus(
  hdus: readonly HduParts[],
  options: WriteOptions,
): Generator<{ chunks: Uint8Array[]; info: HduInfo }> {
  if (hdus.length === 0) throw new InvalidArgumentError("a FITS file needs at least a primary HDU");
  let offset = 0;
  for (const [index, hdu] of hdus.entries()) {
    const first = hdu.header.cards[0]?.key;
    if ((index === 0) !== (first === "SIMPLE")) {
      throw new InvalidArgumentError(
        `HDU ${index} starts with ${first}; the first HDU must start with SIMPLE and the others with XTENSION`,
      );
    }
    const header = options.checksum ? hdu.header.clone() : hdu.header;
    if (options.checksum) setChecksum(header, hdu.data);
    const headerBytes = formatHeader(header);
    const info = describeHdu(header, index, offset, headerBytes.length, { hdu: index });
    // Data may come padded to whole blocks already (table encoders do); the padding is then written as is.
    if (hdu.data.length !== info.dataLength && hdu.data.length !== info.dataSpan) {
      throw new InvalidArgumentError(
        `HDU ${index}: the header declares ${info.dataLength} data bytes but ${hdu.data.length} were given`,
      );
    }
    const padding = info.dataSpan - hdu.data.length;
    const chunks = [headerBytes, hdu.data];
    if (padding > 0) chunks.push(new Uint8Array(padding));
    yield { chunks, info };
    offset = info.dataOffset + info.dataSpan;
  }
}

/** The whole stream in memory (small files, tests, in-memory objects). */
export function encodeFits(
  hdus: readonly HduParts[],
  options: WriteOptions = {},
): { bytes: Uint8Array; index: HduInfo[] } {
  const chunks: Uint8Array[] = [];
  const index: HduInfo[] = [];
  for (const hdu of encodeHdus(hdus, options)) {
    chunks.push(...hdu.chunks);
    index.push(hdu.info);
  }
  const joined = Buffer.concat(chunks);
  return { bytes: new Uint8Array(joined.buffer, joined.byteOffset, joined.byteLength), index };
}

/** Writes the HDUs to `path` one at a time (no whole-file buffer); returns the byte index. */
export async function writeFits(
  path: string,
  hdus: readonly HduParts[],
  options: WriteOptions = {},
): Promise<HduInfo[]> {
  const index: HduInfo[] = [];
  const file = await open(path, "w");
  try {
    for (const hdu of encodeHdus(hdus, options)) {
      for (const chunk of hdu.chunks) if (chunk.length > 0) await file.write(chunk);
      index.push(hdu.info);
    }
  } finally {
    await file.close();
  }
  return index;
}
