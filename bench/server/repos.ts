/**
 * The repositories of `npm run bench:server`: the demo survey with a SQLite registry, or with its
 * registry in a fresh PostgreSQL database at REGISTRY_PG_URI (dropped at the end), and bearer tokens for them.
 */
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { Butler } from "../../src/butler/index.ts";
import { DEMO_RUN, type DemoOptions, makeDemoRepo } from "../../src/demo/demo-survey.ts";
import { PG_SERVER_URI } from "../../test/registry/registry-support.ts";
import { adminQuery } from "../../test/server/server-support.ts";

export type RegistryKind = "sqlite" | "postgres";

export interface BenchRepo {
  readonly kind: RegistryKind;
  readonly dir: string;
  /** The calexps' data IDs, for requests to vary over. */
  readonly dataIds: readonly Record<string, unknown>[];
  drop(): Promise<void>;
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
    await adminQuery(`CREATE DATABASE ${database}`);
  }
  await makeDemoRepo(dir, {
    ...demo,
    ...(database === undefined ? {} : { registryDb: `${PG_SERVER_URI}/${database}?namespace=demo` }),
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
      if (database !== undefined) await adminQuery(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
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
