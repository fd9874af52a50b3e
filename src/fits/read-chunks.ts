/**
 * Reading planned ranges one after the other through one reused buffer: the bytes held at a time are
 * one range's, whatever the total, and no buffer per range is left for the collector.
 */
import type { ByteRange, ByteSource } from "../bytes/byte-source.ts";
import { readInto } from "../bytes/read-into.ts";

/**
 * Reads `ranges` in order and calls `use` with each one's bytes. The bytes are valid only during the
 * call (the buffer is reused for the next range), so `use` must copy what it keeps.
 */
export async function readChunks<R extends ByteRange>(
  source: ByteSource,
  ranges: readonly R[],
  signal: AbortSignal | undefined,
  use: (range: R, bytes: Uint8Array) => void,
): Promise<void> {
  if (ranges.length === 0) return;
  const options = signal === undefined ? undefined : { signal };
  const buffer = new Uint8Array(ranges.reduce((n, r) => Math.max(n, r.length), 0));
  for (const range of ranges) {
    const bytes = range.length === buffer.length ? buffer : buffer.subarray(0, range.length);
    await readInto(source, range.offset, bytes, options);
    use(range, bytes);
  }
}
