/**
 * Named prepared statements on PostgreSQL, for statement templates only. Kysely hands pg the text and
 * values of every statement; while `PreparedStatements.run` runs, the statement with the given text is
 * sent instead as pg's `{ name, text, values }`, which parses and plans it once per connection and
 * afterwards only binds and executes it. Ad-hoc statements, whose text varies, stay unnamed.
 *
 * A statement prepared before a schema change can fail once it is used again: "cached plan must not
 * change result type" (0A000) when its result columns changed, or "prepared statement does not exist"
 * (26000) when something dropped it. Outside a transaction block it is then prepared again under a new
 * name and run once more, on the same connection. Inside one the failure has already aborted the
 * transaction, so it is thrown; the next use prepares the new name.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import { driverCodeOf } from "../database-errors.ts";

/** The slice of a pg client that named statements use. */
export interface PgQueryClient {
  query(...args: unknown[]): unknown;
  /** `I` idle, `T` in a transaction block, `E` in a failed one (pg's last ReadyForQuery status). */
  getTransactionStatus?(): string | null;
}

interface Wanted {
  readonly text: string;
  readonly name: string;
}

/** Codes of a named statement that no longer fits this connection (see above). */
const STALE_CODES = new Set(["0A000", "26000"]);

/**
 * Distinct statements one connection keeps prepared, at most; further ones run unnamed on it. A
 * connection lives until the pool closes it (idle, or broken), so this bounds what the server holds.
 */
const MAX_PER_CONNECTION = 500;

export class PreparedStatements {
  readonly #wanted = new AsyncLocalStorage<Wanted>();
  /** Renamings after a stale statement: the suffix each base name now carries. */
  readonly #generations = new Map<string, number>();
  readonly #perConnection = new WeakMap<object, Set<string>>();

  /** Runs `fn`, in which the statement whose text is `text` goes to the server as the named `name`. */
  run<T>(text: string, name: string, fn: () => Promise<T>): Promise<T> {
    return this.#wanted.run({ text, name }, fn);
  }

  /** What a connection's `query(...args)` becomes: a named statement when `run` asked for one. */
  submit(client: PgQueryClient, args: unknown[]): unknown {
    const wanted = this.#wanted.getStore();
    if (wanted === undefined || args[0] !== wanted.text || args.length !== 2) return client.query(...args);
    let names = this.#perConnection.get(client);
    if (names === undefined) {
      names = new Set();
      this.#perConnection.set(client, names);
    }
    const generation = this.#generations.get(wanted.name) ?? 0;
    const name = nameOf(wanted.name, generation);
    if (!names.has(name)) {
      if (names.size >= MAX_PER_CONNECTION) return client.query(...args);
      names.add(name);
    }
    return this.#execute(client, names, wanted, generation, args[1]);
  }

  async #execute(
    client: PgQueryClient,
    names: Set<string>,
    wanted: Wanted,
    generation: number,
    values: unknown,
  ): Promise<unknown> {
    const stale = nameOf(wanted.name, generation);
    try {
      return await client.query({ name: stale, text: wanted.text, values });
    } catch (err) {
      if (!STALE_CODES.has(driverCodeOf(err) ?? "")) throw err;
      // Every connection's copy predates the change: all move to the next name.
      if ((this.#generations.get(wanted.name) ?? 0) === generation) {
        this.#generations.set(wanted.name, generation + 1);
      }
      if (client.getTransactionStatus?.() !== "I") throw err;
      names.delete(stale);
      await Promise.resolve(client.query(`DEALLOCATE ${stale}`)).catch(() => {});
      const fresh = nameOf(wanted.name, this.#generations.get(wanted.name)!);
      names.add(fresh);
      return client.query({ name: fresh, text: wanted.text, values });
    }
  }
}

/** Names are `[a-z0-9_]` (made by the caller from a hash), so they need no quoting. */
function nameOf(base: string, generation: number): string {
  return generation === 0 ? base : `${base}_${generation}`;
}
