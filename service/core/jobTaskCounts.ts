/**
 * How many of each job's tasks are in each state (and, of the completed ones, how many failed), kept
 * up to date on every task state change, so "are all tasks complete?" and `GET /jobs/{id}/taskcounts`
 * cost O(1) whatever the size of the job.
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

export class JobTaskCounts {
  private readonly counts = new Map<string, TaskStateCounts>();

  /** Start-up: rows of the store's `taskStateCounts()`. */
  load(rows: { jobId: string; state: string; failed: number; count: number }[]): void {
    for (const row of rows) {
      const bucket: CountBucket =
        row.state === "completed" && row.failed ? "failed" : (row.state as TaskState);
      this.of(row.jobId)[bucket] += row.count;
    }
  }

  of(jobId: string): TaskStateCounts {
    let c = this.counts.get(jobId);
    if (!c) {
      c = { active: 0, preparing: 0, running: 0, completed: 0, failed: 0 };
      this.counts.set(jobId, c);
    }
    return c;
  }

  change(jobId: string, from: CountBucket | undefined, to: CountBucket | undefined): void {
    if (from === to) return;
    const c = this.of(jobId);
    if (from) c[from]--;
    if (to) c[to]++;
  }

  forget(jobId: string): void {
    this.counts.delete(jobId);
  }

  /** No task waits or runs (a job with no tasks at all counts as complete). */
  allComplete(jobId: string): boolean {
    const c = this.of(jobId);
    return c.active + c.preparing + c.running === 0;
  }
}
