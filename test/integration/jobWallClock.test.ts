/**
 * A job's `constraints.maxWallClockTime`: when it is up the job is terminated with terminateReason
 * `MaxWallClockTimeExpiry`, and its running task is killed. A duration that is not one is refused.
 */
import path from "node:path";
import { describe, expect, it } from "vitest";
import { BatchRequestError } from "../../client/index.js";
import { processesMentioning, serviceForSuite, waitFor } from "./harness.js";

describe("a job's maxWallClockTime", () => {
  const suite = serviceForSuite("jobclock");

  it("terminates the job and its running task when the time is up", async () => {
    const { client } = suite.service;
    const gate = path.join(suite.dataDir, "never-created");
    await client.pools.add({ id: "cp", vmSize: "small", targetDedicatedNodes: 1 });
    await client.jobs.add({
      id: "timed",
      poolInfo: { poolId: "cp" },
      constraints: { maxWallClockTime: "PT2S" },
    });
    await client.tasks.add("timed", {
      id: "forever",
      commandLine: `/bin/sh -c "while [ ! -e ${gate} ]; do sleep 0.05; done"`,
    });
    const job = await waitFor("the job to complete", async () => {
      const j = await client.jobs.get("timed");
      return j.state === "completed" && j;
    });
    expect(job.executionInfo?.terminateReason).toBe("MaxWallClockTimeExpiry");
    expect(job.constraints?.maxWallClockTime).toBe("PT2S");
    const task = await client.tasks.get("timed", "forever");
    expect(task.state).toBe("completed");
    expect(task.executionInfo?.failureInfo?.code).toBe("TaskEnded");
    expect(processesMentioning(gate)).toEqual([]);
    await client.pools.delete("cp");
  });

  it("refuses a duration that is not one", async () => {
    const refused = await suite.service.client.jobs
      .add({ id: "bad", poolInfo: { poolId: "cp" }, constraints: { maxWallClockTime: "PXYZ" } })
      .catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(BatchRequestError);
    expect((refused as BatchRequestError).code).toBe("InvalidPropertyValue");
  });
});
