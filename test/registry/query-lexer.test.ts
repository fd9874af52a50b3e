import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { ExpressionSyntaxError, isButlerError } from "../../src/errors/index.ts";
import { type Token, tokenize } from "../../src/registry/where/lexer.ts";

/** `kind:value` for every token but EOF. */
function kinds(text: string): string[] {
  return tokenize(text)
    .filter((t) => t.kind !== "EOF")
    .map((t) => `${t.kind}:${t.value}`);
}

function lexError(text: string): ExpressionSyntaxError {
  try {
    tokenize(text);
  } catch (err) {
    assert.ok(err instanceof ExpressionSyntaxError, `expected ExpressionSyntaxError, got ${err}`);
    return err;
  }
  assert.fail(`expected ${JSON.stringify(text)} not to tokenize`);
}

describe("lexer: token kinds", () => {
  test("time literal: T'…' with either case of T, value is the inner text", () => {
    assert.deepEqual(kinds("T'2020-01-01'"), ["TIME_LITERAL:2020-01-01"]);
    assert.deepEqual(kinds("t'mjd/58000/tai'"), ["TIME_LITERAL:mjd/58000/tai"]);
    assert.deepEqual(kinds("T''"), ["TIME_LITERAL:"]);
  });

  test("string literal: no escapes, may be empty, keeps inner spaces", () => {
    assert.deepEqual(kinds("'HSC-R'"), ["STRING_LITERAL:HSC-R"]);
    assert.deepEqual(kinds("''"), ["STRING_LITERAL:"]);
    assert.deepEqual(kinds("'a b\\'"), ["STRING_LITERAL:a b\\"]);
    assert.deepEqual(kinds("'a''b'"), ["STRING_LITERAL:a", "STRING_LITERAL:b"]);
  });

  test("range literal: bounds, optional stride, negative bounds, spaces inside", () => {
    const [range] = tokenize("1..5:2");
    assert.equal(range!.kind, "RANGE_LITERAL");
    assert.ok(range!.kind === "RANGE_LITERAL");
    assert.deepEqual(range.range, { start: 1, stop: 5, stride: 2 });
    const plain = tokenize("10..20")[0]!;
    assert.ok(plain.kind === "RANGE_LITERAL");
    assert.deepEqual(plain.range, { start: 10, stop: 20, stride: 1 });
    const negative = tokenize("-5..-1")[0]!;
    assert.ok(negative.kind === "RANGE_LITERAL");
    assert.deepEqual(negative.range, { start: -5, stop: -1, stride: 1 });
    const spaced = tokenize("1 .. 10 : 3")[0]!;
    assert.ok(spaced.kind === "RANGE_LITERAL");
    assert.deepEqual(spaced.range, { start: 1, stop: 10, stride: 3 });
    assert.equal(spaced.text, "1 .. 10 : 3");
  });

  test("range stride must be positive: ':0' is not part of the range", () => {
    assert.deepEqual(lexError("1..5:0").position, 4);
  });

  test("numeric literal kept as source text, with fractions and exponents, no sign", () => {
    assert.deepEqual(kinds("42 1.5 1. .5 1e10 2.5E-3 .5e+2"), [
      "NUMERIC_LITERAL:42",
      "NUMERIC_LITERAL:1.5",
      "NUMERIC_LITERAL:1.",
      "NUMERIC_LITERAL:.5",
      "NUMERIC_LITERAL:1e10",
      "NUMERIC_LITERAL:2.5E-3",
      "NUMERIC_LITERAL:.5e+2",
    ]);
    assert.deepEqual(kinds("-3"), ["-:-", "NUMERIC_LITERAL:3"]);
    assert.deepEqual(kinds("12345678901234567890"), ["NUMERIC_LITERAL:12345678901234567890"]);
  });

  test("qualified identifiers with two and three parts; simple identifiers", () => {
    assert.deepEqual(kinds("visit visit.exposure_time calexp.dataset_id visit.timespan.begin _x1"), [
      "SIMPLE_IDENTIFIER:visit",
      "QUALIFIED_IDENTIFIER:visit.exposure_time",
      "QUALIFIED_IDENTIFIER:calexp.dataset_id",
      "QUALIFIED_IDENTIFIER:visit.timespan.begin",
      "SIMPLE_IDENTIFIER:_x1",
    ]);
  });

  test("reserved words in any case become keywords with upper-cased values", () => {
    assert.deepEqual(kinds("in Or aNd not OverLaps IN"), [
      "IN:IN",
      "OR:OR",
      "AND:AND",
      "NOT:NOT",
      "OVERLAPS:OVERLAPS",
      "IN:IN",
    ]);
    // Only whole words: these are identifiers.
    assert.deepEqual(kinds("index order android nothing"), [
      "SIMPLE_IDENTIFIER:index",
      "SIMPLE_IDENTIFIER:order",
      "SIMPLE_IDENTIFIER:android",
      "SIMPLE_IDENTIFIER:nothing",
    ]);
  });

  test("bind names drop the colon", () => {
    assert.deepEqual(kinds(":types :_x2"), ["BIND_NAME:types", "BIND_NAME:_x2"]);
  });

  test("operators and punctuation, longest match first", () => {
    assert.deepEqual(
      tokenize("= != < <= > >= + - * / % ( ) ,").map((t) => t.kind),
      ["=", "!=", "<", "<=", ">", ">=", "+", "-", "*", "/", "%", "(", ")", ",", "EOF"],
    );
    assert.deepEqual(
      tokenize("a<=b>=c!=d<e").map((t) => t.kind),
      [
        "SIMPLE_IDENTIFIER",
        "<=",
        "SIMPLE_IDENTIFIER",
        ">=",
        "SIMPLE_IDENTIFIER",
        "!=",
        "SIMPLE_IDENTIFIER",
        "<",
        "SIMPLE_IDENTIFIER",
        "EOF",
      ],
    );
    assert.deepEqual(
      tokenize("<>").map((t) => t.kind),
      ["<", ">", "EOF"],
    );
  });
});

describe("lexer: priority between rules", () => {
  test("1..5:2 is one range, not numbers", () => {
    assert.deepEqual(
      tokenize("1..5:2").map((t) => t.kind),
      ["RANGE_LITERAL", "EOF"],
    );
  });

  test("T'…' is a time literal, not identifier T and a string; T alone is an identifier", () => {
    assert.deepEqual(kinds("T'2020-01-01'"), ["TIME_LITERAL:2020-01-01"]);
    assert.deepEqual(kinds("T 'x'"), ["SIMPLE_IDENTIFIER:T", "STRING_LITERAL:x"]);
    assert.deepEqual(kinds("at'x'"), ["SIMPLE_IDENTIFIER:at", "STRING_LITERAL:x"]);
  });

  test("a leading minus belongs to a range but not to a number", () => {
    assert.deepEqual(kinds("-1..3"), ["RANGE_LITERAL:-1..3"]);
    assert.deepEqual(kinds("5-3"), ["NUMERIC_LITERAL:5", "-:-", "NUMERIC_LITERAL:3"]);
  });

  test("a dotted name is one qualified identifier; a number then a name are two tokens", () => {
    assert.deepEqual(kinds("a.b"), ["QUALIFIED_IDENTIFIER:a.b"]);
    assert.deepEqual(kinds("5visit"), ["NUMERIC_LITERAL:5", "SIMPLE_IDENTIFIER:visit"]);
  });

  test("reserved words are not reserved inside qualified identifiers", () => {
    assert.deepEqual(kinds("not.in"), ["QUALIFIED_IDENTIFIER:not.in"]);
  });
});

describe("lexer: positions", () => {
  test("every token has start, end, 1-based line and column", () => {
    const tokens = tokenize("visit = 1\n  AND detector IN (1..3)");
    const at = (t: Token) => [t.kind, t.start, t.end, t.line, t.column];
    assert.deepEqual(tokens.map(at), [
      ["SIMPLE_IDENTIFIER", 0, 5, 1, 1],
      ["=", 6, 7, 1, 7],
      ["NUMERIC_LITERAL", 8, 9, 1, 9],
      ["AND", 12, 15, 2, 3],
      ["SIMPLE_IDENTIFIER", 16, 24, 2, 7],
      ["IN", 25, 27, 2, 16],
      ["(", 28, 29, 2, 19],
      ["RANGE_LITERAL", 29, 33, 2, 20],
      [")", 33, 34, 2, 24],
      ["EOF", 34, 34, 2, 25],
    ]);
  });

  test("text is the exact source slice", () => {
    for (const token of tokenize("T'2020' 'x' 1 .. 2 a.b :c <= OverLaps")) {
      assert.equal(token.text, "T'2020' 'x' 1 .. 2 a.b :c <= OverLaps".slice(token.start, token.end));
    }
  });

  test("EOF sits right after the last token, before trailing whitespace", () => {
    const tokens = tokenize("a = \n\n  ");
    assert.deepEqual([tokens.at(-1)!.start, tokens.at(-1)!.line, tokens.at(-1)!.column], [3, 1, 4]);
    assert.deepEqual(
      tokenize("").map((t) => [t.kind, t.start]),
      [["EOF", 0]],
    );
  });

  test("tabs, carriage returns and newlines are whitespace", () => {
    assert.deepEqual(kinds("a\t=\r\n1"), ["SIMPLE_IDENTIFIER:a", "=:=", "NUMERIC_LITERAL:1"]);
    assert.equal(tokenize("a\t=\r\n1")[2]!.line, 2);
  });
});

describe("lexer: errors", () => {
  test("unexpected character with position, line and column", () => {
    const err = lexError("visit = 1 # comment");
    assert.equal(err.code, "EXPRESSION_SYNTAX");
    assert.ok(isButlerError(err, "EXPRESSION_SYNTAX"));
    assert.equal(err.position, 10);
    assert.equal(err.line, 1);
    assert.equal(err.column, 11);
    assert.equal(err.token, "#");
    assert.equal(
      err.message,
      "Syntax error: unexpected character '#' (line 1, column 11):\nvisit = 1 # comment\n          ^",
    );
  });

  test("unexpected characters on a later line", () => {
    const err = lexError('a = 1\nAND b = "x"');
    assert.deepEqual([err.position, err.line, err.column], [14, 2, 9]);
    assert.match(err.message, /AND b = "x"\n {8}\^$/);
  });

  test("control characters are shown as code points; astral characters whole", () => {
    assert.match(lexError("a = \u0007").message, /unexpected character U\+0007/);
    assert.match(lexError("a = 😀").message, /unexpected character '😀'/);
  });

  test("unterminated string literal points at the opening quote", () => {
    const err = lexError("instrument = 'HSC");
    assert.equal(err.position, 13);
    assert.match(err.message, /^Syntax error: unterminated string literal \(line 1, column 14\)/);
  });

  test("a string cannot span lines", () => {
    const err = lexError("a = 'x\ny'");
    assert.equal(err.position, 4);
    assert.match(err.reason, /cannot span lines/);
  });

  test("unterminated time literal points at the T", () => {
    const err = lexError("t > T'2020-01-01");
    assert.equal(err.position, 4);
    assert.match(err.reason, /unterminated time literal/);
  });

  test("identifiers have at most three parts", () => {
    const err = lexError("x = a.b.c.d");
    assert.equal(err.position, 4);
    assert.match(err.reason, /'a\.b\.c\.d' has more than three parts/);
  });

  test("a lone '!', ':' or '.' is an unexpected character", () => {
    assert.equal(lexError("a ! b").position, 2);
    assert.equal(lexError("a = : b").position, 4);
    assert.equal(lexError("a = . b").position, 4);
  });

  test("range bounds beyond safe integers are rejected", () => {
    assert.match(lexError("x IN (1..99999999999999999999)").reason, /too large/);
  });
});
