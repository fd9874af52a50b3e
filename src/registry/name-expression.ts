import { InvalidQueryError } from "../errors/index.ts";

/**
 * What queries take to select collections or dataset types by name: a name, a glob (`run*`, `calib?`),
 * a RegExp, or a list of these. Absent (or `"*"`) means everything.
 */
export type NameExpression = string | RegExp | readonly (string | RegExp)[];

/** An expression split into exact names (in the order given) and patterns. */
export interface ParsedNameExpression {
  readonly names: readonly string[];
  readonly patterns: readonly RegExp[];
  /** True when the expression matches every name. */
  readonly all: boolean;
}

const GLOB_CHARS = /[*?]/;

/** Whether a string is a glob (contains `*` or `?`). */
export function isGlob(text: string): boolean {
  return GLOB_CHARS.test(text);
}

/** An anchored RegExp for a glob: `*` any run of characters, `?` one character, all else literal. */
export function globToRegExp(glob: string): RegExp {
  let source = "";
  for (const ch of glob) {
    if (ch === "*") source += ".*";
    else if (ch === "?") source += ".";
    else source += ch.replace(/[\\^$.|+()[\]{}]/g, "\\$&");
  }
  return new RegExp(`^${source}$`, "s");
}

/** Splits an expression into names and patterns; strings with glob characters become patterns. */
export function parseNameExpression(expression: NameExpression | null | undefined): ParsedNameExpression {
  if (expression === undefined || expression === null) return { names: [], patterns: [], all: true };
  const items = typeof expression === "string" || expression instanceof RegExp ? [expression] : expression;
  const names: string[] = [];
  const patterns: RegExp[] = [];
  let all = false;
  for (const item of items) {
    if (item instanceof RegExp) patterns.push(item);
    else if (typeof item === "string") {
      if (item === "*" || item === "...") all = true;
      else if (isGlob(item)) patterns.push(globToRegExp(item));
      else if (!names.includes(item)) names.push(item);
    } else {
      throw new InvalidQueryError(
        `name expression item ${String(item)} is not accepted; accepted: strings, globs with * and ?, RegExps`,
      );
    }
  }
  return { names, patterns, all };
}

/** Whether a pattern matches a name (a RegExp with the g or y flag would be stateful: reset it). */
export function patternMatches(pattern: RegExp, name: string): boolean {
  pattern.lastIndex = 0;
  return pattern.test(name);
}

/**
 * The names of an ordered search (find-first, chain definitions): wildcards are refused because the
 * order of their matches would be arbitrary.
 */
export function orderedNames(expression: NameExpression, what: string): string[] {
  const parsed = parseNameExpression(expression);
  if (parsed.all || parsed.patterns.length > 0) {
    throw new InvalidQueryError(
      `cannot use wildcards in collections for ${what}: the search order would be undefined; ` +
        "accepted: collection names (a CHAINED collection gives an ordered search)",
    );
  }
  return [...parsed.names];
}
