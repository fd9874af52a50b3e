/**
 * Cancelling registry queries: a caller runs registry calls under `withQuerySignal`, and every SQL
 * statement they issue checks the signal before it starts and, on engines that can stop a running
 * statement from another connection, is cancelled in the database when the signal aborts.
 * The signal follows the async call chain, so no query method needs a new parameter.
 */
import { AsyncLocalStorage } from "node:async_hooks";

const current = new AsyncLocalStorage<AbortSignal>();

/** Runs `fn` with `signal` governing every registry statement it issues. */
export function withQuerySignal<T>(signal: AbortSignal, fn: () => Promise<T>): Promise<T> {
  return current.run(signal, fn);
}

/** The signal of the current call chain, if any. */
export function currentQuerySignal(): AbortSignal | undefined {
  return current.getStore();
}
