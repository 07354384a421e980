/**
 * The Pool resource under Pulumi mocks: an `account` becomes its endpoint, name and secret key, and
 * the nested inputs arrive as declared.
 */
import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import { captureResources, openbatchOutputs, placeholder, settled } from "../../pulumi/capturedResources.js";

const captured = captureResources(openbatchOutputs);
const { Account, Pool } = await import("../../../provider/index.js");

describe("Pool under mocks", () => {
  const account = new Account("acct");
  const pool = new Pool("workers", {
    account,
    vmSize: "standard_d2s_v3",
    scaleSettings: { fixedScale: { targetDedicatedNodes: 3 } },
    taskSchedulingPolicy: { nodeFillType: "Pack" },
    applicationPackages: [{ id: "blender", version: "4.1" }],
  });

  it("takes the account's outputs as its connection and its name as the pool id", async () => {
    await settled(pool.poolName);
    const registered = captured.find((r) => r.name === "workers")!;
    expect(registered.type).toBe("pulumi-nodejs:dynamic/openbatch:Pool");
    expect(registered.inputs).toMatchObject({
      poolName: "workers",
      endpoint: placeholder("acct", "endpoint"),
      accountName: "acct",
      scaleSettings: { fixedScale: { targetDedicatedNodes: 3 } },
      applicationPackages: [{ id: "blender", version: "4.1" }],
    });
    expect(registered.inputs.__provider).toContain("openbatch/provider/dynamic/poolProvider");
  });

  it("registers after its account (the order applyResources relies on)", () => {
    expect(captured.map((r) => r.name)).toEqual(["acct", "workers"]);
  });

  it("takes the account key as a secret input, and keeps it secret in its own state", async () => {
    const registered = captured.find((r) => r.name === "workers")!;
    expect(Object.values(registered.inputs.accountKey as object)).toContain(
      placeholder("acct", "primaryKey"),
    );
    const key = (pool as unknown as { accountKey: pulumi.Output<string> }).accountKey;
    expect(await pulumi.isSecret(key)).toBe(true);
  });
});
