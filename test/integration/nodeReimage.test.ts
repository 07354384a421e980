/**
 * Reimaging a node with real agents: under `requeue` its running task is queued again; under
 * `taskcompletion` it finishes first. Either way the node comes back with a new boot time and empty
 * directories, its start task runs again, and a job's preparation task reruns there even when the job
 * says rerunOnNodeRebootAfterSuccess false.
 */
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { type BatchClient, collect } from "../../client/index.js";
import { completedTask, serviceForSuite, waitFor } from "./harness.js";

async function backFromReimage(client: BatchClient, nodeId: string, bootTime: string | undefined) {
  return waitFor("the node to be back from its reimage", async () => {
    const node = await client.nodes.get("ip", nodeId);
    return (node.state === "idle" || node.state === "running") && node.lastBootTime !== bootTime && node;
  });
}

describe("node reimage", () => {
  const suite = serviceForSuite("reimage");

  it("wipes the node and requeues its running task, or lets it finish first", async () => {
    const { client } = suite.service;
    const log = path.join(suite.dataDir, "events.log");
    const gate = (name: string) => path.join(suite.dataDir, `gate-${name}`);
    const note = (what: string) => `/bin/sh -c "echo ${what} >> ${log}"`;
    const events = (what: string) =>
      fs
        .readFileSync(log, "utf8")
        .split("\n")
        .filter((e) => e === what).length;
    await client.pools.add({
      id: "ip",
      vmSize: "small",
      targetDedicatedNodes: 1,
      taskSlotsPerNode: 2,
      startTask: { commandLine: note("start"), waitForSuccess: true },
    });
    await client.jobs.add({
      id: "ij",
      poolInfo: { poolId: "ip" },
      jobPreparationTask: { commandLine: note("prep"), rerunOnNodeRebootAfterSuccess: false },
    });
    await client.tasks.add("ij", {
      id: "leave-file",
      commandLine: '/bin/sh -c "echo data > $AZ_BATCH_NODE_SHARED_DIR/leftover"',
    });
    await completedTask(client, "ij", "leave-file");
    const gated = (name: string) => `/bin/sh -c "while [ ! -e ${gate(name)} ]; do sleep 0.05; done"`;
    await client.tasks.add("ij", { id: "long", commandLine: gated("long") });
    await waitFor(
      "the long task to run",
      async () => (await client.tasks.get("ij", "long")).state === "running",
    );
    const [before] = await collect(client.nodes.list("ip"));
    const leftover = path.join(suite.dataDir, "nodes", "ip", before!.id, "shared", "leftover");
    expect(fs.existsSync(leftover)).toBe(true);

    // requeue (the default): the task is killed, the node wiped, and the task runs again there.
    await client.nodes.reimage("ip", before!.id);
    const after = await backFromReimage(client, before!.id, before!.lastBootTime);
    expect(fs.existsSync(leftover)).toBe(false);
    const requeued = await waitFor("the requeued task to run again", async () => {
      const task = await client.tasks.get("ij", "long");
      return task.state === "running" && task.executionInfo!.requeueCount === 1 && task;
    });
    expect(requeued.nodeInfo!.nodeId).toBe(before!.id);
    expect(events("start")).toBe(2);
    expect(events("prep")).toBe(2);

    // taskcompletion: the running task finishes, then the node is reimaged.
    await client.nodes.reimage("ip", before!.id, "taskcompletion");
    expect((await client.nodes.get("ip", before!.id)).state).toBe("running");
    await client.tasks.add("ij", { id: "held", commandLine: "/bin/true" });
    fs.writeFileSync(gate("long"), "");
    const long = await completedTask(client, "ij", "long");
    expect(long.executionInfo!.result).toBe("success");
    expect(long.executionInfo!.requeueCount).toBe(1);
    await backFromReimage(client, before!.id, after.lastBootTime);
    // The task added while the reimage was pending ran only on the fresh node, after its start task.
    const held = await completedTask(client, "ij", "held");
    expect(Date.parse(held.executionInfo!.startTime!)).toBeGreaterThan(Date.parse(after.lastBootTime!));
    expect(events("start")).toBe(3);
    expect(events("prep")).toBe(3);

    const refused = await client.nodes.reimage("ip", "no-such-node").catch((e: { code?: string }) => e.code);
    expect(refused).toBe("NodeNotFound");
  });
});
