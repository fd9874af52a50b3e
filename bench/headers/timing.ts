/** Timing helpers of the header benchmark: medians of interleaved samples, wall and CPU time. */

export interface Timing {
  /** Median wall time, ms. */
  readonly ms: number;
  /** Median CPU time (user + system) of this process, ms. */
  readonly cpuMs: number;
  readonly samples: readonly number[];
}

function cpuNow(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export async function timeOnce<T>(
  fn: () => Promise<T>,
): Promise<{ wall: number; cpu: number; value: Awaited<T> }> {
  (globalThis as { gc?: () => void }).gc?.();
  const cpu0 = cpuNow();
  const t0 = performance.now();
  const value = await fn();
  return { wall: performance.now() - t0, cpu: cpuNow() - cpu0, value };
}

/**
 * `a` and `b` `repeat` times each after one untimed call of each, alternating which goes first;
 * returns the medians and the last answers.
 */
export async function interleaved<A, B>(
  repeat: number,
  a: () => Promise<A>,
  b: () => Promise<B>,
): Promise<{ a: Timing; b: Timing; aValue: A; bValue: B }> {
  let aValue: A = await a();
  let bValue: B = await b();
  const samples = { aw: [] as number[], ac: [] as number[], bw: [] as number[], bc: [] as number[] };
  for (let i = 0; i < repeat; i++) {
    for (const side of i % 2 === 0 ? ["a", "b"] : ["b", "a"]) {
      if (side === "a") {
        const r = await timeOnce(a);
        samples.aw.push(r.wall);
        samples.ac.push(r.cpu);
        aValue = r.value;
      } else {
        const r = await timeOnce(b);
        samples.bw.push(r.wall);
        samples.bc.push(r.cpu);
        bValue = r.value;
      }
    }
  }
  return {
    a: { ms: median(samples.aw), cpuMs: median(samples.ac), samples: samples.aw },
    b: { ms: median(samples.bw), cpuMs: median(samples.bc), samples: samples.bw },
    aValue,
    bValue,
  };
}

export function sameSet(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  const set = new Set(a);
  return set.size === a.length && b.every((x) => set.has(x));
}

export function fmt(ms: number): string {
  return ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(ms < 10 ? 2 : 0)} ms`;
}
