/**
 * Whether a scanned FITS stream is whole: every header ended with END and every data part lay inside
 * the file (the scan checks both), the last data part is padded to its block, and nothing but padding
 * follows the last HDU. Ingest refuses a file that fails; `fits-info` lists what it read and warns.
 */
import type { ByteSource } from "../bytes/byte-source.ts";
import { FitsFormatError } from "../errors/index.ts";
import type { FitsIndex } from "./scan.ts";

const CHUNK_BYTES = 1024 * 1024;

/** What is wrong with the structure of `index`'s stream, with byte offsets; empty when it is whole. */
export async function structureProblems(source: ByteSource, index: FitsIndex): Promise<FitsFormatError[]> {
  const problems: FitsFormatError[] = [];
  if (index.error !== undefined) problems.push(index.error);
  const last = index.hdus.at(-1);
  if (last === undefined || index.error !== undefined) return problems;
  const end = last.dataOffset + last.dataSpan;
  if (end > index.size) {
    problems.push(
      new FitsFormatError(
        `file is truncated: the last HDU's data ends at byte ${last.dataOffset + last.dataLength}, ` +
          `but its padding to the 2880-byte block needs the file to be ${end} bytes, not ${index.size}`,
        { uri: index.uri, hdu: last.index, offset: index.size },
      ),
    );
  }
  if (index.trailingBytes > 0) {
    const at = await firstNonPadding(source, index.size - index.trailingBytes, index.size);
    if (at !== undefined) {
      problems.push(
        new FitsFormatError(
          `${index.trailingBytes} bytes after the last HDU are not padding (a truncated or damaged extension?)`,
          { uri: index.uri, offset: at },
        ),
      );
    }
  }
  return problems;
}

/** Throws the first structural problem of `index`'s stream (see `structureProblems`). */
export async function checkStructure(source: ByteSource, index: FitsIndex): Promise<void> {
  const [first] = await structureProblems(source, index);
  if (first !== undefined) throw first;
}

/** The offset of the first byte in [from, to) that is neither NUL nor blank, a chunk at a time. */
async function firstNonPadding(source: ByteSource, from: number, to: number): Promise<number | undefined> {
  for (let at = from; at < to; at += CHUNK_BYTES) {
    const bytes = await source.read(at, Math.min(CHUNK_BYTES, to - at));
    const i = bytes.findIndex((b) => b !== 0 && b !== 0x20);
    if (i >= 0) return at + i;
  }
  return undefined;
}
