/**
 * Nodes that claim themselves: a service with the Azure provisioner over a fake compute API whose VMs
 * are real agents started without a node id, with `--machine-id <scaleSet>_<n>`. A resize 0→2 boots two
 * VMs that each get a node; 2→1 deletes the very instance of the node removed; a reboot restarts that
 * instance and a reimage (its stored node id wiped) gets the same node back by its machine id; a node
 * whose VM never boots stays `starting`, and removing it lowers the capacity.
 */
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BatchClient, collect } from "../../client/index.js";
import type { ComputeNode } from "../../protocol/rest/node.js";
import { type RunningService, startService } from "../../service/main.js";
import { FakeScaleSets } from "./fakeScaleSets.js";
import { completedTask, killEverything, makeDataDir, waitFor } from "./harness.js";

describe("cloud nodes claimed by their machines", () => {
  const dataDir = makeDataDir("cloudclaims");
  const serviceLog: string[] = [];
  let service: RunningService;
  let client: BatchClient;
  let cloud: FakeScaleSets;

  beforeAll(async () => {
    cloud = new FakeScaleSets({
      directory: path.join(dataDir, "vms"),
      prefix: "openbatch-",
      joinInfo: (poolId) => client.pools.getJoinInfo(poolId),
    });
    service = await startService({
      host: "127.0.0.1",
      port: 0,
      dataDir: path.join(dataDir, "service"),
      accountName: "cloudclaims",
      provisioner: "azure",
      azure: { subscriptionId: "sub", resourceGroup: "rg", compute: cloud },
      heartbeatIntervalMs: 500,
      log: (line) => serviceLog.push(line),
    });
    client = new BatchClient(service);
  });
  afterAll(async () => {
    await cloud?.stopAll();
    await service?.close();
    killEverything(dataDir);
  });

  const nodes = () => collect(client.nodes.list("p1"));
  const idleNodes = (count: number) =>
    waitFor(`${count} idle nodes`, async () => {
      const list = await nodes();
      return list.length === count && list.every((n) => n.state === "idle") && list;
    });
  const steady = () =>
    waitFor("the pool to be steady", async () => (await client.pools.get("p1")).allocationState === "steady");
  // The agent keeps its node id on disk once registered, which may be just after the node turns idle.
  const vmOf = (node: ComputeNode) =>
    waitFor(`the VM of node ${node.id}`, async () =>
      cloud.instances("openbatch-p1").find((vm) => cloud.nodeIdOf(vm) === node.id),
    );

  it("gives each booted VM a node of the pool", async () => {
    await client.pools.add({ id: "p1", vmSize: "standard_d2s_v3", targetDedicatedNodes: 0 });
    const join = await client.pools.getJoinInfo("p1");
    expect(join).toEqual({
      serviceUrl: `${service.endpoint.replace(/^http/, "ws")}/openbatch/agent`,
      joinToken: expect.stringMatching(/^[A-Za-z0-9_-]{16,}$/),
      bundleUrl: `${service.endpoint}/openbatch/agent/bundle.tar.gz`,
    });
    await client.pools.resize("p1", { targetDedicatedNodes: 2 });
    const list = await idleNodes(2);
    // One capacity call for both nodes.
    expect(cloud.calls).toEqual(["update openbatch-p1 capacity=2"]);
    const vms = await Promise.all(list.map(vmOf));
    expect(vms.map((vm) => vm?.instanceId).sort()).toEqual([0, 1]);

    await client.jobs.add({ id: "j1", poolInfo: { poolId: "p1" } });
    await client.tasks.add("j1", { id: "t1", commandLine: '/bin/sh -c "echo on $AZ_BATCH_NODE_ID"' });
    const task = await completedTask(client, "j1", "t1");
    expect(task.executionInfo?.exitCode).toBe(0);
  });

  it("removes the instance of the node that leaves, and only it", async () => {
    const [first, second] = await nodes();
    const leaving = await vmOf(first!);
    const staying = await vmOf(second!);
    await client.pools.resize("p1", { targetDedicatedNodes: 1 });
    await steady();
    const left = await nodes();
    expect(left.map((n) => n.id)).toEqual([second!.id]);
    expect(cloud.calls.slice(1)).toEqual([`delete openbatch-p1 ${leaving.instanceId}`]);
    expect(leaving.agent).toBeUndefined();
    expect(cloud.instances("openbatch-p1")).toEqual([staying]);
    expect(staying.agent?.exitCode).toBeNull();
  });

  it("restarts the node's instance on reboot, and gives a reimaged VM its node back", async () => {
    const [node] = await nodes();
    const vm = await vmOf(node!);
    const before = vm.agent!.pid;
    await client.nodes.reboot("p1", node!.id);
    await waitFor("the rebooted node to be idle", async () => {
      const current = await client.nodes.get("p1", node!.id);
      return current.state === "idle" && vm.agent?.pid !== before && current;
    });
    expect(cloud.calls.at(-1)).toBe(`restart openbatch-p1 ${vm.instanceId}`);

    await cloud.reimage(vm);
    expect(cloud.nodeIdOf(vm)).toBeUndefined();
    await waitFor(
      "the reimaged VM to register as the same node",
      async () => cloud.nodeIdOf(vm) === node!.id,
    );
    expect((await idleNodes(1)).map((n) => n.id)).toEqual([node!.id]);
  });

  it("keeps a node whose VM never boots starting, and lowers the capacity when it goes", async () => {
    cloud.boot = false;
    await client.pools.resize("p1", { targetDedicatedNodes: 2 });
    await steady();
    const waiting = await waitFor("a starting node", async () =>
      (await nodes()).find((n) => n.state === "starting"),
    );
    expect(cloud.instances("openbatch-p1")).toHaveLength(2);
    expect(cloud.calls.at(-1)).toBe("update openbatch-p1 capacity=2");

    await client.pools.resize("p1", { targetDedicatedNodes: 1 });
    await steady();
    expect((await nodes()).map((n) => n.id)).not.toContain(waiting.id);
    expect(cloud.calls.at(-1)).toBe("update openbatch-p1 capacity=1");
    expect(cloud.instances("openbatch-p1")).toHaveLength(1);
    expect(await idleNodes(1)).toHaveLength(1);
  });

  it("deletes the last instance with the pool", async () => {
    const [node] = await nodes();
    const vm = await vmOf(node!);
    await client.pools.delete("p1");
    await waitFor("the pool to be gone", async () => !(await client.pools.exists("p1")));
    expect(cloud.calls.at(-1)).toBe(`delete openbatch-p1 ${vm.instanceId}`);
    expect(cloud.vms.size).toBe(0);
    expect(fs.existsSync(vm.root)).toBe(true); // the fake keeps disks; the real VM goes with its disk
    expect(serviceLog.filter((line) => /could not/.test(line))).toEqual([]);
  });
});
