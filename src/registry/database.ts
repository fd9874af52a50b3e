import { AsyncLocalStorage } from "node:async_hooks";
import { type CompiledQuery, type Kysely, type QueryResult, type RawBuilder, sql } from "kysely";
import { QueryCancelledError } from "../errors/index.ts";
import { currentQuerySignal } from "./cancellation.ts";
import { chunkRows, insertOnConflictDoNothing, insertOnConflictUpdate } from "./dialects/on-conflict.ts";
import type {
  DatabaseErrorKind,
  DynamicSchema,
  RegistryDialect,
  RowsColumn,
} from "./dialects/registry-dialect.ts";
import type { BoundStatement } from "./statement-template.ts";

/** Set BUTLER_DEBUG_QUERIES=1 to print every registry query built with `sql` (and its parameters) to stderr. */
const DEBUG_QUERIES = process.env.BUTLER_DEBUG_QUERIES === "1";

interface TransactionState {
  readonly db: Kysely<DynamicSchema>;
  readonly mode: "read" | "write";
  savepoints: number;
}

/**
 * The registry's handle on a dialect: the executor to use now (the open transaction's connection, or
 * the shared instance), and transactions that nest through savepoints. The current transaction
 * follows the async call chain (AsyncLocalStorage), so managers never pass connections around.
 */
export class RegistryDatabase {
  readonly dialect: RegistryDialect;
  readonly #current = new AsyncLocalStorage<TransactionState>();
  readonly #rollbackListeners: (() => void)[] = [];
  readonly #commitListeners: (() => void)[] = [];

  constructor(dialect: RegistryDialect) {
    this.dialect = dialect;
  }

  /** The executor for the current call: the open transaction's connection, else the shared one. */
  get db(): Kysely<DynamicSchema> {
    return this.#current.getStore()?.db ?? this.dialect.kysely;
  }

  /**
   * Calls `listener` whenever a transaction or savepoint is rolled back, so caches filled inside it
   * can be dropped.
   */
  onRollback(listener: () => void): void {
    this.#rollbackListeners.push(listener);
  }

  /** Calls `listener` after each outermost transaction commits. */
  onCommit(listener: () => void): void {
    this.#commitListeners.push(listener);
  }

  #rolledBack(): void {
    for (const listener of this.#rollbackListeners) listener();
  }

  get inTransaction(): boolean {
    return this.#current.getStore() !== undefined;
  }

  /**
   * Runs `fn` in a transaction: committed when it resolves, rolled back when it throws. Inside another
   * transaction it runs in a savepoint, so a failure undoes only its own part. `write` transactions
   * take the engine's write lock up front where that matters.
   */
  async transaction<T>(fn: () => Promise<T>, mode: "read" | "write" = "write"): Promise<T> {
    const outer = this.#current.getStore();
    if (outer !== undefined) return this.#savepoint(outer, fn);
    return this.dialect.kysely.connection().execute(async (db) => {
      await this.dialect.beginTransaction(db, mode);
      const state: TransactionState = { db, mode, savepoints: 0 };
      let result: T;
      try {
        result = await this.#current.run(state, fn);
      } catch (err) {
        try {
          await sql.raw("ROLLBACK").execute(db);
        } catch {
          // The original failure matters more than a failed rollback.
        }
        this.#rolledBack();
        throw err;
      }
      await sql.raw("COMMIT").execute(db);
      for (const listener of this.#commitListeners) listener();
      return result;
    });
  }

  async #savepoint<T>(state: TransactionState, fn: () => Promise<T>): Promise<T> {
    const name = sql.id(`sp_${++state.savepoints}`);
    await sql`SAVEPOINT ${name}`.execute(state.db);
    try {
      const result = await fn();
      await sql`RELEASE SAVEPOINT ${name}`.execute(state.db);
      return result;
    } catch (err) {
      await sql`ROLLBACK TO SAVEPOINT ${name}`.execute(state.db);
      await sql`RELEASE SAVEPOINT ${name}`.execute(state.db);
      this.#rolledBack();
      throw err;
    }
  }

  /**
   * Runs a query built with `sql`, or compiled already, on the current executor. A statement template's
   * (see `StatementTemplate`) runs as a prepared statement where the dialect has them.
   */
  async rows<R = Record<string, unknown>>(
    query: RawBuilder<unknown> | CompiledQuery | BoundStatement,
  ): Promise<R[]> {
    const db = this.db;
    const run = this.#runner(query);
    if (DEBUG_QUERIES) debugQuery("execute" in query ? query.compile(db) : query);
    const signal = currentQuerySignal();
    if (signal === undefined) return (await run(db)).rows as R[];
    if (signal.aborted) throw new QueryCancelledError({ cause: signal.reason });
    // Inside a transaction the statement must run on the transaction's connection, as it is.
    const cancellable = this.inTransaction ? undefined : this.dialect.cancellable?.bind(this.dialect);
    try {
      const result = await (cancellable === undefined ? run(db) : cancellable(signal, run));
      return result.rows as R[];
    } catch (err) {
      if (signal.aborted) throw new QueryCancelledError({ cause: err });
      throw err;
    }
  }

  #runner(
    query: RawBuilder<unknown> | CompiledQuery | BoundStatement,
  ): (on: Kysely<DynamicSchema>) => Promise<QueryResult<unknown>> {
    if ("execute" in query) return (on) => query.execute(on);
    const dialect = this.dialect;
    if ("statementName" in query && dialect.executePrepared !== undefined) {
      return (on) => dialect.executePrepared!(on, query, query.statementName);
    }
    return (on) => on.executeQuery(query);
  }

  /**
   * The rows of a query built with `sql`, at most `pageSize` at a time, from a database cursor (see
   * `RegistryDialect.pages`): memory holds a page, not the result. Breaking out of the loop closes the
   * cursor; the current query signal (see `withQuerySignal`) stops it between pages and, where the
   * engine can, inside one.
   */
  async *pages<R = Record<string, unknown>>(
    query: RawBuilder<unknown>,
    pageSize: number,
  ): AsyncGenerator<R[]> {
    const state = this.#current.getStore();
    const compiled = query.compile(state?.db ?? this.dialect.kysely);
    if (DEBUG_QUERIES) debugQuery(compiled);
    const signal = currentQuerySignal();
    if (signal?.aborted) throw new QueryCancelledError({ cause: signal.reason });
    try {
      for await (const page of this.dialect.pages(compiled, pageSize, { tx: state?.db, signal })) {
        if (signal?.aborted) break;
        yield page as R[];
      }
    } catch (err) {
      if (signal?.aborted && !(err instanceof QueryCancelledError))
        throw new QueryCancelledError({ cause: err });
      throw err;
    }
    if (signal?.aborted) throw new QueryCancelledError({ cause: signal.reason });
  }

  /** A relation of bound values (see `RegistryDialect.rowsTable`). */
  rowsTable(rows: readonly (readonly unknown[])[], columns: readonly RowsColumn[]): RawBuilder<unknown> {
    return this.dialect.rowsTable(rows, columns);
  }

  /** The same relation from rows already encoded with `rowsToJson`, or from a template's slot. */
  encodedRowsTable(json: unknown, columns: readonly RowsColumn[]): RawBuilder<unknown> {
    return this.dialect.encodedRowsTable(json, columns);
  }

  insertIgnore(
    table: string,
    rows: readonly Record<string, unknown>[],
    conflictColumns: readonly string[],
  ): Promise<number> {
    if (rows.length === 0) return Promise.resolve(0);
    return insertOnConflictDoNothing(this.db, table, rows, conflictColumns, this.#maxParameters);
  }

  upsert(table: string, rows: readonly Record<string, unknown>[], conflictColumns: readonly string[]) {
    if (rows.length === 0) return Promise.resolve();
    return insertOnConflictUpdate(this.db, table, rows, conflictColumns, this.#maxParameters);
  }

  get #maxParameters(): number {
    return this.dialect.capabilities.maxBindParameters;
  }

  /** Plain multi-row INSERT, split to respect the engine's bound-parameter limit. */
  async insert(table: string, rows: readonly Record<string, unknown>[]): Promise<void> {
    for (const chunk of chunkRows(rows, this.#maxParameters)) {
      await this.db.insertInto(table).values(chunk).execute();
    }
  }

  lockTable(table: string): Promise<void> {
    return this.dialect.lockTable(this.db, table);
  }

  async lockForSchemaChange(table: string): Promise<void> {
    // Outside a transaction the change is a statement of its own, with no row locks before it.
    if (this.inTransaction) await this.dialect.lockForSchemaChange(this.db, table);
  }

  classifyError(err: unknown): DatabaseErrorKind {
    return this.dialect.classifyError(err);
  }
}

function debugQuery(compiled: CompiledQuery): void {
  process.stderr.write(
    `[registry sql] ${compiled.sql}\n  params: ${JSON.stringify(compiled.parameters, (_k, v) => (typeof v === "bigint" ? `${v}n` : v)).slice(0, 500)}\n`,
  );
}
