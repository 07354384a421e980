/**
 * How many of each job's tasks are in each state, kept up to date on every task state change, so
 * "are all tasks complete?" costs O(1) whatever the size of the job.
 */
import type { TaskState } from "../../protocol/states.js";

export type TaskStateCounts = Record<TaskState, number>;

export class JobTaskCounts {
  private readonly counts = new Map<string, TaskStateCounts>();

  load(rows: { jobId: string; state: string; count: number }[]): void {
    for (const row of rows) this.of(row.jobId)[row.state as TaskState] += row.count;
  }

  of(jobId: string): TaskStateCounts {
    let c = this.counts.get(jobId);
    if (!c) {
      c = { active: 0, preparing: 0, running: 0, completed: 0 };
      this.counts.set(jobId, c);
    }
    return c;
  }

  change(jobId: string, from: TaskState | undefined, to: TaskState | undefined): void {
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
