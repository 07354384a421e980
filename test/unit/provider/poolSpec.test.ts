/** Pool inputs → the service's REST body, and back; which changes replace the pool. */
import { describe, expect, it } from "vitest";
import type { Pool } from "../../../protocol/rest/pool.js";
import type { PoolInputs } from "../../../provider/dynamic/pool.js";
import {
  checkPool,
  poolAddParameter,
  poolChangeEffects,
  poolInputsFromService,
  poolUpdateProperties,
} from "../../../provider/dynamic/poolSpec.js";
import { diffByTable, withoutUndefined } from "../../../provider/dynamic/propertyDiff.js";

const connection = {
  endpoint: "http://127.0.0.1:1",
  accountName: "acct",
  accountKey: "a2V5a2V5a2V5a2V5a2V5a2V5",
};
const inputs: PoolInputs = {
  ...connection,
  poolName: "p",
  vmSize: "standard_d2s_v3",
  deploymentConfiguration: {
    virtualMachineConfiguration: {
      imageReference: { publisher: "canonical", offer: "ubuntu", sku: "22_04-lts", id: "/images/x" },
      nodeAgentSkuId: "batch.node.ubuntu 22.04",
    },
  },
  scaleSettings: { fixedScale: { targetDedicatedNodes: 2, resizeTimeout: "PT5M" } },
  taskSchedulingPolicy: { nodeFillType: "Pack" },
  interNodeCommunication: "Enabled",
  certificates: [{ thumbprint: "abc" }],
  applicationPackages: [{ id: "app", version: "1" }],
  networkConfiguration: { subnetId: "vnet/subnet" },
  waitForNodes: true,
};

describe("poolAddParameter", () => {
  it("maps azure-native names to Azure Batch REST names", () => {
    expect(poolAddParameter(inputs)).toEqual({
      id: "p",
      vmSize: "standard_d2s_v3",
      virtualMachineConfiguration: {
        imageReference: {
          publisher: "canonical",
          offer: "ubuntu",
          sku: "22_04-lts",
          virtualMachineImageId: "/images/x",
        },
        nodeAgentSKUId: "batch.node.ubuntu 22.04",
      },
      resizeTimeout: "PT5M",
      targetDedicatedNodes: 2,
      targetLowPriorityNodes: 0,
      enableInterNodeCommunication: true,
      taskSchedulingPolicy: { nodeFillType: "pack" },
      certificateReferences: [{ thumbprint: "abc", thumbprintAlgorithm: "sha1" }],
      applicationPackageReferences: [{ applicationId: "app", version: "1" }],
      networkConfiguration: { subnetId: "vnet/subnet" },
    });
  });

  it("updateproperties always names the metadata, so that removing it removes it", () => {
    expect(poolUpdateProperties({ ...inputs, metadata: undefined })).toEqual({ metadata: [] });
  });
});

describe("poolInputsFromService", () => {
  it("reads back what poolAddParameter wrote, as the program spelled it", () => {
    const body = poolAddParameter(inputs);
    const pool = {
      ...body,
      state: "active",
      taskSlotsPerNode: 1,
      enableAutoScale: false,
      currentDedicatedNodes: 2,
      currentLowPriorityNodes: 0,
    } as unknown as Pool;
    const read = poolInputsFromService(pool, connection, inputs);
    expect(read).toEqual(inputs);
    expect(diffByTable(inputs, read, poolChangeEffects)).toMatchObject({ changes: false });
  });
});

describe("autoScale", () => {
  const autoScaled: PoolInputs = {
    ...inputs,
    scaleSettings: { autoScale: { formula: "$TargetDedicatedNodes = 2;" } },
  };

  it("adds the pool with its formula and no targets", () => {
    const body = poolAddParameter(autoScaled);
    expect(body).toMatchObject({ enableAutoScale: true, autoScaleFormula: "$TargetDedicatedNodes = 2;" });
    expect(body).not.toHaveProperty("targetDedicatedNodes");
    expect(body).not.toHaveProperty("autoScaleEvaluationInterval");
  });

  it("reads the formula back, leaving the default interval out as the program did", () => {
    const pool = {
      ...poolAddParameter(autoScaled),
      autoScaleEvaluationInterval: "PT15M",
      state: "active",
      taskSlotsPerNode: 1,
      targetDedicatedNodes: 2,
      targetLowPriorityNodes: 0,
    } as unknown as Pool;
    expect(poolInputsFromService(pool, connection, autoScaled).scaleSettings).toEqual(
      autoScaled.scaleSettings,
    );
    expect(poolInputsFromService(pool, connection, undefined).scaleSettings).toEqual(
      autoScaled.scaleSettings,
    );
  });

  it("refuses both scale settings at once, and a formula that is empty", () => {
    const both = checkPool({
      ...inputs,
      scaleSettings: { fixedScale: { targetDedicatedNodes: 1 }, autoScale: { formula: "$x = 1;" } },
    });
    expect(both.failures?.map((f) => f.reason)).toContain(
      "scaleSettings has both fixedScale and autoScale: give one of them.",
    );
    const empty = checkPool({ ...inputs, scaleSettings: { autoScale: { formula: " " } } });
    expect(empty.failures?.[0]?.reason).toMatch(/^scaleSettings.autoScale.formula is required/);
  });
});

describe("pool changes", () => {
  const diff = (changes: Partial<PoolInputs>) =>
    diffByTable(inputs, { ...inputs, ...changes }, poolChangeEffects);

  it("resizes, and replaces start task and metadata, in place", () => {
    expect(diff({ scaleSettings: { fixedScale: { targetDedicatedNodes: 5 } } })).toEqual({
      changes: true,
      replaces: [],
      deleteBeforeReplace: false,
    });
    expect(diff({ startTask: { commandLine: "/bin/true" }, metadata: [] }).replaces).toEqual([]);
  });

  it("replaces the pool, deleting it first, for what the service cannot change", () => {
    expect(diff({ vmSize: "standard_d4s_v3", taskSlotsPerNode: 4 })).toEqual({
      changes: true,
      replaces: ["vmSize", "taskSlotsPerNode"],
      deleteBeforeReplace: true,
    });
  });

  it("sees no change when nothing changed", () => {
    expect(diff({})).toEqual({ changes: false, replaces: [], deleteBeforeReplace: false });
  });
});

describe("checkPool", () => {
  it("applies waitForNodes true and accepts a full pool", () => {
    expect(checkPool(inputs)).toEqual({ inputs, failures: [] });
    expect(
      checkPool({ ...inputs, waitForNodes: undefined } as unknown as PoolInputs).inputs?.waitForNodes,
    ).toBe(true);
  });

  it("names start task properties the service does not run yet", () => {
    const news = { ...inputs, startTask: { commandLine: "x", resourceFiles: [] } } as unknown as PoolInputs;
    expect(checkPool(news).failures).toEqual([
      {
        property: "startTask",
        reason:
          "startTask.resourceFiles is not supported: use commandLine, environmentSettings, maxTaskRetryCount, waitForSuccess.",
      },
    ]);
  });

  it("refuses out-of-range counts and unknown enums", () => {
    const news = {
      ...inputs,
      scaleSettings: { fixedScale: { targetDedicatedNodes: -1 } },
      taskSlotsPerNode: 0,
      interNodeCommunication: "yes",
    } as unknown as PoolInputs;
    expect(checkPool(news).failures!.map((f) => f.property)).toEqual([
      "scaleSettings",
      "taskSlotsPerNode",
      "interNodeCommunication",
    ]);
  });
});

describe("withoutUndefined", () => {
  it("drops undefined at every depth, keeping null and arrays", () => {
    expect(withoutUndefined({ a: undefined, b: { c: undefined, d: null }, e: [{ f: undefined }] })).toEqual({
      b: { d: null },
      e: [{}],
    });
  });
});
