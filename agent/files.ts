/**
 * Answers the service's `fileRequest` (list, stat, read) for files under the node root, for the REST
 * "files from compute node / task" operations. A path that escapes the root — `..`, absolute, or a
 * symlink resolving outside — is refused with `InvalidPropertyValue`; the agent's own `.agent/` state
 * is invisible (`FileNotFound`).
 */
import type { Stats } from "node:fs";
import { lstat, open, readdir, realpath, stat } from "node:fs/promises";
import { join, sep } from "node:path";
import type { FileEntry, FileRequestMessage, FileResponseMessage } from "../protocol/agent.js";
import { AGENT_STATE_DIR } from "./nodeDirectories.js";

/** The largest range one `read` returns; the service pages larger files with ocp-range. */
export const MAX_READ_BYTES = 16 * 1024 * 1024;

export type FileAnswer = Omit<FileResponseMessage, "protocolVersion" | "requestId">;

type FileErrorCode = "FileNotFound" | "InvalidRange" | "InvalidPropertyValue";

class FileRequestError extends Error {
  constructor(
    readonly code: FileErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Splits a request path into its segments, refusing what can never be inside the root. `""` and `"."`
 * name the root itself.
 */
export function pathSegments(path: string): string[] {
  if (path.includes("\0"))
    throw new FileRequestError("InvalidPropertyValue", "The path contains a NUL byte.");
  if (path.startsWith("/") || path.startsWith("\\") || /^[A-Za-z]:/.test(path)) {
    throw new FileRequestError(
      "InvalidPropertyValue",
      `The path '${path}' is absolute; give it relative to the node root.`,
    );
  }
  const segments = path.split("/").filter((s) => s !== "" && s !== ".");
  if (segments.includes("..")) {
    throw new FileRequestError(
      "InvalidPropertyValue",
      `The path '${path}' contains '..'; paths must stay inside the node root.`,
    );
  }
  return segments;
}

/** Whether `candidate` (a real path) is `root` (a real path) or inside it, and not agent state. */
export function isVisibleInside(root: string, candidate: string): boolean {
  if (candidate !== root && !candidate.startsWith(root + sep)) return false;
  const state = join(root, AGENT_STATE_DIR);
  return candidate !== state && !candidate.startsWith(state + sep);
}

/** Resolves a request path to a real path inside `root` (which must itself be a real path). */
export async function resolveInsideRoot(root: string, path: string): Promise<string> {
  const segments = pathSegments(path);
  if (segments[0] === AGENT_STATE_DIR) throw notFound(path);
  let real: string;
  try {
    real = await realpath(join(root, ...segments));
  } catch {
    throw notFound(path);
  }
  if (real !== root && !real.startsWith(root + sep)) {
    throw new FileRequestError(
      "InvalidPropertyValue",
      `The path '${path}' resolves outside the node root; it is not served.`,
    );
  }
  if (!isVisibleInside(root, real)) throw notFound(path);
  return real;
}

/** Answers one request; never throws for a bad request (the answer carries the error). */
export async function answerFileRequest(root: string, request: FileRequestMessage): Promise<FileAnswer> {
  const base = { type: "fileResponse", replyTo: request.requestId } as const;
  try {
    const real = await resolveInsideRoot(root, request.path);
    const stats = await stat(real);
    const name = pathSegments(request.path).join("/");
    switch (request.op) {
      case "stat":
        return { ...base, ok: true, file: fileEntry(name, stats) };
      case "list": {
        if (!stats.isDirectory()) {
          throw new FileRequestError(
            "InvalidPropertyValue",
            `'${request.path}' is a file; list a directory, or stat the file.`,
          );
        }
        const entries = await listDirectory(root, real, "", request.recursive ?? false);
        entries.sort((a, b) => a.name.localeCompare(b.name));
        return { ...base, ok: true, entries };
      }
      case "read": {
        if (stats.isDirectory()) {
          throw new FileRequestError(
            "InvalidPropertyValue",
            `'${request.path}' is a directory; list it instead.`,
          );
        }
        const data = await readRange(real, stats.size, request.rangeStart, request.rangeEnd);
        return { ...base, ok: true, file: fileEntry(name, stats), data: data.toString("base64") };
      }
    }
  } catch (error) {
    if (!(error instanceof FileRequestError)) {
      return {
        ...base,
        ok: false,
        errorCode: "FileNotFound",
        errorMessage: `The file could not be read: ${String(error)}`,
      };
    }
    return { ...base, ok: false, errorCode: error.code, errorMessage: error.message };
  }
}

async function listDirectory(
  root: string,
  directory: string,
  prefix: string,
  recursive: boolean,
): Promise<FileEntry[]> {
  const entries: FileEntry[] = [];
  for (const dirent of await readdir(directory, { withFileTypes: true })) {
    const full = join(directory, dirent.name);
    const name = prefix + dirent.name;
    let stats: Stats;
    try {
      if (dirent.isSymbolicLink()) {
        // A link is listed as what it points to, only when that is inside the root, and never descended into.
        const target = await realpath(full);
        if (!isVisibleInside(root, target)) continue;
        entries.push(fileEntry(name, await stat(target)));
        continue;
      }
      if (!isVisibleInside(root, full)) continue;
      stats = await lstat(full);
    } catch {
      continue; // vanished or dangling while listing
    }
    entries.push(fileEntry(name, stats));
    if (recursive && stats.isDirectory())
      entries.push(...(await listDirectory(root, full, `${name}/`, true)));
  }
  return entries;
}

async function readRange(
  path: string,
  size: number,
  rangeStart?: number,
  rangeEnd?: number,
): Promise<Buffer> {
  const start = rangeStart ?? 0;
  if (size === 0 && rangeStart === undefined) return Buffer.alloc(0);
  if (start >= size) {
    throw new FileRequestError(
      "InvalidRange",
      `The range starts at byte ${start}, beyond the file's ${size} bytes.`,
    );
  }
  const end = Math.min(rangeEnd ?? size - 1, size - 1);
  if (end < start)
    throw new FileRequestError("InvalidRange", `The range ends (${end}) before it starts (${start}).`);
  const length = end - start + 1;
  if (length > MAX_READ_BYTES) {
    throw new FileRequestError(
      "InvalidRange",
      `The range is ${length} bytes; read at most ${MAX_READ_BYTES} bytes at a time, using ocp-range to page through the file.`,
    );
  }
  const handle = await open(path, "r");
  try {
    const buffer = Buffer.alloc(length);
    const { bytesRead } = await handle.read(buffer, 0, length, start);
    return buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

function fileEntry(name: string, stats: Stats): FileEntry {
  // Not every filesystem records a birth time; the inode change time is the closest stand-in.
  const created = stats.birthtimeMs > 0 ? stats.birthtime : stats.ctime;
  return {
    name,
    isDirectory: stats.isDirectory(),
    contentLength: stats.isDirectory() ? 0 : stats.size,
    creationTime: created.toISOString(),
    lastModified: stats.mtime.toISOString(),
    fileMode: `0o${stats.mode.toString(8)}`,
  };
}

function notFound(path: string): FileRequestError {
  return new FileRequestError("FileNotFound", `The file '${path}' does not exist on the node.`);
}
