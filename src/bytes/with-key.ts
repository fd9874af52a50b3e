import type { ByteSource } from "./byte-source.ts";

/**
 * `source` under another key, so its errors name the object the user knows (the file given to ingest)
 * rather than a temporary copy of it. Reads, size and close go to `source` unchanged.
 */
export function withKey(source: ByteSource, key: string): ByteSource {
  return {
    key,
    ...(source.etag === undefined ? {} : { etag: source.etag }),
    size: () => source.size(),
    read: (offset, length, options) => source.read(offset, length, options),
    ...(source.readInto === undefined
      ? {}
      : { readInto: (offset, target, options) => source.readInto!(offset, target, options) }),
    close: async () => source.close?.(),
  };
}
