/**
 * What the `where` compiler and the planner share: the shapes of compiled values, the scope a
 * compilation runs in, and small helpers on expression nodes.
 */
import type { RawBuilder } from "kysely";
import { InvalidQueryError } from "../../errors/index.ts";
import type { Region } from "../../sphgeom/index.ts";
import type { ExpressionNode } from "../where/ast.ts";
import { formatExpression } from "../where/format.ts";
import { DATASET_FIELDS, type DatasetField, type NameContext, type ValueType } from "./identifiers.ts";

/** A compiled sub-expression. */
export type Compiled =
  | {
      readonly kind: "scalar";
      readonly type: ValueType;
      readonly sql: RawBuilder<unknown>;
      /** The value of a string literal or bound string (checked when compared with a UUID). */
      readonly text?: string;
      /** The value of a literal or bound number, string or time, for lists bound as one parameter. */
      readonly constant?: number | bigint | string;
    }
  | { readonly kind: "condition"; readonly sql: RawBuilder<unknown> }
  | { readonly kind: "timespan"; readonly begin: RawBuilder<unknown>; readonly end: RawBuilder<unknown> }
  | { readonly kind: "region"; readonly element?: string; readonly constant?: Region }
  | { readonly kind: "list"; readonly values: readonly unknown[] };

/** A region overlap kept out of SQL's hands: SQL narrows candidates by sky pixel, code tests exactly. */
export interface SpatialConstraint {
  readonly left: RegionOperand;
  readonly right: RegionOperand;
}

export type RegionOperand = { readonly element: string } | { readonly constant: Region };

/** What compiling needs from the query being built. */
export interface CompileScope {
  readonly names: NameContext;
  readonly bind: Readonly<Record<string, unknown>>;
  /** The value of a dimension. */
  dimension(name: string): RawBuilder<unknown>;
  /** A column of a joined element's table. */
  column(element: string, column: string): RawBuilder<unknown>;
  /** A dataset field of the (named, or only) dataset search. */
  datasetField(datasetType: string | null, field: DatasetField): Compiled;
  /** A case-sensitive glob match. */
  glob(expr: RawBuilder<unknown>, pattern: string): RawBuilder<unknown>;
  /** An indexed header value of the (named, or only) dataset search; unindexed keys are errors. */
  header(datasetType: string | null, key: string): Compiled;
  /** A one-column relation (column `v`) of `values`, carried by one bound parameter. */
  values(values: readonly unknown[], type: "int" | "float" | "string" | "uuid"): RawBuilder<unknown>;
}

/** The result of compiling a `where` expression. */
export interface CompiledWhere {
  /** The SQL condition; null when there is none left (no expression, or only spatial terms). */
  readonly condition: RawBuilder<unknown> | null;
  /** Region overlaps at the top level, to be narrowed in SQL and tested exactly in code. */
  readonly spatial: readonly SpatialConstraint[];
}

/**
 * The bind parameter a node stands for: `:name`, or daf_butler's bare form (`instrument = cam` with
 * bind {cam: …}) for a name that is a key of `bind` and not a dimension or dataset field (those keep
 * their meaning, so `run = :run` cannot turn into a comparison of the bound value with itself).
 */
export function boundName(
  node: ExpressionNode,
  bind: Readonly<Record<string, unknown>>,
  names: NameContext,
): string | undefined {
  if (node.kind === "bind") return node.name;
  if (node.kind !== "identifier" || node.parts.length !== 1) return undefined;
  const name = node.parts[0]!;
  if (!Object.hasOwn(bind, name)) return undefined;
  if (names.universe.hasDimension(name) || (DATASET_FIELDS as readonly string[]).includes(name)) {
    return undefined;
  }
  return name;
}

/** `NULL` (any case), which the grammar reads as a name; it stands for an open timespan bound. */
export function isNullName(node: ExpressionNode): boolean {
  return node.kind === "identifier" && node.parts.length === 1 && node.parts[0]!.toUpperCase() === "NULL";
}

/** The terms of a top-level AND chain. */
export function conjuncts(node: ExpressionNode): ExpressionNode[] {
  if (node.kind === "binary" && node.op === "AND") return [...conjuncts(node.left), ...conjuncts(node.right)];
  return [node];
}

/** An InvalidQueryError that quotes the offending part of the expression. */
export function expressionError(node: ExpressionNode, problem: string): InvalidQueryError {
  return new InvalidQueryError(`'${formatExpression(node)}' ${problem}`);
}
