/**
 * The repositories of `npm run bench:server`: the demo survey with a SQLite registry, or with its
 * registry in a fresh PostgreSQL database (dropped at the end), and bearer tokens for them.
 */
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import pg from "pg";
import { Butler } from "../../src/butler/index.ts";
import { DEMO_RUN, type DemoOptions, makeDemoRepo } from "../../src/demo/demo-survey.ts";

export const PG_SERVER = process.env.REGISTRY_PG_URI ?? "postgresql://postgres@127.0.0.1:5432";

export type RegistryKind = "sqlite" | "postgres";

export interface BenchRepo {
  readonly kind: RegistryKind;
  readonly dir: string;
  /** The calexps' data IDs, for requests to vary over. */
  readonly dataIds: readonly Record<string, unknown>[];
  drop(): Promise<void>;
}

async function admin(text: string): Promise<void> {
  const client = new pg.Client({ connectionString: `${PG_SERVER}/postgres` });
  await client.connect();
  try {
    await client.query(text);
  } finally {
    await client.end();
  }
}

/** Writes the demo survey under `parent/<kind>` with its registry in SQLite or a new PostgreSQL database. */
export async function makeBenchRepo(
  parent: string,
  kind: RegistryKind,
  demo: DemoOptions & { name?: string },
): Promise<BenchRepo> {
  const dir = join(parent, demo.name ?? kind);
  let database: string | undefined;
  if (kind === "postgres") {
    database = `butler_bench_${randomBytes(6).toString("hex")}`;
    await admin(`CREATE DATABASE ${database}`);
  }
  await makeDemoRepo(dir, {
    ...demo,
    ...(database === undefined ? {} : { registryDb: `${PG_SERVER}/${database}?namespace=demo` }),
  });
  const butler = await Butler.open(dir, { collections: DEMO_RUN });
  let dataIds: Record<string, unknown>[];
  try {
    const refs = await butler.registry.queryDatasets("calexp", { collections: DEMO_RUN });
    dataIds = refs.map((ref) => ref.dataId.requiredObject());
  } finally {
    await butler.close();
  }
  return {
    kind,
    dir,
    dataIds,
    async drop() {
      if (database !== undefined) await admin(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
    },
  };
}

/** A new bearer token of user `bench` in the repository's registry, as `butler token create` makes. */
export async function createToken(dir: string): Promise<string> {
  const butler = await Butler.open(dir, { writeable: true });
  try {
    const { token } = await butler.registry.tokens.create(
      { user: "bench", groups: [], expiresAt: null },
      Date.now(),
    );
    return token;
  } finally {
    await butler.close();
  }
}
