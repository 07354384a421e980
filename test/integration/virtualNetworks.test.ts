/**
 * Local virtual networks with real namespaces (this machine runs as root; the service is started with
 * `--network-isolation namespaces`, so it refuses to start, and the suite fails, where the host does
 * not allow them), and with isolation forced to loopback. Real service, real agents, real `ip`.
 * Subnets: 10.88.0.0/24 here, 10.89.0.0/24 for loopback; other suites use others.
 */
import { describe, expect, it } from "vitest";
import type { BatchClient } from "../../client/index.js";
import { BatchRequestError, collect } from "../../client/index.js";
import type { ComputeNode } from "../../protocol/rest/node.js";
import { completedTask, serviceForSuite, waitFor } from "./harness.js";
import { hostAddresses, ownedLinks, ownedNamespaces, writeTcpPrograms } from "./networkProbe.js";

async function refusal(promise: Promise<unknown>): Promise<BatchRequestError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof BatchRequestError)) throw new Error(`expected a refusal, got ${String(error)}`);
  return error;
}

function idleNodes(client: BatchClient, poolId: string, count: number): Promise<ComputeNode[]> {
  return waitFor(`${count} idle nodes in ${poolId}`, async () => {
    const nodes = await collect(client.nodes.list(poolId));
    return nodes.length === count && nodes.every((n) => n.state === "idle") && nodes;
  });
}

describe("a local virtual network with namespaces", () => {
  const suite = serviceForSuite("vnet", ["--network-isolation", "namespaces"]);

  it("validates networks and refuses overlaps, unknown subnets and deleting one in use", async () => {
    const { client } = suite.service;
    const bad = await refusal(client.virtualNetworks.put("bad", { addressPrefix: "8.8.8.0/24" }));
    expect([bad.status, bad.code]).toEqual([400, "InvalidPropertyValue"]);
    expect(bad.message).toContain("not a private range");
    const wide = await refusal(client.virtualNetworks.put("bad", { addressPrefix: "10.0.0.0/8" }));
    expect(wide.message).toContain("/16 to /29");
    const hostBits = await refusal(client.virtualNetworks.put("bad", { addressPrefix: "10.87.0.5/24" }));
    expect(hostBits.message).toContain("the subnet is 10.87.0.0/24");

    const made = await client.virtualNetworks.put("checks", { addressPrefix: "10.87.0.0/24" });
    expect(made).toMatchObject({
      name: "checks",
      subnetId: "/openbatch/virtualNetworks/checks/subnets/default",
      gatewayAddress: "10.87.0.1",
      isolation: "namespaces",
      poolIds: [],
    });
    const overlap = await refusal(client.virtualNetworks.put("other", { addressPrefix: "10.87.0.128/25" }));
    expect([overlap.status, overlap.code]).toEqual([409, "VirtualNetworkAddressOverlap"]);
    expect(overlap.message).toContain("'checks'");

    const unknown = await refusal(
      client.pools.add({
        id: "nowhere",
        vmSize: "small",
        networkConfiguration: { subnetId: "/openbatch/virtualNetworks/missing/subnets/default" },
      }),
    );
    expect([unknown.status, unknown.code]).toEqual([400, "InvalidPropertyValue"]);
    expect(unknown.message).toContain("virtual network 'missing' does not exist");

    // A pool with no nodes holds the network all the same.
    await client.pools.add({
      id: "holder",
      vmSize: "small",
      networkConfiguration: { subnetId: made.subnetId },
    });
    const inUse = await refusal(client.virtualNetworks.delete("checks"));
    expect([inUse.status, inUse.code]).toEqual([409, "VirtualNetworkInUse"]);
    expect(inUse.message).toContain("holder");
    const moved = await refusal(client.virtualNetworks.put("checks", { addressPrefix: "10.86.0.0/24" }));
    expect(moved.code).toBe("VirtualNetworkInUse");
    await client.pools.delete("holder");
    await waitFor("the holder pool to go", async () => !(await client.pools.exists("holder")));
    await client.virtualNetworks.delete("checks");
    expect((await client.virtualNetworks.list()).map((n) => n.name)).not.toContain("checks");
  });

  it("gives each node its own namespace and address, and carries traffic between nodes over the bridge", async () => {
    const { client } = suite.service;
    const network = await client.virtualNetworks.put("vnet88", { addressPrefix: "10.88.0.0/24" });
    expect(network.isolation).toBe("namespaces");
    await client.pools.add({
      id: "np",
      vmSize: "small",
      targetDedicatedNodes: 2,
      networkConfiguration: { subnetId: network.subnetId, enableAcceleratedNetworking: false },
    });
    expect((await client.pools.get("np")).networkConfiguration).toEqual({
      subnetId: network.subnetId,
      enableAcceleratedNetworking: false,
    });
    const nodes = await idleNodes(client, "np", 2);
    const addresses = nodes.map((n) => n.ipAddress!);
    expect(new Set(addresses).size).toBe(2);
    for (const address of addresses) expect(address).toMatch(/^10\.88\.0\.(\d+)$/);
    expect(addresses).not.toContain("10.88.0.1"); // the gateway's
    expect(ownedNamespaces(suite.dataDir)).toHaveLength(2);
    expect(hostAddresses()).toContain("10.88.0.1/24");
    expect((await client.virtualNetworks.get("vnet88")).poolIds).toEqual(["np"]);
    const addressOf = new Map(nodes.map((n) => [n.id, n.ipAddress!]));

    // A task sees its node's address on eth0.
    await client.jobs.add({ id: "nj", poolInfo: { poolId: "np" } });
    await client.tasks.add("nj", { id: "addr", commandLine: "ip -4 addr show eth0" });
    const addr = await completedTask(client, "nj", "addr");
    expect(addr.executionInfo?.exitCode).toBe(0);
    const shown = await client.tasks.getFileText("nj", "addr", "stdout.txt");
    expect(shown).toContain(`inet ${addressOf.get(addr.nodeInfo!.nodeId)}/24`);

    // The account's URL and file store, as a node in a namespace reaches them: at the gateway.
    await client.storage.upload("vnetin", "hello.txt", "over the bridge\n");
    await client.tasks.add("nj", {
      id: "fetch",
      commandLine: "/bin/sh -c 'cat hello.txt; echo $AZ_BATCH_ACCOUNT_URL'",
      resourceFiles: [{ autoStorageContainerName: "vnetin" }],
    });
    expect((await completedTask(client, "nj", "fetch")).executionInfo?.exitCode).toBe(0);
    const port = new URL(suite.service.endpoint).port;
    expect(await client.tasks.getFileText("nj", "fetch", "stdout.txt")).toBe(
      `over the bridge\nhttp://10.88.0.1:${port}\n`,
    );

    // Node B listens; node A (the only free slot) connects to B's address and gets B's answer.
    const programs = writeTcpPrograms(suite.dataDir);
    await client.tasks.add("nj", {
      id: "server",
      commandLine: `${process.execPath} ${programs.server} 7801`,
    });
    const server = await waitFor("the server task to run", async () => {
      const task = await client.tasks.get("nj", "server");
      return task.state === "running" && task;
    });
    const serverAddress = addressOf.get(server.nodeInfo!.nodeId)!;
    await client.tasks.add("nj", {
      id: "client",
      commandLine: `${process.execPath} ${programs.client} ${serverAddress} 7801`,
    });
    const clientTask = await completedTask(client, "nj", "client");
    expect(clientTask.executionInfo?.exitCode).toBe(0);
    expect(clientTask.nodeInfo!.nodeId).not.toBe(server.nodeInfo!.nodeId);
    const clientAddress = addressOf.get(clientTask.nodeInfo!.nodeId)!;
    expect(await client.tasks.getFileText("nj", "client", "stdout.txt")).toBe(
      `pong from ${serverAddress} to ${clientAddress} (from ${clientAddress})\n`,
    );
    expect((await completedTask(client, "nj", "server")).executionInfo?.exitCode).toBe(0);

    // A rebooted node comes back in the same namespace, with the same address.
    const [first] = nodes;
    await client.nodes.reboot("np", first!.id);
    await waitFor("the rebooted node to be idle again", async () => {
      const node = await client.nodes.get("np", first!.id);
      return node.state === "idle" && node.lastBootTime !== first!.lastBootTime && node;
    });
    expect((await client.nodes.get("np", first!.id)).ipAddress).toBe(first!.ipAddress);
    expect(ownedNamespaces(suite.dataDir)).toHaveLength(2);

    // Deleting the pool removes the namespaces, the veths and (the last pool) the bridge.
    await client.pools.delete("np");
    await waitFor("the pool to go", async () => !(await client.pools.exists("np")));
    expect(ownedNamespaces(suite.dataDir)).toEqual([]);
    expect(ownedLinks(suite.dataDir)).toEqual([]);
    expect(hostAddresses()).not.toContain("10.88.0.1/24");
    await client.virtualNetworks.delete("vnet88");
    expect(ownedLinks(suite.dataDir)).toEqual([]);
  });
});

describe("a local virtual network with isolation forced to loopback", () => {
  const suite = serviceForSuite("vnet-loopback", ["--network-isolation", "loopback"]);

  it("says so, and runs its nodes on 127.0.0.1", async () => {
    const { client } = suite.service;
    const network = await client.virtualNetworks.put("lo89", { addressPrefix: "10.89.0.0/24" });
    expect(network.isolation).toBe("loopback");
    expect(network.isolationReason).toContain("'loopback'");
    await client.pools.add({
      id: "lp",
      vmSize: "small",
      targetDedicatedNodes: 2,
      networkConfiguration: { subnetId: network.subnetId },
    });
    const nodes = await idleNodes(client, "lp", 2);
    expect(nodes.map((n) => n.ipAddress)).toEqual(["127.0.0.1", "127.0.0.1"]);
    await client.jobs.add({ id: "lj", poolInfo: { poolId: "lp" } });
    await client.tasks.add("lj", { id: "t", commandLine: "/bin/echo on loopback" });
    const task = await completedTask(client, "lj", "t");
    expect(task.executionInfo?.exitCode).toBe(0);
    expect(await client.tasks.getFileText("lj", "t", "stdout.txt")).toBe("on loopback\n");
    expect(ownedNamespaces(suite.dataDir)).toEqual([]);
    expect(hostAddresses()).not.toContain("10.89.0.1/24");
    await client.pools.delete("lp");
    await waitFor("the pool to go", async () => !(await client.pools.exists("lp")));
    await client.virtualNetworks.delete("lo89");
  });
});
