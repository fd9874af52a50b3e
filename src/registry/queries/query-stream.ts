/**
 * A query's results to iterate without holding them: `pages(size)` reads them from a database cursor
 * at most `size` at a time, `for await (const item of stream)` one by one on top of that. Nothing runs
 * until the iteration starts, and each iteration runs the query again. Breaking out of a loop closes the
 * cursor; `signal` stops it (see `withQuerySignal`) between pages and, on PostgreSQL, inside one.
 */
import { InvalidArgumentError } from "../../errors/index.ts";
import { withQuerySignal } from "../cancellation.ts";

/** Rows per page when none is asked for (the server's largest page). */
export const DEFAULT_PAGE_SIZE = 2000;

export interface QueryStreamOptions {
  /** Stops the query: the iteration then ends with a QueryCancelledError. */
  readonly signal?: AbortSignal;
}

export class QueryStream<T> implements AsyncIterable<T> {
  readonly #open: (pageSize: number) => AsyncIterable<T[]>;
  readonly #signal: AbortSignal | undefined;

  constructor(open: (pageSize: number) => AsyncIterable<T[]>, options: QueryStreamOptions = {}) {
    this.#open = open;
    this.#signal = options.signal;
  }

  /** The results in pages of at most `size` (1 or more). */
  pages(size = DEFAULT_PAGE_SIZE): AsyncIterable<T[]> {
    if (!Number.isSafeInteger(size) || size < 1) {
      throw new InvalidArgumentError(`page size must be a positive integer, got ${size}`);
    }
    const signal = this.#signal;
    const open = this.#open;
    return {
      [Symbol.asyncIterator]() {
        const inner = open(size)[Symbol.asyncIterator]();
        // Every step runs under the signal, so each statement the query issues sees it.
        const under = <R>(step: () => Promise<R>) =>
          signal === undefined ? step() : withQuerySignal(signal, step);
        return {
          next: () => under(() => inner.next()),
          return: (value?: unknown) =>
            inner.return === undefined
              ? Promise.resolve({ done: true as const, value: undefined })
              : under(() => inner.return!(value)),
        };
      },
    };
  }

  async *[Symbol.asyncIterator](): AsyncIterator<T> {
    for await (const page of this.pages()) yield* page;
  }

  /** Every result in one array. */
  async toArray(): Promise<T[]> {
    const out: T[] = [];
    for await (const page of this.pages()) for (const item of page) out.push(item);
    return out;
  }

  /** The same query with each result passed through `fn`. */
  map<U>(fn: (item: T) => U): QueryStream<U> {
    const open = this.#open;
    return new QueryStream<U>(
      async function* (size) {
        for await (const page of open(size)) yield page.map(fn);
      },
      this.#signal === undefined ? {} : { signal: this.#signal },
    );
  }
}
