/**
 * Waiting for a job's tasks (`job wait`, `task list --watch`) by polling the REST API, which has no
 * event stream: each poll reads the job's state (`$select=state`) and its task counts, both O(1) on
 * the service; anything more is fetched only when the counts change. The wait ends when none of the
 * job's tasks is active or running, or the job is completed.
 *
 * The outcome decides the exit code: 0 when every task succeeded, 1 (`TasksFailed`) when a task
 * failed or never ran, 2 (`Timeout`) when the deadline passed first.
 */
import type { BatchClient } from "../client/batchClient.js";
import { collect } from "../client/paging.js";
import type { FailureInfo } from "../protocol/rest/common.js";
import type { Job, TaskCountsResult } from "../protocol/rest/job.js";
import { failedTaskColumns } from "./columns.js";
import type { CliContext } from "./context.js";
import { CommandError, WaitTimedOut } from "./errors.js";
import { type OutputFormat, printJson, renderTable } from "./output.js";

export const POLL_INTERVAL_MS = 500;

export type TaskCounts = TaskCountsResult["taskCounts"];

export interface JobProgress {
  jobState: Job["state"];
  counts: TaskCounts;
}

export interface FailedTask {
  id: string;
  exitCode?: number;
  failureInfo?: FailureInfo;
}

/** What `job wait -o json` prints. */
export interface JobOutcome {
  jobId: string;
  jobState: Job["state"];
  timedOut: boolean;
  taskCounts: TaskCounts;
  failedTasks: FailedTask[];
}

export interface PollOptions {
  /** `Date.now()` after which the wait gives up. */
  deadline?: number;
  /** Called with the first progress and again each time it changes. */
  onChange: (progress: JobProgress) => Promise<void> | void;
}

/** Polls until the job's tasks are settled (or the deadline passes); returns the last progress. */
export async function pollJob(
  client: BatchClient,
  jobId: string,
  options: PollOptions,
): Promise<{ progress: JobProgress; timedOut: boolean }> {
  let last = "";
  for (;;) {
    const progress = await readProgress(client, jobId);
    const key = JSON.stringify(progress);
    if (key !== last) await options.onChange(progress);
    last = key;
    if (isSettled(progress)) return { progress, timedOut: false };
    const remaining = options.deadline === undefined ? POLL_INTERVAL_MS : options.deadline - Date.now();
    if (remaining <= 0) return { progress, timedOut: true };
    await new Promise((resolve) => setTimeout(resolve, Math.min(POLL_INTERVAL_MS, remaining)));
  }
}

async function readProgress(client: BatchClient, jobId: string): Promise<JobProgress> {
  const [job, counts] = await Promise.all([
    client.jobs.get(jobId, { select: "state" }),
    client.jobs.getTaskCounts(jobId),
  ]);
  return { jobState: job.state, counts: counts.taskCounts };
}

function isSettled({ jobState, counts }: JobProgress): boolean {
  return counts.active + counts.running === 0 || jobState === "completed";
}

export function describeCounts(counts: TaskCounts): string {
  return `${counts.active} active, ${counts.running} running, ${counts.succeeded} succeeded, ${counts.failed} failed`;
}

/** One progress line on stderr, rewritten in place; only on a terminal (scripts get the summary only). */
export function progressLine(
  context: CliContext,
  jobId: string,
): {
  show: (progress: JobProgress) => void;
  clear: () => void;
} {
  let shown = false;
  return {
    show: ({ counts }) => {
      if (!context.stderrIsTTY) return;
      context.stderr(`\r\x1b[2Kjob ${jobId}: ${describeCounts(counts)}`);
      shown = true;
    },
    clear: () => {
      if (shown) context.stderr("\r\x1b[2K");
    },
  };
}

/** The outcome of a finished (or timed-out) wait, with the failed tasks read in one filtered list call. */
export async function jobOutcome(
  client: BatchClient,
  jobId: string,
  { progress, timedOut }: { progress: JobProgress; timedOut: boolean },
): Promise<JobOutcome> {
  const failed =
    progress.counts.failed === 0
      ? []
      : await collect(
          client.tasks.list(jobId, {
            filter: "executionInfo/result eq 'failure'",
            select: "id,executionInfo",
          }),
        );
  return {
    jobId,
    jobState: progress.jobState,
    timedOut,
    taskCounts: progress.counts,
    failedTasks: failed.map((task) => ({
      id: task.id,
      exitCode: task.executionInfo?.exitCode,
      failureInfo: task.executionInfo?.failureInfo,
    })),
  };
}

/** The first line of `job wait`'s summary. */
function summaryLine(outcome: JobOutcome): string {
  const { jobId, taskCounts: counts } = outcome;
  if (outcome.timedOut) return `Job ${jobId} timed out waiting: ${describeCounts(counts)}.`;
  const total = counts.active + counts.running + counts.completed;
  const unfinished = counts.active + counts.running;
  const never = unfinished > 0 ? `, ${unfinished} did not run (the job is ${outcome.jobState})` : "";
  return `Job ${jobId}: ${total} task${total === 1 ? "" : "s"}, ${counts.succeeded} succeeded, ${counts.failed} failed${never}.`;
}

/** `job wait`'s summary: the outcome as JSON, or a line and the failed tasks' table. */
export function printOutcome(context: CliContext, output: OutputFormat, outcome: JobOutcome): void {
  if (output === "json") {
    printJson(context, outcome);
    return;
  }
  context.stdout(`${summaryLine(outcome)}\n`);
  if (outcome.failedTasks.length > 0) context.stdout(renderTable(outcome.failedTasks, failedTaskColumns));
}

/** Throws what makes the command exit 1 (a task failed or never ran) or 2 (timed out); returns when all succeeded. */
export function enforceOutcome(outcome: JobOutcome): void {
  const { jobId, taskCounts: counts } = outcome;
  if (outcome.timedOut) {
    throw new WaitTimedOut(`job ${jobId} still has tasks to run (${describeCounts(counts)})`);
  }
  const unfinished = counts.active + counts.running;
  if (counts.failed === 0 && unfinished === 0) return;
  const failed = outcome.failedTasks.map(
    (task) => `${task.id} (${task.failureInfo?.code ?? "failed"}, exit code ${task.exitCode ?? "none"})`,
  );
  const parts = [
    counts.failed > 0 ? `${counts.failed} failed: ${failed.join(", ")}` : undefined,
    unfinished > 0 ? `${unfinished} did not run because the job is ${outcome.jobState}` : undefined,
  ];
  throw new CommandError(
    "TasksFailed",
    `not every task of job ${jobId} succeeded: ${parts.filter(Boolean).join("; ")}`,
  );
}
