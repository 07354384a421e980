/**
 * The safety rules for the entries of an application package (a tar.gz or zip archive), applied by
 * the service when a package is uploaded and again by the agent before it extracts one (an archive
 * can be changed behind the service's back). An archive is refused as a whole at its first unsafe
 * entry:
 * - a path that is empty, absolute, has a `..` part or a NUL byte;
 * - a path that leads through, or replaces, a symbolic link of the archive (extracting it would write
 *   wherever the link points);
 * - a symbolic link whose target, followed through the archive's own links, leaves the package folder;
 * - a hard link whose target is not a path inside the archive;
 * - anything but files, directories and links (devices, FIFOs...).
 */
import { escapeReason } from "./storagePaths.js";

export type ArchiveEntryType = "file" | "directory" | "symlink" | "hardlink" | "other";

export interface ArchiveEntry {
  /** As stored in the archive, `/`-separated. */
  path: string;
  type: ArchiveEntryType;
  /** For links: the target as stored. */
  linkTarget?: string;
  /** For `other`: what it is (`CharacterDevice`, `FIFO`...), for the message. */
  typeName?: string;
}

export interface UnsafeEntry {
  path: string;
  reason: string;
}

/** How many links one path may pass through before it counts as a loop. */
const MAX_LINK_HOPS = 40;

/** The first unsafe entry of an archive, or `undefined` when every entry stays inside its folder. */
export function findUnsafeEntry(entries: Iterable<ArchiveEntry>): UnsafeEntry | undefined {
  const checker = new ArchiveEntryChecker();
  for (const entry of entries) {
    const unsafe = checker.check(entry);
    if (unsafe) return unsafe;
  }
  return undefined;
}

/** Checks entries one at a time, in archive order (for extracting as they stream by). */
export class ArchiveEntryChecker {
  /** The archive's symbolic links so far, by normalised path: what a later entry could pass through. */
  readonly #links = new Map<string, string>();

  check(entry: ArchiveEntry): UnsafeEntry | undefined {
    const reason = entryProblem(entry, this.#links);
    if (reason) return { path: entry.path, reason };
    if (entry.type === "symlink") this.#links.set(partsOf(entry.path).join("/"), entry.linkTarget ?? "");
    return undefined;
  }
}

function entryProblem(entry: ArchiveEntry, links: ReadonlyMap<string, string>): string | undefined {
  const pathReason = relativePathProblem(entry.path);
  if (pathReason) return pathReason;
  if (entry.type === "other")
    return `is a ${entry.typeName ?? "special file"}; a package may hold only files, directories and links`;
  const parts = partsOf(entry.path);
  if (links.has(parts.join("/")))
    return "replaces a symbolic link of the archive; extracting it could write where the link points";
  for (let i = 1; i < parts.length; i++) {
    if (links.has(parts.slice(0, i).join("/")))
      return `leads through the symbolic link '${parts.slice(0, i).join("/")}' of the archive; extracting it would write where the link points`;
  }
  if (entry.type === "hardlink") {
    const target = entry.linkTarget ?? "";
    const targetReason = relativePathProblem(target);
    if (targetReason) return `is a hard link whose target '${target}' ${targetReason}`;
    if (partsOf(target).some((_, i, all) => links.has(all.slice(0, i + 1).join("/"))))
      return `is a hard link to '${target}', which leads through a symbolic link of the archive`;
  }
  if (entry.type === "symlink") {
    const target = entry.linkTarget ?? "";
    if (target === "") return "is a symbolic link without a target";
    if (target.startsWith("/") || /^[A-Za-z]:/.test(target))
      return `is a symbolic link to the absolute path '${target}', outside the package folder`;
    const start = parts.slice(0, -1);
    if (resolveInside([...start, ...target.split("/")], links, 0) === undefined)
      return `is a symbolic link to '${target}', which leaves the package folder`;
  }
  return undefined;
}

/** Why `path` is not a plain relative path inside the archive, or `undefined`. */
function relativePathProblem(path: string): string | undefined {
  if (partsOf(path).length === 0) return "is empty";
  return escapeReason(path.replaceAll("\\", "/"));
}

/** The non-empty, non-`.` parts of a path (a leading `./` is common in tar files). */
function partsOf(path: string): string[] {
  return path.split("/").filter((part) => part !== "" && part !== ".");
}

/**
 * Walks `parts` from the package folder, following the archive's links, and returns the parts of the
 * place it reaches, or `undefined` when the walk leaves the folder (or loops).
 */
function resolveInside(
  parts: string[],
  links: ReadonlyMap<string, string>,
  hops: number,
): string[] | undefined {
  const at: string[] = [];
  for (const part of parts) {
    if (part === "" || part === ".") continue;
    if (part === "..") {
      if (at.length === 0) return undefined;
      at.pop();
      continue;
    }
    at.push(part);
    const target = links.get(at.join("/"));
    if (target === undefined) continue;
    if (hops >= MAX_LINK_HOPS || target.startsWith("/")) return undefined;
    at.pop();
    const resolved = resolveInside([...at, ...target.split("/")], links, hops + 1);
    if (resolved === undefined) return undefined;
    at.splice(0, at.length, ...resolved);
  }
  return at;
}
