/**
 * The shapes the Butler's methods take and return. They live apart from the class so that the modules
 * doing each job (find, read, write, open) share them without importing the class.
 */
import type { DataIdInput, DatasetRef, DatasetType, Timespan } from "../core/index.ts";
import type { TransferMode } from "./transfer-mode.ts";

export interface ButlerOpenOptions {
  /** Collections searched by reads, in order; `[run]` when absent and a run is given. */
  collections?: string | readonly string[];
  /** The RUN collection puts and ingests write to; registered when the butler is writeable. */
  run?: string;
  /** Allow writes; by default a butler is writeable exactly when it has a run, as in daf_butler. */
  writeable?: boolean;
  /** Default data ID values (e.g. `{instrument: "HSC"}`), used for dimensions a call does not give. */
  dataId?: Readonly<Record<string, unknown>>;
}

export interface ButlerGetOptions {
  /** Collections to search, in order (the butler's default collections otherwise). */
  collections?: string | readonly string[];
  /** Read parameters of the storage class (`bbox`, `origin`, `columns`), checked before any I/O. */
  parameters?: Readonly<Record<string, unknown>>;
  /** Storage class to read as (one related to the stored one). */
  storageClass?: string;
  /** Validity time for CALIBRATION collections (unbounded for calibration types when absent). */
  timespan?: Timespan | null;
  signal?: AbortSignal;
}

export interface GetManyOptions extends ButlerGetOptions {
  /** The most datasets read at once (default 16; the datastore also bounds its remote requests). */
  concurrency?: number;
  /** Called as each dataset has been read (progress). */
  onRead?: () => void;
}

/** A dataset for getMany: a ref, or a dataset type (name, possibly with a component) and data ID. */
export type GetManyItem = DatasetRef | { datasetType: string | DatasetType; dataId?: DataIdInput | null };

/** Options of `getURIs`: where to search, and whether to predict the URI of a dataset not yet stored. */
export type GetURIsOptions = Pick<ButlerGetOptions, "collections" | "timespan"> & {
  predict?: boolean;
  run?: string;
};

export interface ButlerPutOptions {
  /** The RUN collection to write to (the butler's run otherwise). */
  run?: string;
}

/** A file to ingest and the dataset it holds (daf_butler's FileDataset). */
export interface FileDatasetInput {
  /** A local path or `file://` URI. */
  path: string;
  /** The dataset: a ref (its run and ID are kept) or a dataset type and data ID (the ingest's run). */
  refs: GetManyItem | readonly GetManyItem[];
  /** Formatter name (ours or daf_butler's); the configured one when absent. */
  formatter?: string;
}

export interface IngestOptions {
  transfer?: TransferMode;
  run?: string;
}

export interface DatasetRefURIs {
  /** The file of the whole dataset (null when stored disassembled, which this datastore never does). */
  primaryURI: string | null;
  componentURIs: Record<string, string>;
}
