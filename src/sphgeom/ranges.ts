/**
 * Sorted, merged half-open ranges of pixel ids, [begin, end). Ids up to 2⁵³ are exact numbers.
 */

export type PixelRange = readonly [begin: number, end: number];

/** Appends [begin, end) to sorted ranges, merging with the last range when they touch or overlap. */
export function appendRange(out: [number, number][], begin: number, end: number): void {
  const last = out[out.length - 1];
  if (last !== undefined && begin <= last[1]) {
    if (end > last[1]) last[1] = end;
  } else {
    out.push([begin, end]);
  }
}

/**
 * Reduces sorted ranges to at most `maxRanges` by closing the smallest gaps (the result covers
 * every original id, plus the ids in the closed gaps). `maxRanges` ≤ 0 means no limit.
 */
export function simplifyRanges(ranges: readonly PixelRange[], maxRanges: number): [number, number][] {
  const out = ranges.map((r) => [r[0], r[1]] as [number, number]);
  if (maxRanges <= 0 || out.length <= maxRanges) return out;
  const gaps = out.slice(1).map((r, i) => ({ after: i, size: r[0] - out[i]![1] }));
  gaps.sort((a, b) => a.size - b.size || a.after - b.after);
  const close = new Set(gaps.slice(0, out.length - maxRanges).map((g) => g.after));
  const merged: [number, number][] = [];
  for (let i = 0; i < out.length; i++) {
    if (i > 0 && close.has(i - 1)) merged[merged.length - 1]![1] = out[i]![1];
    else merged.push(out[i]!);
  }
  return merged;
}

/** Whether `id` lies in one of the sorted ranges (binary search). */
export function rangesContain(ranges: readonly PixelRange[], id: number): boolean {
  let lo = 0;
  let hi = ranges.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const [b, e] = ranges[mid]!;
    if (id < b) hi = mid - 1;
    else if (id >= e) lo = mid + 1;
    else return true;
  }
  return false;
}

/** The number of ids covered. */
export function rangesSize(ranges: readonly PixelRange[]): number {
  let n = 0;
  for (const [b, e] of ranges) n += e - b;
  return n;
}
