import { createHash } from "node:crypto";
import { type CompiledQuery, type Kysely, type RawBuilder, RawNode } from "kysely";
import type { DynamicSchema } from "./dialects/registry-dialect.ts";

/** Where a per-call value goes in a template; built only by `StatementTemplate.compile`. */
class Slot {
  readonly index: number;
  constructor(index: number) {
    this.index = index;
  }
}

/**
 * A statement built and compiled once and run many times with new values. Building a statement with
 * `sql` and compiling it costs more than SQLite takes to run a small indexed lookup, so hot lookups
 * keep their compiled text: its parameters are either fixed at compile time or slots filled by `bind`.
 * The text object stays the same between calls, so the driver's statement cache finds it at once; where
 * the server keeps statements by name instead, it runs as the prepared statement `name`.
 */
export class StatementTemplate {
  readonly sql: string;
  /** A name for the prepared statement, the same for the same text (a hash of it). */
  readonly name: string;
  readonly #parameters: readonly unknown[];
  /** [parameter position, value index] for each slot. */
  readonly #slots: readonly (readonly [number, number])[];
  readonly #node: RawNode;

  private constructor(sql: string, parameters: readonly unknown[]) {
    this.sql = sql;
    this.name = `butler_${createHash("sha256").update(sql).digest("hex").slice(0, 24)}`;
    this.#parameters = parameters.map((p) => (p instanceof Slot ? null : p));
    const slots: [number, number][] = [];
    parameters.forEach((p, i) => {
      if (p instanceof Slot) slots.push([i, p.index]);
    });
    this.#slots = slots;
    this.#node = RawNode.createWithSql(sql);
  }

  /**
   * Compiles the statement `build` returns; `slot(i)` stands for the i-th value given to `bind`, and
   * is used wherever a bound value would be (never as an identifier or a literal).
   */
  static compile(
    db: Kysely<DynamicSchema>,
    build: (slot: (index: number) => unknown) => RawBuilder<unknown>,
  ): StatementTemplate {
    const compiled = build((index) => new Slot(index)).compile(db);
    return new StatementTemplate(compiled.sql, compiled.parameters);
  }

  /** The statement with these values in its slots. */
  bind(values: readonly unknown[]): BoundStatement {
    const parameters = this.#parameters.slice();
    for (const [at, index] of this.#slots) parameters[at] = values[index];
    return { sql: this.sql, parameters, query: this.#node, queryId: QUERY_ID, statementName: this.name };
  }
}

/** A template's statement with its values: a compiled query that carries its template's name. */
export interface BoundStatement extends CompiledQuery {
  readonly statementName: string;
}

// Plugins would key per-query state by it; the registry's Kysely instances have none.
const QUERY_ID = Object.freeze({ queryId: "statement-template" });

/** A bounded map of templates by key: the oldest is dropped when it is full. */
export class TemplateCache {
  readonly #limit: number;
  readonly #templates = new Map<string, StatementTemplate>();

  constructor(limit = 256) {
    this.#limit = limit;
  }

  get(key: string, make: () => StatementTemplate): StatementTemplate {
    let template = this.#templates.get(key);
    if (template === undefined) {
      template = make();
      if (this.#templates.size >= this.#limit) {
        const oldest = this.#templates.keys().next().value;
        if (oldest !== undefined) this.#templates.delete(oldest);
      }
      this.#templates.set(key, template);
    }
    return template;
  }

  clear(): void {
    this.#templates.clear();
  }
}
