/**
 * "Did you mean" for unknown names: the closest candidates by edit distance, for messages such as
 * "unknown name 'vist'; did you mean 'visit'?".
 */

/**
 * Optimal-string-alignment distance between `a` and `b`: insertions, deletions, substitutions and
 * swaps of adjacent characters each cost 1. Stops early and returns `limit + 1` once the distance is
 * certain to exceed `limit`.
 */
export function editDistance(a: string, b: string, limit = Number.POSITIVE_INFINITY): number {
  if (a === b) return 0;
  if (Math.abs(a.length - b.length) > limit) return limit + 1;
  let before = new Array<number>(b.length + 1).fill(0); // row i-2
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j); // row i-1
  let current = new Array<number>(b.length + 1).fill(0);
  for (let i = 1; i <= a.length; i++) {
    current[0] = i;
    let rowMin = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        d = Math.min(d, before[j - 2]! + 1);
      current[j] = d;
      if (d < rowMin) rowMin = d;
    }
    if (rowMin > limit) return limit + 1;
    [before, previous, current] = [previous, current, before];
  }
  return previous[b.length]!;
}

export interface SuggestOptions {
  /** At most this many suggestions (default 3). */
  max?: number;
  /**
   * Largest distance still suggested; by default a third of the name's length, at least 1 and at most 3.
   * Differences of letter case alone always qualify.
   */
  maxDistance?: number;
  /**
   * Names people bring from elsewhere, by lower-case name: what each means here (`filter` → `band`,
   * `physical_filter`). Suggested first, when they are candidates; spelling alone never finds them.
   */
  aliases?: Readonly<Record<string, readonly string[]>>;
}

/**
 * Up to three candidates closest to `name` by edit distance (ignoring letter case), nearest first,
 * ties in alphabetical order. Returns an empty array when nothing is close enough.
 */
export function suggest(name: string, candidates: Iterable<string>, options: SuggestOptions = {}): string[] {
  const max = options.max ?? 3;
  const lower = name.toLowerCase();
  const limit = options.maxDistance ?? Math.min(3, Math.max(1, Math.floor(name.length / 3)));
  const scored: { candidate: string; distance: number }[] = [];
  const seen = new Set<string>();
  const pool = new Set(candidates);
  const aliased = (options.aliases?.[lower] ?? []).filter((a) => pool.has(a));
  for (const alias of aliased) {
    seen.add(alias);
    scored.push({ candidate: alias, distance: -1 });
  }
  candidates = pool;
  for (const candidate of candidates) {
    if (seen.has(candidate)) continue;
    seen.add(candidate);
    const distance = editDistance(lower, candidate.toLowerCase(), limit);
    if (distance <= limit) scored.push({ candidate, distance });
  }
  // Aliases keep the order given; the rest go nearest first, ties alphabetically.
  scored.sort(
    (x, y) =>
      x.distance - y.distance ||
      (x.distance < 0 ? 0 : x.candidate < y.candidate ? -1 : x.candidate > y.candidate ? 1 : 0),
  );
  return scored.slice(0, max).map((s) => s.candidate);
}

/**
 * The tail of an "unknown name" message: `"; did you mean 'visit'?"`,
 * `"; did you mean 'a', 'b' or 'c'?"`, or `""` when there is nothing close.
 */
export function didYouMean(name: string, candidates: Iterable<string>, options?: SuggestOptions): string {
  const found = suggest(name, candidates, options).map((s) => `'${s}'`);
  if (found.length === 0) return "";
  if (found.length === 1) return `; did you mean ${found[0]}?`;
  return `; did you mean ${found.slice(0, -1).join(", ")} or ${found.at(-1)}?`;
}

/**
 * The tail of a "no such name" message: did-you-mean when something is close, else the known names
 * (the first `show` of them), or "none" when there are none. Says nothing about how to list them, so
 * it reads the same to a CLI and an API user.
 */
export function knownNames(name: string, known: readonly string[], show = 8): string {
  const close = didYouMean(name, known);
  if (close !== "") return close;
  if (known.length === 0) return "; there are none yet";
  const sorted = [...known].sort();
  const listed = sorted
    .slice(0, show)
    .map((n) => `'${n}'`)
    .join(", ");
  return `; known: ${listed}${sorted.length > show ? ` and ${sorted.length - show} more` : ""}`;
}

/**
 * "head; accepted: …", or with a suggestion "head; did you mean 'x'? Accepted: …"; `what` names the
 * accepted things ("accepted components: …").
 */
export function unknownNameMessage(head: string, suggestion: string, accepted: string, what = ""): string {
  const label = what === "" ? "ccepted" : `ccepted ${what}`;
  return suggestion === ""
    ? `${head}; a${label}: ${accepted}`
    : `${head}${suggestion} A${label}: ${accepted}`;
}
