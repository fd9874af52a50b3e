/**
 * The outcome of comparing two regions A.relate(B), as bit flags:
 * - DISJOINT: A and B share no point (then no other bit is set);
 * - INTERSECTS: A and B share at least one point (boundaries count: regions are closed sets);
 * - CONTAINS: A ⊇ B (only together with INTERSECTS);
 * - WITHIN: A ⊆ B (only together with INTERSECTS); CONTAINS|WITHIN means equal.
 * Where a pair's containment cannot be decided cheaply the CONTAINS/WITHIN bit is left clear (the
 * answer is then "not known to contain"); DISJOINT vs INTERSECTS is always decided.
 */
export const DISJOINT = 1;
export const INTERSECTS = 2;
export const CONTAINS = 4;
export const WITHIN = 8;

export type Relationship = number;

/** B.relate(A) from A.relate(B): swaps CONTAINS and WITHIN. */
export function invertRelationship(r: Relationship): Relationship {
  return (r & (DISJOINT | INTERSECTS)) | (r & CONTAINS ? WITHIN : 0) | (r & WITHIN ? CONTAINS : 0);
}

/** "DISJOINT", "INTERSECTS|CONTAINS", ... for messages and test failures. */
export function describeRelationship(r: Relationship): string {
  const names: string[] = [];
  if (r & DISJOINT) names.push("DISJOINT");
  if (r & INTERSECTS) names.push("INTERSECTS");
  if (r & CONTAINS) names.push("CONTAINS");
  if (r & WITHIN) names.push("WITHIN");
  return names.length > 0 ? names.join("|") : "NONE";
}
