/**
 * The Pool dynamic provider's CRUD called directly against a real service with real agents:
 * create → update in place → replace → refresh after an out-of-band delete → import → delete.
 */
import { describe, expect, it } from "vitest";
import type { PoolInputs, PoolOutputs } from "../../provider/dynamic/pool.js";
import { provider } from "../../provider/dynamic/poolProvider.js";
import { processesMentioning, serviceForSuite, waitFor } from "./harness.js";

describe("Pool provider against a real service", () => {
  const suite = serviceForSuite("pulumi-pool");
  const connection = () => ({
    endpoint: suite.service.endpoint,
    accountName: suite.service.accountName,
    accountKey: suite.service.accountKey,
  });
  const declared = (changes: Partial<PoolInputs> = {}) =>
    ({
      ...connection(),
      poolName: "pp",
      vmSize: "standard_d2s_v3",
      scaleSettings: { fixedScale: { targetDedicatedNodes: 1 } },
      metadata: [{ name: "stage", value: "one" }],
      ...changes,
    }) as PoolInputs;
  let outputs: PoolOutputs;

  async function checked(news: PoolInputs): Promise<PoolInputs> {
    const result = await provider.check({} as PoolInputs, news);
    expect(result.failures).toEqual([]);
    return result.inputs!;
  }

  it("refuses two scale settings, bad ids and missing connections in check, saying what to fix", async () => {
    const { failures } = await provider.check(
      {} as PoolInputs,
      {
        poolName: "no spaces",
        vmSize: "",
        scaleSettings: {
          autoScale: { formula: "$TargetDedicatedNodes = 1;" },
          fixedScale: { targetDedicatedNodes: 1 },
        },
      } as PoolInputs,
    );
    const reasons = failures!.map((f) => `${f.property}: ${f.reason}`).join("\n");
    expect(reasons).toContain(
      "scaleSettings: scaleSettings has both fixedScale and autoScale: give one of them.",
    );
    expect(reasons).toContain("poolName: poolName 'no spaces' is not a valid id");
    expect(reasons).toContain("vmSize: vmSize is required");
    expect(reasons).toContain("endpoint: endpoint is required");
  });

  it("creates a pool and returns once its node is idle", async () => {
    const inputs = await checked(declared());
    expect(inputs.waitForNodes).toBe(true);
    const created = await provider.create(inputs);
    expect(created.id).toBe("pp");
    outputs = created.outs!;
    expect(outputs.currentDedicatedNodes).toBe(1);
    expect(outputs.joinToken).toBe((await suite.service.client.pools.getJoinInfo("pp")).joinToken);
    const nodes = await suite.service.client.nodes.list("pp").next();
    expect(nodes.value?.state).toBe("idle");
  });

  it("resizes and replaces metadata and the start task in place", async () => {
    const news = await checked(
      declared({
        scaleSettings: { fixedScale: { targetDedicatedNodes: 2 } },
        metadata: [{ name: "stage", value: "two" }],
        startTask: { commandLine: "/bin/true" },
      }),
    );
    expect(await provider.diff("pp", outputs, news)).toEqual({
      changes: true,
      replaces: [],
      deleteBeforeReplace: false,
    });
    outputs = (await provider.update("pp", outputs, news)).outs!;
    expect(outputs.currentDedicatedNodes).toBe(2);
    const pool = await suite.service.client.pools.get("pp");
    expect(pool.metadata).toEqual([{ name: "stage", value: "two" }]);
    expect(pool.startTask).toEqual({ commandLine: "/bin/true" });
    expect(pool.creationTime).toBe(outputs.creationTime);
  });

  it("replaces the pool, deleting the old one first, when the VM size changes", async () => {
    const news = await checked(declared({ vmSize: "standard_d4s_v3" }));
    const diff = await provider.diff("pp", outputs, news);
    expect(diff.replaces).toContain("vmSize");
    expect(diff.deleteBeforeReplace).toBe(true);
    await provider.delete("pp", outputs);
    expect(await suite.service.client.pools.exists("pp")).toBe(false);
    outputs = (await provider.create(news)).outs!;
    expect((await suite.service.client.pools.get("pp")).vmSize).toBe("standard_d4s_v3");
  });

  it("refresh finds the pool as the service has it, and drops it once deleted out of band", async () => {
    const refreshed = await provider.read("pp", outputs);
    expect(refreshed.id).toBe("pp");
    expect(await provider.diff("pp", refreshed.props, refreshed.inputs)).toMatchObject({ changes: false });
    await suite.service.client.pools.delete("pp");
    await waitFor("the pool to be gone", async () => !(await suite.service.client.pools.exists("pp")));
    expect((await provider.read("pp", outputs)).id).toBeUndefined();
  });

  it("imports a pool made elsewhere from its id and the connection alone", async () => {
    await suite.service.client.pools.add({
      id: "imported",
      vmSize: "standard_d2s_v3",
      taskSchedulingPolicy: { nodeFillType: "pack" },
      enableInterNodeCommunication: true,
    });
    const imported = await provider.read("imported", connection() as PoolOutputs);
    expect(imported.id).toBe("imported");
    expect(imported.inputs).toMatchObject({
      poolName: "imported",
      vmSize: "standard_d2s_v3",
      taskSchedulingPolicy: { nodeFillType: "Pack" },
      interNodeCommunication: "Enabled",
      scaleSettings: { fixedScale: { targetDedicatedNodes: 0, targetLowPriorityNodes: 0 } },
    });
    await provider.delete("imported", imported.props);
    expect(await suite.service.client.pools.exists("imported")).toBe(false);
  });

  it("fails a create whose start task fails with the task's message, and removes that pool again", async () => {
    const inputs = await checked(
      declared({ poolName: "broken", startTask: { commandLine: "/bin/false", waitForSuccess: true } }),
    );
    await expect(provider.create(inputs)).rejects.toThrow(/the start task failed on node tvmps_000001_d/);
    expect(await suite.service.client.pools.exists("broken")).toBe(false);
  });

  it("fails a create whose node cannot join its virtual network, naming the node and why", async () => {
    // A /29 holds the gateway and 5 nodes: the sixth gets no address.
    const network = await suite.service.client.virtualNetworks.put("tiny", { addressPrefix: "10.96.0.0/29" });
    const inputs = await checked(
      declared({
        poolName: "crowded",
        scaleSettings: { fixedScale: { targetDedicatedNodes: 6 } },
        networkConfiguration: { subnetId: network.subnetId },
      }),
    );
    await expect(provider.create(inputs)).rejects.toThrow(
      /node tvmps_\d+_d is starting \(NetworkSetupFailed: /,
    );
    expect(await suite.service.client.pools.exists("crowded")).toBe(false);
    await suite.service.client.virtualNetworks.delete("tiny");
  });

  it("delete returns once the pool is gone and its agents have stopped", async () => {
    outputs = (await provider.create(await checked(declared({ poolName: "last" })))).outs!;
    await provider.delete("last", outputs);
    expect(await suite.service.client.pools.exists("last")).toBe(false);
    expect(processesMentioning(`${suite.dataDir}/nodes/last`)).toEqual([]);
  });
});

describe("Pool provider with an autoscale formula", () => {
  const suite = serviceForSuite("pulumi-pool-autoscale");
  const declared = (scaleSettings: PoolInputs["scaleSettings"]) =>
    ({
      endpoint: suite.service.endpoint,
      accountName: suite.service.accountName,
      accountKey: suite.service.accountKey,
      poolName: "auto",
      vmSize: "standard_d2s_v3",
      scaleSettings,
    }) as PoolInputs;
  const checked = async (news: PoolInputs) => {
    const result = await provider.check({} as PoolInputs, news);
    expect(result.failures).toEqual([]);
    return result.inputs!;
  };

  it("creates a pool sized by its formula, changes the formula in place, and goes back to a fixed size", async () => {
    const { client } = suite.service;
    const first = await checked(
      declared({ autoScale: { formula: "$TargetDedicatedNodes = 1;", evaluationInterval: "PT2S" } }),
    );
    let outputs = (await provider.create(first)).outs!;
    expect(outputs.currentDedicatedNodes).toBe(1);
    let pool = await client.pools.get("auto");
    expect(pool.enableAutoScale).toBe(true);
    expect(pool.autoScaleRun?.results).toContain("$TargetDedicatedNodes=1");

    // A new formula right away, then another within the 2-second sample period: the provider waits it out.
    for (const nodes of [2, 1]) {
      const news = await checked(
        declared({ autoScale: { formula: `$TargetDedicatedNodes = ${nodes};`, evaluationInterval: "PT2S" } }),
      );
      expect(await provider.diff("auto", outputs, news)).toMatchObject({ changes: true, replaces: [] });
      outputs = (await provider.update("auto", outputs, news)).outs!;
      expect(outputs.currentDedicatedNodes).toBe(nodes);
      expect((await client.pools.get("auto")).autoScaleFormula).toBe(`$TargetDedicatedNodes = ${nodes};`);
    }

    const refreshed = await provider.read("auto", outputs);
    expect(refreshed.inputs?.scaleSettings).toEqual(outputs.scaleSettings);
    expect(await provider.diff("auto", refreshed.props, refreshed.inputs)).toMatchObject({ changes: false });

    const fixed = await checked(declared({ fixedScale: { targetDedicatedNodes: 0 } }));
    outputs = (await provider.update("auto", outputs, fixed)).outs!;
    pool = await client.pools.get("auto");
    expect(pool.enableAutoScale).toBe(false);
    expect(pool.targetDedicatedNodes).toBe(0);
    expect(outputs.currentDedicatedNodes).toBe(0);
    await provider.delete("auto", outputs);
    expect(await client.pools.exists("auto")).toBe(false);
  });
});
