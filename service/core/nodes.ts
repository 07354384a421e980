/** Compute nodes: reading them, their files, and keeping their state and schedulability in step. */
import type { FileEntry, FileResponseMessage } from "../../protocol/agent.js";
import { BatchError, type ErrorCode, errorRegistry } from "../../protocol/errors.js";
import type {
  NodeDisableSchedulingOption,
  NodeRebootOption,
  NodeReimageOption,
} from "../../protocol/rest/node.js";
import type { Account } from "./account.js";
import type { NodeRecord, PoolRecord } from "./records.js";
import { moveNode } from "./stateChange.js";
import { canTransition } from "./stateMachine.js";
import { nodeStateTable } from "./stateTables.js";
import { now } from "./time.js";

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

  /**
   * Reboots a node: its running tasks are requeued or terminated as `option` says — or, with
   * `taskcompletion`/`retaineddata`, left to finish while the node takes no new task — then its machine
   * restarts; the start task runs again, and a job's preparation task reruns there before its next task
   * (unless rerunOnNodeRebootAfterSuccess is false).
   */
  reboot(poolId: string, nodeId: string, option: NodeRebootOption = "requeue"): void {
    if (!this.account.machines.reboots)
      throw new BatchError(
        "UnsupportedOperation",
        `Node ${nodeId} runs on a machine this service cannot restart (an external machine, or an EC2 instance: Auto Scaling has no reboot); reboot the machine itself.`,
      );
    this.restart(poolId, nodeId, option, "reboot");
  }

  /**
   * Reimages a node: as a reboot, but its node directories are wiped (a fresh machine with the same node
   * id), it is `reimaging` meanwhile, and every job's preparation task runs there again.
   */
  reimage(poolId: string, nodeId: string, option: NodeReimageOption = "requeue"): void {
    if (!this.account.machines.reimage)
      throw new BatchError(
        "UnsupportedOperation",
        `Node ${nodeId} runs on a machine this service cannot reimage (a cloud or external machine); reboot it instead, or remove the node and resize the pool.`,
      );
    this.restart(poolId, nodeId, option, "reimage");
  }

  private restart(
    poolId: string,
    nodeId: string,
    option: NodeRebootOption,
    kind: "reboot" | "reimage",
  ): void {
    const { pool, node } = this.get(poolId, nodeId);
    if (node.state !== "idle" && node.state !== "running" && node.state !== "offline")
      throw new BatchError(
        "NodeNotReady",
        `Node ${nodeId} is ${node.state}; a node ${kind}s when idle, running or offline.`,
      );
    if (option === "requeue" || option === "terminate") {
      const what = kind === "reboot" ? "rebooted with nodeRebootOption" : "reimaged with nodeReimageOption";
      this.account.pools.endRuns(pool, node, option, `The task's node ${nodeId} was ${what} 'terminate'.`);
    }
    node.rebootPending = true;
    node.reimagePending = kind === "reimage" || node.reimagePending || undefined;
    this.account.store.putNode(node);
    this.updateEligibility(node);
    this.rebootWhenIdle(pool, node);
  }

  /**
   * Disables scheduling on a node: it gets no new task, its running tasks are requeued, terminated or
   * left to finish as `option` says, and it is `offline` once none runs (as in Azure).
   */
  disableScheduling(poolId: string, nodeId: string, option: NodeDisableSchedulingOption = "requeue"): void {
    const { pool, node } = this.get(poolId, nodeId);
    if (node.state === "leavingpool" || node.removal)
      throw new BatchError(
        "OperationNotValidOnNode",
        `Node ${nodeId} is leaving pool ${poolId}; its scheduling cannot change any more.`,
      );
    if (node.schedulingState === "disabled")
      throw new BatchError(
        "NodeAlreadyInTargetSchedulingState",
        `Scheduling on node ${nodeId} is already disabled; enable it with enablescheduling.`,
      );
    node.schedulingState = "disabled";
    this.account.store.putNode(node);
    this.updateEligibility(node);
    if (option === "requeue" || option === "terminate") {
      this.killTaskProcesses(node, `scheduling on node ${nodeId} was disabled (${option})`);
      this.account.pools.endRuns(
        pool,
        node,
        option,
        `The task's node ${nodeId} had its scheduling disabled with nodeDisableSchedulingOption 'terminate'.`,
      );
    }
    this.refreshActivity(poolId, nodeId);
    this.account.store.putNode(this.get(poolId, nodeId).node);
  }

  /** Enables scheduling on a node: it takes tasks again (an `offline` node becomes `idle`). */
  enableScheduling(poolId: string, nodeId: string): void {
    const { node } = this.get(poolId, nodeId);
    if (node.schedulingState === "enabled")
      throw new BatchError(
        "NodeAlreadyInTargetSchedulingState",
        `Scheduling on node ${nodeId} is already enabled.`,
      );
    node.schedulingState = "enabled";
    this.refreshActivity(poolId, nodeId);
    this.account.store.putNode(node);
    this.updateEligibility(node);
  }

  /**
   * Kills the processes of the tasks running on a node whose runs end here (requeued or terminated):
   * their agent's later reports name dispatches that no longer exist and are ignored.
   */
  private killTaskProcesses(node: NodeRecord, reason: string): void {
    for (const d of this.account.dispatches.onNode(node.poolId, node.id)) {
      if (d.kind !== "task") continue;
      this.account.nodeLink.send(node.poolId, node.id, {
        type: "terminate",
        dispatchId: d.dispatchId,
        graceMs: this.account.config.terminateGraceMs,
        reason,
      });
    }
  }

  /** A node due to reboot (or reimage) does so once none of its tasks runs. */
  private rebootWhenIdle(pool: PoolRecord, node: NodeRecord): void {
    if (!node.rebootPending || this.running(pool.id, node.id).tasks > 0) return;
    const reimage = node.reimagePending === true;
    node.rebootPending = undefined;
    node.reimagePending = undefined;
    moveNode(node, reimage ? "reimaging" : "rebooting");
    if (reimage) node.reimageTime = now();
    // The start task runs again after the reboot, as on a fresh machine.
    node.startTaskInfo = undefined;
    node.startTaskDispatchId = undefined;
    this.account.store.putNode(node);
    this.updateEligibility(node);
    const { machines } = this.account;
    const restarted = reimage ? machines.reimage!(pool, node) : machines.reboot(pool, node);
    restarted.then(
      () => this.account.store.putNode(node),
      (error: unknown) => {
        const code = reimage ? "ReimageFailed" : "RebootFailed";
        const what = reimage ? "reimaged" : "restarted";
        node.errors = [{ code, message: `The node's machine could not be ${what}: ${String(error)}` }];
        this.account.store.putNode(node);
      },
    );
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
    // A preempted node has no machine to reconnect: it stays so until it is restored.
    if (node.state !== "leavingpool" && node.state !== "unknown" && node.state !== "preempted") {
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
    if (node.state === "idle" || node.state === "running" || node.state === "offline") {
      // A node with scheduling disabled is `offline` once its last task has ended.
      const idle = node.schedulingState === "disabled" ? "offline" : "idle";
      const next = this.running(poolId, nodeId).tasks > 0 ? "running" : idle;
      if (node.state !== next) moveNode(node, next);
    }
    const pool = this.account.store.getPool(poolId);
    if (pool) this.rebootWhenIdle(pool, node);
    this.account.pools.afterNodeActivity(node);
  }

  /**
   * The node's machine cannot run an agent (the local provisioner gave up restarting it): it is
   * `unusable` with `error`, and its runs are requeued, as on a node that left the pool.
   */
  markUnusable(node: NodeRecord, error: { code: string; message: string }): void {
    node.errors = [...(node.errors ?? []).filter((e) => e.code !== error.code), error];
    if (canTransition(nodeStateTable, node.state, "unusable")) moveNode(node, "unusable");
    this.account.store.putNode(node);
    const pool = this.account.store.getPool(node.poolId);
    if (pool) this.account.pools.endRuns(pool, node, "requeue", error.message);
    this.updateEligibility(node);
  }

  /** Can the scheduler give this node tasks? */
  updateEligibility(node: NodeRecord): void {
    const eligible =
      (node.state === "idle" || node.state === "running") &&
      node.schedulingState === "enabled" &&
      !node.removal &&
      !node.rebootPending &&
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
