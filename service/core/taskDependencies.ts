/**
 * Task dependencies (`dependsOn`) as an in-memory graph beside the store: for each waiting task, how
 * many of the tasks it depends on are not yet satisfied; for each such parent, who waits on it. A
 * completion touches only its own dependents, so the cost is O(edges) over the whole job, and the
 * scheduler only ever sees tasks that may run. Rebuilt from the store at start-up.
 */
import { BatchError, invalidPropertyValue } from "../../protocol/errors.js";
import type { TaskDependencies } from "../../protocol/rest/task.js";

/** Azure's limit on the combined length of `taskIds`. */
const MAX_TASK_IDS_LENGTH = 64_000;
/** Ranges are expanded into ids; past this a graph is better expressed another way. */
const MAX_RANGE_IDS = 100_000;

/** The ids a task depends on, ranges expanded, duplicates removed. Throws a BatchError for bad input. */
export function parentsOf(taskId: string, dependsOn: TaskDependencies): string[] {
  const ids = new Set(dependsOn.taskIds ?? []);
  if ((dependsOn.taskIds ?? []).join("").length > MAX_TASK_IDS_LENGTH)
    throw new BatchError(
      "TaskDependencyListTooLong",
      `dependsOn.taskIds of task ${taskId} exceed ${MAX_TASK_IDS_LENGTH} characters; use taskIdRanges.`,
    );
  let expanded = 0;
  for (const { start, end } of dependsOn.taskIdRanges ?? []) {
    if (start > end || start < 0)
      throw invalidPropertyValue(
        "dependsOn.taskIdRanges",
        { start, end },
        `the range ${start}..${end} of task ${taskId} is empty or negative; give start ≤ end, both ≥ 0.`,
      );
    expanded += end - start + 1;
    if (expanded > MAX_RANGE_IDS)
      throw invalidPropertyValue(
        "dependsOn.taskIdRanges",
        { start, end },
        `the ranges of task ${taskId} name more than ${MAX_RANGE_IDS} tasks; split the job or depend on fewer tasks.`,
      );
    for (let n = start; n <= end; n++) ids.add(String(n));
  }
  if (ids.has(taskId))
    throw invalidPropertyValue("dependsOn", dependsOn, `task ${taskId} cannot depend on itself.`);
  return [...ids];
}

export class TaskDependencyGraph {
  /** job → parent id → the tasks waiting on it. */
  private readonly dependents = new Map<string, Map<string, string[]>>();
  /** `job/task` → how many of its parents are not satisfied yet. */
  private readonly unsatisfied = new Map<string, number>();

  /** `isSatisfied(jobId, taskId)`: that task exists, completed, and its dependencyAction is `satisfy`. */
  constructor(private readonly isSatisfied: (jobId: string, taskId: string) => boolean) {}

  /** Registers a task's dependencies; `true` when it may run at once. */
  admit(jobId: string, taskId: string, parents: string[]): boolean {
    const pending = parents.filter((parent) => !this.isSatisfied(jobId, parent));
    if (pending.length === 0) return true;
    this.unsatisfied.set(key(jobId, taskId), pending.length);
    let byParent = this.dependents.get(jobId);
    if (!byParent) {
      byParent = new Map();
      this.dependents.set(jobId, byParent);
    }
    for (const parent of pending) {
      const list = byParent.get(parent);
      if (list) list.push(taskId);
      else byParent.set(parent, [taskId]);
    }
    return false;
  }

  isWaiting(jobId: string, taskId: string): boolean {
    return this.unsatisfied.has(key(jobId, taskId));
  }

  /** A task completed and satisfies its dependents: the ones that may run now. */
  satisfied(jobId: string, taskId: string): string[] {
    const byParent = this.dependents.get(jobId);
    const waiting = byParent?.get(taskId);
    if (!byParent || !waiting) return [];
    byParent.delete(taskId);
    const ready: string[] = [];
    for (const dependent of waiting) {
      const k = key(jobId, dependent);
      const left = this.unsatisfied.get(k);
      if (left === undefined) continue; // deleted meanwhile
      if (left > 1) {
        this.unsatisfied.set(k, left - 1);
      } else {
        this.unsatisfied.delete(k);
        ready.push(dependent);
      }
    }
    return ready;
  }

  /** A waiting task was deleted: it no longer waits (its entries under parents are skipped later). */
  forgetTask(jobId: string, taskId: string): void {
    this.unsatisfied.delete(key(jobId, taskId));
  }

  forgetJob(jobId: string): void {
    const byParent = this.dependents.get(jobId);
    if (!byParent) return;
    for (const waiting of byParent.values()) for (const t of waiting) this.unsatisfied.delete(key(jobId, t));
    this.dependents.delete(jobId);
  }
}

function key(jobId: string, taskId: string): string {
  return `${jobId}/${taskId}`;
}
