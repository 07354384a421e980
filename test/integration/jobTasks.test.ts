/**
 * A job's own tasks with real agents: the job manager (runs first, alone on its node, and ends the job
 * when it completes), the preparation task (once per node, before the job's first task there; a node
 * where it fails gets none of the job's tasks) and the release task (on every prepared node when the
 * job ends), with their states in /jobs/{id}/jobpreparationandreleasetaskstatus.
 */
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { serviceForSuite, waitFor } from "./harness.js";

describe("job manager, preparation and release tasks", () => {
  const suite = serviceForSuite("jobtasks");

  it("prepares each node once before its first task, and releases every prepared node at the end", async () => {
    const { client } = suite.service;
    const log = path.join(suite.dataDir, "events.log");
    const append = (what: string) => `/bin/sh -c "echo ${what} $AZ_BATCH_NODE_ID $(date +%s%N) >> ${log}"`;
    await client.pools.add({ id: "jp", vmSize: "small", targetDedicatedNodes: 2, taskSlotsPerNode: 2 });
    await client.jobs.add({
      id: "prepared",
      poolInfo: { poolId: "jp" },
      jobPreparationTask: { commandLine: append("prep") },
      jobReleaseTask: { commandLine: append("release") },
    });
    await client.tasks.addMany(
      "prepared",
      Array.from({ length: 8 }, (_, i) => ({ id: `t${i}`, commandLine: append(`task-${i}`) })),
    );
    await waitFor(
      "the tasks to complete",
      async () => (await client.jobs.getTaskCounts("prepared")).taskCounts.completed === 8,
    );
    const before = await client.jobs.listPreparationAndReleaseTaskStatus("prepared");
    expect(before.map((s) => s.jobPreparationTaskExecutionInfo?.result)).toEqual(before.map(() => "success"));
    expect(before.every((s) => s.jobReleaseTaskExecutionInfo === undefined)).toBe(true);
    await client.jobs.terminate("prepared");
    const job = await waitFor("the job to complete", async () => {
      const j = await client.jobs.get("prepared");
      return j.state === "completed" && j;
    });
    const status = await client.jobs.listPreparationAndReleaseTaskStatus("prepared");
    for (const entry of status) {
      expect(entry.jobReleaseTaskExecutionInfo).toMatchObject({
        state: "completed",
        result: "success",
        exitCode: 0,
      });
      expect(Date.parse(entry.jobReleaseTaskExecutionInfo!.endTime!)).toBeLessThanOrEqual(
        Date.parse(job.stateTransitionTime),
      );
    }
    // Per node: prep once, first; every task after it; release once, last.
    const lines = fs
      .readFileSync(log, "utf8")
      .trim()
      .split("\n")
      .map((l) => l.split(" "));
    const nodes = new Set(lines.map(([, node]) => node));
    expect(nodes.size).toBe(status.length);
    for (const node of nodes) {
      const events = lines.filter(([, n]) => n === node).sort((a, b) => Number(BigInt(a[2]) - BigInt(b[2])));
      expect(events[0][0]).toBe("prep");
      expect(events.at(-1)![0]).toBe("release");
      expect(events.filter(([e]) => e === "prep")).toHaveLength(1);
      expect(events.filter(([e]) => e === "release")).toHaveLength(1);
    }
  });

  it("keeps the job's tasks off a node whose preparation task failed", async () => {
    const { client } = suite.service;
    // Fails on the first node it runs on and succeeds elsewhere: both nodes may prepare at once, so the
    // first is chosen by mkdir, which only one of them can win.
    const marker = path.join(suite.dataDir, "failed-once");
    await client.jobs.add({
      id: "picky",
      poolInfo: { poolId: "jp" },
      jobPreparationTask: {
        commandLine: `/bin/sh -c "mkdir ${marker}.lock 2>/dev/null || exit 0; echo $AZ_BATCH_NODE_ID > ${marker}; exit 4"`,
      },
    });
    await client.tasks.addMany(
      "picky",
      Array.from({ length: 6 }, (_, i) => ({ id: `p${i}`, commandLine: "/bin/true" })),
    );
    await waitFor(
      "the tasks to complete",
      async () => (await client.jobs.getTaskCounts("picky")).taskCounts.completed === 6,
    );
    const badNode = fs.readFileSync(marker, "utf8").trim();
    for await (const task of client.tasks.list("picky")) {
      expect(task.executionInfo?.result).toBe("success");
      expect(task.nodeInfo?.nodeId).not.toBe(badNode);
    }
    const status = await client.jobs.listPreparationAndReleaseTaskStatus("picky");
    const failed = status.find((s) => s.nodeId === badNode)!;
    expect(failed.jobPreparationTaskExecutionInfo).toMatchObject({ result: "failure", exitCode: 4 });
    expect(failed.jobPreparationTaskExecutionInfo?.failureInfo?.code).toBe("FailureExitCode");
  });

  it("runs the job manager first and alone on its node, and completes the job when it ends", async () => {
    const { client } = suite.service;
    const gate = path.join(suite.dataDir, "manager-may-finish");
    await client.jobs.add({
      id: "managed",
      poolInfo: { poolId: "jp" },
      jobManagerTask: {
        id: "manager",
        commandLine: `/bin/sh -c "while [ ! -e ${gate} ]; do sleep 0.05; done"`,
      },
    });
    await client.tasks.addMany(
      "managed",
      Array.from({ length: 3 }, (_, i) => ({ id: `w${i}`, commandLine: "/bin/true" })),
    );
    const manager = await waitFor("the manager to run", async () => {
      const t = await client.tasks.get("managed", "manager");
      return t.state === "running" && t;
    });
    await waitFor("the workers to complete", async () => {
      const counts = (await client.jobs.getTaskCounts("managed")).taskCounts;
      return counts.completed === 3 && counts;
    });
    for await (const task of client.tasks.list("managed")) {
      if (task.id === "manager") continue;
      expect(task.nodeInfo?.nodeId).not.toBe(manager.nodeInfo?.nodeId);
      expect(Date.parse(task.executionInfo!.startTime!)).toBeGreaterThanOrEqual(
        Date.parse(manager.executionInfo!.startTime!),
      );
    }
    fs.writeFileSync(gate, "");
    const job = await waitFor("the job to complete", async () => {
      const j = await client.jobs.get("managed");
      return j.state === "completed" && j;
    });
    expect(job.executionInfo?.terminateReason).toBe("JMComplete");
    expect(job.jobManagerTask).toMatchObject({ id: "manager" });
  });

  it("refuses a release task without a preparation task, and the status of a job without one", async () => {
    const { client } = suite.service;
    const refused = await client.jobs
      .add({ id: "lonely", poolInfo: { poolId: "jp" }, jobReleaseTask: { commandLine: "/bin/true" } })
      .catch((e: { code?: string }) => e.code);
    expect(refused).toBe("MissingRequiredProperty");
    const none = await client.jobs
      .listPreparationAndReleaseTaskStatus("managed")
      .catch((e: { code?: string }) => e.code);
    expect(none).toBe("JobPreparationTaskNotSpecified");
  });
});
