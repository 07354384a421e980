/**
 * Scheduling order and placement with real agents: a higher-priority job's tasks start first, then
 * submission order; `nodeFillType: pack` fills one node's slots before the next.
 */
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { collect } from "../../client/index.js";
import { serviceForSuite, waitFor } from "./harness.js";

describe("scheduling with real nodes", () => {
  const suite = serviceForSuite("scheduling");

  it("runs the higher-priority job first, then tasks in submission order", async () => {
    const { client } = suite.service;
    // No nodes yet: every task waits in the queue until the pool grows.
    await client.pools.add({ id: "prio", vmSize: "small", targetDedicatedNodes: 0, taskSlotsPerNode: 1 });
    await client.jobs.add({ id: "low", poolInfo: { poolId: "prio" }, priority: -100 });
    await client.jobs.add({ id: "high", poolInfo: { poolId: "prio" }, priority: 500 });
    const order = path.join(suite.dataDir, "order.txt");
    const appendTask = (id: string) => ({
      id,
      commandLine: `/bin/sh -c "echo $AZ_BATCH_JOB_ID/${id} >> ${order}"`,
    });
    await client.tasks.addCollection("low", [appendTask("l1"), appendTask("l2")]);
    await client.tasks.addCollection("high", [appendTask("h1"), appendTask("h2"), appendTask("h3")]);

    await client.pools.resize("prio", { targetDedicatedNodes: 1 });
    await waitFor("every task completed", async () => {
      const tasks = [
        ...(await collect(client.tasks.list("low"))),
        ...(await collect(client.tasks.list("high"))),
      ];
      return tasks.every((t) => t.state === "completed");
    });
    expect(fs.readFileSync(order, "utf8").trim().split("\n")).toEqual([
      "high/h1",
      "high/h2",
      "high/h3",
      "low/l1",
      "low/l2",
    ]);
    await client.pools.delete("prio");
  });

  it("re-orders waiting tasks at once when a job's priority is patched", async () => {
    const { client } = suite.service;
    await client.pools.add({ id: "repri", vmSize: "small", targetDedicatedNodes: 0, taskSlotsPerNode: 1 });
    await client.jobs.add({ id: "first", poolInfo: { poolId: "repri" }, priority: 100 });
    await client.jobs.add({ id: "second", poolInfo: { poolId: "repri" }, priority: 0 });
    const order = path.join(suite.dataDir, "repri-order.txt");
    const appendTask = (id: string) => ({
      id,
      commandLine: `/bin/sh -c "echo $AZ_BATCH_JOB_ID/${id} >> ${order}"`,
    });
    await client.tasks.addCollection("first", [appendTask("f1"), appendTask("f2")]);
    await client.tasks.addCollection("second", [appendTask("s1"), appendTask("s2")]);

    await client.jobs.patch("second", { priority: 900, maxParallelTasks: 1 });
    const patched = await client.jobs.get("second");
    expect(patched.priority).toBe(900);
    expect(patched.maxParallelTasks).toBe(1);

    await client.pools.resize("repri", { targetDedicatedNodes: 1 });
    await waitFor("every task completed", async () => {
      const counts = await Promise.all(["first", "second"].map((j) => client.jobs.getTaskCounts(j)));
      return counts.every((c) => c.taskCounts.completed === 2);
    });
    expect(fs.readFileSync(order, "utf8").trim().split("\n")).toEqual([
      "second/s1",
      "second/s2",
      "first/f1",
      "first/f2",
    ]);
    await client.pools.delete("repri");
  });

  it("packs tasks onto one node with nodeFillType pack", async () => {
    const { client } = suite.service;
    const gate = path.join(suite.dataDir, "pack-gate");
    await client.pools.add({
      id: "packed",
      vmSize: "small",
      targetDedicatedNodes: 2,
      taskSlotsPerNode: 3,
      taskSchedulingPolicy: { nodeFillType: "pack" },
    });
    await waitFor("2 idle nodes", async () => {
      const nodes = await collect(client.nodes.list("packed"));
      return nodes.length === 2 && nodes.every((n) => n.state === "idle");
    });
    await client.jobs.add({ id: "pj", poolInfo: { poolId: "packed" } });
    const gated = (id: string) => ({
      id,
      commandLine: `/bin/sh -c "while [ ! -e ${gate} ]; do sleep 0.05; done"`,
    });
    await client.tasks.addCollection("pj", ["p1", "p2", "p3", "p4"].map(gated));
    const running = await waitFor("4 tasks running", async () => {
      const tasks = await collect(client.tasks.list("pj"));
      return tasks.every((t) => t.state === "running") && tasks;
    });
    const perNode = new Map<string, number>();
    for (const t of running) perNode.set(t.nodeInfo!.nodeId, (perNode.get(t.nodeInfo!.nodeId) ?? 0) + 1);
    expect([...perNode.values()].sort()).toEqual([1, 3]);
    const nodes = await collect(client.nodes.list("packed"));
    expect(nodes.map((n) => n.runningTaskSlotsCount).sort()).toEqual([1, 3]);
    fs.writeFileSync(gate, "");
    await waitFor("4 tasks completed", async () => {
      const tasks = await collect(client.tasks.list("pj"));
      return tasks.every((t) => t.state === "completed");
    });
    await client.pools.delete("packed");
  });
});
