/**
 * A node's `recentTasks`: the last runs that ended on it, newest first, as Azure's TaskInformation.
 * The run's facts are kept on the node record when it ends; the task's state is read when shown, since
 * Azure gives the task's current state.
 */
import type { TaskInformation } from "../../protocol/rest/node.js";
import type { TaskState } from "../../protocol/states.js";
import type { NodeRecord, RecentTaskRun } from "./records.js";
import { taskUrl } from "./views.js";

/** How many ended runs a node remembers. */
export const MAX_RECENT_TASKS = 10;

export function rememberRun(node: NodeRecord, run: RecentTaskRun): void {
  node.recentTasks = [run, ...(node.recentTasks ?? [])].slice(0, MAX_RECENT_TASKS);
}

/** The node's recent runs, each with its task's current state (a task deleted since is left out). */
export function recentTasksView(
  endpoint: string,
  node: NodeRecord,
  stateOf: (jobId: string, taskId: string) => TaskState | undefined,
): TaskInformation[] | undefined {
  const shown = (node.recentTasks ?? []).flatMap((run): TaskInformation[] => {
    const taskState = stateOf(run.jobId, run.taskId);
    if (!taskState) return [];
    const { jobId, taskId, ...executionInfo } = run;
    return [{ taskUrl: taskUrl(endpoint, jobId, taskId), jobId, taskId, taskState, executionInfo }];
  });
  return shown.length > 0 ? shown : undefined;
}
