/** What a `where` expression needs joined: the dimensions, elements and dataset fields it names. */
import type { ExpressionNode } from "../where/ast.ts";
import { type DatasetField, type NameContext, type ResolvedName, resolveName } from "./identifiers.ts";
import { boundName, isNullName } from "./where-scope.ts";

/** The dimensions, elements and dataset fields an expression mentions, for planning joins. */
export interface ExpressionNeeds {
  readonly dimensions: Set<string>;
  readonly elements: Set<string>;
  readonly datasetFields: Set<DatasetField>;
}

/** Walks an expression and records what it needs (resolving every name, so unknown names fail early). */
export function collectNeeds(
  node: ExpressionNode | undefined,
  names: NameContext,
  needs: ExpressionNeeds,
  bind: Readonly<Record<string, unknown>> = {},
): void {
  if (node === undefined) return;
  const visit = (n: ExpressionNode, regionContext: boolean): void => {
    switch (n.kind) {
      case "identifier":
        if (boundName(n, bind, names) !== undefined) return;
        addNeeds(resolveName(n.parts, names), names, needs, regionContext);
        return;
      case "binary":
        visit(n.left, n.op === "OVERLAPS");
        visit(n.right, n.op === "OVERLAPS");
        return;
      case "unary":
        visit(n.operand, false);
        return;
      case "in":
        visit(n.expr, false);
        for (const item of n.items) if (item.kind !== "range") visit(item, false);
        return;
      case "tuple":
        for (const item of n.items) if (!isNullName(item)) visit(item, false);
        return;
      case "function":
        // HEADER(calexp, 'KEY') names a dataset type and a key, not query columns.
        if (n.name === "HEADER") return;
        for (const arg of n.args) visit(arg, false);
        return;
      default:
        return;
    }
  };
  visit(node, false);
}

/** Adds what one resolved name needs; a spatial or temporal dimension used with OVERLAPS needs its table. */
export function addNeeds(
  resolved: ResolvedName,
  names: NameContext,
  needs: ExpressionNeeds,
  overlapContext = false,
): void {
  const universe = names.universe;
  const addElement = (element: string): void => {
    needs.elements.add(element);
    for (const d of universe.getElement(element).required) needs.dimensions.add(d);
  };
  switch (resolved.kind) {
    case "dimension": {
      needs.dimensions.add(resolved.dimension);
      const element = universe.getElement(resolved.dimension);
      if (overlapContext && element.hasOwnTable && (element.isSpatial || element.isTemporal)) {
        addElement(resolved.dimension);
      }
      return;
    }
    case "field":
    case "timespanBound":
      addElement(resolved.element);
      return;
    case "dataset":
      needs.datasetFields.add(resolved.field);
      return;
    case "header":
      return;
  }
}
