import { describe, expect, it } from "vitest";
import { CommandLineError, splitCommandLine } from "../../../agent/commandLine.js";

describe("splitCommandLine", () => {
  it.each([
    ["echo hi", ["echo", "hi"]],
    ["  echo \t hi  \n", ["echo", "hi"]],
    [`/bin/sh -c "echo hi && ls"`, ["/bin/sh", "-c", "echo hi && ls"]],
    [`/bin/sh -c 'echo "$HOME" | cat'`, ["/bin/sh", "-c", `echo "$HOME" | cat`]],
    [`a'b c'd`, ["ab cd"]],
    [`a"b c"d`, ["ab cd"]],
    [`""`, [""]],
    [`prog '' x`, ["prog", "", "x"]],
    [`prog "" ''`, ["prog", "", ""]],
  ])("splits %j", (line, argv) => {
    expect(splitCommandLine(line)).toEqual(argv);
  });

  it("does no expansion, globbing or operators", () => {
    expect(splitCommandLine("echo $HOME *.txt ~ a;b | c > d")).toEqual([
      "echo",
      "$HOME",
      "*.txt",
      "~",
      "a;b",
      "|",
      "c",
      ">",
      "d",
    ]);
  });

  it("keeps single quotes literal, backslashes included", () => {
    expect(splitCommandLine(`echo 'a\\b\\'`)).toEqual(["echo", "a\\b\\"]);
  });

  it('escapes only " \\ $ ` and newline inside double quotes', () => {
    expect(splitCommandLine(`echo "q\\" b\\\\ d\\$ t\\\` n\\n x\\y"`)).toEqual([
      "echo",
      'q" b\\ d$ t` n\\n x\\y',
    ]);
    expect(splitCommandLine(`echo "line\\\ncontinued"`)).toEqual(["echo", "linecontinued"]);
  });

  it("lets a backslash outside quotes escape any character", () => {
    expect(splitCommandLine(`echo a\\ b \\"c\\" \\'d \\\\`)).toEqual(["echo", "a b", `"c"`, "'d", "\\"]);
    expect(splitCommandLine("echo a\\\nb")).toEqual(["echo", "ab"]);
  });

  it.each([
    [`echo "unterminated`, /unterminated double quote at column 6/],
    [`echo 'unterminated`, /unterminated single quote at column 6/],
    [`echo trailing\\`, /trailing backslash/],
    ["", /empty/],
    ["   ", /empty/],
  ])("refuses %j", (line, message) => {
    expect(() => splitCommandLine(line)).toThrow(CommandLineError);
    expect(() => splitCommandLine(line)).toThrow(message);
  });
});
