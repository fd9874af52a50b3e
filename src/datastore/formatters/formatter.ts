/**
 * The Formatter contract: turns the bytes of one file into an object (or one component of it) and an
 * object into a file plus its byte index. A formatter declares what it can do without reading the
 * whole dataset (`readComponents`, `parameters`); the datastore's assembler does the rest in memory.
 */
import type { ByteRange, ByteSource } from "../../bytes/byte-source.ts";
import type { StorageClass } from "../../core/index.ts";
import type { Header } from "../../fits/header.ts";
import type { ByteIndex } from "../byte-index.ts";

export interface ReadRequest {
  /** The storage class of the stored dataset (the composite, `ExposureF`, also for component reads). */
  storageClass: StorageClass;
  /** A component to read directly; only ever one of the formatter's `readComponents`. */
  component?: string;
  /**
   * Parameters to apply while reading: only those in the formatter's `parameters`, already checked
   * (names and values) by the datastore. A formatter may still normalise them (a bbox given as corners).
   */
  parameters?: Readonly<Record<string, unknown>>;
  /** The file's byte index from the datastore record, when there is one. */
  index?: ByteIndex;
  signal?: AbortSignal;
  /**
   * A way back to the same file after this read returns, when the caller keeps one: the formatter may
   * then leave parts of the object to be fetched when first used (an Exposure's archived components).
   */
  later?: LaterRead;
}

/**
 * Fetches `ranges` of the same file through the read's byte stack (coalesced as the first read was),
 * then runs `use` on a source that serves them; the bytes are let go when `use` settles.
 */
export type LaterRead = <T>(
  ranges: readonly ByteRange[],
  use: (source: ByteSource) => Promise<T>,
) => Promise<T>;

export interface WriteRequest {
  storageClass: StorageClass;
  /** A named write recipe (`lossless`, `noCompression`, …); the formatter's default when absent. */
  recipe?: string;
  /** Local path to write; its directory exists. The formatter writes exactly this file. */
  path: string;
}

export interface WriteResult {
  /** Bytes written. */
  size: number;
  /** The byte index, computed while writing (no read-back). */
  index: ByteIndex;
}

export interface Formatter {
  /** The name recorded in datastore records and used in lookup configs. */
  readonly name: string;
  /** File extension with its dot: `.fits`, `.json`, `.yaml`. */
  readonly extension: string;
  /** Storage classes it reads and writes; a class that inherits from one of them is accepted too. */
  readonly storageClasses: readonly string[];
  /** Components (stored or derived) it reads straight from the file without reading the whole dataset. */
  readonly readComponents: ReadonlySet<string>;
  /** Parameters it applies while reading; the datastore applies the others after the read. */
  readonly parameters: ReadonlySet<string>;
  /** Write recipes it knows, the default first; empty when it has none. */
  readonly writeRecipes: readonly string[];

  /** Reads the dataset, or `request.component` of it, applying `request.parameters`. */
  read(source: ByteSource, request: ReadRequest): Promise<unknown>;
  /** Writes `object` to `request.path`, returning its size and byte index. */
  write(object: unknown, request: WriteRequest): Promise<WriteResult>;
  /** The byte index of an existing file (ingest): a header scan for FITS, the size for the others. */
  index(source: ByteSource): Promise<ByteIndex>;
  /**
   * `index`, with the headers its scan parsed (by HDU, as in the index), so that ingest does not read
   * them again for the header index.
   */
  indexWithHeaders?(source: ByteSource): Promise<{ index: ByteIndex; headers?: readonly Header[] }>;
  /**
   * The byte ranges a read will need, from the index alone (no I/O): the lower bound of what the
   * reader fetches (tile-compressed pixels add the tiles the descriptor table points at).
   */
  plan?(request: ReadRequest, index: ByteIndex): ByteRange[];
}

/** Options a formatter is built with: its configured write recipes (merged over its built-in ones). */
export interface FormatterOptions {
  recipes?: Readonly<Record<string, unknown>>;
}

/** Builds a formatter; a lazy loader resolves to one of these. */
export type FormatterFactory = (options: FormatterOptions) => Formatter;

/** Whether `formatter` handles `storageClass` (by name or by inheritance). */
export function acceptsStorageClass(formatter: Formatter, storageClass: StorageClass): boolean {
  return formatter.storageClasses.some((name) => storageClass.isA(name));
}

/** Reads a whole source into memory (small files: JSON, YAML). */
export async function readAll(source: ByteSource, signal?: AbortSignal): Promise<Uint8Array> {
  const size = await source.size();
  if (size === 0) return new Uint8Array(0);
  return source.read(0, size, signal === undefined ? undefined : { signal });
}
