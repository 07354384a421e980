/**
 * Removing named nodes from a pool with real agents: exactly those nodes leave and the target drops
 * by as many; under `requeue` the task running there is killed and queued again, under
 * `taskcompletion` it finishes before its node leaves.
 */
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { collect } from "../../client/index.js";
import { processesMentioning, serviceForSuite, waitFor } from "./harness.js";

function gatedTask(id: string, gate: string) {
  return { id, commandLine: `/bin/sh -c "while [ ! -e ${gate} ]; do sleep 0.05; done"` };
}

describe("removing nodes", () => {
  const suite = serviceForSuite("removenodes");

  it("removes exactly the named nodes, requeueing or finishing their tasks", async () => {
    const { client } = suite.service;
    const gate = (name: string) => path.join(suite.dataDir, `gate-${name}`);
    await client.pools.add({ id: "xp", vmSize: "small", targetDedicatedNodes: 3, taskSlotsPerNode: 1 });
    await client.jobs.add({ id: "xj", poolInfo: { poolId: "xp" } });
    await client.tasks.addCollection(
      "xj",
      ["a", "b", "c"].map((id) => gatedTask(id, gate(id))),
    );
    const running = await waitFor("three tasks running", async () => {
      const tasks = await collect(client.tasks.list("xj"));
      return tasks.every((t) => t.state === "running") && tasks;
    });
    const nodeOf = (id: string) => running.find((t) => t.id === id)!.nodeInfo!.nodeId;
    expect(new Set(running.map((t) => t.nodeInfo!.nodeId)).size).toBe(3);

    const unknown = await client.nodes
      .remove("xp", { nodeList: [nodeOf("a"), "tvmps_999999_d"] })
      .catch((e: { code?: string }) => e.code);
    expect(unknown).toBe("NodeNotFound");
    expect((await client.pools.get("xp")).targetDedicatedNodes).toBe(3);

    // requeue (the default): a's node leaves at once, a is killed and waits for a node.
    await client.nodes.remove("xp", { nodeList: [nodeOf("a")] });
    await waitFor("a's node to be gone", async () => {
      const nodes = await collect(client.nodes.list("xp"));
      const pool = await client.pools.get("xp");
      return pool.allocationState === "steady" && nodes.every((n) => n.id !== nodeOf("a")) && nodes;
    });
    expect((await client.pools.get("xp")).targetDedicatedNodes).toBe(2);
    await waitFor("a's process to stop", async () => processesMentioning(gate("a")).length === 0);
    const requeued = await client.tasks.get("xj", "a");
    expect(requeued.state).toBe("active");
    expect(requeued.executionInfo!.requeueCount).toBe(1);

    // taskcompletion: b's node stays until b has finished, and takes nothing meanwhile.
    await client.nodes.remove("xp", { nodeList: [nodeOf("b")], nodeDeallocationOption: "taskcompletion" });
    const resizing = await client.pools.get("xp");
    expect(resizing.allocationState).toBe("resizing");
    expect(resizing.targetDedicatedNodes).toBe(1);
    const busy = await client.nodes
      .remove("xp", { nodeList: [nodeOf("c")] })
      .catch((e: { code?: string }) => e.code);
    expect(busy).toBe("PoolIsResizing");
    expect((await client.nodes.get("xp", nodeOf("b"))).state).toBe("running");
    fs.writeFileSync(gate("b"), "");
    const b = await waitFor("b to complete", async () => {
      const task = await client.tasks.get("xj", "b");
      return task.state === "completed" && task;
    });
    expect(b.executionInfo!.result).toBe("success");
    expect(b.executionInfo!.requeueCount).toBe(0);
    const [left] = await waitFor("b's node to be gone", async () => {
      const nodes = await collect(client.nodes.list("xp"));
      const pool = await client.pools.get("xp");
      return pool.allocationState === "steady" && nodes.length === 1 && nodes;
    });
    expect(left!.id).toBe(nodeOf("c"));
    // a never ran on b's node while it was leaving: it still waits for c's node.
    expect((await client.tasks.get("xj", "a")).state).toBe("active");

    fs.writeFileSync(gate("c"), "");
    fs.writeFileSync(gate("a"), "");
    const a = await waitFor("a to complete", async () => {
      const task = await client.tasks.get("xj", "a");
      return task.state === "completed" && task;
    });
    expect(a.nodeInfo!.nodeId).toBe(nodeOf("c"));
    expect(a.executionInfo!.result).toBe("success");
  });
});
