/**
 * Local virtual networks, an OpenBatch extension under `/openbatch/virtualNetworks/` (Azure's VNets
 * belong to ARM, not to Batch): a named IPv4 subnet whose pools' nodes get their own addresses. A pool
 * joins one through `networkConfiguration.subnetId`, whose value is the network's `subnetId`.
 */
import Type, { type Static } from "typebox";
import { literalUnion, strict, Timestamp } from "./common.js";

/** How this host separates nodes: a network namespace each, or none (all on 127.0.0.1). */
export const networkIsolations = ["namespaces", "loopback"] as const;
export type NetworkIsolation = (typeof networkIsolations)[number];
/** What the host gives nodes, and with `loopback` why. */
export interface NetworkIsolationInfo {
  isolation: NetworkIsolation;
  reason?: string;
}

/** Body of `PUT /openbatch/virtualNetworks/{networkName}`. */
export const VirtualNetworkPutParameter = Type.Object(
  {
    addressPrefix: Type.String({
      description:
        "A private IPv4 subnet in CIDR notation with a prefix length from 16 to 29, e.g. 10.88.0.0/24.",
    }),
  },
  strict,
);
export type VirtualNetworkPutParameter = Static<typeof VirtualNetworkPutParameter>;

/** A network as `GET /openbatch/virtualNetworks/{networkName}` returns it. */
export const VirtualNetwork = Type.Object({
  name: Type.String(),
  url: Type.String(),
  eTag: Type.String(),
  creationTime: Timestamp,
  lastModified: Timestamp,
  addressPrefix: Type.String(),
  subnetId: Type.String(),
  gatewayAddress: Type.String(),
  isolation: literalUnion(networkIsolations),
  isolationReason: Type.Optional(Type.String()),
  poolIds: Type.Array(Type.String()),
});
export type VirtualNetwork = Static<typeof VirtualNetwork>;

export const VIRTUAL_NETWORKS_PATH = "/openbatch/virtualNetworks";

/** The value a pool's `networkConfiguration.subnetId` takes to join the network: its one subnet. */
export function subnetIdOf(networkName: string): string {
  return `${VIRTUAL_NETWORKS_PATH}/${networkName}/subnets/default`;
}

/**
 * The local network a subnet id names; `undefined` for any other id (an Azure subnet's ARM id, which
 * is recorded as given); `{ problem }` for an id under `/openbatch/` that is not one of ours.
 */
export function networkOfSubnetId(subnetId: string): string | undefined | { problem: string } {
  if (!subnetId.startsWith("/openbatch/")) return undefined;
  const match = /^\/openbatch\/virtualNetworks\/([A-Za-z0-9_-]{1,64})\/subnets\/default$/.exec(subnetId);
  if (!match) return { problem: `use ${subnetIdOf("<network name>")}, as the network's subnetId gives it` };
  return match[1];
}
