import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { InvalidArgumentError } from "../../src/errors/index.ts";
import * as query from "../../src/registry/where/index.ts";
import { analyzeTimeString, parseTimeString } from "../../src/time/index.ts";

describe("query module surface", () => {
  test("index.ts exports exactly these values", () => {
    assert.deepEqual(Object.keys(query).sort(), [
      "MAX_EXPRESSION_DEPTH",
      "OPERATORS",
      "PRECEDENCE",
      "RESERVED_WORDS",
      "SPECIAL_FUNCTIONS",
      "checkFunctionCall",
      "childNodes",
      "collectBinds",
      "collectIdentifiers",
      "createBinary",
      "createBind",
      "createFunctionCall",
      "createIdentifier",
      "createIn",
      "createNumericLiteral",
      "createRangeLiteral",
      "createStringLiteral",
      "createTimeLiteral",
      "createTuple",
      "createUnary",
      "describeNode",
      "didYouMean",
      "dispatchNode",
      "editDistance",
      "formatExpression",
      "isBinary",
      "isBind",
      "isFunctionCall",
      "isIdentifier",
      "isIn",
      "isLiteral",
      "isNumericArgument",
      "isNumericLiteral",
      "isRangeLiteral",
      "isSpecialFunctionName",
      "isStringLiteral",
      "isTimeLiteral",
      "isTuple",
      "isUnary",
      "nodesEqual",
      "normalizeUuid",
      "numericValue",
      "parseExpression",
      "suggest",
      "tokenize",
      "walkNodes",
    ]);
  });
});

describe("factories and guards", () => {
  test("each factory makes a frozen node its guard recognises", () => {
    const a = query.createIdentifier("visit.exposure_time", { start: 3, end: 22 });
    const n = query.createNumericLiteral("30");
    const cases: [query.Node, (node: query.Node) => boolean][] = [
      [n, query.isNumericLiteral],
      [query.createStringLiteral("HSC"), query.isStringLiteral],
      [query.createTimeLiteral("2020-01-01"), query.isTimeLiteral],
      [query.createRangeLiteral(1, 10, 3), query.isRangeLiteral],
      [a, query.isIdentifier],
      [query.createBind("t"), query.isBind],
      [query.createUnary("NOT", a), query.isUnary],
      [query.createBinary(">", a, n), query.isBinary],
      [query.createIn(a, [n, query.createRangeLiteral(1, 2)], true), query.isIn],
      [query.createTuple(query.createBind("a"), query.createBind("b")), query.isTuple],
      [query.createFunctionCall("point", [n, n]), query.isFunctionCall],
    ];
    for (const [node, guard] of cases) {
      assert.ok(guard(node), node.kind);
      assert.ok(Object.isFrozen(node), node.kind);
      assert.equal(cases.filter(([, g]) => g(node)).length, 1, `only one guard accepts ${node.kind}`);
    }
    assert.ok(query.isLiteral(n) && !query.isLiteral(a));
    assert.deepEqual(a.parts, ["visit", "exposure_time"]);
    assert.deepEqual([a.start, a.end], [3, 22]);
    // Composite spans default to their children's.
    const gt = query.createBinary(">", a, query.createNumericLiteral("30", { start: 25, end: 27 }));
    assert.deepEqual([gt.start, gt.end], [3, 27]);
    assert.equal(query.createFunctionCall("point", []).name, "POINT");
  });

  test("factories refuse what the language cannot hold", () => {
    assert.throws(() => query.createTimeLiteral("2020-02-30"), InvalidArgumentError);
    assert.throws(() => query.createRangeLiteral(1, 5, 0), InvalidArgumentError);
    assert.throws(() => query.createRangeLiteral(1.5, 5), InvalidArgumentError);
  });

  test("dispatchNode calls the handler for the node's kind; walkNodes visits in pre-order", () => {
    const node = query.parseExpression("a = 1 OR NOT f(b, :c)")!;
    const kinds: string[] = [];
    query.walkNodes(node, (n) => {
      kinds.push(n.kind);
    });
    assert.deepEqual(kinds, [
      "binary",
      "binary",
      "identifier",
      "numeric",
      "unary",
      "function",
      "identifier",
      "bind",
    ]);
    const skipped: string[] = [];
    query.walkNodes(node, (n) => {
      skipped.push(n.kind);
      return n.kind !== "unary";
    });
    assert.deepEqual(skipped, ["binary", "binary", "identifier", "numeric", "unary"]);
  });
});

describe("time strings", () => {
  test("parseTimeString throws InvalidArgumentError naming the problem", () => {
    assert.throws(
      () => parseTimeString("2020-01-01 25:00"),
      /invalid time string '2020-01-01 25:00': hour 25/,
    );
    assert.deepEqual(parseTimeString("2024:366"), { format: "yday", scale: "utc", value: "2024:366" });
    assert.throws(() => parseTimeString("2023:366"), /day of year 366 is out of range/);
    assert.deepEqual(parseTimeString("jyear_str/J2000.0"), {
      format: "jyear_str",
      scale: "tai",
      value: "J2000.0",
    });
    assert.deepEqual(parseTimeString("ISOT/2020-02-29T23:59:60/UTC"), {
      format: "isot",
      scale: "utc",
      value: "2020-02-29T23:59:60",
    });
    assert.ok("problem" in analyzeTimeString("isot/2020-01-01 00:00"));
  });
});
