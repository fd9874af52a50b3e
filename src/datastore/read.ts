/**
 * One read of a stored dataset, in three steps that every store shares:
 *
 * 1. plan (`planDatasetRead`): check the component and parameters against the storage class, pick what
 *    the formatter reads itself and what the assembler does after, and ask the formatter for the byte
 *    ranges of (component, parameters, byte index), before any I/O;
 * 2. fetch (`decodePlanned`): the planned ranges, coalesced with a gap that suits the store, in parallel;
 * 3. decode: the formatter reads from those bytes; the assembler extracts a component the formatter
 *    cannot read alone and applies the parameters it did not.
 *
 * `readDataset` is the whole of it for a record and a ByteSource or ResourcePath from anywhere (a local
 * datastore, a server's answer): "read component C with parameters P from this record".
 */
import type { ByteRange, ByteSource } from "../bytes/byte-source.ts";
import { withRetry } from "../bytes/with-retry.ts";
import type { StorageClassFactory } from "../core/index.ts";
import { InvalidArgumentError, MissingComponentError } from "../errors/index.ts";
import type { ResourcePath } from "../resources/resource-path.ts";
import {
  applyParameters,
  extractComponent,
  type PreparedRead,
  prepareRead,
  splitParameters,
} from "./assembler.ts";
import type { Formatter, LaterRead, ReadRequest } from "./formatters/formatter.ts";
import type { FormatterRegistry } from "./formatters/registry.ts";
import { fetchPlanned } from "./planned-source.ts";
import { LOCAL_GAP_BYTES, REMOTE_GAP_BYTES } from "./read-source.ts";
import type { StoredFileRecord } from "./records.ts";

/** What a read needs of a datastore record. */
export type RecordForRead = Pick<
  StoredFileRecord,
  "datasetId" | "formatter" | "storageClass" | "fileSize" | "byteIndex"
>;

export interface DatasetReadOptions {
  /** The component to read (undefined: the whole dataset). */
  component?: string | undefined;
  parameters?: Readonly<Record<string, unknown>> | undefined;
  /** The storage class to read as (the dataset type's); the record's when absent. */
  storageClass?: string | undefined;
  signal?: AbortSignal | undefined;
  /** A way back to the file after the read (see `laterReads`): parts of the object may then be lazy. */
  later?: LaterRead | undefined;
}

/** A read planned before any I/O. */
export interface PlannedRead {
  formatter: Formatter;
  prepared: PreparedRead;
  /** What the formatter is asked for. */
  request: ReadRequest;
  /** Parameters the assembler applies after the read. */
  assemblerParameters: Record<string, unknown>;
  /** Whether the formatter reads the component itself (else the assembler extracts it from the whole). */
  direct: boolean;
  /** The formatter reads all of the file (a whole dataset, or a component it cannot read alone). */
  wholeFile: boolean;
  /** The byte ranges the formatter will read; undefined without an index (the formatter scans). */
  ranges: ByteRange[] | undefined;
  /** The file's size, from the index or the record. */
  size: number | undefined;
}

/** A read storage class must be the stored one or related to it by inheritance (no converters yet). */
function checkReadStorageClass(
  storageClasses: StorageClassFactory,
  record: RecordForRead,
  prepared: PreparedRead,
): void {
  const read = prepared.storageClass;
  if (read.name === record.storageClass) return;
  const stored = storageClasses.has(record.storageClass)
    ? storageClasses.get(record.storageClass)
    : undefined;
  if (stored !== undefined && (stored.isA(read.name) || read.isA(stored.name))) return;
  throw new InvalidArgumentError(
    `dataset ${record.datasetId} was stored as ${record.storageClass} and cannot be read as ${read.name}`,
  );
}

/**
 * Step 1: checks the read (unless the caller passes its own check as `checked`) and plans its bytes
 * from the record's index, with no I/O.
 */
export async function planDatasetRead(
  formatters: FormatterRegistry,
  storageClasses: StorageClassFactory,
  record: RecordForRead,
  options: DatasetReadOptions = {},
  checked?: PreparedRead,
): Promise<PlannedRead> {
  const component = options.component;
  // `checked`: the caller's own check of the same read (so parameters are not checked twice).
  const prepared =
    checked ??
    prepareRead(storageClasses, options.storageClass ?? record.storageClass, component, options.parameters);
  checkReadStorageClass(storageClasses, record, prepared);
  const formatter = await formatters.get(record.formatter);
  const direct = component === undefined || formatter.readComponents.has(component);
  const split = splitParameters(prepared, formatter.parameters, direct);
  const request: ReadRequest = { storageClass: prepared.storageClass, parameters: split.formatter };
  if (direct && component !== undefined) request.component = component;
  if (record.byteIndex !== null) request.index = record.byteIndex;
  if (options.signal !== undefined) request.signal = options.signal;
  if (options.later !== undefined) request.later = options.later;
  const index = record.byteIndex;
  const ranges = index !== null && formatter.plan !== undefined ? formatter.plan(request, index) : undefined;
  return {
    formatter,
    prepared,
    request,
    assemblerParameters: split.assembler,
    direct,
    wholeFile: (component === undefined || !direct) && Object.keys(split.formatter).length === 0,
    ranges,
    size: index?.size ?? (record.fileSize >= 0 ? record.fileSize : undefined),
  };
}

/**
 * Steps 2 and 3: fetches the planned ranges from `source` (bridging gaps up to `gapBytes`) and decodes
 * from them. `describe` names the dataset in a missing-component error.
 */
export async function decodePlanned(
  planned: PlannedRead,
  source: ByteSource,
  options: { gapBytes: number; describe?: string | (() => string) },
): Promise<unknown> {
  const { formatter, prepared, request } = planned;
  const input =
    planned.ranges === undefined
      ? source
      : await fetchPlanned(source, planned.ranges, {
          gapBytes: options.gapBytes,
          ...(planned.size === undefined ? {} : { size: planned.size }),
          ...(request.signal === undefined ? {} : { signal: request.signal }),
        });
  let value = await formatter.read(input, request);
  if (!planned.direct) value = await extractComponent(prepared, value);
  value = applyParameters(prepared, value, planned.assemblerParameters);
  if (value === undefined && prepared.component !== undefined) {
    throw new MissingComponentError(
      prepared.component,
      typeof options.describe === "function"
        ? options.describe()
        : (options.describe ?? `dataset ${request.storageClass.name}`),
    );
  }
  return value;
}

/** An opened byte stack and what else to let go of after it is closed (a cached file). */
export interface OpenedStack {
  source: ByteSource;
  release?: () => Promise<void>;
}

/**
 * Later reads of one file: each opens the byte stack again (`open`), fetches its ranges as a planned
 * read does (coalesced across `gapBytes`), runs its `use`, closes the stack and releases it.
 */
export function laterReads(
  open: () => Promise<OpenedStack>,
  options: { gapBytes: number; size?: number | undefined },
): LaterRead {
  return async (ranges, use) => {
    const opened = await open();
    // The planned source closes the stack under it.
    let source = opened.source;
    try {
      source = await fetchPlanned(opened.source, ranges, {
        gapBytes: options.gapBytes,
        ...(options.size === undefined ? {} : { size: options.size }),
      });
      return await use(source);
    } finally {
      await source.close?.();
      await opened.release?.();
    }
  };
}

export interface ReadDatasetOptions extends DatasetReadOptions {
  /** The dataset's record: formatter, storage class, size and byte index (from a datastore or a server). */
  record: RecordForRead;
  /** Where the bytes are: a source already stacked by the caller, or a resource (opened with retries). */
  from: ByteSource | ResourcePath;
  formatters: FormatterRegistry;
  storageClasses: StorageClassFactory;
  /** Gap bridged between planned ranges; by default small for `file:` resources, large for the rest. */
  gapBytes?: number;
}

function isResourcePath(from: ByteSource | ResourcePath): from is ResourcePath {
  return typeof (from as ResourcePath).openSource === "function";
}

/**
 * Reads component `component` (or the whole dataset) with `parameters` from a record and its bytes:
 * plan from the byte index, fetch the planned ranges, decode. The entry point for readers that have a
 * record without a datastore (a client given a record and a signed URL by a server).
 */
export async function readDataset<T = unknown>(options: ReadDatasetOptions): Promise<T> {
  const from = options.from;
  let open: () => ByteSource;
  let gapBytes = options.gapBytes;
  let later: LaterRead | undefined;
  if (isResourcePath(from)) {
    const size = options.record.fileSize >= 0 ? { size: options.record.fileSize } : {};
    const local = from.scheme === "file";
    open = () => (local ? from.openSource(size) : withRetry(from.openSource(size), from.options.retry));
    gapBytes ??= local ? LOCAL_GAP_BYTES : REMOTE_GAP_BYTES;
    // The resource can be opened again, so an Exposure's archived components may wait until asked for.
    later = laterReads(async () => ({ source: open() }), { gapBytes, size: options.record.byteIndex?.size });
  } else {
    open = () => from;
    gapBytes ??= LOCAL_GAP_BYTES;
  }
  const planned = await planDatasetRead(options.formatters, options.storageClasses, options.record, {
    ...options,
    later,
  });
  const source = open();
  try {
    return (await decodePlanned(planned, source, {
      gapBytes,
      describe: `dataset ${options.record.datasetId}`,
    })) as T;
  } finally {
    if (source !== from) await source.close?.();
  }
}
