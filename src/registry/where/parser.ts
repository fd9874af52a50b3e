/**
 * The parser of the `where` expression language: precedence climbing over the lexer's tokens.
 *
 * Precedence, low to high (`a = b = c` and the like are errors for the non-associative levels):
 *
 * | level | operators | associativity |
 * | --- | --- | --- |
 * | 1 | `OR` | left |
 * | 2 | `AND` | left |
 * | 3 | prefix `NOT` (binds looser than comparisons: `NOT a = 1` is `NOT (a = 1)`) | right |
 * | 4 | `OVERLAPS` | none |
 * | 5 | `=` `!=` | none |
 * | 6 | `<` `<=` `>` `>=` | none |
 * | 7 | `[NOT] IN (…)` | none |
 * | 8 | `+` `-` | left |
 * | 9 | `*` `/` `%` | left |
 * | 10 | prefix `+` `-` | right |
 *
 * `NOT` may start an operand of `OR`, `AND` and `NOT` only (as in the grammar, `a = NOT b` needs
 * parentheses). A sign directly before a number is folded into the number: `-5` is a numeric literal.
 * IN list items are literals (ranges included), identifiers, binds and function calls; ranges appear
 * nowhere else. Parentheses group, and `(a, b)` is a 2-tuple.
 */
import { ExpressionSyntaxError } from "../../errors/index.ts";
import { analyzeTimeString } from "../../time/literal-syntax.ts";
import type {
  BinaryOperator,
  ExpressionNode,
  FunctionCallNode,
  InItemNode,
  Node,
  NumericLiteralNode,
  RangeLiteralNode,
  Span,
} from "./ast.ts";
import {
  createBinary,
  createBind,
  createFunctionCall,
  createIdentifier,
  createIn,
  createNumericLiteral,
  createRangeLiteral,
  createStringLiteral,
  createTimeLiteral,
  createTuple,
  createUnary,
} from "./ast.ts";
import { type Token, type TokenKind, tokenize } from "./lexer.ts";
import { checkFunctionCall } from "./special-functions.ts";
import { childNodes } from "./visit.ts";

/** Deepest nesting accepted, counted both in syntax-tree levels and in parenthesis/prefix nesting. */
export const MAX_EXPRESSION_DEPTH = 1000;

/** OR and AND chains up to this many operands nest to the left; longer ones are balanced. */
const LEFT_NESTED_CHAIN = 64;

/** Binding strength of each level; higher binds tighter. */
export const PRECEDENCE = Object.freeze({
  OR: 10,
  AND: 20,
  NOT: 25,
  OVERLAPS: 30,
  EQUALITY: 40,
  RELATIONAL: 45,
  IN: 50,
  ADDITIVE: 60,
  MULTIPLICATIVE: 70,
  UNARY: 80,
  PRIMARY: Number.POSITIVE_INFINITY,
});

interface InfixOperator {
  readonly op: BinaryOperator;
  readonly precedence: number;
  readonly associative: boolean;
}

const P = PRECEDENCE;
const INFIX: Partial<Record<TokenKind, InfixOperator>> = {
  OR: { op: "OR", precedence: P.OR, associative: true },
  AND: { op: "AND", precedence: P.AND, associative: true },
  OVERLAPS: { op: "OVERLAPS", precedence: P.OVERLAPS, associative: false },
  "=": { op: "=", precedence: P.EQUALITY, associative: false },
  "!=": { op: "!=", precedence: P.EQUALITY, associative: false },
  "<": { op: "<", precedence: P.RELATIONAL, associative: false },
  "<=": { op: "<=", precedence: P.RELATIONAL, associative: false },
  ">": { op: ">", precedence: P.RELATIONAL, associative: false },
  ">=": { op: ">=", precedence: P.RELATIONAL, associative: false },
  "+": { op: "+", precedence: P.ADDITIVE, associative: true },
  "-": { op: "-", precedence: P.ADDITIVE, associative: true },
  "*": { op: "*", precedence: P.MULTIPLICATIVE, associative: true },
  "/": { op: "/", precedence: P.MULTIPLICATIVE, associative: true },
  "%": { op: "%", precedence: P.MULTIPLICATIVE, associative: true },
};

/**
 * Parses a `where` expression. Empty or whitespace-only text gives undefined (no constraint).
 * Throws ExpressionSyntaxError, with the position of the problem, for anything that is not a
 * well-formed expression: bad characters, unterminated strings, invalid time literals, misplaced
 * tokens, premature end, chained comparisons, and special functions with the wrong arguments.
 */
export function parseExpression(text: string): ExpressionNode | undefined {
  const tokens = tokenize(text);
  if (tokens.length === 1) return undefined;
  return new Parser(text, tokens).parseAll();
}

/** What may stand alone both as an operand and as an IN list item. */
type LeafNode = Exclude<InItemNode, RangeLiteralNode>;

function shorten(text: string): string {
  return text.length > 40 ? `${text.slice(0, 37)}...` : text;
}

function spanFrom(first: Span, last: Span): Span {
  return { start: first.start, end: last.end };
}

class Parser {
  private readonly text: string;
  private readonly tokens: readonly Token[];
  private index = 0;
  private nesting = 0;
  /** Tree depth of composite nodes built so far (leaves are 1). */
  private readonly depths = new WeakMap<Node, number>();

  constructor(text: string, tokens: readonly Token[]) {
    this.text = text;
    this.tokens = tokens;
  }

  parseAll(): ExpressionNode {
    const node = this.parseExpression(0);
    const rest = this.peek();
    if (rest.kind !== "EOF") throw this.error(rest, rest.kind === ")" ? "unbalanced ')'" : undefined);
    return node;
  }

  // ---- token access --------------------------------------------------------------------------------

  private peek(ahead = 0): Token {
    return this.tokens[Math.min(this.index + ahead, this.tokens.length - 1)]!;
  }

  private next(): Token {
    const token = this.tokens[this.index]!;
    if (token.kind !== "EOF") this.index++;
    return token;
  }

  private expect(kind: TokenKind, expected: string): Token {
    const token = this.peek();
    if (token.kind !== kind) throw this.error(token, `expected ${expected}`, expected);
    return this.next();
  }

  /** "Syntax error at or near 'x'[: hint]", or "…end of input reached while expecting …" at the end. */
  private error(token: Token, hint?: string, expected = "more input"): ExpressionSyntaxError {
    if (token.kind === "EOF") {
      return new ExpressionSyntaxError(
        `Syntax error: end of input reached while expecting ${expected}`,
        this.text,
        token.start,
      );
    }
    const reason = `Syntax error at or near '${shorten(token.text)}'${hint === undefined ? "" : `: ${hint}`}`;
    return new ExpressionSyntaxError(reason, this.text, token.start, { token: token.text });
  }

  // ---- depth limits ----------------------------------------------------------------------------------

  private tooDeep(position: number): ExpressionSyntaxError {
    return new ExpressionSyntaxError(
      `Expression is nested too deeply (more than ${MAX_EXPRESSION_DEPTH} levels)`,
      this.text,
      position,
    );
  }

  /** Records the tree depth of a new composite node, rejecting trees deeper than the limit. */
  private track<T extends Node>(node: T, at: Span = node): T {
    let depth = 1;
    for (const child of childNodes(node)) depth = Math.max(depth, this.depths.get(child) ?? 1);
    if (depth + 1 > MAX_EXPRESSION_DEPTH) throw this.tooDeep(at.start);
    this.depths.set(node, depth + 1);
    return node;
  }

  // ---- expressions -----------------------------------------------------------------------------------

  /** Parses operators of precedence ≥ `minPrecedence`. */
  private parseExpression(minPrecedence: number): ExpressionNode {
    if (++this.nesting > MAX_EXPRESSION_DEPTH) throw this.tooDeep(this.peek().start);
    let [left, leftPrecedence] = this.parsePrefix(minPrecedence);
    for (;;) {
      const token = this.peek();
      if (token.kind === "IN" || token.kind === "NOT") {
        if (token.kind === "NOT" && this.peek(1).kind !== "IN") {
          throw this.error(this.peek(1), "expected IN after NOT", "IN");
        }
        if (P.IN < minPrecedence) break;
        if (leftPrecedence <= P.IN) throw this.error(token, "IN cannot be chained; add parentheses");
        this.next();
        if (token.kind === "NOT") this.next();
        left = this.parseInList(left, token.kind === "NOT");
        leftPrecedence = P.IN;
        continue;
      }
      const infix = INFIX[token.kind];
      if (infix === undefined || infix.precedence < minPrecedence) break;
      if (leftPrecedence < infix.precedence || (!infix.associative && leftPrecedence === infix.precedence)) {
        throw this.error(
          token,
          leftPrecedence === P.IN
            ? `the result of IN cannot be an operand of '${token.text}'; add parentheses`
            : "comparisons cannot be chained; add parentheses or combine them with AND",
        );
      }
      this.next();
      const right = this.parseExpression(infix.precedence + 1);
      if (infix.op === "OR" || infix.op === "AND") {
        left = this.parseLogicalChain(infix.op, token, [left, right]);
      } else {
        left = this.track(createBinary(infix.op, left, right), token);
      }
      leftPrecedence = infix.precedence;
    }
    this.nesting--;
    return left;
  }

  /**
   * The rest of a chain `a OR b OR c …` (or AND) whose first two operands are parsed. Short chains nest
   * to the left, as written; long ones (a generated list of 10,000 alternatives) are built as a
   * balanced tree, equivalent because the operator is associative, so their depth grows as log n.
   */
  private parseLogicalChain(op: "OR" | "AND", first: Token, operands: ExpressionNode[]): ExpressionNode {
    while (this.peek().kind === first.kind) {
      this.next();
      operands.push(this.parseExpression(INFIX[first.kind]!.precedence + 1));
    }
    if (operands.length <= LEFT_NESTED_CHAIN) {
      let node = operands[0]!;
      for (const operand of operands.slice(1)) node = this.track(createBinary(op, node, operand), first);
      return node;
    }
    const build = (from: number, to: number): ExpressionNode => {
      if (to - from === 1) return operands[from]!;
      const middle = (from + to) >>> 1;
      return this.track(createBinary(op, build(from, middle), build(middle, to)), first);
    };
    return build(0, operands.length);
  }

  /** An operand: a leaf, a prefix operator and its operand, or a parenthesized expression or tuple. */
  private parsePrefix(minPrecedence: number): [ExpressionNode, number] {
    const token = this.next();
    switch (token.kind) {
      case "(":
        return [this.parseParenthesized(token), P.PRIMARY];
      case "+":
      case "-": {
        const folded = this.foldSign(token);
        if (folded !== undefined) return [folded, P.PRIMARY];
        const operand = this.parseExpression(P.UNARY);
        return [this.track(createUnary(token.kind, operand, spanFrom(token, operand)), token), P.UNARY];
      }
      case "NOT": {
        if (minPrecedence > P.NOT) throw this.error(token, "NOT cannot appear here without parentheses");
        const operand = this.parseExpression(P.NOT);
        return [this.track(createUnary("NOT", operand, spanFrom(token, operand)), token), P.NOT];
      }
      case "RANGE_LITERAL":
        throw this.error(token, "ranges are allowed only in IN lists");
      case "EOF":
        throw this.error(token, undefined, "an expression");
      default: {
        const leaf = this.parseLeaf(token);
        if (leaf === undefined) {
          const doubled = token.kind === "=" && this.tokens[this.index - 2]?.kind === "=";
          throw this.error(token, doubled ? "use '=' (not '==') for equality" : undefined);
        }
        return [leaf, P.PRIMARY];
      }
    }
  }

  /** A literal, identifier, bind or function call starting at `token`; undefined for anything else. */
  private parseLeaf(token: Token): LeafNode | undefined {
    switch (token.kind) {
      case "NUMERIC_LITERAL":
        return createNumericLiteral(token.value, token);
      case "STRING_LITERAL":
        return createStringLiteral(token.value, token);
      case "TIME_LITERAL": {
        const parsed = analyzeTimeString(token.value);
        if ("problem" in parsed) {
          throw new ExpressionSyntaxError(
            `Invalid time literal ${shorten(token.text)}: ${parsed.problem}`,
            this.text,
            token.start,
            { token: token.text },
          );
        }
        return createTimeLiteral(token.value, token);
      }
      case "BIND_NAME":
        return createBind(token.value, token);
      case "SIMPLE_IDENTIFIER":
        if (this.peek().kind === "(") return this.parseCall(token);
        return createIdentifier([token.value], token);
      case "QUALIFIED_IDENTIFIER":
        if (this.peek().kind === "(") {
          throw this.error(this.peek(), `'${token.text}' cannot be called: function names are not qualified`);
        }
        return createIdentifier(token.value.split("."), token);
      default:
        return undefined;
    }
  }

  /** `-5` / `+5`: a sign directly followed by a number becomes part of the numeric literal. */
  private foldSign(sign: Token): NumericLiteralNode | undefined {
    const number = this.peek();
    if (number.kind !== "NUMERIC_LITERAL") return undefined;
    this.next();
    return createNumericLiteral(
      sign.kind === "-" ? `-${number.value}` : number.value,
      spanFrom(sign, number),
    );
  }

  /** After `(`: a parenthesized expression or a 2-tuple. */
  private parseParenthesized(open: Token): ExpressionNode {
    const first = this.parseExpression(0);
    if (this.peek().kind !== ",") {
      this.expect(")", "')' or ','");
      return first;
    }
    this.next();
    const second = this.parseExpression(0);
    if (this.peek().kind === ",") throw this.error(this.peek(), "a tuple has exactly two items");
    const close = this.expect(")", "')'");
    return this.track(createTuple(first, second, spanFrom(open, close)), open);
  }

  /** `NAME(args)`, with the special functions checked. */
  private parseCall(name: Token): FunctionCallNode {
    this.next(); // "("
    const args: ExpressionNode[] = [];
    if (this.peek().kind !== ")") {
      for (;;) {
        args.push(this.parseExpression(0));
        if (this.peek().kind !== ",") break;
        this.next();
      }
    }
    const close = this.expect(")", "')' or ','");
    const call = this.track(createFunctionCall(name.value, args, spanFrom(name, close)));
    const problem = checkFunctionCall(call);
    if (problem !== undefined) throw new ExpressionSyntaxError(problem.reason, this.text, problem.position);
    return call;
  }

  /** After `[NOT] IN`: the parenthesized item list. */
  private parseInList(expr: ExpressionNode, negated: boolean): ExpressionNode {
    this.expect("(", "'('");
    const items: InItemNode[] = [];
    for (;;) {
      items.push(this.parseInItem());
      const separator = this.peek();
      if (separator.kind === ")") break;
      if (separator.kind !== ",") throw this.error(separator, "expected ',' or ')'", "',' or ')'");
      this.next();
    }
    const close = this.next();
    return this.track(createIn(expr, items, negated, spanFrom(expr, close)));
  }

  private parseInItem(): InItemNode {
    const token = this.next();
    switch (token.kind) {
      case "RANGE_LITERAL": {
        const { start, stop, stride } = token.range;
        return createRangeLiteral(start, stop, stride, token);
      }
      case "+":
      case "-": {
        const folded = this.foldSign(token);
        if (folded === undefined) throw this.error(this.peek(), "a sign in an IN list must precede a number");
        return folded;
      }
      case ")":
        throw this.error(token, "an IN list needs at least one item");
      case "EOF":
        throw this.error(token, undefined, "an IN list item");
    }
    const leaf = this.parseLeaf(token);
    if (leaf === undefined) {
      throw this.error(token, "IN list items are literals, ranges, identifiers, binds or function calls");
    }
    return leaf;
  }
}
