/**
 * Where a JSON text first breaks the grammar, as line and column, for `--json-file` messages. Node's
 * `JSON.parse` gives a position for some errors and not others (`Unexpected token '}', "…" is not
 * valid JSON` quotes the whole text instead), so the position is found here by a small scanner.
 */

export interface TextPosition {
  line: number;
  column: number;
}

/** Parses `text` as JSON, or throws a SyntaxError whose message says the line and column of the error. */
export function parseJsonText(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    const { line, column } = positionOf(text, syntaxErrorOffset(text));
    throw new SyntaxError(`line ${line}, column ${column}: ${shortReason(error as Error)}`);
  }
}

/** `Unexpected token '}', "{"a": }" is not valid JSON` → `Unexpected token '}'` (no copy of the text). */
function shortReason(error: Error): string {
  return error.message.replace(/, ".*" is not valid JSON$/s, "").replace(/ in JSON at position \d+.*$/s, "");
}

function positionOf(text: string, offset: number): TextPosition {
  const before = text.slice(0, offset);
  const lineStart = before.lastIndexOf("\n") + 1;
  return { line: before.split("\n").length, column: offset - lineStart + 1 };
}

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const LITERALS = ["true", "false", "null"];

/** The offset of the first character that cannot continue a JSON text (its length when it ends too early). */
export function syntaxErrorOffset(text: string): number {
  let at = 0;
  const fail = (): never => {
    throw new JsonSyntaxAt(at);
  };
  const skipSpace = () => {
    while (at < text.length && " \t\n\r".includes(text[at]!)) at++;
  };
  const expect = (char: string) => {
    skipSpace();
    if (text[at] !== char) fail();
    at++;
  };
  const string = () => {
    expect('"');
    while (at < text.length) {
      const char = text[at]!;
      if (char === '"') {
        at++;
        return;
      }
      if (char < " ") fail();
      at += char === "\\" ? 2 : 1;
    }
    fail();
  };
  const sequence = (close: string, item: () => void) => {
    at++;
    skipSpace();
    if (text[at] === close) {
      at++;
      return;
    }
    for (;;) {
      item();
      skipSpace();
      if (text[at] === close) {
        at++;
        return;
      }
      expect(",");
    }
  };
  const value = (): void => {
    skipSpace();
    const char = text[at];
    if (char === "{") {
      sequence("}", () => {
        string();
        expect(":");
        value();
      });
    } else if (char === "[") {
      sequence("]", value);
    } else if (char === '"') {
      string();
    } else {
      NUMBER.lastIndex = at;
      const literal = LITERALS.find((word) => text.startsWith(word, at));
      if (NUMBER.test(text)) at = NUMBER.lastIndex;
      else if (literal) at += literal.length;
      else fail();
    }
  };
  try {
    value();
    skipSpace();
    if (at < text.length) fail();
    return text.length;
  } catch (error) {
    if (error instanceof JsonSyntaxAt) return Math.min(error.offset, text.length);
    throw error;
  }
}

class JsonSyntaxAt extends Error {
  constructor(readonly offset: number) {
    super(`JSON syntax error at ${offset}`);
  }
}
