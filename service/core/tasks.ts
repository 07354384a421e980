/** Tasks: add (one or a collection), get, list, delete, terminate. */
import { preciseNow } from "../../protocol/clock.js";
import { parseDuration } from "../../protocol/duration.js";
import { BatchError, invalidPropertyValue, isBatchError } from "../../protocol/errors.js";
import type { JobManagerTask } from "../../protocol/rest/jobTasks.js";
import type { TaskAddParameter, TaskAddResult, TaskUpdateParameter } from "../../protocol/rest/task.js";
import type { Account } from "./account.js";
import { instancesOf, slotsOf } from "./account.js";
import { namedJobActions } from "./exitOptions.js";
import { bucketOf } from "./jobTaskCounts.js";
import { checkMultiInstance } from "./multiInstance.js";
import { firstVersion, type JobRecord, type TaskRecord } from "./records.js";
import { moveTask, touch } from "./stateChange.js";
import { parentsOf } from "./taskDependencies.js";
import { now } from "./time.js";
import { eTag, taskUrl } from "./views.js";

export class TaskCommands {
  constructor(private readonly account: Account) {}

  /** `requestedAt`: when the request that adds it reached the service (`preciseNow()`), for its timeline. */
  add(jobId: string, spec: TaskAddParameter, requestedAt = preciseNow()): TaskRecord {
    const job = this.activeJob(jobId);
    const task = this.insert(job, spec, requestedAt);
    if (!task) throw new BatchError("TaskExists", `Task id: ${spec.id} in job ${jobId}.`);
    return task;
  }

  /** Adds each task on its own: one duplicate fails that entry, not the collection (as Azure does). */
  addCollection(jobId: string, specs: TaskAddParameter[], requestedAt = preciseNow()): TaskAddResult[] {
    const job = this.activeJob(jobId);
    const seen = new Set<string>();
    return specs.map((spec): TaskAddResult => {
      let task: TaskRecord | undefined;
      try {
        task = seen.has(spec.id) ? undefined : this.insert(job, spec, requestedAt);
      } catch (error) {
        if (!isBatchError(error)) throw error;
        return { status: "clienterror", taskId: spec.id, error: error.toBody() };
      }
      seen.add(spec.id);
      if (!task) {
        return {
          status: "clienterror",
          taskId: spec.id,
          error: new BatchError("TaskExists", `Task id: ${spec.id}.`).toBody(),
        };
      }
      return {
        status: "success",
        taskId: task.id,
        eTag: eTag(task.version),
        lastModified: task.lastModified,
        location: taskUrl(this.account.config.endpoint, jobId, task.id),
      };
    });
  }

  get(jobId: string, taskId: string): TaskRecord {
    this.account.jobs.get(jobId);
    const task = this.account.store.getTask(jobId, taskId);
    if (!task) throw new BatchError("TaskNotFound", `Task id: ${taskId} in job ${jobId}.`);
    return task;
  }

  /** `PUT`: new constraints; a running task keeps its current run's, the next run gets these. */
  update(jobId: string, taskId: string, params: TaskUpdateParameter): TaskRecord {
    const task = this.get(jobId, taskId);
    if (task.state === "completed") throw new BatchError("TaskCompleted", `Task ${taskId} in job ${jobId}.`);
    checkDurations(params.constraints);
    task.spec = { ...task.spec, constraints: params.constraints };
    touch(task);
    this.account.saveTask(task, task.state);
    return task;
  }

  /**
   * Runs a failed task again, its retry count reset (Azure's reactivate): it is active, and queued once
   * the tasks it depends on are satisfied. Tasks waiting on it run when it succeeds.
   */
  reactivate(jobId: string, taskId: string): TaskRecord {
    const task = this.get(jobId, taskId);
    const job = this.activeJob(jobId);
    if (task.state !== "completed" || task.executionInfo.result !== "failure")
      throw new BatchError(
        "TaskNotFailed",
        `Task ${taskId} in job ${jobId} is ${task.state}${task.executionInfo.result === "success" ? " and succeeded" : ""}.`,
      );
    const before = bucketOf(task);
    moveTask(task, "active");
    task.executionInfo = {
      retryCount: 0,
      requeueCount: task.executionInfo.requeueCount,
      lastRequeueTime: task.executionInfo.lastRequeueTime,
    };
    task.dependencyAction = undefined;
    this.account.store.putTask(task);
    this.account.counts.change(job.id, before, "active", slotsOf(task));
    this.admit(task);
    return task;
  }

  terminate(jobId: string, taskId: string): void {
    const task = this.get(jobId, taskId);
    this.account.runs.terminate(task, "the user asked for it");
  }

  delete(jobId: string, taskId: string): void {
    const task = this.get(jobId, taskId);
    // A running process is killed; its dispatch frees the slots when the agent reports.
    if (task.state === "running" || task.state === "preparing")
      this.account.runs.sendTerminate(task, "the task was deleted");
    this.account.store.deleteTask(jobId, taskId);
    this.account.dependencies.forgetTask(jobId, taskId);
    this.account.counts.change(jobId, bucketOf(task), undefined, slotsOf(task));
    this.account.jobs.afterTaskCompleted(jobId);
  }

  private activeJob(jobId: string): JobRecord {
    const job = this.account.jobs.get(jobId);
    if (job.state === "completed")
      throw new BatchError("JobCompleted", `Tasks cannot be added to job ${jobId}.`);
    if (job.state === "deleting") throw new BatchError("JobBeingDeleted", `Job id: ${jobId}.`);
    if (job.state === "terminating") throw new BatchError("JobBeingTerminated", `Job id: ${jobId}.`);
    return job;
  }

  /**
   * The job manager task, added with its job and queued ahead of the job's tasks; run exclusive
   * (the default), it takes every slot of its node.
   */
  addJobManager(job: JobRecord, spec: JobManagerTask): void {
    const { killJobOnCompletion, runExclusive, ...taskSpec } = spec;
    const pool = this.account.store.getPool(job.spec.poolInfo.poolId);
    const task: TaskRecord = {
      jobId: job.id,
      ...firstVersion(spec.id, this.account.store.nextSeq("tasks"), taskSpec, "active" as const, now()),
      executionInfo: { retryCount: 0, requeueCount: 0 },
      jobManager: { killJobOnCompletion: killJobOnCompletion ?? true },
    };
    if (runExclusive ?? true)
      task.reservedSlots = Math.max(pool?.spec.taskSlotsPerNode ?? 1, taskSpec.requiredSlots ?? 1);
    this.account.store.insertTask(task);
    this.account.counts.change(job.id, undefined, "active", slotsOf(task));
    this.account.scheduler.enqueue(job.id, task.id, slotsOf(task), true);
  }

  /** Queues an active task, unless it waits for tasks it depends on (it is queued when they complete). */
  admit(task: TaskRecord): void {
    const { dependsOn } = task.spec;
    if (dependsOn && !this.account.dependencies.admit(task.jobId, task.id, parentsOf(task.id, dependsOn)))
      return;
    this.account.scheduler.enqueue(task.jobId, task.id, slotsOf(task), false, instancesOf(task));
  }

  /** What the schema cannot say: dependencies need a job that allows them, job actions one that acts on them. */
  private check(job: JobRecord, spec: TaskAddParameter): void {
    checkDurations(spec.constraints);
    if (spec.multiInstanceSettings)
      checkMultiInstance(this.account.store.getPool(job.spec.poolInfo.poolId), spec);
    this.account.applications.checkReferences(
      spec.applicationPackageReferences,
      "applicationPackageReferences",
    );
    if (spec.dependsOn) {
      if (!job.spec.usesTaskDependencies)
        throw new BatchError("TaskDependenciesNotSpecifiedOnJob", `Job ${job.id}, task ${spec.id}.`);
      parentsOf(spec.id, spec.dependsOn);
    }
    const actions = namedJobActions(spec.exitConditions);
    if (actions.length > 0 && job.spec.onTaskFailure !== "performexitoptionsjobaction") {
      throw invalidPropertyValue(
        "exitConditions",
        actions,
        `task ${spec.id} names a jobAction, but job ${job.id} has onTaskFailure 'noaction'; set onTaskFailure to 'performexitoptionsjobaction' or leave jobAction out.`,
      );
    }
  }

  private insert(job: JobRecord, spec: TaskAddParameter, requestedAt: number): TaskRecord | undefined {
    const { store } = this.account;
    this.check(job, spec);
    const at = now();
    const task: TaskRecord = {
      jobId: job.id,
      ...firstVersion(spec.id, 0, spec, "active" as const, at),
      executionInfo: { retryCount: 0, requeueCount: 0 },
      timeline: { addedAt: requestedAt },
    };
    if (store.getTask(job.id, spec.id)) return undefined;
    task.seq = store.nextSeq("tasks");
    if (!store.insertTask(task)) return undefined;
    this.account.counts.change(job.id, undefined, "active", slotsOf(task));
    this.admit(task);
    return task;
  }
}

/**
 * The schema checks the form of a constraint's duration; this, that it is a positive one. `at` is
 * where the constraints are in the request (`jobManagerTask.constraints`, say).
 */
export function checkDurations(constraints: TaskAddParameter["constraints"], at = "constraints"): void {
  for (const name of ["maxWallClockTime", "retentionTime"] as const) {
    const value = constraints?.[name];
    if (value !== undefined && !((parseDuration(value) ?? 0) > 0))
      throw invalidPropertyValue(`${at}.${name}`, value, "give a positive ISO 8601 duration, e.g. PT1H.");
  }
}
