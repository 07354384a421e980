/**
 * Uploading a node's service logs (Azure's `uploadbatchservicelogs`): the node's agent uploads its own
 * log files that hold entries in the time range — not the tasks' output, which the file APIs and output
 * files serve — to a container, under a virtual directory of their own, `<pool>/<node>/<unique id>/`.
 * Unlike Azure, which answers at once and uploads in the background, the answer waits for the upload,
 * so `numberOfFilesUploaded` is what is in the container.
 */
import { randomUUID } from "node:crypto";
import { BatchError, invalidPropertyValue } from "../../protocol/errors.js";
import type {
  UploadBatchServiceLogsConfiguration,
  UploadBatchServiceLogsResult,
} from "../../protocol/rest/node.js";
import { containerUrl } from "../../protocol/storageToken.js";
import type { Account } from "./account.js";

/** The account file store's container the logs go to when the request names no `containerUrl`. */
export const SERVICE_LOGS_CONTAINER = "batch-service-logs";
/** How long the write token for the account's own container lasts. */
const STORE_TOKEN_LIFETIME_MS = 60 * 60_000;

export async function uploadServiceLogs(
  account: Account,
  poolId: string,
  nodeId: string,
  params: UploadBatchServiceLogsConfiguration,
): Promise<UploadBatchServiceLogsResult> {
  const { node } = account.nodes.get(poolId, nodeId);
  if (params.identityReference)
    throw invalidPropertyValue(
      "identityReference",
      JSON.stringify(params.identityReference),
      "managed identities are not supported; give a containerUrl with a SAS token that grants write, or no containerUrl for the account's file store",
    );
  const startTime = timestamp("startTime", params.startTime);
  const endTime = params.endTime === undefined ? new Date() : timestamp("endTime", params.endTime);
  if (endTime < startTime)
    throw invalidPropertyValue("endTime", params.endTime, "it must not be before startTime");
  if (params.containerUrl !== undefined && !/^https?:\/\//.test(params.containerUrl))
    throw invalidPropertyValue(
      "containerUrl",
      "(hidden)",
      "give an absolute http(s) URL of a blob container, with a SAS token that grants write",
    );
  if (!account.nodeLink.isConnected(poolId, nodeId))
    throw new BatchError(
      "NodeNotReady",
      `Node ${nodeId} of pool ${poolId} is ${node.state} and its agent is not connected; upload its logs once it is back.`,
    );
  const target =
    params.containerUrl ??
    containerUrl(account.endpointSeenBy(poolId, nodeId), account.config.accountKey, {
      accountName: account.config.accountName,
      container: SERVICE_LOGS_CONTAINER,
      permissions: "w",
      expiresOn: new Date(Date.now() + STORE_TOKEN_LIFETIME_MS).toISOString(),
    });
  const virtualDirectoryName = `${poolId}/${nodeId}/${randomUUID()}/`;
  const answer = await account.nodeLink.uploadLogs(poolId, nodeId, {
    containerUrl: target,
    virtualDirectory: virtualDirectoryName,
    startTime: startTime.toISOString(),
    endTime: endTime.toISOString(),
  });
  if (!answer.ok)
    throw new BatchError(
      "NodeLogUploadFailed",
      `Node ${nodeId} could not upload its logs (${answer.numberOfFilesUploaded} uploaded): ${answer.errorMessage}. Check that the container exists and that the URL's token grants write and has not expired.`,
    );
  return { virtualDirectoryName, numberOfFilesUploaded: answer.numberOfFilesUploaded };
}

function timestamp(name: string, text: string): Date {
  const at = new Date(text);
  if (Number.isNaN(at.getTime())) throw invalidPropertyValue(name, text, "give an ISO 8601 date-time");
  return at;
}
