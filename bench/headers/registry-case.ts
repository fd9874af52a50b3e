/**
 * The header index at scale, in one repository on one engine: the registry benchmark's layout
 * (bench/registry/layout.ts: 300 RUNs in a chain, datasets of `calexp` over visit × detector) with 10
 * indexed keys per dataset. Times, against hand-written SQL on the same database: the scan of the 10
 * keys of every dataset in the chain (`Butler.queryHeaders`), and a find-first `where` on two header
 * keys plus `band` (`queryDatasets`). Answers are checked equal.
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sql } from "kysely";
import pg from "pg";
import { Butler } from "../../src/butler/index.ts";
import type { DatasetRef } from "../../src/core/index.ts";
import type { TypedHeaderValue } from "../../src/fits/header-key.ts";
import {
  headerValueColumn,
  headerValuesTableName,
  type Registry,
  TABLES,
  tagsTableName,
} from "../../src/registry/index.ts";
import { CHAIN, DATASET_TYPE, makeLayout, prepareRegistry } from "../registry/layout.ts";
import { interleaved, sameSet, type Timing, timeOnce } from "./timing.ts";

export const HEADER_KEYS = [
  "DATE-OBS",
  "MJD-OBS",
  "EXPTIME",
  "FILTER",
  "AIRMASS",
  "RA",
  "DEC",
  "OBJECT",
  "OBSTYPE",
  "NCOMBINE",
] as const;

export const WHERE = "header.EXPTIME > 20 AND header.AIRMASS < 1.5 AND band = 'r'";

export interface RegistryCaseResult {
  readonly engine: string;
  readonly datasets: number;
  readonly loadMs: number;
  readonly scan: {
    readonly api: Timing;
    readonly hand: Timing;
    readonly rows: number;
    readonly same: boolean;
  };
  readonly where: {
    readonly api: Timing;
    readonly hand: Timing;
    readonly rows: number;
    readonly same: boolean;
  };
}

/** The values of one dataset: deterministic, about half pass each header condition. */
function valuesOf(ref: DatasetRef, run: number): Map<string, TypedHeaderValue> {
  const visit = Number(ref.dataId.get("visit"));
  const detector = Number(ref.dataId.get("detector"));
  const f = (value: number) => ({ type: "float" as const, value });
  const s = (value: string) => ({ type: "string" as const, value });
  return new Map<string, TypedHeaderValue>([
    ["DATE-OBS", s(`2024-01-01T${String(visit % 24).padStart(2, "0")}:00:00.000`)],
    ["MJD-OBS", f(60310 + visit / 1000)],
    ["EXPTIME", f((visit + detector + run) % 2 === 0 ? 15 : 30)],
    ["FILTER", s(`Cam-${"grizy"[visit % 5]}`)],
    ["AIRMASS", f(1 + ((visit * 37 + detector * 11 + run) % 100) / 100)],
    ["RA", f((visit * 0.1) % 360)],
    ["DEC", f(-30 + detector * 0.01)],
    ["OBJECT", s(`field-${visit % 17}`)],
    ["OBSTYPE", s("science")],
    ["NCOMBINE", { type: "integer", value: run }],
  ]);
}

function answer(id: string, values: Readonly<Record<string, unknown>>): string {
  return `${id} ${HEADER_KEYS.map((k) => String(values[k])).join(" ")}`;
}

async function makePlace(
  engine: string,
  pgServer: string,
): Promise<{ repo: string; db: string; drop: () => Promise<void> }> {
  const repo = mkdtempSync(join(tmpdir(), "butler-bench-headers-"));
  if (engine === "sqlite") {
    return {
      repo,
      db: join(repo, "gen3.sqlite3"),
      drop: async () => rmSync(repo, { recursive: true, force: true }),
    };
  }
  const database = `butler_bench_${randomBytes(6).toString("hex")}`;
  const admin = new pg.Client({ connectionString: `${pgServer}/postgres` });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${database}`).finally(() => admin.end());
  return {
    repo,
    db: `${pgServer}/${database}`,
    drop: async () => {
      rmSync(repo, { recursive: true, force: true });
      const client = new pg.Client({ connectionString: `${pgServer}/postgres` });
      await client.connect();
      await client.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`).finally(() => client.end());
    },
  };
}

/** Hand-written: every dataset of the chain with its 10 values, pivoted in code. */
async function handScan(registry: Registry, tags: string, typeId: number, keyIds: Map<string, number>) {
  const columns = HEADER_KEYS.map(
    (k) => sql`${sql.ref(`h.${headerValueColumn(keyIds.get(k)!)}`)} AS ${sql.id(k)}`,
  );
  const rows = await registry.internals.database.rows<Record<string, unknown>>(sql`
    SELECT t.dataset_id, ${sql.join(columns)}
    FROM ${sql.table(TABLES.collection)} AS p
    CROSS JOIN ${sql.table(TABLES.collectionChain)} AS cc
    CROSS JOIN ${sql.table(tags)} AS t
    CROSS JOIN ${sql.table(headerValuesTableName(typeId))} AS h
    WHERE p.name = ${CHAIN} AND cc.parent = p.collection_id AND t.collection_id = cc.child
      AND t.dataset_type_id = ${typeId} AND h.dataset_id = t.dataset_id`);
  return rows.map((row) => answer(String(row.dataset_id), row));
}

/** Hand-written: find-first over the chain of the datasets passing the where, as the registry defines it. */
async function handWhere(registry: Registry, tags: string, typeId: number, exptime: number, airmass: number) {
  const rows = await registry.internals.database.rows<{ dataset_id: unknown }>(sql`
    SELECT f.dataset_id FROM (
      SELECT t.dataset_id, ROW_NUMBER() OVER (PARTITION BY t.instrument, t.visit, t.detector ORDER BY cc.position) AS rn
      FROM ${sql.table(TABLES.collection)} AS p
      CROSS JOIN ${sql.table(TABLES.collectionChain)} AS cc
      CROSS JOIN ${sql.table(tags)} AS t
      CROSS JOIN visit AS v
      CROSS JOIN physical_filter AS pf
      CROSS JOIN ${sql.table(headerValuesTableName(typeId))} AS h
      WHERE p.name = ${CHAIN} AND cc.parent = p.collection_id AND t.collection_id = cc.child
        AND t.dataset_type_id = ${typeId} AND v.instrument = t.instrument AND v.id = t.visit
        AND pf.instrument = v.instrument AND pf.name = v.physical_filter AND pf.band = 'r'
        AND h.dataset_id = t.dataset_id AND ${sql.ref(`h.${headerValueColumn(exptime)}`)} > 20
        AND ${sql.ref(`h.${headerValueColumn(airmass)}`)} < 1.5
    ) AS f WHERE f.rn = 1`);
  return rows.map((r) => String(r.dataset_id));
}

export async function registryCase(
  engine: string,
  datasets: number,
  repeat: number,
  pgServer: string,
): Promise<RegistryCaseResult> {
  const layout = makeLayout(datasets);
  const place = await makePlace(engine, pgServer);
  try {
    await Butler.create(place.repo, { db: place.db });
    const butler = await Butler.open(place.repo, { writeable: true });
    try {
      const registry = butler.registry;
      const calexp = await prepareRegistry(registry, layout);
      const refs: { ref: DatasetRef; run: number }[] = [];
      for (let r = 0; r < layout.runNames.length; r++) {
        if (layout.perRun[r]!.length === 0) continue;
        for (const ref of await registry.insertDatasets(calexp, layout.perRun[r]!, layout.runNames[r]!)) {
          refs.push({ ref, run: r });
        }
      }
      const headers = registry.internals.headers;
      const load = await timeOnce(async () => {
        for (let i = 0; i < refs.length; i += 5000) {
          const chunk = refs
            .slice(i, i + 5000)
            .map(({ ref, run }) => ({ datasetId: ref.id, values: valuesOf(ref, run) }));
          await registry.transaction(() => headers.record(DATASET_TYPE, chunk));
        }
      });
      await registry.analyze();
      const keys = await headers.keys(DATASET_TYPE);
      const keyIds = new Map(keys.map((k) => [k.name, k.id]));
      const keyId = (name: string) => keys.find((k) => k.name === name)!.id;
      const typeId = (await registry.internals.datasetTypes.get(DATASET_TYPE)).id;
      const tags = tagsTableName(calexp.dimensions);

      const scan = await interleaved(
        repeat,
        async () => {
          const result = await butler.queryHeaders(DATASET_TYPE, {
            collections: CHAIN,
            findFirst: false,
            keys: HEADER_KEYS,
          });
          if (result.filesRead !== 0) throw new Error(`the scan read ${result.filesRead} files`);
          return result.rows.map((row) => answer(row.id, row.values));
        },
        () => handScan(registry, tags, typeId, keyIds),
      );
      const where = await interleaved(
        repeat,
        async () =>
          (
            await registry.queryDatasets(DATASET_TYPE, { collections: CHAIN, findFirst: true, where: WHERE })
          ).map((r) => r.id),
        () => handWhere(registry, tags, typeId, keyId("EXPTIME"), keyId("AIRMASS")),
      );
      return {
        engine,
        datasets,
        loadMs: load.wall,
        scan: {
          api: scan.a,
          hand: scan.b,
          rows: scan.aValue.length,
          same: sameSet(scan.aValue, scan.bValue),
        },
        where: {
          api: where.a,
          hand: where.b,
          rows: where.aValue.length,
          same: sameSet(where.aValue, where.bValue),
        },
      };
    } finally {
      await butler.close();
    }
  } finally {
    await place.drop();
  }
}
