/**
 * hyparquet reads through an `AsyncBuffer` ({byteLength, slice(start, end)}); this adapts a ByteSource
 * to it, so every byte hyparquet asks for goes through our wrappers (metrics, cache, coalescing) and a
 * read of some columns fetches only their chunks.
 */
import type { AsyncBuffer } from "hyparquet";
import type { ByteSource } from "../bytes/byte-source.ts";

/** A Uint8Array's bytes as an ArrayBuffer of exactly that length (no copy when it already is one). */
function exactArrayBuffer(bytes: Uint8Array): ArrayBuffer {
  if (
    bytes.byteOffset === 0 &&
    bytes.byteLength === bytes.buffer.byteLength &&
    bytes.buffer instanceof ArrayBuffer
  ) {
    return bytes.buffer;
  }
  return bytes.slice().buffer as ArrayBuffer;
}

/** `source` as an AsyncBuffer of `size` bytes (the byte index knows it, so no size probe is needed). */
export function asyncBufferFrom(source: ByteSource, size: number, signal?: AbortSignal): AsyncBuffer {
  const options = signal === undefined ? undefined : { signal };
  return {
    byteLength: size,
    async slice(start: number, end?: number): Promise<ArrayBuffer> {
      const stop = Math.min(end ?? size, size);
      if (stop <= start) return new ArrayBuffer(0);
      return exactArrayBuffer(await source.read(start, stop - start, options));
    },
  };
}
