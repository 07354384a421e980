/**
 * Resizing a pool down while its nodes run tasks, as Azure Batch does it: `requeue` (the default)
 * stops the task on the leaving node and puts it back in the queue; `taskcompletion` lets the node
 * finish its task before it leaves. Real service, real agents, real processes.
 */
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { collect } from "../../client/index.js";
import { processesMentioning, serviceForSuite, waitFor } from "./harness.js";

/** A task that runs until the test creates `gate`, then says where it ran. */
function gatedTask(id: string, gate: string) {
  return {
    id,
    commandLine: `/bin/sh -c "while [ ! -e ${gate} ]; do sleep 0.05; done; echo $AZ_BATCH_TASK_ID on $AZ_BATCH_NODE_ID"`,
  };
}

describe("resizing a pool down", () => {
  const suite = serviceForSuite("resize");

  it("requeues the tasks of a leaving node, and lets a node finish its task with taskcompletion", async () => {
    const { client } = suite.service;
    const firstGate = path.join(suite.dataDir, "gate-1");
    const secondGate = path.join(suite.dataDir, "gate-2");
    await client.pools.add({ id: "rp", vmSize: "small", targetDedicatedNodes: 2, taskSlotsPerNode: 1 });
    await client.jobs.add({ id: "rj", poolInfo: { poolId: "rp" } });
    await client.tasks.addCollection("rj", [gatedTask("a", firstGate), gatedTask("b", firstGate)]);
    const running = await waitFor("both tasks running", async () => {
      const tasks = await collect(client.tasks.list("rj"));
      return tasks.every((t) => t.state === "running") && tasks;
    });
    expect(new Set(running.map((t) => t.nodeInfo!.nodeId)).size).toBe(2);

    // requeue (the default): one node leaves, its task goes back to the queue.
    await client.pools.resize("rp", { targetDedicatedNodes: 1 });
    const [staying] = await waitFor("one node left", async () => {
      const nodes = await collect(client.nodes.list("rp"));
      const pool = await client.pools.get("rp");
      return nodes.length === 1 && pool.allocationState === "steady" && nodes;
    });
    const requeued = running.find((t) => t.nodeInfo!.nodeId !== staying!.id)!;
    const left = await client.tasks.get("rj", requeued.id);
    expect(left.state).toBe("active");
    expect(left.executionInfo!.requeueCount).toBe(1);
    const leftNodeRoot = path.join(suite.dataDir, "nodes", "rp", requeued.nodeInfo!.nodeId);
    await waitFor(
      "the leaving node's processes to stop",
      async () => processesMentioning(leftNodeRoot).length === 0,
    );

    fs.writeFileSync(firstGate, "");
    const done = await waitFor("both tasks completed", async () => {
      const tasks = await collect(client.tasks.list("rj"));
      return tasks.every((t) => t.state === "completed") && tasks;
    });
    for (const task of done) {
      expect(task.executionInfo!.exitCode).toBe(0);
      expect(task.nodeInfo!.nodeId).toBe(staying!.id);
      expect(await client.tasks.getFileText("rj", task.id, "stdout.txt")).toBe(
        `${task.id} on ${staying!.id}\n`,
      );
    }

    // taskcompletion: the last node stays until its task ends, then leaves.
    await client.tasks.add("rj", gatedTask("c", secondGate));
    await waitFor("task c running", async () => (await client.tasks.get("rj", "c")).state === "running");
    await client.pools.resize("rp", { targetDedicatedNodes: 0, nodeDeallocationOption: "taskcompletion" });
    const resizing = await client.pools.get("rp");
    expect(resizing.allocationState).toBe("resizing");
    expect((await collect(client.nodes.list("rp"))).map((n) => n.state)).toEqual(["running"]);
    expect((await client.tasks.get("rj", "c")).state).toBe("running");

    fs.writeFileSync(secondGate, "");
    await waitFor("an empty, steady pool", async () => {
      const pool = await client.pools.get("rp");
      return pool.allocationState === "steady" && pool.currentDedicatedNodes === 0;
    });
    const c = await client.tasks.get("rj", "c");
    expect(c.state).toBe("completed");
    expect(c.executionInfo!.exitCode).toBe(0);
    expect(c.executionInfo!.requeueCount).toBe(0);
    await waitFor(
      "no agent left",
      async () => processesMentioning(path.join(suite.dataDir, "nodes")).length === 0,
    );
    await client.pools.delete("rp");
  });
});
