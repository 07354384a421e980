/**
 * The account's Azure network: a resource group (created, or an existing one adopted), a VNet with a
 * subnet for the account host and one per pool, a NAT gateway for their outbound traffic (Node, the
 * bundle download, Azure's APIs), and one NSG per pool subnet.
 *
 * A pool's NSG refuses inbound traffic from the rest of the VNet (Azure allows it by default); with
 * `enableInterNodeCommunication` it allows every port between addresses of that pool's own subnet,
 * and nothing wider. Agents only dial out to the service, so pools need no other inbound rule.
 */
import * as network from "@pulumi/azure-native/network/index.js";
import * as resources from "@pulumi/azure-native/resources/index.js";
import * as pulumi from "@pulumi/pulumi";
import { cidrSubnet } from "../cidr.js";

export interface AzureBatchNetworkPool {
  poolId: string;
  enableInterNodeCommunication?: boolean;
  /** The pool subnet; default: the (n+1)-th /24 of the address space for the n-th pool. */
  subnetPrefix?: string;
}

export interface AzureBatchNetworkArgs {
  location: pulumi.Input<string>;
  /** Adopt this existing resource group instead of creating one. */
  resourceGroupName?: pulumi.Input<string>;
  /** The VNet's address space. Default `10.20.0.0/16`. */
  addressSpace?: string;
  /** The account host's subnet. Default: the first /24 of the address space. */
  serviceSubnetPrefix?: string;
  pools: AzureBatchNetworkPool[];
  tags: pulumi.Input<Record<string, pulumi.Input<string>>>;
}

export interface AzurePoolSubnet {
  subnetId: pulumi.Output<string>;
  addressPrefix: string;
  securityGroupId: pulumi.Output<string>;
}

/** Priority of the rule that refuses the rest of the VNet (below it, Azure's AllowVnetInBound at 65000). */
const DENY_VNET_PRIORITY = 4000;

export class AzureBatchNetwork extends pulumi.ComponentResource {
  readonly resourceGroupName: pulumi.Output<string>;
  readonly resourceGroupId: pulumi.Output<string>;
  readonly virtualNetworkName: pulumi.Output<string>;
  readonly serviceSubnetId: pulumi.Output<string>;
  readonly serviceSubnetPrefix: string;
  readonly poolSubnets: Record<string, AzurePoolSubnet>;

  constructor(name: string, args: AzureBatchNetworkArgs, opts?: pulumi.ComponentResourceOptions) {
    super("openbatch:azure:Network", name, {}, opts);
    const parent = { parent: this };
    const addressSpace = args.addressSpace ?? "10.20.0.0/16";
    const tags = args.tags;

    if (args.resourceGroupName === undefined) {
      const group = new resources.ResourceGroup(`${name}-rg`, { location: args.location, tags }, parent);
      this.resourceGroupName = group.name;
      this.resourceGroupId = group.id;
    } else {
      const group = resources.getResourceGroupOutput({ resourceGroupName: args.resourceGroupName }, parent);
      this.resourceGroupName = pulumi.output(args.resourceGroupName);
      this.resourceGroupId = group.id;
    }
    const resourceGroupName = this.resourceGroupName;

    const vnet = new network.VirtualNetwork(
      `${name}-vnet`,
      { resourceGroupName, location: args.location, addressSpace: { addressPrefixes: [addressSpace] }, tags },
      parent,
    );
    this.virtualNetworkName = vnet.name;

    const natIp = new network.PublicIPAddress(
      `${name}-nat-ip`,
      {
        resourceGroupName,
        location: args.location,
        sku: { name: "Standard" },
        publicIPAllocationMethod: "Static",
        tags,
      },
      parent,
    );
    const nat = new network.NatGateway(
      `${name}-nat`,
      {
        resourceGroupName,
        location: args.location,
        sku: { name: "Standard" },
        publicIpAddresses: [{ id: natIp.id }],
        tags,
      },
      parent,
    );

    // Azure refuses concurrent changes to one VNet's subnets, so each subnet waits for the previous one.
    let previous: network.Subnet | undefined;
    const subnet = (subnetName: string, prefix: string, securityGroup?: network.NetworkSecurityGroup) => {
      previous = new network.Subnet(
        `${name}-${subnetName}`,
        {
          resourceGroupName,
          virtualNetworkName: vnet.name,
          subnetName,
          addressPrefix: prefix,
          natGateway: { id: nat.id },
          defaultOutboundAccess: false,
          ...(securityGroup ? { networkSecurityGroup: { id: securityGroup.id } } : {}),
        },
        { parent: this, dependsOn: previous ? [previous] : [] },
      );
      return previous;
    };

    this.serviceSubnetPrefix = args.serviceSubnetPrefix ?? cidrSubnet(addressSpace, 24, 0);
    this.serviceSubnetId = subnet("service", this.serviceSubnetPrefix).id;

    this.poolSubnets = {};
    args.pools.forEach((pool, index) => {
      const prefix = pool.subnetPrefix ?? cidrSubnet(addressSpace, 24, index + 1);
      const securityGroup = new network.NetworkSecurityGroup(
        `${name}-${pool.poolId}-nsg`,
        { resourceGroupName, location: args.location, securityRules: poolSecurityRules(pool, prefix), tags },
        parent,
      );
      this.poolSubnets[pool.poolId] = {
        subnetId: subnet(`pool-${pool.poolId}`, prefix, securityGroup).id,
        addressPrefix: prefix,
        securityGroupId: securityGroup.id,
      };
    });

    this.registerOutputs({
      resourceGroupName: this.resourceGroupName,
      virtualNetworkName: this.virtualNetworkName,
      serviceSubnetId: this.serviceSubnetId,
    });
  }
}

/** A pool subnet's inbound rules (outbound keeps Azure's defaults: agents dial out). */
export function poolSecurityRules(
  pool: AzureBatchNetworkPool,
  prefix: string,
): network.NetworkSecurityGroupArgs["securityRules"] {
  const interNode = {
    name: "allow-inter-node",
    description: `All ports between the machines of pool ${pool.poolId} (enableInterNodeCommunication)`,
    priority: 100,
    direction: "Inbound",
    access: "Allow",
    protocol: "*",
    sourceAddressPrefix: prefix,
    sourcePortRange: "*",
    destinationAddressPrefix: prefix,
    destinationPortRange: "*",
  };
  const denyVnet = denyVnetInboundRule("Nothing else in the virtual network may reach this pool's machines");
  return pool.enableInterNodeCommunication ? [interNode, denyVnet] : [denyVnet];
}

/** Refuses what Azure's default AllowVnetInBound (priority 65000) would let in from the rest of the VNet. */
export function denyVnetInboundRule(description: string) {
  return {
    name: "deny-vnet-inbound",
    description,
    priority: DENY_VNET_PRIORITY,
    direction: "Inbound",
    access: "Deny",
    protocol: "*",
    sourceAddressPrefix: "VirtualNetwork",
    sourcePortRange: "*",
    destinationAddressPrefix: "*",
    destinationPortRange: "*",
  };
}
