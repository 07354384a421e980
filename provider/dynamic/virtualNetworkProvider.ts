/**
 * The implementation behind `VirtualNetwork` (virtualNetwork.ts), loaded inside the dynamic-provider
 * plugin. The id is the network's name. A new address prefix replaces the network: the service changes
 * a subnet only while no pool uses it, and a replace lets Pulumi delete (and recreate) those pools first.
 */
import type * as pulumi from "@pulumi/pulumi";
import type { VirtualNetwork } from "../../protocol/rest/virtualNetwork.js";
import { clientFor, connectionFailures, connectionOf, unlessGone } from "./connection.js";
import { until } from "./polling.js";
import { type ChangeTable, diffByTable, idFailure, isKnownString, withoutUndefined } from "./propertyDiff.js";
import type { VirtualNetworkInputs, VirtualNetworkOutputs } from "./virtualNetwork.js";

const changeEffects: ChangeTable<VirtualNetworkInputs> = {
  networkName: "replace",
  accountName: "replace",
  addressPrefix: "replace",
  endpoint: "update",
  accountKey: "update",
};

const CIDR = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/;

class VirtualNetworkProvider
  implements pulumi.dynamic.ResourceProvider<VirtualNetworkInputs, VirtualNetworkOutputs>
{
  /** The shape of the prefix is checked here; overlaps and private ranges are the service's to judge. */
  async check(
    _olds: VirtualNetworkInputs,
    news: VirtualNetworkInputs,
  ): Promise<pulumi.dynamic.CheckResult<VirtualNetworkInputs>> {
    const inputs = withoutUndefined(news);
    const failures = connectionFailures(inputs);
    const badName = idFailure("networkName", inputs.networkName);
    if (badName) failures.push(badName);
    const cidr = CIDR.exec(inputs.addressPrefix ?? "");
    const length = Number(cidr?.[5]);
    const malformed =
      !cidr || cidr.slice(1, 5).some((part) => Number(part) > 255) || length < 16 || length > 29;
    // At a preview the prefix may be another resource's output, not known yet.
    if (malformed && (isKnownString(inputs.addressPrefix) || inputs.addressPrefix === undefined))
      failures.push({
        property: "addressPrefix",
        reason: `addressPrefix '${inputs.addressPrefix ?? ""}' is invalid: use a private IPv4 subnet in CIDR notation with a prefix length from 16 to 29, e.g. 10.88.0.0/24.`,
      });
    return { inputs, failures };
  }

  async diff(_id: string, olds: VirtualNetworkOutputs, news: VirtualNetworkInputs) {
    return diffByTable(olds, news, changeEffects);
  }

  async create(inputs: VirtualNetworkInputs): Promise<pulumi.dynamic.CreateResult<VirtualNetworkOutputs>> {
    const client = clientFor(inputs);
    const network = await client.virtualNetworks.put(inputs.networkName, {
      addressPrefix: inputs.addressPrefix,
    });
    return { id: inputs.networkName, outs: outputs(inputs, network) };
  }

  /** Only the connection changes in place. */
  async update(_id: string, olds: VirtualNetworkOutputs, news: VirtualNetworkInputs) {
    return { outs: { ...olds, ...news } };
  }

  /** No id when the network is gone, so that the engine drops it. */
  async read(id: string, props?: VirtualNetworkOutputs): Promise<pulumi.dynamic.ReadResult> {
    const client = clientFor(props);
    const answer = await unlessGone(client.virtualNetworks.get(id), "VirtualNetworkNotFound");
    if (!answer.found) return {};
    const inputs: VirtualNetworkInputs = {
      ...connectionOf(client, props),
      networkName: answer.value.name,
      addressPrefix: answer.value.addressPrefix,
    };
    return { id, props: outputs(inputs, answer.value), inputs };
  }

  /** Refused (VirtualNetworkInUse) while a pool uses it; returns once it is gone. */
  async delete(id: string, props: VirtualNetworkOutputs): Promise<void> {
    const client = clientFor(props);
    if (!(await unlessGone(client.virtualNetworks.delete(id), "VirtualNetworkNotFound")).found) return;
    await until(
      `Virtual network ${id} is still being deleted after 1 minute.`,
      60_000,
      async () => !(await unlessGone(client.virtualNetworks.get(id), "VirtualNetworkNotFound")).found,
    );
  }
}

function outputs(inputs: VirtualNetworkInputs, network: VirtualNetwork): VirtualNetworkOutputs {
  return withoutUndefined({
    ...inputs,
    subnetId: network.subnetId,
    gatewayAddress: network.gatewayAddress,
    isolation: network.isolation,
    isolationReason: network.isolationReason,
  });
}

export const provider = new VirtualNetworkProvider();
