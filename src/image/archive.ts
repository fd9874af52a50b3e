/**
 * Reading an afw archive (afw.table.io InputArchive): the ARCHIVE_INDEX table says, for every
 * persisted object id, which catalog (`cat.archive`, 1-based after the index) and which rows
 * (`row0`, `nrows`) hold each of its catalogs (`cat.persistable`). Objects with the same schema share
 * a table, so objects are always found through the index, never by EXTNAME; files without EXTNAME
 * work through AR_HDU and position.
 *
 * `ArchiveReader.get(id)` reads only the index and the rows of that object; `readAll()` reads each
 * catalog table once.
 */

import { ImageFormatError } from "../errors/index.ts";
import { UNSIGNED_ZERO } from "../fits/bintable-codec.ts";
import { type TableLayout, tableLayout } from "../fits/bintable-read.ts";
import type { ElementCode, Table } from "../fits/bintable-types.ts";
import type { FitsFile } from "../fits/fits-file.ts";
import type { ArchiveLayout } from "./archive-layout.ts";
import {
  type ArchiveCatalog,
  type ArchiveColumnSpec,
  type ArchiveObject,
  ArchiveSchema,
  type ColumnValues,
  isSchemaCard,
  sliceValues,
} from "./archive-types.ts";

export interface ArchiveIndexEntry {
  id: number;
  /** 1-based catalog number after the index; −1 for an object saved with no catalogs. */
  catArchive: number;
  /** Which of the object's catalogs this is (0-based). */
  catPersistable: number;
  row0: number;
  nrows: number;
  name: string;
  module: string;
}

/** The 0-based HDU of a file's archive index: AR_HDU (1-based) if the primary has it, else by EXTTYPE. */
export function findArchiveIndexHdu(fits: FitsFile): number | undefined {
  const arHdu = fits.header(0).getInteger("AR_HDU");
  if (arHdu !== undefined) {
    const at = arHdu - 1;
    const hdu = fits.hdus[at];
    if (hdu === undefined || hdu.kind !== "bintable") {
      throw new ImageFormatError(`AR_HDU = ${arHdu} does not name a binary table`, {
        uri: fits.uri,
        hdu: at,
      });
    }
    if (hdu.exttype !== undefined && hdu.exttype !== "ARCHIVE_INDEX") {
      throw new ImageFormatError(
        `AR_HDU = ${arHdu} names an HDU with EXTTYPE '${hdu.exttype}', not ARCHIVE_INDEX`,
        {
          uri: fits.uri,
          hdu: at,
        },
      );
    }
    return at;
  }
  return fits.hdus.find((h) => h.exttype === "ARCHIVE_INDEX")?.index;
}

export class ArchiveReader {
  readonly fits: FitsFile;
  /** 0-based HDU of the index table. */
  readonly indexHdu: number;
  /** Index rows in file order. */
  readonly entries: readonly ArchiveIndexEntry[];
  readonly #byId = new Map<number, ArchiveIndexEntry[]>();
  readonly #schemas = new Map<number, { schema: ArchiveSchema; layout: TableLayout }>();
  readonly #tables = new Map<number, Promise<Table>>();

  private constructor(fits: FitsFile, indexHdu: number, entries: ArchiveIndexEntry[]) {
    this.fits = fits;
    this.indexHdu = indexHdu;
    this.entries = entries;
    for (const e of entries) {
      const list = this.#byId.get(e.id);
      if (list === undefined) this.#byId.set(e.id, [e]);
      else list.push(e);
    }
    for (const list of this.#byId.values()) list.sort((a, b) => a.catPersistable - b.catPersistable);
  }

  /**
   * Reads the index table (at HDU `at`, else found from the primary header); undefined when the file
   * has no archive.
   */
  static async open(fits: FitsFile, at = findArchiveIndexHdu(fits)): Promise<ArchiveReader | undefined> {
    if (at === undefined) return undefined;
    const table = await fits.readTable(at);
    const col = (name: string) => {
      const c = table.columns.find((x) => x.name === name);
      if (c === undefined) {
        throw new ImageFormatError(`archive index has no '${name}' column`, { uri: fits.uri, hdu: at });
      }
      return c.values;
    };
    const ids = col("id") as ArrayLike<number>;
    const catArchive = col("cat.archive") as ArrayLike<number>;
    const catPersistable = col("cat.persistable") as ArrayLike<number>;
    const row0 = col("row0") as ArrayLike<number>;
    const nrows = col("nrows") as ArrayLike<number>;
    const names = col("name") as string[];
    const modules = (table.columns.find((x) => x.name === "module")?.values as string[] | undefined) ?? [];
    const entries: ArchiveIndexEntry[] = [];
    for (let i = 0; i < table.nrows; i++) {
      entries.push({
        id: Number(ids[i]),
        catArchive: Number(catArchive[i]),
        catPersistable: Number(catPersistable[i]),
        row0: Number(row0[i]),
        nrows: Number(nrows[i]),
        name: names[i] ?? "",
        module: modules[i] ?? "",
      });
    }
    return new ArchiveReader(fits, at, entries);
  }

  /**
   * A reader of the objects a layout (from a byte index) describes, without reading the archive index:
   * it knows only those objects.
   */
  static fromLayout(fits: FitsFile, layout: ArchiveLayout): ArchiveReader {
    const entries: ArchiveIndexEntry[] = [];
    for (const component of Object.values(layout.components)) {
      // An object saved with no catalogs still has its one index row.
      const catalogs =
        component.catalogs.length > 0
          ? component.catalogs
          : [{ catArchive: -1, catPersistable: 0, row0: 0, nrows: 0 }];
      for (const c of catalogs) {
        entries.push({
          id: component.id,
          catArchive: c.catArchive,
          catPersistable: c.catPersistable,
          row0: c.row0,
          nrows: c.nrows,
          name: component.name,
          module: component.module,
        });
      }
    }
    return new ArchiveReader(fits, layout.indexHdu, entries);
  }

  /** The index rows of object `id`, by catalog. */
  entriesOf(id: number): readonly ArchiveIndexEntry[] {
    return this.#byId.get(id) ?? [];
  }

  /** Object ids in the order the index first names them. */
  ids(): number[] {
    return [...this.#byId.keys()];
  }

  has(id: number): boolean {
    return this.#byId.has(id);
  }

  /** The class name of an object, from the index alone. */
  nameOf(id: number): string | undefined {
    return this.#byId.get(id)?.[0]?.name;
  }

  /** The 0-based HDU of catalog `catArchive`. */
  catalogHdu(catArchive: number): number {
    const at = this.indexHdu + catArchive;
    const hdu = this.fits.hdus[at];
    const where = { uri: this.fits.uri, hdu: at };
    if (hdu === undefined || hdu.kind !== "bintable") {
      throw new ImageFormatError(`archive catalog ${catArchive} is not a binary table at HDU ${at}`, where);
    }
    const catn = this.fits.header(at).getInteger("AR_CATN");
    if (catn !== undefined && catn !== catArchive) {
      throw new ImageFormatError(
        `archive catalog at HDU ${at} says AR_CATN = ${catn}, expected ${catArchive}`,
        where,
      );
    }
    return at;
  }

  /** The schema of catalog `catArchive`, from its header alone. */
  schemaOf(catArchive: number): ArchiveSchema {
    return this.#layoutOf(catArchive).schema;
  }

  #layoutOf(catArchive: number): { schema: ArchiveSchema; layout: TableLayout } {
    let found = this.#schemas.get(catArchive);
    if (found === undefined) {
      const at = this.catalogHdu(catArchive);
      const header = this.fits.header(at);
      const layout = tableLayout(this.fits.hdus[at]!, header, { uri: this.fits.uri, hdu: at });
      const columns = layout.columns.map((c): ArchiveColumnSpec => {
        const spec: ArchiveColumnSpec = { name: c.name, format: c.tformText.replace(/\(\d*\)$/, "").trim() };
        if (c.unit !== undefined) spec.unit = c.unit;
        if (c.dim !== undefined) spec.dim = c.dim;
        if (c.tnull !== undefined) spec.tnull = c.tnull;
        if (c.conversion.type === "linear") {
          spec.scale = c.conversion.scale;
          spec.zero = c.conversion.zero;
        } else if (c.conversion.type === "unsigned") {
          spec.zero = UNSIGNED_ZERO[(c.tform.heapCode ?? c.tform.code) as ElementCode]!;
        }
        const comment = header.getCard(`TTYPE${c.number}`)?.comment;
        if (comment !== undefined) spec.comment = comment;
        return spec;
      });
      const cards = header.cards.filter(isSchemaCard).map((card) => ({ ...card }));
      found = { schema: new ArchiveSchema(columns, cards), layout };
      this.#schemas.set(catArchive, found);
    }
    return found;
  }

  /** The whole catalog table `catArchive`, read once. */
  #table(catArchive: number): Promise<Table> {
    let table = this.#tables.get(catArchive);
    if (table === undefined) {
      table = this.fits.readTable(this.catalogHdu(catArchive));
      this.#tables.set(catArchive, table);
    }
    return table;
  }

  /**
   * Object `id` with all its catalogs; undefined when the index does not have it. Reads only the
   * rows of this object (unless `readAll` already read their tables).
   */
  async get(id: number): Promise<ArchiveObject | undefined> {
    const entries = this.#byId.get(id);
    if (entries === undefined || entries.length === 0) return undefined;
    const first = entries[0]!;
    const catalogs = await Promise.all(entries.filter((e) => e.catArchive >= 0).map((e) => this.#catalog(e)));
    return { id, name: first.name, module: first.module, catalogs };
  }

  /** Only catalog `k` (cat.persistable) of object `id`; undefined when it has no such catalog. */
  async getCatalog(id: number, k = 0): Promise<ArchiveCatalog | undefined> {
    const entry = this.#byId.get(id)?.find((e) => e.catPersistable === k && e.catArchive >= 0);
    return entry === undefined ? undefined : this.#catalog(entry);
  }

  /** An index entry's rows must lie within its catalog. */
  #checkRows(entry: ArchiveIndexEntry): void {
    const { layout } = this.#layoutOf(entry.catArchive);
    const end = entry.row0 + entry.nrows;
    if (entry.row0 < 0 || entry.nrows < 0 || end > layout.nrows) {
      throw new ImageFormatError(
        `archive object ${entry.id} wants rows [${entry.row0}, ${end}) of catalog ${entry.catArchive}, which has ${layout.nrows}`,
        { uri: this.fits.uri, hdu: this.indexHdu + entry.catArchive },
      );
    }
  }

  async #catalog(entry: ArchiveIndexEntry): Promise<ArchiveCatalog> {
    this.#checkRows(entry);
    const { schema } = this.#layoutOf(entry.catArchive);
    const end = entry.row0 + entry.nrows;
    const whole = this.#tables.get(entry.catArchive);
    if (whole !== undefined) return this.#catalogOf(entry, await whole);
    const at = this.catalogHdu(entry.catArchive);
    const table = await this.fits.readTable(at, { rows: [entry.row0, end] });
    return { schema, nrows: entry.nrows, values: table.columns.map((c) => c.values) };
  }

  /** The rows of `entry` from its whole catalog table. */
  #catalogOf(entry: ArchiveIndexEntry, table: Table): ArchiveCatalog {
    const { schema } = this.#layoutOf(entry.catArchive);
    const end = entry.row0 + entry.nrows;
    const values: ColumnValues[] = table.columns.map((c) =>
      sliceValues(c.values, entry.row0, end, table.nrows),
    );
    return { schema, nrows: entry.nrows, values };
  }

  /** Every object, in index order, reading each catalog table once. */
  async readAll(): Promise<ArchiveObject[]> {
    const catalogs = [...new Set(this.entries.filter((e) => e.catArchive >= 0).map((e) => e.catArchive))];
    const tables = await Promise.all(catalogs.map((c) => this.#table(c)));
    const byCatalog = new Map(catalogs.map((c, i) => [c, tables[i]!]));
    // With every table in hand, the objects are put together without a promise per object.
    const objects: ArchiveObject[] = [];
    for (const [id, entries] of this.#byId) {
      const catalogs: ArchiveCatalog[] = [];
      for (const e of entries) {
        if (e.catArchive < 0) continue;
        this.#checkRows(e);
        catalogs.push(this.#catalogOf(e, byCatalog.get(e.catArchive)!));
      }
      objects.push({ id, name: entries[0]!.name, module: entries[0]!.module, catalogs });
    }
    return objects;
  }
}
