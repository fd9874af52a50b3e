/**
 * Setting up a registry's database: creating the tables and attributes of a new one, and checking an
 * existing one (its schema version, migrated on a writeable open) and reading the dimension universe
 * stored in it, so a repository keeps the universe it was made with.
 */
import { sql } from "kysely";
import { DimensionUniverse, defaultUniverse } from "../../core/index.ts";
import { ConflictingDefinitionError, SchemaVersionError } from "../../errors/index.ts";
import type { RegistryDatabase } from "../database.ts";
import { createSchema } from "./create-schema.ts";
import { ATTRIBUTES, checkSchemaVersion, SCHEMA_VERSION } from "./schema-version.ts";
import { TABLES } from "./static-tables.ts";

/**
 * Creates the registry's tables and attributes in one transaction. A database that already has a
 * registry is a ConflictingDefinitionError.
 */
export async function initializeRegistryDatabase(
  database: RegistryDatabase,
  universe: DimensionUniverse,
): Promise<void> {
  const dialect = database.dialect;
  await dialect.prepareNamespace();
  if (await dialect.hasTable(TABLES.attributes)) {
    throw new ConflictingDefinitionError(
      `a registry already exists in ${dialect.location}; open it with Registry.open, or use an empty database`,
    );
  }
  await database.transaction(async () => {
    await createSchema(database, universe);
    await database.insert(TABLES.attributes, [
      { name: ATTRIBUTES.schemaVersion, value: String(SCHEMA_VERSION) },
      { name: ATTRIBUTES.dimensionsConfig, value: JSON.stringify(universe.config) },
      { name: ATTRIBUTES.universeVersion, value: String(universe.version) },
      { name: ATTRIBUTES.universeNamespace, value: universe.namespace },
      { name: ATTRIBUTES.createdBy, value: "butler-ts" },
    ]);
  });
}

/**
 * Checks an existing registry's schema version (an older one is migrated when `writeable`, a newer one
 * refused) and returns the dimension universe stored in it.
 */
export async function loadRegistryDatabase(
  database: RegistryDatabase,
  writeable: boolean,
): Promise<DimensionUniverse> {
  const dialect = database.dialect;
  if (!(await dialect.hasTable(TABLES.attributes))) {
    throw new SchemaVersionError(
      null,
      String(SCHEMA_VERSION),
      `no registry in ${dialect.location}: the ${TABLES.attributes} table is missing; create one with Registry.create`,
    );
  }
  const rows = await database.rows<{ name: string; value: string }>(
    sql`SELECT name, value FROM ${sql.table(TABLES.attributes)}`,
  );
  const attributes = new Map(rows.map((r) => [r.name, r.value]));
  await checkSchemaVersion(database, attributes.get(ATTRIBUTES.schemaVersion), {
    migrate: writeable,
    setVersion: async (version) => {
      await database.upsert(
        TABLES.attributes,
        [{ name: ATTRIBUTES.schemaVersion, value: String(version) }],
        ["name"],
      );
    },
  });
  const config = attributes.get(ATTRIBUTES.dimensionsConfig);
  return config === undefined
    ? defaultUniverse()
    : DimensionUniverse.fromConfig(JSON.parse(config) as unknown);
}
