/**
 * examples/mpi applied through the real dynamic-provider plugin: an account daemon, a virtual network
 * (namespaces where this host allows them, loopback otherwise), and a pool of 2 nodes on it with
 * inter-node communication; then destroyed, leaving no process, namespace, link or data directory.
 * Subnet 10.95.0.0/24 (other suites use others).
 */
import fs from "node:fs";
import * as pulumi from "@pulumi/pulumi";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BatchClient, collect } from "../../client/index.js";
import { killEverything, makeDataDir, processesMentioning } from "../integration/harness.js";
import { ownedLinks, ownedNamespaces } from "../integration/networkProbe.js";
import { type AppliedStack, applyResources, destroyResources } from "./applyResources.js";
import { captureResources, openbatchOutputs, settled } from "./capturedResources.js";
import { DynamicProviderPlugin } from "./dynamicProviderPlugin.js";

const PROJECT = "openbatch-mpi";
const captured = captureResources(openbatchOutputs, PROJECT);
const dataDir = `${makeDataDir("pulumi-mpi")}/account`;
pulumi.runtime.setAllConfig({
  [`${PROJECT}:dataDir`]: dataDir,
  [`${PROJECT}:addressPrefix`]: "10.95.0.0/24",
});
const program = await import("../../examples/mpi/index.js");

describe("examples/mpi through the dynamic-provider plugin", () => {
  let plugin: DynamicProviderPlugin;
  let stack: AppliedStack | undefined;

  beforeAll(async () => {
    plugin = await DynamicProviderPlugin.start();
  });
  afterAll(async () => {
    // After a failure, a destroy still removes the namespaces the pool's nodes got (a killed daemon cannot).
    if (stack) await destroyResources(plugin, stack).catch(() => undefined);
    await plugin?.stop();
    killEverything(dataDir);
  });

  it("creates the network and a pool of 2 idle nodes on its subnet", async () => {
    await settled(program.poolId);
    stack = await applyResources(plugin, captured);
    expect(stack.operations).toEqual({ batch: "create", mpinet: "create", mpi: "create" });
    const [account, network, pool] = stack.resources.map((r) => r.outputs);
    expect(network).toMatchObject({
      subnetId: "/openbatch/virtualNetworks/mpinet/subnets/default",
      gatewayAddress: "10.95.0.1",
      isolation: expect.stringMatching(/^(namespaces|loopback)$/),
    });
    const client = new BatchClient({
      endpoint: account!.endpoint as string,
      accountName: "batch",
      accountKey: account!.primaryKey as string,
    });
    const served = await client.pools.get(pool!.poolName as string);
    expect(served).toMatchObject({
      enableInterNodeCommunication: true,
      networkConfiguration: { subnetId: network!.subnetId },
    });
    const nodes = await collect(client.nodes.list("mpi"));
    expect(nodes.map((n) => n.state)).toEqual(["idle", "idle"]);
    if (network!.isolation === "namespaces")
      for (const node of nodes) expect(node.ipAddress).toMatch(/^10\.95\.0\.\d+$/);
  });

  it("destroys the pool, the network and the daemon: nothing of them is left", async () => {
    await destroyResources(plugin, stack!);
    stack = undefined;
    expect(processesMentioning(dataDir)).toEqual([]);
    expect(ownedNamespaces(dataDir)).toEqual([]);
    expect(ownedLinks(dataDir)).toEqual([]);
    expect(fs.existsSync(dataDir)).toBe(false);
  });
});
