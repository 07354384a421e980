/** Address and name allocation of service/provisioners/namespaceNetworks.ts (no `ip` command runs). */
import { describe, expect, it } from "vitest";
import type { LocalNetwork } from "../../../service/core/poolNetworks.js";
import type { NodeRecord } from "../../../service/core/records.js";
import { NamespaceNetworks, ownedNamePrefixes } from "../../../service/provisioners/namespaceNetworks.js";

const network: LocalNetwork = {
  name: "small",
  addressPrefix: "192.168.9.0/29",
  label: "virtual network 'small'",
  whenFull: "use fewer nodes, or give the network a larger addressPrefix",
};

function node(id: string): NodeRecord {
  return { poolId: "p", id, machine: { rootDirectory: `/nodes/p/${id}` } } as NodeRecord;
}

/** Only `reserve` is called: nothing listens and no `ip` command runs. */
function networksOf(dataDir: string): NamespaceNetworks {
  return new NamespaceNetworks({ dataDir, acceptConnection: () => {}, servicePort: () => 1, log: () => {} });
}

describe("namespace networks", () => {
  const networks = networksOf("/data/one");

  it("gives the lowest free addresses after the gateway, and says so when the subnet is full", () => {
    const attachments = ["n1", "n2", "n3", "n4", "n5"].map((id) => networks.reserve(network, node(id)));
    expect(attachments.map((a) => a.address)).toEqual([
      "192.168.9.2",
      "192.168.9.3",
      "192.168.9.4",
      "192.168.9.5",
      "192.168.9.6",
    ]);
    expect(new Set(attachments.map((a) => a.gateway))).toEqual(new Set(["192.168.9.1"]));
    expect(() => networks.reserve(network, node("n6"))).toThrow(
      "virtual network 'small' (192.168.9.0/29) has no free address left for node n6 (5 node addresses, all taken): use fewer nodes, or give the network a larger addressPrefix",
    );
  });

  it("names namespaces within the 15 characters of an interface name, by data directory and node", () => {
    const other = networksOf("/data/two");
    const mine = networks.reserve({ ...network, name: "big", addressPrefix: "10.1.0.0/16" }, node("x"));
    const theirs = other.reserve({ ...network, name: "big", addressPrefix: "10.1.0.0/16" }, node("x"));
    expect(mine.namespace).toHaveLength(15);
    expect(mine.namespace.startsWith(ownedNamePrefixes("/data/one").namespace)).toBe(true);
    expect(theirs.namespace).not.toBe(mine.namespace);
    expect(ownedNamePrefixes("/data/one").bridge).toHaveLength(9);
  });
});
