import { describe, expect, it } from "vitest";
import {
  addressAt,
  formatCidr,
  nodeAddressIndexes,
  overlaps,
  parseIpv4,
  parseNetworkPrefix,
} from "../../../protocol/ipv4Cidr.js";
import { networkOfSubnetId, subnetIdOf } from "../../../protocol/rest/virtualNetwork.js";

function cidr(text: string) {
  const parsed = parseNetworkPrefix(text);
  if ("problem" in parsed) throw new Error(parsed.problem);
  return parsed;
}

describe("a local network's addressPrefix", () => {
  it("accepts private subnets from /16 to /29, in every private range", () => {
    for (const text of ["10.88.0.0/24", "172.16.0.0/16", "172.31.255.248/29", "192.168.50.0/28"])
      expect(formatCidr(cidr(text))).toBe(text);
  });

  it("says what is wrong with anything else", () => {
    const problem = (text: string) => (parseNetworkPrefix(text) as { problem: string }).problem;
    expect(problem("10.88.0.0")).toContain("not an IPv4 subnet in CIDR notation");
    expect(problem("10.88.0.256/24")).toContain("not an IPv4 subnet");
    expect(problem("10.088.0.0/24")).toContain("not an IPv4 subnet");
    expect(problem("10.0.0.0/15")).toContain("/16 to /29");
    expect(problem("10.0.0.0/30")).toContain("/16 to /29");
    expect(problem("10.88.0.7/24")).toBe("'10.88.0.7/24' has host bits set; the subnet is 10.88.0.0/24");
    expect(problem("172.32.0.0/16")).toContain("not a private range");
    expect(problem("8.8.8.0/24")).toContain("not a private range");
  });

  it("finds overlaps either way round, and not between neighbours", () => {
    expect(overlaps(cidr("10.88.0.0/16"), cidr("10.88.5.0/24"))).toBe(true);
    expect(overlaps(cidr("10.88.5.0/24"), cidr("10.88.0.0/16"))).toBe(true);
    expect(overlaps(cidr("10.88.0.0/24"), cidr("10.88.0.0/24"))).toBe(true);
    expect(overlaps(cidr("10.88.0.0/24"), cidr("10.88.1.0/24"))).toBe(false);
    expect(overlaps(cidr("192.168.0.0/29"), cidr("192.168.0.8/29"))).toBe(false);
  });

  it("puts the gateway first and nodes after it, up to the one before broadcast", () => {
    const subnet = cidr("192.168.7.0/29");
    expect(addressAt(subnet, 1)).toBe("192.168.7.1");
    expect(nodeAddressIndexes(subnet)).toEqual({ first: 2, last: 6 });
    expect(addressAt(subnet, 6)).toBe("192.168.7.6");
    expect(addressAt(cidr("10.255.255.0/24"), 254)).toBe("10.255.255.254");
    expect(parseIpv4("255.255.255.255")).toBe(2 ** 32 - 1);
  });
});

describe("a pool's subnetId", () => {
  it("names a local network by its subnetId, leaves other ids alone, and refuses malformed local ones", () => {
    expect(networkOfSubnetId(subnetIdOf("vnet-1"))).toBe("vnet-1");
    const arm =
      "/subscriptions/s/resourceGroups/g/providers/Microsoft.Network/virtualNetworks/v/subnets/default";
    expect(networkOfSubnetId(arm)).toBeUndefined();
    expect(networkOfSubnetId("/openbatch/virtualNetworks/v/subnets/other")).toEqual({
      problem:
        "use /openbatch/virtualNetworks/<network name>/subnets/default, as the network's subnetId gives it",
    });
  });
});
