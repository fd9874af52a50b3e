/**
 * The objects of an afw archive (afw.table.io), as kept in memory: each persisted object has an id,
 * a class ("persistence") name, a Python module, and one or more catalogs — rows of a table schema.
 * Objects of classes we do not decode (PSF models, ApCorrMap, TransmissionCurve, CoaddInputs,
 * Detector, …) stay in this form, so a read-modify-write keeps them row for row.
 *
 * Column values use the shapes `readTable` returns (see `src/fits/bintable-types.ts`): fixed-width
 * columns are flat arrays of `rows × repeat` elements, strings and variable-length cells one per row.
 */

import type { TableColumn } from "../fits/bintable-types.ts";
import { type Card, normalizeKey } from "../fits/card.ts";
import { makeCard } from "../fits/header.ts";

export type ColumnValues = TableColumn["values"];

/** One column of an archive table: what `encodeTable` needs to write it again. */
export interface ArchiveColumnSpec {
  name: string;
  /** TFORM without the `(emax)` of variable-length columns, e.g. `1J`, `32A`, `2X`, `1QB`. */
  format: string;
  unit?: string;
  dim?: number[];
  tnull?: number | bigint;
  scale?: number;
  zero?: number | bigint;
  /** Comment of the TTYPE card. */
  comment?: string;
}

/**
 * A table schema: its columns plus the header cards that document them (afw's TDOCn, TCCLSn, TFLAGn,
 * TFDOCn, FLAGCOL, ALIAS, AFW_TABLE_VERSION…). Catalogs with equal columns share one table on write,
 * as afw's OutputArchive shares them.
 */
export class ArchiveSchema {
  readonly columns: readonly ArchiveColumnSpec[];
  readonly cards: readonly Card[];
  /** Identity of the columns (names, formats, units, scaling); equal keys share a table. */
  readonly key: string;

  constructor(columns: readonly ArchiveColumnSpec[], cards: readonly Card[] = []) {
    this.columns = columns;
    this.cards = cards;
    this.key = JSON.stringify(
      columns.map((c) => [
        c.name,
        c.format.toUpperCase(),
        c.unit ?? null,
        c.dim ?? null,
        c.tnull === undefined ? null : String(c.tnull),
        c.scale ?? null,
        c.zero === undefined ? null : String(c.zero),
      ]),
    );
  }

  /** Position of a column by name (case-sensitive, as afw field names are); -1 when absent. */
  indexOf(name: string): number {
    return this.columns.findIndex((c) => c.name === name);
  }
}

/** One catalog of one object: `nrows` rows of a schema, values aligned with `schema.columns`. */
export interface ArchiveCatalog {
  schema: ArchiveSchema;
  nrows: number;
  values: ColumnValues[];
}

export interface ArchiveObject {
  id: number;
  /** The class's persistence name, e.g. `GaussianPsf`, `SkyWcs`, `PhotoCalib`. */
  name: string;
  /** Python module to import for the class's factory (may be empty). */
  module: string;
  /** The object's catalogs in `cat.persistable` order (empty for an object saved with no catalogs). */
  catalogs: ArchiveCatalog[];
}

/** The values of a named column of a catalog; undefined when the schema has no such column. */
export function columnValues(catalog: ArchiveCatalog, name: string): ColumnValues | undefined {
  const at = catalog.schema.indexOf(name);
  return at < 0 ? undefined : catalog.values[at];
}

/** Rows [start, end) of a column whose whole table has `totalRows` rows. */
export function sliceValues(
  values: ColumnValues,
  start: number,
  end: number,
  totalRows: number,
): ColumnValues {
  const per = totalRows === 0 ? 1 : values.length / totalRows;
  return values.slice(start * per, end * per) as ColumnValues;
}

/** The rows of several catalogs' column, one after the other. */
export function concatValues(parts: readonly ColumnValues[]): ColumnValues {
  const first = parts[0];
  if (first === undefined) return [];
  if (ArrayBuffer.isView(first)) {
    const Ctor = first.constructor as new (length: number) => typeof first;
    const total = parts.reduce((n, p) => n + p.length, 0);
    const out = new Ctor(total);
    let at = 0;
    for (const p of parts) {
      (out as Float64Array).set(p as Float64Array, at);
      at += p.length;
    }
    return out as ColumnValues;
  }
  return ([] as unknown[]).concat(...(parts as unknown[][])) as ColumnValues;
}

/** Element-wise equality of column values: typed arrays by bytes (NaN payloads included), cells recursively. */
function valuesEqual(a: unknown, b: unknown): boolean {
  if (ArrayBuffer.isView(a) || ArrayBuffer.isView(b)) {
    if (!ArrayBuffer.isView(a) || !ArrayBuffer.isView(b) || a.constructor !== b.constructor) return false;
    const x = new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
    const y = new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
    return Buffer.compare(x, y) === 0;
  }
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    return a.every((x, i) => valuesEqual(x, b[i]));
  }
  return Object.is(a, b);
}

/** Same schema columns, same rows. */
function catalogsEqual(a: ArchiveCatalog, b: ArchiveCatalog): boolean {
  return (
    a.schema.key === b.schema.key &&
    a.nrows === b.nrows &&
    a.values.length === b.values.length &&
    a.values.every((v, i) => valuesEqual(v, b.values[i]))
  );
}

/** Same id, class, module and catalogs row for row. */
export function archiveObjectsEqual(a: ArchiveObject, b: ArchiveObject): boolean {
  return (
    a.id === b.id &&
    a.name === b.name &&
    a.module === b.module &&
    a.catalogs.length === b.catalogs.length &&
    a.catalogs.every((c, i) => catalogsEqual(c, b.catalogs[i]!))
  );
}

/** Documentation of one column in afw.table's FITS conventions. */
export interface ColumnDoc {
  doc: string;
  /** TCCLSn: `Scalar`, `Array`, `String`, `Point`, `Angle`… (left out for flag columns). */
  cls?: string;
  /** For the packed `flags` column: each flag's name and doc (TFLAGn/TFDOCn, FLAGCOL). */
  flags?: readonly { name: string; doc: string }[];
}

/** The afw.table documentation cards of a schema (TDOCn, TCCLSn, FLAGCOL, TFLAGn, TFDOCn, AFW_TABLE_VERSION = 3). */
export function afwSchemaCards(docs: readonly ColumnDoc[]): Card[] {
  const cards: Card[] = [];
  docs.forEach((d, i) => {
    const n = i + 1;
    if (d.flags !== undefined) {
      cards.push(makeCard("FLAGCOL", n, { comment: "Column number for the bitflags." }));
      d.flags.forEach((flag, k) => {
        cards.push(makeCard(`TFLAG${k + 1}`, flag.name));
        cards.push(makeCard(`TFDOC${k + 1}`, flag.doc));
      });
      return;
    }
    cards.push(makeCard(`TDOC${n}`, d.doc));
    if (d.cls !== undefined)
      cards.push(makeCard(`TCCLS${n}`, d.cls, { comment: "Field template used by lsst.afw.table" }));
  });
  cards.push(makeCard("AFW_TABLE_VERSION", 3));
  return cards;
}

/** Keys of a catalog header that the archive writer owns (not schema documentation). */
const OWNED =
  /^(XTENSION|BITPIX|NAXIS\d*|PCOUNT|GCOUNT|TFIELDS|THEAP|TTYPE\d+|TFORM\d+|TUNIT\d+|TDIM\d+|TNULL\d+|TSCAL\d+|TZERO\d+|EXTNAME|EXTVER|EXTTYPE|AR_CATN|AR_NAME|AR_NCAT|CHECKSUM|DATASUM|END)$/;

/** Whether a catalog header card documents the schema (kept) rather than describing the table (rebuilt). */
export function isSchemaCard(card: Card): boolean {
  return !OWNED.test(normalizeKey(card.key));
}
