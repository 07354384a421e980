/**
 * Disabling a job stops its tasks from starting; what happens to the running ones is the caller's
 * choice — requeue, terminate or wait — and enabling it schedules them again. Real agents, real
 * processes; each running task waits for a gate file the test creates.
 */
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { BatchRequestError } from "../../client/index.js";
import { processesMentioning, serviceForSuite, waitFor } from "./harness.js";

describe("disabling and enabling a job", () => {
  const suite = serviceForSuite("disable");
  /** A task that runs until `gate` exists; its command line names the gate, so its process can be found. */
  const gated = (id: string, gate: string) => ({
    id,
    commandLine: `/bin/sh -c "while [ ! -e ${gate} ]; do sleep 0.05; done"`,
  });
  const state = async (jobId: string, taskId: string) =>
    (await suite.service.client.tasks.get(jobId, taskId)).state;

  it("requeue: kills the running task, keeps new ones waiting, and runs them all once enabled", async () => {
    const { client } = suite.service;
    const gate = path.join(suite.dataDir, "requeue-gate");
    await client.pools.add({ id: "dp", vmSize: "small", targetDedicatedNodes: 1, taskSlotsPerNode: 2 });
    await client.jobs.add({ id: "rq", poolInfo: { poolId: "dp" } });
    await client.tasks.add("rq", gated("a", gate));
    await waitFor("task a running", async () => (await state("rq", "a")) === "running");
    await waitFor("its process", async () => processesMentioning(gate).length > 0);

    await client.jobs.disable("rq", "requeue");
    expect((await client.jobs.get("rq")).state).toBe("disabled");
    const a = await client.tasks.get("rq", "a");
    expect(a.state).toBe("active");
    expect(a.executionInfo?.requeueCount).toBe(1);
    await waitFor(
      "the requeued task's process to be killed",
      async () => processesMentioning(gate).length === 0,
    );
    await client.tasks.add("rq", { id: "b", commandLine: "/bin/true" });
    expect(await state("rq", "b")).toBe("active");
    const refused = await client.jobs.disable("rq", "wait").catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(BatchRequestError);
    expect((refused as BatchRequestError).code).toBe("JobNotActive");

    fs.writeFileSync(gate, "");
    await client.jobs.enable("rq");
    expect((await client.jobs.get("rq")).state).toBe("active");
    await waitFor(
      "both tasks completed",
      async () => (await client.jobs.getTaskCounts("rq")).taskCounts.succeeded === 2,
    );
  });

  it("wait: the job stays disabling until its running task ends; terminate: running tasks end as terminated", async () => {
    const { client } = suite.service;
    const waitGate = path.join(suite.dataDir, "wait-gate");
    const endGate = path.join(suite.dataDir, "never-created-gate");
    await client.jobs.add({ id: "wt", poolInfo: { poolId: "dp" } });
    await client.jobs.add({ id: "tm", poolInfo: { poolId: "dp" } });
    await client.tasks.add("wt", gated("w", waitGate));
    await client.tasks.add("tm", gated("t", endGate));
    await waitFor(
      "both tasks running",
      async () => (await state("wt", "w")) === "running" && (await state("tm", "t")) === "running",
    );

    await client.jobs.disable("wt", "wait");
    expect((await client.jobs.get("wt")).state).toBe("disabling");
    expect(await state("wt", "w")).toBe("running");
    fs.writeFileSync(waitGate, "");
    await waitFor("the job to be disabled", async () => (await client.jobs.get("wt")).state === "disabled");
    expect((await client.tasks.get("wt", "w")).executionInfo?.result).toBe("success");

    await client.jobs.disable("tm", "terminate");
    const ended = await waitFor("task t to complete", async () => {
      const t = await client.tasks.get("tm", "t");
      return t.state === "completed" && t;
    });
    expect(ended.executionInfo?.failureInfo?.code).toBe("TaskEnded");
    await waitFor("the job to be disabled", async () => (await client.jobs.get("tm")).state === "disabled");
    expect(processesMentioning(endGate)).toEqual([]);

    const notDisabled = await client.jobs.enable("rq").catch((error: unknown) => error);
    expect((notDisabled as BatchRequestError).code).toBe("JobNotDisabled");
    await client.pools.delete("dp");
  });
});
