/**
 * The walking skeleton end to end, with the real service and real agent processes on loopback:
 * pool → nodes idle (after a start task) → job → tasks complete → stdout readable → resize down →
 * pool delete, with no process left behind.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { BatchRequestError, collect } from "../../client/index.js";
import { AGENT_WS_PATH } from "../../protocol/agent.js";
import { startAgent } from "./agent/agentHarness.js";
import { processesMentioning, serviceForSuite, waitFor } from "./harness.js";

describe("pool, job and tasks on local nodes", () => {
  const suite = serviceForSuite("lifecycle");

  it("runs a job's tasks on a pool and cleans up after the pool", async () => {
    const { client } = suite.service;
    await client.pools.add({
      id: "pool1",
      vmSize: "standard_d2s_v3",
      targetDedicatedNodes: 2,
      taskSlotsPerNode: 2,
      startTask: {
        commandLine: '/bin/sh -c "echo started on $AZ_BATCH_NODE_ID > $AZ_BATCH_NODE_SHARED_DIR/ready.txt"',
        waitForSuccess: true,
      },
    });
    const nodes = await waitFor("2 idle nodes", async () => {
      const list = await collect(client.nodes.list("pool1"));
      return list.length === 2 && list.every((n) => n.state === "idle") && list;
    });
    for (const node of nodes) {
      expect(node.startTaskInfo?.result).toBe("success");
      expect(node.ipAddress).toBe("127.0.0.1");
    }
    const pool = await client.pools.get("pool1");
    expect(pool.allocationState).toBe("steady");
    expect(pool.currentDedicatedNodes).toBe(2);

    await client.jobs.add({
      id: "job1",
      poolInfo: { poolId: "pool1" },
      commonEnvironmentSettings: [{ name: "GREETING", value: "hi" }],
    });
    const tasks = Array.from({ length: 8 }, (_, i) => ({
      id: `t${i}`,
      commandLine: `/bin/sh -c "echo $GREETING $AZ_BATCH_TASK_ID $(( ${i} * ${i} )); cat $AZ_BATCH_NODE_SHARED_DIR/ready.txt"`,
    }));
    tasks.push({ id: "fails", commandLine: '/bin/sh -c "echo oops >&2; exit 7"' });
    const results = await client.tasks.addCollection("job1", tasks);
    expect(results.value.every((r) => r.status === "success")).toBe(true);

    const done = await waitFor("all tasks completed", async () => {
      const list = await collect(client.tasks.list("job1"));
      return list.length === 9 && list.every((t) => t.state === "completed") && list;
    });
    const byId = new Map(done.map((t) => [t.id, t]));
    expect((await client.jobs.getTaskCounts("job1")).taskCounts).toEqual({
      active: 0,
      running: 0,
      completed: 9,
      succeeded: 8,
      failed: 1,
    });
    expect(byId.get("t3")!.executionInfo!.exitCode).toBe(0);
    expect(byId.get("t3")!.executionInfo!.result).toBe("success");
    const failed = byId.get("fails")!;
    expect(failed.executionInfo!.exitCode).toBe(7);
    expect(failed.executionInfo!.result).toBe("failure");
    expect(failed.executionInfo!.failureInfo?.code).toBe("FailureExitCode");
    // Both nodes took work (spread).
    expect(new Set(done.map((t) => t.nodeInfo!.nodeId)).size).toBe(2);

    // The dispatch timeline (an OpenBatch extension) is in order on one clock.
    const timeline = await client.tasks.getTimeline("job1", "t3");
    const stamps = [timeline.addedAt, timeline.dispatchedAt, timeline.receivedAt, timeline.spawnedAt];
    expect(stamps.every((t) => typeof t === "number")).toBe(true);
    expect([...stamps].sort((a, b) => a! - b!)).toEqual(stamps);
    const stdout = await client.tasks.getFileText("job1", "t3", "stdout.txt");
    expect(stdout).toMatch(/^hi t3 9\nstarted on tvmps_/);
    expect(await client.tasks.getFileText("job1", "fails", "stderr.txt")).toBe("oops\n");
    const files = await collect(client.tasks.listFiles("job1", "t3", { recursive: true }));
    expect(files.map((f) => f.name)).toEqual(expect.arrayContaining(["stdout.txt", "stderr.txt"]));
    const completedOnly = await collect(client.tasks.list("job1", { filter: "executionInfo/exitCode eq 7" }));
    expect(completedOnly.map((t) => t.id)).toEqual(["fails"]);

    // Resize down: one node leaves, its agent stops and its directory goes.
    await client.pools.resize("pool1", { targetDedicatedNodes: 1 });
    await waitFor("one node left and a steady pool", async () => {
      const list = await collect(client.nodes.list("pool1"));
      const p = await client.pools.get("pool1");
      return list.length === 1 && p.allocationState === "steady" && p.currentDedicatedNodes === 1;
    });
    expect(processesMentioning(`${suite.dataDir}/nodes/pool1`)).toHaveLength(1);

    await client.jobs.delete("job1");
    await client.pools.delete("pool1");
    await waitFor("the pool to be gone", async () => {
      try {
        await client.pools.get("pool1");
        return false;
      } catch (error) {
        return error instanceof BatchRequestError && error.code === "PoolNotFound";
      }
    });
    expect(processesMentioning(`${suite.dataDir}/nodes`)).toEqual([]);
  });

  it("terminates a running task and kills its process tree", async () => {
    const { client } = suite.service;
    // Durations unique to this test process, so that a concurrent run's sleeps are not counted.
    const first = 10_000 + (process.pid % 40_000) * 2;
    const second = first + 1;
    await client.pools.add({ id: "pool2", vmSize: "small", targetDedicatedNodes: 1 });
    await client.jobs.add({ id: "job2", poolInfo: { poolId: "pool2" } });
    await client.tasks.add("job2", {
      id: "sleeper",
      commandLine: `/bin/sh -c "sleep ${first} & sleep ${second}; wait"`,
    });
    await waitFor(
      "the task to run",
      async () => (await client.tasks.get("job2", "sleeper")).state === "running",
    );
    // cmdline words are NUL-separated: these match the two `sleep` children, not the shell.
    const children = () => [
      ...processesMentioning(`sleep\u0000${first}\u0000`),
      ...processesMentioning(`sleep\u0000${second}\u0000`),
    ];
    await waitFor("both child processes", async () => children().length === 2);
    // Once the agent's start report is in, a list shows the running task as a get does.
    await waitFor(
      "the start report",
      async () => (await client.tasks.getTimeline("job2", "sleeper")).spawnedAt,
    );
    const [listed] = await collect(client.tasks.list("job2"));
    expect(listed!.executionInfo).toEqual((await client.tasks.get("job2", "sleeper")).executionInfo);
    await client.tasks.terminate("job2", "sleeper");
    const task = await waitFor("the task to complete", async () => {
      const t = await client.tasks.get("job2", "sleeper");
      return t.state === "completed" && t;
    });
    expect(task.executionInfo!.failureInfo?.code).toBe("TaskEnded");
    await waitFor("no child left", async () => children().length === 0);
    await client.pools.delete("pool2");
    await waitFor(
      "no agent left",
      async () => processesMentioning(`${suite.dataDir}/nodes/pool2`).length === 0,
    );
  });

  it("refuses an agent with a wrong join token, which hears why and exits 1", async () => {
    await suite.service.client.pools.add({ id: "refusing", vmSize: "standard_d2s_v3" });
    const agent = startAgent({
      url: `${suite.service.endpoint.replace(/^http/, "ws")}${AGENT_WS_PATH}`,
      root: fs.mkdtempSync(path.join(os.tmpdir(), "openbatch-refused-")),
      poolId: "refusing",
      joinToken: "not-the-pool-token",
    });
    expect(await agent.exited).toEqual({ code: 1, signal: null });
    expect(agent.log()).toContain("Wrong join token for pool refusing");
    await suite.service.client.pools.delete("refusing");
  });
});
