/**
 * A job's own settings with real agents: environment (common, then the task's own), metadata,
 * requiredSlots, onAllTasksComplete, terminate with a reason, and the lists over the outcome —
 * `$filter` on state, id, times and executionInfo/exitCode, `$select`, `$expand=stats`.
 */
import { describe, expect, it } from "vitest";
import { collect } from "../../client/index.js";
import type { Task } from "../../protocol/rest/task.js";
import { serviceForSuite, waitFor } from "./harness.js";

describe("the job model", () => {
  const suite = serviceForSuite("jobmodel");

  it("runs tasks with the job's and their own environment, holds requiredSlots, and completes on onAllTasksComplete", async () => {
    const { client } = suite.service;
    await client.pools.add({ id: "mp", vmSize: "small", targetDedicatedNodes: 1, taskSlotsPerNode: 2 });
    await client.jobs.add({
      id: "env",
      poolInfo: { poolId: "mp" },
      commonEnvironmentSettings: [
        { name: "GREETING", value: "hello" },
        { name: "WHO", value: "job" },
      ],
      metadata: [{ name: "owner", value: "tests" }],
      onAllTasksComplete: "terminatejob",
    });
    await client.tasks.addMany("env", [
      {
        id: "own",
        commandLine: '/bin/sh -c "echo $GREETING $WHO"',
        environmentSettings: [{ name: "WHO", value: "task" }],
      },
      { id: "common", commandLine: '/bin/sh -c "echo $GREETING $WHO"' },
      { id: "wide", commandLine: "/bin/sleep 0.3", requiredSlots: 2 },
      { id: "narrow", commandLine: "/bin/sleep 0.3" },
      { id: "bad", commandLine: "/bin/sh -c 'exit 6'" },
    ]);
    const job = await waitFor("the job to complete", async () => {
      const j = await client.jobs.get("env");
      return j.state === "completed" && j;
    });
    expect(job.executionInfo?.terminateReason).toBe("AllTasksComplete");
    expect(job.metadata).toEqual([{ name: "owner", value: "tests" }]);
    expect(await client.tasks.getFileText("env", "own", "stdout.txt")).toBe("hello task\n");
    expect(await client.tasks.getFileText("env", "common", "stdout.txt")).toBe("hello job\n");
    // The two-slot task had the node to itself: no other task ran while it did.
    const tasks = await collect(client.tasks.list("env"));
    const wide = tasks.find((t) => t.id === "wide")!;
    expect(wide.requiredSlots).toBe(2);
    const span = (t: Task) => [
      Date.parse(t.executionInfo!.startTime!),
      Date.parse(t.executionInfo!.endTime!),
    ];
    const [ws, we] = span(wide);
    for (const t of tasks.filter((t) => t.id !== "wide")) {
      const [s, e] = span(t);
      expect(e <= ws || s >= we).toBe(true);
    }
    const counts = await client.jobs.getTaskCounts("env");
    expect(counts.taskSlotCounts).toMatchObject({ completed: 6, failed: 1, succeeded: 5 });
  });

  it("filters, selects and expands lists over the outcome", async () => {
    const { client } = suite.service;
    const ids = async (filter: string) =>
      (await collect(client.tasks.list("env", { filter }))).map((t) => t.id).sort();
    expect(await ids("executionInfo/exitCode eq 6")).toEqual(["bad"]);
    expect(await ids("executionInfo/exitCode ne 0")).toEqual(["bad"]);
    expect(await ids("id eq 'own' or id eq 'common'")).toEqual(["common", "own"]);
    expect(await ids("state eq 'completed' and executionInfo/result eq 'failure'")).toEqual(["bad"]);
    const wide = await client.tasks.get("env", "wide");
    expect(
      await ids(`executionInfo/startTime ge datetime'${wide.executionInfo!.startTime}' and id eq 'wide'`),
    ).toEqual(["wide"]);
    const selected = await collect(
      client.tasks.list("env", { filter: "id eq 'bad'", select: "id,executionInfo" }),
    );
    expect(Object.keys(selected[0]).sort()).toEqual(["executionInfo", "id"]);
    const jobs = await collect(
      client.jobs.list({ filter: "executionInfo/terminateReason eq 'AllTasksComplete'" }),
    );
    expect(jobs.map((j) => j.id)).toEqual(["env"]);

    const { stats } = await client.jobs.get("env", { expand: "stats" });
    expect(stats).toMatchObject({ numSucceededTasks: 4, numFailedTasks: 1, numTaskRetries: 0 });
    expect(stats?.wallClockTime).toMatch(/^PT\d/);
    const task = await client.tasks.get("env", "wide", { expand: "stats" });
    const seconds = Number(/^PT([\d.]+)S$/.exec(task.stats!.wallClockTime)?.[1]);
    expect(seconds).toBeGreaterThanOrEqual(0.3);
    const refused = await client.jobs
      .get("env", { expand: "tasks" as "stats" })
      .catch((e: { code?: string }) => e.code);
    expect(refused).toBe("InvalidQueryParameterValue");
  });

  it("terminates a job with a reason", async () => {
    const { client } = suite.service;
    await client.jobs.add({ id: "stopped", poolInfo: { poolId: "mp" } });
    await client.jobs.terminate("stopped", "not needed any more");
    const job = await waitFor("the job to complete", async () => {
      const j = await client.jobs.get("stopped");
      return j.state === "completed" && j;
    });
    expect(job.executionInfo?.terminateReason).toBe("not needed any more");
    expect(job.executionInfo?.endTime).toBeDefined();
  });
});
