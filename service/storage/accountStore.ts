/**
 * The account's own file store: containers of blobs kept as plain files under
 * `<data-dir>/storage/<container>/<blob name>`. A container exists once something was uploaded to it.
 * Names are checked (protocol/storagePaths.ts) so nothing lands outside its container, and an upload
 * is written to `<data-dir>/storage/.incoming/` first and renamed into place, so a reader never sees
 * half a blob and an interrupted upload leaves nothing behind in the container.
 */
import { randomUUID } from "node:crypto";
import { createReadStream, createWriteStream, type Dirent, type ReadStream } from "node:fs";
import { mkdir, readdir, rename, rm, rmdir, stat } from "node:fs/promises";
import { dirname, join } from "node:path";
import type { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { BlobItem, BlobListPage } from "../../protocol/blobList.js";
import { BatchError } from "../../protocol/errors.js";
import { blobNameProblem, containerNameProblem } from "../../protocol/storagePaths.js";

/** Azure's default and largest page of List Blobs. */
export const MAX_LIST_RESULTS = 5000;

export interface BlobContent {
  stream: ReadStream;
  contentLength: number;
  lastModified: Date;
}

export class AccountStore {
  constructor(readonly directory: string) {}

  async list(
    container: string,
    options: { prefix?: string; marker?: string; maxResults?: number },
  ): Promise<BlobListPage> {
    const dir = await this.#existingContainer(container);
    const prefix = options.prefix ?? "";
    const names = (await filesBelow(dir))
      .filter((name) => name.startsWith(prefix) && (!options.marker || name > options.marker))
      .sort();
    const limit = Math.min(options.maxResults ?? MAX_LIST_RESULTS, MAX_LIST_RESULTS);
    const page = names.slice(0, limit);
    const blobs: BlobItem[] = await Promise.all(
      page.map(async (name) => {
        const info = await stat(join(dir, name));
        return { name, contentLength: info.size, lastModified: info.mtime.toUTCString() };
      }),
    );
    return { blobs, nextMarker: names.length > limit ? page.at(-1) : undefined };
  }

  async get(container: string, blob: string): Promise<BlobContent> {
    const path = join(await this.#existingContainer(container), checkedBlobName(blob));
    const info = await stat(path).catch(() => undefined);
    if (!info?.isFile()) throw new BatchError("BlobNotFound", `Blob '${blob}' in container '${container}'.`);
    return { stream: createReadStream(path), contentLength: info.size, lastModified: info.mtime };
  }

  /** Writes the blob from `body`, replacing one of the same name; creates the container if needed. */
  async put(container: string, blob: string, body: Readable): Promise<void> {
    const path = join(this.#containerDir(container), checkedBlobName(blob));
    const incoming = join(this.directory, ".incoming");
    await mkdir(incoming, { recursive: true });
    const temporary = join(incoming, randomUUID());
    try {
      await pipeline(body, createWriteStream(temporary));
      await mkdir(dirname(path), { recursive: true });
      await rename(temporary, path);
    } catch (error) {
      await rm(temporary, { force: true });
      const code = (error as NodeJS.ErrnoException).code;
      if (code === "EISDIR" || code === "ENOTDIR" || code === "EEXIST") {
        throw new BatchError(
          "InvalidResourceName",
          `Blob '${blob}' clashes with another blob of container '${container}': the store keeps blobs as files, so 'a' and 'a/b' cannot both exist; choose another name.`,
        );
      }
      throw error;
    }
  }

  /** Deletes the blob and the directories it leaves empty (not the container). */
  async delete(container: string, blob: string): Promise<void> {
    const dir = await this.#existingContainer(container);
    const path = join(dir, checkedBlobName(blob));
    const info = await stat(path).catch(() => undefined);
    if (!info?.isFile()) throw new BatchError("BlobNotFound", `Blob '${blob}' in container '${container}'.`);
    await rm(path);
    for (let parent = dirname(path); parent !== dir; parent = dirname(parent)) {
      if (
        !(await rmdir(parent).then(
          () => true,
          () => false,
        ))
      )
        break;
    }
  }

  #containerDir(container: string): string {
    const problem = containerNameProblem(container);
    if (problem) throw new BatchError("InvalidResourceName", `The container name '${container}' ${problem}.`);
    return join(this.directory, container);
  }

  async #existingContainer(container: string): Promise<string> {
    const dir = this.#containerDir(container);
    const info = await stat(dir).catch(() => undefined);
    if (!info?.isDirectory())
      throw new BatchError("ContainerNotFound", `Container '${container}': upload a blob to it first.`);
    return dir;
  }
}

function checkedBlobName(blob: string): string {
  const problem = blobNameProblem(blob);
  if (problem) throw new BatchError("InvalidResourceName", `The blob name '${blob}' ${problem}.`);
  return blob;
}

/** Every file below `dir`, as `/`-separated names relative to it. */
async function filesBelow(dir: string, prefix = ""): Promise<string[]> {
  const entries: Dirent[] = await readdir(dir, { withFileTypes: true });
  const names: string[] = [];
  for (const entry of entries) {
    const name = prefix + entry.name;
    if (entry.isFile()) names.push(name);
    else if (entry.isDirectory()) names.push(...(await filesBelow(join(dir, entry.name), `${name}/`)));
  }
  return names;
}
