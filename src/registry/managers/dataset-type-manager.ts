import { sql } from "kysely";
import { DatasetType, type DimensionUniverse, splitDatasetTypeName } from "../../core/index.ts";
import {
  ConflictingDefinitionError,
  DatasetTypeError,
  MissingDatasetTypeError,
  OrphanedRecordError,
} from "../../errors/index.ts";
import type { RegistryDatabase } from "../database.ts";
import { type NameExpression, parseNameExpression, patternMatches } from "../name-expression.ts";
import { calibsTable, calibsTableName, tagsTable, tagsTableName } from "../schema/dataset-tables.ts";
import { headerValuesTableName } from "../schema/header-tables.ts";
import { TABLES } from "../schema/static-tables.ts";
import { createTable } from "../schema/table-spec.ts";
import { toBool, toNumber } from "../sql-values.ts";

/** A registered dataset type with its id and association tables. */
export interface DatasetTypeRecord {
  readonly id: number;
  readonly datasetType: DatasetType;
  /** `dataset_tags_<hash>`: RUN and TAGGED membership. */
  readonly tagsTable: string;
  /** `dataset_calibs_<hash>`: CALIBRATION certifications; null for non-calibration types. */
  readonly calibsTable: string | null;
}

/**
 * The components of a storage class: names only (their storage class is then reported as the
 * parent's, until storage classes are known), or a mapping from component name to storage class.
 */
export type ComponentsHook = (
  storageClassName: string,
) => readonly string[] | Readonly<Record<string, string>>;

export interface QueryDatasetTypesOptions {
  /** Explicit names (not patterns) that match nothing are appended here. */
  readonly missing?: string[];
  /** Also match component dataset types (`calexp.wcs`); needs a components hook. */
  readonly components?: boolean;
  /** Overrides the registry's components hook for this call. */
  readonly componentsOf?: ComponentsHook;
}

interface DatasetTypeRow {
  dataset_type_id: unknown;
  name: string;
  storage_class: string;
  dimensions_key: string;
  is_calibration: unknown;
  tag_association_table: string;
  calibration_association_table: string | null;
}

/** Dataset types: registration, lookup (cached by name), removal, queries by expression. */
export class DatasetTypeManager {
  readonly #database: RegistryDatabase;
  readonly #universe: DimensionUniverse;
  readonly #byName = new Map<string, DatasetTypeRecord>();
  readonly #byId = new Map<number, DatasetTypeRecord>();

  constructor(database: RegistryDatabase, universe: DimensionUniverse) {
    this.#database = database;
    this.#universe = universe;
  }

  refresh(): void {
    this.#byName.clear();
    this.#byId.clear();
  }

  /**
   * Registers a dataset type: true when new, false when an identical one exists; a different one of
   * the same name is a ConflictingDefinitionError. Component types are never registered.
   */
  async register(datasetType: DatasetType): Promise<boolean> {
    if (datasetType.isComponent()) {
      throw new DatasetTypeError(
        `cannot register component dataset type '${datasetType.name}'; register its parent '${datasetType.parentName}'`,
      );
    }
    if (datasetType.dimensions.universe !== this.#universe) {
      datasetType = DatasetType.fromNames(
        datasetType.name,
        datasetType.dimensions.names,
        datasetType.storageClass,
        this.#universe,
        { isCalibration: datasetType.isCalibration },
      );
    }
    const existing = await this.find(datasetType.name);
    if (existing !== undefined) {
      checkSame(existing.datasetType, datasetType);
      return false;
    }
    return this.#database.transaction(async () => {
      const group = datasetType.dimensions;
      await createTable(this.#database.db, this.#database.dialect, tagsTable(group), { ifNotExists: true });
      if (datasetType.isCalibration) {
        await createTable(this.#database.db, this.#database.dialect, calibsTable(group), {
          ifNotExists: true,
        });
      }
      const inserted = await this.#database.insertIgnore(
        TABLES.datasetType,
        [
          {
            name: datasetType.name,
            storage_class: datasetType.storageClass,
            dimensions_key: group.names.join(","),
            is_calibration: datasetType.isCalibration,
            tag_association_table: tagsTableName(group),
            calibration_association_table: datasetType.isCalibration ? calibsTableName(group) : null,
          },
        ],
        ["name"],
      );
      const record = await this.find(datasetType.name);
      if (record === undefined) throw new MissingDatasetTypeError(datasetType.name);
      if (inserted === 0) checkSame(record.datasetType, datasetType);
      return inserted > 0;
    });
  }

  /** The record of a registered dataset type, or undefined. */
  async find(name: string): Promise<DatasetTypeRecord | undefined> {
    const cached = this.#byName.get(name);
    if (cached !== undefined) return cached;
    const rows = await this.#database.rows<DatasetTypeRow>(sql`
      SELECT * FROM ${sql.table(TABLES.datasetType)} WHERE name = ${name}`);
    return rows.length > 0 ? this.#remember(rows[0]!) : undefined;
  }

  /** The record of a registered dataset type; MissingDatasetTypeError when there is none. */
  async get(name: string): Promise<DatasetTypeRecord> {
    const record = await this.find(name);
    if (record === undefined) {
      const [parent, component] = splitDatasetTypeName(name);
      if (component !== null) {
        throw new MissingDatasetTypeError(
          name,
          `dataset type '${name}' is a component; components are not registered, look up '${parent}'`,
        );
      }
      const known = (await this.all()).map((r) => r.datasetType.name);
      throw new MissingDatasetTypeError(name, undefined, known);
    }
    return record;
  }

  /**
   * The registered record for a name or a DatasetType. A given DatasetType must match the registered
   * one (a different storage class is allowed when `allowStorageClassOverride`), else
   * ConflictingDefinitionError. Returns the type to put in refs: the given one if it is compatible.
   */
  async resolve(
    datasetType: DatasetType | string,
    options: { allowStorageClassOverride?: boolean } = {},
  ): Promise<{ record: DatasetTypeRecord; datasetType: DatasetType }> {
    if (typeof datasetType === "string") {
      const record = await this.get(datasetType);
      return { record, datasetType: record.datasetType };
    }
    const record = await this.get(datasetType.name);
    const registered = record.datasetType;
    if (registered.equals(datasetType)) return { record, datasetType: registered };
    const compatible =
      options.allowStorageClassOverride === true &&
      registered.dimensions.key === datasetType.dimensions.key &&
      registered.isCalibration === datasetType.isCalibration;
    if (!compatible) {
      throw new ConflictingDefinitionError(
        `dataset type ${datasetType} differs from the registered ${registered}; use the registered definition`,
      );
    }
    return { record, datasetType };
  }

  /** Every registered dataset type, sorted by name (always read afresh: another process may add some). */
  async all(): Promise<DatasetTypeRecord[]> {
    const rows = await this.#database.rows<DatasetTypeRow>(sql`
      SELECT * FROM ${sql.table(TABLES.datasetType)}`);
    this.#byName.clear();
    this.#byId.clear();
    const records = rows.map((row) => this.#remember(row));
    return records.sort((a, b) => compareNames(a.datasetType.name, b.datasetType.name));
  }

  async byId(id: number): Promise<DatasetTypeRecord> {
    const cached = this.#byId.get(id);
    if (cached !== undefined) return cached;
    const rows = await this.#database.rows<DatasetTypeRow>(sql`
      SELECT * FROM ${sql.table(TABLES.datasetType)} WHERE dataset_type_id = ${id}`);
    if (rows.length === 0) throw new MissingDatasetTypeError(`#${id}`);
    return this.#remember(rows[0]!);
  }

  /**
   * Removes dataset types by name or glob. Types with datasets are refused (OrphanedRecordError);
   * names that match nothing are ignored. Returns the names removed.
   */
  async remove(expression: string | readonly string[]): Promise<string[]> {
    const parsed = parseNameExpression(expression);
    return this.#database.transaction(async () => {
      const all = await this.all();
      const targets = all.filter(
        (r) =>
          parsed.all ||
          parsed.names.includes(r.datasetType.name) ||
          parsed.patterns.some((p) => patternMatches(p, r.datasetType.name)),
      );
      for (const record of targets) {
        const rows = await this.#database.rows(sql`
          SELECT 1 AS found FROM ${sql.table(TABLES.dataset)} WHERE dataset_type_id = ${record.id} LIMIT 1`);
        if (rows.length > 0) {
          throw new OrphanedRecordError(
            `cannot remove dataset type '${record.datasetType.name}': datasets of that type exist; remove them first`,
          );
        }
      }
      for (const record of targets) {
        await this.#database.db
          .deleteFrom(TABLES.datasetType)
          .where("dataset_type_id", "=", record.id)
          .execute();
        // Its header keys go by cascade; their values table with them.
        await this.#database.rows(sql`DROP TABLE IF EXISTS ${sql.table(headerValuesTableName(record.id))}`);
        this.#byName.delete(record.datasetType.name);
        this.#byId.delete(record.id);
      }
      return targets.map((r) => r.datasetType.name);
    });
  }

  /**
   * Dataset types matching an expression (names, globs, RegExps; all when absent), sorted by name.
   * Explicit names that are not registered go to `options.missing`. With `components`, component
   * types named explicitly or matched by a pattern are included, from the components hook; without
   * it, those matched by a pattern that matches no parent type.
   */
  async query(
    expression: NameExpression | undefined,
    options: QueryDatasetTypesOptions & { defaultComponentsOf?: ComponentsHook } = {},
  ): Promise<DatasetType[]> {
    const parsed = parseNameExpression(expression);
    const all = await this.all();
    const componentsOf = options.componentsOf ?? options.defaultComponentsOf;
    const out = new Map<string, DatasetType>();
    const byName = new Map(all.map((r) => [r.datasetType.name, r.datasetType]));
    for (const name of parsed.names) {
      const found = byName.get(name) ?? findComponent(byName, name, componentsOf);
      if (found !== undefined) out.set(name, found);
      else options.missing?.push(name);
    }
    if (parsed.all || parsed.patterns.length > 0) {
      const matches = (name: string) => parsed.all || parsed.patterns.some((p) => patternMatches(p, name));
      // As daf_butler does when `components` is not given: a pattern that matches no parent type
      // (`bias.wcs`, /^bias\.wcs/) lists the components it matches.
      const unmatched = parsed.patterns.filter(
        (p) => ![...byName.keys()].some((name) => patternMatches(p, name)),
      );
      const componentMatches = (name: string) =>
        options.components === true
          ? matches(name)
          : options.components === undefined && unmatched.some((p) => patternMatches(p, name));
      for (const parent of byName.values()) {
        if (matches(parent.name)) out.set(parent.name, parent);
        if (componentsOf === undefined || options.components === false) continue;
        for (const component of componentTypes(parent, componentsOf)) {
          if (componentMatches(component.name)) out.set(component.name, component);
        }
      }
    }
    return [...out.values()].sort((a, b) => compareNames(a.name, b.name));
  }

  #remember(row: DatasetTypeRow): DatasetTypeRecord {
    const id = toNumber(row.dataset_type_id);
    const datasetType = DatasetType.fromNames(
      row.name,
      row.dimensions_key === "" ? [] : row.dimensions_key.split(","),
      row.storage_class,
      this.#universe,
      { isCalibration: toBool(row.is_calibration) },
    );
    const record: DatasetTypeRecord = Object.freeze({
      id,
      datasetType,
      tagsTable: row.tag_association_table,
      calibsTable: row.calibration_association_table,
    });
    this.#byName.set(row.name, record);
    this.#byId.set(id, record);
    return record;
  }
}

/** Throws ConflictingDefinitionError when the definitions differ; returns true when they are equal. */
function checkSame(registered: DatasetType, given: DatasetType): boolean {
  if (registered.equals(given)) return true;
  const differences: string[] = [];
  if (!registered.dimensions.equals(given.dimensions))
    differences.push(`dimensions ${given.dimensions} vs ${registered.dimensions}`);
  if (registered.storageClass !== given.storageClass)
    differences.push(`storage class ${given.storageClass} vs ${registered.storageClass}`);
  if (registered.isCalibration !== given.isCalibration)
    differences.push(`isCalibration ${given.isCalibration} vs ${registered.isCalibration}`);
  throw new ConflictingDefinitionError(
    `dataset type '${given.name}' is already registered with a different definition (${differences.join("; ")}); ` +
      "accepted: the identical definition, or a new name",
  );
}

function componentTypes(parent: DatasetType, componentsOf: ComponentsHook): DatasetType[] {
  const components = componentsOf(parent.storageClass);
  const entries: [string, string][] = Array.isArray(components)
    ? (components as readonly string[]).map((c) => [c, parent.storageClass])
    : Object.entries(components as Readonly<Record<string, string>>);
  return entries.map(([name, storageClass]) => parent.makeComponentDatasetType(name, storageClass));
}

function findComponent(
  byName: ReadonlyMap<string, DatasetType>,
  name: string,
  componentsOf: ComponentsHook | undefined,
): DatasetType | undefined {
  const [parentName, component] = splitDatasetTypeName(name);
  const parent = byName.get(parentName);
  if (component === null || parent === undefined || componentsOf === undefined) return undefined;
  return componentTypes(parent, componentsOf).find((t) => t.name === name);
}

function compareNames(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
