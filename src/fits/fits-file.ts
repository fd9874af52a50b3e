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
import { type HduInfo, type HduKind, padToBlock } from "./hdu.ts";
import type { Header } from "./header.ts";
import { type ImageData, type ImageReadOptions, readImage } from "./image.ts";
import { type FitsIndex, readHduAt, type ScanOptions, scanFits } from "./scan.ts";
import { readTiledImage, type TiledReadOptions } from "./tiled-image.ts";

/** Where one HDU is, as a byte index records it (no header needed). */
export interface KnownHdu {
  kind: HduKind;
  name?: string;
  exttype?: string;
  extver?: number;
  headerOffset: number;
  headerLength: number;
  dataOffset: number;
  dataLength: number;
  bitpix: number;
  naxis: readonly number[];
  /** For tile-compressed images: the logical image, so its shape is known without the header. */
  compression?: {
    algorithm: string;
    zbitpix: number;
    shape: readonly number[];
    tile: readonly number[];
    quantize?: string;
  };
}

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

  /**
   * Opens a file whose HDUs are already known (a byte index) without scanning: only the headers of
   * `headers` (0-based HDU numbers) are read, one read each, and `header(n)` of any other HDU is an
   * error. The other HDUs are described from the index alone (kind, name, data place and shape).
   */
  static async fromIndex(
    source: ByteSource,
    layout: { size: number; hdus: readonly KnownHdu[] },
    options: { headers: readonly number[]; signal?: AbortSignal },
  ): Promise<FitsFile> {
    const hdus = layout.hdus.map((known, index) => describeKnown(known, index));
    const headers: Header[] = [];
    const wanted = [...new Set(options.headers)].filter((n) => layout.hdus[n] !== undefined);
    const read = await Promise.all(
      wanted.map((n) => {
        const known = layout.hdus[n]!;
        return readHduAt(source, n, known.headerOffset, known.headerLength, { signal: options.signal });
      }),
    );
    wanted.forEach((n, i) => {
      hdus[n] = read[i]!.hdu;
      headers[n] = read[i]!.header;
    });
    return new FitsFile(source, { uri: source.key, size: layout.size, hdus, headers, trailingBytes: 0 });
  }

  /** A file whose HDUs and headers are in hand already (a scan, or a writer's own description). */
  static fromScan(source: ByteSource, hdus: readonly HduInfo[], headers: readonly Header[]): FitsFile {
    const last = hdus[hdus.length - 1];
    const size = last === undefined ? 0 : last.dataOffset + last.dataSpan;
    return new FitsFile(source, {
      uri: source.key,
      size,
      hdus: [...hdus],
      headers: [...headers],
      trailingBytes: 0,
    });
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
    return this.#headerOf(this.hdu(selector));
  }

  /** Whether HDU `n`'s header is at hand (always, unless opened `fromIndex` without it). */
  hasHeader(n: number): boolean {
    return this.index.headers[n] !== undefined;
  }

  #headerOf(hdu: HduInfo): Header {
    const header = this.index.headers[hdu.index];
    if (header === undefined) {
      throw new InvalidArgumentError(
        `${this.uri}: the header of HDU ${hdu.index} was not read (the file was opened from its index with other headers)`,
      );
    }
    return header;
  }

  /** Reads an image HDU, plain or tile-compressed, whole or a box of it. */
  async readImage(
    selector: HduSelector = 0,
    options: ImageReadOptions & TiledReadOptions = {},
  ): Promise<ImageData> {
    const hdu = this.#wholeRead(this.hdu(selector));
    const header = this.#headerOf(hdu);
    if (hdu.kind === "compressed_image") return readTiledImage(this.source, hdu, header, options);
    return readImage(this.source, hdu, header, options);
  }

  /** Reads a binary table HDU, all of it or the given columns and rows. */
  async readTable(selector: HduSelector, options: ReadTableOptions = {}): Promise<Table> {
    const hdu = this.#wholeRead(this.hdu(selector));
    return readTable(this.source, hdu, this.#headerOf(hdu), options);
  }

  /** Checks the DATASUM and CHECKSUM cards of one HDU; reads its whole header and data. */
  async checksum(selector: HduSelector): Promise<ChecksumReport> {
    const hdu = this.#wholeRead(this.hdu(selector));
    return verifyHduAt(this.source, hdu, this.#headerOf(hdu));
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

/** An HDU as far as the index describes it; its header fills in the rest when it is read. */
function describeKnown(known: KnownHdu, index: number): HduInfo {
  const hdu: HduInfo = {
    index,
    kind: known.kind,
    headerOffset: known.headerOffset,
    headerLength: known.headerLength,
    dataOffset: known.dataOffset,
    dataLength: known.dataLength,
    dataSpan: padToBlock(known.dataLength),
    cardCount: 0,
    extver: known.extver ?? 1,
    bitpix: known.bitpix,
    naxis: [...known.naxis],
    pcount: 0,
    gcount: 1,
  };
  if (known.name !== undefined) hdu.extname = known.name;
  if (known.exttype !== undefined) hdu.exttype = known.exttype;
  const c = known.compression;
  if (c !== undefined) {
    hdu.compression = {
      algorithm: c.algorithm,
      zbitpix: c.zbitpix,
      shape: [...c.shape],
      tile: [...c.tile],
      parameters: {},
    };
    if (c.quantize !== undefined) hdu.compression.quantize = c.quantize;
  }
  return hdu;
}

export { inflateIfGzip };
