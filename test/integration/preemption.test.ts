/**
 * Preemption of low-priority nodes with real agents: on command, a running task is requeued without a
 * retry, the node is `preempted` (and counted so) while its agent is gone, and it comes back on a
 * fresh machine under the same id; at a seeded rate, only low-priority nodes are preempted, the state
 * survives a SIGKILL of the service, and `$PreemptedNodeCount` reaches autoscale formulas.
 */
import fs from "node:fs";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { type BatchClient, collect } from "../../client/index.js";
import {
  completedTask,
  killEverything,
  makeDataDir,
  processesMentioning,
  type ServiceProcess,
  serviceForSuite,
  startService,
  stopService,
  waitFor,
} from "./harness.js";

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function nodesOf(client: BatchClient, poolId: string) {
  const nodes = await collect(client.nodes.list(poolId));
  return {
    dedicated: nodes.find((n) => n.isDedicated)!,
    lowPriority: nodes.find((n) => !n.isDedicated)!,
  };
}

const ready = (state: string) => state === "idle" || state === "running";

describe("preemption on command", () => {
  const suite = serviceForSuite("preempt", ["--preempted-node-restore", "PT3S"]);

  it("requeues the running task without a retry, counts the node preempted, and brings it back fresh", async () => {
    const { client } = suite.service;
    const log = path.join(suite.dataDir, "events.log");
    const gate = path.join(suite.dataDir, "gate");
    await client.pools.add({
      id: "pp",
      vmSize: "small",
      targetDedicatedNodes: 1,
      targetLowPriorityNodes: 1,
      startTask: { commandLine: `/bin/sh -c "echo start-$AZ_BATCH_NODE_ID >> ${log}"`, waitForSuccess: true },
    });
    const nodes = await waitFor("both nodes to be idle", async () => {
      const both = await nodesOf(suite.service.client, "pp");
      return (
        both.dedicated &&
        both.lowPriority &&
        ready(both.dedicated.state) &&
        ready(both.lowPriority.state) &&
        both
      );
    });
    const spot = nodes.lowPriority.id;
    expect(spot).toMatch(/_p$/);
    const leftover = path.join(suite.dataDir, "nodes", "pp", spot, "shared", "leftover");
    fs.writeFileSync(leftover, "from before the preemption");
    const agentPids = processesMentioning(path.join(suite.dataDir, "nodes", "pp", spot));
    expect(agentPids.length).toBeGreaterThan(0);

    // The task runs on the low-priority node: the dedicated one takes none for now.
    await client.nodes.disableScheduling("pp", nodes.dedicated.id);
    await client.jobs.add({ id: "pj", poolInfo: { poolId: "pp" } });
    await client.tasks.add("pj", {
      id: "long",
      commandLine: `/bin/sh -c "while [ ! -e ${gate} ]; do sleep 0.05; done"`,
      constraints: { maxTaskRetryCount: 0 },
    });
    await waitFor("the task to run on the low-priority node", async () => {
      const task = await client.tasks.get("pj", "long");
      return task.state === "running" && task.nodeInfo?.nodeId === spot;
    });

    await client.nodes.preempt("pp", spot);
    const preempted = await client.nodes.get("pp", spot);
    expect(preempted.state).toBe("preempted");
    expect(preempted.runningTasksCount).toBe(0);
    const requeued = await client.tasks.get("pj", "long");
    expect(requeued.state).toBe("active");
    expect(requeued.executionInfo).toMatchObject({ retryCount: 0, requeueCount: 1 });
    const pool = await client.pools.get("pp");
    expect(pool.currentLowPriorityNodes).toBe(1);
    expect(pool.targetLowPriorityNodes).toBe(1);
    const [counts] = await collect(client.nodes.listCounts({ filter: "poolId eq 'pp'" }));
    expect(counts!.lowPriority).toMatchObject({ preempted: 1, total: 1 });
    expect(counts!.dedicated.preempted).toBe(0);
    // A dedicated node cannot be preempted (nor a preempted one again: see the suite below).
    const dedicated = await client.nodes
      .preempt("pp", nodes.dedicated.id)
      .catch((e: { code?: string }) => e.code);
    expect(dedicated).toBe("OperationNotValidOnNode");

    // Its "VM" is gone: the agent stopped.
    await waitFor("the preempted node's agent to stop", async () => agentPids.every((pid) => !isAlive(pid)));

    // The pool gets the node back: same id, a fresh machine (its directories wiped), its start task rerun.
    const back = await waitFor("the node to come back", async () => {
      const node = await client.nodes.get("pp", spot);
      return ready(node.state) && node.lastBootTime !== nodes.lowPriority.lastBootTime && node;
    });
    expect(back.isDedicated).toBe(false);
    expect(fs.existsSync(leftover)).toBe(false);
    const starts = fs
      .readFileSync(log, "utf8")
      .split("\n")
      .filter((line) => line === `start-${spot}`);
    expect(starts).toHaveLength(2);

    // The requeued task runs again (on the node back from preemption, the only one taking tasks) and succeeds.
    await waitFor(
      "the requeued task to run again",
      async () => (await client.tasks.get("pj", "long")).state === "running",
    );
    fs.writeFileSync(gate, "");
    const done = await completedTask(client, "pj", "long");
    expect(done.executionInfo).toMatchObject({ result: "success", retryCount: 0, requeueCount: 1 });
    expect(done.nodeInfo!.nodeId).toBe(spot);
  });
});

describe("preemption at a seeded rate", () => {
  const dataDir = makeDataDir("preempt-rate");
  let service: ServiceProcess | undefined;
  const args = ["--preemption-rate", "7200", "--preemption-seed", "7", "--preempted-node-restore", "PT1H"];

  afterAll(async () => {
    if (service) await stopService(service);
    killEverything(dataDir);
  });

  it("preempts only low-priority nodes, keeps them preempted across a restart, and samples $PreemptedNodeCount", async () => {
    service = await startService(dataDir, 0, undefined, args);
    const port = Number(new URL(service.endpoint).port);
    let client = service.client;
    await client.pools.add({ id: "rp", vmSize: "small", targetDedicatedNodes: 1, targetLowPriorityNodes: 1 });
    const spot = await waitFor("the low-priority node to be preempted", async () => {
      const { lowPriority } = await nodesOf(client, "rp");
      return lowPriority?.state === "preempted" && lowPriority;
    });
    // The dedicated node is never a candidate: it comes up and stays.
    const dedicated = await waitFor("the dedicated node to be idle", async () => {
      const node = (await nodesOf(client, "rp")).dedicated;
      return ready(node.state) && node;
    });
    await waitFor(
      "the preempted node's agent to stop",
      async () => processesMentioning(path.join(dataDir, "nodes", "rp", spot.id)).length === 0,
    );

    const again = await client.nodes.preempt("rp", spot.id).catch((e: { code?: string }) => e.code);
    expect(again).toBe("OperationNotValidOnNode");

    // Azure's formula that replaces preempted low-priority nodes with dedicated ones.
    const formula = [
      "maxNumberofVMs = 25;",
      "$TargetDedicatedNodes = min(maxNumberofVMs, $PreemptedNodeCount.GetSample(180 * TimeInterval_Second));",
      "$TargetLowPriorityNodes = min(maxNumberofVMs , maxNumberofVMs - $TargetDedicatedNodes);",
      "$NodeDeallocationOption = taskcompletion;",
    ].join("\n");
    // Enabled with a formula that keeps the pool as it is; the evaluation samples the preempted node.
    await client.pools.enableAutoScale("rp", {
      autoScaleFormula: "$TargetDedicatedNodes = 1; $TargetLowPriorityNodes = 1;",
      autoScaleEvaluationInterval: "PT1H",
    });
    const run = await client.pools.evaluateAutoScale("rp", formula);
    expect(run.error).toBeUndefined();
    expect(run.results).toContain("$TargetDedicatedNodes=1");
    expect(run.results).toContain("$TargetLowPriorityNodes=24");
    expect(run.results).toContain("$NodeDeallocationOption=taskcompletion");

    // A SIGKILL of the service: the node stays preempted and its machine stays gone.
    await stopService(service, "SIGKILL");
    service = await startService(dataDir, port, undefined, ["--preempted-node-restore", "PT1H"]);
    client = service.client;
    await waitFor("the dedicated node to reconnect", async () =>
      ready((await client.nodes.get("rp", dedicated.id)).state),
    );
    expect((await client.nodes.get("rp", spot.id)).state).toBe("preempted");
    expect(processesMentioning(path.join(dataDir, "nodes", "rp", spot.id))).toHaveLength(0);
    expect((await client.pools.get("rp")).currentLowPriorityNodes).toBe(1);

    // A shrinking pool removes the preempted node first.
    await client.pools.disableAutoScale("rp");
    await client.pools.resize("rp", { targetDedicatedNodes: 1, targetLowPriorityNodes: 0 });
    await waitFor("the preempted node to leave", async () => {
      const nodes = await collect(client.nodes.list("rp"));
      return nodes.length === 1 && nodes[0]!.id === dedicated.id;
    });
  });
});
