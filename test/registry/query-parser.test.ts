import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { ExpressionSyntaxError, InvalidArgumentError } from "../../src/errors/index.ts";
import {
  createBinary,
  createIdentifier,
  createNumericLiteral,
  createStringLiteral,
  createUnary,
  type ExpressionNode,
  isIdentifier,
  type Node,
  numericValue,
} from "../../src/registry/where/ast.ts";
import { formatExpression } from "../../src/registry/where/format.ts";
import { MAX_EXPRESSION_DEPTH, parseExpression } from "../../src/registry/where/parser.ts";
import { normalizeUuid } from "../../src/registry/where/special-functions.ts";
import {
  collectBinds,
  collectIdentifiers,
  dispatchNode,
  type NodeHandlers,
  nodesEqual,
} from "../../src/registry/where/visit.ts";

function parse(text: string): ExpressionNode {
  const node = parseExpression(text);
  assert.ok(node !== undefined, `expected ${JSON.stringify(text)} to parse to a node`);
  return node;
}

/** A compact S-expression view of a tree, for asserting structure. */
const SEXPR: NodeHandlers<string> = {
  numeric: (n) => n.text,
  string: (n) => `'${n.value}'`,
  time: (n) => `T'${n.text}'`,
  range: (n) => `${n.range.start}..${n.range.stop}:${n.range.stride}`,
  identifier: (n) => n.parts.join("."),
  bind: (n) => `:${n.name}`,
  unary: (n) => `(${n.op} ${sexpr(n.operand)})`,
  binary: (n) => `(${n.op} ${sexpr(n.left)} ${sexpr(n.right)})`,
  in: (n) => `(${n.negated ? "NOT-IN" : "IN"} ${sexpr(n.expr)} [${n.items.map(sexpr).join(" ")}])`,
  tuple: (n) => `(tuple ${sexpr(n.items[0])} ${sexpr(n.items[1])})`,
  function: (n) => `${n.name}(${n.args.map(sexpr).join(" ")})`,
};
function sexpr(node: Node): string {
  return dispatchNode(node, SEXPR);
}
const tree = (text: string) => sexpr(parse(text));

function syntaxError(text: string): ExpressionSyntaxError {
  try {
    parseExpression(text);
  } catch (err) {
    assert.ok(err instanceof ExpressionSyntaxError, `expected ExpressionSyntaxError for ${text}, got ${err}`);
    return err;
  }
  assert.fail(`expected ${JSON.stringify(text)} not to parse`);
}

/** Asserts the error is at `position` and that the message ends with the line and a caret under it. */
function assertErrorAt(text: string, position: number, reason: RegExp): ExpressionSyntaxError {
  const err = syntaxError(text);
  assert.equal(err.position, position, `position for ${JSON.stringify(text)}: ${err.message}`);
  assert.match(err.reason, reason);
  assert.equal(err.expression, text);
  const lines = err.message.split("\n");
  const lineText = text.split("\n")[err.line - 1]!;
  assert.equal(lines.at(-2), lineText);
  assert.equal(lines.at(-1), `${" ".repeat(err.column - 1)}^`);
  assert.ok(lines[0]!.endsWith(`(line ${err.line}, column ${err.column}):`), lines[0]);
  return err;
}

describe("parser: empty input", () => {
  test("empty and whitespace-only text mean no constraint", () => {
    assert.equal(parseExpression(""), undefined);
    assert.equal(parseExpression("  \n\t "), undefined);
  });
});

describe("parser: daf_butler documentation examples", () => {
  test("visit > 100 AND visit.exposure_time > 30", () => {
    const node = parse("visit > 100 AND visit.exposure_time > 30");
    assert.equal(sexpr(node), "(AND (> visit 100) (> visit.exposure_time 30))");
    assert.ok(node.kind === "binary" && node.right.kind === "binary" && isIdentifier(node.right.left));
    assert.deepEqual(node.right.left.parts, ["visit", "exposure_time"]);
    assert.deepEqual([node.start, node.end], [0, 40]);
  });

  test("instrument = 'HSC' AND detector IN (1..10:3, 20)", () => {
    assert.equal(
      tree("instrument = 'HSC' AND detector IN (1..10:3, 20)"),
      "(AND (= instrument 'HSC') (IN detector [1..10:3 20]))",
    );
  });

  test("visit.timespan OVERLAPS (T'2020-01-01', T'2020-01-02')", () => {
    const node = parse("visit.timespan OVERLAPS (T'2020-01-01', T'2020-01-02')");
    assert.equal(sexpr(node), "(OVERLAPS visit.timespan (tuple T'2020-01-01' T'2020-01-02'))");
    assert.ok(node.kind === "binary" && node.right.kind === "tuple");
    assert.deepEqual([node.right.start, node.right.end], [24, 54]);
    const time = node.right.items[0];
    assert.ok(time.kind === "time");
    assert.deepEqual(
      [time.text, time.format, time.scale, time.value],
      ["2020-01-01", "iso", "utc", "2020-01-01"],
    );
  });

  test("visit_detector_region.region OVERLAPS POINT(150.0, 2.5)", () => {
    const node = parse("visit_detector_region.region OVERLAPS POINT(150.0, 2.5)");
    assert.equal(sexpr(node), "(OVERLAPS visit_detector_region.region POINT(150.0 2.5))");
    assert.ok(node.kind === "binary" && node.right.kind === "function");
    assert.ok(node.right.args.every((a) => a.kind === "numeric" && !a.isInteger));
  });

  test("GLOB(physical_filter, 'HSC-*')", () => {
    assert.equal(tree("GLOB(physical_filter, 'HSC-*')"), "GLOB(physical_filter 'HSC-*')");
    assert.equal(tree("glob(physical_filter, :pattern)"), "GLOB(physical_filter :pattern)");
  });

  test("calexp.dataset_id = UUID('…')", () => {
    assert.equal(
      tree("calexp.dataset_id = UUID('2f1a7c6e-95a2-4b0c-8f00-3e4a1c2b9d10')"),
      "(= calexp.dataset_id UUID('2f1a7c6e-95a2-4b0c-8f00-3e4a1c2b9d10'))",
    );
  });

  test("exposure.observation_type IN (:types)", () => {
    const node = parse("exposure.observation_type IN (:types)");
    assert.equal(sexpr(node), "(IN exposure.observation_type [:types])");
    assert.deepEqual(
      collectBinds(node).map((b) => b.name),
      ["types"],
    );
  });

  test("more forms from the query documentation", () => {
    assert.equal(
      tree("instrument = 'LSSTCam' AND visit.day_obs = 20240801 AND physical_filter != 'r'"),
      "(AND (AND (= instrument 'LSSTCam') (= visit.day_obs 20240801)) (!= physical_filter 'r'))",
    );
    assert.equal(
      tree("visit.timespan.begin > T'2020-01-01T12:00:00' AND visit.timespan.end < T'mjd/59000/tai'"),
      "(AND (> visit.timespan.begin T'2020-01-01T12:00:00') (< visit.timespan.end T'mjd/59000/tai'))",
    );
    assert.equal(
      tree("detector NOT IN (0..9, 100) OR NOT skymap = 'x'"),
      "(OR (NOT-IN detector [0..9:1 100]) (NOT (= skymap 'x')))",
    );
    assert.equal(
      tree("exposure.exposure_time * 2 >= :t + 1.5"),
      "(>= (* exposure.exposure_time 2) (+ :t 1.5))",
    );
  });
});

describe("parser: precedence and associativity", () => {
  const cases: [string, string][] = [
    ["a OR b AND c", "(OR a (AND b c))"],
    ["a AND b OR c", "(OR (AND a b) c)"],
    ["a OR b OR c", "(OR (OR a b) c)"],
    ["a AND b AND c", "(AND (AND a b) c)"],
    ["NOT a = 1", "(NOT (= a 1))"],
    ["NOT a AND b", "(AND (NOT a) b)"],
    ["a AND NOT b OR c", "(OR (AND a (NOT b)) c)"],
    ["NOT NOT a", "(NOT (NOT a))"],
    ["-x * 2", "(* (- x) 2)"],
    ["a + b * c", "(+ a (* b c))"],
    ["a * b + c", "(+ (* a b) c)"],
    ["a - b - c", "(- (- a b) c)"],
    ["a / b % c * d", "(* (% (/ a b) c) d)"],
    ["a = b + 1", "(= a (+ b 1))"],
    ["a < b = c < d", "(= (< a b) (< c d))"],
    ["a = b OVERLAPS c != d", "(OVERLAPS (= a b) (!= c d))"],
    ["a OVERLAPS b AND c", "(AND (OVERLAPS a b) c)"],
    ["a + 1 IN (1, 2)", "(IN (+ a 1) [1 2])"],
    ["a = b IN (1)", "(= a (IN b [1]))"],
    ["x IN (1) AND y NOT IN (2)", "(AND (IN x [1]) (NOT-IN y [2]))"],
    ["- - x", "(- (- x))"],
    ["+x", "(+ x)"],
    ["-(a + b)", "(- (+ a b))"],
    ["(a OR b) AND c", "(AND (OR a b) c)"],
    ["(a = b) = c", "(= (= a b) c)"],
    ["a = (NOT b)", "(= a (NOT b))"],
    ["(x IN (1)) + 1", "(+ (IN x [1]) 1)"],
    ["((((a))))", "a"],
  ];
  for (const [text, expected] of cases) {
    test(text, () => assert.equal(tree(text), expected));
  }

  test("a sign before a number folds into the literal", () => {
    assert.equal(tree("-5"), "-5");
    assert.equal(tree("+5"), "5");
    assert.equal(tree("a - -5"), "(- a -5)");
    assert.equal(tree("-5 * 2"), "(* -5 2)");
    assert.equal(tree("- (5)"), "(- 5)");
    const folded = parse("- 2.5e3");
    assert.ok(folded.kind === "numeric");
    assert.deepEqual([folded.text, folded.isInteger, folded.start, folded.end], ["-2.5e3", false, 0, 7]);
  });

  test("comparisons and OVERLAPS do not chain", () => {
    assertErrorAt("a = b = c", 6, /at or near '='.*cannot be chained/);
    assertErrorAt("a < b < c", 6, /at or near '<'/);
    assertErrorAt("a <= b >= c", 7, /at or near '>='/);
    assertErrorAt("a = b != c", 6, /at or near '!='/);
    assertErrorAt("a OVERLAPS b OVERLAPS c", 13, /at or near 'OVERLAPS'/);
  });

  test("IN does not chain and its result is not an arithmetic operand", () => {
    assertErrorAt("x IN (1) IN (2)", 9, /IN cannot be chained/);
    assertErrorAt("x IN (1) + 2", 9, /result of IN cannot be an operand of '\+'/);
  });

  test("NOT starts only a boolean operand", () => {
    assertErrorAt("a = NOT b", 4, /NOT cannot appear here/);
    assertErrorAt("1 + NOT a", 4, /NOT cannot appear here/);
    assertErrorAt("- NOT a", 2, /NOT cannot appear here/);
    assertErrorAt("a NOT b", 6, /expected IN after NOT/);
  });
});

describe("parser: IN lists", () => {
  test("items: numbers, signed numbers, strings, times, ranges, identifiers, binds, calls", () => {
    assert.equal(
      tree(
        "x IN (1, -2, +3, 'a', T'2020-01-01', 1..5, -3..3:2, y, a.b, :v, UUID('00000000-0000-0000-0000-000000000000'))",
      ),
      "(IN x [1 -2 3 'a' T'2020-01-01' 1..5:1 -3..3:2 y a.b :v UUID('00000000-0000-0000-0000-000000000000')])",
    );
  });

  test("NOT IN negates; keywords in any case", () => {
    const node = parse("detector not in (1..10:3, 20)");
    assert.ok(node.kind === "in");
    assert.equal(node.negated, true);
    assert.equal(node.items.length, 2);
    const range = node.items[0]!;
    assert.ok(range.kind === "range");
    assert.deepEqual(range.range, { start: 1, stop: 10, stride: 3 });
    assert.deepEqual([node.start, node.end], [0, 29]);
  });

  test("items cannot be expressions; the list cannot be empty", () => {
    assertErrorAt("x IN (a + 1)", 8, /expected ',' or '\)'/);
    assertErrorAt("x IN ()", 6, /needs at least one item/);
    assertErrorAt("x IN ((1))", 6, /IN list items are/);
    assertErrorAt("x IN (- a)", 8, /sign in an IN list must precede a number/);
    assertErrorAt("x IN 1, 2", 5, /expected '\('/);
    assertErrorAt("x IN (1, 2", 10, /end of input reached while expecting ',' or '\)'/);
  });

  test("ranges are allowed only in IN lists", () => {
    assertErrorAt("x = 1..5", 4, /ranges are allowed only in IN lists/);
  });
});

describe("parser: tuples and parentheses", () => {
  test("a 2-tuple of times, binds or any expressions", () => {
    assert.equal(tree("(T'2020-01-01', :end)"), "(tuple T'2020-01-01' :end)");
    assert.equal(tree("(a + 1, NOT b)"), "(tuple (+ a 1) (NOT b))");
  });

  test("tuples have exactly two items; parentheses must balance", () => {
    assertErrorAt("t OVERLAPS (1, 2, 3)", 16, /a tuple has exactly two items/);
    assertErrorAt("(a = 1", 6, /end of input reached while expecting '\)' or ','/);
    assertErrorAt("a = 1)", 5, /unbalanced '\)'/);
    assertErrorAt("()", 1, /at or near '\)'/);
  });
});

describe("parser: special functions", () => {
  const good: [string, string][] = [
    ["POINT(150.0, 2.5)", "POINT(150.0 2.5)"],
    ["point(:ra, -2.5)", "POINT(:ra -2.5)"],
    ["CIRCLE(150, 2.5, 0.1)", "CIRCLE(150 2.5 0.1)"],
    ["BOX(150, 2.5, 1, 2 * :h)", "BOX(150 2.5 1 (* 2 :h))"],
    ["POLYGON(0, 0, 1, 0, 0, 1)", "POLYGON(0 0 1 0 0 1)"],
    ["POLYGON(0, 0, 1, 0, 1, 1, 0, 1)", "POLYGON(0 0 1 0 1 1 0 1)"],
    ["REGION('CIRCLE 150 2.5 0.1')", "REGION('CIRCLE 150 2.5 0.1')"],
    ["REGION(:pos)", "REGION(:pos)"],
    ["REGION(tract.region)", "REGION(tract.region)"],
    ["GLOB(physical_filter, 'HSC-?')", "GLOB(physical_filter 'HSC-?')"],
    ["Uuid('{2F1A7C6E95A24B0C8F003E4A1C2B9D10}')", "UUID('{2F1A7C6E95A24B0C8F003E4A1C2B9D10}')"],
    ["my_func()", "MY_FUNC()"],
    ["other(1, 'x', a = b)", "OTHER(1 'x' (= a b))"],
  ];
  for (const [text, expected] of good) {
    test(`accepts ${text}`, () => assert.equal(tree(text), expected));
  }

  const bad: [string, number, RegExp][] = [
    ["POINT(1)", 0, /^POINT\(\) takes 2 arguments \(ra, dec\), got 1 argument$/],
    ["POINT(1, 2, 3)", 0, /POINT\(\) takes 2 arguments/],
    ["r OVERLAPS CIRCLE(1, 2)", 11, /CIRCLE\(\) takes 3 arguments/],
    ["BOX(1, 2, 3)", 0, /BOX\(\) takes 4 arguments/],
    ["POLYGON(0, 0, 1, 0)", 0, /POLYGON\(\) takes an even number of arguments, at least 6/],
    ["POLYGON(0, 0, 1, 0, 1, 1, 0)", 0, /got 7 arguments/],
    ["REGION()", 0, /REGION\(\) takes 1 argument/],
    ["GLOB(a)", 0, /GLOB\(\) takes 2 arguments/],
    ["UUID()", 0, /UUID\(\) takes 1 argument/],
    ["POINT(1, 'x')", 9, /argument 2 of POINT\(\) must be a number.*not a string literal/],
    ["CIRCLE(1, 2, a = b)", 13, /argument 3 of CIRCLE\(\).*not a comparison/],
    ["BOX(NOT a, 1, 2, 3)", 4, /argument 1 of BOX\(\).*not a NOT expression/],
    ["REGION(1)", 7, /REGION\(\) must be a string literal, bind or identifier, not a number/],
    ["GLOB('x', 'y')", 5, /first argument of GLOB\(\) must be an identifier/],
    ["GLOB(x, y)", 8, /second argument of GLOB\(\) must be a string literal or bind, not identifier 'y'/],
    ["id = UUID(:u)", 10, /UUID\(\) must be a string literal, not bind ':u'/],
    ["id = UUID('not-a-uuid')", 10, /'not-a-uuid' is not a valid UUID/],
    ["id = UUID('2f1a7c6e-95a2-4b0c-8f00-3e4a1c2b9d1')", 10, /is not a valid UUID/],
  ];
  for (const [text, position, reason] of bad) {
    test(`rejects ${text}`, () => {
      assertErrorAt(text, position, reason);
    });
  }

  test("dotted names cannot be called", () => {
    assertErrorAt("a.b(1)", 3, /'a\.b' cannot be called/);
  });

  test("normalizeUuid accepts what Python's uuid.UUID does", () => {
    const canonical = "2f1a7c6e-95a2-4b0c-8f00-3e4a1c2b9d10";
    assert.equal(normalizeUuid(canonical), canonical);
    assert.equal(normalizeUuid(canonical.toUpperCase()), canonical);
    assert.equal(normalizeUuid("2f1a7c6e95a24b0c8f003e4a1c2b9d10"), canonical);
    assert.equal(normalizeUuid(`{${canonical}}`), canonical);
    assert.equal(normalizeUuid(`urn:uuid:${canonical}`), canonical);
    assert.equal(normalizeUuid("2f1a7c6e-95a2-4b0c-8f00-3e4a1c2b9d1g"), undefined);
    assert.equal(normalizeUuid(""), undefined);
  });
});

describe("parser: time literals", () => {
  test("format and scale are resolved at parse time", () => {
    const time = (text: string) => {
      const node = parse(text);
      assert.ok(node.kind === "time");
      return [node.format, node.scale, node.value];
    };
    assert.deepEqual(time("T'2020-01-01 12:30'"), ["iso", "utc", "2020-01-01 12:30"]);
    assert.deepEqual(time("T'2020-01-01T12:30:00.25/tai'"), ["isot", "tai", "2020-01-01T12:30:00.25"]);
    assert.deepEqual(time("T'59000.5'"), ["mjd", "tai", "59000.5"]);
    assert.deepEqual(time("T'unix/1600000000'"), ["unix", "utc", "1600000000"]);
    assert.deepEqual(time("T'cxcsec/1000'"), ["cxcsec", "tt", "1000"]);
    assert.deepEqual(time("T'+12020-01-01T00:00:00'"), ["fits", "utc", "+12020-01-01T00:00:00"]);
    assert.deepEqual(time("T'2020:123:10:00'"), ["yday", "utc", "2020:123:10:00"]);
    assert.deepEqual(time("T'2020-01-01T00:00:00+00:00'"), ["isot", "utc", "2020-01-01T00:00:00"]);
  });

  test("bad time strings are syntax errors at the literal", () => {
    assertErrorAt("t > T'2020-13-01'", 4, /^Invalid time literal T'2020-13-01': month 13 is out of range$/);
    assertErrorAt("t > T'2021-02-29'", 4, /day 29 is out of range/);
    assertErrorAt("t > T'2020-01-01 12'", 4, /does not match any known time format/);
    assertErrorAt("t > T'1e5'", 4, /does not match/);
    assertErrorAt("t > T'2020-01-01T00:00:00+02:00'", 4, /time zone '\+02:00' is not supported/);
    assertErrorAt("t > T'fortnight/12'", 4, /unknown time format 'fortnight'/);
    assertErrorAt("t > T'59000/martian'", 4, /unknown time scale 'martian'/);
    assertErrorAt("t > T'mjd/12/martian'", 4, /unknown time scale 'martian'/);
    assertErrorAt("t > T'iso/59000'", 4, /'59000' is not a valid iso time/);
    assertErrorAt("t > T''", 4, /does not match/);
  });
});

describe("parser: error positions and caret lines", () => {
  test("the brief's example: a doubled AND", () => {
    const err = assertErrorAt("visit = 1 AND AND detector = 2", 14, /^Syntax error at or near 'AND'$/);
    assert.equal(
      err.message,
      "Syntax error at or near 'AND' (line 1, column 15):\nvisit = 1 AND AND detector = 2\n              ^",
    );
    assert.deepEqual([err.line, err.column, err.token, err.code], [1, 15, "AND", "EXPRESSION_SYNTAX"]);
  });

  const malformed: [string, number, RegExp][] = [
    ["visit =", 7, /^Syntax error: end of input reached while expecting an expression$/],
    ["visit = 1 AND", 13, /end of input reached while expecting an expression/],
    ["visit 5", 6, /^Syntax error at or near '5'$/],
    ["visit == 1", 7, /use '=' \(not '=='\)/],
    ["= 1", 0, /at or near '='/],
    ["instrument = 'HSC", 13, /unterminated string literal/],
    ["visit = 1 # x", 10, /unexpected character '#'/],
    ["visit IN (1..5", 14, /end of input reached while expecting ',' or '\)'/],
    ["f(1,", 4, /end of input reached while expecting an expression/],
    ["f(1 2)", 4, /at or near '2': expected '\)' or ','/],
    ["in = 1", 0, /at or near 'in'/],
    ["a AND OR b", 6, /at or near 'OR'/],
    ["a = 1 b", 6, /at or near 'b'/],
    ["a = 'x' 'y'", 8, /at or near ''y''/],
    ["x IN", 4, /end of input reached while expecting '\('/],
    ["x NOT", 5, /end of input reached while expecting IN/],
    ["a , b", 2, /at or near ','/],
  ];
  for (const [text, position, reason] of malformed) {
    test(JSON.stringify(text), () => {
      assertErrorAt(text, position, reason);
    });
  }

  test("errors on later lines report that line and column", () => {
    const err = assertErrorAt("visit = 1\n  AND AND detector = 2", 16, /at or near 'AND'/);
    assert.deepEqual([err.line, err.column], [2, 7]);
    assert.ok(err.message.endsWith("\n  AND AND detector = 2\n      ^"));
  });

  test("premature end after trailing whitespace points right after the last token", () => {
    const err = syntaxError("a = \n  ");
    assert.deepEqual([err.position, err.line, err.column], [3, 1, 4]);
  });

  test("the caret keeps tabs so it lines up", () => {
    const err = syntaxError("\ta =\t= 1");
    assert.ok(err.message.endsWith("\n\ta =\t= 1\n\t   \t^"), JSON.stringify(err.message));
  });

  test("long lines are shown as a window around the position", () => {
    const text = `${"a = 1 AND ".repeat(40)}AND b`;
    const err = syntaxError(text);
    assert.equal(err.position, 400);
    const [, excerpt, caret] = err.message.split("\n");
    assert.ok(excerpt!.startsWith("...") && excerpt!.endsWith("AND b"));
    assert.equal(excerpt!.slice(caret!.indexOf("^"), caret!.indexOf("^") + 3), "AND");
    assert.ok(excerpt!.length <= 130);
  });
});

describe("parser: nodes", () => {
  test("nodes and their arrays are frozen", () => {
    const node = parse("x IN (1..3, :b) AND f(a.b, 'c')");
    assert.ok(node.kind === "binary" && node.left.kind === "in" && node.right.kind === "function");
    assert.ok(Object.isFrozen(node));
    assert.ok(Object.isFrozen(node.left.items));
    assert.ok(Object.isFrozen(node.left.items[0]));
    const range = node.left.items[0]!;
    assert.ok(range.kind === "range" && Object.isFrozen(range.range));
    assert.ok(Object.isFrozen(node.right.args));
    const id = node.right.args[0]!;
    assert.ok(id.kind === "identifier" && Object.isFrozen(id.parts));
    assert.throws(() => {
      (node as { op: string }).op = "OR";
    }, TypeError);
  });

  test("spans cover the source of each node", () => {
    const text = "  NOT (visit.id + 1) * :x IN (T'2020-01-01', 3) ";
    const node = parse(text);
    assert.equal(text.slice(node.start, node.end), "NOT (visit.id + 1) * :x IN (T'2020-01-01', 3)");
    assert.ok(node.kind === "unary" && node.operand.kind === "in");
    assert.equal(text.slice(node.operand.expr.start, node.operand.expr.end), "visit.id + 1) * :x");
  });

  test("numericValue gives numbers, and bigints beyond the safe range", () => {
    assert.equal(numericValue(createNumericLiteral("42")), 42);
    assert.equal(numericValue(createNumericLiteral("-1.5e3")), -1500);
    assert.equal(numericValue(createNumericLiteral("9223372036854775807")), 9223372036854775807n);
  });

  test("collectIdentifiers lists identifiers in source order", () => {
    const ids = collectIdentifiers(parse("visit = 1 AND vist.exposure_time > 2 OR GLOB(band, 'r')"));
    assert.deepEqual(
      ids.map((i) => [i.parts.join("."), i.start]),
      [
        ["visit", 0],
        ["vist.exposure_time", 14],
        ["band", 45],
      ],
    );
  });
});

describe("format", () => {
  const roundTrips = [
    "visit > 100 AND visit.exposure_time > 30",
    "instrument = 'HSC' AND detector IN (1..10:3, 20)",
    "visit.timespan OVERLAPS (T'2020-01-01', T'2020-01-02')",
    "visit_detector_region.region OVERLAPS POINT(150.0, 2.5)",
    "GLOB(physical_filter, 'HSC-*')",
    "calexp.dataset_id = UUID('2f1a7c6e-95a2-4b0c-8f00-3e4a1c2b9d10')",
    "exposure.observation_type NOT IN (:types)",
    "a OR b AND c",
    "(a OR b) AND c",
    "NOT (a OR b)",
    "NOT a = 1",
    "a = (NOT b)",
    "-x * 2",
    "-(x * 2)",
    "a - (b - c)",
    "a - b - c",
    "(a = b) = c",
    "a = (b = c)",
    "(x IN (1)) IN (2)",
    "(x IN (1)) + 1",
    "- -x",
    "-(-5)",
    "a - -5",
    "x IN (-3..-1:2, -4, 'a')",
    "(a < b) < c",
    "POLYGON(0, 0, 1, 0, 0, 1) OVERLAPS (:a, :b)",
  ];
  for (const text of roundTrips) {
    test(`round trip: ${text}`, () => {
      const first = parse(text);
      const printed = formatExpression(first);
      assert.ok(nodesEqual(parse(printed), first), `${text} → ${printed}`);
      assert.equal(formatExpression(parse(printed)), printed);
    });
  }

  test("canonical spelling: upper-case keywords, single spaces, minimal parentheses", () => {
    assert.equal(
      formatExpression(parse("visit>100   and  not(detector in(1..5:1,7))or ((b))")),
      "visit > 100 AND NOT detector IN (1..5, 7) OR b",
    );
    assert.equal(formatExpression(parse("point(1,2)")), "POINT(1, 2)");
    assert.equal(formatExpression(parse("t'mjd/59000'")), "T'mjd/59000'");
  });

  test("hand-built trees are parenthesized so that they read back the same", () => {
    const minusFive = createUnary("-", createNumericLiteral("5"));
    assert.equal(formatExpression(minusFive), "-(5)");
    assert.ok(nodesEqual(parse(formatExpression(minusFive)), minusFive));
    const notOnRight = createBinary("=", createIdentifier("a"), createUnary("NOT", createIdentifier("b")));
    assert.equal(formatExpression(notOnRight), "a = (NOT b)");
  });

  test("a string that the language cannot spell is refused", () => {
    assert.throws(() => formatExpression(createStringLiteral("it's")), InvalidArgumentError);
  });
});

describe("depth limits", () => {
  test("deep parentheses and long prefix chains are syntax errors, not stack overflows", () => {
    for (const text of [
      `${"(".repeat(100_000)}a${")".repeat(100_000)}`,
      `${"NOT ".repeat(50_000)}a`,
      `${"-".repeat(50_000)}a`,
      `f(${"f(".repeat(20_000)}`,
    ]) {
      assert.match(syntaxError(text).reason, /nested too deeply/);
    }
  });

  test("long arithmetic chains beyond the limit are rejected; within it they parse", () => {
    assert.match(
      syntaxError(
        Array(MAX_EXPRESSION_DEPTH + 5)
          .fill("a")
          .join(" + "),
      ).reason,
      /nested too deeply/,
    );
    const ok = parse(
      Array(MAX_EXPRESSION_DEPTH - 2)
        .fill("a")
        .join(" + "),
    );
    assert.equal(formatExpression(ok).length, (MAX_EXPRESSION_DEPTH - 2) * 4 - 3);
  });

  test("a flat OR (or AND) of 10,000 terms parses into a shallow tree", () => {
    for (const op of ["OR", "AND"]) {
      const terms = Array.from({ length: 10_000 }, (_, i) => `visit = ${i}`);
      const node = parse(terms.join(` ${op} `));
      let depth = 0;
      const walk = (n: Node, d: number): void => {
        depth = Math.max(depth, d);
        if (n.kind === "binary" && n.op === op) {
          walk(n.left, d + 1);
          walk(n.right, d + 1);
        }
      };
      walk(node, 1);
      assert.ok(depth <= 15, `depth ${depth}`);
      const leaves = formatExpression(node).match(/visit = \d+/g) ?? [];
      assert.deepEqual(leaves, terms);
    }
    // Short chains keep their written, left-nested shape.
    assert.equal(tree("a OR b OR c"), "(OR (OR a b) c)");
  });

  test("a long IN list is flat", () => {
    const items = Array.from({ length: 20_000 }, (_, i) => i).join(", ");
    const node = parse(`visit IN (${items})`);
    assert.ok(node.kind === "in");
    assert.equal(node.items.length, 20_000);
  });
});

describe("fuzz: token soup", () => {
  /** mulberry32: a small seeded generator, so failures reproduce. */
  function random(seed: number): () => number {
    let a = seed >>> 0;
    return () => {
      a = (a + 0x6d2b79f5) >>> 0;
      let t = a;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
  }

  const PIECES = [
    "visit",
    "a.b",
    "x.y.z",
    "detector",
    "in",
    "NOT",
    "not",
    "And",
    "OR",
    "OVERLAPS",
    ":b",
    ":",
    "1",
    "-2",
    "3.5",
    ".5e3",
    "1..5",
    "1..5:2",
    "-1..3",
    "'s'",
    "'",
    "T'2020-01-01'",
    "T'bad'",
    "T'",
    "(",
    ")",
    "(",
    ")",
    ",",
    "=",
    "!=",
    "<",
    "<=",
    ">",
    ">=",
    "+",
    "-",
    "*",
    "/",
    "%",
    "!",
    "#",
    ".",
    "POINT(",
    "CIRCLE(",
    "BOX(",
    "POLYGON(",
    "REGION(",
    "GLOB(",
    "UUID(",
    "f(",
    "UUID('00000000-0000-0000-0000-000000000000')",
    " ",
    "\n",
    "\t",
    "é",
    "😀",
  ];

  test("4000 random strings yield an AST or an ExpressionSyntaxError, and ASTs round-trip", () => {
    const next = random(20240801);
    let parsed = 0;
    let failed = 0;
    for (let i = 0; i < 4000; i++) {
      const count = 1 + Math.floor(next() * 12);
      let text = "";
      for (let j = 0; j < count; j++) {
        text += PIECES[Math.floor(next() * PIECES.length)]!;
        if (next() < 0.6) text += " ";
      }
      let node: ExpressionNode | undefined;
      try {
        node = parseExpression(text);
      } catch (err) {
        if (!(err instanceof ExpressionSyntaxError)) {
          assert.fail(`${JSON.stringify(text)} threw ${err instanceof Error ? err.stack : err}`);
        }
        assert.ok(err.position >= 0 && err.position <= text.length, JSON.stringify(text));
        assert.ok(err.line >= 1 && err.column >= 1);
        failed++;
        continue;
      }
      if (node === undefined) {
        assert.equal(text.trim(), "");
        continue;
      }
      parsed++;
      const printed = formatExpression(node);
      const again = parseExpression(printed);
      assert.ok(again !== undefined && nodesEqual(again, node), `${JSON.stringify(text)} → ${printed}`);
      assert.ok(node.start >= 0 && node.end <= text.length);
    }
    // The soup must exercise both outcomes.
    assert.ok(parsed > 40, `only ${parsed} parsed`);
    assert.ok(failed > 100, `only ${failed} failed`);
  });

  test("grammar-shaped random expressions always parse and round-trip", () => {
    const next = random(7);
    const pick = <T>(list: readonly T[]): T => list[Math.floor(next() * list.length)]!;
    const gen = (depth: number): string => {
      if (depth <= 0 || next() < 0.25) {
        return pick(["a", "b.c", "d.e.f", ":v", "1", "2.5", "'s'", "T'2020-01-01'", "-3", "POINT(1, 2)"]);
      }
      switch (Math.floor(next() * 7)) {
        case 0:
          return `${gen(depth - 1)} ${pick(["OR", "AND", "=", "!=", "<", "<=", ">", ">=", "OVERLAPS", "+", "-", "*", "/", "%"])} ${gen(depth - 1)}`;
        case 1:
          return `NOT ${gen(depth - 1)}`;
        case 2:
          return `-${gen(depth - 1)}`;
        case 3:
          return `(${gen(depth - 1)})`;
        case 4:
          return `(${gen(depth - 1)}, ${gen(depth - 1)})`;
        case 5:
          return `f(${gen(depth - 1)}, ${gen(depth - 1)})`;
        default:
          return `x ${pick(["IN", "NOT IN"])} (1..5:2, :l, 'q', -4)`;
      }
    };
    let parsed = 0;
    for (let i = 0; i < 2000; i++) {
      const text = gen(5);
      try {
        const node = parse(text);
        assert.ok(nodesEqual(parse(formatExpression(node)), node), text);
        parsed++;
      } catch (err) {
        // Random composition may chain comparisons or put NOT after an operator: those must be syntax errors.
        assert.ok(err instanceof ExpressionSyntaxError, `${text}: ${err}`);
      }
    }
    assert.ok(parsed > 500, `only ${parsed} parsed`);
  });
});
