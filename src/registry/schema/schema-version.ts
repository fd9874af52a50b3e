import { SchemaVersionError } from "../../errors/index.ts";
import type { RegistryDatabase } from "../database.ts";
import { migrateHeaderValues } from "./header-migration.ts";
import { headerTables } from "./header-tables.ts";
import { createTable } from "./table-spec.ts";

/**
 * The registry schema version this code writes. Bump it with every change to the tables, and add a
 * migration from the previous version to `MIGRATIONS`.
 */
export const SCHEMA_VERSION = 3;

/** Attribute names in `butler_attributes`. */
export const ATTRIBUTES = Object.freeze({
  schemaVersion: "schema_version",
  dimensionsConfig: "config:dimensions.json",
  universeVersion: "universe_version",
  universeNamespace: "universe_namespace",
  createdBy: "created_by",
});

/** Upgrades a schema from `from` to `from + 1`, inside the caller's transaction. */
export type Migration = (database: RegistryDatabase) => Promise<void>;

/** Migrations by the version they upgrade from. */
const MIGRATIONS: ReadonlyMap<number, Migration> = new Map([
  // 1 → 2: the header index's key table (empty; `butler index-headers` fills it).
  [
    1,
    async (database: RegistryDatabase) => {
      for (const table of headerTables()) {
        await createTable(database.db, database.dialect, table, { ifNotExists: true });
      }
    },
  ],
  // 2 → 3: header values in a table per dataset type, a column per key.
  [2, migrateHeaderValues],
]);

/**
 * Checks a stored schema version: newer than this code is refused, older is migrated step by step
 * when `migrate` is allowed (a writeable open), otherwise refused with what to do.
 */
export async function checkSchemaVersion(
  database: RegistryDatabase,
  stored: string | undefined,
  options: { migrate: boolean; setVersion: (version: number) => Promise<void> },
): Promise<void> {
  const supported = String(SCHEMA_VERSION);
  const found = stored === undefined ? Number.NaN : Number(stored);
  if (!Number.isSafeInteger(found) || found < 1) {
    throw new SchemaVersionError(
      stored ?? null,
      supported,
      `registry schema version ${JSON.stringify(stored ?? null)} is not a version this code knows; accepted: 1–${supported}`,
    );
  }
  if (found > SCHEMA_VERSION) {
    throw new SchemaVersionError(
      stored!,
      supported,
      `registry schema version ${found} is newer than this code supports (${supported}); upgrade butler-ts to open it`,
    );
  }
  if (found === SCHEMA_VERSION) return;
  if (!options.migrate) {
    throw new SchemaVersionError(
      stored!,
      supported,
      `registry schema version ${found} is older than ${supported}; open it writeable once to migrate it`,
    );
  }
  await database.transaction(async () => {
    for (let version = found; version < SCHEMA_VERSION; version++) {
      const step = MIGRATIONS.get(version);
      if (step === undefined) {
        throw new SchemaVersionError(
          stored!,
          supported,
          `no migration from registry schema version ${version} to ${version + 1}`,
        );
      }
      await step(database);
    }
    await options.setVersion(SCHEMA_VERSION);
  });
}
