import { sql } from "kysely";
import {
  DataCoordinate,
  type DataIdInput,
  type DataIdValue,
  type DimensionElement,
  type DimensionGroup,
  type DimensionRecord,
  type DimensionUniverse,
  makeDimensionRecord,
  type ParsedDataId,
  parseDataId,
  type RecordConstraint,
} from "../../core/index.ts";
import {
  DataIdValueError,
  DimensionRecordNotFoundError,
  InconsistentDataIdError,
} from "../../errors/index.ts";
import type { RegistryDatabase } from "../database.ts";
import { elementColumnFor, elementKeyColumns } from "../schema/dimension-tables.ts";
import { columnTypeOf, type DimensionRecordManager, keyOf } from "./dimension-record-manager.ts";
import { recordFromRow } from "./dimension-rows.ts";

export interface ExpandDataIdsOptions {
  /** The dimensions of every data ID; inferred from each one's keys when absent. */
  readonly dimensions?: DimensionGroup | Iterable<string>;
  /** Attach the records of every element of the group (join elements included). */
  readonly records?: boolean;
  /** Records already known, by element name; they are used instead of being looked up. */
  readonly given?: ReadonlyMap<string, DimensionRecord | null>;
  /** Values for dimensions given no value (butler defaults). */
  readonly defaults?: DataIdInput | null;
}

/** One data ID being expanded. */
interface Work {
  readonly parsed: ParsedDataId;
  readonly values: Map<string, DataIdValue>;
  readonly records: Map<string, DimensionRecord | null>;
  /**
   * Dimensions whose value was read from a stored record that implies them: stored records only
   * refer to records that exist, so these need no lookup of their own unless records are wanted.
   */
  readonly confirmed: Set<string>;
}

/**
 * Turns user data IDs into full (or expanded) DataCoordinates in bulk: alternate keys and record
 * fields (`detector: "Ab"`, `exposure.obs_id`) are looked up, every dimension's record is checked to
 * exist, implied values are filled from the records. The number of statements depends on the number
 * of elements and distinct constraints, never on the number of data IDs.
 */
export class DataIdExpander {
  readonly #database: RegistryDatabase;
  readonly #universe: DimensionUniverse;
  readonly #records: DimensionRecordManager;

  constructor(database: RegistryDatabase, universe: DimensionUniverse, records: DimensionRecordManager) {
    this.#database = database;
    this.#universe = universe;
    this.#records = records;
  }

  /** Expands data IDs; the result has one DataCoordinate per input, in order. */
  async expand(
    inputs: readonly DataIdInput[],
    options: ExpandDataIdsOptions = {},
  ): Promise<DataCoordinate[]> {
    const parseOptions = {
      universe: this.#universe,
      ...(options.dimensions !== undefined ? { dimensions: options.dimensions } : {}),
      ...(options.defaults !== undefined ? { defaults: options.defaults } : {}),
    };
    const works: Work[] = inputs.map((input) => {
      const parsed = parseDataId(input, parseOptions);
      return { parsed, values: new Map(parsed.values), records: new Map(), confirmed: new Set<string>() };
    });
    await this.#resolveConstraints(works);
    const byGroup = new Map<DimensionGroup, Work[]>();
    for (const work of works) {
      const list = byGroup.get(work.parsed.dimensions);
      if (list === undefined) byGroup.set(work.parsed.dimensions, [work]);
      else list.push(work);
    }
    for (const [group, list] of byGroup) await this.#lookUp(group, list, options);
    return works.map((work) => {
      // `values` holds the parsed values and every resolved one, already checked for agreement.
      const dataId = DataCoordinate.fromValueMap(work.parsed.dimensions, work.values);
      if (!options.records) return dataId;
      const records = new Map<string, DimensionRecord | null>();
      for (const element of dataId.dimensions.elements)
        records.set(element, work.records.get(element) ?? null);
      return dataId.expanded(records);
    });
  }

  /** Looks up the records that alternate keys and record fields name, element by element. */
  async #resolveConstraints(works: readonly Work[]): Promise<void> {
    const elements = new Set<string>();
    for (const work of works) for (const c of work.parsed.constraints) elements.add(c.element);
    if (elements.size === 0) return;
    for (const name of this.#universe.sorted(elements)) {
      const element = this.#universe.getElement(name);
      const queries = new Map<string, { conditions: [string, unknown][]; works: Work[] }>();
      for (const work of works) {
        const constraints = work.parsed.constraints.filter((c) => c.element === name);
        if (constraints.length === 0) continue;
        const conditions = this.#conditions(element, work, constraints);
        const key = keyOf(conditions.map(([c, v]) => [c, v instanceof Uint8Array ? [...v] : v]));
        const entry = queries.get(key);
        if (entry === undefined) queries.set(key, { conditions, works: [work] });
        else entry.works.push(work);
      }
      for (const { conditions, works: matching } of queries.values()) {
        const where = sql.join(
          conditions.map(([column, value]) => sql`${sql.ref(column)} = ${value}`),
          sql` AND `,
        );
        const rows = await this.#database.rows(
          sql`SELECT * FROM ${sql.table(element.name)} WHERE ${where} LIMIT 2`,
        );
        const described = Object.fromEntries(conditions);
        if (rows.length === 0) throw new DimensionRecordNotFoundError(element.name, described);
        if (rows.length > 1) {
          throw new DataIdValueError(
            element.name,
            `${Object.entries(described)
              .map(([k, v]) => `${element.name}.${k}=${JSON.stringify(v)}`)
              .join(", ")} matches several ${element.name} records; add the dimensions it depends on ` +
              `(${element.required.filter((d) => d !== element.name).join(", ") || "none"}) or use the primary key`,
          );
        }
        const record = recordFromRow(element, rows[0]!);
        for (const work of matching) {
          for (const field of element.recordFields) {
            if (field.dimension === undefined || !work.parsed.dimensions.has(field.dimension)) continue;
            setValue(work, field.dimension, record[field.name] as DataIdValue, `${element.name} record`);
          }
          work.records.set(element.name, record);
        }
      }
    }
  }

  /** Column = value conditions for one data ID's constraints on an element, plus its known keys. */
  #conditions(
    element: DimensionElement,
    work: Work,
    constraints: readonly RecordConstraint[],
  ): [string, unknown][] {
    const conditions: [string, unknown][] = [];
    for (const dimension of element.required) {
      const value = work.values.get(dimension);
      if (value !== undefined) conditions.push([elementColumnFor(element, dimension)!, value]);
    }
    for (const c of constraints) conditions.push([c.field, c.value]);
    return conditions;
  }

  /** Checks each element's record exists and fills implied values from it, in lookup order. */
  async #lookUp(group: DimensionGroup, works: readonly Work[], options: ExpandDataIdsOptions): Promise<void> {
    for (const name of group.lookupOrder) {
      const element = this.#universe.getElement(name);
      if (element.kind === "join" && !options.records) continue;
      const given = options.given?.get(name);
      if (given !== undefined) {
        for (const work of works) {
          work.records.set(name, given);
          if (given !== null) this.#takeImplied(group, element, work, given);
        }
        continue;
      }
      if (element.kind === "skypix") {
        if (!options.records) continue;
        for (const work of works) {
          const value = work.values.get(name);
          if (value !== undefined) {
            work.records.set(name, makeDimensionRecord(element, { [element.primaryKey!.name]: value }));
          }
        }
        continue;
      }
      if (!element.hasOwnTable) {
        const unconfirmed = options.records ? works : works.filter((w) => !w.confirmed.has(name));
        await this.#checkUnionValues(element, unconfirmed, options.records === true);
        continue;
      }
      const pending = works.filter(
        (w) =>
          !w.records.has(name) &&
          !(w.confirmed.has(name) && !options.records) &&
          element.required.every((d) => w.values.has(d)),
      );
      if (pending.length === 0) continue;
      // Many data IDs share a record (every detector of a visit): each distinct key is looked up once.
      const keys = pending.map((w) => keyOf(element.required.map((d) => w.values.get(d)!)));
      const distinct = new Map<string, readonly DataIdValue[]>();
      pending.forEach((w, i) => {
        if (!distinct.has(keys[i]!))
          distinct.set(
            keys[i]!,
            element.required.map((d) => w.values.get(d)!),
          );
      });
      if (!options.records) {
        await this.#takeImpliedValues(group, element, pending, keys, distinct);
        continue;
      }
      const found = await this.#records.fetchRecords(element, [...distinct.values()]);
      pending.forEach((work, i) => {
        const record = found.get(keys[i]!);
        if (record === undefined) {
          if (element.kind === "join") {
            work.records.set(name, null);
            return;
          }
          const columns = elementKeyColumns(element);
          const tuple = distinct.get(keys[i]!)!;
          throw new DimensionRecordNotFoundError(
            name,
            Object.fromEntries(columns.map((c, j) => [c, tuple[j]])),
          );
        }
        work.records.set(name, record);
        this.#takeImplied(group, element, work, record);
      });
    }
  }

  /**
   * Without records: checks each key exists and takes the implied values from only those columns.
   * `keys[i]` is the key of `works[i]`; `distinct` holds each key's values once.
   */
  async #takeImpliedValues(
    group: DimensionGroup,
    element: DimensionElement,
    works: readonly Work[],
    keys: readonly string[],
    distinct: ReadonlyMap<string, readonly DataIdValue[]>,
  ): Promise<void> {
    const found = await this.#records.fetchImplied(element, [...distinct.values()]);
    works.forEach((work, i) => {
      const implied = found.get(keys[i]!);
      if (implied === undefined) {
        if (element.kind === "join") return;
        const columns = elementKeyColumns(element);
        const tuple = distinct.get(keys[i]!)!;
        throw new DimensionRecordNotFoundError(
          element.name,
          Object.fromEntries(columns.map((c, j) => [c, tuple[j]])),
        );
      }
      for (const [dimension, value] of implied) {
        if (!group.has(dimension)) continue;
        setValue(work, dimension, value, `the ${element.name} record`);
        work.confirmed.add(dimension);
      }
    });
  }

  /** A dimension with no table (band) exists when some record of its target (physical_filter) has it. */
  async #checkUnionValues(
    element: DimensionElement,
    works: readonly Work[],
    records: boolean,
  ): Promise<void> {
    const target = element.impliedUnionTarget;
    const values = [...new Set(works.map((w) => w.values.get(element.name)).filter((v) => v !== undefined))];
    if (target === null || values.length === 0) return;
    const targetElement = this.#universe.getElement(target);
    const found = await this.#records.existingKeys(
      target,
      [{ name: element.name, type: columnTypeOf(targetElement, element.name) }],
      values.map((v) => [v]),
    );
    for (const work of works) {
      const value = work.values.get(element.name);
      if (value === undefined) continue;
      if (!found.has(keyOf([value]))) {
        throw new DimensionRecordNotFoundError(
          element.name,
          { [element.primaryKey!.name]: value },
          ` (${element.name} values are those of ${target} records)`,
        );
      }
      if (records) {
        work.records.set(element.name, makeDimensionRecord(element, { [element.primaryKey!.name]: value }));
      }
    }
  }

  #takeImplied(group: DimensionGroup, element: DimensionElement, work: Work, record: DimensionRecord): void {
    for (const dimension of element.implied) {
      if (!group.has(dimension)) continue;
      const value = record[dimension];
      if (typeof value === "number" || typeof value === "string") {
        setValue(work, dimension, value, `the ${element.name} record`);
      }
    }
  }
}

function setValue(work: Work, dimension: string, value: DataIdValue, source: string): void {
  const previous = work.values.get(dimension);
  if (previous !== undefined && previous !== value) {
    throw new InconsistentDataIdError(
      dimension,
      `data ID gives ${dimension}=${JSON.stringify(previous)} but ${source} says ${JSON.stringify(value)}`,
    );
  }
  work.values.set(dimension, value);
}
