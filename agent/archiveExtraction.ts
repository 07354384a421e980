/**
 * Extracts an application package into a fresh directory, refusing the whole archive if any entry is
 * unsafe (protocol/archiveEntries.ts) — checked on the listing before anything is written, again per
 * entry while extracting, and on the result (every symbolic link extracted must resolve inside the
 * directory). tar.gz with the `tar` package, zip with `yauzl`. The caller extracts into a temporary
 * directory and removes it on failure, so a refused package leaves nothing behind.
 */
import { createWriteStream } from "node:fs";
import { lstat, mkdir, readdir, readlink, realpath, symlink } from "node:fs/promises";
import { dirname, join, resolve, sep } from "node:path";
import { pipeline } from "node:stream/promises";
import { extract as extractTar } from "tar";
import { type ArchiveEntry, ArchiveEntryChecker, findUnsafeEntry } from "../protocol/archiveEntries.js";
import { listArchiveEntries, tarEntry, walkZip } from "../protocol/archiveReading.js";
import type { PackageFormat } from "../protocol/rest/application.js";

export class UnsafeArchiveError extends Error {}

/** Extracts `file` into the existing, empty directory `destination`; throws UnsafeArchiveError for an unsafe entry. */
export async function extractArchive(
  file: string,
  format: PackageFormat,
  destination: string,
): Promise<void> {
  refuseUnsafe(await listArchiveEntries(file, format));
  // Again per entry while extracting, in case the file is not what was listed.
  const checker = new ArchiveEntryChecker();
  const admit = (entry: ArchiveEntry) => {
    const unsafe = checker.check(entry);
    if (unsafe) throw new UnsafeArchiveError(`the entry '${unsafe.path}' ${unsafe.reason}`);
  };
  if (format === "tar.gz") {
    let refused: unknown;
    await extractTar({
      file,
      cwd: destination,
      strict: true,
      preserveOwner: false,
      filter: (_path, entry) => {
        if (refused) return false;
        try {
          admit(tarEntry(entry as Parameters<typeof tarEntry>[0]));
          return true;
        } catch (error) {
          refused = error;
          return false;
        }
      },
    });
    if (refused) throw refused;
  } else {
    await walkZip(file, async ({ entry, mode, open }) => {
      admit(entry);
      const target = join(destination, entry.path);
      if (entry.type === "directory") {
        await mkdir(target, { recursive: true });
        return;
      }
      await mkdir(dirname(target), { recursive: true });
      if (entry.type === "symlink") await symlink(entry.linkTarget ?? "", target);
      // `wx`: never write through something already there.
      else
        await pipeline(
          await open(),
          createWriteStream(target, { flags: "wx", mode: (mode ?? 0o644) & 0o777 }),
        );
    });
  }
  await checkLinksInside(destination);
}

function refuseUnsafe(entries: ArchiveEntry[]): void {
  const unsafe = findUnsafeEntry(entries);
  if (unsafe) throw new UnsafeArchiveError(`the entry '${unsafe.path}' ${unsafe.reason}`);
}

/** Every symbolic link below `root` must point inside it (whether or not its target exists). */
async function checkLinksInside(root: string): Promise<void> {
  const realRoot = await realpath(root);
  const inside = (path: string) => path === realRoot || path.startsWith(realRoot + sep);
  const walk = async (dir: string): Promise<void> => {
    for (const name of await readdir(dir)) {
      const path = join(dir, name);
      const info = await lstat(path);
      if (info.isSymbolicLink()) {
        const lexical = resolve(dir, await readlink(path));
        const real = await realpath(path).catch(() => lexical);
        if (!inside(lexical) || !inside(real))
          throw new UnsafeArchiveError(
            `the extracted link '${path.slice(realRoot.length + 1)}' points outside the package folder`,
          );
      } else if (info.isDirectory()) await walk(path);
      else if (!info.isFile())
        throw new UnsafeArchiveError(
          `the extracted '${path.slice(realRoot.length + 1)}' is not a file, directory or link`,
        );
    }
  };
  await walk(realRoot);
}
