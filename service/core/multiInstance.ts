/**
 * Multi-instance tasks (MPI): a task that runs on `numberOfInstances` nodes at once. The scheduler
 * holds the nodes (service/scheduler/gangReservation.ts) and calls `start`; every instance gets a
 * dispatch that runs the coordination command on its node and then holds the task's context there
 * (for `openbatch-rsh`, service/core/remoteShells.ts). When every instance has coordinated, the
 * primary (instance 0) runs the application command; its end is the task's end, and the other
 * instances are terminated. An instance that ends on its own before that (its coordination command
 * failed, its node was lost) fails the whole run, named in the task's failureInfo; the run is then
 * retried per the task's constraints like any failed run.
 */
import { randomUUID } from "node:crypto";
import type { DispatchMultiInstance, TaskCompletedMessage } from "../../protocol/agent.js";
import { preciseNow } from "../../protocol/clock.js";
import { invalidPropertyValue } from "../../protocol/errors.js";
import type { FailureInfo } from "../../protocol/rest/common.js";
import type { SubtaskInformation, SubtaskState, TaskAddParameter } from "../../protocol/rest/task.js";
import type { Account } from "./account.js";
import { instancesOf, slotsOf } from "./account.js";
import type { Dispatch } from "./dispatches.js";
import { dispatchFiles } from "./dispatchFiles.js";
import type { InstanceRun, JobRecord, NodeRecord, PoolRecord, TaskRecord } from "./records.js";
import { moveTask } from "./stateChange.js";
import { assertTransition } from "./stateMachine.js";
import { subtaskStateTable } from "./stateTables.js";
import { now } from "./time.js";
import { taskNodeInfo } from "./views.js";

/**
 * What Azure refuses about a multi-instance task when it is added: a pool without inter-node
 * communication or with several task slots per node, more instances than the pool can have nodes,
 * and more than one slot per instance.
 */
export function checkMultiInstance(pool: PoolRecord | undefined, spec: TaskAddParameter): void {
  const settings = spec.multiInstanceSettings!;
  const instances = settings.numberOfInstances ?? 1;
  if (!pool?.spec.enableInterNodeCommunication) {
    throw invalidPropertyValue(
      "multiInstanceSettings",
      String(instances),
      `multi-instance tasks run only in pools with enableInterNodeCommunication, and ${pool ? `pool ${pool.id} does not have it` : "the job's pool does not exist"}; create the pool with enableInterNodeCommunication: true.`,
    );
  }
  if ((pool.spec.taskSlotsPerNode ?? 1) !== 1) {
    // Azure: multi-instance tasks need a pool with concurrent task execution disabled.
    throw invalidPropertyValue(
      "multiInstanceSettings",
      String(instances),
      `multi-instance tasks run only in pools with taskSlotsPerNode 1, and pool ${pool.id} has ${pool.spec.taskSlotsPerNode}; use a pool created with taskSlotsPerNode: 1.`,
    );
  }
  const most = pool.autoScale
    ? MAX_INTER_NODE_POOL_NODES
    : pool.targetDedicatedNodes + pool.targetLowPriorityNodes;
  if (instances > most) {
    throw invalidPropertyValue(
      "multiInstanceSettings.numberOfInstances",
      String(instances),
      `pool ${pool.id} can have at most ${most} nodes${pool.autoScale ? " (with inter-node communication)" : " (its target)"}; ask for fewer instances or resize the pool first.`,
    );
  }
  if ((spec.requiredSlots ?? 1) !== 1) {
    throw invalidPropertyValue(
      "requiredSlots",
      String(spec.requiredSlots),
      "a multi-instance task takes one slot on each of its nodes; leave requiredSlots out or set it to 1.",
    );
  }
}

/** Azure's limit on the nodes of a pool with inter-node communication. */
const MAX_INTER_NODE_POOL_NODES = 100;

/** A multi-instance task in `preparing`: the nodes it holds, and those whose job preparation task has not succeeded yet. */
interface PreparingGang {
  poolId: string;
  nodeIds: string[];
  pending: Set<string>;
}

export class MultiInstanceRuns {
  /** By `job/task`. Not kept in the store: at start-up a `preparing` task goes back to the queue. */
  private readonly preparing = new Map<string, PreparingGang>();

  constructor(private readonly account: Account) {}

  /** A queued task may still run (the scheduler asks before holding nodes for it). */
  wanted(jobId: string, taskId: string): boolean {
    return this.account.store.getTask(jobId, taskId)?.state === "active";
  }

  /**
   * The scheduler holds `nodeIds` for the task (the first for the primary). The job's preparation task
   * runs first where it must, as for any task; the task waits in `preparing`, holding every node,
   * until it has succeeded on all of them. Then the run is recorded and its instances sent.
   */
  dispatch(poolId: string, nodeIds: string[], jobId: string, taskId: string): boolean {
    const { store } = this.account;
    const task = store.getTask(jobId, taskId);
    const job = store.getJob(jobId);
    if (!task || task.state !== "active" || !job || job.state !== "active") return false;
    if (!nodeIds.every((nodeId) => store.getNode(poolId, nodeId))) return false;
    const gates = nodeIds.map((nodeId) => this.account.jobNodeTasks.gate(job, task, poolId, nodeId));
    const refused = nodeIds.filter((_, at) => gates[at] === "refuse");
    if (refused.length > 0) {
      // The preparation task failed on some of them before: the task collects other nodes.
      for (const nodeId of nodeIds) this.account.jobNodeTasks.stopWaiting(task, { poolId, nodeId });
      for (const nodeId of refused) this.account.scheduler.excludeNode(jobId, nodeId);
      this.account.scheduler.enqueue(jobId, taskId, slotsOf(task), true, instancesOf(task));
      return false;
    }
    const pending = nodeIds.filter((_, at) => gates[at] === "wait");
    if (pending.length === 0) {
      this.launch(task, job, poolId, nodeIds);
      return true;
    }
    const previous = task.state;
    moveTask(task, "preparing");
    task.node = { poolId, nodeId: nodeIds[0]! };
    this.account.saveTask(task, previous);
    this.preparing.set(keyOf(task), { poolId, nodeIds, pending: new Set(pending) });
    return true;
  }

  /** Is the task waiting in `preparing` for job preparation tasks on the nodes it holds? */
  isPreparing(task: TaskRecord): boolean {
    return this.preparing.has(keyOf(task));
  }

  /**
   * The job preparation task on a node a preparing task holds has ended (or the node was lost). Once
   * it has succeeded on every node the run starts; a failure anywhere puts the task back in the queue.
   */
  preparationEnded(task: TaskRecord, job: JobRecord, nodeId: string, succeeded: boolean, why: string): void {
    const gang = this.preparing.get(keyOf(task));
    if (!gang) return;
    if (succeeded) gang.pending.delete(nodeId);
    if (succeeded && gang.pending.size > 0) return;
    const { store } = this.account;
    const nodesLeft = gang.nodeIds.every((id) => store.getNode(gang.poolId, id));
    if (!succeeded || !nodesLeft || job.state !== "active") {
      this.giveBack(task);
      this.account.runs.requeue(task, succeeded ? "a node it held is gone" : why);
      return;
    }
    this.preparing.delete(keyOf(task));
    this.launch(task, job, gang.poolId, gang.nodeIds);
  }

  /** A preparing task stops waiting (terminated, requeued): every node it holds is given back. */
  giveBack(task: TaskRecord): void {
    const gang = this.preparing.get(keyOf(task));
    if (!gang) return;
    this.preparing.delete(keyOf(task));
    for (const nodeId of gang.nodeIds) {
      this.account.jobNodeTasks.stopWaiting(task, { poolId: gang.poolId, nodeId });
      this.account.scheduler.release(gang.poolId, nodeId, task.jobId, slotsOf(task));
    }
  }

  /** Records the run (the task is active, or preparing on these nodes) and sends its instances. */
  private launch(task: TaskRecord, job: JobRecord, poolId: string, nodeIds: string[]): void {
    const { store } = this.account;
    const { jobId } = task;
    const taskId = task.id;
    const nodes = nodeIds.map((nodeId) => store.getNode(poolId, nodeId)!);
    const at = now();
    const sentAt = preciseNow();
    const runId = randomUUID().slice(0, 8);
    const instances: InstanceRun[] = nodeIds.map((nodeId, instance) => ({
      poolId,
      nodeId,
      dispatchId: `${jobId}:${taskId}:${runId}:${instance}`,
      state: "preparing",
      stateTransitionTime: at,
    }));
    const previous = task.state;
    moveTask(task, "running", at);
    task.dispatchId = instances[0]!.dispatchId;
    task.terminateRequested = undefined;
    task.node = { poolId, nodeId: nodeIds[0]! };
    task.executionInfo.startTime = at;
    task.executionInfo.endTime = undefined;
    task.timeline = { addedAt: task.timeline?.addedAt ?? sentAt, dispatchedAt: sentAt };
    task.multiInstance = { instances };
    this.account.saveTask(task, previous);
    const settings = task.spec.multiInstanceSettings!;
    const hosts = nodes.map((node) => ({ nodeId: node.id, address: node.ipAddress ?? "127.0.0.1" }));
    instances.forEach((run, instance) => {
      const dispatch = { ...this.dispatchOf(task, run, instance) };
      this.account.dispatches.add(dispatch);
      this.account.nodes.refreshActivity(poolId, run.nodeId);
      const message = this.account.runs.dispatchMessage(
        task,
        job,
        poolId,
        run.nodeId,
        run.dispatchId,
        sentAt,
      );
      const multiInstance: DispatchMultiInstance = {
        instance,
        hosts,
        coordinationCommandLine: settings.coordinationCommandLine,
        commonResourceFiles: dispatchFiles(
          { resourceFiles: settings.commonResourceFiles },
          { ...this.account.config, endpoint: this.account.endpointSeenBy(poolId, run.nodeId) },
          message.maxWallClockTimeMs,
        ).resourceFiles,
        networkInterface: networkInterfaceOf(nodes[instance]!),
      };
      // Only the primary fetches the task's resource files, uploads its output files and has a wall clock.
      const sent =
        instance === 0
          ? { ...message, multiInstance }
          : {
              ...message,
              resourceFiles: undefined,
              outputFiles: undefined,
              maxWallClockTimeMs: undefined,
              multiInstance,
            };
      this.account.nodeLink.send(poolId, run.nodeId, sent);
    });
  }

  /** An instance's process started (its coordination command, or its wait when it has none). */
  started(dispatch: Dispatch, startTime: string): void {
    const found = this.instanceOf(dispatch);
    if (!found) return;
    found.run.startTime = startTime;
    if (found.run.state === "preparing") moveInstance(found.run, "running");
  }

  /** An instance's coordination command succeeded; once all have, the primary runs the application command. */
  coordinated(dispatchId: string): void {
    const dispatch = this.account.dispatches.get(dispatchId);
    const found = dispatch && this.instanceOf(dispatch);
    if (!found || found.task.multiInstance?.ended) return;
    found.run.coordinated = true;
    const { instances } = found.task.multiInstance!;
    if (!instances.every((run) => run.coordinated)) return;
    const primary = instances[0]!;
    this.account.nodeLink.send(primary.poolId, primary.nodeId, {
      type: "runApplication",
      dispatchId: primary.dispatchId,
    });
  }

  /** An instance ended. The primary's end is the task's; another's ends the run as failed, unless the run was already over. */
  finished(dispatch: Dispatch, report: TaskCompletedMessage): void {
    const found = this.instanceOf(dispatch);
    if (!found) {
      this.account.runs.endDispatch(dispatch);
      return;
    }
    const { task, run } = found;
    const instance = dispatch.instance!;
    const mi = task.multiInstance!;
    run.endTime = report.endTime;
    run.exitCode = report.exitCode;
    run.startTime = report.startTime ?? run.startTime;
    const ownFailure = instanceFailure(instance, run.nodeId, report);
    run.failureInfo = ownFailure;
    run.result = ownFailure ? "failure" : "success";
    moveInstance(run, "completed");
    if (instance === 0) {
      const failure = mi.failure ?? (task.terminateRequested ? undefined : ownFailure);
      this.endRun(task);
      const failed = mi.failedInstance === undefined ? undefined : mi.instances[mi.failedInstance];
      this.account.runs.finished(dispatch, {
        ...report,
        exitCode: failed ? failed.exitCode : report.exitCode,
        failure: failure && {
          category: failure.category,
          code: failure.code ?? "SubtaskFailed",
          message: failure.message ?? "",
          stage: mi.failure ? undefined : report.failure?.stage,
        },
      });
      return;
    }
    this.account.runs.endDispatch(dispatch);
    if (!mi.ended && !task.terminateRequested && !mi.failure) {
      mi.failedInstance = instance;
      mi.failure = ownFailure ?? {
        category: "usererror",
        code: "SubtaskFailed",
        message: `Subtask ${instance} on node ${run.nodeId} ended before the primary; the task fails.`,
      };
      this.account.runs.sendTerminate(task, `subtask ${instance} on node ${run.nodeId} failed`);
    }
    this.account.saveTask(task, task.state);
  }

  /** An instance's node lost its run (agent restarted without it, node removed): as a failed instance. */
  lost(dispatch: Dispatch, why: string): void {
    this.finished(dispatch, {
      type: "taskCompleted",
      protocolVersion: 1,
      requestId: "lost",
      dispatchId: dispatch.dispatchId,
      endTime: now(),
      failure: { category: "usererror", code: "SubtaskNodeLost", message: why },
    });
  }

  /** Kills every instance but the primary (the caller terminates the primary's dispatch itself). */
  terminateInstances(task: TaskRecord, reason: string): void {
    for (const run of task.multiInstance?.instances.slice(1) ?? []) {
      if (!this.account.dispatches.get(run.dispatchId)) continue;
      this.account.nodeLink.send(run.poolId, run.nodeId, {
        type: "terminate",
        dispatchId: run.dispatchId,
        graceMs: this.account.config.terminateGraceMs,
        reason,
      });
    }
  }

  /**
   * The task's run is over (completed, or back in the queue): instances still running are terminated
   * and hold their nodes until they report. A queued multi-instance task that is terminated gives back
   * the nodes it held for itself on the scheduler's next pass.
   */
  endRun(task: TaskRecord): void {
    const mi = task.multiInstance;
    if (!mi) {
      if (instancesOf(task) > 1 && task.state === "active") {
        const job = this.account.store.getJob(task.jobId);
        if (job) this.account.scheduler.kick(job.spec.poolInfo.poolId);
      }
      return;
    }
    if (mi.ended) return;
    mi.ended = true;
    this.terminateInstances(task, "the multi-instance task ended");
  }

  /** At start-up: the instances still running (or being cleaned up) hold their slots until they report. */
  loadRunning(task: TaskRecord): void {
    task.multiInstance?.instances.forEach((run, instance) => {
      if (run.state === "completed") return;
      const dispatch = this.dispatchOf(task, run, instance);
      this.account.dispatches.add(dispatch);
      this.account.scheduler.occupy(run.poolId, run.nodeId, task.jobId, dispatch.slots);
    });
  }

  /** `GET .../subtasksinfo`: the instances other than the primary, as Azure's SubtaskInformation. */
  subtasks(endpoint: string, task: TaskRecord): SubtaskInformation[] {
    return (task.multiInstance?.instances ?? []).slice(1).map((run, index) => ({
      id: index + 1,
      nodeInfo: taskNodeInfo(endpoint, task, run.poolId, run.nodeId),
      startTime: run.startTime,
      endTime: run.endTime,
      exitCode: run.exitCode,
      failureInfo: run.failureInfo,
      state: run.state,
      stateTransitionTime: run.stateTransitionTime,
      previousState: run.previousState,
      previousStateTransitionTime: run.previousStateTransitionTime,
      result: run.result,
    }));
  }

  private dispatchOf(task: TaskRecord, run: InstanceRun, instance: number): Dispatch {
    return {
      dispatchId: run.dispatchId,
      kind: "task",
      poolId: run.poolId,
      nodeId: run.nodeId,
      jobId: task.jobId,
      taskId: task.id,
      slots: slotsOf(task),
      instance,
    };
  }

  private instanceOf(dispatch: Dispatch): { task: TaskRecord; run: InstanceRun } | undefined {
    const task = this.account.store.getTask(dispatch.jobId, dispatch.taskId);
    const run = task?.multiInstance?.instances[dispatch.instance ?? -1];
    if (!task || !run || run.dispatchId !== dispatch.dispatchId) return undefined;
    return { task, run };
  }
}

/** Where the node's MPI traffic goes: loopback, or the `eth0` of its network namespace. */
function networkInterfaceOf(node: NodeRecord): string | undefined {
  if (node.ipAddress?.startsWith("127.")) return "lo";
  return node.machine.network ? "eth0" : undefined;
}

/** How an instance's own report reads as the task's failure: naming the instance and its node. */
function instanceFailure(
  instance: number,
  nodeId: string,
  report: TaskCompletedMessage,
): FailureInfo | undefined {
  const who =
    instance === 0 ? `The primary (subtask 0) on node ${nodeId}` : `Subtask ${instance} on node ${nodeId}`;
  if (report.failure) {
    return {
      category: report.failure.category,
      code: report.failure.code,
      message: `${who}: ${report.failure.message}`,
    };
  }
  if (report.exitCode !== undefined && report.exitCode !== 0) {
    return {
      category: "usererror",
      code: "FailureExitCode",
      message: `${who} exited with an exit code representing a failure (${report.exitCode}).`,
    };
  }
  return undefined;
}

function keyOf(task: TaskRecord): string {
  return `${task.jobId}/${task.id}`;
}

function moveInstance(run: InstanceRun, to: SubtaskState, at = now()): void {
  assertTransition("subtask", subtaskStateTable, run.state, to);
  if (run.state === to) return;
  run.previousState = run.state;
  run.previousStateTransitionTime = run.stateTransitionTime;
  run.state = to;
  run.stateTransitionTime = at;
}
