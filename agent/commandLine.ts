/**
 * Splits a task's command line into argv without a shell, as Azure Batch does on Linux: users who
 * want shell features write `/bin/sh -c "..."`. POSIX quoting rules apply; there is deliberately no
 * variable expansion, globbing, redirection or operator handling.
 */

import type { FailureReport } from "../protocol/agent.js";

/** Thrown when a command line cannot be split (unterminated quote, trailing backslash, nothing to run). */
export class CommandLineError extends Error {
  override readonly name = "CommandLineError";
}

/** Characters a backslash escapes inside double quotes (POSIX); before any other it stays literal. */
const DOUBLE_QUOTE_ESCAPABLE = new Set(['"', "\\", "$", "`", "\n"]);
const WHITESPACE = new Set([" ", "\t", "\n", "\r"]);

export function splitCommandLine(commandLine: string): string[] {
  const words: string[] = [];
  let word = "";
  // A word exists once any character or quote pair was seen, so `""` yields an empty argument.
  let inWord = false;
  let i = 0;
  const n = commandLine.length;
  while (i < n) {
    const c = commandLine[i]!;
    if (WHITESPACE.has(c)) {
      if (inWord) words.push(word);
      word = "";
      inWord = false;
      i++;
    } else if (c === "'") {
      const end = commandLine.indexOf("'", i + 1);
      if (end < 0) throw new CommandLineError(`unterminated single quote at column ${i + 1}: ${commandLine}`);
      word += commandLine.slice(i + 1, end);
      inWord = true;
      i = end + 1;
    } else if (c === '"') {
      const start = i;
      i++;
      for (;;) {
        if (i >= n)
          throw new CommandLineError(`unterminated double quote at column ${start + 1}: ${commandLine}`);
        const d = commandLine[i]!;
        if (d === '"') break;
        if (d === "\\" && i + 1 < n && DOUBLE_QUOTE_ESCAPABLE.has(commandLine[i + 1]!)) {
          // An escaped newline is a line continuation: it disappears.
          if (commandLine[i + 1] !== "\n") word += commandLine[i + 1];
          i += 2;
        } else {
          word += d;
          i++;
        }
      }
      inWord = true;
      i++;
    } else if (c === "\\") {
      if (i + 1 >= n) throw new CommandLineError(`trailing backslash escapes nothing: ${commandLine}`);
      if (commandLine[i + 1] !== "\n") {
        word += commandLine[i + 1];
        inWord = true;
      }
      i += 2;
    } else {
      word += c;
      inWord = true;
      i++;
    }
  }
  if (inWord) words.push(word);
  if (words.length === 0) throw new CommandLineError("the command line is empty: give the program to run");
  return words;
}

/** The argv of a command line, or the `CommandLineInvalid` failure that says why it has none; `what` names it in the message. */
export function argvOrFailure(
  commandLine: string,
  what = "command line",
): string[] | { failure: FailureReport } {
  try {
    return splitCommandLine(commandLine);
  } catch (error) {
    if (!(error instanceof CommandLineError)) throw error;
    return {
      failure: {
        category: "usererror",
        code: "CommandLineInvalid",
        message: `The ${what} cannot be split into arguments: ${error.message}. Quote as in a POSIX shell; for shell features run /bin/sh -c "...".`,
      },
    };
  }
}
