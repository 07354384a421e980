/**
 * An output file's `filePattern`, as Azure Batch reads it on Linux: relative to the task's working
 * directory (`../stdout.txt` reaches the task directory), `/`-separated, with `*` (any characters but
 * `/`), `**` (any number of directories), `?` (one character), `[abc]` / `[a-c]` / `[!abc]` (one of, or
 * none of), and `[*]` to match a wildcard character literally. A name starting with `.` is matched only
 * by a pattern that spells the dot (`*.gif` skips `.a.gif`, `.*.gif` does not).
 *
 * Everything is relative to the task directory here: the pattern `out/*.txt` is `wd/out/*.txt`.
 */
import type { Dirent } from "node:fs";
import { lstat, readdir } from "node:fs/promises";
import { join } from "node:path";
import { filePatternProblem } from "../protocol/rest/taskFiles.js";

export interface FilePattern {
  /** The literal directories before the first wildcard, relative to the task directory. */
  base: string[];
  /** The rest of the pattern, relative to `base`. */
  rest: string[];
  /** With wildcards, `path` is a virtual directory and each file keeps its name relative to `base`. */
  hasWildcards: boolean;
}

export interface MatchedFile {
  /** Absolute path on the node. */
  path: string;
  /** Relative to the pattern's base directory, `/`-separated: the name it is uploaded under. */
  name: string;
}

const WILDCARD = /[*?[]/;

export function compileFilePattern(pattern: string): FilePattern {
  const problem = filePatternProblem(pattern);
  if (problem) throw new Error(`The file pattern '${pattern}' ${problem}.`);
  const segments = ["wd"];
  for (const segment of pattern.split("/")) {
    if (segment === "" || segment === ".") continue;
    if (segment !== "..") segments.push(segment);
    else if (WILDCARD.test(segments.at(-1) ?? ""))
      throw new Error(`The file pattern '${pattern}' has '..' after a wildcard; move the '..' before it.`);
    else segments.pop();
  }
  const firstWildcard = segments.findIndex((s) => WILDCARD.test(s));
  if (firstWildcard === -1) {
    return { base: segments.slice(0, -1), rest: segments.slice(-1), hasWildcards: false };
  }
  return { base: segments.slice(0, firstWildcard), rest: segments.slice(firstWildcard), hasWildcards: true };
}

/** The regular expression for `rest`, matched against a `/`-separated path relative to `base`. */
export function patternRegExp(rest: readonly string[]): RegExp {
  let source = "";
  rest.forEach((segment, i) => {
    const last = i === rest.length - 1;
    if (segment === "**") {
      // Any number of directories (none starting with a dot); at the end, every file below them.
      source += last ? "(?:(?!\\.)[^/]+/)*(?!\\.)[^/]+" : "(?:(?!\\.)[^/]+/)*";
      return;
    }
    source += segmentSource(segment) + (last ? "" : "/");
  });
  return new RegExp(`^${source}$`);
}

function segmentSource(segment: string): string {
  let source = /^[*?[]/.test(segment) ? "(?!\\.)" : "";
  for (let i = 0; i < segment.length; i++) {
    const c = segment[i]!;
    if (c === "*") source += "[^/]*";
    else if (c === "?") source += "[^/]";
    else if (c === "[") {
      const close = segment.indexOf("]", i + 2);
      if (close === -1) {
        source += "\\[";
        continue;
      }
      let body = segment.slice(i + 1, close);
      const negated = body.startsWith("!") || body.startsWith("^");
      if (negated) body = body.slice(1);
      source += `[${negated ? "^/" : ""}${body.replace(/[\\\]^]/g, "\\$&")}]`;
      i = close;
    } else source += c.replace(/[.+^${}()|\\\]]/g, "\\$&");
  }
  return source;
}

/**
 * The regular files under `taskDir` that `pattern` matches, sorted by name. Symbolic links are not
 * followed (neither to files nor into directories), so a match is always a file inside the task directory.
 */
export async function findMatchingFiles(pattern: FilePattern, taskDir: string): Promise<MatchedFile[]> {
  const baseDir = join(taskDir, ...pattern.base);
  if (!pattern.hasWildcards) {
    const path = join(baseDir, ...pattern.rest);
    const found = await lstat(path).catch(() => undefined);
    return found?.isFile() ? [{ path, name: pattern.rest.join("/") }] : [];
  }
  const regExp = patternRegExp(pattern.rest);
  const maxDepth = pattern.rest.includes("**") ? Number.POSITIVE_INFINITY : pattern.rest.length;
  const matches: MatchedFile[] = [];
  const walk = async (dir: string, prefix: string, depth: number): Promise<void> => {
    let entries: Dirent[];
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch {
      return; // absent or unreadable: nothing to upload from it
    }
    for (const entry of entries) {
      const name = prefix + entry.name;
      if (entry.isFile() && regExp.test(name)) matches.push({ path: join(dir, entry.name), name });
      else if (entry.isDirectory() && depth + 1 < maxDepth)
        await walk(join(dir, entry.name), `${name}/`, depth + 1);
    }
  };
  await walk(baseDir, "", 0);
  return matches.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** The blob or object name a matched file is uploaded under, given the destination's `path`. */
export function uploadName(pattern: FilePattern, file: MatchedFile, path: string | undefined): string {
  if (!pattern.hasWildcards) return path || file.name;
  const directory = path?.replace(/\/+$/, "");
  return directory ? `${directory}/${file.name}` : file.name;
}
