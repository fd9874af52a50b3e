/**
 * The archived components of an Exposure read lazily: the read leaves the archive unread, and each
 * component is fetched when `ExposureInfo.load` first asks for it — its catalogs' headers and its own
 * rows and heap cells, which a byte index's archive layout locates (one coalesced request when they are
 * close) — or, for `load()`, the archive index and every catalog, so the Exposure can be written back.
 */
import type { ByteRange } from "../bytes/byte-source.ts";
import { ImageFormatError } from "../errors/index.ts";
import type { FitsFile } from "../fits/fits-file.ts";
import { ArchiveReader } from "./archive.ts";
import { type ArchiveLayout, archivedParts } from "./archive-layout.ts";
import type { ArchiveObject } from "./archive-types.ts";
import { type ArchivedContext, decodeArchived } from "./archived-decode.ts";
import type { ArchiveLoader, ExposureInfo } from "./exposure-info.ts";

/**
 * Opens the same file again, later, with the headers of HDUs `headers` and the `data` ranges fetched up
 * front, and runs `use` on it; the bytes are let go when `use` settles.
 */
export type LaterFits = <T>(
  headers: readonly number[],
  data: readonly ByteRange[],
  use: (fits: FitsFile) => Promise<T>,
) => Promise<T>;

export interface LazyArchive {
  /** Where each archived component's rows are (a byte index's archive layout). */
  layout: ArchiveLayout;
  fetch: LaterFits;
}

export function missingObject(fits: FitsFile, key: string, id: number | undefined): ImageFormatError {
  return new ImageFormatError(`the primary header gives ${key} archive id ${id}, which the archive lacks`, {
    uri: fits.uri,
    hdu: 0,
  });
}

/** The loader of the archived components of `fits` (opened for the read that defers them). */
export function lazyArchiveLoader(
  fits: FitsFile,
  lazy: LazyArchive,
  context: ArchivedContext,
): ArchiveLoader {
  const { layout, fetch } = lazy;
  const decodeInto = (info: ExposureInfo, key: string, object: ArchiveObject | undefined) => {
    if (object === undefined) throw missingObject(fits, key, info.archiveIds.get(key));
    decodeArchived(info, key, object, context);
  };
  return {
    async load(info, keys) {
      for (const key of keys) {
        if (layout.components[key] === undefined) throw missingObject(fits, key, info.archiveIds.get(key));
      }
      const { hdus, ranges } = archivedParts(layout, keys);
      const objects = await fetch(hdus, ranges, (file) => {
        const reader = ArchiveReader.fromLayout(file, layout);
        return Promise.all(keys.map((key) => reader.get(layout.components[key]!.id)));
      });
      keys.forEach((key, i) => {
        const object = objects[i];
        if (object !== undefined) info.archive.set(object.id, object);
        decodeInto(info, key, object);
      });
    },
    async loadAll(info, keys) {
      // The index and its catalogs follow one another to the end of the file: one request.
      const hdus = fits.hdus.slice(layout.indexHdu).map((h) => h.index);
      const data = hdus
        .map((n) => ({ offset: fits.hdus[n]!.dataOffset, length: fits.hdus[n]!.dataLength }))
        .filter((r) => r.length > 0);
      const objects = await fetch(hdus, data, async (file) => {
        const reader = await ArchiveReader.open(file, layout.indexHdu);
        return reader === undefined ? [] : reader.readAll();
      });
      info.archive = new Map(objects.map((o) => [o.id, o]));
      for (const key of keys) decodeInto(info, key, info.archive.get(info.archiveIds.get(key)!));
    },
  };
}
