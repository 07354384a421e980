/**
 * `task list --watch`: the job's tasks kept up to date by polling (cli/jobWait.ts), redrawn as a
 * table, or printed as one JSON line per task that changed. When the task counts change, only the
 * tasks whose state changed since the last look are fetched (`$filter=stateTransitionTime ge ...`,
 * `$select` of the shown properties); if the tasks held then disagree with the counts (a task was
 * deleted, clocks), the whole list is fetched again.
 */
import type { BatchClient } from "../client/batchClient.js";
import type { Task } from "../protocol/rest/task.js";
import { taskColumns } from "./columns.js";
import type { CliContext } from "./context.js";
import { describeCounts, enforceOutcome, jobOutcome, pollJob, type TaskCounts } from "./jobWait.js";
import { type OutputFormat, renderTable } from "./output.js";

/** The properties the table shows, and `stateTransitionTime` to ask only for later changes. */
const WATCHED_PROPERTIES = "id,state,stateTransitionTime,executionInfo,nodeInfo";

/** Clears a terminal and puts the cursor at the top, to redraw the table in place. */
const CLEAR_SCREEN = "\x1b[H\x1b[2J";

export async function watchTasks(
  client: BatchClient,
  context: CliContext,
  output: OutputFormat,
  jobId: string,
): Promise<void> {
  const view = new WatchedTasks(client, jobId);
  const result = await pollJob(client, jobId, {
    onChange: async ({ counts }) => {
      const changed = await view.refresh(counts);
      if (output === "json") {
        for (const task of changed) context.stdout(`${JSON.stringify(task)}\n`);
        return;
      }
      const table = view.size === 0 ? `No tasks in job ${jobId}.\n` : renderTable(view.all(), taskColumns);
      const status = `job ${jobId}: ${describeCounts(counts)} (${new Date().toLocaleTimeString()})\n`;
      context.stdout(context.stdoutIsTTY ? `${CLEAR_SCREEN}${table}${status}` : `${table}${status}\n`);
    },
  });
  enforceOutcome(await jobOutcome(client, jobId, result));
}

/** The job's tasks as last fetched, in the service's order (the order they were added). */
export class WatchedTasks {
  private tasks = new Map<string, Task>();
  /** The latest `stateTransitionTime` seen: later changes have one at least as late (the service's clock). */
  private since: string | undefined;

  constructor(
    private readonly client: BatchClient,
    private readonly jobId: string,
  ) {}

  get size(): number {
    return this.tasks.size;
  }

  all(): Task[] {
    return [...this.tasks.values()];
  }

  /** Brings the tasks up to date with `counts`; returns the tasks that changed (or are new). */
  async refresh(counts: TaskCounts): Promise<Task[]> {
    if (this.since !== undefined) {
      const changed = await this.merge(`stateTransitionTime ge datetime'${this.since}'`);
      if (this.agreesWith(counts)) return changed;
    }
    return this.replaceAll();
  }

  private async merge(filter: string): Promise<Task[]> {
    const changed: Task[] = [];
    for await (const task of this.fetch(filter)) {
      if (this.differs(task)) changed.push(task);
      this.tasks.set(task.id, task);
    }
    return changed;
  }

  private async replaceAll(): Promise<Task[]> {
    const fresh = new Map<string, Task>();
    const changed: Task[] = [];
    for await (const task of this.fetch(undefined)) {
      if (this.differs(task)) changed.push(task);
      fresh.set(task.id, task);
    }
    this.tasks = fresh;
    return changed;
  }

  private async *fetch(filter: string | undefined): AsyncGenerator<Task> {
    for await (const task of this.client.tasks.list(this.jobId, { filter, select: WATCHED_PROPERTIES })) {
      if (this.since === undefined || task.stateTransitionTime > this.since)
        this.since = task.stateTransitionTime;
      yield task;
    }
  }

  private differs(task: Task): boolean {
    const before = this.tasks.get(task.id);
    return before === undefined || JSON.stringify(before) !== JSON.stringify(task);
  }

  private agreesWith(counts: TaskCounts): boolean {
    let active = 0;
    let running = 0;
    let completed = 0;
    for (const { state } of this.tasks.values()) {
      if (state === "active") active++;
      else if (state === "completed") completed++;
      else running++;
    }
    return active === counts.active && running === counts.running && completed === counts.completed;
  }
}
