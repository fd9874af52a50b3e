import { sql } from "kysely";
import { CollectionType, validateCollectionName } from "../../core/index.ts";
import {
  CollectionCycleError,
  CollectionNameError,
  CollectionTypeError,
  ConflictingDefinitionError,
  MissingCollectionError,
  OrphanedRecordError,
} from "../../errors/index.ts";
import type { RegistryDatabase } from "../database.ts";
import {
  isGlob,
  type NameExpression,
  orderedNames,
  parseNameExpression,
  patternMatches,
} from "../name-expression.ts";
import { TABLES } from "../schema/static-tables.ts";
import { toNumber } from "../sql-values.ts";

/** One collection as the registry stores it. */
export interface CollectionRecord {
  readonly id: number;
  readonly name: string;
  readonly type: CollectionType;
}

export interface QueryCollectionsOptions {
  /** Only collections of these types (every type when absent). */
  readonly collectionTypes?: CollectionType | Iterable<CollectionType>;
  /** Replace matching CHAINED collections by their children, recursively. */
  readonly flattenChains?: boolean;
  /** List matching CHAINED collections themselves; by default the opposite of `flattenChains`. */
  readonly includeChains?: boolean;
}

interface ChainEdge {
  readonly parent: number;
  readonly position: number;
  readonly child: CollectionRecord;
}

/**
 * Collections: RUN, TAGGED, CHAINED and CALIBRATION, their documentation and chain definitions.
 * Records (id, name, type) never change once made, so they are cached by name and id; chain
 * definitions can change under another process, so they are always read from the database.
 */
export class CollectionManager {
  readonly #database: RegistryDatabase;
  readonly #byName = new Map<string, CollectionRecord>();
  readonly #byId = new Map<number, CollectionRecord>();
  /** Flattened search orders by the names searched: find-first lookups repeat them call after call. */
  readonly #searchOrders = new Map<string, readonly CollectionRecord[]>();
  /** Whether a search names one chain whose children are all non-chains, by the names searched. */
  readonly #flatChains = new Map<string, CollectionRecord | null>();

  constructor(database: RegistryDatabase) {
    this.#database = database;
  }

  /** Forgets cached records (after another process removed collections). */
  refresh(): void {
    this.#byName.clear();
    this.#byId.clear();
    this.#forgetSearches();
  }

  #forgetSearches(): void {
    this.#searchOrders.clear();
    this.#flatChains.clear();
  }

  /** Registers a collection; false when one of the same name and type already exists. */
  async register(name: string, type: CollectionType, doc?: string | null): Promise<boolean> {
    validateCollectionName(name);
    // Every query reads such a name as a pattern, so the collection could never be named alone.
    if (isGlob(name) || name === "...") {
      throw new CollectionNameError(
        name,
        `collection name ${JSON.stringify(name)} contains a glob character (* or ?) or is '...', so queries ` +
          "would read it as a pattern; accepted: names without * and ?",
      );
    }
    if (!(type instanceof CollectionType)) type = CollectionType.fromName(String(type));
    return this.#database.transaction(async () => {
      const inserted = await this.#database.insertIgnore(
        TABLES.collection,
        [{ name, type: type.value, doc: doc ?? null }],
        ["name"],
      );
      this.#byName.delete(name);
      const record = await this.find(name);
      if (record.type !== type) {
        throw new ConflictingDefinitionError(
          `collection '${name}' already exists with type ${record.type.name}, not ${type.name}; ` +
            "accepted: the same type, or another name",
        );
      }
      if (inserted > 0 && type === CollectionType.RUN) {
        await this.#database.insert(TABLES.run, [
          { collection_id: record.id, host: null, timespan_begin: null, timespan_end: null },
        ]);
      }
      return inserted > 0;
    });
  }

  /** The record of a collection; MissingCollectionError when there is none. */
  async find(name: string): Promise<CollectionRecord> {
    const [record] = await this.findMany([name]);
    return record!;
  }

  /** Records for names, in the same order; MissingCollectionError names the first missing one. */
  async findMany(names: readonly string[]): Promise<CollectionRecord[]> {
    const missing = [...new Set(names.filter((n) => !this.#byName.has(n)))];
    if (missing.length > 0) {
      const rows = await this.#database.rows<{ collection_id: unknown; name: string; type: unknown }>(sql`
        SELECT c.collection_id, c.name, c.type
        FROM ${this.#database.rowsTable(
          missing.map((n) => [n]),
          [{ name: "name", type: { kind: "text" } }],
        )} AS k
        CROSS JOIN ${sql.table(TABLES.collection)} AS c WHERE c.name = k.name`);
      for (const row of rows) this.#remember(row);
    }
    const absent = names.find((name) => !this.#byName.has(name));
    if (absent !== undefined) {
      const known = (await this.all()).map((r) => r.name);
      throw new MissingCollectionError(absent, undefined, known);
    }
    return names.map((name) => this.#byName.get(name)!);
  }

  /** Records by id (ids from association tables). */
  async byIds(ids: readonly number[]): Promise<Map<number, CollectionRecord>> {
    const missing = [...new Set(ids.filter((id) => !this.#byId.has(id)))];
    if (missing.length > 0) {
      const rows = await this.#database.rows<{ collection_id: unknown; name: string; type: unknown }>(sql`
        SELECT c.collection_id, c.name, c.type
        FROM ${this.#database.rowsTable(
          missing.map((id) => [id]),
          [{ name: "id", type: { kind: "int64" } }],
        )} AS k
        CROSS JOIN ${sql.table(TABLES.collection)} AS c WHERE c.collection_id = k.id`);
      for (const row of rows) this.#remember(row);
    }
    const out = new Map<number, CollectionRecord>();
    for (const id of ids) {
      const record = this.#byId.get(id);
      if (record !== undefined) out.set(id, record);
    }
    return out;
  }

  /** Every collection, in registration order. */
  async all(): Promise<CollectionRecord[]> {
    const rows = await this.#database.rows<{ collection_id: unknown; name: string; type: unknown }>(sql`
      SELECT collection_id, name, type FROM ${sql.table(TABLES.collection)} ORDER BY collection_id`);
    return rows.map((row) => this.#remember(row));
  }

  async getDocumentation(name: string): Promise<string | null> {
    const record = await this.find(name);
    const rows = await this.#database.rows<{ doc: string | null }>(sql`
      SELECT doc FROM ${sql.table(TABLES.collection)} WHERE collection_id = ${record.id}`);
    return rows[0]?.doc ?? null;
  }

  async setDocumentation(name: string, doc: string | null): Promise<void> {
    const record = await this.find(name);
    await this.#database.db
      .updateTable(TABLES.collection)
      .set({ doc })
      .where("collection_id", "=", record.id)
      .execute();
  }

  /**
   * Removes a collection and its associations. Refused (OrphanedRecordError) for a child of a chain and
   * for a RUN that still holds datasets.
   */
  async remove(name: string): Promise<void> {
    this.#forgetSearches();
    await this.#database.transaction(async () => {
      const record = await this.find(name);
      const parents = await this.parentChains(name);
      if (parents.length > 0) {
        throw new OrphanedRecordError(
          `cannot remove collection '${name}': it is a child of CHAINED collection(s) ${parents.map((p) => `'${p}'`).join(", ")}; ` +
            "remove it from those chains first",
        );
      }
      if (record.type === CollectionType.RUN) {
        const rows = await this.#database.rows(sql`
          SELECT 1 AS found FROM ${sql.table(TABLES.dataset)} WHERE run_id = ${record.id} LIMIT 1`);
        if (rows.length > 0) {
          throw new OrphanedRecordError(
            `cannot remove RUN collection '${name}': it still holds datasets; remove its datasets first`,
          );
        }
      }
      await this.#database.db.deleteFrom(TABLES.collection).where("collection_id", "=", record.id).execute();
      this.#byName.delete(name);
      this.#byId.delete(record.id);
    });
  }

  /** The direct children of a CHAINED collection, in search order. */
  async getChain(parent: string): Promise<string[]> {
    const record = await this.find(parent);
    requireChained(record, "getCollectionChain");
    const edges = await this.#chainEdges([record.id]);
    return (edges.get(record.id) ?? []).map((e) => e.child.name);
  }

  /**
   * Defines a CHAINED collection's children. Children must exist and be names (no wildcards);
   * duplicates keep their first place. With `flatten`, chains among the children are replaced by
   * their flattened contents. A child that is the parent or contains it is a CollectionCycleError.
   */
  async setChain(parent: string, children: NameExpression, flatten = false): Promise<void> {
    const names = orderedNames(children, "a chain definition");
    this.#forgetSearches();
    await this.#database.transaction(async () => {
      const record = await this.find(parent);
      requireChained(record, "setCollectionChain");
      let records = await this.findMany(names);
      if (flatten) records = await this.flatten(records, { includeChains: false });
      const ancestors = await this.#ancestors(record.id);
      for (const child of records) {
        if (ancestors.has(child.id)) throw new CollectionCycleError(parent, child.name);
      }
      await this.#database.lockTable(TABLES.collectionChain);
      await this.#database.db.deleteFrom(TABLES.collectionChain).where("parent", "=", record.id).execute();
      const seen = new Set<number>();
      const rows: Record<string, unknown>[] = [];
      for (const child of records) {
        if (seen.has(child.id)) continue;
        seen.add(child.id);
        rows.push({ parent: record.id, position: rows.length, child: child.id });
      }
      await this.#database.insert(TABLES.collectionChain, rows);
    });
  }

  /** The CHAINED collections that list this one directly, by name. */
  async parentChains(name: string): Promise<string[]> {
    const record = await this.find(name);
    const rows = await this.#database.rows<{ name: string }>(sql`
      SELECT DISTINCT c.name FROM ${sql.table(TABLES.collectionChain)} AS cc
      CROSS JOIN ${sql.table(TABLES.collection)} AS c
      WHERE cc.child = ${record.id} AND c.collection_id = cc.parent
      ORDER BY c.name`);
    return rows.map((r) => r.name);
  }

  /**
   * The collections an ordered search visits: each given collection in turn, CHAINED ones replaced by
   * their children depth-first; a collection already visited is skipped. Chains themselves are
   * listed before their children when `includeChains` is set.
   */
  async flatten(
    records: readonly CollectionRecord[],
    options: { includeChains: boolean },
  ): Promise<CollectionRecord[]> {
    const chains = records.filter((r) => r.type === CollectionType.CHAINED).map((r) => r.id);
    const edges = chains.length > 0 ? await this.#chainEdges(chains) : new Map<number, ChainEdge[]>();
    const out: CollectionRecord[] = [];
    const seen = new Set<number>();
    const visit = (record: CollectionRecord): void => {
      if (seen.has(record.id)) return;
      seen.add(record.id);
      if (record.type === CollectionType.CHAINED) {
        if (options.includeChains) out.push(record);
        for (const edge of edges.get(record.id) ?? []) visit(edge.child);
      } else {
        out.push(record);
      }
    };
    for (const record of records) visit(record);
    return out;
  }

  /** Names of the collections a find-first search of `collections` visits, in order. */
  async searchOrder(collections: NameExpression): Promise<CollectionRecord[]> {
    return [...(await this.cachedSearchOrder(collections))];
  }

  /**
   * `searchOrder` without the copy: the same array object while it stays cached, so callers can key
   * what they derive from it by identity (it is replaced whenever the cache is cleared).
   */
  async cachedSearchOrder(collections: NameExpression): Promise<readonly CollectionRecord[]> {
    const names = orderedNames(collections, "a find-first search");
    // Names have no control characters, so a one-name key never equals a list's.
    const key = names.length === 1 ? names[0]! : `\u0000${JSON.stringify(names)}`;
    const cached = this.#searchOrders.get(key);
    if (cached !== undefined) return cached;
    const order = await this.flatten(await this.findMany(names), { includeChains: false });
    // Kept only outside transactions, so a rolled-back chain change is never remembered.
    if (!this.#database.inTransaction) this.#searchOrders.set(key, order);
    return order;
  }

  /**
   * The chain when a search names exactly one CHAINED collection whose children are all RUN, TAGGED or
   * CALIBRATION collections: its search order is then the chain's own rows in position order, which
   * a single-data-ID lookup can read in the database instead of binding every rank. Null otherwise.
   */
  async flatChain(collections: NameExpression): Promise<CollectionRecord | null> {
    const names = orderedNames(collections, "a find-first search");
    if (names.length !== 1) return null;
    const cached = this.#flatChains.get(names[0]!);
    if (cached !== undefined) return cached;
    const [record] = await this.findMany(names);
    let flat: CollectionRecord | null = null;
    if (record!.type === CollectionType.CHAINED) {
      const edges = await this.#chainEdges([record!.id]);
      const children = edges.get(record!.id) ?? [];
      if (edges.size <= 1 && children.every((e) => e.child.type !== CollectionType.CHAINED)) flat = record!;
    }
    if (!this.#database.inTransaction) this.#flatChains.set(names[0]!, flat);
    return flat;
  }

  /**
   * Collection names matching an expression: explicitly named collections first, in the order given
   * (a missing one is a MissingCollectionError), then pattern matches in registration order;
   * each name at most once.
   */
  async query(
    expression: NameExpression | undefined,
    options: QueryCollectionsOptions = {},
  ): Promise<string[]> {
    const parsed = parseNameExpression(expression);
    const types = normalizeTypes(options.collectionTypes);
    const flattenChains = options.flattenChains ?? false;
    const includeChains = options.includeChains ?? !flattenChains;
    const candidates: CollectionRecord[] = [...(await this.findMany(parsed.names))];
    if (parsed.all || parsed.patterns.length > 0) {
      for (const record of await this.all()) {
        if (parsed.all || parsed.patterns.some((p) => patternMatches(p, record.name)))
          candidates.push(record);
      }
    }
    const chains = candidates.filter((r) => r.type === CollectionType.CHAINED).map((r) => r.id);
    const edges =
      flattenChains && chains.length > 0 ? await this.#chainEdges(chains) : new Map<number, ChainEdge[]>();
    const out: string[] = [];
    const emitted = new Set<number>();
    const expanded = new Set<number>();
    const emit = (record: CollectionRecord): void => {
      if (!emitted.has(record.id) && types.has(record.type)) {
        emitted.add(record.id);
        out.push(record.name);
      }
    };
    const visit = (record: CollectionRecord): void => {
      if (record.type !== CollectionType.CHAINED) {
        emit(record);
        return;
      }
      if (includeChains) emit(record);
      if (!flattenChains || expanded.has(record.id)) return;
      expanded.add(record.id);
      for (const edge of edges.get(record.id) ?? []) visit(edge.child);
    };
    for (const record of candidates) visit(record);
    return out;
  }

  /**
   * Every chain edge reachable from the given chains, by parent, in position order: one recursive
   * query that follows only CHAINED children, so its cost is the number of edges, not their square.
   */
  async #chainEdges(roots: readonly number[]): Promise<Map<number, ChainEdge[]>> {
    const rows = await this.#database.rows<{
      parent: unknown;
      position: unknown;
      child: unknown;
      name: string;
      type: unknown;
    }>(sql`
      WITH RECURSIVE reach(id) AS (
        SELECT roots.id FROM ${this.#database.rowsTable(
          roots.map((id) => [id]),
          [{ name: "id", type: { kind: "int64" } }],
        )} AS roots
        UNION
        SELECT cc.child FROM reach
        CROSS JOIN ${sql.table(TABLES.collectionChain)} AS cc
        CROSS JOIN ${sql.table(TABLES.collection)} AS sub
        WHERE cc.parent = reach.id AND sub.collection_id = cc.child AND sub.type = ${CollectionType.CHAINED.value}
      )
      SELECT cc.parent, cc.position, cc.child, c.name, c.type
      FROM reach
      CROSS JOIN ${sql.table(TABLES.collectionChain)} AS cc
      CROSS JOIN ${sql.table(TABLES.collection)} AS c
      WHERE cc.parent = reach.id AND c.collection_id = cc.child
      ORDER BY cc.parent, cc.position`);
    const edges = new Map<number, ChainEdge[]>();
    for (const row of rows) {
      const child = this.#remember({ collection_id: row.child, name: row.name, type: row.type });
      const parent = toNumber(row.parent);
      let list = edges.get(parent);
      if (list === undefined) {
        list = [];
        edges.set(parent, list);
      }
      list.push({ parent, position: toNumber(row.position), child });
    }
    return edges;
  }

  /** The collection and every chain that contains it, directly or through other chains. */
  async #ancestors(id: number): Promise<Set<number>> {
    const rows = await this.#database.rows<{ id: unknown }>(sql`
      WITH RECURSIVE up(id) AS (
        SELECT c.collection_id FROM ${sql.table(TABLES.collection)} AS c WHERE c.collection_id = ${id}
        UNION
        SELECT cc.parent FROM up CROSS JOIN ${sql.table(TABLES.collectionChain)} AS cc WHERE cc.child = up.id
      )
      SELECT id FROM up`);
    return new Set(rows.map((r) => toNumber(r.id)));
  }

  #remember(row: { collection_id: unknown; name: string; type: unknown }): CollectionRecord {
    const id = toNumber(row.collection_id);
    const type = CollectionType.fromValue(toNumber(row.type));
    const cached = this.#byId.get(id);
    const record =
      cached !== undefined && cached.name === row.name && cached.type === type
        ? cached
        : Object.freeze({ id, name: row.name, type });
    this.#byName.set(record.name, record);
    this.#byId.set(id, record);
    return record;
  }
}

function requireChained(record: CollectionRecord, operation: string): void {
  if (record.type !== CollectionType.CHAINED) {
    throw new CollectionTypeError(
      `${operation}: collection '${record.name}' is a ${record.type.name} collection; accepted: a CHAINED collection`,
    );
  }
}

function normalizeTypes(types: QueryCollectionsOptions["collectionTypes"]): Set<CollectionType> {
  if (types === undefined) return new Set(CollectionType.all);
  if (types instanceof CollectionType) return new Set([types]);
  return new Set(types);
}
