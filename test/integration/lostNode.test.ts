/**
 * A node whose agent stops answering (SIGSTOP: a hung agent) becomes `unknown` once it misses its
 * heartbeats; after `--node-lost-after` its task is requeued (requeueCount, not retryCount) and runs on
 * the other node — while the stopped agent's lease watchdog has ended the first run, so the two runs
 * never overlap (the task writes a timestamped tick every 50 ms). After SIGCONT the agent rejoins, and
 * its fenced report changes nothing.
 */
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { collect } from "../../client/index.js";
import { completedTask, processesMentioning, serviceForSuite, waitFor } from "./harness.js";

describe("lost nodes", () => {
  const suite = serviceForSuite("lostnode", ["--heartbeat-interval-ms", "200", "--node-lost-after", "PT2S"]);

  it("requeues a stopped agent's task without a retry, and never runs it twice at once", async () => {
    const { client } = suite.service;
    const ticks = path.join(suite.dataDir, "ticks.log");
    await client.pools.add({ id: "lp", vmSize: "small", targetDedicatedNodes: 2 });
    await waitFor("both nodes idle", async () => {
      const nodes = await collect(client.nodes.list("lp"));
      return nodes.length === 2 && nodes.every((n) => n.state === "idle");
    });
    await client.jobs.add({ id: "lj", poolInfo: { poolId: "lp" } });
    // About 4 s of ticks: a run that is not ended keeps ticking well past the requeue.
    await client.tasks.add("lj", {
      id: "ticker",
      commandLine: `/bin/sh -c 'i=0; while [ $i -lt 80 ]; do echo "$AZ_BATCH_NODE_ID $(date +%s%N)" >> ${ticks}; sleep 0.05; i=$((i+1)); done'`,
    });
    const first = await waitFor("the task to tick", async () => {
      const task = await client.tasks.get("lj", "ticker");
      return task.state === "running" && fs.existsSync(ticks) && task.nodeInfo?.nodeId;
    });
    const agentPid = agentOf(path.join(suite.dataDir, "nodes", "lp", first));
    process.kill(agentPid, "SIGSTOP");
    try {
      await waitFor("the stopped node to be unknown", async () => {
        return (await client.nodes.get("lp", first)).state === "unknown";
      });
      const requeued = await completedTask(client, "lj", "ticker");
      expect(requeued.executionInfo?.result).toBe("success");
      expect(requeued.executionInfo?.retryCount).toBe(0);
      expect(requeued.executionInfo?.requeueCount).toBe(1);
      expect(requeued.nodeInfo?.nodeId).not.toBe(first);
      expect((await client.nodes.get("lp", first)).state).toBe("unknown");
    } finally {
      process.kill(agentPid, "SIGCONT");
    }
    await waitFor("the resumed agent to rejoin", async () => {
      return (await client.nodes.get("lp", first)).state === "idle";
    });
    const task = await client.tasks.get("lj", "ticker");
    expect(task.executionInfo?.requeueCount).toBe(1);
    expect(task.executionInfo?.retryCount).toBe(0);

    const lines = fs.readFileSync(ticks, "utf8").trim().split("\n");
    const times = (node: string) =>
      lines.filter((line) => line.startsWith(`${node} `)).map((line) => BigInt(line.split(" ")[1]!));
    const onFirst = times(first);
    const onSecond = times(task.nodeInfo!.nodeId!);
    expect(onFirst.length).toBeGreaterThan(0);
    expect(onSecond).toHaveLength(80);
    // The first run had ended before the second began.
    const lastOnFirst = onFirst.reduce((a, b) => (a > b ? a : b));
    const firstOnSecond = onSecond.reduce((a, b) => (a < b ? a : b));
    expect(lastOnFirst < firstOnSecond).toBe(true);
    expect(onFirst.length).toBeLessThan(80);
  });
});

/** The pid of the agent whose node root is `root`. */
function agentOf(root: string): number {
  const pids = processesMentioning(root).filter((pid) =>
    fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").includes("agent/main.js"),
  );
  expect(pids).toHaveLength(1);
  return pids[0]!;
}
