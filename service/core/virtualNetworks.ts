/**
 * Local virtual networks (an OpenBatch extension): named private IPv4 subnets. A pool joins one with
 * `networkConfiguration.subnetId`; the local provisioner then gives each of its nodes a network
 * namespace and an address there (service/provisioners/namespaceNetworks.ts), where the host allows.
 * A network cannot change its subnet or go away while a pool uses it.
 */
import { BatchError, invalidPropertyValue } from "../../protocol/errors.js";
import { formatCidr, type Ipv4Cidr, overlaps, parseNetworkPrefix } from "../../protocol/ipv4Cidr.js";
import type { PoolAddParameter } from "../../protocol/rest/pool.js";
import {
  type NetworkIsolationInfo,
  networkOfSubnetId,
  type VirtualNetworkPutParameter,
} from "../../protocol/rest/virtualNetwork.js";
import type { Account } from "./account.js";
import type { PoolRecord, VirtualNetworkRecord } from "./records.js";
import { now } from "./time.js";

const NAME = /^[A-Za-z0-9_-]{1,64}$/;

const NOT_LOCAL_REASON =
  "this service does not start its nodes' machines (provisioner other than local), so it gives them no namespaces";

export class VirtualNetworkCommands {
  constructor(private readonly account: Account) {}

  /** What this host gives nodes on a network: namespaces, or loopback and why. */
  get isolation(): NetworkIsolationInfo {
    return this.account.machines.networkIsolation ?? { isolation: "loopback", reason: NOT_LOCAL_REASON };
  }

  /** Creates the network, or changes its subnet while no pool uses it; `created` tells which. */
  put(name: string, params: VirtualNetworkPutParameter): { network: VirtualNetworkRecord; created: boolean } {
    if (!NAME.test(name))
      throw invalidPropertyValue(
        "name",
        name,
        "a network name has 1 to 64 letters, digits, hyphens and underscores.",
      );
    const cidr = parseNetworkPrefix(params.addressPrefix);
    if ("problem" in cidr)
      throw invalidPropertyValue("addressPrefix", params.addressPrefix, `${cidr.problem}.`);
    const addressPrefix = formatCidr(cidr);
    this.refuseOverlap(name, cidr);
    const { store } = this.account;
    const existing = store.getVirtualNetwork(name);
    if (existing) {
      if (existing.addressPrefix === addressPrefix) return { network: existing, created: false };
      this.refuseWhileUsed(existing, `its addressPrefix cannot change from ${existing.addressPrefix}`);
      existing.addressPrefix = addressPrefix;
      existing.version++;
      existing.lastModified = now();
      store.putVirtualNetwork(existing);
      return { network: existing, created: false };
    }
    const at = now();
    const network: VirtualNetworkRecord = {
      name,
      addressPrefix,
      version: 1,
      creationTime: at,
      lastModified: at,
    };
    store.putVirtualNetwork(network);
    return { network, created: true };
  }

  get(name: string): VirtualNetworkRecord {
    const network = this.account.store.getVirtualNetwork(name);
    if (!network) throw new BatchError("VirtualNetworkNotFound", `Virtual network: ${name}.`);
    return network;
  }

  list(): VirtualNetworkRecord[] {
    return this.account.store.listVirtualNetworks();
  }

  delete(name: string): void {
    const network = this.get(name);
    this.refuseWhileUsed(network, "it cannot be deleted");
    this.account.store.deleteVirtualNetwork(name);
  }

  /** Ids of the pools (also those being deleted) whose subnetId names the network. */
  poolsUsing(name: string): string[] {
    return this.account.pools
      .all()
      .filter((pool) => networkNameOf(pool) === name)
      .map((pool) => pool.id);
  }

  /** At pool add: a subnetId under `/openbatch/` must name a network that exists. */
  checkPoolSubnet(spec: PoolAddParameter): void {
    const subnetId = spec.networkConfiguration?.subnetId;
    if (subnetId === undefined) return;
    const name = networkOfSubnetId(subnetId);
    if (name === undefined) return;
    const property = "networkConfiguration.subnetId";
    if (typeof name !== "string") throw invalidPropertyValue(property, subnetId, `${name.problem}.`);
    if (!this.account.store.getVirtualNetwork(name))
      throw invalidPropertyValue(
        property,
        subnetId,
        `virtual network '${name}' does not exist; create it first (PUT /openbatch/virtualNetworks/${name}, or openbatch network create ${name} --address-prefix <subnet>).`,
      );
  }

  private refuseOverlap(name: string, cidr: Ipv4Cidr): void {
    for (const other of this.list()) {
      if (other.name === name) continue;
      const otherCidr = parseNetworkPrefix(other.addressPrefix) as Ipv4Cidr;
      if (overlaps(cidr, otherCidr))
        throw new BatchError(
          "VirtualNetworkAddressOverlap",
          `${formatCidr(cidr)} overlaps ${other.addressPrefix} of virtual network '${other.name}'.`,
        );
    }
  }

  private refuseWhileUsed(network: VirtualNetworkRecord, what: string): void {
    const pools = this.poolsUsing(network.name);
    if (pools.length > 0)
      throw new BatchError(
        "VirtualNetworkInUse",
        `Virtual network '${network.name}' is used by pool(s) ${pools.join(", ")}, so ${what}.`,
      );
  }
}

/** The local virtual network a pool's subnetId names, if any. */
export function networkNameOf(pool: PoolRecord): string | undefined {
  const subnetId = pool.spec.networkConfiguration?.subnetId;
  const name = subnetId === undefined ? undefined : networkOfSubnetId(subnetId);
  return typeof name === "string" ? name : undefined;
}
