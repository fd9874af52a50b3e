/**
 * The syntax tree of a `where` expression. Every node is a frozen plain object with a literal `kind`,
 * `start`/`end` source offsets (0-based, end exclusive; 0/0 for nodes built by hand), and a
 * `create*` factory and `is*` guard. Code that reads a tree switches on `kind`; `visit.ts` walks trees.
 *
 * Ranges (`1..10:3`) appear only as items of an IN list, so `RangeLiteralNode` is an `InItemNode` but
 * not an `ExpressionNode`.
 */
import { InvalidArgumentError } from "../../errors/index.ts";
import type { ParsedTime } from "../../time/literal-syntax.ts";
import { parseTimeString } from "../../time/literal-syntax.ts";
import type { RangeValue } from "./lexer.ts";

/** Source offsets of a node: `start` inclusive, `end` exclusive. */
export interface Span {
  readonly start: number;
  readonly end: number;
}

const NO_SPAN: Span = Object.freeze({ start: 0, end: 0 });

export type UnaryOperator = "-" | "+" | "NOT";
export type ArithmeticOperator = "+" | "-" | "*" | "/" | "%";
export type ComparisonOperator = "=" | "!=" | "<" | "<=" | ">" | ">=";
export type LogicalOperator = "OR" | "AND";
export type BinaryOperator = LogicalOperator | ComparisonOperator | "OVERLAPS" | ArithmeticOperator;

/** A number kept as its source text (sign included when it was written before the digits). */
export interface NumericLiteralNode extends Span {
  readonly kind: "numeric";
  /** E.g. "42", "-5", "1.5e3", ".5". */
  readonly text: string;
  /** True when the text has no decimal point and no exponent. */
  readonly isInteger: boolean;
}

export interface StringLiteralNode extends Span {
  readonly kind: "string";
  /** The text between the quotes (the language has no escapes). */
  readonly value: string;
}

/** `T'…'`: the raw text and its validated parts (see `parseTimeString`). */
export interface TimeLiteralNode extends Span, ParsedTime {
  readonly kind: "time";
  /** The text between the quotes, as written. */
  readonly text: string;
}

/** `start..stop[:stride]`, inclusive stop, stride ≥ 1 (1 when omitted). Only inside IN lists. */
export interface RangeLiteralNode extends Span {
  readonly kind: "range";
  readonly range: RangeValue;
}

/** `visit`, `visit.exposure_time`, `calexp.dataset_id`, `visit.timespan.begin`: 1 to 3 parts, case kept. */
export interface IdentifierNode extends Span {
  readonly kind: "identifier";
  readonly parts: readonly string[];
}

/** `:name`, a value supplied at execution. */
export interface BindNode extends Span {
  readonly kind: "bind";
  readonly name: string;
}

export interface UnaryNode extends Span {
  readonly kind: "unary";
  readonly op: UnaryOperator;
  readonly operand: ExpressionNode;
}

export interface BinaryNode extends Span {
  readonly kind: "binary";
  readonly op: BinaryOperator;
  readonly left: ExpressionNode;
  readonly right: ExpressionNode;
}

/** `expr [NOT] IN (item, …)`. */
export interface InNode extends Span {
  readonly kind: "in";
  readonly expr: ExpressionNode;
  readonly items: readonly InItemNode[];
  readonly negated: boolean;
}

/** `(a, b)`: always two items (a timespan). */
export interface TupleNode extends Span {
  readonly kind: "tuple";
  readonly items: readonly [ExpressionNode, ExpressionNode];
}

/** `NAME(args)`: `name` upper-cased; the special functions are validated by the parser. */
export interface FunctionCallNode extends Span {
  readonly kind: "function";
  readonly name: string;
  readonly args: readonly ExpressionNode[];
}

export type LiteralNode = NumericLiteralNode | StringLiteralNode | TimeLiteralNode | RangeLiteralNode;

/** Anything that can stand as an expression or sub-expression. */
export type ExpressionNode =
  | NumericLiteralNode
  | StringLiteralNode
  | TimeLiteralNode
  | IdentifierNode
  | BindNode
  | UnaryNode
  | BinaryNode
  | InNode
  | TupleNode
  | FunctionCallNode;

/** What an IN list may hold. */
export type InItemNode =
  | NumericLiteralNode
  | StringLiteralNode
  | TimeLiteralNode
  | RangeLiteralNode
  | IdentifierNode
  | BindNode
  | FunctionCallNode;

/** Every node. */
export type Node = ExpressionNode | RangeLiteralNode;
export type NodeKind = Node["kind"];

function spanOf(first: Span, last: Span): Span {
  return { start: first.start, end: last.end };
}

// ---- factories -------------------------------------------------------------------------------------

/** A numeric literal from its text, e.g. "42", "-1.5e3". */
export function createNumericLiteral(text: string, span: Span = NO_SPAN): NumericLiteralNode {
  return Object.freeze({
    kind: "numeric",
    text,
    isInteger: !/[.eE]/.test(text),
    start: span.start,
    end: span.end,
  });
}

export function createStringLiteral(value: string, span: Span = NO_SPAN): StringLiteralNode {
  return Object.freeze({ kind: "string", value, start: span.start, end: span.end });
}

/** A time literal from the text inside `T'…'`; throws InvalidArgumentError when the text is not a time. */
export function createTimeLiteral(text: string, span: Span = NO_SPAN): TimeLiteralNode {
  const { format, scale, value } = parseTimeString(text);
  return Object.freeze({ kind: "time", text, format, scale, value, start: span.start, end: span.end });
}

export function createRangeLiteral(
  start: number,
  stop: number,
  stride = 1,
  span: Span = NO_SPAN,
): RangeLiteralNode {
  if (
    !Number.isSafeInteger(start) ||
    !Number.isSafeInteger(stop) ||
    !Number.isSafeInteger(stride) ||
    stride < 1
  ) {
    throw new InvalidArgumentError(
      `a range needs integer bounds and a positive integer stride, got ${start}..${stop}:${stride}`,
    );
  }
  const range = Object.freeze({ start, stop, stride });
  return Object.freeze({ kind: "range", range, start: span.start, end: span.end });
}

/** An identifier from its parts or its dotted text. */
export function createIdentifier(parts: string | readonly string[], span: Span = NO_SPAN): IdentifierNode {
  const list = typeof parts === "string" ? parts.split(".") : [...parts];
  return Object.freeze({ kind: "identifier", parts: Object.freeze(list), start: span.start, end: span.end });
}

export function createBind(name: string, span: Span = NO_SPAN): BindNode {
  return Object.freeze({ kind: "bind", name, start: span.start, end: span.end });
}

export function createUnary(op: UnaryOperator, operand: ExpressionNode, span: Span = operand): UnaryNode {
  return Object.freeze({ kind: "unary", op, operand, start: span.start, end: span.end });
}

export function createBinary(
  op: BinaryOperator,
  left: ExpressionNode,
  right: ExpressionNode,
  span: Span = spanOf(left, right),
): BinaryNode {
  return Object.freeze({ kind: "binary", op, left, right, start: span.start, end: span.end });
}

export function createIn(
  expr: ExpressionNode,
  items: readonly InItemNode[],
  negated = false,
  span: Span = spanOf(expr, items.at(-1) ?? expr),
): InNode {
  return Object.freeze({
    kind: "in",
    expr,
    items: Object.freeze([...items]),
    negated,
    start: span.start,
    end: span.end,
  });
}

export function createTuple(
  first: ExpressionNode,
  second: ExpressionNode,
  span: Span = spanOf(first, second),
): TupleNode {
  const items = Object.freeze([first, second] as const);
  return Object.freeze({ kind: "tuple", items, start: span.start, end: span.end });
}

/** A function call; `name` is upper-cased. */
export function createFunctionCall(
  name: string,
  args: readonly ExpressionNode[],
  span: Span = NO_SPAN,
): FunctionCallNode {
  return Object.freeze({
    kind: "function",
    name: name.toUpperCase(),
    args: Object.freeze([...args]),
    start: span.start,
    end: span.end,
  });
}

// ---- guards ----------------------------------------------------------------------------------------

export function isNumericLiteral(node: Node): node is NumericLiteralNode {
  return node.kind === "numeric";
}
export function isStringLiteral(node: Node): node is StringLiteralNode {
  return node.kind === "string";
}
export function isTimeLiteral(node: Node): node is TimeLiteralNode {
  return node.kind === "time";
}
export function isRangeLiteral(node: Node): node is RangeLiteralNode {
  return node.kind === "range";
}
/** Any literal: numeric, string, time or range. */
export function isLiteral(node: Node): node is LiteralNode {
  return node.kind === "numeric" || node.kind === "string" || node.kind === "time" || node.kind === "range";
}
export function isIdentifier(node: Node): node is IdentifierNode {
  return node.kind === "identifier";
}
export function isBind(node: Node): node is BindNode {
  return node.kind === "bind";
}
export function isUnary(node: Node): node is UnaryNode {
  return node.kind === "unary";
}
export function isBinary(node: Node): node is BinaryNode {
  return node.kind === "binary";
}
export function isIn(node: Node): node is InNode {
  return node.kind === "in";
}
export function isTuple(node: Node): node is TupleNode {
  return node.kind === "tuple";
}
export function isFunctionCall(node: Node): node is FunctionCallNode {
  return node.kind === "function";
}

/** The value of a numeric literal: a bigint for integers beyond Number's safe range, else a number. */
export function numericValue(node: NumericLiteralNode): number | bigint {
  if (node.isInteger) {
    const n = Number(node.text);
    return Number.isSafeInteger(n) ? n : BigInt(node.text);
  }
  return Number(node.text);
}
