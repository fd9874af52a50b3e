/**
 * Retries of remote operations: exponential backoff with full jitter, bounded by attempts and by total
 * time, honouring the caller's AbortSignal. Only errors that say they are transient are retried; the
 * sources turn raw transport failures into such errors with `transportError`.
 */
import { ButlerError, RemoteStoreError, RetriesExhaustedError } from "../errors/index.ts";

export interface RetryPolicy {
  /** Attempts in all, the first included; 1 means no retries. */
  maxAttempts?: number;
  /** No retry is started when the next backoff would end past this many ms after the first attempt. */
  maxElapsedMs?: number;
  /** Backoff before the first retry is up to this many ms, doubling on each retry. */
  baseDelayMs?: number;
  /** Upper bound of any one backoff. */
  maxDelayMs?: number;
  /** Uniform [0, 1) source for the jitter; tests pass a fixed one. */
  random?: () => number;
}

export const DEFAULT_RETRY_POLICY: Readonly<Required<Omit<RetryPolicy, "random">>> = {
  maxAttempts: 5,
  maxElapsedMs: 30_000,
  baseDelayMs: 100,
  maxDelayMs: 5_000,
};

/**
 * How long one attempt at a remote store may wait for an answer, or sit silent within one, by default:
 * a third of the retry budget, so a stalled attempt is given up while there is time to try again
 * (a stall as long as the budget would otherwise spend it on one attempt).
 */
export const DEFAULT_ATTEMPT_TIMEOUT_MS = DEFAULT_RETRY_POLICY.maxElapsedMs / 3;

/** What a retry loop reports before each backoff (for logs and tests). */
export interface RetryEvent {
  attempt: number;
  delayMs: number;
  error: unknown;
}

export interface RetryContext {
  /** The object or URI the operation is about, for the final error. */
  uri: string;
  /** The operation (`GET`, `PUT`, `HEAD`, …), for the final error. */
  operation: string;
  signal?: AbortSignal;
  onRetry?: (event: RetryEvent) => void;
}

/** True when trying again may help: errors that say so (5xx, timeouts, resets, truncated bodies). */
export function isRetryable(err: unknown): boolean {
  return err instanceof RemoteStoreError && err.retryable;
}

/**
 * Runs `attempt` until it succeeds, fails with an error that is not retryable, or the budget is spent
 * (then a RetriesExhaustedError whose cause is the last failure). An abort stops at once with the
 * signal's reason, whether during an attempt or a backoff.
 */
export async function retrying<T>(
  attempt: (attemptNumber: number) => Promise<T>,
  policy: RetryPolicy,
  context: RetryContext,
): Promise<T> {
  const maxAttempts = policy.maxAttempts ?? DEFAULT_RETRY_POLICY.maxAttempts;
  const maxElapsedMs = policy.maxElapsedMs ?? DEFAULT_RETRY_POLICY.maxElapsedMs;
  const baseDelayMs = policy.baseDelayMs ?? DEFAULT_RETRY_POLICY.baseDelayMs;
  const maxDelayMs = policy.maxDelayMs ?? DEFAULT_RETRY_POLICY.maxDelayMs;
  const random = policy.random ?? Math.random;
  const { signal } = context;
  const start = performance.now();
  for (let n = 1; ; n++) {
    signal?.throwIfAborted();
    try {
      return await attempt(n);
    } catch (err) {
      if (signal?.aborted) throw signal.reason;
      if (!isRetryable(err)) throw err;
      const elapsed = performance.now() - start;
      // Full jitter: anywhere between 0 and the exponential cap, so many clients do not retry in step.
      const delayMs = random() * Math.min(maxDelayMs, baseDelayMs * 2 ** (n - 1));
      if (n >= maxAttempts || elapsed + delayMs > maxElapsedMs) {
        throw new RetriesExhaustedError(context.uri, context.operation, n, elapsed, err);
      }
      context.onRetry?.({ attempt: n, delayMs, error: err });
      await sleep(delayMs, signal);
    }
  }
}

/** Waits `ms`, rejecting with the signal's reason as soon as it aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal === undefined) return new Promise((resolve) => setTimeout(resolve, ms));
  signal.throwIfAborted();
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal.addEventListener("abort", onAbort, { once: true });
  });
}

// Failures of the connection rather than of the request: trying again on a fresh socket may work.
const TRANSIENT_CODES = new Set([
  "ECONNRESET",
  "ECONNREFUSED",
  "ECONNABORTED",
  "EPIPE",
  "ETIMEDOUT",
  "EAI_AGAIN",
  "ENETUNREACH",
  "EHOSTUNREACH",
  "ERR_STREAM_PREMATURE_CLOSE",
  "UND_ERR_SOCKET",
  "UND_ERR_CLOSED",
  "UND_ERR_CONNECT_TIMEOUT",
  "UND_ERR_HEADERS_TIMEOUT",
  "UND_ERR_BODY_TIMEOUT",
  "UND_ERR_RES_CONTENT_LENGTH_MISMATCH",
]);
const TRANSIENT_NAMES = new Set(["TimeoutError", "RequestTimeout", "RequestTimeoutException"]);

/** True for HTTP statuses worth retrying: request timeout, throttling and server errors. */
export function isTransientStatus(status: number): boolean {
  return status === 408 || status === 429 || status >= 500;
}

/**
 * A typed error for a transport failure (a thrown error, not an HTTP answer): typed errors pass
 * through, connection resets and timeouts become retryable RemoteStoreErrors, other system errors
 * become final ones, and anything else (a bug) is returned unchanged.
 */
export function transportError(uri: string, operation: string, err: unknown): unknown {
  if (err instanceof ButlerError) return err;
  const e = err as { code?: unknown; name?: unknown; message?: unknown; cause?: { code?: unknown } } | null;
  const code = typeof e?.code === "string" ? e.code : typeof e?.cause?.code === "string" ? e.cause.code : "";
  const name = typeof e?.name === "string" ? e.name : "";
  const message = typeof e?.message === "string" ? e.message : String(err);
  if (TRANSIENT_CODES.has(code) || TRANSIENT_NAMES.has(name)) {
    return new RemoteStoreError(uri, operation, `${code || name}: ${message}`, {
      retryable: true,
      cause: err,
    });
  }
  if (code !== "")
    return new RemoteStoreError(uri, operation, `${code}: ${message}`, { retryable: false, cause: err });
  return err;
}
