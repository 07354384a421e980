/** Jobs: add, get, list, delete, terminate, and completion when their tasks are done. */

import { parseDuration } from "../../protocol/duration.js";
import { BatchError, invalidPropertyValue } from "../../protocol/errors.js";
import type {
  JobAddParameter,
  JobDisableParameter,
  JobPatchParameter,
  JobTerminateParameter,
} from "../../protocol/rest/job.js";
import type { JobSpecification } from "../../protocol/rest/jobSchedule.js";
import type { JobAction } from "../../protocol/rest/task.js";
import type { Account } from "./account.js";
import { JobDeadlines } from "./jobDeadlines.js";
import { firstVersion, type JobRecord } from "./records.js";
import { moveJob, touch } from "./stateChange.js";
import { checkDurations } from "./tasks.js";
import { now } from "./time.js";

export class JobCommands {
  private readonly deadlines = new JobDeadlines((jobId) => this.expire(jobId));

  constructor(private readonly account: Account) {}

  /** `jobScheduleId`: the schedule creating the job, if one is. */
  add(spec: JobAddParameter, jobScheduleId?: string): JobRecord {
    const { store } = this.account;
    if (store.getJob(spec.id)) throw new BatchError("JobExists", `Job id: ${spec.id}.`);
    this.check(spec);
    const at = now();
    const job: JobRecord = {
      ...firstVersion(spec.id, store.nextSeq("jobs"), spec, "active" as const, at),
      priority: spec.priority ?? 0,
      executionInfo: { startTime: at, poolId: spec.poolInfo.poolId },
      ...(jobScheduleId === undefined ? {} : { jobScheduleId }),
    };
    this.account.saveJob(job);
    this.schedule(job);
    if (spec.jobManagerTask) this.account.tasks.addJobManager(job, spec.jobManagerTask);
    return job;
  }

  /** Refuses what the schema cannot: checked when a job is added and when a job schedule is given its specification. */
  check(spec: JobSpecification): void {
    JobDeadlines.limitOf({ spec });
    if (spec.jobReleaseTask && !spec.jobPreparationTask)
      throw new BatchError(
        "MissingRequiredProperty",
        "A job with a jobReleaseTask needs a jobPreparationTask (the release runs where the preparation ran); add one, e.g. /bin/true.",
        [{ key: "PropertyName", value: "jobPreparationTask" }],
      );
    checkDurations(spec.jobManagerTask?.constraints, "jobManagerTask.constraints");
    checkDurations(spec.jobPreparationTask?.constraints, "jobPreparationTask.constraints");
    const release = spec.jobReleaseTask?.maxWallClockTime;
    if (release !== undefined && !(parseDuration(release)! > 0))
      throw invalidPropertyValue(
        "jobReleaseTask.maxWallClockTime",
        release,
        "give a positive ISO 8601 duration, e.g. PT15M.",
      );
    const ids = [
      spec.jobManagerTask?.id,
      spec.jobPreparationTask?.id ?? "jobpreparation",
      spec.jobReleaseTask?.id ?? "jobrelease",
    ];
    if (spec.jobManagerTask && ids.indexOf(spec.jobManagerTask.id) !== 0)
      throw invalidPropertyValue(
        "jobManagerTask.id",
        spec.jobManagerTask.id,
        "it is the id of the job's preparation or release task; choose another.",
      );
  }

  get(jobId: string): JobRecord {
    const job = this.account.store.getJob(jobId);
    if (!job) throw new BatchError("JobNotFound", `Job id: ${jobId}.`);
    return job;
  }

  /** Every job (start-up only; REST lists page through the store). */
  all(): JobRecord[] {
    return this.account.store.listJobs({ limit: Number.MAX_SAFE_INTEGER });
  }

  /** Tells the scheduler about a job's queue settings, and arms its wall-clock limit. */
  schedule(job: JobRecord): void {
    this.deadlines.arm(job);
    this.account.scheduler.upsertJob(job.id, {
      poolId: job.spec.poolInfo.poolId,
      priority: job.priority,
      seq: job.seq,
      maxParallelTasks: job.spec.maxParallelTasks ?? -1,
      runnable: job.state === "active",
    });
  }

  /** `PATCH`: replaces the properties given; the scheduler re-orders the job's waiting tasks at once. */
  patch(jobId: string, params: JobPatchParameter): JobRecord {
    const job = this.get(jobId);
    if (job.state === "completed") throw new BatchError("JobCompleted", `Job id: ${jobId}.`);
    if (job.state === "deleting") throw new BatchError("JobBeingDeleted", `Job id: ${jobId}.`);
    const { priority, ...rest } = params;
    if (rest.constraints) JobDeadlines.limitOf({ spec: { ...job.spec, constraints: rest.constraints } });
    job.spec = { ...job.spec, ...rest, ...(priority === undefined ? {} : { priority }) };
    if (priority !== undefined) job.priority = priority;
    touch(job);
    this.account.saveJob(job);
    this.schedule(job);
    return job;
  }

  /**
   * Stops scheduling the job's tasks. Running ones are requeued (killed, queued again), terminated, or
   * left to finish, as `disableTasks` says; the job is `disabling` until none runs, then `disabled`.
   */
  disable(jobId: string, { disableTasks }: JobDisableParameter): void {
    const job = this.get(jobId);
    if (job.state !== "active") throw new BatchError("JobNotActive", `Job ${jobId} is ${job.state}.`);
    moveJob(job, "disabling");
    this.account.saveJob(job);
    this.schedule(job);
    const { runs, store } = this.account;
    for (const d of this.account.dispatches.forJob(jobId)) {
      const task = store.getTask(d.jobId, d.taskId);
      if (!task || task.dispatchId !== d.dispatchId) continue;
      if (disableTasks === "requeue") {
        runs.sendTerminate(task, "the job was disabled (requeue)");
        runs.requeue(task, "the job was disabled");
      } else if (disableTasks === "terminate") {
        runs.terminate(task, "the job was disabled (terminate)");
      }
    }
    this.finishDisablingWhenIdle(job);
  }

  /** Lets the scheduler run the job's tasks again. */
  enable(jobId: string): void {
    const job = this.get(jobId);
    if (job.state !== "disabled") throw new BatchError("JobNotDisabled", `Job ${jobId} is ${job.state}.`);
    moveJob(job, "enabling");
    moveJob(job, "active");
    this.account.saveJob(job);
    this.schedule(job);
  }

  terminate(jobId: string, params: JobTerminateParameter = {}): void {
    const job = this.get(jobId);
    if (job.state === "completed") throw new BatchError("JobCompleted", `Job id: ${jobId}.`);
    if (job.state === "deleting") throw new BatchError("JobBeingDeleted", `Job id: ${jobId}.`);
    if (job.state === "terminating") throw new BatchError("JobBeingTerminated", `Job id: ${jobId}.`);
    this.beginTermination(job, params.terminateReason ?? "UserTerminate");
  }

  delete(jobId: string): void {
    const job = this.get(jobId);
    if (job.state === "deleting") return;
    moveJob(job, "deleting");
    this.account.saveJob(job);
    this.account.scheduler.removeJob(jobId);
    this.deadlines.clear(jobId);
    // The release tasks run, but nothing waits for them: the job's records go now.
    this.account.jobNodeTasks.release(job);
    // Running processes are killed; their dispatches free the slots when the agents report.
    for (const d of this.account.dispatches.forJob(jobId)) {
      const task = this.account.store.getTask(d.jobId, d.taskId);
      if (task) this.account.runs.sendTerminate(task, "the job was deleted");
    }
    this.account.store.deleteTasksOfJob(jobId);
    this.account.dependencies.forgetJob(jobId);
    this.account.store.deleteJob(jobId);
    this.account.counts.forget(jobId);
    this.account.jobSchedules.afterJobEnded(job);
  }

  /** A task of the job completed with this jobAction: acted on when the job's onTaskFailure says so. */
  afterTaskExit(jobId: string, action: JobAction): void {
    const job = this.account.store.getJob(jobId);
    if (!job || job.state !== "active" || job.spec.onTaskFailure !== "performexitoptionsjobaction") return;
    if (action === "terminate") this.beginTermination(job, "TaskFailed");
    else if (action === "disable") this.disable(jobId, { disableTasks: "requeue" });
  }

  /** The job's job manager task completed and kills the job on completion. */
  afterJobManager(jobId: string): void {
    const job = this.account.store.getJob(jobId);
    if (job?.state === "active" || job?.state === "disabled" || job?.state === "disabling")
      this.beginTermination(job, "JMComplete");
  }

  /** A task of the job completed: finish a terminating job, or end the job when `onAllTasksComplete` says so. */
  afterTaskCompleted(jobId: string): void {
    const job = this.account.store.getJob(jobId);
    if (!job) return;
    if (job.state === "disabling") {
      this.finishDisablingWhenIdle(job);
    } else if (job.state === "terminating" && this.nothingRuns(jobId)) {
      this.finishTermination(job);
    } else if (
      job.state === "active" &&
      job.spec.onAllTasksComplete === "terminatejob" &&
      this.account.counts.allComplete(jobId)
    ) {
      this.beginTermination(job, "AllTasksComplete");
    }
  }

  /** The job's maxWallClockTime is up: it is terminated as Azure does, its running tasks killed. */
  private expire(jobId: string): void {
    const job = this.account.store.getJob(jobId);
    if (!job || job.state === "terminating" || job.state === "completed" || job.state === "deleting") return;
    this.beginTermination(job, "MaxWallClockTimeExpiry");
  }

  /** None of the job's tasks is preparing or running (O(1), from the per-job counts). */
  private nothingRuns(jobId: string): boolean {
    const counts = this.account.counts.of(jobId);
    const job = this.account.store.getJob(jobId);
    const releasing = job ? this.account.jobNodeTasks.releasesRunning(job) : 0;
    return counts.running + counts.preparing + releasing === 0;
  }

  private finishDisablingWhenIdle(job: JobRecord): void {
    if (job.state !== "disabling" || !this.nothingRuns(job.id)) return;
    moveJob(job, "disabled");
    this.account.saveJob(job);
  }

  private beginTermination(job: JobRecord, reason: string): void {
    moveJob(job, "terminating");
    job.executionInfo.terminateReason = reason;
    this.account.saveJob(job);
    this.schedule(job);
    const ending = [
      ...this.account.dispatches.forJob(job.id).map((d) => this.account.store.getTask(d.jobId, d.taskId)),
      ...this.account.jobNodeTasks.waitingTasks(job.id),
    ];
    for (const task of ending)
      if (task) this.account.runs.terminate(task, `the job was terminated (${reason})`);
    this.account.jobNodeTasks.release(job);
    if (this.nothingRuns(job.id)) this.finishTermination(job);
  }

  private finishTermination(job: JobRecord): void {
    moveJob(job, "completed");
    job.executionInfo.endTime = now();
    this.account.saveJob(job);
    this.schedule(job);
    this.account.jobSchedules.afterJobEnded(job);
  }
}
