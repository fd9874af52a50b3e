/** The constant regions of a `where` expression: POINT, CIRCLE, BOX, POLYGON and REGION calls. */
import { ButlerError, InvalidQueryError } from "../../errors/index.ts";
import { Box, Circle, ConvexPolygon, parsePosRegion, type Region } from "../../sphgeom/index.ts";
import type { ExpressionNode, FunctionCallNode } from "../where/ast.ts";
import { boundName, type CompileScope, expressionError } from "./where-scope.ts";

/** The region a geometry call names; its arguments must be known before the query runs. */
export function constantRegion(node: FunctionCallNode, scope: CompileScope): Region {
  try {
    if (node.name === "REGION") {
      const arg = node.args[0]!;
      const argBind = boundName(arg, scope.bind, scope.names);
      const value =
        arg.kind === "string" ? arg.value : argBind !== undefined ? scope.bind[argBind] : undefined;
      if (typeof value !== "string") throw expressionError(arg, "is not an IVOA POS string");
      return parsePosRegion(value);
    }
    const numbers = node.args.map((arg) => constantNumber(arg, scope));
    switch (node.name) {
      case "POINT":
        return Circle.fromDegrees(numbers[0]!, numbers[1]!, 0);
      case "CIRCLE":
        return Circle.fromDegrees(numbers[0]!, numbers[1]!, numbers[2]!);
      case "BOX":
        return Box.fromCenterSize(numbers[0]!, numbers[1]!, numbers[2]!, numbers[3]!);
      default:
        return ConvexPolygon.fromLonLatDegrees(numbers);
    }
  } catch (err) {
    if (err instanceof InvalidQueryError || !(err instanceof ButlerError)) throw err;
    throw expressionError(node, `is not a valid region: ${err.message}`);
  }
}

/** A number known before the query runs: literals, binds and arithmetic over them. */
function constantNumber(node: ExpressionNode, scope: CompileScope): number {
  switch (node.kind) {
    case "numeric":
      return Number(node.text);
    case "bind":
    case "identifier": {
      const name = boundName(node, scope.bind, scope.names);
      if (name === undefined) break;
      const value = scope.bind[name];
      if (typeof value === "number") return value;
      throw expressionError(node, "is not a number");
    }
    case "unary": {
      const value = constantNumber(node.operand, scope);
      return node.op === "-" ? -value : value;
    }
    case "binary": {
      const a = constantNumber(node.left, scope);
      const b = constantNumber(node.right, scope);
      switch (node.op) {
        case "+":
          return a + b;
        case "-":
          return a - b;
        case "*":
          return a * b;
        case "/":
          return a / b;
        case "%":
          return a % b;
      }
      break;
    }
    default:
      break;
  }
  throw expressionError(
    node,
    "is not a constant number; region arguments must be known before the query runs",
  );
}
