/** The safety rules for application package entries, on entry lists (no files). */
import { describe, expect, it } from "vitest";
import { type ArchiveEntry, findUnsafeEntry } from "../../../protocol/archiveEntries.js";

const file = (path: string): ArchiveEntry => ({ path, type: "file" });
const link = (path: string, linkTarget: string): ArchiveEntry => ({ path, type: "symlink", linkTarget });

describe("findUnsafeEntry", () => {
  it("accepts relative files, folders and links that stay inside", () => {
    expect(
      findUnsafeEntry([
        { path: "./bin/", type: "directory" },
        file("./bin/tool"),
        link("tool", "bin/tool"),
        link("bin/self", "../bin"),
        link("lib/up", "../bin/./tool"),
        { path: "hard", type: "hardlink", linkTarget: "bin/tool" },
      ]),
    ).toBeUndefined();
  });

  it.each<[string, ArchiveEntry[], string, RegExp]>([
    ["a '..' part", [file("a/../../x")], "a/../../x", /contains '\.\.'/],
    ["an absolute path", [file("/etc/passwd")], "/etc/passwd", /is absolute/],
    ["a Windows drive path", [file("C:/x")], "C:/x", /is absolute/],
    ["a backslash '..'", [file("a\\..\\..\\x")], "a\\..\\..\\x", /contains '\.\.'/],
    ["an empty path", [file("./")], "./", /is empty/],
    ["a link to an absolute path", [link("l", "/etc")], "l", /absolute path '\/etc'/],
    ["a link above the folder", [link("a/l", "../../x")], "a/l", /leaves the package folder/],
    ["a file through a link", [link("l", "sub"), file("l/x")], "l/x", /leads through the symbolic link 'l'/],
    ["a file replacing a link", [link("l", "sub"), file("l")], "l", /replaces a symbolic link/],
    [
      "a link through a chain of links",
      [link("a/b", ".."), link("c", "a/b/..")],
      "c",
      /'a\/b\/\.\.', which leaves the package folder/,
    ],
    ["a loop", [link("a", "b"), link("b", "a"), link("c", "a/x")], "c", /leaves the package folder/],
    ["a hard link outside", [{ path: "h", type: "hardlink", linkTarget: "../x" }], "h", /hard link/],
    [
      "a hard link through a symbolic link",
      [link("l", "sub"), { path: "h", type: "hardlink", linkTarget: "l/x" }],
      "h",
      /leads through a symbolic link/,
    ],
    ["a device", [{ path: "dev", type: "other", typeName: "CharacterDevice" }], "dev", /CharacterDevice/],
    ["a NUL byte", [file("a\0b")], "a\0b", /NUL/],
  ])("refuses %s", (_what, entries, path, reason) => {
    const unsafe = findUnsafeEntry(entries);
    expect(unsafe?.path).toBe(path);
    expect(unsafe?.reason).toMatch(reason);
  });
});
