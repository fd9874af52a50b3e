/**
 * Writing an afw archive: the ARCHIVE_INDEX table and one ARCHIVE_DATA table per distinct schema,
 * laid out as afw's OutputArchive does. Catalogs with equal columns share a table (rows appended in
 * object order, each object's `row0` recorded in the index); each table lists the classes stored in
 * it as repeated `AR_NAME` cards, takes the last one as EXTNAME, and gets EXTVER when an earlier table
 * has that EXTNAME already. An object saved with no catalogs gets one index row with −1 references.
 */
import { InvalidArgumentError } from "../errors/index.ts";
import { encodeTable, type TableColumnInput } from "../fits/bintable-write.ts";
import { makeCard } from "../fits/header.ts";
import type { HduParts } from "../fits/image-hdu.ts";
import {
  type ArchiveObject,
  type ArchiveSchema,
  afwSchemaCards,
  type ColumnValues,
  concatValues,
} from "./archive-types.ts";

interface TablePlan {
  schema: ArchiveSchema;
  parts: ColumnValues[][];
  rows: number;
  names: string[];
  last: string;
}

const INDEX_COLUMNS = [
  ["id", "1J", "Archive ID of the persistable object that owns the rows this entry points to"],
  ["cat.archive", "1J", "catalog number of the rows, counted from the start of the archive"],
  ["cat.persistable", "1J", "catalog number of the rows, counted among the object's catalogs"],
  ["row0", "1J", "first row of the object in that catalog"],
  ["nrows", "1J", "number of rows of the object in that catalog"],
  ["name", "64A", "persistence name of the object's class"],
  ["module", "64A", "Python module to import to register the class's factory"],
] as const;

/** The index and data table HDUs of an archive holding `objects` (in this order). */
export function encodeArchive(objects: readonly ArchiveObject[]): HduParts[] {
  const seen = new Set<number>();
  const tables: TablePlan[] = [];
  const byKey = new Map<string, number>();
  const index = {
    id: [] as number[],
    cat: [] as number[],
    per: [] as number[],
    row0: [] as number[],
    nrows: [] as number[],
    name: [] as string[],
    module: [] as string[],
  };
  const addIndexRow = (o: ArchiveObject, cat: number, per: number, row0: number, nrows: number) => {
    index.id.push(o.id);
    index.cat.push(cat);
    index.per.push(per);
    index.row0.push(row0);
    index.nrows.push(nrows);
    index.name.push(o.name);
    index.module.push(o.module);
  };
  for (const object of objects) {
    if (!Number.isInteger(object.id) || object.id <= 0 || seen.has(object.id)) {
      throw new InvalidArgumentError(
        `archive object ids must be unique positive integers; ${object.id} is not`,
      );
    }
    seen.add(object.id);
    if (object.catalogs.length === 0) {
      addIndexRow(object, -1, -1, -1, 0);
      continue;
    }
    object.catalogs.forEach((catalog, per) => {
      let t = byKey.get(catalog.schema.key);
      if (t === undefined) {
        t = tables.length;
        byKey.set(catalog.schema.key, t);
        tables.push({
          schema: catalog.schema,
          parts: catalog.schema.columns.map(() => []),
          rows: 0,
          names: [],
          last: "",
        });
      }
      const plan = tables[t]!;
      if (catalog.values.length !== plan.schema.columns.length) {
        throw new InvalidArgumentError(
          `archive object ${object.id} (${object.name}) catalog ${per} has ${catalog.values.length} columns, its schema ${plan.schema.columns.length}`,
        );
      }
      addIndexRow(object, t + 1, per, plan.rows, catalog.nrows);
      catalog.values.forEach((v, c) => {
        plan.parts[c]!.push(v);
      });
      plan.rows += catalog.nrows;
      // AR_NAME lists each class once, in first-stored order; EXTNAME is the most recent class stored.
      if (!plan.names.includes(object.name)) plan.names.push(object.name);
      plan.last = object.name;
    });
  }

  const hdus: HduParts[] = [indexHdu(index, tables.length)];
  const extnames = new Map<string, number>();
  tables.forEach((plan, i) => {
    const columns: TableColumnInput[] = plan.schema.columns.map((spec, c) => {
      const input: TableColumnInput = {
        name: spec.name,
        format: spec.format,
        values: concatValues(plan.parts[c]!),
      };
      if (spec.unit !== undefined) input.unit = spec.unit;
      if (spec.dim !== undefined) input.dim = spec.dim;
      if (spec.tnull !== undefined) input.tnull = spec.tnull;
      if (spec.scale !== undefined) input.scale = spec.scale;
      if (spec.zero !== undefined) input.zero = spec.zero;
      if (spec.comment !== undefined) input.comment = spec.comment;
      return input;
    });
    const encoded = encodeTable(columns, { nrows: plan.rows });
    const header = encoded.header;
    for (const card of plan.schema.cards) header.append({ ...card });
    header.append(makeCard("EXTTYPE", "ARCHIVE_DATA"));
    header.append(
      makeCard("AR_CATN", i + 1, { comment: "# of this catalog relative to the start of this archive" }),
    );
    const extname = plan.last;
    const extver = (extnames.get(extname) ?? 0) + 1;
    extnames.set(extname, extver);
    if (extver > 1) header.append(makeCard("EXTVER", extver));
    for (const name of plan.names)
      header.append(makeCard("AR_NAME", name, { comment: "Class name for objects stored here" }));
    header.append(makeCard("EXTNAME", extname));
    hdus.push({ header, data: encoded.data });
  });
  return hdus;
}

function indexHdu(
  index: {
    id: number[];
    cat: number[];
    per: number[];
    row0: number[];
    nrows: number[];
    name: string[];
    module: string[];
  },
  catalogs: number,
): HduParts {
  const values = [index.id, index.cat, index.per, index.row0, index.nrows, index.name, index.module];
  const columns: TableColumnInput[] = INDEX_COLUMNS.map(([name, format], c) => ({
    name,
    format,
    values: format === "1J" ? Int32Array.from(values[c] as number[]) : (values[c] as string[]),
  }));
  const encoded = encodeTable(columns, { nrows: index.id.length });
  const header = encoded.header;
  for (const card of afwSchemaCards(
    INDEX_COLUMNS.map(([, format, doc]) => ({ doc, cls: format === "1J" ? "Scalar" : "String" })),
  )) {
    header.append(card);
  }
  header.append(makeCard("EXTTYPE", "ARCHIVE_INDEX"));
  header.append(makeCard("EXTNAME", "ARCHIVE_INDEX"));
  header.append(
    makeCard("AR_CATN", 0, { comment: "# of this catalog relative to the start of this archive" }),
  );
  header.append(
    makeCard("AR_NCAT", catalogs + 1, { comment: "# of catalogs in this archive, including the index" }),
  );
  return { header, data: encoded.data };
}
