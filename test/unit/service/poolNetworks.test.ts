/** Which network a pool's nodes go on (service/core/poolNetworks.ts): a virtual network, or the pool's own. */
import { describe, expect, it } from "vitest";
import { localNetworkOf, ownNetworkFor } from "../../../service/core/poolNetworks.js";
import type { PoolRecord, VirtualNetworkRecord } from "../../../service/core/records.js";

const interNode = { id: "p", vmSize: "small", enableInterNodeCommunication: true };

function pool(id: string, ownNetwork?: string, subnetId?: string): PoolRecord {
  return {
    id,
    ownNetwork,
    spec: { id, vmSize: "small", ...(subnetId ? { networkConfiguration: { subnetId } } : {}) },
  } as PoolRecord;
}

describe("pool networks", () => {
  it("gives an inter-node pool without a subnet the lowest free /22 of 100.64.0.0/10", () => {
    expect(ownNetworkFor(interNode, [])).toBe("100.64.0.0/22");
    const held = [pool("a", "100.64.0.0/22"), pool("b", "100.64.8.0/22"), pool("c")];
    expect(ownNetworkFor(interNode, held)).toBe("100.64.4.0/22");
    expect(ownNetworkFor(interNode, [...held, pool("d", "100.64.4.0/22")])).toBe("100.64.12.0/22");
  });

  it("gives none to a pool without inter-node communication or with a subnet of its own", () => {
    expect(ownNetworkFor({ ...interNode, enableInterNodeCommunication: false }, [])).toBeUndefined();
    const onSubnet = {
      ...interNode,
      networkConfiguration: { subnetId: "/openbatch/virtualNetworks/n/subnets/default" },
    };
    expect(ownNetworkFor(onSubnet, [])).toBeUndefined();
  });

  it("says where the nodes go: the named virtual network first, else the pool's own network", () => {
    const networks = new Map<string, VirtualNetworkRecord>([
      ["n", { name: "n", addressPrefix: "10.7.0.0/24" } as VirtualNetworkRecord],
    ]);
    const lookup = (name: string) => networks.get(name);
    expect(
      localNetworkOf(pool("v", undefined, "/openbatch/virtualNetworks/n/subnets/default"), lookup),
    ).toEqual({
      name: "n",
      addressPrefix: "10.7.0.0/24",
      label: "virtual network 'n'",
      whenFull: "use fewer nodes, or give the network a larger addressPrefix",
    });
    expect(localNetworkOf(pool("mpi", "100.64.4.0/22"), lookup)).toEqual({
      name: "pool:mpi",
      addressPrefix: "100.64.4.0/22",
      label: "the own network of pool 'mpi'",
      whenFull: "use fewer nodes",
    });
    expect(localNetworkOf(pool("plain"), lookup)).toBeUndefined();
  });
});
