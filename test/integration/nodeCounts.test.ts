/**
 * `GET /nodecounts` against real agents in several states: running, idle, offline (scheduling
 * disabled), waitingForStartTask and startTaskFailed, counted per pool.
 */
import fs from "node:fs";
import path from "node:path";
import { isDeepStrictEqual } from "node:util";
import { describe, expect, it } from "vitest";
import { collect } from "../../client/index.js";
import type { NodeCounts, PoolNodeCounts } from "../../protocol/rest/nodeCounts.js";
import { serviceForSuite, waitFor } from "./harness.js";

/** Only the states that have nodes, plus the total. */
function nonZero(counts: NodeCounts): Partial<NodeCounts> {
  return Object.fromEntries(Object.entries(counts).filter(([, n]) => n > 0));
}

describe("node counts", () => {
  const suite = serviceForSuite("nodecounts");

  it("counts each pool's nodes by state", async () => {
    const { client } = suite.service;
    const gate = path.join(suite.dataDir, "gate");
    const waitGate = `/bin/sh -c "while [ ! -e ${gate} ]; do sleep 0.05; done"`;
    await client.pools.add({ id: "busy", vmSize: "small", targetDedicatedNodes: 3 });
    await client.pools.add({
      id: "waiting",
      vmSize: "small",
      targetDedicatedNodes: 1,
      startTask: { commandLine: waitGate, waitForSuccess: true },
    });
    await client.pools.add({
      id: "failed",
      vmSize: "small",
      targetDedicatedNodes: 1,
      startTask: { commandLine: "/bin/false", waitForSuccess: true },
    });
    await client.jobs.add({ id: "cj", poolInfo: { poolId: "busy" } });
    await client.tasks.add("cj", { id: "long", commandLine: waitGate });
    const runningNode = await waitFor("the task to run", async () => {
      const task = await client.tasks.get("cj", "long");
      return task.state === "running" && task.nodeInfo!.nodeId;
    });
    const idle = await waitFor("the other nodes to be idle", async () => {
      const nodes = await collect(client.nodes.list("busy"));
      const others = nodes.filter((n) => n.id !== runningNode);
      return others.length === 2 && others.every((n) => n.state === "idle") && others;
    });
    await client.nodes.disableScheduling("busy", idle[0]!.id);

    const expected = {
      busy: { idle: 1, offline: 1, running: 1, total: 3 },
      waiting: { waitingForStartTask: 1, total: 1 },
      failed: { startTaskFailed: 1, total: 1 },
    };
    const counts = await waitFor("the counts to show every state", async () => {
      const all = await collect(client.nodes.listCounts());
      const byPool = Object.fromEntries(all.map((c) => [c.poolId, nonZero(c.dedicated)]));
      return isDeepStrictEqual(byPool, expected) && all;
    });
    for (const pool of counts) expect(pool.lowPriority.total).toBe(0);

    const one = await collect(client.nodes.listCounts({ filter: "poolId eq 'waiting'" }));
    expect(one.map((c: PoolNodeCounts) => c.poolId)).toEqual(["waiting"]);
    fs.writeFileSync(gate, "");
    await waitFor("the waiting pool's node to be idle", async () => {
      const [waiting] = await collect(client.nodes.listCounts({ filter: "poolId eq 'waiting'" }));
      return waiting!.dedicated.idle === 1;
    });
  });
});
