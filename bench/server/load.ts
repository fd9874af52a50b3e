/**
 * A closed-loop load: `concurrency` workers, each sending its next request as soon as its last one was
 * answered, for a fixed time after a warm-up. Latency is per request as the worker saw it; a request
 * that threw counts as an error and not in the latencies.
 */
export interface LoadResult {
  requests: number;
  errors: number;
  perSecond: number;
  p50Ms: number;
  p99Ms: number;
  firstError?: string;
}

export interface LoadOptions {
  concurrency: number;
  durationMs: number;
  warmupMs: number;
  /** One request; `n` counts requests across all workers, so callers vary what is asked. */
  request: (n: number) => Promise<void>;
}

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
}

async function drive(options: LoadOptions, durationMs: number, latencies: number[] | null) {
  let n = 0;
  let errors = 0;
  let firstError: string | undefined;
  const end = performance.now() + durationMs;
  const worker = async () => {
    while (performance.now() < end) {
      const started = performance.now();
      try {
        await options.request(n++);
        latencies?.push(performance.now() - started);
      } catch (error) {
        errors++;
        firstError ??= error instanceof Error ? error.message : String(error);
      }
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: options.concurrency }, worker));
  return { elapsedMs: performance.now() - started, errors, firstError };
}

export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  await drive(options, options.warmupMs, null);
  const latencies: number[] = [];
  const { elapsedMs, errors, firstError } = await drive(options, options.durationMs, latencies);
  const sorted = Float64Array.from(latencies).sort();
  return {
    requests: latencies.length,
    errors,
    perSecond: (latencies.length / elapsedMs) * 1000,
    p50Ms: percentile(sorted, 0.5),
    p99Ms: percentile(sorted, 0.99),
    ...(firstError === undefined ? {} : { firstError }),
  };
}
