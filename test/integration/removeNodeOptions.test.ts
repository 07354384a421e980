/**
 * `removenodes` under the options removeNodes.test.ts leaves out, with real agents: `terminate` ends
 * the running task as failed (`NodeRemoved`) and the node leaves at once; `retaineddata` lets it finish
 * first; a `taskcompletion` removal that outlives its `resizeTimeout` stops, keeping the node, with
 * `AllocationTimedOut` in the pool's `resizeErrors`.
 */
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { collect } from "../../client/index.js";
import { completedTask, serviceForSuite, waitFor } from "./harness.js";

describe("removing nodes under each deallocation option", () => {
  const suite = serviceForSuite("removeoptions");

  it("terminates, waits for, or times out on the running tasks", async () => {
    const { client } = suite.service;
    const gate = (name: string) => path.join(suite.dataDir, `gate-${name}`);
    const gated = (id: string) => ({
      id,
      commandLine: `/bin/sh -c "while [ ! -e ${gate(id)} ]; do sleep 0.05; done"`,
    });
    await client.pools.add({ id: "op", vmSize: "small", targetDedicatedNodes: 3, taskSlotsPerNode: 1 });
    await client.jobs.add({ id: "oj", poolInfo: { poolId: "op" } });
    await client.tasks.addCollection("oj", ["t", "r", "s"].map(gated));
    const running = await waitFor("three tasks running", async () => {
      const tasks = await collect(client.tasks.list("oj"));
      return tasks.length === 3 && tasks.every((t) => t.state === "running") && tasks;
    });
    const nodeOf = (id: string) => running.find((t) => t.id === id)!.nodeInfo!.nodeId;
    const nodeIds = async () => (await collect(client.nodes.list("op"))).map((n) => n.id).sort();
    const steady = () =>
      waitFor("the pool to be steady", async () => {
        const pool = await client.pools.get("op");
        return pool.allocationState === "steady" && pool;
      });

    // terminate: t completes at once as failed, its node leaves.
    await client.nodes.remove("op", { nodeList: [nodeOf("t")], nodeDeallocationOption: "terminate" });
    const t = await completedTask(client, "oj", "t");
    expect(t.executionInfo).toMatchObject({ result: "failure", retryCount: 0 });
    expect(t.executionInfo!.failureInfo).toMatchObject({ category: "servererror", code: "NodeRemoved" });
    await steady();
    expect(await nodeIds()).toEqual([nodeOf("r"), nodeOf("s")].sort());

    // retaineddata: r's node stays, running r, until r has finished; then it leaves.
    await client.nodes.remove("op", { nodeList: [nodeOf("r")], nodeDeallocationOption: "retaineddata" });
    expect((await client.pools.get("op")).allocationState).toBe("resizing");
    expect((await client.nodes.get("op", nodeOf("r"))).state).toBe("running");
    fs.writeFileSync(gate("r"), "");
    const r = await completedTask(client, "oj", "r");
    expect(r.executionInfo).toMatchObject({ result: "success", requeueCount: 0 });
    const afterR = await steady();
    expect(afterR.resizeErrors).toBeUndefined();
    expect(await nodeIds()).toEqual([nodeOf("s")]);

    // taskcompletion with a resizeTimeout s outlives: the removal stops, the node stays and takes tasks again.
    await client.nodes.remove("op", {
      nodeList: [nodeOf("s")],
      nodeDeallocationOption: "taskcompletion",
      resizeTimeout: "PT2S",
    });
    expect((await client.pools.get("op")).targetDedicatedNodes).toBe(0);
    const timedOut = await steady();
    expect(timedOut.resizeTimeout).toBe("PT2S");
    expect(timedOut.resizeErrors?.[0]?.code).toBe("AllocationTimedOut");
    expect(timedOut.targetDedicatedNodes).toBe(1);
    expect(timedOut.currentDedicatedNodes).toBe(1);
    expect((await client.tasks.get("oj", "s")).state).toBe("running");
    fs.writeFileSync(gate("s"), "");
    expect((await completedTask(client, "oj", "s")).executionInfo!.result).toBe("success");
    await client.tasks.add("oj", { id: "after", commandLine: "/bin/true" });
    const after = await completedTask(client, "oj", "after");
    expect(after.nodeInfo!.nodeId).toBe(nodeOf("s"));
    expect(await nodeIds()).toEqual([nodeOf("s")]);
  });
});
