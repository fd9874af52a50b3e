import { type RawBuilder, sql } from "kysely";
import type { DimensionElement, DimensionGroup } from "../../core/index.ts";
import { InvalidQueryError } from "../../errors/index.ts";
import { elementColumnFor } from "../schema/dimension-tables.ts";

/** A relation that already holds some dimensions' values in columns named after them (a dataset search). */
export interface KeyedRelation {
  readonly alias: string;
  /** A parenthesized subquery or a table reference. */
  readonly relation: RawBuilder<unknown>;
  /** The dimensions whose values the relation has, each in a column of the same name. */
  readonly dimensions: readonly string[];
}

/**
 * The FROM clause of a query over a group of dimensions: the given relations first (they drive),
 * then the dimension element tables the query needs, each joined to what came before on the
 * dimensions they share. It records, for every dimension of the group, the SQL expression holding
 * its value, so the rest of the query never needs to know which table a value came from.
 *
 * Element tables are joined when a dimension of the group has no other source, when an expression
 * uses one of their fields, or when they are `always_join` elements of the group; implied dimensions
 * that nothing else provides are looked up with LEFT JOINs (visit → physical_filter → band).
 * Items are joined with CROSS JOIN and WHERE conditions so that SQLite keeps the driving relation as
 * the outer loop.
 */
export class JoinPlan {
  readonly group: DimensionGroup;
  readonly #items: RawBuilder<unknown>[] = [];
  readonly #conditions: RawBuilder<unknown>[] = [];
  readonly #keys = new Map<string, RawBuilder<unknown>>();
  readonly #aliases = new Map<string, string>();
  #crossItems = 0;

  private constructor(group: DimensionGroup) {
    this.group = group;
  }

  /**
   * Plans the joins for `group`: `relations` first, then the tables of `elements` (and of whatever
   * they depend on), then the lookups that give every implied dimension a value.
   */
  static build(
    group: DimensionGroup,
    relations: readonly KeyedRelation[],
    elements: Iterable<string>,
    /** Look up only these implied dimensions (all when absent); the rest get no source. */
    lookups?: ReadonlySet<string>,
  ): JoinPlan {
    const plan = new JoinPlan(group);
    for (const relation of relations) plan.#addRelation(relation);
    const universe = group.universe;
    const needed = new Set<string>(elements);
    for (const name of group.elements) {
      const element = universe.getElement(name);
      if (element.alwaysJoin && element.hasOwnTable) needed.add(name);
    }
    for (const dimension of group.required) {
      if (!plan.#keys.has(dimension)) needed.add(dimension);
    }
    const ordered = [...needed].map((n) => universe.getElement(n)).sort((a, b) => a.index - b.index);
    for (const element of ordered) plan.#joinInner(element);
    for (const name of group.lookupOrder) {
      if (!group.has(name) || plan.#keys.has(name)) continue;
      if (lookups !== undefined && !lookups.has(name)) continue;
      plan.#lookup(name);
    }
    return plan;
  }

  /** Whether the dimension has a value source in the plan. */
  hasKey(dimension: string): boolean {
    return this.#keys.has(dimension);
  }

  /** The SQL expression holding the dimension's value. */
  key(dimension: string): RawBuilder<unknown> {
    const key = this.#keys.get(dimension);
    if (key === undefined) throw new Error(`internal: dimension ${dimension} has no source in this query`);
    return key;
  }

  /** The alias of an element's joined table. */
  alias(element: string): string {
    const alias = this.#aliases.get(element);
    if (alias === undefined) throw new Error(`internal: element ${element} is not joined in this query`);
    return alias;
  }

  /** `alias.column` of a joined element's table. */
  column(element: string, column: string): RawBuilder<unknown> {
    return sql.ref(`${this.alias(element)}.${column}`);
  }

  /** Appends a table joined by conditions the caller adds to the WHERE clause. */
  addTable(table: RawBuilder<unknown>, alias: string): void {
    this.#addItem(table, alias, "cross");
  }

  /** Appends a table LEFT JOINed on `on` (its columns are NULL where no row matches). */
  addLeftJoin(table: RawBuilder<unknown>, alias: string, on: RawBuilder<unknown>): void {
    this.#addItem(table, alias, on);
  }

  /**
   * Whether the FROM clause is one relation and lookups LEFT JOINed on their keys: then each row of the
   * relation is one row of the query, never several.
   */
  get singleRelation(): boolean {
    return this.#crossItems === 1;
  }

  /** The FROM clause body (without the keyword); empty for a query over no relations. */
  get from(): RawBuilder<unknown> | null {
    return this.#items.length === 0 ? null : sql.join(this.#items, sql` `);
  }

  /** The join conditions, for the WHERE clause. */
  get conditions(): readonly RawBuilder<unknown>[] {
    return this.#conditions;
  }

  #addItem(item: RawBuilder<unknown>, alias: string, join: "cross" | RawBuilder<unknown>): void {
    const aliased = sql`${item} AS ${sql.id(alias)}`;
    if (join === "cross") this.#crossItems++;
    if (this.#items.length === 0 && join === "cross") this.#items.push(aliased);
    else if (join === "cross") this.#items.push(sql`CROSS JOIN ${aliased}`);
    else this.#items.push(sql`LEFT JOIN ${aliased} ON ${join}`);
  }

  #provide(dimension: string, value: RawBuilder<unknown>, conditions: RawBuilder<unknown>[]): void {
    const existing = this.#keys.get(dimension);
    if (existing === undefined) this.#keys.set(dimension, value);
    else conditions.push(sql`${value} = ${existing}`);
  }

  #addRelation(relation: KeyedRelation): void {
    const conditions: RawBuilder<unknown>[] = [];
    for (const d of relation.dimensions) {
      if (this.group.has(d)) this.#provide(d, sql.ref(`${relation.alias}.${d}`), conditions);
    }
    this.#addItem(relation.relation, relation.alias, "cross");
    this.#conditions.push(...conditions);
  }

  /** Joins an element's table (and first whatever gives its dimensions their values). */
  #joinInner(element: DimensionElement): void {
    if (this.#aliases.has(element.name)) return;
    const universe = this.group.universe;
    if (element.kind === "skypix") {
      if (this.#keys.has(element.name)) return;
      throw new InvalidQueryError(
        `the query needs values of the sky pixel dimension ${element.name}, which only a dataset search ` +
          "can provide; accepted: a query that searches datasets with that dimension",
      );
    }
    if (element.impliedUnionTarget !== null) {
      // band has no table: its values are those of physical_filter.band.
      const target = element.impliedUnionTarget;
      const alias = `u_${element.name}`;
      const column = elementColumnFor(universe.getElement(target), element.name)!;
      this.#addItem(
        sql`(SELECT DISTINCT ${sql.ref(column)} AS ${sql.id(element.name)} FROM ${sql.table(target)})`,
        alias,
        "cross",
      );
      const conditions: RawBuilder<unknown>[] = [];
      this.#provide(element.name, sql.ref(`${alias}.${element.name}`), conditions);
      this.#conditions.push(...conditions);
      return;
    }
    for (const d of element.required) {
      if (d !== element.name && !this.#keys.has(d)) this.#joinProviderOf(d);
    }
    const alias = `e_${element.name}`;
    this.#aliases.set(element.name, alias);
    const conditions: RawBuilder<unknown>[] = [];
    for (const d of [...element.required, ...element.implied]) {
      if (!this.group.has(d) && !element.required.includes(d)) continue;
      const column = elementColumnFor(element, d);
      if (column !== undefined) this.#provide(d, sql.ref(`${alias}.${column}`), conditions);
    }
    this.#addItem(sql.table(element.name), alias, "cross");
    this.#conditions.push(...conditions);
  }

  /** Joins the table that gives `dimension` its value: its own, or the one implying it. */
  #joinProviderOf(dimension: string): void {
    if (this.group.required.includes(dimension) || !this.group.has(dimension)) {
      this.#joinInner(this.group.universe.getElement(dimension));
      return;
    }
    const provider = this.#implying(dimension);
    if (provider === undefined) this.#joinInner(this.group.universe.getElement(dimension));
    else this.#joinInner(provider);
  }

  /** The element of the group whose table holds `dimension` as an implied value. */
  #implying(dimension: string): DimensionElement | undefined {
    const universe = this.group.universe;
    for (const name of this.group.lookupOrder) {
      const element = universe.getElement(name);
      if (element.kind === "dimension" && element.hasOwnTable && element.implied.includes(dimension)) {
        return element;
      }
    }
    return undefined;
  }

  /** LEFT JOINs the table that implies `dimension`, for its value only. */
  #lookup(dimension: string): void {
    const provider = this.#implying(dimension);
    if (provider === undefined) return;
    if (!provider.required.every((d) => this.#keys.has(d))) {
      for (const d of provider.required) if (!this.#keys.has(d)) this.#lookup(d);
      if (!provider.required.every((d) => this.#keys.has(d))) return;
    }
    const alias = `l_${provider.name}`;
    if (this.#aliases.has(provider.name)) return;
    this.#aliases.set(provider.name, alias);
    const on = provider.required.map(
      (d) => sql`${sql.ref(`${alias}.${elementColumnFor(provider, d)!}`)} = ${this.#keys.get(d)!}`,
    );
    for (const d of provider.implied) {
      if (this.group.has(d) && !this.#keys.has(d)) {
        this.#keys.set(d, sql.ref(`${alias}.${elementColumnFor(provider, d)!}`));
      }
    }
    this.#addItem(sql.table(provider.name), alias, sql.join(on, sql` AND `));
  }
}
