/**
 * A whole OpenBatch account on AWS: the network, the package bucket, the account host, and one Auto
 * Scaling group per pool, wired together. Pulumi owns this static infrastructure; the account service
 * owns the pools' capacity.
 */
import * as pulumi from "@pulumi/pulumi";
import { cidrHost } from "../cidr.js";
import { type CloudPoolArgs, checkPools, DEFAULT_GROUP_PREFIX, openbatchTags } from "../cloudPool.js";
import { AwsAccountHost } from "./accountHost.js";
import { AwsBatchNetwork } from "./network.js";
import { AwsPackageBucket } from "./packageBucket.js";
import { AwsPoolAutoScalingGroup } from "./poolAutoScalingGroup.js";

export interface AwsClusterPool extends CloudPoolArgs {
  /** Default: the newest Ubuntu 24.04 amd64 AMI. */
  imageId?: pulumi.Input<string>;
  /** The most machines the service may ask for. Default 100. */
  maxSize?: number;
  /** The pool's subnet; default the (n+2)-th /24 of the VPC for the n-th pool. */
  subnetCidr?: string;
}

export interface AwsBatchClusterArgs {
  /** The account name (3-24 lower-case letters and digits). */
  accountName: string;
  /** The account's shared key (base64 of at least 16 bytes). Pass a secret. */
  accountKey: pulumi.Input<string>;
  pools: AwsClusterPool[];
  /** Default `10.30.0.0/16`. */
  vpcCidr?: string;
  /** Who may call the REST API from outside the VPC (e.g. `["203.0.113.7/32"]`). Default: nobody. */
  clientCidrBlocks?: string[];
  /** Default `t3.small`. */
  hostInstanceType?: string;
  /** An EC2 key pair for the host. */
  keyName?: pulumi.Input<string>;
  /** npm spec of the `openbatch` package for the host. Default: this package's version. */
  packageSpec?: string;
  /** Default `openbatch-`. */
  groupPrefix?: string;
  /** Default 8765. */
  servicePort?: number;
  tags?: pulumi.Input<Record<string, pulumi.Input<string>>>;
}

export class AwsBatchCluster extends pulumi.ComponentResource {
  readonly vpcId: pulumi.Output<string>;
  /** How the pools reach the service: `http://<host private address>:<port>`. */
  readonly privateEndpoint: pulumi.Output<string>;
  /** How you reach the service, when `clientCidrBlocks` were given. */
  readonly publicEndpoint: pulumi.Output<string | undefined>;
  readonly packageBucketName: pulumi.Output<string>;
  /** Auto Scaling group name per pool id. */
  readonly groupNames: pulumi.Output<Record<string, string>>;

  constructor(name: string, args: AwsBatchClusterArgs, opts?: pulumi.ComponentResourceOptions) {
    super("openbatch:aws:BatchCluster", name, {}, opts);
    checkPools(args.pools);
    const parent = { parent: this };
    const tags = openbatchTags(args.tags, args.accountName);
    const groupPrefix = args.groupPrefix ?? DEFAULT_GROUP_PREFIX;

    const net = new AwsBatchNetwork(
      `${name}-network`,
      { vpcCidr: args.vpcCidr, pools: args.pools, tags },
      parent,
    );
    const bucket = new AwsPackageBucket(`${name}-packages`, { tags }, parent);
    const host = new AwsAccountHost(
      `${name}-host`,
      {
        vpcId: net.vpcId,
        subnetId: net.serviceSubnetId,
        // A fixed address (AWS keeps the first four of a subnet), so the pools know it before the host exists.
        privateIp: cidrHost(net.serviceSubnetCidr, 10),
        accountName: args.accountName,
        accountKey: args.accountKey,
        agentSecurityGroupIds: Object.values(net.poolSubnets).map((subnet) => subnet.securityGroupId),
        clientCidrBlocks: args.clientCidrBlocks,
        packageBucketArn: bucket.bucketArn,
        instanceType: args.hostInstanceType,
        keyName: args.keyName,
        port: args.servicePort,
        packageSpec: args.packageSpec,
        groupPrefix,
        tags: args.tags,
      },
      parent,
    );
    const groups = args.pools.map((pool) => {
      const subnet = net.poolSubnets[pool.poolId]!;
      return new AwsPoolAutoScalingGroup(
        `${name}-${pool.poolId}`,
        {
          ...pool,
          subnetId: subnet.subnetId,
          securityGroupId: subnet.securityGroupId,
          accountName: args.accountName,
          accountEndpoint: host.privateEndpoint,
          groupPrefix,
          tags: args.tags,
        },
        { parent: this, dependsOn: [host] },
      );
    });

    this.vpcId = net.vpcId;
    this.privateEndpoint = host.privateEndpoint;
    this.publicEndpoint = host.publicEndpoint;
    this.packageBucketName = bucket.bucketName;
    this.groupNames = pulumi
      .all(groups.map((group) => group.groupName))
      .apply((names) => Object.fromEntries(args.pools.map((pool, index) => [pool.poolId, names[index]!])));
    this.registerOutputs({
      vpcId: this.vpcId,
      privateEndpoint: this.privateEndpoint,
      publicEndpoint: this.publicEndpoint,
      packageBucketName: this.packageBucketName,
      groupNames: this.groupNames,
    });
  }
}
