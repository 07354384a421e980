import type { List } from "../protocol/rest/common.js";
import type {
  ComputeNode,
  NodeDisableSchedulingOption,
  NodeFile,
  NodeRebootOption,
  NodeReimageOption,
  NodeRemoveParameter,
  UploadBatchServiceLogsConfiguration,
  UploadBatchServiceLogsResult,
} from "../protocol/rest/node.js";
import type { PoolNodeCounts } from "../protocol/rest/nodeCounts.js";
import { type FileListOptions, FileOperations, type FileProperties, type FileReadOptions } from "./files.js";
import { type BatchHttp, batchPath } from "./http.js";
import { type ListOptions, listAll, listPage, type PageOptions } from "./paging.js";

/** Compute nodes of a pool, and the files on them. */
export class NodeOperations {
  private readonly files: FileOperations;

  constructor(private readonly http: BatchHttp) {
    this.files = new FileOperations(http);
  }

  /** `GET /pools/{poolId}/nodes`, following `odata.nextLink` across pages. */
  list(poolId: string, options?: ListOptions): AsyncGenerator<ComputeNode> {
    return listAll<ComputeNode>(this.http, batchPath`/pools/${poolId}/nodes`, options);
  }

  listPage(poolId: string, options?: PageOptions): Promise<List<ComputeNode>> {
    return listPage<ComputeNode>(this.http, batchPath`/pools/${poolId}/nodes`, options);
  }

  get(poolId: string, nodeId: string): Promise<ComputeNode> {
    return this.http.json<ComputeNode>({ method: "GET", path: batchPath`/pools/${poolId}/nodes/${nodeId}` });
  }

  /** `POST /pools/{poolId}/nodes/{nodeId}/reboot` (202): what happens to its running tasks is `option` (default requeue). */
  async reboot(poolId: string, nodeId: string, option?: NodeRebootOption): Promise<void> {
    await this.http.send({
      method: "POST",
      path: batchPath`/pools/${poolId}/nodes/${nodeId}/reboot`,
      body: option ? { nodeRebootOption: option } : undefined,
    });
  }

  /**
   * `POST /pools/{poolId}/nodes/{nodeId}/reimage` (202): as a reboot, but the node's directories are
   * wiped; `option` says what happens to its running tasks (default requeue).
   */
  async reimage(poolId: string, nodeId: string, option?: NodeReimageOption): Promise<void> {
    await this.http.send({
      method: "POST",
      path: batchPath`/pools/${poolId}/nodes/${nodeId}/reimage`,
      body: option ? { nodeReimageOption: option } : undefined,
    });
  }

  /**
   * `POST /pools/{poolId}/nodes/{nodeId}/uploadbatchservicelogs` (200): the node's agent uploads its log
   * files that hold entries from `startTime` (to `endTime`, default now) to `containerUrl` (a SAS URL
   * granting write), or without one to the account file store's container `batch-service-logs`.
   */
  uploadBatchServiceLogs(
    poolId: string,
    nodeId: string,
    configuration: UploadBatchServiceLogsConfiguration,
  ): Promise<UploadBatchServiceLogsResult> {
    return this.http.json<UploadBatchServiceLogsResult>({
      method: "POST",
      path: batchPath`/pools/${poolId}/nodes/${nodeId}/uploadbatchservicelogs`,
      body: configuration,
    });
  }

  /**
   * `POST /openbatch/pools/{poolId}/nodes/{nodeId}/preempt` (202, an OpenBatch extension): a
   * low-priority node of a local pool is preempted as Azure preempts Spot VMs: its running tasks are
   * requeued, it is `preempted`, and it comes back later on a fresh machine.
   */
  async preempt(poolId: string, nodeId: string): Promise<void> {
    await this.http.send({
      method: "POST",
      path: batchPath`/openbatch/pools/${poolId}/nodes/${nodeId}/preempt`,
    });
  }

  /**
   * `GET /nodecounts`: every pool's dedicated and low-priority nodes counted by state; one pool's with
   * `{ filter: "poolId eq 'p1'" }`.
   */
  listCounts(options?: ListOptions): AsyncGenerator<PoolNodeCounts> {
    return listAll<PoolNodeCounts>(this.http, "/nodecounts", options);
  }

  /**
   * `POST /pools/{poolId}/nodes/{nodeId}/disablescheduling` (200): the node takes no new task; its
   * running tasks are requeued (default), terminated, or left to finish (`taskcompletion`).
   */
  async disableScheduling(
    poolId: string,
    nodeId: string,
    option?: NodeDisableSchedulingOption,
  ): Promise<void> {
    await this.http.send({
      method: "POST",
      path: batchPath`/pools/${poolId}/nodes/${nodeId}/disablescheduling`,
      body: option ? { nodeDisableSchedulingOption: option } : undefined,
    });
  }

  /** `POST /pools/{poolId}/nodes/{nodeId}/enablescheduling` (200): the node takes tasks again. */
  async enableScheduling(poolId: string, nodeId: string): Promise<void> {
    await this.http.send({
      method: "POST",
      path: batchPath`/pools/${poolId}/nodes/${nodeId}/enablescheduling`,
    });
  }

  /**
   * `POST /pools/{poolId}/removenodes` (202): exactly these nodes leave (up to 100 a call) and the
   * pool's targets drop by as many.
   */
  async remove(poolId: string, parameters: NodeRemoveParameter): Promise<void> {
    await this.http.send({ method: "POST", path: batchPath`/pools/${poolId}/removenodes`, body: parameters });
  }

  /** `GET /pools/{poolId}/nodes/{nodeId}/files?recursive=`: paths relative to the node root. */
  listFiles(poolId: string, nodeId: string, options: FileListOptions = {}): AsyncGenerator<NodeFile> {
    return this.files.list(filesPath(poolId, nodeId), options);
  }

  /** `GET /pools/{poolId}/nodes/{nodeId}/files/{filePath}`: the file's bytes (or the requested range). */
  getFile(
    poolId: string,
    nodeId: string,
    filePath: string,
    options: FileReadOptions = {},
  ): Promise<Uint8Array> {
    return this.files.bytes(filesPath(poolId, nodeId), filePath, options);
  }

  /** The file decoded as UTF-8, e.g. `getFileText(pool, node, "startup/stdout.txt")`. */
  getFileText(
    poolId: string,
    nodeId: string,
    filePath: string,
    options: FileReadOptions = {},
  ): Promise<string> {
    return this.files.text(filesPath(poolId, nodeId), filePath, options);
  }

  /** `HEAD /pools/{poolId}/nodes/{nodeId}/files/{filePath}`. */
  getFileProperties(poolId: string, nodeId: string, filePath: string): Promise<FileProperties> {
    return this.files.properties(filesPath(poolId, nodeId), filePath);
  }
}

function filesPath(poolId: string, nodeId: string): string {
  return batchPath`/pools/${poolId}/nodes/${nodeId}/files`;
}
