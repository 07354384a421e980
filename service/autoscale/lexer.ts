/**
 * Splits an autoscale formula into tokens with their line and column. Comments (`//` to end of line and
 * `/* ... *\/`) and whitespace are dropped here, so the parser never sees them.
 */
import { FormulaError, type SourcePosition } from "./errors.js";

export type TokenKind = "number" | "string" | "identifier" | "operator" | "end";

export interface Token {
  kind: TokenKind;
  /** The identifier (with its `$` if any), operator text, string contents, or number text. */
  text: string;
  position: SourcePosition;
}

/** Longest first, so `<=` wins over `<`. */
const operators = [
  "&&",
  "||",
  "<=",
  ">=",
  "==",
  "!=",
  "<",
  ">",
  "+",
  "-",
  "*",
  "/",
  "!",
  "?",
  ":",
  "=",
  "(",
  ")",
  ",",
  ".",
  ";",
];

/** Operators other languages have that this one does not; refused with a hint instead of "unexpected". */
const foreignOperators: Record<string, string> = {
  "%": "the Azure Batch formula language has no remainder operator; restructure the formula without it",
  "^": "the Azure Batch formula language has no power operator; multiply the value by itself",
  "[": "there are no vector literals; vectors come from GetSample() and functions take lists like avg(1, 2, 3)",
};

const identifierStart = /[A-Za-z_$]/;
const identifierPart = /[A-Za-z0-9_]/;
const digit = /[0-9]/;

export function tokenize(formula: string): Token[] {
  const tokens: Token[] = [];
  let index = 0;
  let line = 1;
  let lineStart = 0;
  const here = (): SourcePosition => ({ line, column: index - lineStart + 1 });
  const advance = (count: number) => {
    for (let i = 0; i < count; i++) {
      if (formula[index] === "\n") {
        line++;
        lineStart = index + 1;
      }
      index++;
    }
  };

  while (index < formula.length) {
    const char = formula[index];
    if (/\s/.test(char)) {
      advance(1);
      continue;
    }
    if (formula.startsWith("//", index)) {
      while (index < formula.length && formula[index] !== "\n") advance(1);
      continue;
    }
    if (formula.startsWith("/*", index)) {
      const start = here();
      const close = formula.indexOf("*/", index + 2);
      if (close < 0)
        throw new FormulaError("InvalidAutoScaleFormula", "Comment is not closed; end it with */", start);
      advance(close + 2 - index);
      continue;
    }
    const position = here();
    if (digit.test(char) || (char === "." && digit.test(formula[index + 1] ?? ""))) {
      const match = /^(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?/.exec(formula.slice(index))!;
      tokens.push({ kind: "number", text: match[0], position });
      advance(match[0].length);
      if (identifierStart.test(formula[index] ?? "")) {
        throw new FormulaError(
          "InvalidAutoScaleFormula",
          `Number ${match[0]} runs into a name; put an operator between them (for example ${match[0]} * ...)`,
          position,
        );
      }
      continue;
    }
    if (identifierStart.test(char)) {
      let end = index + 1;
      while (end < formula.length && identifierPart.test(formula[end])) end++;
      const text = formula.slice(index, end);
      if (text === "$")
        throw new FormulaError(
          "InvalidAutoScaleFormula",
          "A lone $ must be followed by a variable name",
          position,
        );
      tokens.push({ kind: "identifier", text, position });
      advance(end - index);
      continue;
    }
    if (char === '"') {
      tokens.push({ kind: "string", text: readString(formula, index, position), position });
      advance(closingQuote(formula, index) + 1 - index);
      continue;
    }
    const operator = operators.find((candidate) => formula.startsWith(candidate, index));
    if (operator) {
      tokens.push({ kind: "operator", text: operator, position });
      advance(operator.length);
      continue;
    }
    const hint = foreignOperators[char];
    throw new FormulaError(
      "InvalidAutoScaleFormula",
      hint ? `Unsupported character '${char}': ${hint}` : `Unexpected character '${char}'; remove it`,
      position,
    );
  }
  tokens.push({ kind: "end", text: "", position: here() });
  return tokens;
}

function closingQuote(formula: string, open: number): number {
  let index = open + 1;
  while (index < formula.length && formula[index] !== '"' && formula[index] !== "\n") {
    index += formula[index] === "\\" ? 2 : 1;
  }
  return index;
}

function readString(formula: string, open: number, position: SourcePosition): string {
  const close = closingQuote(formula, open);
  if (formula[close] !== '"') {
    throw new FormulaError(
      "InvalidAutoScaleFormula",
      'String is not closed; end it with " on the same line',
      position,
    );
  }
  return formula.slice(open + 1, close).replace(/\\(.)/g, "$1");
}
