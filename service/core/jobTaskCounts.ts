/**
 * How many of each job's tasks, and how many task slots, are in each state (completed ones split into
 * succeeded and failed), kept up to date on every task state change, so "are all tasks complete?" and
 * `GET /jobs/{id}/taskcounts` cost O(1) whatever the size of the job.
 */
import type { TaskState } from "../../protocol/states.js";
import type { TaskRecord } from "./records.js";

/** A completed task that failed is counted apart from one that succeeded. */
export type CountBucket = TaskState | "failed";
export type TaskStateCounts = Record<CountBucket, number>;

/** The bucket a task is counted in now. */
export function bucketOf(task: Pick<TaskRecord, "state" | "executionInfo">): CountBucket {
  return task.state === "completed" && task.executionInfo.result === "failure" ? "failed" : task.state;
}

/** Sums over a job's completed tasks, for its `$expand=stats`. */
export interface JobRunTotals {
  wallClockMs: number;
  waitMs: number;
  retries: number;
}

export class JobTaskCounts {
  private readonly counts = new Map<string, TaskStateCounts>();
  private readonly totals = new Map<string, JobRunTotals>();
  private readonly slots = new Map<string, TaskStateCounts>();

  /** Start-up: rows of the store's `taskStateCounts()`. */
  load(rows: { jobId: string; state: string; failed: number; count: number; slots: number }[]): void {
    for (const row of rows) {
      const bucket: CountBucket =
        row.state === "completed" && row.failed ? "failed" : (row.state as TaskState);
      this.of(row.jobId)[bucket] += row.count;
      this.slotsOf(row.jobId)[bucket] += row.slots;
    }
  }

  /** Tasks per bucket. */
  of(jobId: string): TaskStateCounts {
    return bucketsIn(this.counts, jobId);
  }

  /** Task slots (`requiredSlots`) per bucket. */
  slotsOf(jobId: string): TaskStateCounts {
    return bucketsIn(this.slots, jobId);
  }

  /** A task needing `slots` slots moved between buckets (`undefined`: added or deleted). */
  change(jobId: string, from: CountBucket | undefined, to: CountBucket | undefined, slots: number): void {
    if (from === to) return;
    const tasks = this.of(jobId);
    const taskSlots = this.slotsOf(jobId);
    if (from) {
      tasks[from]--;
      taskSlots[from] -= slots;
    }
    if (to) {
      tasks[to]++;
      taskSlots[to] += slots;
    }
  }

  /** Start-up: rows of the store's `taskRunTotals()`. */
  loadTotals(rows: ({ jobId: string } & JobRunTotals)[]): void {
    for (const { jobId, ...totals } of rows) this.totals.set(jobId, totals);
  }

  totalsOf(jobId: string): JobRunTotals {
    let t = this.totals.get(jobId);
    if (!t) {
      t = { wallClockMs: 0, waitMs: 0, retries: 0 };
      this.totals.set(jobId, t);
    }
    return t;
  }

  /** A task completed: its last run's times and its retries join the job's totals. */
  addRun(task: Pick<TaskRecord, "jobId" | "creationTime" | "executionInfo">): void {
    const t = this.totalsOf(task.jobId);
    const { startTime, endTime, retryCount } = task.executionInfo;
    if (startTime && endTime) {
      t.wallClockMs += Date.parse(endTime) - Date.parse(startTime);
      t.waitMs += Date.parse(startTime) - Date.parse(task.creationTime);
    }
    t.retries += retryCount;
  }

  /** Counts and totals of several jobs added up (a job schedule's statistics). */
  sumOf(jobIds: readonly string[]): { counts: TaskStateCounts; totals: JobRunTotals } {
    const counts: TaskStateCounts = { active: 0, preparing: 0, running: 0, completed: 0, failed: 0 };
    const totals: JobRunTotals = { wallClockMs: 0, waitMs: 0, retries: 0 };
    for (const jobId of jobIds) {
      const c = this.counts.get(jobId);
      const t = this.totals.get(jobId);
      if (c) for (const bucket of Object.keys(counts) as CountBucket[]) counts[bucket] += c[bucket];
      if (t) {
        totals.wallClockMs += t.wallClockMs;
        totals.waitMs += t.waitMs;
        totals.retries += t.retries;
      }
    }
    return { counts, totals };
  }

  forget(jobId: string): void {
    this.counts.delete(jobId);
    this.totals.delete(jobId);
    this.slots.delete(jobId);
  }

  /** No task waits or runs (a job with no tasks at all counts as complete). */
  allComplete(jobId: string): boolean {
    const c = this.of(jobId);
    return c.active + c.preparing + c.running === 0;
  }
}

function bucketsIn(map: Map<string, TaskStateCounts>, jobId: string): TaskStateCounts {
  let c = map.get(jobId);
  if (!c) {
    c = { active: 0, preparing: 0, running: 0, completed: 0, failed: 0 };
    map.set(jobId, c);
  }
  return c;
}
