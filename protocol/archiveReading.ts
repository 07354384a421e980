/**
 * Reading application package archives: which format a file is (by its first bytes), and the entries
 * it holds, as protocol/archiveEntries.ts judges them. tar.gz through the `tar` package, zip through
 * `yauzl`. Used by the service to check an upload and by the agent before and while it extracts.
 */
import type { Readable } from "node:stream";
import { list as listTar, type ReadEntry } from "tar";
import yauzl, { type Entry as ZipEntry, type ZipFile } from "yauzl";
import type { ArchiveEntry, ArchiveEntryType } from "./archiveEntries.js";
import type { PackageFormat } from "./rest/application.js";

/** A gzip stream starts with 1f 8b; a zip file with `PK\3\4` (or `PK\5\6` when it is empty). */
export function detectPackageFormat(head: Uint8Array): PackageFormat | undefined {
  if (head[0] === 0x1f && head[1] === 0x8b) return "tar.gz";
  if (head[0] === 0x50 && head[1] === 0x4b && (head[2] === 3 || head[2] === 5) && head[3] === head[2] + 1)
    return "zip";
  return undefined;
}

/** Every entry of the archive at `file`, in archive order; rejects when it is not a readable archive of `format`. */
export async function listArchiveEntries(file: string, format: PackageFormat): Promise<ArchiveEntry[]> {
  const entries: ArchiveEntry[] = [];
  if (format === "tar.gz") {
    await listTar({ file, strict: true, onReadEntry: (entry) => entries.push(tarEntry(entry)) });
    return entries;
  }
  await walkZip(file, async ({ entry }) => {
    entries.push(entry);
  });
  return entries;
}

/** What a tar entry is, in the terms of archiveEntries.ts. */
export function tarEntry(entry: ReadEntry): ArchiveEntry {
  return {
    path: entry.path,
    type: tarEntryType(entry.type),
    linkTarget: entry.linkpath,
    typeName: entry.type,
  };
}

function tarEntryType(type: string): ArchiveEntryType {
  switch (type) {
    case "File":
    case "OldFile":
    case "ContiguousFile":
      return "file";
    case "Directory":
      return "directory";
    case "SymbolicLink":
      return "symlink";
    case "Link":
      return "hardlink";
    default:
      return "other";
  }
}

/** Unix file types kept in the upper half of a zip entry's external attributes. */
const S_IFMT = 0o170000;
const S_IFLNK = 0o120000;
const S_IFREG = 0o100000;
const S_IFDIR = 0o040000;
/** A symbolic link's target is its content; longer than this is not a path. */
const MAX_LINK_TARGET = 4096;

export interface ZipVisit {
  entry: ArchiveEntry;
  /** The Unix permission bits, when the archive recorded them. */
  mode?: number;
  /** The entry's content (for files). */
  open: () => Promise<Readable>;
}

/**
 * Calls `visit` for each entry of the zip file, one at a time, in archive order. Names are decoded
 * here rather than by yauzl, whose own check would stop at an unsafe name with a vaguer message.
 */
export async function walkZip(file: string, visit: (entry: ZipVisit) => Promise<void>): Promise<void> {
  const zip = await new Promise<ZipFile>((resolve, reject) =>
    yauzl.open(file, { lazyEntries: true, decodeStrings: false, autoClose: true }, (error, opened) =>
      error ? reject(error) : resolve(opened),
    ),
  );
  const open = (entry: ZipEntry) =>
    new Promise<Readable>((resolve, reject) =>
      zip.openReadStream(entry, (error, stream) => (error ? reject(error) : resolve(stream))),
    );
  try {
    await new Promise<void>((resolve, reject) => {
      zip.on("error", reject);
      zip.on("end", resolve);
      zip.on("entry", (raw: ZipEntry) => {
        zipEntry(raw, open)
          .then(async (info) => {
            await visit(info);
            zip.readEntry();
          })
          .catch(reject);
      });
      zip.readEntry();
    });
  } finally {
    zip.close();
  }
}

async function zipEntry(raw: ZipEntry, open: (entry: ZipEntry) => Promise<Readable>): Promise<ZipVisit> {
  const nameBytes = raw.fileName as unknown as Buffer;
  // Bit 11: the name is UTF-8; otherwise CP437, whose ASCII half is what paths use.
  const path = nameBytes.toString((raw.generalPurposeBitFlag & 0x800) !== 0 ? "utf8" : "latin1");
  const unixMode = raw.externalFileAttributes >>> 16;
  const fileType = unixMode & S_IFMT;
  const mode = unixMode === 0 ? undefined : unixMode & 0o7777;
  const openThis = () => open(raw);
  if (path.endsWith("/") || fileType === S_IFDIR)
    return { entry: { path, type: "directory" }, mode, open: openThis };
  if (fileType === S_IFLNK) {
    const target = await readSmall(await openThis());
    return { entry: { path, type: "symlink", linkTarget: target }, mode, open: openThis };
  }
  if (fileType !== 0 && fileType !== S_IFREG)
    return {
      entry: { path, type: "other", typeName: `special file (mode ${fileType.toString(8)})` },
      mode,
      open: openThis,
    };
  return { entry: { path, type: "file" }, mode, open: openThis };
}

async function readSmall(stream: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream) {
    size += (chunk as Buffer).length;
    if (size > MAX_LINK_TARGET) {
      stream.destroy();
      throw new Error(`a symbolic link's target is longer than ${MAX_LINK_TARGET} bytes`);
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString("utf8");
}
