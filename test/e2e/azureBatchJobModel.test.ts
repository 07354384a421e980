/**
 * The official `@azure/batch` 10.2.0 client driving the job model: a job with a job manager,
 * preparation and release task; tasks with constraints, exit conditions and dependencies; task counts;
 * the preparation/release status; update and reactivate; a multi-instance task and its subtasks.
 */
import { BatchServiceClient, BatchSharedKeyCredentials } from "@azure/batch";
import { beforeAll, describe, expect, it } from "vitest";
import { serviceForSuite, waitFor } from "../integration/harness.js";

describe("@azure/batch client and the job model", () => {
  const suite = serviceForSuite("azjobs");
  let batch: BatchServiceClient;

  beforeAll(async () => {
    const { accountName, accountKey, endpoint } = suite.service;
    batch = new BatchServiceClient(new BatchSharedKeyCredentials(accountName, accountKey), endpoint);
    await batch.pool.add({
      id: "mp",
      vmSize: "standard_d2s_v3",
      targetDedicatedNodes: 2,
      taskSlotsPerNode: 2,
    });
  });

  it("runs a job with a job manager, preparation and release task", async () => {
    await batch.job.add({
      id: "jm",
      poolInfo: { poolId: "mp" },
      jobManagerTask: {
        id: "manager",
        commandLine: "/bin/sleep 0.5",
        killJobOnCompletion: true,
        runExclusive: false,
      },
      jobPreparationTask: { commandLine: "/bin/true", waitForSuccess: true },
      jobReleaseTask: { commandLine: "/bin/true" },
    });
    const job = await waitFor("the job to complete", async () => {
      const j = await batch.job.get("jm");
      return j.state === "completed" && j;
    });
    expect(job.executionInfo?.terminateReason).toBe("JMComplete");
    expect(job.jobManagerTask?.id).toBe("manager");
    const status = await batch.job.listPreparationAndReleaseTaskStatus("jm");
    expect(status).toHaveLength(1);
    expect(status[0].jobPreparationTaskExecutionInfo?.result).toBe("success");
    expect(status[0].jobReleaseTaskExecutionInfo?.state).toBe("completed");
    const manager = await batch.task.get("jm", "manager");
    expect(manager.executionInfo?.result).toBe("success");
  });

  it("runs tasks with constraints and dependencies, and counts them", async () => {
    await batch.job.add({
      id: "deps",
      poolInfo: { poolId: "mp" },
      usesTaskDependencies: true,
      onTaskFailure: "performexitoptionsjobaction",
    });
    await batch.task.addCollection("deps", [
      { id: "1", commandLine: "/bin/true", constraints: { maxTaskRetryCount: 1, maxWallClockTime: "PT1M" } },
      { id: "2", commandLine: "/bin/true", dependsOn: { taskIds: ["1"] } },
      { id: "3", commandLine: "/bin/true", dependsOn: { taskIdRanges: [{ start: 1, end: 2 }] } },
      {
        id: "tolerated",
        commandLine: "/bin/sh -c 'exit 4'",
        exitConditions: {
          exitCodes: [{ code: 4, exitOptions: { jobAction: "none", dependencyAction: "satisfy" } }],
        },
      },
    ]);
    await waitFor(
      "the tasks to complete",
      async () => (await batch.job.getTaskCounts("deps")).taskCounts.completed === 4,
    );
    const { taskCounts, taskSlotCounts } = await batch.job.getTaskCounts("deps");
    expect(taskCounts).toMatchObject({ succeeded: 3, failed: 1, active: 0, running: 0 });
    expect(taskSlotCounts?.completed).toBe(4);
    const three = await batch.task.get("deps", "3");
    expect(three.dependsOn?.taskIdRanges).toEqual([{ start: 1, end: 2 }]);
    const two = await batch.task.get("deps", "2");
    expect(Date.parse(three.executionInfo!.startTime!.toISOString())).toBeGreaterThanOrEqual(
      Date.parse(two.executionInfo!.endTime!.toISOString()),
    );
    expect((await batch.job.get("deps")).state).toBe("active");

    const failed = await batch.task.list("deps", {
      taskListOptions: { filter: "executionInfo/result eq 'failure'" },
    });
    expect(failed.map((t) => t.id)).toEqual(["tolerated"]);
    const firstRun = (await batch.task.get("deps", "tolerated")).executionInfo!.endTime!.getTime();
    await batch.task.reactivate("deps", "tolerated");
    // It runs again (and fails again the same way): a later run, its retry count reset.
    const again = await waitFor("the reactivated task to complete again", async () => {
      const t = await batch.task.get("deps", "tolerated");
      return t.state === "completed" && t.executionInfo!.startTime!.getTime() >= firstRun && t;
    });
    expect(again.executionInfo?.retryCount).toBe(0);
    await batch.task.add("deps", { id: "later", commandLine: "/bin/sleep 30" });
    await batch.task.update("deps", "later", { constraints: { maxTaskRetryCount: 2 } });
    expect((await batch.task.get("deps", "later")).constraints?.maxTaskRetryCount).toBe(2);
    await batch.task.terminate("deps", "later");
  });

  it("runs a multi-instance task and lists its subtasks", async () => {
    await batch.pool.add({
      id: "inter",
      vmSize: "standard_d2s_v3",
      targetDedicatedNodes: 2,
      taskSlotsPerNode: 1,
      enableInterNodeCommunication: true,
    });
    await batch.job.add({ id: "mpi", poolInfo: { poolId: "inter" } });
    await batch.task.add("mpi", {
      id: "gang",
      commandLine: "/bin/sh -c 'echo hosts=$AZ_BATCH_HOST_LIST'",
      multiInstanceSettings: { numberOfInstances: 2, coordinationCommandLine: "/bin/true" },
    });
    const task = await waitFor("the multi-instance task to complete", async () => {
      const t = await batch.task.get("mpi", "gang");
      return t.state === "completed" && t;
    });
    expect(task.executionInfo?.result).toBe("success");
    expect(task.multiInstanceSettings).toMatchObject({
      numberOfInstances: 2,
      coordinationCommandLine: "/bin/true",
    });
    const { value: subtasks } = await batch.task.listSubtasks("mpi", "gang");
    expect(subtasks).toHaveLength(1);
    expect(subtasks![0]).toMatchObject({ id: 1, state: "completed", result: "success", exitCode: 0 });
    expect(subtasks![0]!.nodeInfo?.nodeId).not.toBe(task.nodeInfo?.nodeId);
    expect(subtasks![0]!.startTime).toBeInstanceOf(Date);
  });
});
