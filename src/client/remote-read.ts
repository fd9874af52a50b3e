/**
 * Reading a dataset of a remote butler from what the server handed out: its datastore record (with the
 * byte index) and a signed URL per file. The read is the local butler's own: a FileDatastore over a
 * root of signed URLs plans the ranges the component and parameters need from the index, fetches them
 * with ranged GETs straight from the store (pre-signed S3, or the server's signed byte route), and
 * keeps whole files in the local cache (`DAF_BUTLER_CACHE_*`, as for any remote root). Every remote
 * read goes through `readFromRecord`, the one place that calls into the datastore.
 */
import type { DatasetRef, StorageClassFactory } from "../core/index.ts";
import {
  type DatastoreRecordStore,
  FileDatastore,
  type GetResult,
  type StoredFileRecord,
} from "../datastore/index.ts";
import type { FileInfo, FileRecordJson } from "./protocol.ts";
import { SignedUrlRoot } from "./signed-root.ts";

/** A record as the datastore keeps it, from its wire form. */
export function recordFromJson(json: FileRecordJson): StoredFileRecord {
  return {
    datasetId: json.dataset_id,
    component: json.component,
    path: json.path,
    formatter: json.formatter,
    storageClass: json.storage_class,
    checksum: json.checksum,
    fileSize: json.file_size,
    byteIndex: json.byte_index,
  };
}

/** The records a remote read was handed, by dataset ID: the datastore's lookups answer from here. */
class HandedOutRecords implements DatastoreRecordStore {
  readonly #records = new Map<string, StoredFileRecord>();

  remember(record: StoredFileRecord): void {
    if (record.component === null) this.#records.set(record.datasetId, record);
  }

  async get(ids: readonly string[]): Promise<StoredFileRecord[]> {
    return ids.flatMap((id) => {
      const record = this.#records.get(id);
      return record === undefined ? [] : [record];
    });
  }

  async list(): Promise<StoredFileRecord[]> {
    return [];
  }

  async findByPaths(): Promise<StoredFileRecord[]> {
    return [];
  }

  async insert(): Promise<void> {
    throw new Error("the records of a remote butler are the server's");
  }

  async remove(): Promise<number> {
    return 0;
  }

  async moveToTrash(): Promise<number> {
    return 0;
  }

  async listTrash(): Promise<StoredFileRecord[]> {
    return [];
  }

  async emptyTrash(): Promise<number> {
    return 0;
  }

  transaction<T>(): Promise<T> {
    throw new Error("the records of a remote butler are the server's");
  }
}

export interface RemoteReadOptions {
  component?: string;
  parameters?: Readonly<Record<string, unknown>>;
  storageClass?: string;
  signal?: AbortSignal;
}

/** The read side of a remote butler's files. */
export class RemoteFiles {
  readonly root: SignedUrlRoot;
  readonly datastore: FileDatastore;
  readonly #records = new HandedOutRecords();

  constructor(repositoryUrl: string, storageClasses: StorageClassFactory) {
    this.root = new SignedUrlRoot(repositoryUrl);
    this.datastore = new FileDatastore(
      { root: repositoryUrl, name: `RemoteButler@${repositoryUrl}` },
      { root: this.root, records: this.#records, storageClasses },
    );
  }

  /** Takes in a file the server handed out; returns its record. */
  learn(info: FileInfo): StoredFileRecord {
    const record = recordFromJson(info.record);
    this.root.learn(record.path, info.url, info.expires, record.fileSize);
    this.#records.remember(record);
    return record;
  }

  /** Reads (a component of, a cutout of) the dataset `ref` from its record: see the module comment. */
  readFromRecord<T>(
    ref: DatasetRef,
    record: StoredFileRecord,
    options: RemoteReadOptions,
  ): Promise<GetResult<T>> {
    return this.datastore.get<T>(ref, {
      record,
      ...(options.component === undefined ? {} : { component: options.component }),
      ...(options.parameters === undefined ? {} : { parameters: options.parameters }),
      ...(options.storageClass === undefined ? {} : { storageClass: options.storageClass }),
      ...(options.signal === undefined ? {} : { signal: options.signal }),
    });
  }
}
