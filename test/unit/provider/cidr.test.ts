import { describe, expect, it } from "vitest";
import { cidrHost, cidrSubnet } from "../../../provider/cidr.js";

describe("cidr", () => {
  it("numbers subnets and hosts like Terraform's cidrsubnet/cidrhost", () => {
    expect(cidrSubnet("10.20.0.0/16", 24, 0)).toBe("10.20.0.0/24");
    expect(cidrSubnet("10.20.0.0/16", 24, 255)).toBe("10.20.255.0/24");
    expect(cidrSubnet("10.20.7.9/16", 20, 3)).toBe("10.20.48.0/20");
    expect(cidrHost("10.20.1.0/24", 10)).toBe("10.20.1.10");
    expect(cidrHost("192.168.0.0/23", 300)).toBe("192.168.1.44");
  });

  it("says what is wrong with a block or an index", () => {
    expect(() => cidrSubnet("10.20.0.0/16", 24, 256)).toThrow(/no subnet number 256/);
    expect(() => cidrSubnet("10.20.0.0/16", 8, 0)).toThrow(/no subnet/);
    expect(() => cidrHost("10.20.1.0/24", 256)).toThrow(/no address number 256/);
    expect(() => cidrHost("10.300.0.0/16", 1)).toThrow(/not an IPv4 CIDR/);
    expect(() => cidrHost("10.0.0.0", 1)).toThrow(/not an IPv4 CIDR/);
  });
});
