/**
 * The `where` expression language: lexer → parser → frozen syntax tree (`ast.ts`), walked by compilers
 * through a dispatch table keyed by node kind (`visit.ts`). Values in the tree become bound
 * parameters when compiled; the text is never spliced into SQL.
 */

export { didYouMean, editDistance, type SuggestOptions, suggest } from "../../did-you-mean.ts";
export type {
  ArithmeticOperator,
  BinaryNode,
  BinaryOperator,
  BindNode,
  ComparisonOperator,
  ExpressionNode,
  FunctionCallNode,
  IdentifierNode,
  InItemNode,
  InNode,
  LiteralNode,
  LogicalOperator,
  Node,
  NodeKind,
  NumericLiteralNode,
  RangeLiteralNode,
  Span,
  StringLiteralNode,
  TimeLiteralNode,
  TupleNode,
  UnaryNode,
  UnaryOperator,
} from "./ast.ts";
export {
  createBinary,
  createBind,
  createFunctionCall,
  createIdentifier,
  createIn,
  createNumericLiteral,
  createRangeLiteral,
  createStringLiteral,
  createTimeLiteral,
  createTuple,
  createUnary,
  isBinary,
  isBind,
  isFunctionCall,
  isIdentifier,
  isIn,
  isLiteral,
  isNumericLiteral,
  isRangeLiteral,
  isStringLiteral,
  isTimeLiteral,
  isTuple,
  isUnary,
  numericValue,
} from "./ast.ts";
export { formatExpression } from "./format.ts";
export {
  OPERATORS,
  type OperatorToken,
  type RangeToken,
  type RangeValue,
  RESERVED_WORDS,
  type ReservedWord,
  type Token,
  type TokenKind,
  tokenize,
} from "./lexer.ts";
export { MAX_EXPRESSION_DEPTH, PRECEDENCE, parseExpression } from "./parser.ts";
export {
  checkFunctionCall,
  describeNode,
  type FunctionCallProblem,
  isNumericArgument,
  isSpecialFunctionName,
  normalizeUuid,
  SPECIAL_FUNCTIONS,
  type SpecialFunctionName,
} from "./special-functions.ts";
export {
  childNodes,
  collectBinds,
  collectIdentifiers,
  dispatchNode,
  type NodeHandlers,
  nodesEqual,
  walkNodes,
} from "./visit.ts";
