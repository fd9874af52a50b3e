/**
 * Abort helpers for wrappers that share one underlying read between several callers: each caller can
 * give up on its own, while the shared read goes on for the others.
 */

/** Settles like `promise`, but rejects with the signal's reason as soon as `signal` aborts. */
export function raceAbort<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (signal === undefined) return promise;
  if (signal.aborted) {
    // The shared read may still fail later; nobody is listening, so keep that from being unhandled.
    promise.catch(() => {});
    return Promise.reject(signal.reason);
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener("abort", onAbort);
        resolve(value);
      },
      (err: unknown) => {
        signal.removeEventListener("abort", onAbort);
        reject(err);
      },
    );
  });
}

/** A signal shared by several callers, and the way to detach it from them once the read is over. */
export interface SharedSignal {
  signal: AbortSignal | undefined;
  dispose(): void;
}

/**
 * A signal that aborts only once every one of `signals` has aborted; `undefined` when some caller
 * cannot abort (it has no signal), because then the shared read must always finish. Call `dispose`
 * when the read settles so long-lived caller signals do not collect listeners.
 */
export function allAborted(signals: readonly (AbortSignal | undefined)[]): SharedSignal {
  const none: SharedSignal = { signal: undefined, dispose: () => {} };
  if (signals.length === 0 || signals.some((s) => s === undefined)) return none;
  const present = signals as readonly AbortSignal[];
  if (present.length === 1) return { signal: present[0], dispose: () => {} };
  const controller = new AbortController();
  let remaining = present.length;
  const listeners: [AbortSignal, () => void][] = [];
  const dispose = () => {
    for (const [s, l] of listeners) s.removeEventListener("abort", l);
    listeners.length = 0;
  };
  for (const s of present) {
    const onAbort = () => {
      remaining -= 1;
      if (remaining === 0) {
        dispose();
        controller.abort(s.reason);
      }
    };
    if (s.aborted) onAbort();
    else {
      s.addEventListener("abort", onAbort, { once: true });
      listeners.push([s, onAbort]);
    }
  }
  return { signal: controller.signal, dispose };
}
