/**
 * The archives of application packages, kept as files under
 * `<data-dir>/applications/<applicationId>/<version>.<tar.gz|zip>`. An upload is streamed to
 * `<data-dir>/applications/.incoming/`, hashed (SHA-256) and measured on the way, its format taken from
 * its first bytes, and its entries checked with the same rules the agent applies
 * (protocol/archiveEntries.ts) before it is renamed into place: a refused or interrupted upload leaves
 * nothing behind, and a reader never sees half an archive.
 */
import { createHash, randomUUID } from "node:crypto";
import { createReadStream, createWriteStream, type ReadStream } from "node:fs";
import { mkdir, open, rename, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import { type Readable, Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import { findUnsafeEntry } from "../../protocol/archiveEntries.js";
import { detectPackageFormat, listArchiveEntries } from "../../protocol/archiveReading.js";
import { BatchError } from "../../protocol/errors.js";
import type { PackageFormat } from "../../protocol/rest/application.js";

export interface StoredArchive {
  format: PackageFormat;
  sha256: string;
  size: number;
}

/** A checked upload waiting to be put in place (or thrown away). */
export interface IncomingArchive extends StoredArchive {
  path: string;
}

export class PackageArchives {
  constructor(readonly directory: string) {}

  /** Where a version's archive is kept. */
  path(applicationId: string, version: string, format: PackageFormat): string {
    return join(this.directory, applicationId, `${version}.${format}`);
  }

  /**
   * Writes `body` aside and checks it: a tar.gz or zip (as `declared`, when the content type said so),
   * readable, every entry safe. Refuses with `InvalidApplicationPackage` otherwise.
   */
  async receive(body: Readable, declared: PackageFormat | undefined, what: string): Promise<IncomingArchive> {
    const incoming = join(this.directory, ".incoming");
    await mkdir(incoming, { recursive: true });
    const path = join(incoming, randomUUID());
    const hash = createHash("sha256");
    let size = 0;
    const measure = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        hash.update(chunk);
        size += chunk.length;
        done(null, chunk);
      },
    });
    try {
      await pipeline(body, measure, createWriteStream(path));
      const format = await checkArchive(path, declared, what);
      return { path, format, sha256: hash.digest("hex"), size };
    } catch (error) {
      await rm(path, { force: true });
      throw error;
    }
  }

  /** Puts a received archive in place as the version's, replacing what was there (in either format). */
  async install(incoming: IncomingArchive, applicationId: string, version: string): Promise<void> {
    await mkdir(join(this.directory, applicationId), { recursive: true });
    await rename(incoming.path, this.path(applicationId, version, incoming.format));
    const other: PackageFormat = incoming.format === "zip" ? "tar.gz" : "zip";
    await rm(this.path(applicationId, version, other), { force: true });
  }

  async discard(incoming: IncomingArchive): Promise<void> {
    await rm(incoming.path, { force: true });
  }

  async read(
    applicationId: string,
    version: string,
    format: PackageFormat,
  ): Promise<{ stream: ReadStream; size: number }> {
    const path = this.path(applicationId, version, format);
    const info = await stat(path).catch(() => undefined);
    if (!info?.isFile())
      throw new BatchError(
        "ApplicationPackageNotFound",
        `The archive of version ${version} of application ${applicationId} is missing from the data directory; upload it again.`,
      );
    return { stream: createReadStream(path), size: info.size };
  }

  async delete(applicationId: string, version?: string): Promise<void> {
    if (version === undefined) {
      await rm(join(this.directory, applicationId), { recursive: true, force: true });
      return;
    }
    for (const format of ["tar.gz", "zip"] as const)
      await rm(this.path(applicationId, version, format), { force: true });
  }
}

async function checkArchive(
  path: string,
  declared: PackageFormat | undefined,
  what: string,
): Promise<PackageFormat> {
  const head = Buffer.alloc(4);
  const file = await open(path, "r");
  try {
    await file.read(head, 0, 4, 0);
  } finally {
    await file.close();
  }
  const format = detectPackageFormat(head);
  if (!format)
    throw new BatchError(
      "InvalidApplicationPackage",
      `${what} is neither a gzip-compressed tar file nor a zip file (judged by its first bytes); upload a .tar.gz or a .zip.`,
    );
  if (declared && declared !== format)
    throw new BatchError(
      "InvalidApplicationPackage",
      `${what} was sent as ${declared} but its content is ${format}; fix the Content-Type or the file.`,
    );
  let entries: Awaited<ReturnType<typeof listArchiveEntries>>;
  try {
    entries = await listArchiveEntries(path, format);
  } catch (error) {
    throw new BatchError(
      "InvalidApplicationPackage",
      `${what} cannot be read as a ${format} archive (${error instanceof Error ? error.message : String(error)}); check that the file is complete.`,
    );
  }
  const unsafe = findUnsafeEntry(entries);
  if (unsafe)
    throw new BatchError(
      "InvalidApplicationPackage",
      `${what} has an unsafe entry '${unsafe.path}': it ${unsafe.reason}. Rebuild the archive with relative paths that stay inside it.`,
      [
        { key: "EntryPath", value: unsafe.path },
        { key: "Reason", value: unsafe.reason },
      ],
    );
  return format;
}
