/**
 * `FitsFile`: one FITS stream with its HDU index, and the entry point for reading headers, images,
 * tiles and tables. Whole-file gzip (`.fits.gz`) is recognised by its magic bytes and inflated as it is
 * read, within a bounded window (see `gzip-source.ts`).
 */
import type { ByteSource } from "../bytes/byte-source.ts";
import { FileSource } from "../bytes/file-source.ts";
import { InvalidArgumentError } from "../errors/index.ts";
import { type ReadTableOptions, readTable } from "./bintable-read.ts";
import type { Table } from "./bintable-types.ts";
import { assertChecksum, type ChecksumReport, verifyHduAt } from "./checksum.ts";
import { GzipSource, inflateIfGzip } from "./gzip-source.ts";
import type { HduInfo } from "./hdu.ts";
import type { Header } from "./header.ts";
import { type ImageData, type ImageReadOptions, readImage } from "./image.ts";
import { type FitsIndex, type ScanOptions, scanFits } from "./scan.ts";
import { readTiledImage, type TiledReadOptions } from "./tiled-image.ts";

/** Selects an HDU by 0-based index, by EXTNAME (case-insensitive), or by EXTNAME and EXTVER. */
export type HduSelector = number | string | { name: string; version?: number };

export class FitsFile {
  readonly source: ByteSource;
  readonly index: FitsIndex;

  private constructor(source: ByteSource, index: FitsIndex) {
    this.source = source;
    this.index = index;
  }

  /** Opens a path or a ByteSource and scans its HDU headers (no data is read). */
  static async open(input: string | ByteSource, options: ScanOptions = {}): Promise<FitsFile> {
    let source = typeof input === "string" ? new FileSource(input) : input;
    source = await inflateIfGzip(source);
    return new FitsFile(source, await scanFits(source, options));
  }

  get hdus(): HduInfo[] {
    return this.index.hdus;
  }

  get uri(): string {
    return this.source.key;
  }

  /** The HDU a selector names; a typed error lists what the file has when none matches. */
  hdu(selector: HduSelector): HduInfo {
    const hdus = this.index.hdus;
    if (typeof selector === "number") {
      const hdu = hdus[selector];
      if (hdu === undefined) {
        throw new InvalidArgumentError(
          `${this.uri} has HDUs 0..${hdus.length - 1}; there is no HDU ${selector}`,
        );
      }
      return hdu;
    }
    const name = (typeof selector === "string" ? selector : selector.name).toUpperCase();
    const version = typeof selector === "string" ? undefined : selector.version;
    const found = hdus.find(
      (h) =>
        (h.extname?.toUpperCase() === name || (name === "PRIMARY" && h.index === 0)) &&
        (version === undefined || h.extver === version),
    );
    if (found === undefined) {
      const names = hdus.map((h) => h.extname ?? (h.index === 0 ? "PRIMARY" : `#${h.index}`));
      throw new InvalidArgumentError(
        `${this.uri} has no HDU named '${name}'${version === undefined ? "" : ` version ${version}`}; it has: ${names.join(", ")}`,
      );
    }
    return found;
  }

  header(selector: HduSelector = 0): Header {
    return this.index.headers[this.hdu(selector).index]!;
  }

  /** Reads an image HDU, plain or tile-compressed, whole or a box of it. */
  async readImage(
    selector: HduSelector = 0,
    options: ImageReadOptions & TiledReadOptions = {},
  ): Promise<ImageData> {
    const hdu = this.#wholeRead(this.hdu(selector));
    const header = this.index.headers[hdu.index]!;
    if (hdu.kind === "compressed_image") return readTiledImage(this.source, hdu, header, options);
    return readImage(this.source, hdu, header, options);
  }

  /** Reads a binary table HDU, all of it or the given columns and rows. */
  async readTable(selector: HduSelector, options: ReadTableOptions = {}): Promise<Table> {
    const hdu = this.#wholeRead(this.hdu(selector));
    return readTable(this.source, hdu, this.index.headers[hdu.index]!, options);
  }

  /** Checks the DATASUM and CHECKSUM cards of one HDU; reads its whole header and data. */
  async checksum(selector: HduSelector): Promise<ChecksumReport> {
    const hdu = this.#wholeRead(this.hdu(selector));
    return verifyHduAt(this.source, hdu, this.index.headers[hdu.index]!);
  }

  /** Verifies the checksum cards of every HDU that has them; a mismatch is a ChecksumMismatchError. */
  async verifyChecksums(): Promise<void> {
    for (const hdu of this.hdus)
      assertChecksum(await this.checksum(hdu.index), { uri: this.uri, hdu: hdu.index });
  }

  /** A gzip-wrapped file's data part is inflated to be read: refused first when larger than the cap. */
  #wholeRead(hdu: HduInfo): HduInfo {
    if (this.source instanceof GzipSource) this.source.checkWholeRead(hdu.dataLength, hdu.dataOffset);
    return hdu;
  }

  async close(): Promise<void> {
    await this.source.close?.();
  }
}

export { inflateIfGzip };
