/** The `where` compiler: a parsed expression to bound SQL, with type checks that name both sides. */
import { type RawBuilder, sql } from "kysely";
import { normalizeUuid, Timespan } from "../../core/index.ts";
import { ButlerError, InvalidQueryError } from "../../errors/index.ts";
import { parseTimeLiteral } from "../../time/index.ts";
import type {
  BinaryNode,
  ExpressionNode,
  FunctionCallNode,
  IdentifierNode,
  InNode,
  RangeLiteralNode,
} from "../where/ast.ts";
import { numericValue } from "../where/ast.ts";
import {
  bindValue,
  describeValue,
  INLINE_IN_LIST_LIMIT,
  INT64_MAX,
  INT64_MIN,
  INT64_RANGE,
  joinBalanced,
} from "./bound-values.ts";
import { dimensionValueType, fieldValueType, resolveName, type ValueType } from "./identifiers.ts";
import { isPixelRegion } from "./spatial.ts";
import { constantRegion } from "./where-regions.ts";
import {
  boundName,
  type Compiled,
  type CompiledWhere,
  type CompileScope,
  conjuncts,
  expressionError,
  isNullName,
  type RegionOperand,
  type SpatialConstraint,
} from "./where-scope.ts";

/**
 * Compiles a parsed `where` expression against a scope. Every value becomes a bound parameter;
 * region overlaps joined by AND at the top level come back separately (see SpatialConstraint).
 */
export function compileWhere(node: ExpressionNode | undefined, scope: CompileScope): CompiledWhere {
  if (node === undefined) return { condition: null, spatial: [] };
  const compiler = new WhereCompiler(scope);
  const conditions: RawBuilder<unknown>[] = [];
  const spatial: SpatialConstraint[] = [];
  for (const term of conjuncts(node)) {
    const overlap =
      term.kind === "binary" && term.op === "OVERLAPS" ? compiler.regionOverlap(term) : undefined;
    if (overlap !== undefined) {
      if (overlap === true) continue;
      if (overlap === false) conditions.push(sql`1 = 0`);
      else spatial.push(overlap);
      continue;
    }
    conditions.push(compiler.condition(term));
  }
  const condition = conditions.length === 0 ? null : joinBalanced(conditions, "AND");
  return { condition, spatial };
}

const COMPARISONS = new Set(["=", "!=", "<", "<=", ">", ">="]);
const ARITHMETIC = new Set(["+", "-", "*", "/", "%"]);
const NUMERIC: ReadonlySet<ValueType> = new Set(["int", "float"]);

class WhereCompiler {
  readonly #scope: CompileScope;

  constructor(scope: CompileScope) {
    this.#scope = scope;
  }

  /** A node that must be a condition. */
  condition(node: ExpressionNode): RawBuilder<unknown> {
    const value = this.#compile(node);
    if (value.kind === "condition") return value.sql;
    if (value.kind === "scalar" && value.type === "bool")
      // NULL stays unknown, so that NOT of a NULL flag is not true either (SQL semantics).
      return sql`(CASE WHEN ${value.sql} THEN 1 WHEN NOT ${value.sql} THEN 0 END) = 1`;
    throw this.#error(
      node,
      "is not a condition; accepted: comparisons, IN, OVERLAPS, GLOB and boolean fields",
    );
  }

  /**
   * A top-level OVERLAPS between regions: a constraint, or true/false when both sides are constants;
   * undefined when the operands are not regions (timespans are compiled as SQL).
   */
  regionOverlap(node: BinaryNode): SpatialConstraint | boolean | undefined {
    const [left, right] = this.#overlapOperands(node);
    if (left.kind !== "region" && right.kind !== "region") return undefined;
    if (left.kind !== "region" || right.kind !== "region") {
      throw this.#error(node, "compares a region with something that is not a region");
    }
    const a = regionOperand(left);
    const b = regionOperand(right);
    if ("constant" in a && "constant" in b) return a.constant.overlaps(b.constant);
    return { left: a, right: b };
  }

  #compile(node: ExpressionNode): Compiled {
    switch (node.kind) {
      case "numeric": {
        const value = numericValue(node);
        if (typeof value === "bigint" && (value < INT64_MIN || value > INT64_MAX)) {
          throw this.#error(node, `is outside the 64-bit integer range; ${INT64_RANGE}`);
        }
        if (typeof value === "number" && !Number.isFinite(value)) {
          throw this.#error(node, "is not a finite number (too large for a double)");
        }
        return {
          kind: "scalar",
          type: node.isInteger ? "int" : "float",
          sql: sql`${value}`,
          constant: value,
        };
      }
      case "string":
        return {
          kind: "scalar",
          type: "string",
          sql: sql`${node.value}`,
          text: node.value,
          constant: node.value,
        };
      case "time":
        return { kind: "scalar", type: "time", sql: sql`${this.#time(node.text, node)}` };
      case "identifier":
        return this.#identifier(node);
      case "bind":
        return this.#bind(node.name, node);
      case "unary":
        return this.#unary(node);
      case "binary":
        return this.#binary(node);
      case "in":
        return this.#in(node);
      case "tuple": {
        // NULL for an open bound, as in daf_butler: (NULL, t1), (t4, NULL).
        const [begin, end] = node.items.map((item, i) =>
          isNullName(item)
            ? ({
                kind: "scalar",
                type: "time",
                sql: sql`${i === 0 ? Timespan.UNBOUNDED.beginNs : Timespan.UNBOUNDED.endNs}`,
              } as const)
            : this.#compile(item),
        );
        if (
          begin?.kind !== "scalar" ||
          begin.type !== "time" ||
          end?.kind !== "scalar" ||
          end.type !== "time"
        ) {
          throw this.#error(node, "is not a timespan; accepted: (T'begin', T'end') with two times");
        }
        return { kind: "timespan", begin: begin.sql, end: end.sql };
      }
      case "function":
        return this.#function(node);
    }
  }

  #time(text: string, node: ExpressionNode): bigint {
    try {
      return parseTimeLiteral(text);
    } catch (err) {
      if (err instanceof ButlerError) throw this.#error(node, `is not a valid time: ${err.message}`);
      throw err;
    }
  }

  #identifier(node: IdentifierNode): Compiled {
    const bound = boundName(node, this.#scope.bind, this.#scope.names);
    if (bound !== undefined) return this.#bind(bound, node);
    const resolved = resolveName(node.parts, this.#scope.names);
    const universe = this.#scope.names.universe;
    switch (resolved.kind) {
      case "dimension":
        return {
          kind: "scalar",
          type: dimensionValueType(universe, resolved.dimension),
          sql: this.#scope.dimension(resolved.dimension),
        };
      case "field": {
        const { element, field } = resolved;
        if (field.type === "region") return { kind: "region", element };
        if (field.type === "timespan") {
          return {
            kind: "timespan",
            begin: this.#scope.column(element, "timespan_begin"),
            end: this.#scope.column(element, "timespan_end"),
          };
        }
        return { kind: "scalar", type: fieldValueType(field), sql: this.#scope.column(element, field.name) };
      }
      case "timespanBound":
        return {
          kind: "scalar",
          type: "time",
          sql: this.#scope.column(resolved.element, `timespan_${resolved.bound}`),
        };
      case "dataset":
        return this.#scope.datasetField(resolved.datasetType, resolved.field);
      case "header":
        return this.#scope.header(resolved.datasetType, resolved.key);
    }
  }

  /**
   * The operands of OVERLAPS: a dimension stands for its element's region or timespan, whichever the
   * other side is (a region when both are dimensions).
   */
  #overlapOperands(node: BinaryNode): [Compiled, Compiled] {
    const left = this.#compile(node.left);
    const right = this.#compile(node.right);
    const wants = (other: Compiled): "region" | "timespan" =>
      other.kind === "region" || (other.kind === "scalar" && other.type !== "time") ? "region" : "timespan";
    return [
      this.#asTopological(node.left, left, wants(right)),
      this.#asTopological(node.right, right, wants(left)),
    ];
  }

  /** A dimension used where a region or timespan is expected stands for its element's. */
  #asTopological(node: ExpressionNode, value: Compiled, wanted: "region" | "timespan"): Compiled {
    if (value.kind !== "scalar" || node.kind !== "identifier") return value;
    if (boundName(node, this.#scope.bind, this.#scope.names) !== undefined) return value;
    const resolved = resolveName(node.parts, this.#scope.names);
    if (resolved.kind !== "dimension") return value;
    const universe = this.#scope.names.universe;
    const element = universe.getElement(resolved.dimension);
    if (wanted === "region" && isPixelRegion(universe, element.name))
      return { kind: "region", element: element.name };
    if (!element.hasOwnTable) return value;
    if (element.isSpatial && (wanted === "region" || !element.isTemporal)) {
      return { kind: "region", element: element.name };
    }
    if (element.isTemporal) {
      return {
        kind: "timespan",
        begin: this.#scope.column(element.name, "timespan_begin"),
        end: this.#scope.column(element.name, "timespan_end"),
      };
    }
    return value;
  }

  #bind(name: string, node: ExpressionNode): Compiled {
    if (!Object.hasOwn(this.#scope.bind, name)) {
      const known = Object.keys(this.#scope.bind);
      throw new InvalidQueryError(
        `bind parameter ':${name}' has no value; given: ${known.length > 0 ? known.map((k) => `:${k}`).join(", ") : "none"}`,
      );
    }
    const value = this.#scope.bind[name];
    if (Array.isArray(value)) return { kind: "list", values: value };
    return bindValue(value, (why) =>
      this.#error(node, why ?? `has an unsupported value (${describeValue(value)})`),
    );
  }

  #unary(node: Extract<ExpressionNode, { kind: "unary" }>): Compiled {
    if (node.op === "NOT") return { kind: "condition", sql: sql`NOT (${this.condition(node.operand)})` };
    const operand = this.#scalar(node.operand);
    if (!NUMERIC.has(operand.type)) throw this.#error(node, "applies a sign to a value that is not a number");
    return {
      kind: "scalar",
      type: operand.type,
      sql: node.op === "-" ? sql`(-${typed(operand)})` : operand.sql,
    };
  }

  #binary(node: BinaryNode): Compiled {
    if (node.op === "AND" || node.op === "OR") {
      const parts = [this.condition(node.left), this.condition(node.right)];
      return { kind: "condition", sql: sql`(${sql.join(parts, sql` ${sql.raw(node.op)} `)})` };
    }
    if (node.op === "OVERLAPS") return this.#overlaps(node);
    const left = this.#compile(node.left);
    const right = this.#compile(node.right);
    if (ARITHMETIC.has(node.op)) {
      const a = this.#expectScalar(node.left, left);
      const b = this.#expectScalar(node.right, right);
      if (!NUMERIC.has(a.type) || !NUMERIC.has(b.type)) {
        throw this.#error(node, `uses '${node.op}' on values that are not numbers`);
      }
      const type: ValueType = a.type === "float" || b.type === "float" || node.op === "/" ? "float" : "int";
      return { kind: "scalar", type, sql: sql`(${typed(a)} ${sql.raw(node.op)} ${typed(b)})` };
    }
    if (!COMPARISONS.has(node.op)) throw this.#error(node, `uses an unknown operator '${node.op}'`);
    if (left.kind === "timespan" || right.kind === "timespan")
      return this.#compareTimespan(node, left, right);
    const a = this.#expectScalar(node.left, left);
    const b = this.#expectScalar(node.right, right);
    const [x, y] = this.#coerce(node, a, b);
    const op = sql.raw(node.op === "!=" ? "<>" : node.op);
    return { kind: "condition", sql: sql`${x} ${op} ${y}` };
  }

  /**
   * Timespans against times: `ts < t` when it ends by t, `ts > t` when it begins after t; `=` and
   * `!=` between two timespans compare both ends.
   */
  #compareTimespan(node: BinaryNode, left: Compiled, right: Compiled): Compiled {
    if (left.kind === "timespan" && right.kind === "timespan") {
      if (node.op === "=")
        return {
          kind: "condition",
          sql: sql`(${left.begin} = ${right.begin} AND ${left.end} = ${right.end})`,
        };
      if (node.op === "!=") {
        return {
          kind: "condition",
          sql: sql`NOT (${left.begin} = ${right.begin} AND ${left.end} = ${right.end})`,
        };
      }
      if (node.op === "<") return { kind: "condition", sql: sql`${left.end} <= ${right.begin}` };
      if (node.op === ">") return { kind: "condition", sql: sql`${left.begin} >= ${right.end}` };
      throw this.#error(node, `compares timespans with '${node.op}'; accepted: =, !=, <, >, OVERLAPS`);
    }
    const flipped = left.kind !== "timespan";
    const span = (flipped ? right : left) as Extract<Compiled, { kind: "timespan" }>;
    const other = flipped ? left : right;
    if (other.kind !== "scalar" || other.type !== "time") {
      throw this.#error(node, "compares a timespan with something that is neither a time nor a timespan");
    }
    // Written as `timespan op time`; a flipped comparison mirrors the operator.
    const op = flipped
      ? ({ "<": ">", ">": "<", "<=": ">=", ">=": "<=" } as Record<string, string>)[node.op]
      : node.op;
    switch (op) {
      case "<":
        return { kind: "condition", sql: sql`${span.end} <= ${other.sql}` };
      case ">":
        return { kind: "condition", sql: sql`${span.begin} > ${other.sql}` };
      default:
        throw this.#error(
          node,
          `compares a timespan with a time using '${node.op}'; accepted: <, > and OVERLAPS`,
        );
    }
  }

  #overlaps(node: BinaryNode): Compiled {
    const [left, right] = this.#overlapOperands(node);
    if (left.kind === "region" || right.kind === "region") {
      throw this.#error(
        node,
        "relates regions inside OR or NOT; region OVERLAPS is accepted only as a term joined to the rest by AND",
      );
    }
    const span = (
      value: Compiled,
      side: ExpressionNode,
    ): { begin: RawBuilder<unknown>; end: RawBuilder<unknown> } => {
      if (value.kind === "timespan") return value;
      if (value.kind === "scalar" && value.type === "time") return { begin: value.sql, end: value.sql };
      throw this.#error(
        side,
        "is neither a timespan nor a time; OVERLAPS relates timespans, times and regions",
      );
    };
    const a = span(left, node.left);
    const b = span(right, node.right);
    // Half-open timespans; a time is the instant [t, t] that overlaps when begin <= t < end.
    const aInstant = left.kind === "scalar";
    const bInstant = right.kind === "scalar";
    if (aInstant && bInstant) return { kind: "condition", sql: sql`${a.begin} = ${b.begin}` };
    if (bInstant)
      return { kind: "condition", sql: sql`(${a.begin} <= ${b.begin} AND ${b.begin} < ${a.end})` };
    if (aInstant)
      return { kind: "condition", sql: sql`(${b.begin} <= ${a.begin} AND ${a.begin} < ${b.end})` };
    return { kind: "condition", sql: sql`(${a.begin} < ${b.end} AND ${b.begin} < ${a.end})` };
  }

  #in(node: InNode): Compiled {
    const target = this.#scalar(node.expr);
    const values: Extract<Compiled, { kind: "scalar" }>[] = [];
    const ranges: RawBuilder<unknown>[] = [];
    for (const item of node.items) {
      if (item.kind === "range") {
        ranges.push(this.#range(node, target, item));
        continue;
      }
      const value = this.#compile(item);
      if (value.kind === "list") {
        for (const element of value.values) {
          const bound = bindValue(element, (why) =>
            this.#error(item, why ?? `holds an unsupported value (${describeValue(element)})`),
          );
          values.push(this.#expectScalar(item, bound));
        }
        continue;
      }
      values.push(this.#expectScalar(item, value));
    }
    const terms = [...ranges];
    if (values.length > 0) terms.unshift(this.#inValues(node, target, values));
    const any =
      terms.length === 0 ? sql`1 = 0` : terms.length === 1 ? terms[0]! : sql`(${sql.join(terms, sql` OR `)})`;
    return { kind: "condition", sql: node.negated ? sql`NOT (${any})` : any };
  }

  /**
   * `target IN (…)`: one parameter per value for short lists; a long list of constants is bound as one
   * JSON array, so any number of values fits one statement on every engine.
   */
  #inValues(
    node: InNode,
    target: Extract<Compiled, { kind: "scalar" }>,
    values: readonly Extract<Compiled, { kind: "scalar" }>[],
  ): RawBuilder<unknown> {
    const listType =
      target.type === "int" || target.type === "time"
        ? "int"
        : target.type === "float" || target.type === "string" || target.type === "uuid"
          ? target.type
          : undefined;
    const constants = values.map((v) => v.constant);
    if (
      values.length > INLINE_IN_LIST_LIMIT &&
      listType !== undefined &&
      values.every((v) => v.constant !== undefined)
    ) {
      const numeric = listType === "int" || listType === "float";
      const sameKind = values.every((v) =>
        numeric ? NUMERIC.has(v.type) : v.type === "string" || v.type === target.type,
      );
      if (sameKind) {
        // A float compared with an integer column keeps its value: the list is typed float then.
        const type = listType === "int" && values.some((v) => v.type === "float") ? "float" : listType;
        const items =
          type === "uuid"
            ? values.map((v) => this.#uuidText(node, v))
            : (constants as (number | bigint | string)[]);
        return sql`${target.sql} IN (SELECT v FROM ${this.#scope.values(items, type)} AS __in)`;
      }
    }
    return sql`${target.sql} IN (${sql.join(values.map((v) => this.#coerce(node, target, v)[1]))})`;
  }

  #uuidText(node: ExpressionNode, value: Extract<Compiled, { kind: "scalar" }>): string {
    try {
      return normalizeUuid(String(value.constant));
    } catch (err) {
      if (!(err instanceof ButlerError)) throw err;
      throw this.#error(node, `compares a UUID with ${JSON.stringify(value.constant)}, which is not a UUID`);
    }
  }

  #range(
    node: InNode,
    target: Extract<Compiled, { kind: "scalar" }>,
    item: RangeLiteralNode,
  ): RawBuilder<unknown> {
    if (target.type !== "int")
      throw this.#error(node, "tests a value that is not an integer against a range");
    const { start, stop, stride } = item.range;
    const within = sql`${target.sql} BETWEEN ${start} AND ${stop}`;
    if (stride === 1) return sql`(${within})`;
    return sql`(${within} AND (${target.sql} - ${start}) % ${stride} = 0)`;
  }

  #function(node: FunctionCallNode): Compiled {
    switch (node.name) {
      case "UUID": {
        const arg = node.args[0];
        const text = arg?.kind === "string" ? normalizeUuid(arg.value) : undefined;
        if (text === undefined) throw this.#error(node, "needs one string literal holding a UUID");
        return { kind: "scalar", type: "uuid", sql: sql`${text}` };
      }
      case "GLOB": {
        const [column, pattern] = node.args as [ExpressionNode, ExpressionNode];
        const target = this.#scalar(column);
        if (target.type !== "string") throw this.#error(column, "is not a string; GLOB matches strings");
        const patternBind = boundName(pattern, this.#scope.bind, this.#scope.names);
        const text =
          pattern.kind === "string"
            ? pattern.value
            : patternBind !== undefined
              ? this.#scope.bind[patternBind]
              : undefined;
        if (typeof text !== "string") throw this.#error(pattern, "is not a string pattern");
        return { kind: "condition", sql: this.#scope.glob(target.sql, text) };
      }
      case "HEADER": {
        const [datasetType, key] = node.args as [ExpressionNode | undefined, ExpressionNode | undefined];
        const keyBind = key === undefined ? undefined : boundName(key, this.#scope.bind, this.#scope.names);
        const keyText =
          key?.kind === "string" ? key.value : keyBind !== undefined ? this.#scope.bind[keyBind] : undefined;
        if (
          node.args.length !== 2 ||
          datasetType?.kind !== "identifier" ||
          datasetType.parts.length !== 1 ||
          typeof keyText !== "string"
        ) {
          throw this.#error(node, "needs a dataset type name and a key string: HEADER(calexp, 'EXPTIME')");
        }
        return this.#scope.header(datasetType.parts[0]!, keyText);
      }
      case "POINT":
      case "CIRCLE":
      case "BOX":
      case "POLYGON":
      case "REGION":
        return { kind: "region", constant: constantRegion(node, this.#scope) };
      default:
        throw this.#error(
          node,
          `calls an unknown function ${node.name}(); accepted: POINT, CIRCLE, BOX, POLYGON, REGION, GLOB, UUID, HEADER`,
        );
    }
  }

  #scalar(node: ExpressionNode): Extract<Compiled, { kind: "scalar" }> {
    return this.#expectScalar(node, this.#compile(node));
  }

  #expectScalar(node: ExpressionNode, value: Compiled): Extract<Compiled, { kind: "scalar" }> {
    if (value.kind === "scalar") return value;
    const what = { condition: "a condition", timespan: "a timespan", region: "a region", list: "a list" }[
      value.kind
    ];
    throw this.#error(node, `is ${what} where a single value is expected`);
  }

  /** Checks that two values can be compared; strings compared with UUIDs become UUIDs. */
  #coerce(
    node: ExpressionNode,
    a: Extract<Compiled, { kind: "scalar" }>,
    b: Extract<Compiled, { kind: "scalar" }>,
  ): [RawBuilder<unknown>, RawBuilder<unknown>] {
    if (a.type === b.type) return [a.sql, b.sql];
    // An integer and a float compare as floats (PostgreSQL would read a bound 1.5 as a bad bigint).
    if (NUMERIC.has(a.type) && NUMERIC.has(b.type)) {
      return [a.type === "float" ? typed(a) : a.sql, b.type === "float" ? typed(b) : b.sql];
    }
    if ((a.type === "uuid" && b.type === "string") || (a.type === "string" && b.type === "uuid")) {
      // A string must hold a UUID (PostgreSQL would fail on it otherwise, untyped).
      return [this.#asUuid(node, a), this.#asUuid(node, b)];
    }
    throw this.#error(node, `compares a value of type ${a.type} with one of type ${b.type}`);
  }

  #asUuid(node: ExpressionNode, value: Extract<Compiled, { kind: "scalar" }>): RawBuilder<unknown> {
    if (value.type !== "string" || value.text === undefined) return value.sql;
    try {
      return sql`${normalizeUuid(value.text)}`;
    } catch (err) {
      if (!(err instanceof ButlerError)) throw err;
      throw this.#error(node, `compares a UUID with ${JSON.stringify(value.text)}, which is not a UUID`);
    }
  }

  #error(node: ExpressionNode, problem: string): InvalidQueryError {
    return expressionError(node, problem);
  }
}

/** A number with its SQL type stated, so engines that type parameters late (PostgreSQL) can do arithmetic. */
function typed(value: Extract<Compiled, { kind: "scalar" }>): RawBuilder<unknown> {
  return value.type === "int"
    ? sql`CAST(${value.sql} AS BIGINT)`
    : sql`CAST(${value.sql} AS DOUBLE PRECISION)`;
}

function regionOperand(value: Extract<Compiled, { kind: "region" }>): RegionOperand {
  return value.constant !== undefined ? { constant: value.constant } : { element: value.element! };
}
