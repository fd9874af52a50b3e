/**
 * Walking the syntax tree: a dispatch table keyed by `kind` (what compilers implement), the children
 * of a node, a pre-order walk, structural equality that ignores source offsets, and collectors for
 * the identifiers and binds an expression uses.
 */
import type { BindNode, IdentifierNode, Node, NodeKind } from "./ast.ts";

/** One handler per node kind; TypeScript checks that a compiler covers every kind. */
export type NodeHandlers<R> = { readonly [K in NodeKind]: (node: Extract<Node, { kind: K }>) => R };

/** Calls the handler for `node.kind`. */
export function dispatchNode<R>(node: Node, handlers: NodeHandlers<R>): R {
  return (handlers[node.kind] as (n: Node) => R)(node);
}

/** The direct children of a node, left to right. */
export function childNodes(node: Node): readonly Node[] {
  switch (node.kind) {
    case "unary":
      return [node.operand];
    case "binary":
      return [node.left, node.right];
    case "in":
      return [node.expr, ...node.items];
    case "tuple":
      return node.items;
    case "function":
      return node.args;
    default:
      return [];
  }
}

/**
 * Visits `node` and its descendants in pre-order, with each node's parent. Returning `false` from
 * `visitor` skips that node's children.
 */
export function walkNodes(node: Node, visitor: (node: Node, parent: Node | undefined) => unknown): void {
  const stack: [Node, Node | undefined][] = [[node, undefined]];
  while (stack.length > 0) {
    const [current, parent] = stack.pop()!;
    if (visitor(current, parent) === false) continue;
    const children = childNodes(current);
    for (let i = children.length - 1; i >= 0; i--) stack.push([children[i]!, current]);
  }
}

/** Structural equality of two trees, ignoring `start`/`end`. */
export function nodesEqual(a: Node, b: Node): boolean {
  if (a.kind !== b.kind) return false;
  switch (a.kind) {
    case "numeric":
      return a.text === (b as typeof a).text;
    case "string":
      return a.value === (b as typeof a).value;
    case "time":
      return a.text === (b as typeof a).text;
    case "range": {
      const r = (b as typeof a).range;
      return a.range.start === r.start && a.range.stop === r.stop && a.range.stride === r.stride;
    }
    case "identifier": {
      const parts = (b as typeof a).parts;
      return a.parts.length === parts.length && a.parts.every((p, i) => p === parts[i]);
    }
    case "bind":
      return a.name === (b as typeof a).name;
    case "unary":
      return a.op === (b as typeof a).op && nodesEqual(a.operand, (b as typeof a).operand);
    case "binary": {
      const o = b as typeof a;
      return a.op === o.op && nodesEqual(a.left, o.left) && nodesEqual(a.right, o.right);
    }
    case "in": {
      const o = b as typeof a;
      return a.negated === o.negated && nodesEqual(a.expr, o.expr) && listsEqual(a.items, o.items);
    }
    case "tuple":
      return listsEqual(a.items, (b as typeof a).items);
    case "function":
      return a.name === (b as typeof a).name && listsEqual(a.args, (b as typeof a).args);
  }
}

function listsEqual(a: readonly Node[], b: readonly Node[]): boolean {
  return a.length === b.length && a.every((node, i) => nodesEqual(node, b[i]!));
}

/** Every identifier in the expression, in source order (duplicates kept, for error positions). */
export function collectIdentifiers(node: Node): IdentifierNode[] {
  const found: IdentifierNode[] = [];
  walkNodes(node, (n) => {
    if (n.kind === "identifier") found.push(n);
  });
  return found;
}

/** Every bind in the expression, in source order (duplicates kept). */
export function collectBinds(node: Node): BindNode[] {
  const found: BindNode[] = [];
  walkNodes(node, (n) => {
    if (n.kind === "bind") found.push(n);
  });
  return found;
}
