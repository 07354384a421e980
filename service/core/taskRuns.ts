/**
 * Runs of tasks on nodes: starting a matched task, recording what the agent reports, retrying,
 * requeueing and terminating. Every path that ends a run removes its dispatch and gives its slots back.
 */
import { randomUUID } from "node:crypto";
import type {
  DispatchMessage,
  FailureReport,
  StartTiming,
  TaskCompletedMessage,
} from "../../protocol/agent.js";
import { preciseNow } from "../../protocol/clock.js";
import { parseDuration } from "../../protocol/duration.js";
import type { FailureInfo } from "../../protocol/rest/common.js";
import type { Account } from "./account.js";
import { instancesOf, slotsOf } from "./account.js";
import type { Dispatch } from "./dispatches.js";
import { dispatchFiles } from "./dispatchFiles.js";
import { environmentFrom } from "./environmentSettings.js";
import { exitOptionsFor } from "./exitOptions.js";
import { rememberRun } from "./recentTasks.js";
import type { JobRecord, TaskRecord } from "./records.js";
import { moveTask } from "./stateChange.js";
import { now } from "./time.js";
import { DEFAULT_TASK_RETENTION } from "./views.js";

export const taskEndedByUser = (reason: string): FailureInfo => ({
  category: "usererror",
  code: "TaskEnded",
  message: `Task was terminated: ${reason}`,
});

export class TaskRuns {
  constructor(private readonly account: Account) {}

  /** The scheduler matched a task to a node: record the run, then send it. */
  start(poolId: string, nodeId: string, jobId: string, taskId: string): boolean {
    const { store } = this.account;
    const task = store.getTask(jobId, taskId);
    const job = store.getJob(jobId);
    const node = store.getNode(poolId, nodeId);
    if (!task || task.state !== "active" || !job || job.state !== "active" || !node) return false;
    const gate = this.account.jobNodeTasks.gate(job, task, poolId, nodeId);
    if (gate === "refuse") {
      // Its preparation task failed on this node: the job's tasks go elsewhere.
      this.account.scheduler.excludeNode(jobId, nodeId);
      this.account.scheduler.enqueue(jobId, taskId, slotsOf(task), true);
      return false;
    }
    if (gate === "wait") {
      const previous = task.state;
      moveTask(task, "preparing");
      task.node = { poolId, nodeId };
      this.account.saveTask(task, previous);
      this.account.nodes.refreshActivity(poolId, nodeId);
      return true;
    }
    this.launch(task, job, poolId, nodeId);
    return true;
  }

  /** Records the run of a task (active, or preparing on this node) and sends it; its slots are already taken. */
  launch(task: TaskRecord, job: JobRecord, poolId: string, nodeId: string): void {
    const { jobId } = task;
    const taskId = task.id;
    const dispatchId = `${jobId}:${taskId}:${randomUUID().slice(0, 8)}`;
    const at = now();
    const previous = task.state;
    moveTask(task, "running", at);
    task.dispatchId = dispatchId;
    task.terminateRequested = undefined;
    task.node = { poolId, nodeId };
    task.executionInfo.startTime = at;
    task.executionInfo.endTime = undefined;
    const sentAt = preciseNow();
    task.timeline = { addedAt: task.timeline?.addedAt ?? sentAt, dispatchedAt: sentAt };
    this.account.saveTask(task, previous);
    this.account.dispatches.add({
      dispatchId,
      kind: "task",
      poolId,
      nodeId,
      jobId,
      taskId,
      slots: slotsOf(task),
    });
    this.account.nodes.refreshActivity(poolId, nodeId);
    // If the node dropped between match and send, its re-registration finds the run unknown and requeues it.
    this.account.nodeLink.send(
      poolId,
      nodeId,
      this.dispatchMessage(task, job, poolId, nodeId, dispatchId, sentAt),
    );
  }

  /** The `dispatch` that runs `task` on a node. */
  dispatchMessage(
    task: TaskRecord,
    job: JobRecord,
    poolId: string,
    nodeId: string,
    dispatchId: string,
    sentAt: number,
  ): Omit<DispatchMessage, "protocolVersion" | "requestId"> {
    const environment = environmentFrom(job.spec.commonEnvironmentSettings, task.spec.environmentSettings);
    const wallClock = task.spec.constraints?.maxWallClockTime;
    const maxWallClockTimeMs = wallClock ? parseDuration(wallClock) : undefined;
    return {
      type: "dispatch",
      dispatchId,
      kind: "task",
      jobId: task.jobId,
      taskId: task.id,
      commandLine: task.spec.commandLine,
      environment,
      requiredSlots: slotsOf(task),
      maxWallClockTimeMs,
      retentionTimeMs: parseDuration(task.spec.constraints?.retentionTime ?? DEFAULT_TASK_RETENTION),
      sentAt,
      ...dispatchFiles(
        task.spec,
        { ...this.account.config, endpoint: this.account.endpointSeenBy(poolId, nodeId) },
        maxWallClockTimeMs,
      ),
      applicationPackages: this.account.applications.forNode(task.spec.applicationPackageReferences),
    };
  }

  /** A task found running in the store at start-up: its slots stay held until the agent reports. */
  loadRunning(task: TaskRecord): void {
    // A task that waited for its node's preparation task waits for a node again.
    if (task.state === "preparing") {
      this.backToQueue(task);
      return;
    }
    if (task.multiInstance) {
      this.account.multiInstance.loadRunning(task);
      return;
    }
    if (!task.dispatchId || !task.node) return;
    const d: Dispatch = {
      dispatchId: task.dispatchId,
      kind: "task",
      poolId: task.node.poolId,
      nodeId: task.node.nodeId,
      jobId: task.jobId,
      taskId: task.id,
      slots: slotsOf(task),
    };
    this.account.dispatches.add(d);
    this.account.scheduler.occupy(d.poolId, d.nodeId, d.jobId, d.slots);
  }

  started(dispatch: Dispatch, startTime: string, timing: StartTiming | undefined): void {
    const task = this.account.store.getTask(dispatch.jobId, dispatch.taskId);
    if (!task || task.dispatchId !== dispatch.dispatchId) return;
    // Not written on its own: the stored record says running since the dispatch, and the store keeps
    // running tasks in memory, so the agent's start time and timeline ride along with the completion's
    // write. A crash in between leaves the dispatch time as the start time.
    task.executionInfo.startTime = startTime;
    if (task.timeline && timing) Object.assign(task.timeline, timing);
  }

  /** The agent reported the end of a run. */
  finished(dispatch: Dispatch, report: TaskCompletedMessage): void {
    this.endDispatch(dispatch);
    const { store } = this.account;
    const task = store.getTask(dispatch.jobId, dispatch.taskId);
    if (!task || task.dispatchId !== dispatch.dispatchId) return; // deleted meanwhile, or requeued elsewhere
    const node = store.getNode(dispatch.poolId, dispatch.nodeId);
    const info = task.executionInfo;
    info.startTime = report.startTime ?? info.startTime;
    info.endTime = report.endTime;
    info.exitCode = report.exitCode;
    const failure: FailureInfo | undefined = task.terminateRequested
      ? taskEndedByUser("the user asked for it")
      : failureOf(report.failure, report.exitCode);
    if (node) {
      node.totalTasksRun++;
      if (!failure) node.totalTasksSucceeded++;
      rememberRun(node, {
        jobId: task.jobId,
        taskId: task.id,
        startTime: info.startTime,
        endTime: info.endTime,
        exitCode: info.exitCode,
        retryCount: info.retryCount,
        requeueCount: info.requeueCount,
        result: failure ? "failure" : "success",
      });
      store.putNode(node);
    }
    if (report.failure?.category === "servererror" && !task.terminateRequested) {
      this.requeue(task, "the node could not finish the run");
      return;
    }
    const job = store.getJob(task.jobId);
    const maxRetries =
      task.spec.constraints?.maxTaskRetryCount ?? job?.spec.constraints?.maxTaskRetryCount ?? 0;
    const mayRetry = !!failure && !task.terminateRequested && job?.state === "active";
    if (mayRetry && (maxRetries === -1 || info.retryCount < maxRetries)) {
      info.retryCount++;
      info.lastRetryTime = now();
      info.failureInfo = failure;
      info.result = undefined;
      this.backToQueue(task);
      return;
    }
    this.complete(task, failure, report.failure?.stage);
  }

  /** Ends a run that never reached (or will never reach) its agent's report, putting the task back in the queue. */
  requeue(task: TaskRecord, _reason: string): void {
    const dispatch = task.dispatchId ? this.account.dispatches.get(task.dispatchId) : undefined;
    if (dispatch) this.endDispatch(dispatch);
    task.executionInfo.requeueCount++;
    task.executionInfo.lastRequeueTime = now();
    this.backToQueue(task);
  }

  /** Terminates a task: an active one completes at once; a running one is killed and completes on its report. */
  terminate(task: TaskRecord, reason: string): void {
    if (task.state === "completed") return;
    if (task.state === "active") {
      this.complete(task, taskEndedByUser(reason));
      return;
    }
    if (task.state === "preparing" && task.node) {
      if (this.account.multiInstance.isPreparing(task)) this.account.multiInstance.giveBack(task);
      else {
        this.account.jobNodeTasks.stopWaiting(task);
        this.account.scheduler.release(task.node.poolId, task.node.nodeId, task.jobId, slotsOf(task));
      }
      this.complete(task, taskEndedByUser(reason));
      return;
    }
    task.terminateRequested = true;
    this.account.saveTask(task, task.state);
    this.sendTerminate(task, reason);
  }

  /** Kills the process of a run without waiting for it (the dispatch still frees its slots on the report). */
  sendTerminate(task: TaskRecord, reason: string): void {
    this.account.multiInstance.terminateInstances(task, reason);
    if (!task.dispatchId || !task.node) return;
    this.account.nodeLink.send(task.node.poolId, task.node.nodeId, {
      type: "terminate",
      dispatchId: task.dispatchId,
      graceMs: this.account.config.terminateGraceMs,
      reason,
    });
  }

  /**
   * The task is done for good: its exit conditions decide whether its dependents may run and what
   * happens to the job. `stage` says where a failure happened (resource files, output files).
   */
  complete(task: TaskRecord, failure: FailureInfo | undefined, stage?: FailureReport["stage"]): void {
    const previous = task.state;
    this.account.multiInstance.endRun(task);
    moveTask(task, "completed");
    task.dispatchId = undefined;
    task.terminateRequested = undefined;
    task.executionInfo.failureInfo = failure;
    task.executionInfo.result = failure ? "failure" : "success";
    task.executionInfo.endTime ??= now();
    const options = exitOptionsFor(task.spec.exitConditions, {
      exitCode: task.executionInfo.exitCode,
      failure: failure && { stage },
    });
    task.dependencyAction = options.dependencyAction;
    this.account.saveTask(task, previous);
    this.account.counts.addRun(task);
    if (options.dependencyAction === "satisfy") {
      for (const ready of this.account.dependencies.satisfied(task.jobId, task.id)) {
        const dependent = this.account.store.getTask(task.jobId, ready);
        if (dependent?.state === "active")
          this.account.scheduler.enqueue(
            task.jobId,
            ready,
            slotsOf(dependent),
            false,
            instancesOf(dependent),
          );
      }
    }
    this.account.jobs.afterTaskExit(task.jobId, options.jobAction);
    if (task.jobManager?.killJobOnCompletion) this.account.jobs.afterJobManager(task.jobId);
    this.account.jobs.afterTaskCompleted(task.jobId);
  }

  private backToQueue(task: TaskRecord): void {
    const previous = task.state;
    this.account.multiInstance.endRun(task);
    moveTask(task, "active");
    task.dispatchId = undefined;
    this.account.saveTask(task, previous);
    this.account.scheduler.enqueue(task.jobId, task.id, slotsOf(task), true, instancesOf(task));
  }

  /** Forgets a dispatch and gives its slots back. */
  endDispatch(dispatch: Dispatch): void {
    if (!this.account.dispatches.remove(dispatch.dispatchId)) return;
    if (dispatch.kind !== "task") return;
    this.account.scheduler.release(dispatch.poolId, dispatch.nodeId, dispatch.jobId, dispatch.slots);
    this.account.nodes.refreshActivity(dispatch.poolId, dispatch.nodeId);
  }
}

function failureOf(report: FailureReport | undefined, exitCode: number | undefined): FailureInfo | undefined {
  if (report) return { category: report.category, code: report.code, message: report.message };
  if (exitCode !== undefined && exitCode !== 0) {
    return {
      category: "usererror",
      code: "FailureExitCode",
      message: `The task process exited with an exit code representing a failure (${exitCode}).`,
    };
  }
  return undefined;
}
