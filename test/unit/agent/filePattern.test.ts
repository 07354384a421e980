/**
 * Output file patterns as Azure Batch reads them on Linux: `*`, `**`, `?`, `[..]`, dot files skipped
 * unless spelled, `../` reaching the task directory and no further, and the names files are uploaded
 * under. Matched against a real directory tree.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  compileFilePattern,
  findMatchingFiles,
  patternRegExp,
  uploadName,
} from "../../../agent/filePattern.js";

describe("patternRegExp", () => {
  it.each([
    ["*.txt", "a.txt", true],
    ["*.txt", "dir/a.txt", false],
    ["*.txt", ".hidden.txt", false],
    [".*.txt", ".hidden.txt", true],
    ["abc*", "abc", true],
    ["abc*", "abcdef", true],
    ["?.log", "a.log", true],
    ["?.log", "ab.log", false],
    ["[abc].txt", "b.txt", true],
    ["[a-c].txt", "d.txt", false],
    ["[!abc].txt", "d.txt", true],
    ["[!abc].txt", "a.txt", false],
    ["abc[*]", "abc*", true],
    ["abc[*]", "abcd", false],
    ["a.b", "axb", false],
    ["(x)+.txt", "(x)+.txt", true],
    ["**/*.txt", "a.txt", true],
    ["**/*.txt", "x/y/a.txt", true],
    ["**/*.txt", ".git/a.txt", false],
    ["out/**", "out/x/y", true],
    ["out/**/b.txt", "out/b.txt", true],
    ["out/**/b.txt", "out/p/q/b.txt", true],
    ["out/*/b.txt", "out/p/q/b.txt", false],
  ])("%s against %s: %s", (pattern, name, expected) => {
    expect(patternRegExp(pattern.split("/")).test(name)).toBe(expected);
  });
});

describe("compileFilePattern", () => {
  it("makes patterns relative to the task directory, with the literal directories as the base", () => {
    expect(compileFilePattern("out/*.txt")).toEqual({
      base: ["wd", "out"],
      rest: ["*.txt"],
      hasWildcards: true,
    });
    expect(compileFilePattern("../std*.txt")).toEqual({ base: [], rest: ["std*.txt"], hasWildcards: true });
    expect(compileFilePattern("./a/../result.txt")).toEqual({
      base: ["wd"],
      rest: ["result.txt"],
      hasWildcards: false,
    });
  });

  it("refuses patterns that climb above the task directory, are absolute, or climb out of a wildcard", () => {
    expect(() => compileFilePattern("../../etc/passwd")).toThrow(/above the task directory/);
    expect(() => compileFilePattern("/etc/passwd")).toThrow(/absolute/);
    expect(() => compileFilePattern("*/../x")).toThrow(/after a wildcard/);
  });
});

describe("findMatchingFiles", () => {
  const taskDir = fs.mkdtempSync(path.join(os.tmpdir(), "openbatch-pattern-"));

  beforeAll(() => {
    for (const file of [
      "stdout.txt",
      "stderr.txt",
      "wd/a.txt",
      "wd/out/b.txt",
      "wd/out/deep/c.txt",
      "wd/out/.d.txt",
    ]) {
      fs.mkdirSync(path.dirname(path.join(taskDir, file)), { recursive: true });
      fs.writeFileSync(path.join(taskDir, file), file);
    }
    fs.symlinkSync("/etc", path.join(taskDir, "wd/out/etc-link"));
    fs.symlinkSync("/etc/hostname", path.join(taskDir, "wd/out/host.txt"));
  });
  afterAll(() => fs.rmSync(taskDir, { recursive: true, force: true }));

  const names = async (pattern: string) =>
    (await findMatchingFiles(compileFilePattern(pattern), taskDir)).map((m) => m.name);

  it("finds regular files only, never following symbolic links", async () => {
    expect(await names("out/**/*.txt")).toEqual(["b.txt", "deep/c.txt"]);
    expect(await names("**/*")).toEqual(["a.txt", "out/b.txt", "out/deep/c.txt"]);
    expect(await names("out/*")).toEqual(["b.txt"]);
  });

  it("reaches the task directory's stdout.txt and stderr.txt with ../", async () => {
    expect(await names("../std*.txt")).toEqual(["stderr.txt", "stdout.txt"]);
    expect(await names("../stdout.txt")).toEqual(["stdout.txt"]);
  });

  it("matches nothing, without failing, where nothing is", async () => {
    expect(await names("missing.txt")).toEqual([]);
    expect(await names("nodir/*.txt")).toEqual([]);
  });

  it("names uploads: path is the name for one file, a virtual directory for a pattern", async () => {
    const one = compileFilePattern("out/b.txt");
    const [file] = await findMatchingFiles(one, taskDir);
    expect(uploadName(one, file!, undefined)).toBe("b.txt");
    expect(uploadName(one, file!, "renamed.txt")).toBe("renamed.txt");
    const many = compileFilePattern("out/**/*.txt");
    const deep = (await findMatchingFiles(many, taskDir))[1]!;
    expect(uploadName(many, deep, undefined)).toBe("deep/c.txt");
    expect(uploadName(many, deep, "results/")).toBe("results/deep/c.txt");
    expect(uploadName(many, deep, "results")).toBe("results/deep/c.txt");
  });
});
