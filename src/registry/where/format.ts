/**
 * Prints a syntax tree back as canonical expression text: keywords and function names upper case,
 * one space around binary operators, `, ` between items, and parentheses only where precedence needs
 * them. For any tree the parser produced, `parseExpression(formatExpression(t))` equals `t` apart from
 * source offsets.
 */
import { InvalidArgumentError } from "../../errors/index.ts";
import type { BinaryOperator, Node } from "./ast.ts";
import { PRECEDENCE as P } from "./parser.ts";

const BINARY_PRECEDENCE: Readonly<Record<BinaryOperator, number>> = {
  OR: P.OR,
  AND: P.AND,
  OVERLAPS: P.OVERLAPS,
  "=": P.EQUALITY,
  "!=": P.EQUALITY,
  "<": P.RELATIONAL,
  "<=": P.RELATIONAL,
  ">": P.RELATIONAL,
  ">=": P.RELATIONAL,
  "+": P.ADDITIVE,
  "-": P.ADDITIVE,
  "*": P.MULTIPLICATIVE,
  "/": P.MULTIPLICATIVE,
  "%": P.MULTIPLICATIVE,
};

/** The precedence level a node's own text has when printed without parentheses. */
function precedenceOf(node: Node): number {
  switch (node.kind) {
    case "binary":
      return BINARY_PRECEDENCE[node.op];
    case "unary":
      return node.op === "NOT" ? P.NOT : P.UNARY;
    case "in":
      return P.IN;
    default:
      return P.PRIMARY;
  }
}

function wrap(text: string, parenthesize: boolean): string {
  return parenthesize ? `(${text})` : text;
}

/**
 * Formats a tree as expression text. Throws InvalidArgumentError for a hand-built string literal that
 * the language cannot spell (one holding `'` or a line break).
 */
export function formatExpression(node: Node): string {
  switch (node.kind) {
    case "numeric":
      return node.text;
    case "string":
      if (/['\n]/.test(node.value)) {
        throw new InvalidArgumentError(
          `string literal ${JSON.stringify(node.value)} cannot be written in an expression: it holds a quote or line break`,
        );
      }
      return `'${node.value}'`;
    case "time":
      return `T'${node.text}'`;
    case "range": {
      const { start, stop, stride } = node.range;
      return stride === 1 ? `${start}..${stop}` : `${start}..${stop}:${stride}`;
    }
    case "identifier":
      return node.parts.join(".");
    case "bind":
      return `:${node.name}`;
    case "unary": {
      const operand = node.operand;
      const inner = formatExpression(operand);
      if (node.op === "NOT") return `NOT ${wrap(inner, precedenceOf(operand) < P.NOT)}`;
      // A sign before a number would fold into the literal, so parenthesize numbers and nested signs.
      const guard = operand.kind === "numeric" || (operand.kind === "unary" && operand.op !== "NOT");
      return `${node.op}${wrap(inner, guard || precedenceOf(operand) < P.UNARY)}`;
    }
    case "binary": {
      const level = BINARY_PRECEDENCE[node.op];
      const associative = level !== P.OVERLAPS && level !== P.EQUALITY && level !== P.RELATIONAL;
      const leftLevel = precedenceOf(node.left);
      const left = wrap(
        formatExpression(node.left),
        leftLevel < level || (!associative && leftLevel === level),
      );
      const right = wrap(formatExpression(node.right), precedenceOf(node.right) <= level);
      return `${left} ${node.op} ${right}`;
    }
    case "in": {
      const expr = wrap(formatExpression(node.expr), precedenceOf(node.expr) <= P.IN);
      const items = node.items.map(formatExpression).join(", ");
      return `${expr} ${node.negated ? "NOT IN" : "IN"} (${items})`;
    }
    case "tuple":
      return `(${formatExpression(node.items[0])}, ${formatExpression(node.items[1])})`;
    case "function":
      return `${node.name}(${node.args.map(formatExpression).join(", ")})`;
  }
}
