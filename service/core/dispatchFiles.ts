/**
 * A task's `resourceFiles` and `outputFiles` as its dispatch carries them: what names the account's
 * file store (`autoStorageContainerName`, `destination.autoStorage`) becomes a container URL on this
 * service with a token (protocol/storageToken.ts) granting only what the run needs — read and list for
 * resource files, write for output files — until the run's deadline, so the agent needs no key and
 * one Blob client for every container.
 */
import type { DispatchOutputFile, DispatchResourceFile } from "../../protocol/agent.js";
import type { TaskFiles } from "../../protocol/rest/taskFiles.js";
import { containerUrl } from "../../protocol/storageToken.js";
import type { AccountConfig } from "./context.js";

/** How long a token outlives the run's maxWallClockTime (or, without one, how long it lasts), for retries of uploads and slow starts. */
const TOKEN_MARGIN_MS = 24 * 60 * 60 * 1000;
const TOKEN_LIFETIME_WITHOUT_LIMIT_MS = 30 * 24 * 60 * 60 * 1000;

export interface DispatchFiles {
  resourceFiles?: DispatchResourceFile[];
  outputFiles?: DispatchOutputFile[];
}

export function dispatchFiles(
  files: TaskFiles,
  config: Pick<AccountConfig, "accountName" | "accountKey" | "endpoint">,
  maxWallClockTimeMs: number | undefined,
  now = Date.now(),
): DispatchFiles {
  const lifetime =
    maxWallClockTimeMs === undefined ? TOKEN_LIFETIME_WITHOUT_LIMIT_MS : maxWallClockTimeMs + TOKEN_MARGIN_MS;
  const expiresOn = new Date(now + lifetime).toISOString();
  const storeUrl = (container: string, permissions: string) =>
    containerUrl(config.endpoint, config.accountKey, {
      accountName: config.accountName,
      container,
      permissions,
      expiresOn,
    });
  const resourceFiles = files.resourceFiles?.map(
    ({ autoStorageContainerName, ...file }): DispatchResourceFile =>
      autoStorageContainerName === undefined
        ? file
        : { ...file, storageContainerUrl: storeUrl(autoStorageContainerName, "rl") },
  );
  const outputFiles = files.outputFiles?.map((file): DispatchOutputFile => {
    const { container, s3, autoStorage } = file.destination;
    const uploadCondition = file.uploadOptions.uploadCondition;
    const base = { filePattern: file.filePattern, uploadCondition };
    if (s3) return { ...base, destination: { s3 } };
    if (autoStorage) {
      const url = storeUrl(autoStorage.containerName, "w");
      return { ...base, destination: { container: { containerUrl: url, path: autoStorage.path } } };
    }
    // checkOutputFiles let through exactly one destination.
    return { ...base, destination: { container: container! } };
  });
  return { resourceFiles, outputFiles };
}
