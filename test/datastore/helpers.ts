/**
 * Shared set-up for the datastore tests: a temporary repository with a real SQLite database (through
 * kysely + better-sqlite3), a tiny "registry" table in the same database so that the single-transaction
 * rule is really exercised, refs with expanded data IDs, the calexp fixture (read in place), and
 * snapshots of the directory tree and the tables for the failure tests.
 */
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after } from "node:test";
import Database from "better-sqlite3";
import { Kysely, SqliteDialect } from "kysely";
import {
  DataCoordinate,
  DatasetRef,
  DatasetType,
  defaultUniverse,
  makeDimensionRecord,
} from "../../src/core/index.ts";
import {
  FileDatastore,
  type FileDatastoreConfig,
  type FileDatastoreOptions,
} from "../../src/datastore/file-datastore.ts";
import { KyselyRecordStore } from "../../src/datastore/kysely-record-store.ts";
import type { AnyDatabase, DatastoreRecordStore } from "../../src/datastore/records.ts";
import { CALEXP_FIXTURE, calexpExposure, tree } from "../support/files.ts";

export { CALEXP_FIXTURE, calexpExposure, tree };

export const universe = defaultUniverse();
export const RUN = "HSC/runs/test";

const scratch = mkdtempSync(join(tmpdir(), "butler-datastore-"));
const databases: AnyDatabase[] = [];
after(async () => {
  await Promise.all(databases.splice(0).map((db) => db.destroy()));
  rmSync(scratch, { recursive: true, force: true });
});
let counter = 0;

/** A fresh directory under the test file's scratch area. */
export function freshDir(name = "dir"): string {
  const dir = join(scratch, `${name}-${counter++}`);
  mkdirSync(dir, { recursive: true });
  return dir;
}

export interface Repo {
  root: string;
  db: AnyDatabase;
  records: KyselyRecordStore;
  datastore: FileDatastore;
  /** Inserts the test registry row of a ref on a transaction (the "registry rows" of a put). */
  registryInsert: (ref: DatasetRef) => (trx: AnyDatabase) => Promise<void>;
}

/** A repository: root directory, SQLite database with the datastore tables and a test registry table. */
export async function makeRepo(
  config: Partial<FileDatastoreConfig> = {},
  options: Partial<FileDatastoreOptions> & { records?: DatastoreRecordStore } = {},
): Promise<Repo> {
  const base = freshDir("repo");
  const root = join(base, "root");
  mkdirSync(root, { recursive: true });
  const sqlite = new Database(join(base, "registry.sqlite3"));
  const db = new Kysely({ dialect: new SqliteDialect({ database: sqlite }) });
  databases.push(db);
  const records = new KyselyRecordStore(db);
  await records.createTables();
  await db.schema
    .createTable("test_dataset")
    .addColumn("id", "varchar(36)", (c) => c.primaryKey())
    .addColumn("dataset_type", "varchar(64)", (c) => c.notNull())
    .addColumn("run", "varchar(128)", (c) => c.notNull())
    .execute();
  const datastore = new FileDatastore(
    { root, ...config },
    { ...options, records: options.records ?? records },
  );
  return {
    root,
    db,
    records,
    datastore,
    registryInsert: (ref) => async (trx) => {
      await trx
        .insertInto("test_dataset")
        .values({ id: ref.id, dataset_type: ref.datasetType.name, run: ref.run })
        .execute();
    },
  };
}

const calexpDims = universe.conform(["instrument", "visit", "detector"]);

/** An expanded data ID for HSC visit/detector (only the detector record is given; the others are null). */
export function visitDataId(visit = 903334, detector = 16): DataCoordinate {
  const dataId = DataCoordinate.standardize(
    { instrument: "HSC", visit, detector, physical_filter: "HSC-I", band: "i", day_obs: 20130617 },
    { dimensions: calexpDims },
  );
  const records: Record<string, ReturnType<typeof makeDimensionRecord> | null> = Object.fromEntries(
    calexpDims.elements.map((e) => [e, null]),
  );
  records.detector = makeDimensionRecord(universe.getElement("detector"), {
    instrument: "HSC",
    id: detector,
    full_name: `1_${detector}`,
  });
  return dataId.expanded(records);
}

/** A ref of a dataset type over instrument+visit+detector. */
export function visitRef(
  name: string,
  storageClass: string,
  options: { visit?: number; detector?: number; run?: string; id?: string } = {},
): DatasetRef {
  const type = new DatasetType(name, calexpDims, storageClass);
  return new DatasetRef(
    type,
    visitDataId(options.visit, options.detector),
    options.run ?? RUN,
    options.id === undefined ? {} : { id: options.id },
  );
}

/** A ref whose dimensions are just the instrument. */
export function instrumentRef(name: string, storageClass: string, run = RUN): DatasetRef {
  const dims = universe.conform(["instrument"]);
  const type = new DatasetType(name, dims, storageClass);
  const dataId = DataCoordinate.standardize({ instrument: "HSC" }, { dimensions: dims }).expanded({
    instrument: null,
  });
  return new DatasetRef(type, dataId, run);
}

/** The rows of the datastore tables and the test registry table. */
export async function tables(db: AnyDatabase): Promise<Record<string, unknown[]>> {
  const out: Record<string, unknown[]> = {};
  for (const table of ["file_datastore_records", "file_datastore_trash", "test_dataset"]) {
    out[table] = await db
      .selectFrom(table)
      .selectAll()
      .orderBy(table === "test_dataset" ? "id" : "dataset_id")
      .execute();
  }
  return out;
}
