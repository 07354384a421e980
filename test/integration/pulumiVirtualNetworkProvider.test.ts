/**
 * The VirtualNetwork dynamic provider's CRUD called directly against a real service (isolation forced
 * to loopback, so no namespaces are made): create → update in place (the connection) → replace → refresh after an
 * out-of-band delete → import → delete, and a delete refused while a pool uses the network.
 */
import { describe, expect, it } from "vitest";
import type { VirtualNetworkInputs, VirtualNetworkOutputs } from "../../provider/dynamic/virtualNetwork.js";
import { provider } from "../../provider/dynamic/virtualNetworkProvider.js";
import { serviceForSuite } from "./harness.js";

describe("VirtualNetwork provider against a real service", () => {
  const suite = serviceForSuite("pulumi-vnet", ["--network-isolation", "loopback"]);
  const connection = () => ({
    endpoint: suite.service.endpoint,
    accountName: suite.service.accountName,
    accountKey: suite.service.accountKey,
  });
  const declared = (changes: Partial<VirtualNetworkInputs> = {}) =>
    ({
      ...connection(),
      networkName: "net",
      addressPrefix: "10.92.0.0/24",
      ...changes,
    }) as VirtualNetworkInputs;
  let outputs: VirtualNetworkOutputs;

  async function checked(news: VirtualNetworkInputs): Promise<VirtualNetworkInputs> {
    const result = await provider.check({} as VirtualNetworkInputs, news);
    expect(result.failures).toEqual([]);
    return result.inputs!;
  }

  it("refuses a malformed prefix and a bad name in check, saying what to fix", async () => {
    const { failures } = await provider.check(
      {} as VirtualNetworkInputs,
      declared({ networkName: "a b", addressPrefix: "10.92.0.0/8" }),
    );
    expect(failures!.map((f) => `${f.property}: ${f.reason}`)).toEqual([
      expect.stringContaining("networkName: networkName 'a b' is not a valid id"),
      expect.stringContaining(
        "addressPrefix: addressPrefix '10.92.0.0/8' is invalid: use a private IPv4 subnet",
      ),
    ]);
    // At a preview, a prefix that is another resource's output is not known yet: nothing to refuse.
    const preview = await provider.check(
      {} as VirtualNetworkInputs,
      declared({ addressPrefix: "04da6b54-80e4-46f7-96ec-b56ff0331ba9" }),
    );
    expect(preview.failures).toEqual([]);
  });

  it("creates the network with its subnet id, gateway and isolation", async () => {
    const created = await provider.create(await checked(declared()));
    expect(created.id).toBe("net");
    outputs = created.outs!;
    expect(outputs).toMatchObject({
      subnetId: "/openbatch/virtualNetworks/net/subnets/default",
      gatewayAddress: "10.92.0.1",
      isolation: "loopback",
    });
    expect(outputs.isolationReason).toBeTruthy();
  });

  it("takes a new endpoint in place", async () => {
    const news = await checked(declared({ endpoint: `${suite.service.endpoint}/` }));
    expect(await provider.diff("net", outputs, news)).toEqual({
      changes: true,
      replaces: [],
      deleteBeforeReplace: false,
    });
    outputs = (await provider.update("net", outputs, news)).outs!;
    expect(outputs).toMatchObject({ endpoint: `${suite.service.endpoint}/`, subnetId: expect.any(String) });
  });

  it("replaces the network when its name or prefix changes, deleting the old one first", async () => {
    const news = await checked(declared({ networkName: "net2", addressPrefix: "10.93.0.0/24" }));
    expect(await provider.diff("net", outputs, news)).toMatchObject({
      replaces: ["networkName", "addressPrefix"],
      deleteBeforeReplace: true,
    });
    await provider.delete("net", outputs);
    outputs = (await provider.create(news)).outs!;
    expect(
      (await suite.service.client.virtualNetworks.list()).map((n) => [n.name, n.gatewayAddress]),
    ).toEqual([["net2", "10.93.0.1"]]);
  });

  it("refuses to delete a network a pool uses, with the service's error", async () => {
    await suite.service.client.pools.add({
      id: "onnet",
      vmSize: "standard_d2s_v3",
      networkConfiguration: { subnetId: outputs.subnetId },
    });
    await expect(provider.delete("net2", outputs)).rejects.toThrow(/used by pools; delete those pools/);
    await suite.service.client.pools.delete("onnet");
    await provider.delete("net2", outputs);
    expect((await provider.read("net2", outputs)).id).toBeUndefined();
    outputs = (
      await provider.create(await checked(declared({ networkName: "net2", addressPrefix: "10.93.0.0/24" })))
    ).outs!;
  });

  it("refresh matches the service, and drops the network once deleted out of band", async () => {
    const refreshed = await provider.read("net2", outputs);
    expect(refreshed.id).toBe("net2");
    expect(await provider.diff("net2", refreshed.props, refreshed.inputs)).toMatchObject({ changes: false });
    await suite.service.client.virtualNetworks.delete("net2");
    expect((await provider.read("net2", outputs)).id).toBeUndefined();
  });

  it("imports a network made elsewhere from its name and the connection, then deletes it", async () => {
    await suite.service.client.virtualNetworks.put("byhand", { addressPrefix: "10.94.0.0/28" });
    const imported = await provider.read("byhand", connection() as VirtualNetworkOutputs);
    expect(imported.inputs).toEqual({
      ...connection(),
      networkName: "byhand",
      addressPrefix: "10.94.0.0/28",
    });
    await provider.delete("byhand", imported.props);
    expect(await suite.service.client.virtualNetworks.list()).toEqual([]);
  });
});
