/**
 * The OData subset Azure Batch lists accept. `$filter`: comparisons (`eq ne gt ge lt le`), `and`,
 * `or`, `not`, parentheses, string/number/boolean/null/`datetime'...'` literals, property paths such
 * as `executionInfo/exitCode`, and `startswith`/`endswith(property, 'text')`; evaluated against the
 * REST view objects. `$select`: the top-level properties to keep.
 */
import { BatchError } from "../../protocol/errors.js";

export type Literal = string | number | boolean | null;

export type Operand =
  | { kind: "path"; segments: string[] }
  | { kind: "literal"; value: Literal; datetime?: boolean }
  | { kind: "call"; name: "startswith" | "endswith"; args: Operand[] };

export type ComparisonOperator = "eq" | "ne" | "gt" | "ge" | "lt" | "le";

export type FilterExpression =
  | { kind: "and" | "or"; left: FilterExpression; right: FilterExpression }
  | { kind: "not"; operand: FilterExpression }
  | { kind: "compare"; op: ComparisonOperator; left: Operand; right: Operand }
  | { kind: "truthy"; operand: Operand };

type Token =
  | { type: "punct"; text: "(" | ")" | ","; at: number }
  | { type: "string"; value: string; datetime: boolean; at: number }
  | { type: "number"; value: number; at: number }
  | { type: "word"; text: string; at: number };

const comparisonOperators = new Set<string>(["eq", "ne", "gt", "ge", "lt", "le"]);
const functions = new Set<string>(["startswith", "endswith"]);

function filterError(text: string, reason: string): BatchError {
  return new BatchError("InvalidQueryParameterValue", `$filter '${text}' is not valid: ${reason}`, [
    { key: "QueryParameterName", value: "$filter" },
    { key: "QueryParameterValue", value: text },
    { key: "Reason", value: reason },
  ]);
}

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (/\s/.test(c)) {
      i++;
    } else if (c === "(" || c === ")" || c === ",") {
      tokens.push({ type: "punct", text: c, at: i });
      i++;
    } else if (c === "'" || /^datetime'/i.test(text.slice(i))) {
      const datetime = c !== "'";
      const start = i;
      i += datetime ? "datetime'".length : 1;
      let value = "";
      for (;;) {
        if (i >= text.length)
          throw filterError(text, `the string starting at position ${start} is not closed with '.`);
        if (text[i] === "'") {
          if (text[i + 1] === "'") {
            value += "'";
            i += 2;
            continue;
          }
          i++;
          break;
        }
        value += text[i];
        i++;
      }
      if (datetime && Number.isNaN(Date.parse(value)))
        throw filterError(text, `datetime'${value}' at position ${start} is not a date and time.`);
      tokens.push({ type: "string", value, datetime, at: start });
    } else if (/[-\d]/.test(c)) {
      const match = /^-?\d+(\.\d+)?([eE][-+]?\d+)?/.exec(text.slice(i));
      if (!match) throw filterError(text, `unexpected '${c}' at position ${i}.`);
      tokens.push({ type: "number", value: Number(match[0]), at: i });
      i += match[0].length;
    } else if (/[A-Za-z_]/.test(c)) {
      const match = /^[A-Za-z_][A-Za-z0-9_]*(\/[A-Za-z_][A-Za-z0-9_]*)*/.exec(text.slice(i))!;
      tokens.push({ type: "word", text: match[0], at: i });
      i += match[0].length;
    } else {
      throw filterError(text, `unexpected '${c}' at position ${i}.`);
    }
  }
  return tokens;
}

class FilterParser {
  private position = 0;

  constructor(
    private readonly text: string,
    private readonly tokens: Token[],
  ) {}

  parse(): FilterExpression {
    if (this.tokens.length === 0) throw filterError(this.text, "it is empty.");
    const expression = this.or();
    const extra = this.tokens[this.position];
    if (extra) throw filterError(this.text, `unexpected ${describe(extra)} at position ${extra.at}.`);
    return expression;
  }

  private or(): FilterExpression {
    let left = this.and();
    while (this.keyword("or")) left = { kind: "or", left, right: this.and() };
    return left;
  }

  private and(): FilterExpression {
    let left = this.unary();
    while (this.keyword("and")) left = { kind: "and", left, right: this.unary() };
    return left;
  }

  private unary(): FilterExpression {
    if (this.keyword("not")) return { kind: "not", operand: this.unary() };
    if (this.punct("(")) {
      const inner = this.or();
      this.expectPunct(")");
      return inner;
    }
    const left = this.operand();
    const next = this.tokens[this.position];
    if (next?.type === "word" && comparisonOperators.has(next.text.toLowerCase())) {
      this.position++;
      return {
        kind: "compare",
        op: next.text.toLowerCase() as ComparisonOperator,
        left,
        right: this.operand(),
      };
    }
    return { kind: "truthy", operand: left };
  }

  private operand(): Operand {
    const token = this.tokens[this.position];
    if (!token) throw filterError(this.text, "it ends where a property or a value was expected.");
    this.position++;
    if (token.type === "string") return { kind: "literal", value: token.value, datetime: token.datetime };
    if (token.type === "number") return { kind: "literal", value: token.value };
    if (token.type === "word") {
      const word = token.text.toLowerCase();
      if (word === "true" || word === "false") return { kind: "literal", value: word === "true" };
      if (word === "null") return { kind: "literal", value: null };
      if (functions.has(word) && this.punct("(")) {
        const args = [this.operand()];
        while (this.punct(",")) args.push(this.operand());
        this.expectPunct(")");
        if (args.length !== 2)
          throw filterError(this.text, `${word} takes two arguments: (property, 'text').`);
        return { kind: "call", name: word as "startswith" | "endswith", args };
      }
      if (comparisonOperators.has(word) || word === "and" || word === "or" || word === "not") {
        throw filterError(
          this.text,
          `'${token.text}' at position ${token.at} is where a property or a value was expected.`,
        );
      }
      return { kind: "path", segments: token.text.split("/") };
    }
    throw filterError(this.text, `unexpected ${describe(token)} at position ${token.at}.`);
  }

  private keyword(word: string): boolean {
    const token = this.tokens[this.position];
    if (token?.type === "word" && token.text.toLowerCase() === word) {
      this.position++;
      return true;
    }
    return false;
  }

  private punct(text: "(" | ")" | ","): boolean {
    const token = this.tokens[this.position];
    if (token?.type === "punct" && token.text === text) {
      this.position++;
      return true;
    }
    return false;
  }

  private expectPunct(text: ")"): void {
    if (!this.punct(text)) {
      const token = this.tokens[this.position];
      throw filterError(
        this.text,
        token ? `expected '${text}' at position ${token.at}.` : `a '${text}' is missing at the end.`,
      );
    }
  }
}

function describe(token: Token): string {
  switch (token.type) {
    case "punct":
      return `'${token.text}'`;
    case "string":
      return `string '${token.value}'`;
    case "number":
      return `number ${token.value}`;
    case "word":
      return `'${token.text}'`;
  }
}

export function parseFilter(text: string): FilterExpression {
  return new FilterParser(text, tokenize(text)).parse();
}

/** The `x` of a top-level (or and-ed) `state eq 'x'`: what the store's state index can answer. */
export function stateEquality(expression: FilterExpression): string | undefined {
  if (expression.kind === "and") return stateEquality(expression.left) ?? stateEquality(expression.right);
  if (expression.kind !== "compare" || expression.op !== "eq") return undefined;
  const { left, right } = expression;
  const isState = (o: Operand) => o.kind === "path" && o.segments.length === 1 && o.segments[0] === "state";
  const stringOf = (o: Operand) =>
    o.kind === "literal" && typeof o.value === "string" && !o.datetime ? o.value : undefined;
  if (isState(left)) return stringOf(right);
  if (isState(right)) return stringOf(left);
  return undefined;
}

export function matchesFilter(expression: FilterExpression, item: unknown): boolean {
  switch (expression.kind) {
    case "and":
      return matchesFilter(expression.left, item) && matchesFilter(expression.right, item);
    case "or":
      return matchesFilter(expression.left, item) || matchesFilter(expression.right, item);
    case "not":
      return !matchesFilter(expression.operand, item);
    case "truthy":
      return evaluate(expression.operand, item) === true;
    case "compare":
      return compare(expression.op, expression.left, expression.right, item);
  }
}

function evaluate(operand: Operand, item: unknown): unknown {
  switch (operand.kind) {
    case "literal":
      return operand.value;
    case "path": {
      let current = item;
      for (const segment of operand.segments) {
        if (typeof current !== "object" || current === null) return undefined;
        current = (current as Record<string, unknown>)[segment];
      }
      return current;
    }
    case "call": {
      const [subject, text] = operand.args.map((a) => evaluate(a, item));
      if (typeof subject !== "string" || typeof text !== "string") return false;
      return operand.name === "startswith" ? subject.startsWith(text) : subject.endsWith(text);
    }
  }
}

function compare(
  op: ComparisonOperator,
  leftOperand: Operand,
  rightOperand: Operand,
  item: unknown,
): boolean {
  const asDate = isDatetime(leftOperand) || isDatetime(rightOperand);
  const prepare = (v: unknown) => {
    if (v === undefined) return null;
    if (asDate && typeof v === "string") {
      const ms = Date.parse(v);
      return Number.isNaN(ms) ? v : ms;
    }
    return v;
  };
  const left = prepare(evaluate(leftOperand, item));
  const right = prepare(evaluate(rightOperand, item));
  if (op === "eq") return left === right;
  if (op === "ne") return left !== right;
  const comparable =
    (typeof left === "number" && typeof right === "number") ||
    (typeof left === "string" && typeof right === "string");
  if (!comparable) return false;
  const l = left as number | string;
  const r = right as number | string;
  switch (op) {
    case "gt":
      return l > r;
    case "ge":
      return l >= r;
    case "lt":
      return l < r;
    case "le":
      return l <= r;
  }
}

function isDatetime(operand: Operand): boolean {
  return operand.kind === "literal" && operand.datetime === true;
}

/** `$select=id,state` → `["id","state"]`; `undefined` when absent or empty (everything). */
export function parseSelect(text: string | undefined): string[] | undefined {
  if (text === undefined) return undefined;
  const names = text
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "");
  for (const name of names) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
      throw new BatchError(
        "InvalidQueryParameterValue",
        `$select '${text}' is not valid: '${name}' is not a property name.`,
        [
          { key: "QueryParameterName", value: "$select" },
          { key: "QueryParameterValue", value: text },
        ],
      );
    }
  }
  return names.length > 0 ? names : undefined;
}

/** Keeps only the selected top-level properties (and the OData annotations). */
export function applySelect<T extends object>(item: T, select: string[] | undefined): Partial<T> {
  if (!select) return item;
  const kept: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(item)) {
    if (select.includes(key) || key.startsWith("odata.")) kept[key] = value;
  }
  return kept as Partial<T>;
}

/** Every property path a filter reads, e.g. `["executionInfo", "exitCode"]`. */
export function filterPaths(expression: FilterExpression): string[][] {
  const ofOperand = (operand: Operand): string[][] => {
    if (operand.kind === "path") return [operand.segments];
    if (operand.kind === "call") return operand.args.flatMap(ofOperand);
    return [];
  };
  switch (expression.kind) {
    case "and":
    case "or":
      return [...filterPaths(expression.left), ...filterPaths(expression.right)];
    case "not":
      return filterPaths(expression.operand);
    case "truthy":
      return ofOperand(expression.operand);
    case "compare":
      return [...ofOperand(expression.left), ...ofOperand(expression.right)];
  }
}
