/**
 * Task dependencies with real agents: a 1,000-task graph (chains, fan-in through ranges, random
 * edges, added in shuffled order so some tasks name parents that do not exist yet) runs in dependency
 * order, checked from the start and end times the agents recorded; a failed parent blocks its
 * dependents unless its exit conditions satisfy them.
 */
import { describe, expect, it } from "vitest";
import type { Task, TaskAddParameter } from "../../protocol/rest/task.js";
import { serviceForSuite, waitFor } from "./harness.js";

/** A deterministic generator, so a failure can be replayed. */
function lcg(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    return state / 2 ** 31;
  };
}

function graph(): TaskAddParameter[] {
  const random = lcg(42);
  const tasks: TaskAddParameter[] = [];
  const add = (n: number, dependsOn?: TaskAddParameter["dependsOn"]) =>
    tasks.push({ id: String(n), commandLine: "/bin/true", ...(dependsOn ? { dependsOn } : {}) });
  // 1..300: ten chains of thirty (i waits for i-10).
  for (let i = 1; i <= 300; i++) add(i, i > 10 ? { taskIds: [String(i - 10)] } : undefined);
  // 301..600: fan-in on the ten chain ends, as a range.
  for (let i = 301; i <= 600; i++) add(i, { taskIdRanges: [{ start: 291, end: 300 }] });
  // 601..999: two random earlier tasks each.
  for (let i = 601; i <= 999; i++) {
    const a = 1 + Math.floor(random() * (i - 1));
    const b = 1 + Math.floor(random() * (i - 1));
    add(i, { taskIds: [...new Set([String(a), String(b)])] });
  }
  // 1000: everything before it.
  add(1000, { taskIdRanges: [{ start: 1, end: 999 }] });
  // Shuffled: a dependent may arrive before the tasks it names.
  for (let i = tasks.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [tasks[i], tasks[j]] = [tasks[j], tasks[i]];
  }
  return tasks;
}

function parents(task: TaskAddParameter): string[] {
  const ids = [...(task.dependsOn?.taskIds ?? [])];
  for (const { start, end } of task.dependsOn?.taskIdRanges ?? [])
    for (let n = start; n <= end; n++) ids.push(String(n));
  return ids;
}

describe("task dependencies", () => {
  const suite = serviceForSuite("deps");

  it("runs a 1,000-task graph in dependency order", async () => {
    const { client } = suite.service;
    await client.pools.add({ id: "gp", vmSize: "small", targetDedicatedNodes: 2, taskSlotsPerNode: 4 });
    await client.jobs.add({ id: "graph", poolInfo: { poolId: "gp" }, usesTaskDependencies: true });
    const specs = graph();
    await client.tasks.addMany("graph", specs);
    await waitFor(
      "the graph to complete",
      async () => {
        const { taskCounts } = await client.jobs.getTaskCounts("graph");
        return taskCounts.completed === 1000 && taskCounts;
      },
      180_000,
    );
    const done = new Map<string, Task>();
    for await (const task of client.tasks.list("graph")) done.set(task.id, task);
    expect(done.size).toBe(1000);
    const violations: string[] = [];
    for (const spec of specs) {
      const task = done.get(spec.id)!;
      expect(task.executionInfo?.result).toBe("success");
      const start = Date.parse(task.executionInfo!.startTime!);
      for (const parent of parents(spec)) {
        const end = Date.parse(done.get(parent)!.executionInfo!.endTime!);
        if (start < end) violations.push(`${spec.id} started before ${parent} ended`);
      }
    }
    expect(violations).toEqual([]);
  });

  it("blocks the dependents of a failed task unless its exit conditions satisfy them", async () => {
    const { client } = suite.service;
    await client.jobs.add({ id: "fails", poolInfo: { poolId: "gp" }, usesTaskDependencies: true });
    await client.tasks.addMany("fails", [
      { id: "broken", commandLine: "/bin/sh -c 'exit 1'" },
      { id: "blocked", commandLine: "/bin/true", dependsOn: { taskIds: ["broken"] } },
      {
        id: "tolerated",
        commandLine: "/bin/sh -c 'exit 3'",
        exitConditions: { exitCodes: [{ code: 3, exitOptions: { dependencyAction: "satisfy" } }] },
      },
      { id: "after-tolerated", commandLine: "/bin/true", dependsOn: { taskIds: ["tolerated"] } },
    ]);
    const after = await waitFor("the satisfied dependent to run", async () => {
      const t = await client.tasks.get("fails", "after-tolerated");
      return t.state === "completed" && t;
    });
    expect(after.executionInfo?.result).toBe("success");
    expect((await client.tasks.get("fails", "tolerated")).executionInfo?.exitCode).toBe(3);
    const broken = await client.tasks.get("fails", "broken");
    expect(broken.executionInfo?.failureInfo?.code).toBe("FailureExitCode");
    const blocked = await client.tasks.get("fails", "blocked");
    expect(blocked.state).toBe("active");
    expect(blocked.executionInfo?.startTime).toBeUndefined();
  });

  it("refuses dependencies on a job that does not use them, and a task depending on itself", async () => {
    const { client } = suite.service;
    await client.jobs.add({ id: "plain", poolInfo: { poolId: "gp" } });
    const refused = await client.tasks
      .add("plain", { id: "t", commandLine: "/bin/true", dependsOn: { taskIds: ["x"] } })
      .catch((e: { code?: string }) => e.code);
    expect(refused).toBe("TaskDependenciesNotSpecifiedOnJob");
    const self = await client.tasks
      .add("fails", {
        id: "7",
        commandLine: "/bin/true",
        dependsOn: { taskIdRanges: [{ start: 5, end: 9 }] },
      })
      .catch((e: { code?: string }) => e.code);
    expect(self).toBe("InvalidPropertyValue");
  });
});
