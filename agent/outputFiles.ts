/**
 * Uploads a dispatch's output files after its process exited: each output file whose
 * `uploadCondition` matches the outcome (`taskSuccess`: exit code 0, `taskFailure`: anything else,
 * `taskCompletion`: either) uploads every file its pattern matches, to an Azure Blob container URL
 * (the account's store included) or an S3 bucket. A pattern that matches nothing uploads nothing.
 *
 * A failed upload does not stop the others; the first few are reported in one FailureReport (category
 * usererror, stage fileUpload, code `FileUploadFailed`) whose message names the destination URL (without
 * its token), the file and the server's answer. The process's exit code is reported all the same.
 */
import type { DispatchOutputFile, FailureReport } from "../protocol/agent.js";
import { BlobContainer } from "./blobContainer.js";
import { compileFilePattern, findMatchingFiles, uploadName } from "./filePattern.js";
import { TransferError } from "./httpTransfer.js";
import { errorText } from "./log.js";
import { S3Bucket } from "./s3Bucket.js";

/** How many failed uploads the failure message spells out. */
const MAX_FAILURES_SHOWN = 3;

/** Where an output file goes: names are blob names or object keys. */
interface UploadDestination {
  path: string | undefined;
  upload(name: string, file: string): Promise<void>;
  describe(name: string): string;
}

function destinationOf(destination: DispatchOutputFile["destination"]): UploadDestination {
  if ("container" in destination) {
    const { containerUrl, path, uploadHeaders } = destination.container;
    const container = new BlobContainer(containerUrl);
    const headers = Object.fromEntries((uploadHeaders ?? []).map((h) => [h.name, h.value ?? ""]));
    return {
      path,
      upload: (name, file) => container.upload(name, file, headers),
      describe: (name) => container.describe(name),
    };
  }
  const bucket = new S3Bucket(destination.s3);
  return {
    path: destination.s3.path,
    upload: (name, file) => bucket.upload(name, file),
    describe: (name) => bucket.describe(name),
  };
}

/** Uploads what the outcome calls for; `succeeded` is exit code 0 without a failure. */
export async function uploadOutputFiles(
  files: readonly DispatchOutputFile[] | undefined,
  taskDir: string,
  succeeded: boolean,
): Promise<FailureReport | undefined> {
  const failures: string[] = [];
  for (const file of files ?? []) {
    const wanted =
      file.uploadCondition === "taskCompletion" || (file.uploadCondition === "taskSuccess") === succeeded;
    if (!wanted) continue;
    const destination = destinationOf(file.destination);
    try {
      const pattern = compileFilePattern(file.filePattern);
      for (const match of await findMatchingFiles(pattern, taskDir)) {
        const name = uploadName(pattern, match, destination.path);
        try {
          await destination.upload(name, match.path);
        } catch (error) {
          const reason = error instanceof TransferError ? error.message : errorText(error);
          failures.push(`uploading ${match.path} to ${destination.describe(name)} failed: ${reason}`);
        }
      }
    } catch (error) {
      failures.push(`output file pattern '${file.filePattern}': ${errorText(error)}`);
    }
  }
  if (failures.length === 0) return undefined;
  const shown = failures.slice(0, MAX_FAILURES_SHOWN).join("; ");
  const others =
    failures.length > MAX_FAILURES_SHOWN ? ` (and ${failures.length - MAX_FAILURES_SHOWN} more)` : "";
  return {
    category: "usererror",
    code: "FileUploadFailed",
    stage: "fileUpload",
    message:
      `Output files could not be uploaded: ${shown}${others}. Check the destination URL, ` +
      "that the container or bucket exists, and that the token or credentials allow writing.",
  };
}
