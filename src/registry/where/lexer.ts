/**
 * The lexer of the `where` expression language. Rules are tried at each position in a fixed order, so
 * `T'…'` is a time literal before `T` is an identifier, `1..5:2` is a range before `1` is a number, and
 * `<=` wins over `<`. Every token carries its source offsets, 1-based line and 1-based column.
 */
import { ExpressionSyntaxError } from "../../errors/index.ts";

/** The reserved words; an identifier that upper-cases to one of them is that keyword. */
export const RESERVED_WORDS = ["IN", "OR", "AND", "NOT", "OVERLAPS"] as const;
export type ReservedWord = (typeof RESERVED_WORDS)[number];

export const OPERATORS = ["=", "!=", "<", "<=", ">", ">=", "+", "-", "*", "/", "%"] as const;
export type OperatorToken = (typeof OPERATORS)[number];

export type TokenKind =
  | "TIME_LITERAL"
  | "STRING_LITERAL"
  | "RANGE_LITERAL"
  | "NUMERIC_LITERAL"
  | "QUALIFIED_IDENTIFIER"
  | "SIMPLE_IDENTIFIER"
  | "BIND_NAME"
  | ReservedWord
  | OperatorToken
  | "("
  | ")"
  | ","
  | "EOF";

/** Bounds of an integer range `start..stop[:stride]`; `stop` is inclusive and `stride` defaults to 1. */
export interface RangeValue {
  readonly start: number;
  readonly stop: number;
  readonly stride: number;
}

interface TokenBase<K extends TokenKind> {
  readonly kind: K;
  /** The exact source text of the token. */
  readonly text: string;
  /**
   * The token's value: the inner text of time and string literals, the digits of a number, the
   * identifier, the bind name without `:`, a reserved word upper-cased, or the operator itself.
   */
  readonly value: string;
  /** 0-based offset of the first character. */
  readonly start: number;
  /** 0-based offset one past the last character. */
  readonly end: number;
  /** 1-based line of `start`. */
  readonly line: number;
  /** 1-based column of `start`. */
  readonly column: number;
}

export interface RangeToken extends TokenBase<"RANGE_LITERAL"> {
  readonly range: RangeValue;
}

export type Token = RangeToken | TokenBase<Exclude<TokenKind, "RANGE_LITERAL">>;

// Sticky patterns, tried in this order. `\w` is ASCII-only without the `u` flag, as intended.
const TIME = /[tT]'([^'\n]*)'/y;
const STRING = /'([^'\n]*)'/y;
const RANGE = /(-?\d+)[ \t\r\n]*\.\.[ \t\r\n]*(-?\d+)(?:[ \t\r\n]*:[ \t\r\n]*([1-9]\d*))?/y;
const NUMERIC = /\d+(?:\.\d*)?(?:[eE][-+]?\d+)?|\.\d+(?:[eE][-+]?\d+)?/y;
const QUALIFIED = /[A-Za-z_]\w*(?:\.[A-Za-z_]\w*){1,2}/y;
const SIMPLE = /[A-Za-z_]\w*/y;
const BIND = /:([A-Za-z_]\w*)/y;
const EXTRA_PART = /\.[A-Za-z_]/y;

const TWO_CHAR_OPERATORS: ReadonlySet<string> = new Set(["!=", "<=", ">="]);
const ONE_CHAR_TOKENS: ReadonlySet<string> = new Set(["=", "<", ">", "+", "-", "*", "/", "%", "(", ")", ","]);
const RESERVED: ReadonlySet<string> = new Set(RESERVED_WORDS);

function isWhitespace(c: string): boolean {
  return c === " " || c === "\t" || c === "\n" || c === "\r";
}

/** `'#'`, or the code point for characters that would not print, e.g. `U+0007`. */
function quoteChar(ch: string): string {
  const code = ch.codePointAt(0)!;
  if (code < 0x20 || (code >= 0x7f && code <= 0xa0) || code === 0xfeff) {
    return `U+${code.toString(16).toUpperCase().padStart(4, "0")}`;
  }
  return `'${ch}'`;
}

function matchAt(pattern: RegExp, text: string, at: number): RegExpExecArray | null {
  pattern.lastIndex = at;
  return pattern.exec(text);
}

/**
 * Splits `text` into tokens, ending with one `EOF` token placed right after the last real token.
 * Throws ExpressionSyntaxError for an unexpected character, an unterminated string or time literal,
 * an identifier with more than three parts, or a range bound that is not a safe integer.
 */
export function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let pos = 0;
  let line = 1;
  let lineStart = 0;
  let nextNewline = text.indexOf("\n");

  /** Line and column of `at`; offsets must not decrease from call to call. */
  const locate = (at: number): { line: number; column: number } => {
    while (nextNewline >= 0 && nextNewline < at) {
      line++;
      lineStart = nextNewline + 1;
      nextNewline = text.indexOf("\n", lineStart);
    }
    return { line, column: at - lineStart + 1 };
  };
  const push = (kind: Exclude<TokenKind, "RANGE_LITERAL">, start: number, end: number, value: string) => {
    tokens.push({ kind, text: text.slice(start, end), value, start, end, ...locate(start) });
  };
  const fail = (reason: string, at: number, token?: string): never => {
    throw new ExpressionSyntaxError(reason, text, at, token === undefined ? undefined : { token });
  };

  while (pos < text.length) {
    const c = text[pos]!;
    if (isWhitespace(c)) {
      pos++;
      continue;
    }
    let m: RegExpExecArray | null;
    if ((c === "t" || c === "T") && text[pos + 1] === "'") {
      m = matchAt(TIME, text, pos);
      if (m === null) fail("Syntax error: unterminated time literal", pos, text.slice(pos, pos + 2));
      push("TIME_LITERAL", pos, pos + m![0].length, m![1]!);
      pos += m![0].length;
      continue;
    }
    if (c === "'") {
      m = matchAt(STRING, text, pos);
      if (m === null) {
        const close = text.indexOf("'", pos + 1);
        const newline = text.indexOf("\n", pos + 1);
        const spansLines = close >= 0 && newline >= 0 && newline < close;
        fail(
          spansLines
            ? "Syntax error: string literal runs past the end of the line (strings cannot span lines)"
            : "Syntax error: unterminated string literal",
          pos,
          "'",
        );
      }
      push("STRING_LITERAL", pos, pos + m![0].length, m![1]!);
      pos += m![0].length;
      continue;
    }
    if ((c >= "0" && c <= "9") || c === "-") {
      m = matchAt(RANGE, text, pos);
      if (m !== null) {
        const end = pos + m[0].length;
        const bound = (digits: string): number => {
          const n = Number(digits);
          if (!Number.isSafeInteger(n)) {
            fail(`Syntax error: range bound ${digits} is too large`, pos, text.slice(pos, end));
          }
          return n;
        };
        const range = Object.freeze({
          start: bound(m[1]!),
          stop: bound(m[2]!),
          stride: m[3] === undefined ? 1 : bound(m[3]),
        });
        tokens.push({
          kind: "RANGE_LITERAL",
          text: text.slice(pos, end),
          value: text.slice(pos, end),
          start: pos,
          end,
          ...locate(pos),
          range,
        });
        pos = end;
        continue;
      }
    }
    if ((c >= "0" && c <= "9") || c === ".") {
      m = matchAt(NUMERIC, text, pos);
      if (m !== null) {
        push("NUMERIC_LITERAL", pos, pos + m[0].length, m[0]);
        pos += m[0].length;
        continue;
      }
    }
    if ((c >= "a" && c <= "z") || (c >= "A" && c <= "Z") || c === "_") {
      m = matchAt(QUALIFIED, text, pos);
      if (m !== null) {
        const end = pos + m[0].length;
        if (matchAt(EXTRA_PART, text, end) !== null) {
          const full = matchAt(/[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*/y, text, pos)![0];
          fail(`Syntax error: identifier '${full}' has more than three parts`, pos, full);
        }
        push("QUALIFIED_IDENTIFIER", pos, end, m[0]);
        pos = end;
        continue;
      }
      m = matchAt(SIMPLE, text, pos)!;
      const upper = m[0].toUpperCase();
      if (RESERVED.has(upper)) push(upper as ReservedWord, pos, pos + m[0].length, upper);
      else push("SIMPLE_IDENTIFIER", pos, pos + m[0].length, m[0]);
      pos += m[0].length;
      continue;
    }
    if (c === ":") {
      m = matchAt(BIND, text, pos);
      if (m !== null) {
        push("BIND_NAME", pos, pos + m[0].length, m[1]!);
        pos += m[0].length;
        continue;
      }
    }
    const two = text.slice(pos, pos + 2);
    if (TWO_CHAR_OPERATORS.has(two)) {
      push(two as TokenKind as Exclude<TokenKind, "RANGE_LITERAL">, pos, pos + 2, two);
      pos += 2;
      continue;
    }
    if (ONE_CHAR_TOKENS.has(c)) {
      push(c as Exclude<TokenKind, "RANGE_LITERAL">, pos, pos + 1, c);
      pos++;
      continue;
    }
    const ch = String.fromCodePoint(text.codePointAt(pos)!);
    fail(`Syntax error: unexpected character ${quoteChar(ch)}`, pos, ch);
  }
  const last = tokens.at(-1);
  const eofAt = last === undefined ? text.length - text.trimStart().length : last.end;
  tokens.push({ kind: "EOF", text: "", value: "", start: eofAt, end: eofAt, ...locate(eofAt) });
  return tokens;
}
