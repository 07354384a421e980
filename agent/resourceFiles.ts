/**
 * Downloads a dispatch's resource files into the task's working directory before its command runs
 * (on every run, retries included). An `httpUrl` is one GET to `filePath`; a `storageContainerUrl`
 * (which an account-store `autoStorageContainerName` has become on the service) lists the blobs under
 * `blobPrefix` and downloads each to `filePath/<blob name>`, keeping the blob's whole name as Azure does.
 * `fileMode` (octal) is applied to every file downloaded.
 *
 * The first failure stops the downloads and the task, as a FailureReport (category usererror, stage
 * preProcessing) whose message names the URL:
 * - `BlobNotFound`: the URL or blob answered 404, or no blob of the container matched.
 * - `ContainerNotFound`: the container does not exist.
 * - `BlobAccessDenied`: 401/403, a SAS token without read and list permissions, or expired.
 * - `ResourceFilePathInvalid`: a path (`filePath`, a blob name) that leaves the working directory.
 * - `ResourceFileDownloadFailed`: anything else (another status, the server unreachable, a disk error).
 */
import { mkdir, realpath } from "node:fs/promises";
import { basename, dirname, join, sep } from "node:path";
import type { DispatchResourceFile, FailureReport } from "../protocol/agent.js";
import { escapeReason } from "../protocol/storagePaths.js";
import { BlobContainer } from "./blobContainer.js";
import { displayUrl, downloadTo, TransferError } from "./httpTransfer.js";
import { errorText } from "./log.js";

class ResourceFileError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** Downloads every file, or returns the failure that stopped them. */
export async function downloadResourceFiles(
  files: readonly DispatchResourceFile[] | undefined,
  workingDir: string,
): Promise<FailureReport | undefined> {
  for (const file of files ?? []) {
    try {
      await downloadResourceFile(file, workingDir);
    } catch (error) {
      return { category: "usererror", stage: "preProcessing", ...describeFailure(file, error) };
    }
  }
  return undefined;
}

async function downloadResourceFile(file: DispatchResourceFile, workingDir: string): Promise<void> {
  const mode = file.fileMode === undefined ? undefined : Number.parseInt(file.fileMode, 8);
  if (file.httpUrl !== undefined) {
    const target = await targetInside(workingDir, file.filePath ?? "");
    await downloadTo(new URL(file.httpUrl), target, { mode });
    return;
  }
  const container = new BlobContainer(file.storageContainerUrl ?? "");
  let downloaded = 0;
  for await (const name of container.list(file.blobPrefix ?? "")) {
    const target = await targetInside(workingDir, file.filePath ? `${file.filePath}/${name}` : name);
    await container.download(name, target, mode);
    downloaded++;
  }
  if (downloaded === 0) {
    const which = file.blobPrefix ? `whose name starts with '${file.blobPrefix}'` : "at all";
    throw new ResourceFileError(
      "BlobNotFound",
      `The container ${container.describe()} has no blob ${which}; upload the files first or fix blobPrefix.`,
    );
  }
}

/**
 * The absolute path for `relative` under the working directory, its parent directories created. Refuses
 * `..`, absolute paths, and parents that resolve outside (a symlink left by an earlier run).
 */
async function targetInside(workingDir: string, relative: string): Promise<string> {
  const reason = escapeReason(relative) ?? (relative === "" ? "is empty" : undefined);
  if (reason) {
    throw new ResourceFileError(
      "ResourceFilePathInvalid",
      `The path '${relative}' ${reason}; resource files must stay inside the task's working directory.`,
    );
  }
  const target = join(workingDir, relative);
  await mkdir(dirname(target), { recursive: true });
  const [root, parent] = await Promise.all([realpath(workingDir), realpath(dirname(target))]);
  if (parent !== root && !parent.startsWith(root + sep)) {
    throw new ResourceFileError(
      "ResourceFilePathInvalid",
      `The path '${relative}' leads through a symbolic link to ${parent}, outside the task's working directory; remove the link.`,
    );
  }
  return join(parent, basename(target));
}

function describeFailure(file: DispatchResourceFile, error: unknown): { code: string; message: string } {
  const source = file.httpUrl ?? file.storageContainerUrl ?? "";
  if (error instanceof ResourceFileError) return { code: error.code, message: error.message };
  if (!(error instanceof TransferError)) {
    return {
      code: "ResourceFileDownloadFailed",
      message: `Downloading the resource file from ${displayUrl(source)} failed: ${errorText(error)}.`,
    };
  }
  const what = `Downloading the resource file ${error.url} failed: ${error.message}`;
  if (error.status === 404 && error.storageCode === "ContainerNotFound")
    return {
      code: "ContainerNotFound",
      message: `${what}. Check the container URL; the container must exist.`,
    };
  if (error.status === 404)
    return { code: "BlobNotFound", message: `${what}. Check the URL; the file must exist there.` };
  if (error.status === 401 || error.status === 403) {
    return {
      code: "BlobAccessDenied",
      message: `${what}. The URL's token must grant read (and list, for a container) and must not have expired.`,
    };
  }
  const advice =
    error.status === undefined
      ? "Check that the server is reachable from the node."
      : "Check the URL and the server.";
  return { code: "ResourceFileDownloadFailed", message: `${what}. ${advice}` };
}
