import type { ByteSource, ReadOptions } from "./byte-source.ts";

/**
 * Fills `target` from `offset` through the source's zero-copy `readInto` when it has one, else through
 * `read` plus one copy, so callers never need to check which kind of source they hold.
 */
export async function readInto(
  source: ByteSource,
  offset: number,
  target: Uint8Array,
  options?: ReadOptions,
): Promise<void> {
  if (source.readInto !== undefined) return source.readInto(offset, target, options);
  const bytes = await source.read(offset, target.byteLength, options);
  target.set(bytes);
}
