/**
 * Killing the service (SIGKILL) while a pool lives on a virtual network with namespaces: the agents
 * and their namespaces live on, as VMs would; the restarted service keeps both (same namespaces, same
 * addresses, same agents), brings the gateway back so the agents reconnect, and deletes a namespace
 * with its name prefix that no node holds. Subnet 10.90.0.0/24.
 */
import { execFileSync } from "node:child_process";
import { afterAll, describe, expect, it } from "vitest";
import { collect } from "../../client/index.js";
import { ownedNamePrefixes } from "../../service/provisioners/namespaceNetworks.js";
import {
  completedTask,
  killEverything,
  makeDataDir,
  processesMentioning,
  type ServiceProcess,
  startService,
  stopService,
  waitFor,
} from "./harness.js";
import { hostAddresses, ownedLinks, ownedNamespaces } from "./networkProbe.js";

describe("service restart with a virtual network", () => {
  const dataDir = makeDataDir("vnet-restart");
  const args = ["--network-isolation", "namespaces"];
  let service: ServiceProcess | undefined;

  afterAll(async () => {
    if (service) await stopService(service);
    killEverything(dataDir);
  });

  it("keeps the nodes' namespaces and addresses, and cleans up a stray namespace", async () => {
    service = await startService(dataDir, 0, undefined, args);
    const port = Number(new URL(service.endpoint).port);
    let client = service.client;
    const network = await client.virtualNetworks.put("vnet90", { addressPrefix: "10.90.0.0/24" });
    await client.pools.add({
      id: "rp",
      vmSize: "small",
      targetDedicatedNodes: 2,
      networkConfiguration: { subnetId: network.subnetId },
    });
    const idle = async () => {
      const nodes = await collect(client.nodes.list("rp"));
      return nodes.length === 2 && nodes.every((n) => n.state === "idle") && nodes;
    };
    const before = await waitFor("2 idle nodes", idle);
    const namespaces = ownedNamespaces(dataDir).sort();
    expect(namespaces).toHaveLength(2);
    const agents = processesMentioning(`${dataDir}/nodes/rp`).sort();
    expect(agents).toHaveLength(2);

    await stopService(service, "SIGKILL");
    // A namespace named as this service names them, that no node holds (a crash half-way, say).
    const stray = `${ownedNamePrefixes(dataDir).namespace}ffffff`;
    execFileSync("ip", ["netns", "add", stray]);
    expect(ownedNamespaces(dataDir)).toContain(stray);

    service = await startService(dataDir, port, undefined, args);
    client = service.client;
    // Nodes are `unknown` after a restart until their agents register again (over the gateway).
    const after = await waitFor("both nodes idle again", idle);
    expect(after.map((n) => [n.id, n.ipAddress])).toEqual(before.map((n) => [n.id, n.ipAddress]));
    await waitFor("the stray namespace to be deleted", async () => !ownedNamespaces(dataDir).includes(stray));
    expect(ownedNamespaces(dataDir).sort()).toEqual(namespaces);
    expect(processesMentioning(`${dataDir}/nodes/rp`).sort()).toEqual(agents); // adopted, not restarted

    await client.jobs.add({ id: "rj", poolInfo: { poolId: "rp" } });
    await client.tasks.add("rj", { id: "addr", commandLine: "ip -4 -o addr show eth0" });
    const task = await completedTask(client, "rj", "addr");
    const address = after.find((n) => n.id === task.nodeInfo!.nodeId)!.ipAddress;
    expect(await client.tasks.getFileText("rj", "addr", "stdout.txt")).toContain(`inet ${address}/24`);

    await client.pools.delete("rp");
    await waitFor("the pool to go", async () => !(await client.pools.exists("rp")));
    expect(ownedNamespaces(dataDir)).toEqual([]);
    expect(ownedLinks(dataDir)).toEqual([]);
    expect(hostAddresses()).not.toContain("10.90.0.1/24");
  });
});
