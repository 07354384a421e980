/**
 * Pool start tasks: run on every node when it joins (and again after a reboot), retried up to
 * `maxTaskRetryCount`. With `waitForSuccess` the node waits in `waitingforstarttask` and gets no tasks
 * until it succeeds, or ends in `starttaskfailed`.
 */
import { randomUUID } from "node:crypto";
import type { TaskCompletedMessage } from "../../protocol/agent.js";
import type { Account } from "./account.js";
import type { Dispatch } from "./dispatches.js";
import { environmentFrom } from "./environmentSettings.js";
import type { NodeRecord, PoolRecord } from "./records.js";
import { moveNode } from "./stateChange.js";
import { now } from "./time.js";

export class StartTasks {
  constructor(private readonly account: Account) {}

  /** Does this node still need its start task to run (it never ran, or never succeeded and may retry)? */
  needsRun(pool: PoolRecord, node: NodeRecord): boolean {
    if (!pool.spec.startTask || node.startTaskDispatchId) return false;
    return node.startTaskInfo?.result === undefined;
  }

  run(pool: PoolRecord, node: NodeRecord): void {
    const startTask = pool.spec.startTask;
    if (!startTask) return;
    const dispatchId = `start:${node.id}:${randomUUID().slice(0, 8)}`;
    node.startTaskDispatchId = dispatchId;
    node.startTaskInfo = {
      state: "running",
      startTime: now(),
      retryCount: node.startTaskInfo?.retryCount ?? 0,
    };
    if (startTask.waitForSuccess && node.state !== "waitingforstarttask")
      moveNode(node, "waitingforstarttask");
    this.account.store.putNode(node);
    this.account.dispatches.add({
      dispatchId,
      kind: "startTask",
      poolId: pool.id,
      nodeId: node.id,
      jobId: "",
      taskId: "",
      slots: 0,
    });
    const environment = environmentFrom(startTask.environmentSettings);
    this.account.nodeLink.send(pool.id, node.id, {
      type: "dispatch",
      dispatchId,
      kind: "startTask",
      jobId: "",
      taskId: "",
      commandLine: startTask.commandLine,
      environment,
      requiredSlots: 1,
    });
  }

  started(dispatch: Dispatch, startTime: string): void {
    const node = this.account.store.getNode(dispatch.poolId, dispatch.nodeId);
    if (!node?.startTaskInfo || node.startTaskDispatchId !== dispatch.dispatchId) return;
    node.startTaskInfo.startTime = startTime;
    this.account.store.putNode(node);
  }

  finished(dispatch: Dispatch, report: TaskCompletedMessage): void {
    this.account.dispatches.remove(dispatch.dispatchId);
    const { store } = this.account;
    const pool = store.getPool(dispatch.poolId);
    const node = store.getNode(dispatch.poolId, dispatch.nodeId);
    if (!pool || !node || node.startTaskDispatchId !== dispatch.dispatchId) return;
    const info = node.startTaskInfo ?? {
      state: "running",
      startTime: report.startTime ?? now(),
      retryCount: 0,
    };
    node.startTaskDispatchId = undefined;
    const failed = report.failure !== undefined || report.exitCode !== 0;
    const maxRetries = pool.spec.startTask?.maxTaskRetryCount ?? 0;
    if (failed && (maxRetries === -1 || info.retryCount < maxRetries)) {
      node.startTaskInfo = {
        ...info,
        retryCount: info.retryCount + 1,
        lastRetryTime: now(),
        state: "running",
      };
      store.putNode(node);
      this.run(pool, node);
      return;
    }
    node.startTaskInfo = {
      ...info,
      state: "completed",
      startTime: report.startTime ?? info.startTime,
      endTime: report.endTime,
      exitCode: report.exitCode,
      result: failed ? "failure" : "success",
      failureInfo: failed
        ? (report.failure ?? {
            category: "usererror",
            code: "FailureExitCode",
            message: `The start task exited with an exit code representing a failure (${report.exitCode}).`,
          })
        : undefined,
    };
    if (node.state === "waitingforstarttask") moveNode(node, failed ? "starttaskfailed" : "idle");
    store.putNode(node);
    this.account.nodes.updateEligibility(node);
  }
}
