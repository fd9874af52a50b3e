/**
 * The functions the language knows, checked when parsed: arity and the kinds of their arguments.
 *
 * | function | arguments |
 * | --- | --- |
 * | `POINT(ra, dec)` | 2 numeric |
 * | `CIRCLE(ra, dec, radius)` | 3 numeric (radius in degrees) |
 * | `BOX(ra, dec, width, height)` | 4 numeric (full extents) |
 * | `POLYGON(ra1, dec1, ra2, dec2, ra3, dec3, …)` | an even number ≥ 6, numeric |
 * | `REGION(pos)` | 1: string literal (IVOA SIAv2 POS), bind or identifier |
 * | `GLOB(column, pattern)` | identifier, then string literal or bind |
 * | `UUID('…')` | 1 string literal holding a valid UUID |
 *
 * "Numeric" means a numeric literal, a bind, an identifier, or arithmetic (`+ - * / %`, unary `+ -`)
 * over those. Other names parse as plain function calls, for the compiler to accept or reject.
 */
import type { ExpressionNode, FunctionCallNode } from "./ast.ts";

export const SPECIAL_FUNCTIONS = ["POINT", "CIRCLE", "BOX", "POLYGON", "REGION", "GLOB", "UUID"] as const;
export type SpecialFunctionName = (typeof SPECIAL_FUNCTIONS)[number];

const SPECIAL: ReadonlySet<string> = new Set(SPECIAL_FUNCTIONS);

/** True for the names in SPECIAL_FUNCTIONS (upper case). */
export function isSpecialFunctionName(name: string): name is SpecialFunctionName {
  return SPECIAL.has(name);
}

/** What is wrong with a call, and the offset to point at. */
export interface FunctionCallProblem {
  readonly reason: string;
  readonly position: number;
}

const ARITHMETIC: ReadonlySet<string> = new Set(["+", "-", "*", "/", "%"]);

/** Whether `node` can stand for a number: a numeric literal, bind, identifier or arithmetic. */
export function isNumericArgument(node: ExpressionNode): boolean {
  switch (node.kind) {
    case "numeric":
    case "bind":
    case "identifier":
      return true;
    case "unary":
      return node.op !== "NOT";
    case "binary":
      return ARITHMETIC.has(node.op);
    default:
      return false;
  }
}

/** A short name for what a node is, for messages ("a string literal", "a comparison"). */
export function describeNode(node: ExpressionNode): string {
  switch (node.kind) {
    case "numeric":
      return "a number";
    case "string":
      return "a string literal";
    case "time":
      return "a time literal";
    case "identifier":
      return `identifier '${node.parts.join(".")}'`;
    case "bind":
      return `bind ':${node.name}'`;
    case "unary":
      return node.op === "NOT" ? "a NOT expression" : "an arithmetic expression";
    case "binary":
      if (ARITHMETIC.has(node.op)) return "an arithmetic expression";
      if (node.op === "AND" || node.op === "OR") return `an ${node.op} expression`;
      return node.op === "OVERLAPS" ? "an OVERLAPS expression" : "a comparison";
    case "in":
      return "an IN expression";
    case "tuple":
      return "a tuple";
    case "function":
      return `a call to ${node.name}()`;
  }
}

const UUID_HEX = /^[0-9a-f]{32}$/;

/**
 * The canonical lower-case 8-4-4-4-12 form of a UUID string, or undefined when it is not one. Accepts
 * what Python's `uuid.UUID` accepts: hyphens anywhere, surrounding braces, a `urn:uuid:` prefix, any case.
 */
export function normalizeUuid(text: string): string | undefined {
  const hex = text
    .toLowerCase()
    .replace(/^urn:/, "")
    .replace(/^uuid:/, "")
    .replace(/^\{+|\}+$/g, "")
    .replaceAll("-", "");
  if (!UUID_HEX.test(hex)) return undefined;
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

function arityProblem(call: FunctionCallNode, expected: string): FunctionCallProblem {
  const n = call.args.length;
  return {
    reason: `${call.name}() takes ${expected}, got ${n} argument${n === 1 ? "" : "s"}`,
    position: call.start,
  };
}

function numericArguments(call: FunctionCallNode): FunctionCallProblem | undefined {
  for (const [i, arg] of call.args.entries()) {
    if (!isNumericArgument(arg)) {
      return {
        reason: `argument ${i + 1} of ${call.name}() must be a number, bind, identifier or arithmetic, not ${describeNode(arg)}`,
        position: arg.start,
      };
    }
  }
  return undefined;
}

/** Checks a call to a special function; returns undefined when it is valid or not a special function. */
export function checkFunctionCall(call: FunctionCallNode): FunctionCallProblem | undefined {
  const args = call.args;
  switch (call.name) {
    case "POINT":
      return args.length !== 2 ? arityProblem(call, "2 arguments (ra, dec)") : numericArguments(call);
    case "CIRCLE":
      return args.length !== 3 ? arityProblem(call, "3 arguments (ra, dec, radius)") : numericArguments(call);
    case "BOX":
      return args.length !== 4
        ? arityProblem(call, "4 arguments (ra, dec, width, height)")
        : numericArguments(call);
    case "POLYGON":
      return args.length < 6 || args.length % 2 !== 0
        ? arityProblem(call, "an even number of arguments, at least 6 (ra1, dec1, ra2, dec2, ra3, dec3, ...)")
        : numericArguments(call);
    case "REGION": {
      if (args.length !== 1) return arityProblem(call, "1 argument (an IVOA POS string)");
      const arg = args[0]!;
      if (arg.kind === "string" || arg.kind === "bind" || arg.kind === "identifier") return undefined;
      return {
        reason: `the argument of REGION() must be a string literal, bind or identifier, not ${describeNode(arg)}`,
        position: arg.start,
      };
    }
    case "GLOB": {
      if (args.length !== 2) return arityProblem(call, "2 arguments (identifier, pattern)");
      const [column, pattern] = args as readonly [ExpressionNode, ExpressionNode];
      if (column.kind !== "identifier") {
        return {
          reason: `the first argument of GLOB() must be an identifier, not ${describeNode(column)}`,
          position: column.start,
        };
      }
      if (pattern.kind !== "string" && pattern.kind !== "bind") {
        return {
          reason: `the second argument of GLOB() must be a string literal or bind, not ${describeNode(pattern)}`,
          position: pattern.start,
        };
      }
      return undefined;
    }
    case "UUID": {
      if (args.length !== 1) return arityProblem(call, "1 argument (a string literal)");
      const arg = args[0]!;
      if (arg.kind !== "string") {
        return {
          reason: `the argument of UUID() must be a string literal, not ${describeNode(arg)}`,
          position: arg.start,
        };
      }
      if (normalizeUuid(arg.value) === undefined) {
        return { reason: `'${arg.value}' is not a valid UUID`, position: arg.start };
      }
      return undefined;
    }
    default:
      return undefined;
  }
}
