/** Compute nodes: reading them, their files, and keeping their state and schedulability in step. */
import type { FileEntry, FileResponseMessage } from "../../protocol/agent.js";
import { BatchError, type ErrorCode, errorRegistry } from "../../protocol/errors.js";
import type { Account } from "./account.js";
import type { NodeRecord, PoolRecord } from "./records.js";
import { moveNode } from "./stateChange.js";

export interface FileContent {
  file: FileEntry;
  data: Buffer;
  /** The byte range served, when the request asked for one. */
  range?: { start: number; end: number };
}

export class NodeCommands {
  constructor(private readonly account: Account) {}

  get(poolId: string, nodeId: string): { pool: PoolRecord; node: NodeRecord } {
    const pool = this.account.pools.get(poolId);
    const node = this.account.store.getNode(poolId, nodeId);
    if (!node) throw new BatchError("NodeNotFound", `Node id: ${nodeId} in pool ${poolId}.`);
    return { pool, node };
  }

  list(poolId: string): { pool: PoolRecord; nodes: NodeRecord[] } {
    const pool = this.account.pools.get(poolId);
    return { pool, nodes: this.account.store.listNodes(poolId) };
  }

  running(poolId: string, nodeId: string): { tasks: number; slots: number } {
    const runs = this.account.dispatches.onNode(poolId, nodeId).filter((d) => d.kind === "task");
    return { tasks: runs.length, slots: runs.reduce((sum, d) => sum + d.slots, 0) };
  }

  /** At start-up: the node is known but its agent has not reconnected yet. */
  loadAtStartup(node: NodeRecord): void {
    const pool = this.account.store.getPool(node.poolId);
    if (!pool) return;
    this.account.scheduler.addNode(node.poolId, node.id, pool.spec.taskSlotsPerNode ?? 1);
    if (node.startTaskDispatchId) {
      this.account.dispatches.add({
        dispatchId: node.startTaskDispatchId,
        kind: "startTask",
        poolId: node.poolId,
        nodeId: node.id,
        jobId: "",
        taskId: "",
        slots: 0,
      });
    }
    if (node.state !== "leavingpool" && node.state !== "unknown") {
      moveNode(node, "unknown");
      this.account.store.putNode(node);
    }
  }

  /**
   * Moves an idle node to running when it gets a task, and back when its last task ends. Not written
   * to the store by itself: idle/running follows from the node's runs, and after a restart every node
   * is `unknown` until its agent registers again. The next write of the node carries it along.
   */
  refreshActivity(poolId: string, nodeId: string): void {
    const node = this.account.store.getNode(poolId, nodeId);
    if (!node) return;
    if (node.state === "idle" || node.state === "running") {
      const next = this.running(poolId, nodeId).tasks > 0 ? "running" : "idle";
      if (node.state !== next) moveNode(node, next);
    }
    this.account.pools.afterNodeActivity(node);
  }

  /** Can the scheduler give this node tasks? */
  updateEligibility(node: NodeRecord): void {
    const eligible =
      (node.state === "idle" || node.state === "running") &&
      node.schedulingState === "enabled" &&
      !node.removal &&
      this.account.nodeLink.isConnected(node.poolId, node.id);
    this.account.scheduler.setNodeEligible(node.poolId, node.id, eligible);
  }

  async listFiles(
    poolId: string,
    nodeId: string,
    directory: string,
    recursive: boolean,
  ): Promise<FileEntry[]> {
    const response = await this.fileRequest(poolId, nodeId, { op: "list", path: directory, recursive });
    return response.entries ?? [];
  }

  async statFile(poolId: string, nodeId: string, path: string): Promise<FileEntry> {
    const response = await this.fileRequest(poolId, nodeId, { op: "stat", path });
    return response.file!;
  }

  async readFile(
    poolId: string,
    nodeId: string,
    path: string,
    range?: { start: number; end?: number },
  ): Promise<FileContent> {
    const response = await this.fileRequest(poolId, nodeId, {
      op: "read",
      path,
      rangeStart: range?.start,
      rangeEnd: range?.end,
    });
    const data = Buffer.from(response.data ?? "", "base64");
    const file = response.file!;
    return {
      file,
      data,
      range: range ? { start: range.start, end: range.start + data.length - 1 } : undefined,
    };
  }

  private async fileRequest(
    poolId: string,
    nodeId: string,
    request: {
      op: "list" | "stat" | "read";
      path: string;
      recursive?: boolean;
      rangeStart?: number;
      rangeEnd?: number;
    },
  ): Promise<FileResponseMessage> {
    this.get(poolId, nodeId);
    if (!this.account.nodeLink.isConnected(poolId, nodeId)) {
      throw new BatchError(
        "NodeNotReady",
        `Node ${nodeId} of pool ${poolId} is not connected; its files cannot be read now.`,
      );
    }
    const response = await this.account.nodeLink.requestFile(poolId, nodeId, request);
    if (!response.ok) {
      const code = (
        response.errorCode && response.errorCode in errorRegistry ? response.errorCode : "FileNotFound"
      ) as ErrorCode;
      throw new BatchError(code, response.errorMessage ?? `Path: ${request.path}.`);
    }
    return response;
  }
}
