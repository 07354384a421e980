import { describe, expect, it } from "vitest";
import { MAX_RECENT_TASKS, recentTasksView, rememberRun } from "../../../service/core/recentTasks.js";
import type { NodeRecord } from "../../../service/core/records.js";

function node(): NodeRecord {
  return {
    poolId: "p",
    id: "n",
    state: "idle",
    schedulingState: "enabled",
    stateTransitionTime: "2024-01-01T00:00:00.000Z",
    allocationTime: "2024-01-01T00:00:00.000Z",
    isDedicated: true,
    totalTasksRun: 0,
    totalTasksSucceeded: 0,
    machine: { rootDirectory: "/tmp/n" },
  };
}

const run = (taskId: string) => ({ jobId: "j", taskId, retryCount: 0, requeueCount: 0, exitCode: 0 });

describe("recentTasks", () => {
  it("keeps the newest runs first, up to the limit", () => {
    const n = node();
    for (let i = 0; i < MAX_RECENT_TASKS + 3; i++) rememberRun(n, run(`t${i}`));
    expect(n.recentTasks).toHaveLength(MAX_RECENT_TASKS);
    expect(n.recentTasks![0]!.taskId).toBe(`t${MAX_RECENT_TASKS + 2}`);
    expect(n.recentTasks!.at(-1)!.taskId).toBe("t3");
  });

  it("shows each run with its task's current state and URL, leaving out deleted tasks", () => {
    const n = node();
    expect(recentTasksView("http://h", n, () => "completed")).toBeUndefined();
    rememberRun(n, run("gone"));
    rememberRun(n, run("kept"));
    const view = recentTasksView("http://h", n, (_job, task) => (task === "kept" ? "active" : undefined));
    expect(view).toEqual([
      {
        taskUrl: "http://h/jobs/j/tasks/kept",
        jobId: "j",
        taskId: "kept",
        taskState: "active",
        executionInfo: { retryCount: 0, requeueCount: 0, exitCode: 0 },
      },
    ]);
  });
});
