/**
 * The networks the local provisioner puts a pool's nodes on, in their own network namespaces (where
 * the host allows): the local virtual network its subnetId names, or else, for a pool with
 * enableInterNodeCommunication, a network of its own, so that the nodes of an MPI job are separate
 * hosts whose traffic crosses a network, as on a cluster.
 *
 * A pool's own subnet is chosen when the pool is added, the lowest /22 (1,021 nodes) of
 * 100.64.0.0/10 that no other pool holds, and kept in its record, so that a restart finds it again.
 * That range (RFC 6598) is one a local virtual network can never have (those are RFC 1918), so the
 * two never overlap.
 */
import { formatCidr, type Ipv4Cidr } from "../../protocol/ipv4Cidr.js";
import type { PoolAddParameter } from "../../protocol/rest/pool.js";
import type { PoolRecord, VirtualNetworkRecord } from "./records.js";
import { networkNameOf } from "./virtualNetworks.js";

/** What the provisioner needs of a network: a name (to share a bridge) and its subnet. */
export interface LocalNetwork {
  name: string;
  addressPrefix: string;
  /** How messages name it: "virtual network 'x'" or "the own network of pool 'y'". */
  label: string;
  /** What to do when it has no address left for another node. */
  whenFull: string;
}

const POOL_NETWORK_RANGE: Ipv4Cidr = { network: 0x64400000, prefixLength: 10 };
const POOL_NETWORK_PREFIX_LENGTH = 22;

/** The subnet a new pool gets for its own network, or undefined when it needs none. */
export function ownNetworkFor(spec: PoolAddParameter, pools: PoolRecord[]): string | undefined {
  if (!spec.enableInterNodeCommunication || spec.networkConfiguration?.subnetId !== undefined)
    return undefined;
  const held = new Set(pools.map((pool) => pool.ownNetwork));
  const step = 2 ** (32 - POOL_NETWORK_PREFIX_LENGTH);
  const count = 2 ** (POOL_NETWORK_PREFIX_LENGTH - POOL_NETWORK_RANGE.prefixLength);
  for (let index = 0; index < count; index++) {
    const subnet = formatCidr({
      network: POOL_NETWORK_RANGE.network + index * step,
      prefixLength: POOL_NETWORK_PREFIX_LENGTH,
    });
    if (!held.has(subnet)) return subnet;
  }
  // 4,096 inter-node pools at once: the newest run on loopback addresses instead.
  return undefined;
}

/** The network the pool's nodes go on, if any. */
export function localNetworkOf(
  pool: PoolRecord,
  virtualNetwork: (name: string) => VirtualNetworkRecord | undefined,
): LocalNetwork | undefined {
  const name = networkNameOf(pool);
  if (name !== undefined) {
    const network = virtualNetwork(name);
    return (
      network && {
        name,
        addressPrefix: network.addressPrefix,
        label: `virtual network '${name}'`,
        whenFull: "use fewer nodes, or give the network a larger addressPrefix",
      }
    );
  }
  if (pool.ownNetwork === undefined) return undefined;
  // ':' is never in a virtual network's name, so the two kinds never share a bridge.
  return {
    name: `pool:${pool.id}`,
    addressPrefix: pool.ownNetwork,
    label: `the own network of pool '${pool.id}'`,
    whenFull: "use fewer nodes",
  };
}
