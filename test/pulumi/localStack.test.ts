/**
 * The Account, Pool and JobSchedule resources applied through the real dynamic-provider plugin, as
 * `pulumi up` would: a local account daemon, a pool of 2 nodes (waits until idle), a job schedule;
 * then the pool shrunk in place; then everything destroyed, leaving no process and no data directory.
 */
import fs from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BatchClient, collect } from "../../client/index.js";
import { killEverything, makeDataDir, processesMentioning } from "../integration/harness.js";
import { type AppliedStack, applyResources, destroyResources } from "./applyResources.js";
import { captureResources, openbatchOutputs, settled } from "./capturedResources.js";
import { DynamicProviderPlugin } from "./dynamicProviderPlugin.js";

const captured = captureResources(openbatchOutputs);
const { localStack } = await import("./programs/localStack.js");

/** Runs the program once and returns the resources it declared. */
async function declare(dataDir: string, nodes: number, note: string) {
  const from = captured.length;
  const { schedule } = localStack(dataDir, nodes, note);
  await settled(schedule.id);
  return captured.slice(from);
}

describe("a local stack through the dynamic-provider plugin", () => {
  const dataDir = `${makeDataDir("pulumi-stack")}/account`;
  let plugin: DynamicProviderPlugin;
  let stack: AppliedStack;
  let client: BatchClient;

  beforeAll(async () => {
    plugin = await DynamicProviderPlugin.start();
  });
  afterAll(async () => {
    await plugin?.stop();
    killEverything(dataDir);
  });

  it("creates the account daemon, a pool whose 2 nodes are idle, and the job schedule", async () => {
    stack = await applyResources(plugin, await declare(dataDir, 2, "first"));
    expect(stack.operations).toEqual({ acct: "create", pool: "create", nightly: "create" });
    const account = stack.resources[0]!.outputs;
    expect(account.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    client = new BatchClient({
      endpoint: account.endpoint as string,
      accountName: "pulumitest",
      accountKey: account.primaryKey as string,
    });
    const nodes = await collect(client.nodes.list("p1"));
    expect(nodes.map((n) => n.state)).toEqual(["idle", "idle"]);
    expect((await client.jobSchedules.get("nightly")).jobSpecification.poolInfo).toEqual({ poolId: "p1" });
    expect(plugin.output()).toContain("pool p1: 2/2 nodes idle");
  });

  it("shrinks the pool and changes the schedule in place, leaving the account alone", async () => {
    const pid = stack.resources[0]!.outputs.pid;
    stack = await applyResources(plugin, await declare(dataDir, 1, "second"), stack);
    expect(stack.operations).toEqual({ acct: "same", pool: "update", nightly: "update" });
    expect(stack.resources[0]!.outputs.pid).toBe(pid);
    expect((await client.pools.get("p1")).currentDedicatedNodes).toBe(1);
    expect((await client.jobSchedules.get("nightly")).metadata).toEqual([{ name: "note", value: "second" }]);
  });

  it("destroys everything: no daemon, no agent, no data directory left", async () => {
    await destroyResources(plugin, stack);
    expect(processesMentioning(dataDir)).toEqual([]);
    expect(fs.existsSync(dataDir)).toBe(false);
  });
});
