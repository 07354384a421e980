/**
 * Files in and out of a task, with Azure Batch's names: `resourceFiles` are downloaded into the task's
 * working directory before its command runs, `outputFiles` are uploaded after it exits. The schemas
 * check the shapes; `checkResourceFiles` / `checkOutputFiles` check what a schema cannot say (exactly
 * one source, paths that stay inside the task's directories) and are run on every request that carries
 * them.
 *
 * OpenBatch extensions, besides Azure's `destination.container`:
 * - `destination.s3`: an S3-compatible bucket, requests signed with AWS Signature Version 4. Its
 *   `credentials.secretAccessKey` and `sessionToken` are write-only: kept for the agent, never returned.
 * - `destination.autoStorage`: a container of the account's own file store (`openbatch storage`), the
 *   output counterpart of a resource file's `autoStorageContainerName`.
 */
import Type, { type Static } from "typebox";
import { BatchError } from "../errors.js";
import { blobNameProblem, containerNameProblem, escapeReason } from "../storagePaths.js";
import { literalUnion, strict } from "./common.js";

export const ResourceFile = Type.Object(
  {
    autoStorageContainerName: Type.Optional(
      Type.String({ description: "A container of the account's file store (openbatch storage)." }),
    ),
    storageContainerUrl: Type.Optional(
      Type.String({ description: "An Azure Blob container URL with a SAS token granting read and list." }),
    ),
    httpUrl: Type.Optional(Type.String({ description: "Any http(s) URL, fetched with a plain GET." })),
    blobPrefix: Type.Optional(
      Type.String({ description: "Only blobs whose names start with this (container sources only)." }),
    ),
    filePath: Type.Optional(
      Type.String({
        description:
          "Relative to the task's working directory: the file for httpUrl (required), the directory blobs go under for containers.",
      }),
    ),
    fileMode: Type.Optional(Type.String({ pattern: "^[0-7]{3,4}$", description: "Octal, e.g. 0755." })),
  },
  strict,
);
export type ResourceFile = Static<typeof ResourceFile>;

export const HttpHeader = Type.Object(
  { name: Type.String({ minLength: 1 }), value: Type.Optional(Type.String()) },
  strict,
);

export const OutputFileBlobContainerDestination = Type.Object(
  {
    containerUrl: Type.String({
      description: "An Azure Blob container URL with a SAS token granting write.",
    }),
    path: Type.Optional(
      Type.String({
        description:
          "The blob name for a pattern without wildcards; the virtual directory for one with them.",
      }),
    ),
    uploadHeaders: Type.Optional(Type.Array(HttpHeader)),
  },
  strict,
);
export type OutputFileBlobContainerDestination = Static<typeof OutputFileBlobContainerDestination>;

export const S3Credentials = Type.Object(
  {
    accessKeyId: Type.String({ minLength: 1 }),
    secretAccessKey: Type.Optional(
      Type.String({ minLength: 1, description: "Required when adding; write-only: never returned." }),
    ),
    sessionToken: Type.Optional(Type.String({ description: "For temporary credentials; write-only." })),
  },
  strict,
);

/** OpenBatch extension: an S3-compatible bucket. */
export const OutputFileS3Destination = Type.Object(
  {
    endpoint: Type.Optional(
      Type.String({
        description:
          "The S3 server, e.g. http://127.0.0.1:9000 (path-style requests). Absent: AWS, https://<bucket>.s3.<region>.amazonaws.com.",
      }),
    ),
    bucket: Type.String({ minLength: 1 }),
    region: Type.Optional(Type.String({ minLength: 1, description: "Signing region; default us-east-1." })),
    path: Type.Optional(
      Type.String({ description: "The object key, or key prefix for a pattern with wildcards." }),
    ),
    credentials: S3Credentials,
  },
  strict,
);
export type OutputFileS3Destination = Static<typeof OutputFileS3Destination>;

/** OpenBatch extension: a container of the account's own file store. */
export const OutputFileAutoStorageDestination = Type.Object(
  { containerName: Type.String(), path: Type.Optional(Type.String()) },
  strict,
);

export const OutputFileDestination = Type.Object(
  {
    container: Type.Optional(OutputFileBlobContainerDestination),
    s3: Type.Optional(OutputFileS3Destination),
    autoStorage: Type.Optional(OutputFileAutoStorageDestination),
  },
  strict,
);
export type OutputFileDestination = Static<typeof OutputFileDestination>;

export const outputFileUploadConditions = ["taskSuccess", "taskFailure", "taskCompletion"] as const;
export type OutputFileUploadCondition = (typeof outputFileUploadConditions)[number];

export const OutputFile = Type.Object(
  {
    filePattern: Type.String({
      minLength: 1,
      description:
        "Relative to the working directory (../ reaches the task directory, e.g. ../stdout.txt); wildcards *, **, ?, [abc], [!a-c].",
    }),
    destination: OutputFileDestination,
    uploadOptions: Type.Object({ uploadCondition: literalUnion(outputFileUploadConditions) }, strict),
  },
  strict,
);
export type OutputFile = Static<typeof OutputFile>;

/** `resourceFiles` and `outputFiles` as a task (or job manager, preparation, release task) carries them. */
export interface TaskFiles {
  resourceFiles?: ResourceFile[];
  outputFiles?: OutputFile[];
}

/** Refuses what the schema cannot: `at` names the array in the error, e.g. `resourceFiles`. */
export function checkResourceFiles(files: readonly ResourceFile[] | undefined, at = "resourceFiles"): void {
  files?.forEach((file, i) => {
    const here = `${at}[${i}]`;
    const sources = (["autoStorageContainerName", "storageContainerUrl", "httpUrl"] as const).filter(
      (name) => file[name] !== undefined,
    );
    if (sources.length !== 1) {
      throw invalid(
        here,
        JSON.stringify(file),
        `give exactly one of autoStorageContainerName, storageContainerUrl and httpUrl (it has ${sources.length}).`,
      );
    }
    if (file.httpUrl !== undefined) {
      checkUrl(`${here}.httpUrl`, file.httpUrl);
      if (file.blobPrefix !== undefined)
        throw invalid(
          `${here}.blobPrefix`,
          file.blobPrefix,
          "blobPrefix is for container sources, not httpUrl.",
        );
      if (file.filePath === undefined) throw missing(`${here}.filePath`, "an httpUrl needs the file's name");
    }
    if (file.storageContainerUrl !== undefined)
      checkUrl(`${here}.storageContainerUrl`, file.storageContainerUrl);
    if (file.autoStorageContainerName !== undefined)
      checkName(`${here}.autoStorageContainerName`, file.autoStorageContainerName, containerNameProblem);
    if (file.filePath !== undefined) {
      const reason =
        escapeReason(file.filePath) ??
        (file.httpUrl !== undefined && /(^|\/)\.?$/.test(file.filePath)
          ? "names a directory, not a file"
          : undefined);
      if (reason) throw invalid(`${here}.filePath`, file.filePath, `The path ${reason}.`);
    }
  });
}

export function checkOutputFiles(files: readonly OutputFile[] | undefined, at = "outputFiles"): void {
  files?.forEach((file, i) => {
    const here = `${at}[${i}]`;
    const patternProblem = filePatternProblem(file.filePattern);
    if (patternProblem)
      throw invalid(`${here}.filePattern`, file.filePattern, `The pattern ${patternProblem}.`);
    const { container, s3, autoStorage } = file.destination;
    const kinds = [container, s3, autoStorage].filter((d) => d !== undefined).length;
    if (kinds !== 1) {
      throw invalid(
        `${here}.destination`,
        Object.keys(file.destination).join(", "),
        `give exactly one of container, s3 and autoStorage (it has ${kinds}).`,
      );
    }
    if (container) checkUrl(`${here}.destination.container.containerUrl`, container.containerUrl);
    if (s3) {
      if (s3.endpoint !== undefined) checkUrl(`${here}.destination.s3.endpoint`, s3.endpoint);
      if (s3.credentials.secretAccessKey === undefined)
        throw missing(
          `${here}.destination.s3.credentials.secretAccessKey`,
          "the agent signs uploads with it",
        );
    }
    if (autoStorage) {
      checkName(
        `${here}.destination.autoStorage.containerName`,
        autoStorage.containerName,
        containerNameProblem,
      );
      // A trailing slash marks a virtual directory.
      if (autoStorage.path !== undefined)
        checkName(
          `${here}.destination.autoStorage.path`,
          autoStorage.path.replace(/\/+$/, ""),
          blobNameProblem,
        );
    }
  });
}

/** Why a file pattern reaches outside the task directory (the parent of the working directory), if it does. */
export function filePatternProblem(pattern: string): string | undefined {
  if (pattern.includes("\0")) return "contains a NUL byte";
  if (pattern.startsWith("/")) return "is absolute; give it relative to the task's working directory";
  let depth = 0;
  for (const segment of pattern.split("/")) {
    if (segment === "..") depth--;
    else if (segment !== "." && segment !== "") depth++;
    if (depth < -1)
      return "climbs above the task directory; '../' reaches the task directory (../stdout.txt) and no further";
  }
  return undefined;
}

/** The outputFiles as GET returns them: S3 secrets are write-only. */
export function withoutSecrets(files: readonly OutputFile[] | undefined): OutputFile[] | undefined {
  return files?.map((file) => {
    const s3 = file.destination.s3;
    if (!s3) return file;
    const { accessKeyId } = s3.credentials;
    return { ...file, destination: { s3: { ...s3, credentials: { accessKeyId } } } };
  });
}

function checkUrl(path: string, value: string): void {
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    url = undefined;
  }
  if (url?.protocol !== "http:" && url?.protocol !== "https:")
    throw invalid(path, value, "give an absolute http:// or https:// URL.");
}

function checkName(path: string, value: string, rule: (name: string) => string | undefined): void {
  const problem = rule(value);
  if (problem) throw invalid(path, value, `The name ${problem}.`);
}

function invalid(path: string, value: string, reason: string): BatchError {
  return new BatchError("InvalidPropertyValue", `The value of '${path}' is not valid: ${reason}`, [
    { key: "PropertyName", value: path },
    { key: "PropertyValue", value },
    { key: "Reason", value: reason },
  ]);
}

function missing(path: string, why: string): BatchError {
  return new BatchError("MissingRequiredProperty", `The property '${path}' is required: ${why}; add it.`, [
    { key: "PropertyName", value: path },
  ]);
}
