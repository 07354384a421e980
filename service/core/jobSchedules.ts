/**
 * Job schedules: add, get, patch, update, disable, enable, terminate, delete, and the jobs they create.
 * When a job is due is decided by scheduleOccurrences.ts; this file acts on it. One timer per schedule
 * wakes it for its next occurrence (or the end of a window, or doNotRunAfter), re-armed at start-up; a
 * job of the schedule ending is the other event that moves it on.
 *
 * Never twice: a job is created and the schedule's nextRunTime and job count advanced in one synchronous
 * step, so the store commits them in the same transaction. After a crash either both are on disk or
 * neither is, and the start-up pass creates a due job only if it was not created (and its window is open).
 */
import { createHash } from "node:crypto";
import { BatchError } from "../../protocol/errors.js";
import type {
  JobScheduleAddParameter,
  JobSchedulePatchParameter,
  JobScheduleUpdateParameter,
} from "../../protocol/rest/jobSchedule.js";
import type { Account } from "./account.js";
import { firstVersion, type JobRecord, type JobScheduleRecord } from "./records.js";
import { firstRunTime, nextStep, type ScheduleTiming, timingOf } from "./scheduleOccurrences.js";
import { moveJobSchedule, touch } from "./stateChange.js";
import { now } from "./time.js";
import { TimerPerKey } from "./timerPerKey.js";

/** Azure names a schedule's jobs `{scheduleId}:job-{n}`; ids here cannot hold `:`, so `_` takes its place. */
const SCHEDULED_JOB_SEPARATOR = "_job-";
/** The longest id `ID_PATTERN` allows. */
const ID_MAX_LENGTH = 64;

/**
 * The id of a schedule's `n`th job: `{scheduleId}_job-{n}`. When that is longer than an id may be, the
 * schedule id is shortened and followed by 8 hex digits of its SHA-256, so it stays distinct.
 */
export function scheduledJobId(scheduleId: string, n: number): string {
  const suffix = `${SCHEDULED_JOB_SEPARATOR}${n}`;
  if (scheduleId.length + suffix.length <= ID_MAX_LENGTH) return scheduleId + suffix;
  const hash = createHash("sha256").update(scheduleId).digest("hex").slice(0, 8);
  return `${scheduleId.slice(0, ID_MAX_LENGTH - suffix.length - hash.length - 1)}-${hash}${suffix}`;
}

export class JobScheduleCommands {
  private readonly timers = new TimerPerKey((id) => this.advance(id));

  constructor(private readonly account: Account) {}

  add(spec: JobScheduleAddParameter): JobScheduleRecord {
    const { store } = this.account;
    if (store.getJobSchedule(spec.id))
      throw new BatchError("JobScheduleExists", `Job schedule id: ${spec.id}.`);
    const timing = this.check(spec);
    const at = now();
    const schedule: JobScheduleRecord = {
      ...firstVersion(spec.id, store.nextSeq("jobSchedules"), spec, "active" as const, at),
      executionInfo: { nextRunTime: isoTime(firstRunTime(timing, Date.parse(at))) },
      jobCount: 0,
    };
    store.putJobSchedule(schedule);
    this.advance(schedule.id);
    return this.get(spec.id);
  }

  get(id: string): JobScheduleRecord {
    const schedule = this.account.store.getJobSchedule(id);
    if (!schedule) throw new BatchError("JobScheduleNotFound", `Job schedule id: ${id}.`);
    return schedule;
  }

  /** `PATCH`: the properties given replace the schedule's; a new `schedule` applies from the next occurrence. */
  patch(id: string, params: JobSchedulePatchParameter): JobScheduleRecord {
    const schedule = this.changeable(id);
    return this.respecify(schedule, { ...schedule.spec, ...params }, params.schedule !== undefined);
  }

  /** `PUT`: replaces schedule, jobSpecification and metadata. */
  update(id: string, params: JobScheduleUpdateParameter): JobScheduleRecord {
    const schedule = this.changeable(id);
    const { id: scheduleId, displayName } = schedule.spec;
    return this.respecify(schedule, { id: scheduleId, displayName, ...params }, true);
  }

  /** No job is created while disabled: occurrences that come meanwhile are skipped. */
  disable(id: string): void {
    this.switchTo(id, "disabled");
  }

  /** Jobs are created again, starting with an occurrence still within its start window. */
  enable(id: string): void {
    this.switchTo(id, "active");
  }

  /** No more jobs; the active job is terminated, and the schedule completes once it has. */
  terminate(id: string): void {
    const schedule = this.changeable(id);
    moveJobSchedule(schedule, "terminating");
    schedule.executionInfo.nextRunTime = undefined;
    this.account.store.putJobSchedule(schedule);
    this.timers.clear(id);
    const job = this.activeJob(schedule);
    if (job && job.state !== "terminating")
      this.account.jobs.terminate(job.id, { terminateReason: "TerminateJobSchedule" });
    // Terminating the job may have completed the schedule already (through afterJobEnded).
    this.advance(id);
  }

  /** Deletes the schedule and every job it created (their running tasks are terminated). */
  delete(id: string): void {
    const { store } = this.account;
    const schedule = this.get(id);
    if (schedule.state === "deleting") return;
    moveJobSchedule(schedule, "deleting");
    store.putJobSchedule(schedule);
    this.timers.clear(id);
    for (const job of store.listJobsOfSchedule(id, { limit: Number.MAX_SAFE_INTEGER }))
      this.account.jobs.delete(job.id);
    store.deleteJobSchedule(id);
  }

  /** A job ended (completed or deleted): if it was its schedule's active job, a waiting occurrence may run. */
  afterJobEnded(job: JobRecord): void {
    if (job.jobScheduleId !== undefined) this.advance(job.jobScheduleId);
  }

  /** Start-up: every schedule still running catches up (creating a job that is due, skipping missed ones) and re-arms its timer. */
  start(): void {
    for (const schedule of this.account.store.listJobSchedules({ limit: Number.MAX_SAFE_INTEGER }))
      this.advance(schedule.id);
  }

  stop(): void {
    this.timers.clearAll();
  }

  /**
   * Brings the schedule up to now: creates the job that is due, gives up missed occurrences, completes
   * it when no job will come, and sets its timer for the next moment something can happen.
   */
  private advance(id: string): void {
    const { store } = this.account;
    const schedule = store.getJobSchedule(id);
    if (!schedule || schedule.state === "completed" || schedule.state === "deleting") {
      this.timers.clear(id);
      return;
    }
    if (schedule.state === "terminating") {
      if (!this.activeJob(schedule)) this.complete(schedule);
      return;
    }
    // Checked against the minimum when given; a later, larger minimum does not stop a running schedule.
    const timing = timingOf(schedule.spec.schedule, 0);
    for (;;) {
      const step = nextStep(
        timing,
        {
          nextRunTime: epochMs(schedule.executionInfo.nextRunTime),
          jobActive: this.activeJob(schedule) !== undefined,
          disabled: schedule.state === "disabled",
        },
        Date.now(),
      );
      if (step.action === "createJob") {
        this.createJob(schedule, step.due, step.nextRunTime);
        continue;
      }
      if (step.skipped !== undefined) schedule.lastDueTime = isoTime(step.skipped);
      if (step.action === "complete") {
        this.complete(schedule);
        return;
      }
      schedule.executionInfo.nextRunTime = isoTime(step.nextRunTime);
      store.putJobSchedule(schedule);
      if (step.wakeAt === undefined) this.timers.clear(id);
      else this.timers.at(id, step.wakeAt);
      return;
    }
  }

  /** The job, and the schedule advanced past its occurrence, are written in the same turn: one transaction. */
  private createJob(schedule: JobScheduleRecord, due: number, nextRunTime: number | undefined): void {
    const { store } = this.account;
    let jobId: string;
    do {
      schedule.jobCount++;
      jobId = scheduledJobId(schedule.id, schedule.jobCount);
    } while (store.getJob(jobId));
    this.account.jobs.add({ ...schedule.spec.jobSpecification, id: jobId }, schedule.id);
    schedule.executionInfo.recentJob = { id: jobId };
    schedule.executionInfo.nextRunTime = isoTime(nextRunTime);
    schedule.lastDueTime = isoTime(due);
    store.putJobSchedule(schedule);
  }

  private complete(schedule: JobScheduleRecord): void {
    moveJobSchedule(schedule, "completed");
    schedule.executionInfo.nextRunTime = undefined;
    schedule.executionInfo.endTime = now();
    this.account.store.putJobSchedule(schedule);
    this.timers.clear(schedule.id);
  }

  /** The schedule's most recent job, while it is not completed. */
  private activeJob(schedule: JobScheduleRecord): JobRecord | undefined {
    const recent = schedule.executionInfo.recentJob;
    const job = recent && this.account.store.getJob(recent.id);
    return job && job.state !== "completed" ? job : undefined;
  }

  /** Disables or enables (doing nothing if it already is). */
  private switchTo(id: string, state: "active" | "disabled"): void {
    const schedule = this.changeable(id);
    if (schedule.state === state) return;
    moveJobSchedule(schedule, state);
    this.account.store.putJobSchedule(schedule);
    this.advance(id);
  }

  /** A schedule that may still be changed (patched, disabled, enabled, terminated). */
  private changeable(id: string): JobScheduleRecord {
    const schedule = this.get(id);
    const detail = `Job schedule id: ${id}.`;
    if (schedule.state === "completed") throw new BatchError("JobScheduleCompleted", detail);
    if (schedule.state === "terminating") throw new BatchError("JobScheduleBeingTerminated", detail);
    if (schedule.state === "deleting") throw new BatchError("JobScheduleBeingDeleted", detail);
    return schedule;
  }

  private respecify(
    schedule: JobScheduleRecord,
    spec: JobScheduleAddParameter,
    scheduleChanged: boolean,
  ): JobScheduleRecord {
    const timing = this.check(spec);
    schedule.spec = spec;
    touch(schedule);
    if (scheduleChanged) {
      const next = firstRunTime(timing, Date.now(), epochMs(schedule.lastDueTime));
      schedule.executionInfo.nextRunTime = isoTime(next);
    }
    this.account.store.putJobSchedule(schedule);
    this.advance(schedule.id);
    return this.get(schedule.id);
  }

  /** Refuses a schedule or job specification that cannot run; returns the schedule's times. */
  private check(spec: JobScheduleAddParameter): ScheduleTiming {
    this.account.jobs.check(spec.jobSpecification);
    return timingOf(spec.schedule, this.account.config.minimumScheduleIntervalMs);
  }
}

function epochMs(iso: string | undefined): number | undefined {
  return iso === undefined ? undefined : Date.parse(iso);
}

function isoTime(ms: number | undefined): string | undefined {
  return ms === undefined ? undefined : new Date(ms).toISOString();
}
