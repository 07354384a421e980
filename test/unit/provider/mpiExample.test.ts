/** examples/mpi under Pulumi mocks: an account, a virtual network, and a pool on its subnet with inter-node communication. */
import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import { captureResources, openbatchOutputs, placeholder, settled } from "../../pulumi/capturedResources.js";

const captured = captureResources(openbatchOutputs, "openbatch-mpi");
pulumi.runtime.setAllConfig({ "openbatch-mpi:nodeCount": "3", "openbatch-mpi:dataDir": "/tmp/never-made" });
const program = await import("../../../examples/mpi/index.js");

describe("examples/mpi", () => {
  it("declares the account, then the network, then the pool on the network's subnet", async () => {
    await settled(program.poolId);
    expect(captured.map((r) => [r.type.split(":").at(-1), r.name])).toEqual([
      ["Account", "batch"],
      ["VirtualNetwork", "mpinet"],
      ["Pool", "mpi"],
    ]);
    expect(captured[0]!.inputs).toMatchObject({
      cloud: "local",
      dataDir: "/tmp/never-made",
      retainData: false,
    });
    expect(captured[1]!.inputs).toMatchObject({ networkName: "mpinet", addressPrefix: "10.88.0.0/24" });
    expect(captured[2]!.inputs).toMatchObject({
      poolName: "mpi",
      interNodeCommunication: "Enabled",
      networkConfiguration: { subnetId: placeholder("mpinet", "subnetId") },
      scaleSettings: { fixedScale: { targetDedicatedNodes: 3 } },
    });
  });

  it("exports the endpoint, pool, subnet and isolation, the key as a secret", async () => {
    const value = <T>(output: pulumi.Output<T>) => new Promise<T>((resolve) => output.apply(resolve));
    expect(await value(program.subnetId)).toBe(placeholder("mpinet", "subnetId"));
    expect(await value(program.isolation)).toBe(placeholder("mpinet", "isolation"));
    expect(await value(program.poolId)).toBe("mpi");
    expect(await pulumi.isSecret(program.primaryKey)).toBe(true);
  });
});
