/**
 * Local virtual networks with namespace isolation: which node has which address, and the bridge,
 * namespaces and veths behind them (service/provisioners/localNetwork.ts runs the `ip` commands).
 *
 * - A network's bridge (`obr<owner><hash>`) exists while nodes are on it: made with the first node,
 *   deleted with the last, holding the subnet's first address (the gateway). The service is reachable
 *   there on its own port (bridgeListener.ts), so agents inside namespaces connect to the gateway.
 * - A node gets the lowest free address after the gateway, kept in its record (a restart reuses it),
 *   and a namespace `ob-<owner><hash>`; both are freed when it leaves.
 * - `<owner>` is a hash of the data directory: names from another service on this host are never
 *   touched, and at start-up this service deletes namespaces, veths and bridges with its owner tag
 *   that no node holds any more.
 * Interface names are limited to 15 characters: every name here is exactly that long.
 * Work on one network runs one step at a time (a chain of promises), so a node leaving and another
 * arriving never race over the bridge.
 */
import { createHash } from "node:crypto";
import { addressAt, type Ipv4Cidr, nodeAddressIndexes, parseSubnet } from "../../protocol/ipv4Cidr.js";
import type { LocalNetwork } from "../core/poolNetworks.js";
import type { NodeNetworkAttachment, NodeRecord } from "../core/records.js";
import { BridgeListener } from "./bridgeListener.js";
import {
  createNodeNamespace,
  deleteLink,
  deleteNodeNamespace,
  ensureBridge,
  listLinks,
  listNamespaces,
  nodeNamespaceIntact,
} from "./localNetwork.js";

export interface NamespaceNetworksOptions {
  dataDir: string;
  /** Hands a connection accepted on a gateway address to the service's HTTP server. */
  acceptConnection: BridgeListener["accept"];
  /** The service's port (the same on every gateway address). */
  servicePort: () => number;
  log: (line: string) => void;
}

interface Bridge {
  name: string;
  subnet: Ipv4Cidr;
  gateway: string;
  listener: BridgeListener;
}

function shortHash(text: string): string {
  return createHash("sha256").update(text).digest("hex").slice(0, 6);
}

/** How the names of the namespaces (and veths) and bridges of a service with this data directory begin. */
export function ownedNamePrefixes(dataDir: string): { namespace: string; bridge: string } {
  const owner = shortHash(dataDir);
  return { namespace: `ob-${owner}`, bridge: `obr${owner}` };
}

export class NamespaceNetworks {
  private readonly prefixes: { namespace: string; bridge: string };
  /** Addresses held, by network name. */
  private readonly held = new Map<string, Set<string>>();
  /** Namespaces of the nodes that hold an address (made, or about to be). */
  private readonly namespaces = new Set<string>();
  private readonly bridges = new Map<string, Bridge>();
  private readonly chains = new Map<string, Promise<unknown>>();

  constructor(private readonly options: NamespaceNetworksOptions) {
    this.prefixes = ownedNamePrefixes(options.dataDir);
  }

  private namespaceOf(node: NodeRecord): string {
    return `${this.prefixes.namespace}${shortHash(`${node.poolId}/${node.id}`)}`;
  }
  private bridgeOf(networkName: string): string {
    return `${this.prefixes.bridge}${shortHash(networkName)}`;
  }

  /** Gives the node the lowest free address of the network and its namespace name (not made yet). */
  reserve(network: LocalNetwork, node: NodeRecord): NodeNetworkAttachment {
    const subnet = subnetOf(network);
    const held = this.heldOn(network.name);
    const { first, last } = nodeAddressIndexes(subnet);
    for (let index = first; index <= last; index++) {
      const address = addressAt(subnet, index);
      if (held.has(address)) continue;
      held.add(address);
      const namespace = this.namespaceOf(node);
      this.namespaces.add(namespace);
      return { networkName: network.name, namespace, address, gateway: addressAt(subnet, 1) };
    }
    throw new Error(
      `${network.label} (${network.addressPrefix}) has no free address left for node ${node.id} ` +
        `(${last - first + 1} node addresses, all taken): ${network.whenFull}`,
    );
  }

  /** Makes the node's namespace (and the network's bridge, if this is its first node). */
  attach(network: LocalNetwork, attachment: NodeNetworkAttachment): Promise<void> {
    return this.serially(network.name, async () => {
      const bridge = await this.ensureBridge(network);
      await createNodeNamespace(this.namespaceSpec(bridge, attachment));
    });
  }

  /** Deletes the node's namespace and veth and frees its address; the bridge goes with the last node. */
  detach(attachment: NodeNetworkAttachment): Promise<void> {
    return this.serially(attachment.networkName, async () => {
      await deleteNodeNamespace(attachment.namespace);
      this.namespaces.delete(attachment.namespace);
      const held = this.heldOn(attachment.networkName);
      held.delete(attachment.address);
      if (held.size === 0) await this.dropBridge(attachment.networkName);
    });
  }

  /**
   * At start-up, with every node that holds an attachment (and the networks by name): keeps their
   * addresses, remakes a namespace that is gone or broken (the host rebooted), brings the bridges and
   * their listeners back, and deletes what this service owns that no node holds.
   */
  async recover(attached: { node: NodeRecord; network: LocalNetwork }[]): Promise<void> {
    for (const { node } of attached) {
      const attachment = node.machine.network!;
      this.heldOn(attachment.networkName).add(attachment.address);
      this.namespaces.add(attachment.namespace);
    }
    await Promise.all(
      attached.map(({ node, network }) =>
        this.serially(network.name, async () => {
          const bridge = await this.ensureBridge(network);
          const spec = this.namespaceSpec(bridge, node.machine.network!);
          if (await nodeNamespaceIntact(spec)) return;
          this.options.log(
            `namespace ${spec.namespace} of node ${node.poolId}/${node.id} is missing; making it again`,
          );
          await createNodeNamespace(spec);
        }).catch((error: unknown) =>
          this.options.log(`could not recover the network of ${node.id}: ${error}`),
        ),
      ),
    );
    await this.deleteStrays();
  }

  /** Stops listening on the gateway addresses (the bridges and namespaces stay, as the nodes do). */
  close(): void {
    for (const bridge of this.bridges.values()) bridge.listener.close();
  }

  /** Checked against what is held at the time, so that nodes being added meanwhile keep theirs. */
  private async deleteStrays(): Promise<void> {
    const ours = (name: string) => name.startsWith(this.prefixes.namespace) && !this.namespaces.has(name);
    for (const namespace of (await listNamespaces()).filter(ours)) {
      this.options.log(`deleting network namespace ${namespace}: no node of this service uses it`);
      await deleteNodeNamespace(namespace);
    }
    for (const link of await listLinks()) {
      const needed = [...this.held].filter(([, held]) => held.size > 0).map(([name]) => this.bridgeOf(name));
      const strayBridge = link.startsWith(this.prefixes.bridge) && !needed.includes(link);
      if (ours(link) || strayBridge) {
        this.options.log(`deleting network interface ${link}: no node of this service uses it`);
        await deleteLink(link);
      }
    }
  }

  private async ensureBridge(network: LocalNetwork): Promise<Bridge> {
    const known = this.bridges.get(network.name);
    if (known) return known;
    const subnet = subnetOf(network);
    const gateway = addressAt(subnet, 1);
    const name = this.bridgeOf(network.name);
    await ensureBridge(name, subnet, gateway);
    const listener = new BridgeListener(this.options.acceptConnection);
    try {
      await listener.listen(gateway, this.options.servicePort());
    } catch (error) {
      await deleteLink(name);
      throw error;
    }
    const bridge = { name, subnet, gateway, listener };
    this.bridges.set(network.name, bridge);
    return bridge;
  }

  private async dropBridge(networkName: string): Promise<void> {
    const bridge = this.bridges.get(networkName);
    this.bridges.delete(networkName);
    bridge?.listener.close();
    await deleteLink(bridge?.name ?? this.bridgeOf(networkName));
  }

  private namespaceSpec(bridge: Bridge, attachment: NodeNetworkAttachment) {
    return {
      namespace: attachment.namespace,
      bridge: bridge.name,
      address: attachment.address,
      prefixLength: bridge.subnet.prefixLength,
    };
  }

  private heldOn(networkName: string): Set<string> {
    let held = this.held.get(networkName);
    if (!held) {
      held = new Set();
      this.held.set(networkName, held);
    }
    return held;
  }

  /** Runs `step` after every step queued before on the same network. */
  private serially<T>(networkName: string, step: () => Promise<T>): Promise<T> {
    const previous = this.chains.get(networkName) ?? Promise.resolve();
    const next = previous.then(step, step);
    const settled = next.catch(() => {});
    this.chains.set(networkName, settled);
    void settled.then(() => {
      if (this.chains.get(networkName) === settled) this.chains.delete(networkName);
    });
    return next;
  }
}

function subnetOf(network: LocalNetwork): Ipv4Cidr {
  const subnet = parseSubnet(network.addressPrefix);
  if ("problem" in subnet) throw new Error(`${network.label}: ${subnet.problem}`);
  return subnet;
}
