/** The VirtualNetwork resource under Pulumi mocks: its name, prefix and connection, and a pool taking its subnet id. */
import { describe, expect, it } from "vitest";
import { captureResources, openbatchOutputs, placeholder, settled } from "../../pulumi/capturedResources.js";

const captured = captureResources(openbatchOutputs);
const { Account, Pool, VirtualNetwork } = await import("../../../provider/index.js");

describe("VirtualNetwork under mocks", () => {
  const account = new Account("acct");
  const network = new VirtualNetwork("mpinet", { account, addressPrefix: "10.88.0.0/24" });
  const pool = new Pool("mpi", {
    account,
    vmSize: "standard_d2s_v3",
    interNodeCommunication: "Enabled",
    networkConfiguration: { subnetId: network.subnetId },
  });

  it("registers its name (default the resource name), prefix and the account's connection", async () => {
    await settled(pool.poolName);
    const registered = captured.find((r) => r.name === "mpinet")!;
    expect(registered.type).toBe("pulumi-nodejs:dynamic/openbatch:VirtualNetwork");
    expect(registered.inputs).toMatchObject({
      networkName: "mpinet",
      addressPrefix: "10.88.0.0/24",
      endpoint: placeholder("acct", "endpoint"),
    });
    expect(registered.inputs.__provider).toContain("openbatch/provider/dynamic/virtualNetworkProvider");
  });

  it("hands its subnet id to the pool, which registers after it", () => {
    expect(captured.map((r) => r.name)).toEqual(["acct", "mpinet", "mpi"]);
    expect(captured[2]!.inputs.networkConfiguration).toEqual({ subnetId: placeholder("mpinet", "subnetId") });
  });
});
