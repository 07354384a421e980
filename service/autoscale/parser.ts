/**
 * Recursive-descent parser for autoscale formulas: statements separated by `;`, each an assignment
 * (`name = expression`) or a bare expression (for `stop()`). Precedence, loosest first: `?:`, `||`, `&&`,
 * `== !=`, `< <= > >=`, `+ -`, `* /`, unary `- !`, then `.member` / `.Method(...)` and calls.
 */
import { FormulaError, type SourcePosition } from "./errors.js";
import { type Token, tokenize } from "./lexer.js";

export type Expression =
  | { kind: "number"; value: number; position: SourcePosition }
  | { kind: "string"; value: string; position: SourcePosition }
  | { kind: "name"; name: string; position: SourcePosition }
  | { kind: "unary"; operator: "-" | "!"; operand: Expression; position: SourcePosition }
  | { kind: "binary"; operator: string; left: Expression; right: Expression; position: SourcePosition }
  | {
      kind: "conditional";
      test: Expression;
      then: Expression;
      otherwise: Expression;
      position: SourcePosition;
    }
  | { kind: "call"; name: string; args: Expression[]; position: SourcePosition }
  | { kind: "method"; target: Expression; name: string; args: Expression[]; position: SourcePosition }
  | { kind: "member"; target: Expression; name: string; position: SourcePosition };

export type Statement =
  | { kind: "assign"; name: string; value: Expression; position: SourcePosition }
  | { kind: "expression"; value: Expression; position: SourcePosition };

export const formulaLimits = { maxBytes: 8 * 1024, maxStatements: 100 } as const;

const binaryLevels: string[][] = [
  ["||"],
  ["&&"],
  ["==", "!="],
  ["<", "<=", ">", ">="],
  ["+", "-"],
  ["*", "/"],
];

/** Parses a whole formula, enforcing Azure's size and statement-count limits first. */
export function parseFormula(formula: string): Statement[] {
  const bytes = Buffer.byteLength(formula, "utf8");
  if (bytes > formulaLimits.maxBytes) {
    throw new FormulaError(
      "AutoScaleFormulaTooLong",
      `The formula is ${bytes} bytes; the limit is ${formulaLimits.maxBytes} bytes. Shorten it (comments count too)`,
    );
  }
  const parser = new Parser(tokenize(formula));
  const statements = parser.statements();
  if (statements.length > formulaLimits.maxStatements) {
    throw new FormulaError(
      "AutoScaleFormulaTooManyStatements",
      `The formula has ${statements.length} statements; the limit is ${formulaLimits.maxStatements}. Combine statements`,
      statements[formulaLimits.maxStatements].position,
    );
  }
  return statements;
}

class Parser {
  private index = 0;

  constructor(private readonly tokens: Token[]) {}

  statements(): Statement[] {
    const statements: Statement[] = [];
    while (this.peek().kind !== "end") {
      if (this.accept(";")) continue;
      statements.push(this.statement());
      if (this.peek().kind !== "end") this.expect(";", "to end the statement");
    }
    return statements;
  }

  private statement(): Statement {
    const first = this.peek();
    const next = this.tokens[this.index + 1];
    if (first.kind === "identifier" && next.kind === "operator" && next.text === "=") {
      this.index += 2;
      return { kind: "assign", name: first.text, value: this.expression(), position: first.position };
    }
    return { kind: "expression", value: this.expression(), position: first.position };
  }

  private expression(): Expression {
    const test = this.binary(0);
    const question = this.peek();
    if (!this.accept("?")) return test;
    const then = this.expression();
    this.expect(":", "to separate the two branches of ?:");
    const otherwise = this.expression();
    return { kind: "conditional", test, then, otherwise, position: question.position };
  }

  private binary(level: number): Expression {
    if (level === binaryLevels.length) return this.unary();
    let left = this.binary(level + 1);
    for (;;) {
      const token = this.peek();
      if (token.kind !== "operator" || !binaryLevels[level].includes(token.text)) return left;
      this.index++;
      const right = this.binary(level + 1);
      left = { kind: "binary", operator: token.text, left, right, position: token.position };
    }
  }

  private unary(): Expression {
    const token = this.peek();
    if (token.kind === "operator" && (token.text === "-" || token.text === "!")) {
      this.index++;
      return { kind: "unary", operator: token.text, operand: this.unary(), position: token.position };
    }
    return this.postfix(this.primary());
  }

  private postfix(target: Expression): Expression {
    let result = target;
    while (this.accept(".")) {
      const name = this.peek();
      if (name.kind !== "identifier") throw this.unexpected(name, "a member or method name after '.'");
      this.index++;
      result = this.accept("(")
        ? {
            kind: "method",
            target: result,
            name: name.text,
            args: this.argumentsAfterOpen(),
            position: name.position,
          }
        : { kind: "member", target: result, name: name.text, position: name.position };
    }
    return result;
  }

  private primary(): Expression {
    const token = this.peek();
    this.index++;
    if (token.kind === "number")
      return { kind: "number", value: Number(token.text), position: token.position };
    if (token.kind === "string") return { kind: "string", value: token.text, position: token.position };
    if (token.kind === "identifier") {
      if (this.accept("(")) {
        return { kind: "call", name: token.text, args: this.argumentsAfterOpen(), position: token.position };
      }
      return { kind: "name", name: token.text, position: token.position };
    }
    if (token.kind === "operator" && token.text === "(") {
      const inner = this.expression();
      this.expect(")", "to close the parenthesis");
      return inner;
    }
    this.index--;
    throw this.unexpected(token, "a number, string, variable, function call or '('");
  }

  private argumentsAfterOpen(): Expression[] {
    const args: Expression[] = [];
    if (this.accept(")")) return args;
    do args.push(this.expression());
    while (this.accept(","));
    this.expect(")", "to close the argument list");
    return args;
  }

  private peek(): Token {
    return this.tokens[this.index];
  }

  private accept(operator: string): boolean {
    const token = this.peek();
    if (token.kind === "operator" && token.text === operator) {
      this.index++;
      return true;
    }
    return false;
  }

  private expect(operator: string, purpose: string): void {
    if (!this.accept(operator)) throw this.unexpected(this.peek(), `'${operator}' ${purpose}`);
  }

  private unexpected(token: Token, wanted: string): FormulaError {
    const found = token.kind === "end" ? "the end of the formula" : `'${token.text}'`;
    return new FormulaError(
      "InvalidAutoScaleFormula",
      `Expected ${wanted} but found ${found}`,
      token.position,
    );
  }
}
