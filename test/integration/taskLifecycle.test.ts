/**
 * Operations on one task with real agents: new constraints for its next runs (PUT), reactivating a
 * failed task (retry count reset, it runs again), and the node deleting its directory after its
 * retentionTime.
 */
import { writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { completedTask, serviceForSuite, waitFor } from "./harness.js";

describe("task update, reactivate and retention", () => {
  const suite = serviceForSuite("tasklife");

  it("reactivates a failed task: it runs again with its retry count reset", async () => {
    const { client } = suite.service;
    const marker = path.join(suite.dataDir, "second-run");
    await client.pools.add({ id: "lp", vmSize: "small", targetDedicatedNodes: 1, taskSlotsPerNode: 2 });
    await client.jobs.add({ id: "life", poolInfo: { poolId: "lp" } });
    await client.tasks.add("life", {
      id: "flaky",
      commandLine: `/bin/sh -c "if [ -e ${marker} ]; then exit 0; fi; touch ${marker}; exit 2"`,
      constraints: { maxTaskRetryCount: 0 },
    });
    const failed = await completedTask(client, "life", "flaky");
    expect(failed.executionInfo).toMatchObject({ result: "failure", exitCode: 2, retryCount: 0 });
    await client.tasks.reactivate("life", "flaky");
    const again = await waitFor("the reactivated task to succeed", async () => {
      const t = await client.tasks.get("life", "flaky");
      return t.state === "completed" && t.executionInfo?.result === "success" && t;
    });
    expect(again.executionInfo).toMatchObject({ exitCode: 0, retryCount: 0 });
    expect(again.executionInfo?.failureInfo).toBeUndefined();
    expect((await client.jobs.getTaskCounts("life")).taskCounts).toMatchObject({ succeeded: 1, failed: 0 });
    const refused = await client.tasks.reactivate("life", "flaky").catch((e: { code?: string }) => e.code);
    expect(refused).toBe("TaskNotFailed");
  });

  it("updates the constraints of a task that has not completed, for its next run", async () => {
    const { client } = suite.service;
    const gate = path.join(suite.dataDir, "gate");
    await client.tasks.add("life", {
      id: "long",
      commandLine: `/bin/sh -c "while [ ! -e ${gate} ]; do sleep 0.05; done; exit 1"`,
    });
    await client.tasks.update("life", "long", {
      constraints: { maxTaskRetryCount: 1, maxWallClockTime: "PT1H" },
    });
    const updated = await client.tasks.get("life", "long");
    expect(updated.constraints).toMatchObject({ maxTaskRetryCount: 1, maxWallClockTime: "PT1H" });
    writeFileSync(gate, "");
    const done = await completedTask(client, "life", "long");
    expect(done.executionInfo).toMatchObject({ retryCount: 1, exitCode: 1 });
    const refused = await client.tasks
      .update("life", "long", { constraints: { maxTaskRetryCount: 3 } })
      .catch((e: { code?: string }) => e.code);
    expect(refused).toBe("TaskCompleted");
  });

  it("deletes the task's directory on the node once its retentionTime has passed", async () => {
    const { client } = suite.service;
    await client.tasks.add("life", {
      id: "brief",
      commandLine: "/bin/sh -c 'echo kept for a moment'",
      constraints: { retentionTime: "PT1S" },
    });
    await completedTask(client, "life", "brief");
    expect((await client.tasks.get("life", "brief")).constraints?.retentionTime).toBe("PT1S");
    await waitFor("the task directory to be deleted", async () => {
      const code = await client.tasks
        .getFileText("life", "brief", "stdout.txt")
        .then(() => "present")
        .catch((e: { code?: string }) => e.code);
      return code === "FileNotFound";
    });
    const defaulted = await client.tasks.get("life", "flaky");
    expect(defaulted.constraints?.retentionTime).toBe("P7D");
    expect(await client.tasks.getFileText("life", "flaky", "stderr.txt")).toBe("");
  });
});
