import type { List } from "../protocol/rest/common.js";
import type { ComputeNode, NodeFile } from "../protocol/rest/node.js";
import {
  type FileListOptions,
  type FileProperties,
  type FileReadOptions,
  filePropertiesOf,
  rangeHeaders,
} from "./files.js";
import { type BatchHttp, batchPath } from "./http.js";
import { type ListOptions, listAll, listPage, type PageOptions } from "./paging.js";

/** Compute nodes of a pool, and the files on them. */
export class NodeOperations {
  constructor(private readonly http: BatchHttp) {}

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

  /** `GET /pools/{poolId}/nodes/{nodeId}/files?recursive=`. */
  listFiles(poolId: string, nodeId: string, options: FileListOptions = {}): AsyncGenerator<NodeFile> {
    const { recursive, ...listOptions } = options;
    return listAll<NodeFile>(this.http, batchPath`/pools/${poolId}/nodes/${nodeId}/files`, listOptions, {
      recursive,
    });
  }

  /** `GET /pools/{poolId}/nodes/{nodeId}/files/{filePath}`: the file's bytes (or the requested range). */
  async getFile(
    poolId: string,
    nodeId: string,
    filePath: string,
    options: FileReadOptions = {},
  ): Promise<Uint8Array> {
    const response = await this.http.send({
      method: "GET",
      path: batchPath`/pools/${poolId}/nodes/${nodeId}/files/${filePath}`,
      headers: rangeHeaders(options),
    });
    return new Uint8Array(await response.arrayBuffer());
  }

  /** `HEAD /pools/{poolId}/nodes/{nodeId}/files/{filePath}`. */
  async getFileProperties(poolId: string, nodeId: string, filePath: string): Promise<FileProperties> {
    const path = batchPath`/pools/${poolId}/nodes/${nodeId}/files/${filePath}`;
    return filePropertiesOf(await this.http.send({ method: "HEAD", path }));
  }
}
