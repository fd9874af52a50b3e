/**
 * Shared setup for registry tests: one test body over every dialect, against real servers.
 *
 * `REGISTRY_DIALECTS=sqlite,postgres` (the default) narrows the set. SQLite registries live in a
 * temporary directory; PostgreSQL ones in a database with a random name that this file creates on
 * `REGISTRY_PG_URI` (default postgresql://postgres@127.0.0.1:5432, trust auth) and drops after, one
 * schema (namespace) per registry. An unreachable server fails the PostgreSQL cases: CI provides it.
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe } from "node:test";
import pg from "pg";
import { parse } from "yaml";
import {
  CollectionType,
  DataCoordinate,
  DatasetRef,
  DatasetType,
  type DimensionUniverse,
} from "../../src/core/index.ts";
import { Registry, type RegistryCreateOptions } from "../../src/registry/index.ts";

export type DialectName = "sqlite" | "postgres";

const ALL_DIALECTS: readonly DialectName[] = ["sqlite", "postgres"];

/** The dialects this run covers, from REGISTRY_DIALECTS. */
export function enabledDialects(): DialectName[] {
  const raw = process.env.REGISTRY_DIALECTS;
  if (raw === undefined || raw.trim() === "") return [...ALL_DIALECTS];
  const names = raw.split(",").map((s) => s.trim().toLowerCase());
  for (const name of names) {
    if (!ALL_DIALECTS.includes(name as DialectName)) {
      throw new Error(`REGISTRY_DIALECTS: unknown dialect '${name}'; accepted: ${ALL_DIALECTS.join(", ")}`);
    }
  }
  return names as DialectName[];
}

export const PG_SERVER_URI = process.env.REGISTRY_PG_URI ?? "postgresql://postgres@127.0.0.1:5432";

export interface DialectContext {
  readonly dialect: DialectName;
  /** A database URI for a new, empty registry. */
  newUri(): string;
  /** Creates a registry in a new database (closed after the suite). */
  makeRegistry(options?: Omit<RegistryCreateOptions, "db">): Promise<Registry>;
  /** Registers a registry opened by the test so it is closed after the suite. */
  track(registry: Registry): Registry;
}

/** Runs `fn` (which declares tests) once per enabled dialect, in a describe named after both. */
export function forEachDialect(name: string, fn: (ctx: DialectContext) => void): void {
  for (const dialect of enabledDialects()) {
    describe(`${name} [${dialect}]`, () => {
      const registries: Registry[] = [];
      let counter = 0;
      let dir = "";
      let database = "";
      before(async () => {
        if (dialect === "sqlite") {
          dir = mkdtempSync(join(tmpdir(), "butler-registry-"));
        } else {
          database = `butler_test_${randomBytes(6).toString("hex")}`;
          const admin = new pg.Client({ connectionString: `${PG_SERVER_URI}/postgres` });
          await admin.connect();
          try {
            await admin.query(`CREATE DATABASE ${database}`);
          } finally {
            await admin.end();
          }
        }
      });
      after(async () => {
        for (const registry of registries) await registry.close();
        if (dialect === "sqlite") {
          rmSync(dir, { recursive: true, force: true });
        } else if (database !== "") {
          const admin = new pg.Client({ connectionString: `${PG_SERVER_URI}/postgres` });
          await admin.connect();
          try {
            await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
          } finally {
            await admin.end();
          }
        }
      });
      const ctx: DialectContext = {
        dialect,
        newUri() {
          counter++;
          return dialect === "sqlite"
            ? join(dir, `registry${counter}.sqlite3`)
            : `${PG_SERVER_URI}/${database}?namespace=registry${counter}`;
        },
        async makeRegistry(options = {}) {
          return ctx.track(await Registry.create({ ...options, db: ctx.newUri() }));
        },
        track(registry) {
          registries.push(registry);
          return registry;
        },
      };
      fn(ctx);
    });
  }
}

/** The shared peer data folder (daf_butler's registry test data). */
import { PEER_DATA } from "../support/fixtures.ts";

export { PEER_DATA };

interface ExportItem {
  type: string;
  element?: string;
  records?: Record<string, unknown>[];
  name?: string;
  dimensions?: string[];
  storage_class?: string;
  is_calibration?: boolean;
  dataset_type?: string;
  run?: string;
}

function readExport(file: string): ExportItem[] {
  const text = readFileSync(join(PEER_DATA, file), "utf8");
  const doc = parse(text, { customTags: [{ tag: "!uuid", resolve: (s: string) => s }] }) as {
    data: ExportItem[];
  };
  return doc.data;
}

/**
 * Loads base.yaml: instrument Cam1, filters Cam1-G/R1/R2, detectors 1–4 (Aa, Ab, Ba, Bb), and the
 * calibration dataset types bias {instrument, detector} and flat {…, physical_filter, band}.
 */
export async function loadBase(registry: Registry): Promise<void> {
  for (const item of readExport("base.yaml")) {
    if (item.type === "dimension") await registry.insertDimensionData(item.element!, item.records!);
    else if (item.type === "dataset_type") {
      await registry.registerDatasetType(
        DatasetType.fromNames(item.name!, item.dimensions!, item.storage_class!, registry.universe, {
          isCalibration: item.is_calibration ?? false,
        }),
      );
    }
  }
}

/** The refs of datasets.yaml (13 bias/flat datasets in RUNs imported_g and imported_r). */
export function datasetsYamlRefs(universe: DimensionUniverse): { runs: string[]; refs: DatasetRef[] } {
  const runs: string[] = [];
  const refs: DatasetRef[] = [];
  const types = new Map([
    [
      "bias",
      DatasetType.fromNames("bias", ["instrument", "detector"], "Exposure", universe, {
        isCalibration: true,
      }),
    ],
    [
      "flat",
      DatasetType.fromNames(
        "flat",
        ["instrument", "detector", "physical_filter", "band"],
        "Exposure",
        universe,
        {
          isCalibration: true,
        },
      ),
    ],
  ]);
  for (const item of readExport("datasets.yaml")) {
    if (item.type === "run") runs.push(item.name!);
    else if (item.type === "dataset") {
      const type = types.get(item.dataset_type!)!;
      for (const record of item.records!) {
        const dataId = DataCoordinate.standardize(record.data_id as Record<string, unknown>, {
          dimensions: type.dimensions,
        });
        refs.push(new DatasetRef(type, dataId, item.run!, { id: String(record.dataset_id) }));
      }
    }
  }
  return { runs, refs };
}

/** Loads base.yaml and datasets.yaml; returns the imported refs. */
export async function loadDatasets(registry: Registry): Promise<DatasetRef[]> {
  await loadBase(registry);
  const { runs, refs } = datasetsYamlRefs(registry.universe);
  for (const run of runs) await registry.registerRun(run);
  return registry.importDatasets(refs);
}

/** A CHAINED collection with the given children. */
export async function makeChain(
  registry: Registry,
  name: string,
  children: readonly string[],
): Promise<void> {
  await registry.registerCollection(name, CollectionType.CHAINED);
  await registry.setCollectionChain(name, children);
}
