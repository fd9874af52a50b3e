/**
 * Parquet files for the table storage classes (ArrowTable and those inheriting from it: DataFrame,
 * ArrowAstropy, ArrowNumpy, ArrowNumpyDict), holding a `Table`.
 *
 * | read | bytes fetched |
 * | --- | --- |
 * | `columns`, `rowcount`, `schema` | the footer only: one read with the byte index, else the last 8 bytes then the footer |
 * | the table with `columns: [...]` | the footer, then only those columns' chunks |
 * | the whole table | the footer, then every column chunk |
 *
 * The byte index records the footer's offset and length while the file is written (or once at ingest).
 */
import { writeFile } from "node:fs/promises";
import type { FileMetaData } from "hyparquet";
import type { ByteRange, ByteSource, ReadOptions } from "../../bytes/byte-source.ts";
import { FormatterError, InvalidArgumentError } from "../../errors/index.ts";
import { asyncBufferFrom } from "../../table/async-buffer.ts";
import {
  columnNamesOf,
  encodeParquet,
  locateFooter,
  parseFooter,
  readParquetTable,
  rowCountOf,
  schemaOf,
} from "../../table/parquet.ts";
import { selectColumnNames, Table } from "../../table/table.ts";
import { BYTE_INDEX_VERSION, type ByteIndex, type ParquetByteIndex } from "../byte-index.ts";
import { normalizeColumns } from "../table-assembler.ts";
import type { Formatter, ReadRequest, WriteRequest, WriteResult } from "./formatter.ts";

const COMPONENTS: ReadonlySet<string> = new Set(["columns", "rowcount", "schema"]);

function parquetIndex(size: number, footer: ByteRange): ParquetByteIndex {
  return { version: BYTE_INDEX_VERSION, kind: "parquet", size, footer: { ...footer } };
}

export class ParquetFormatter implements Formatter {
  readonly name = "ParquetFormatter";
  /** daf_butler's extension for the same files. */
  readonly extension = ".parq";
  readonly storageClasses: readonly string[] = ["ArrowTable"];
  readonly readComponents: ReadonlySet<string> = COMPONENTS;
  readonly parameters: ReadonlySet<string> = new Set(["columns"]);
  readonly writeRecipes: readonly string[] = [];

  /** The footer's range: from the index, else found from the file's last 8 bytes. */
  async #footer(
    source: ByteSource,
    index: ByteIndex | undefined,
    options?: ReadOptions,
  ): Promise<ParquetByteIndex> {
    if (index?.kind === "parquet") return index;
    const size = index?.size ?? (await source.size());
    return parquetIndex(size, await locateFooter(source, size, options));
  }

  async #metadata(source: ByteSource, index: ParquetByteIndex, options?: ReadOptions): Promise<FileMetaData> {
    return parseFooter(await source.read(index.footer.offset, index.footer.length, options));
  }

  plan(_request: ReadRequest, index: ByteIndex): ByteRange[] {
    // Column reads add the chunks the footer points at; the footer is what every read starts with.
    return index.kind === "parquet" ? [{ ...index.footer }] : [{ offset: 0, length: index.size }];
  }

  async read(source: ByteSource, request: ReadRequest): Promise<unknown> {
    const component = request.component;
    if (component !== undefined && !COMPONENTS.has(component)) {
      throw new InvalidArgumentError(
        `${this.name} cannot read component '${component}' of ${request.storageClass.name}; it reads ${[...COMPONENTS].join(", ")}`,
      );
    }
    const options = request.signal === undefined ? undefined : { signal: request.signal };
    const index = await this.#footer(source, request.index, options);
    const metadata = await this.#metadata(source, index, options);
    switch (component) {
      case "columns":
        return columnNamesOf(metadata);
      case "rowcount":
        return rowCountOf(metadata);
      case "schema":
        return schemaOf(metadata);
    }
    const wanted = request.parameters?.columns;
    const names =
      wanted === undefined
        ? columnNamesOf(metadata)
        : selectColumnNames(columnNamesOf(metadata), normalizeColumns(wanted));
    return readParquetTable(asyncBufferFrom(source, index.size, request.signal), metadata, names);
  }

  async write(object: unknown, request: WriteRequest): Promise<WriteResult> {
    if (!(object instanceof Table)) {
      const what =
        object === null ? "null" : typeof object === "object" ? object.constructor?.name : typeof object;
      throw new FormatterError(this.name, `a ${request.storageClass.name} must be a Table; got ${what}`);
    }
    const { bytes, footer } = encodeParquet(object);
    await writeFile(request.path, bytes, { flag: "wx" });
    return { size: bytes.byteLength, index: parquetIndex(bytes.byteLength, footer) };
  }

  /** Ingest: the footer found from the last 8 bytes, checked by parsing it. */
  async index(source: ByteSource): Promise<ByteIndex> {
    const index = await this.#footer(source, undefined);
    await this.#metadata(source, index);
    return index;
  }
}

export function createParquetFormatter(): ParquetFormatter {
  return new ParquetFormatter();
}
