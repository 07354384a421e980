/**
 * A whole OpenBatch account on Azure: the network, the package storage, the account host, and one
 * scale set per pool, wired together. Pulumi owns this static infrastructure; the account service owns
 * the pools' capacity.
 */
import * as pulumi from "@pulumi/pulumi";
import { cidrHost } from "../cidr.js";
import { type CloudPoolArgs, checkPools, DEFAULT_GROUP_PREFIX, openbatchTags } from "../cloudPool.js";
import { AzureAccountHost } from "./accountHost.js";
import type { AzureImage } from "./linuxMachine.js";
import { AzureBatchNetwork } from "./network.js";
import { AzurePackageStorage } from "./packageStorage.js";
import { AzurePoolScaleSet } from "./poolScaleSet.js";

export interface AzureClusterPool extends CloudPoolArgs {
  /** Default: Canonical Ubuntu 24.04 LTS. */
  image?: AzureImage;
  /** The pool's subnet; default the (n+1)-th /24 of the address space for the n-th pool. */
  subnetPrefix?: string;
}

export interface AzureBatchClusterArgs {
  /** Azure region, e.g. `westeurope`. */
  location: pulumi.Input<string>;
  /** The account name (3-24 lower-case letters and digits). */
  accountName: string;
  /** The account's shared key (base64 of at least 16 bytes). Pass a secret. */
  accountKey: pulumi.Input<string>;
  /** SSH public key for the machines' admin user (Azure requires one; password login stays off). */
  adminSshPublicKey: pulumi.Input<string>;
  pools: AzureClusterPool[];
  /** Adopt this resource group instead of creating one. */
  resourceGroupName?: pulumi.Input<string>;
  /** Default `10.20.0.0/16`. */
  addressSpace?: string;
  /** Who may call the REST API from outside the VNet (e.g. `["203.0.113.7/32"]`). Default: nobody. */
  clientAddressPrefixes?: string[];
  /** Default `Standard_B2s`. */
  hostVmSize?: string;
  /** npm spec of the `openbatch` package for the host. Default: this package's version. */
  packageSpec?: string;
  /** Default `openbatch-`. */
  scaleSetPrefix?: string;
  /** Default 8765. */
  servicePort?: number;
  tags?: pulumi.Input<Record<string, pulumi.Input<string>>>;
}

export class AzureBatchCluster extends pulumi.ComponentResource {
  readonly resourceGroupName: pulumi.Output<string>;
  /** How the pools reach the service: `http://<host private address>:<port>`. */
  readonly privateEndpoint: pulumi.Output<string>;
  /** How you reach the service, when `clientAddressPrefixes` were given. */
  readonly publicEndpoint: pulumi.Output<string | undefined>;
  readonly packageContainerUrl: pulumi.Output<string>;
  /** Scale set name per pool id. */
  readonly scaleSetNames: pulumi.Output<Record<string, string>>;

  constructor(name: string, args: AzureBatchClusterArgs, opts?: pulumi.ComponentResourceOptions) {
    super("openbatch:azure:BatchCluster", name, {}, opts);
    checkPools(args.pools);
    const parent = { parent: this };
    const tags = openbatchTags(args.tags, args.accountName);
    const scaleSetPrefix = args.scaleSetPrefix ?? DEFAULT_GROUP_PREFIX;

    const net = new AzureBatchNetwork(
      `${name}-network`,
      {
        location: args.location,
        resourceGroupName: args.resourceGroupName,
        addressSpace: args.addressSpace,
        pools: args.pools,
        tags,
      },
      parent,
    );
    const packages = new AzurePackageStorage(
      `${name}-packages`,
      {
        resourceGroupName: net.resourceGroupName,
        location: args.location,
        accountName: args.accountName,
        tags,
      },
      parent,
    );
    const host = new AzureAccountHost(
      `${name}-host`,
      {
        resourceGroupName: net.resourceGroupName,
        resourceGroupId: net.resourceGroupId,
        location: args.location,
        subnetId: net.serviceSubnetId,
        // A fixed address (Azure keeps the first four of a subnet), so the pools know it before the host exists.
        privateIpAddress: cidrHost(net.serviceSubnetPrefix, 10),
        accountName: args.accountName,
        accountKey: args.accountKey,
        agentAddressPrefixes: Object.values(net.poolSubnets).map((subnet) => subnet.addressPrefix),
        clientAddressPrefixes: args.clientAddressPrefixes,
        packageStorageAccountId: packages.storageAccountId,
        adminSshPublicKey: args.adminSshPublicKey,
        vmSize: args.hostVmSize,
        port: args.servicePort,
        packageSpec: args.packageSpec,
        scaleSetPrefix,
        tags: args.tags,
      },
      parent,
    );
    const scaleSets = args.pools.map(
      (pool) =>
        new AzurePoolScaleSet(
          `${name}-${pool.poolId}`,
          {
            ...pool,
            resourceGroupName: net.resourceGroupName,
            location: args.location,
            subnetId: net.poolSubnets[pool.poolId]!.subnetId,
            accountName: args.accountName,
            accountEndpoint: host.privateEndpoint,
            adminSshPublicKey: args.adminSshPublicKey,
            scaleSetPrefix,
            tags: args.tags,
          },
          { parent: this, dependsOn: [host] },
        ),
    );

    this.resourceGroupName = net.resourceGroupName;
    this.privateEndpoint = host.privateEndpoint;
    this.publicEndpoint = host.publicEndpoint;
    this.packageContainerUrl = packages.containerUrl;
    this.scaleSetNames = pulumi
      .all(scaleSets.map((scaleSet) => scaleSet.scaleSetName))
      .apply((names) => Object.fromEntries(args.pools.map((pool, index) => [pool.poolId, names[index]!])));
    this.registerOutputs({
      resourceGroupName: this.resourceGroupName,
      privateEndpoint: this.privateEndpoint,
      publicEndpoint: this.publicEndpoint,
      packageContainerUrl: this.packageContainerUrl,
      scaleSetNames: this.scaleSetNames,
    });
  }
}
