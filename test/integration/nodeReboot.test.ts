/**
 * Rebooting a node with real agents: its running task is requeued and runs again, its start task runs
 * again, and a job's preparation task reruns there before the job's next task — unless the job says
 * rerunOnNodeRebootAfterSuccess false.
 */
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { collect } from "../../client/index.js";
import { completedTask, serviceForSuite, waitFor } from "./harness.js";

describe("node reboot", () => {
  const suite = serviceForSuite("reboot");

  it("requeues the running task, reruns the start task and, where asked, the job preparation task", async () => {
    const { client } = suite.service;
    const log = path.join(suite.dataDir, "events.log");
    const gate = path.join(suite.dataDir, "gate");
    const note = (what: string) => `/bin/sh -c "echo ${what} >> ${log}"`;
    await client.pools.add({
      id: "rp",
      vmSize: "small",
      targetDedicatedNodes: 1,
      taskSlotsPerNode: 2,
      startTask: { commandLine: note("start"), waitForSuccess: true },
    });
    await client.jobs.add({
      id: "rerun",
      poolInfo: { poolId: "rp" },
      jobPreparationTask: { commandLine: note("prep-rerun") },
    });
    await client.jobs.add({
      id: "once",
      poolInfo: { poolId: "rp" },
      jobPreparationTask: { commandLine: note("prep-once"), rerunOnNodeRebootAfterSuccess: false },
    });
    await client.tasks.add("once", { id: "o1", commandLine: "/bin/true" });
    await client.tasks.add("rerun", {
      id: "long",
      commandLine: `/bin/sh -c "while [ ! -e ${gate} ]; do sleep 0.05; done"`,
    });
    await completedTask(client, "once", "o1");
    await waitFor(
      "the long task to run",
      async () => (await client.tasks.get("rerun", "long")).state === "running",
    );
    const [before] = await collect(client.nodes.list("rp"));

    await client.nodes.reboot("rp", before.id);
    const after = await waitFor("the node to be back", async () => {
      const node = await client.nodes.get("rp", before.id);
      return node.state === "running" && node.lastBootTime !== before.lastBootTime && node;
    });
    expect(Date.parse(after.lastBootTime!)).toBeGreaterThan(Date.parse(before.lastBootTime!));
    await waitFor("the requeued task to run again", async () => {
      const t = await client.tasks.get("rerun", "long");
      return t.state === "running" && t.executionInfo!.requeueCount === 1;
    });
    fs.writeFileSync(gate, "");
    await completedTask(client, "rerun", "long");
    await client.tasks.add("once", { id: "o2", commandLine: "/bin/true" });
    await completedTask(client, "once", "o2");

    const events = fs.readFileSync(log, "utf8").trim().split("\n");
    const count = (what: string) => events.filter((e) => e === what).length;
    expect(count("start")).toBe(2);
    expect(count("prep-rerun")).toBe(2);
    expect(count("prep-once")).toBe(1);
    expect(events.indexOf("start", 1)).toBeLessThan(events.lastIndexOf("prep-rerun"));
    const refused = await client.nodes.reboot("rp", "no-such-node").catch((e: { code?: string }) => e.code);
    expect(refused).toBe("NodeNotFound");
  });
});
