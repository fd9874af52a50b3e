/**
 * Where each archived component of an afw Exposure file lives: for every key the primary header gives an
 * archive id (SKYWCS, PSF, PHOTOCALIB, …), the index rows of that object and the byte ranges of its rows
 * and heap cells. Stored in a datastore record's byte index, it lets a reader fetch one component's
 * bytes without reading the archive index table, and `ArchiveReader.fromLayout` decodes from it.
 */
import type { ByteRange } from "../bytes/byte-source.ts";
import { heapSpan, tableLayout } from "../fits/bintable-read.ts";
import type { FitsFile } from "../fits/fits-file.ts";
import { archiveComponentIds } from "./afw-layout.ts";
import { ArchiveReader } from "./archive.ts";

/** One catalog of an archived object: its index row, its HDU, and the bytes of its rows and heap cells. */
export interface ArchivedCatalog {
  /** 0-based HDU of the catalog table. */
  hdu: number;
  catArchive: number;
  catPersistable: number;
  row0: number;
  nrows: number;
  /** The object's rows in the main table. */
  rows: ByteRange;
  /** The span of heap cells those rows reference, when they reference any. */
  heap?: ByteRange;
}

export interface ArchivedComponent {
  id: number;
  name: string;
  module: string;
  catalogs: ArchivedCatalog[];
}

export interface ArchiveLayout {
  /** 0-based HDU of the ARCHIVE_INDEX table. */
  indexHdu: number;
  /** By the primary header's component key (`SKYWCS`, `PSF`, …). */
  components: Record<string, ArchivedComponent>;
}

/**
 * The layout of every archived component of `fits` (whose headers are all read); undefined when the
 * file has no archive. Reads the archive index and, for tables with variable-length columns, the
 * descriptors of each component's rows.
 */
export async function archiveLayout(fits: FitsFile): Promise<ArchiveLayout | undefined> {
  const archive = await ArchiveReader.open(fits);
  if (archive === undefined) return undefined;
  const components: Record<string, ArchivedComponent> = {};
  for (const [key, id] of archiveComponentIds(fits.header(0))) {
    const entries = archive.entriesOf(id);
    if (entries.length === 0) continue;
    const catalogs: ArchivedCatalog[] = [];
    for (const e of entries) {
      if (e.catArchive < 0) continue;
      const hdu = archive.catalogHdu(e.catArchive);
      const info = fits.hdus[hdu]!;
      const layout = tableLayout(info, fits.header(hdu), { uri: fits.uri, hdu });
      const catalog: ArchivedCatalog = {
        hdu,
        catArchive: e.catArchive,
        catPersistable: e.catPersistable,
        row0: e.row0,
        nrows: e.nrows,
        rows: { offset: layout.main.offset + e.row0 * layout.rowBytes, length: e.nrows * layout.rowBytes },
      };
      const heap = await heapSpan(fits.source, info, fits.header(hdu), [e.row0, e.row0 + e.nrows]);
      if (heap !== undefined) catalog.heap = heap;
      catalogs.push(catalog);
    }
    components[key] = { id, name: entries[0]!.name, module: entries[0]!.module, catalogs };
  }
  return { indexHdu: archive.indexHdu, components };
}

/** The HDUs whose headers a read of `keys` needs, and the bytes of their rows and heap cells. */
export function archivedParts(
  layout: ArchiveLayout,
  keys: readonly string[],
  options: { firstCatalogOnly?: boolean } = {},
): { hdus: number[]; ranges: ByteRange[] } {
  const hdus: number[] = [];
  const ranges: ByteRange[] = [];
  for (const key of keys) {
    const component = layout.components[key];
    if (component === undefined) continue;
    for (const c of component.catalogs) {
      if (options.firstCatalogOnly && c.catPersistable !== 0) continue;
      hdus.push(c.hdu);
      if (c.rows.length > 0) ranges.push(c.rows);
      if (c.heap !== undefined) ranges.push(c.heap);
    }
  }
  return { hdus, ranges };
}
