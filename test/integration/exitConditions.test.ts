/**
 * A job that acts on task failures (`onTaskFailure: performexitoptionsjobaction`), with real agents:
 * a task's exit code, exit code range, pre-processing error or default picks what happens to the job;
 * retries and wall-clock kills show in executionInfo and failureInfo.
 */
import { describe, expect, it } from "vitest";
import type { BatchClient } from "../../client/index.js";
import type { TaskAddParameter } from "../../protocol/rest/task.js";
import { completedTask, serviceForSuite, waitFor } from "./harness.js";

async function jobActingOnFailures(client: BatchClient, id: string, task: TaskAddParameter) {
  await client.jobs.add({
    id,
    poolInfo: { poolId: "xp" },
    onTaskFailure: "performexitoptionsjobaction",
    usesTaskDependencies: true,
  });
  await client.tasks.add(id, task);
  return completedTask(client, id, task.id);
}

describe("exit conditions and onTaskFailure", () => {
  const suite = serviceForSuite("exitconditions");

  it("leaves the job active when the exit code's jobAction is none", async () => {
    const { client } = suite.service;
    await client.pools.add({ id: "xp", vmSize: "small", targetDedicatedNodes: 1, taskSlotsPerNode: 4 });
    const task = await jobActingOnFailures(client, "tolerant", {
      id: "five",
      commandLine: "/bin/sh -c 'exit 5'",
      exitConditions: { exitCodes: [{ code: 5, exitOptions: { jobAction: "none" } }] },
    });
    expect(task.executionInfo?.exitCode).toBe(5);
    expect(task.executionInfo?.result).toBe("failure");
    expect((await client.jobs.get("tolerant")).state).toBe("active");
  });

  it("terminates the job (TaskFailed) on a failure its conditions do not list", async () => {
    const { client } = suite.service;
    await jobActingOnFailures(client, "strict", { id: "seven", commandLine: "/bin/sh -c 'exit 7'" });
    const job = await waitFor("the job to complete", async () => {
      const j = await client.jobs.get("strict");
      return j.state === "completed" && j;
    });
    expect(job.executionInfo?.terminateReason).toBe("TaskFailed");
  });

  it("disables the job for an exit code in a range whose jobAction is disable", async () => {
    const { client } = suite.service;
    await jobActingOnFailures(client, "ranged", {
      id: "twelve",
      commandLine: "/bin/sh -c 'exit 12'",
      exitConditions: { exitCodeRanges: [{ start: 10, end: 20, exitOptions: { jobAction: "disable" } }] },
    });
    await waitFor(
      "the job to be disabled",
      async () => (await client.jobs.get("ranged")).state === "disabled",
    );
  });

  it("applies preProcessingError when a resource file cannot be fetched, and satisfies dependents as told", async () => {
    const { client } = suite.service;
    const url = "http://127.0.0.1:1/missing.txt";
    const task = await jobActingOnFailures(client, "fetching", {
      id: "fetch",
      commandLine: "/bin/true",
      resourceFiles: [{ httpUrl: url, filePath: "missing.txt" }],
      exitConditions: { preProcessingError: { jobAction: "none", dependencyAction: "satisfy" } },
    });
    expect(task.executionInfo?.exitCode).toBeUndefined();
    expect(task.executionInfo?.failureInfo?.message).toContain(url);
    await client.tasks.add("fetching", {
      id: "next",
      commandLine: "/bin/true",
      dependsOn: { taskIds: ["fetch"] },
    });
    expect((await completedTask(client, "fetching", "next")).executionInfo?.result).toBe("success");
    expect((await client.jobs.get("fetching")).state).toBe("active");
  });

  it("refuses a jobAction on a job whose onTaskFailure is noaction", async () => {
    const { client } = suite.service;
    await client.jobs.add({ id: "noaction", poolInfo: { poolId: "xp" } });
    const code = await client.tasks
      .add("noaction", {
        id: "t",
        commandLine: "/bin/true",
        exitConditions: { default: { jobAction: "terminate" } },
      })
      .catch((e: { code?: string }) => e.code);
    expect(code).toBe("InvalidPropertyValue");
  });

  it("retries a failing task maxTaskRetryCount times, and kills one past its maxWallClockTime", async () => {
    const { client } = suite.service;
    await client.tasks.add("noaction", {
      id: "retried",
      commandLine: "/bin/sh -c 'exit 9'",
      constraints: { maxTaskRetryCount: 2 },
    });
    await client.tasks.add("noaction", {
      id: "slow",
      commandLine: "/bin/sleep 60",
      constraints: { maxWallClockTime: "PT1S" },
    });
    const retried = await completedTask(client, "noaction", "retried");
    expect(retried.executionInfo?.retryCount).toBe(2);
    expect(retried.executionInfo?.exitCode).toBe(9);
    expect(retried.executionInfo?.failureInfo).toMatchObject({
      category: "usererror",
      code: "FailureExitCode",
    });
    const slow = await completedTask(client, "noaction", "slow");
    expect(slow.executionInfo?.failureInfo).toMatchObject({
      category: "usererror",
      code: "MaxWallClockTimeExceeded",
    });
    expect(slow.executionInfo?.exitCode).toBe(143); // SIGTERM first, as a terminate does
  });
});
