/**
 * A job's preparation and release tasks, per node. The preparation task runs on a node when the
 * scheduler first matches one of the job's tasks to it; with `waitForSuccess` the matched tasks wait
 * there (state `preparing`, holding their slots) until it succeeds — then they run — or finally fails
 * — then they go back to the queue and the scheduler never offers that node to the job again. When
 * the job ends, the release task runs on every node that prepared, and the job stays `terminating`
 * until they have all ended. Their status is kept in the job record (`nodeTasks`, one entry per node).
 */
import { randomUUID } from "node:crypto";
import type { DispatchKind, TaskCompletedMessage } from "../../protocol/agent.js";
import { parseDuration } from "../../protocol/duration.js";
import type { FailureInfo } from "../../protocol/rest/common.js";
import type { JobPreparationAndReleaseTaskExecutionInformation } from "../../protocol/rest/jobTasks.js";
import type { Account } from "./account.js";
import { slotsOf } from "./account.js";
import type { Dispatch } from "./dispatches.js";
import { dispatchFiles } from "./dispatchFiles.js";
import { environmentFrom } from "./environmentSettings.js";
import type { JobNodeTaskState, JobRecord, TaskRecord } from "./records.js";
import { now } from "./time.js";
import { DEFAULT_TASK_RETENTION, nodeUrl, taskDirectory } from "./views.js";

/** What a matched task does on a node, as far as the job's preparation task is concerned. */
export type PreparationGate = "run" | "wait" | "refuse";

const DEFAULT_RELEASE_WALL_CLOCK = "PT15M";

export class JobNodeTasks {
  /** `job/pool/node` → tasks waiting in `preparing` for that node's preparation task. */
  private readonly waiting = new Map<string, string[]>();

  constructor(private readonly account: Account) {}

  /** Called as the scheduler matches `task` to a node; starts the preparation task there if it must run. */
  gate(job: JobRecord, task: TaskRecord, poolId: string, nodeId: string): PreparationGate {
    const prep = job.spec.jobPreparationTask;
    if (!prep) return "run";
    const entry = job.nodeTasks?.[nodeKey(poolId, nodeId)];
    const node = this.account.store.getNode(poolId, nodeId);
    const bootTime = node?.lastBootTime;
    // A reimaged node starts empty: its preparation task always runs again (as Azure documents).
    const reimaged = !!node?.reimageTime && (entry?.bootTime ?? "") < node.reimageTime;
    const rerunAfterBoot =
      entry?.preparation?.result === "success" &&
      (reimaged || (prep.rerunOnNodeRebootAfterSuccess !== false && entry.bootTime !== bootTime));
    if (!entry?.preparation || rerunAfterBoot) this.runPreparation(job, poolId, nodeId, 0);
    const info = job.nodeTasks![nodeKey(poolId, nodeId)].preparation!;
    if (prep.waitForSuccess === false) return "run";
    if (info.state === "completed") return info.result === "success" ? "run" : "refuse";
    const key = waitKey(job.id, poolId, nodeId);
    this.waiting.set(key, [...(this.waiting.get(key) ?? []), task.id]);
    return "wait";
  }

  /** A preparing task is no longer waiting on its node, or on `node` (terminated, or its job ended). */
  stopWaiting(task: TaskRecord, node = task.node): void {
    if (!node) return;
    const key = waitKey(task.jobId, node.poolId, node.nodeId);
    const left = (this.waiting.get(key) ?? []).filter((id) => id !== task.id);
    if (left.length > 0) this.waiting.set(key, left);
    else this.waiting.delete(key);
  }

  /**
   * The node was lost: the tasks waiting there for a preparation task go back to the queue (requeued,
   * not retried), to run on another node; the preparation task itself stays with the node.
   */
  requeueWaitingOn(poolId: string, nodeId: string): void {
    for (const [key, ids] of [...this.waiting]) {
      // Keys are `job/pool/node`, and ids hold no `/`.
      if (!key.endsWith(`/${poolId}/${nodeId}`)) continue;
      this.waiting.delete(key);
      const jobId = key.slice(0, key.indexOf("/"));
      for (const id of ids) {
        const task = this.account.store.getTask(jobId, id);
        if (task?.state !== "preparing") continue;
        const why = "its node was lost while it waited for the preparation task";
        const { multiInstance } = this.account;
        const job = this.account.store.getJob(jobId);
        if (multiInstance.isPreparing(task) && job) {
          multiInstance.preparationEnded(task, job, nodeId, false, why);
          continue;
        }
        this.account.scheduler.release(poolId, nodeId, jobId, slotsOf(task));
        this.account.runs.requeue(task, why);
      }
    }
  }

  /** The job's tasks in `preparing` (to end them with the job). */
  waitingTasks(jobId: string): TaskRecord[] {
    const tasks: TaskRecord[] = [];
    for (const [key, ids] of this.waiting) {
      if (!key.startsWith(`${jobId}/`)) continue;
      for (const id of ids) {
        const task = this.account.store.getTask(jobId, id);
        if (task) tasks.push(task);
      }
    }
    return tasks;
  }

  /** Starts the release task on every node that prepared for the job; how many were started. */
  release(job: JobRecord): number {
    const spec = job.spec.jobReleaseTask;
    if (!spec || !job.nodeTasks) return 0;
    let started = 0;
    for (const entry of Object.values(job.nodeTasks)) {
      if (!entry.preparation || entry.release) continue;
      const dispatchId = this.send(job, "jobRelease", entry.poolId, entry.nodeId);
      entry.release = { ...this.runInfo(job, "jobRelease", entry), dispatchId };
      started++;
    }
    if (started > 0) this.account.saveJob(job);
    return started;
  }

  /** Release tasks still running for the job. */
  releasesRunning(job: JobRecord): number {
    return Object.values(job.nodeTasks ?? {}).filter((e) => e.release?.state === "running").length;
  }

  started(dispatch: Dispatch, startTime: string): void {
    const run = this.runOf(dispatch);
    if (run) run.info.startTime = startTime;
  }

  /** The agent reported the end of a preparation or release task (a failed preparation is retried as its constraints allow). */
  finished(dispatch: Dispatch, report: TaskCompletedMessage, mayRetry = true): void {
    this.account.dispatches.remove(dispatch.dispatchId);
    const run = this.runOf(dispatch);
    if (!run) return;
    const { job, entry, info } = run;
    const failure = failureOf(report, dispatch.kind);
    if (dispatch.kind === "jobPreparation") {
      const retries = job.spec.jobPreparationTask?.constraints?.maxTaskRetryCount ?? 0;
      const retryCount = entry.preparation?.retryCount ?? 0;
      if (failure && mayRetry && (retries === -1 || retryCount < retries)) {
        this.runPreparation(job, entry.poolId, entry.nodeId, retryCount + 1);
        this.account.saveJob(job);
        return;
      }
    }
    Object.assign(info, {
      state: "completed",
      startTime: report.startTime ?? info.startTime,
      endTime: report.endTime,
      exitCode: report.exitCode,
      failureInfo: failure,
      result: failure ? "failure" : "success",
      dispatchId: undefined,
    });
    this.account.saveJob(job);
    if (dispatch.kind === "jobPreparation") this.prepared(job, entry, !failure);
    else this.account.jobs.afterTaskCompleted(job.id);
  }

  /** A run its node lost (the agent restarted without it, or the node left the pool): ended as a server error, not retried there. */
  lost(dispatch: Dispatch): void {
    this.finished(
      dispatch,
      {
        type: "taskCompleted",
        protocolVersion: 1,
        requestId: "lost",
        dispatchId: dispatch.dispatchId,
        endTime: now(),
        failure: {
          category: "servererror",
          code: "NodeLostRun",
          message: "The node lost the run (its agent restarted, or it left the pool).",
        },
      },
      false,
    );
  }

  /** Start-up: runs in flight are known by their dispatches again; tasks that were preparing wait anew. */
  loadAtStartup(job: JobRecord): void {
    for (const entry of Object.values(job.nodeTasks ?? {})) {
      for (const kind of ["jobPreparation", "jobRelease"] as const) {
        const info = kind === "jobPreparation" ? entry.preparation : entry.release;
        if (info?.state !== "running" || !info.dispatchId) continue;
        this.account.dispatches.add({
          dispatchId: info.dispatchId,
          kind,
          poolId: entry.poolId,
          nodeId: entry.nodeId,
          jobId: job.id,
          taskId: this.taskIdOf(job, kind),
          slots: 0,
        });
      }
    }
  }

  /** `GET /jobs/{jobId}/jobpreparationandreleasetaskstatus`: one entry per node that prepared. */
  status(job: JobRecord, endpoint: string): JobPreparationAndReleaseTaskExecutionInformation[] {
    return Object.values(job.nodeTasks ?? {}).map((entry) => ({
      poolId: entry.poolId,
      nodeId: entry.nodeId,
      nodeUrl: nodeUrl(endpoint, entry.poolId, entry.nodeId),
      jobPreparationTaskExecutionInfo: entry.preparation && withoutDispatch(entry.preparation),
      jobReleaseTaskExecutionInfo: entry.release && withoutDispatch(entry.release),
    }));
  }

  private prepared(job: JobRecord, entry: JobNodeTaskState, succeeded: boolean): void {
    const key = waitKey(job.id, entry.poolId, entry.nodeId);
    const ids = this.waiting.get(key) ?? [];
    this.waiting.delete(key);
    if (!succeeded && job.spec.jobPreparationTask?.waitForSuccess !== false)
      this.account.scheduler.excludeNode(job.id, entry.nodeId);
    for (const id of ids) {
      const task = this.account.store.getTask(job.id, id);
      if (task?.state !== "preparing") continue;
      if (this.account.multiInstance.isPreparing(task)) {
        const why = "a job preparation task failed on one of its nodes";
        this.account.multiInstance.preparationEnded(task, job, entry.nodeId, succeeded, why);
        continue;
      }
      if (succeeded && job.state === "active") {
        this.account.runs.launch(task, job, entry.poolId, entry.nodeId);
      } else {
        this.account.scheduler.release(entry.poolId, entry.nodeId, job.id, slotsOf(task));
        this.account.runs.requeue(task, "its node's job preparation task failed");
      }
    }
  }

  private runPreparation(job: JobRecord, poolId: string, nodeId: string, retryCount: number): void {
    job.nodeTasks ??= {};
    const key = nodeKey(poolId, nodeId);
    job.nodeTasks[key] ??= { poolId, nodeId };
    const entry = job.nodeTasks[key];
    entry.bootTime = this.account.store.getNode(poolId, nodeId)?.lastBootTime;
    const dispatchId = this.send(job, "jobPreparation", poolId, nodeId);
    entry.preparation = {
      ...this.runInfo(job, "jobPreparation", entry),
      retryCount,
      lastRetryTime: retryCount > 0 ? now() : undefined,
      dispatchId,
    };
    this.account.saveJob(job);
  }

  private runInfo(job: JobRecord, kind: "jobPreparation" | "jobRelease", entry: JobNodeTaskState) {
    const dir = taskDirectory(job.id, this.taskIdOf(job, kind));
    return {
      state: "running" as const,
      startTime: now(),
      taskRootDirectory: dir,
      taskRootDirectoryUrl: `${nodeUrl(this.account.config.endpoint, entry.poolId, entry.nodeId)}/files/${dir}`,
    };
  }

  private send(
    job: JobRecord,
    kind: "jobPreparation" | "jobRelease",
    poolId: string,
    nodeId: string,
  ): string {
    const prep = job.spec.jobPreparationTask;
    const spec = kind === "jobPreparation" ? prep! : job.spec.jobReleaseTask!;
    const taskId = this.taskIdOf(job, kind);
    const dispatchId = `${job.id}:${taskId}:${randomUUID().slice(0, 8)}`;
    this.account.dispatches.add({ dispatchId, kind, poolId, nodeId, jobId: job.id, taskId, slots: 0 });
    const wallClock =
      kind === "jobPreparation"
        ? prep?.constraints?.maxWallClockTime
        : (job.spec.jobReleaseTask?.maxWallClockTime ?? DEFAULT_RELEASE_WALL_CLOCK);
    const maxWallClockTimeMs = wallClock ? parseDuration(wallClock) : undefined;
    // A node that is away finds the run unknown when it registers again, and it is ended as lost then.
    this.account.nodeLink.send(poolId, nodeId, {
      type: "dispatch",
      dispatchId,
      kind,
      jobId: job.id,
      taskId,
      commandLine: spec.commandLine,
      environment: environmentFrom(job.spec.commonEnvironmentSettings, spec.environmentSettings),
      requiredSlots: 1,
      maxWallClockTimeMs,
      retentionTimeMs:
        kind === "jobPreparation"
          ? parseDuration(prep?.constraints?.retentionTime ?? DEFAULT_TASK_RETENTION)
          : undefined,
      ...dispatchFiles(
        { resourceFiles: spec.resourceFiles },
        { ...this.account.config, endpoint: this.account.endpointSeenBy(poolId, nodeId) },
        maxWallClockTimeMs,
      ),
    });
    return dispatchId;
  }

  private taskIdOf(job: JobRecord, kind: DispatchKind): string {
    return kind === "jobPreparation"
      ? (job.spec.jobPreparationTask?.id ?? "jobpreparation")
      : (job.spec.jobReleaseTask?.id ?? "jobrelease");
  }

  private runOf(dispatch: Dispatch) {
    const job = this.account.store.getJob(dispatch.jobId);
    const entry = job?.nodeTasks?.[nodeKey(dispatch.poolId, dispatch.nodeId)];
    const info = dispatch.kind === "jobPreparation" ? entry?.preparation : entry?.release;
    if (!job || !entry || !info || info.dispatchId !== dispatch.dispatchId) return undefined;
    return { job, entry, info };
  }
}

function failureOf(report: TaskCompletedMessage, kind: DispatchKind): FailureInfo | undefined {
  if (report.failure)
    return { category: report.failure.category, code: report.failure.code, message: report.failure.message };
  if (report.exitCode === 0) return undefined;
  const what = kind === "jobPreparation" ? "job preparation" : "job release";
  return {
    category: "usererror",
    code: "FailureExitCode",
    message: `The ${what} task exited with an exit code representing a failure (${report.exitCode}).`,
  };
}

function withoutDispatch<T extends { dispatchId?: string }>(info: T): Omit<T, "dispatchId"> {
  const { dispatchId: _, ...rest } = info;
  return rest;
}

function nodeKey(poolId: string, nodeId: string): string {
  return `${poolId}/${nodeId}`;
}

function waitKey(jobId: string, poolId: string, nodeId: string): string {
  return `${jobId}/${poolId}/${nodeId}`;
}
