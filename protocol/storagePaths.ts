/**
 * Names that become paths on disk: a resource file's `filePath` under a task's working directory, a
 * blob's name under a container of the account's file store, a container's name under the store.
 * Each rule returns why a name is refused (to finish the sentence "it ...") or `undefined`, so the
 * service can refuse it with an Azure error and the agent can refuse it again before writing.
 */

/** Why `path` does not stay inside the directory it is relative to: absolute, `..`, or a NUL byte. */
export function escapeReason(path: string): string | undefined {
  if (path.includes("\0")) return "contains a NUL byte";
  if (path.startsWith("/") || /^[A-Za-z]:/.test(path))
    return "is absolute; give it relative to the directory";
  if (path.split("/").includes("..")) return "contains '..'; it must stay inside the directory";
  return undefined;
}

/** Azure's rule for container names: 3 to 63 lower-case letters, digits and single hyphens, starting and ending with a letter or digit. */
const CONTAINER_NAME = /^(?=.{3,63}$)[a-z0-9]+(-[a-z0-9]+)*$/;

export function containerNameProblem(name: string): string | undefined {
  if (CONTAINER_NAME.test(name)) return undefined;
  return "is not a container name: use 3 to 63 lower-case letters, digits and single hyphens, starting and ending with a letter or digit";
}

/** Azure allows 1,024 characters; the store keeps a blob as a file, so every `/`-separated part must be a file name too. */
export function blobNameProblem(name: string): string | undefined {
  if (name.length === 0 || name.length > 1024) return "must be 1 to 1,024 characters long";
  const outside = escapeReason(name);
  if (outside) return outside;
  if (name.split("/").some((part) => part === "" || part === "."))
    return "has an empty or '.' part between slashes";
  return undefined;
}
