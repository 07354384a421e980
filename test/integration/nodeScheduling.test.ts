/**
 * Disabling and enabling scheduling on a node with real agents: under `requeue` its running task is
 * killed and queued again, under `terminate` it is killed and completed as failed, under
 * `taskcompletion` it finishes; the node gets no new task until scheduling is enabled again, and is
 * `offline` while disabled with nothing running.
 */
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import type { BatchClient } from "../../client/index.js";
import { processesMentioning, serviceForSuite, waitFor } from "./harness.js";

/** A task that runs until the test creates its gate file. */
function gatedTask(id: string, gate: string) {
  return { id, commandLine: `/bin/sh -c "while [ ! -e ${gate} ]; do sleep 0.05; done"` };
}

async function runningOn(client: BatchClient, jobId: string, taskId: string): Promise<string> {
  return waitFor(`task ${taskId} to run`, async () => {
    const task = await client.tasks.get(jobId, taskId);
    return task.state === "running" && task.nodeInfo!.nodeId;
  });
}

async function nodeIn(client: BatchClient, nodeId: string, state: string, schedulingState: string) {
  return waitFor(`node ${nodeId} to be ${state} with scheduling ${schedulingState}`, async () => {
    const node = await client.nodes.get("sp", nodeId);
    return node.state === state && node.schedulingState === schedulingState && node;
  });
}

describe("node scheduling", () => {
  const suite = serviceForSuite("nodescheduling");
  const gate = (name: string) => path.join(suite.dataDir, `gate-${name}`);
  const open = (name: string) => fs.writeFileSync(gate(name), "");

  it("requeue: the running task is killed and queued again, and the node takes nothing until enabled", async () => {
    const { client } = suite.service;
    await client.pools.add({ id: "sp", vmSize: "small", targetDedicatedNodes: 2, taskSlotsPerNode: 1 });
    await client.jobs.add({ id: "rq", poolInfo: { poolId: "sp" } });
    await client.tasks.addCollection("rq", [gatedTask("a", gate("a")), gatedTask("b", gate("b"))]);
    const nodeA = await runningOn(client, "rq", "a");
    const nodeB = await runningOn(client, "rq", "b");
    expect(nodeA).not.toBe(nodeB);

    await client.nodes.disableScheduling("sp", nodeA);
    await nodeIn(client, nodeA, "offline", "disabled");
    await waitFor("task a's process to be killed", async () => processesMentioning(gate("a")).length === 0);
    const requeued = await client.tasks.get("rq", "a");
    expect(requeued.state).toBe("active");
    expect(requeued.executionInfo!.requeueCount).toBe(1);
    const twice = await client.nodes.disableScheduling("sp", nodeA).catch((e: { code?: string }) => e.code);
    expect(twice).toBe("NodeAlreadyInTargetSchedulingState");

    // b's node frees up: a runs there, never on the disabled node.
    open("b");
    expect(await runningOn(client, "rq", "a")).toBe(nodeB);
    await client.nodes.enableScheduling("sp", nodeA);
    await nodeIn(client, nodeA, "idle", "enabled");
    await client.tasks.add("rq", { id: "c", commandLine: "/bin/true" });
    const c = await waitFor("task c to complete", async () => {
      const task = await client.tasks.get("rq", "c");
      return task.state === "completed" && task;
    });
    expect(c.nodeInfo!.nodeId).toBe(nodeA);
    // nodeA's recent runs: c, newest first; a's killed run was requeued, not ended there.
    const recentTasks = (await client.nodes.get("sp", nodeA)).recentTasks!;
    expect(recentTasks).toHaveLength(1);
    const [recent] = recentTasks;
    expect(recent).toMatchObject({ jobId: "rq", taskId: "c", taskState: "completed" });
    expect(recent!.executionInfo).toMatchObject({ exitCode: 0, result: "success", requeueCount: 0 });
    expect(recent!.taskUrl).toMatch(/\/jobs\/rq\/tasks\/c$/);
    open("a");
    const enabledAgain = await client.nodes
      .enableScheduling("sp", nodeA)
      .catch((e: { code?: string }) => e.code);
    expect(enabledAgain).toBe("NodeAlreadyInTargetSchedulingState");
  });

  it("terminate: the running task is killed and completed as failed", async () => {
    const { client } = suite.service;
    await client.jobs.add({ id: "tm", poolInfo: { poolId: "sp" } });
    await client.tasks.add("tm", gatedTask("t", gate("t")));
    const node = await runningOn(client, "tm", "t");
    await client.nodes.disableScheduling("sp", node, "terminate");
    const ended = await waitFor("task t to complete", async () => {
      const task = await client.tasks.get("tm", "t");
      return task.state === "completed" && task;
    });
    expect(ended.executionInfo!.result).toBe("failure");
    expect(ended.executionInfo!.failureInfo!.message).toContain("nodeDisableSchedulingOption 'terminate'");
    await nodeIn(client, node, "offline", "disabled");
    await waitFor("task t's process to be killed", async () => processesMentioning(gate("t")).length === 0);
    await client.nodes.enableScheduling("sp", node);
    await nodeIn(client, node, "idle", "enabled");
  });

  it("taskcompletion: the running task finishes, then the node is offline and its slot stays unused", async () => {
    const { client } = suite.service;
    await client.jobs.add({ id: "tc", poolInfo: { poolId: "sp" } });
    await client.tasks.add("tc", gatedTask("long", gate("long")));
    const disabledNode = await runningOn(client, "tc", "long");
    await client.nodes.disableScheduling("sp", disabledNode, "taskcompletion");
    await nodeIn(client, disabledNode, "running", "disabled");

    // The other node takes u; v finds no node: the disabled one is not offered even once free.
    await client.tasks.add("tc", gatedTask("u", gate("u")));
    const otherNode = await runningOn(client, "tc", "u");
    expect(otherNode).not.toBe(disabledNode);
    await client.tasks.add("tc", { id: "v", commandLine: "/bin/true" });
    open("long");
    const long = await waitFor("the long task to complete", async () => {
      const task = await client.tasks.get("tc", "long");
      return task.state === "completed" && task;
    });
    expect(long.executionInfo!.result).toBe("success");
    expect(long.executionInfo!.requeueCount).toBe(0);
    await nodeIn(client, disabledNode, "offline", "disabled");
    expect((await client.tasks.get("tc", "v")).state).toBe("active");

    open("u");
    const v = await waitFor("task v to complete", async () => {
      const task = await client.tasks.get("tc", "v");
      return task.state === "completed" && task;
    });
    expect(v.nodeInfo!.nodeId).toBe(otherNode);
    await client.nodes.enableScheduling("sp", disabledNode);
    await nodeIn(client, disabledNode, "idle", "enabled");
  });
});
