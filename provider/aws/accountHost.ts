/**
 * The EC2 instance that runs the account service (`openbatch service start --provisioner aws`).
 *
 * Its IAM role may set the capacity of, and terminate instances in, the Auto Scaling groups whose
 * name starts with the prefix (and describe groups, which IAM cannot narrow), and, when a bucket is
 * given, read and write that bucket only. Its security group lets the pools' security groups reach
 * the service port, and the given client CIDRs (then it gets a public address); nothing else inbound.
 */

import * as ec2 from "@pulumi/aws/ec2/index.js";
import { getRegionOutput } from "@pulumi/aws/getRegion.js";
import * as iam from "@pulumi/aws/iam/index.js";
import * as pulumi from "@pulumi/pulumi";
import { renderServiceBootstrap } from "../bootstrap.js";
import { DEFAULT_GROUP_PREFIX, DEFAULT_SERVICE_PORT, openbatchTags } from "../cloudPool.js";
import { defaultPackageSpec } from "../openbatchPackage.js";
import { ubuntuImageId } from "./poolAutoScalingGroup.js";

export interface AwsAccountHostArgs {
  vpcId: pulumi.Input<string>;
  /** A public subnet (see `AwsBatchNetwork.serviceSubnetId`). */
  subnetId: pulumi.Input<string>;
  /** The host's fixed private address; the pools' boot scripts point at it. */
  privateIp: string;
  accountName: string;
  /** The account's shared key (base64 of at least 16 bytes); a secret. */
  accountKey: pulumi.Input<string>;
  /** The pools' security groups: allowed to reach the service port. */
  agentSecurityGroupIds: pulumi.Input<string>[];
  /** CIDRs allowed to reach the REST API from outside (e.g. your IP/32). Empty: no public address. */
  clientCidrBlocks?: string[];
  /** Let the service use this bucket (the package bucket). */
  packageBucketArn?: pulumi.Input<string>;
  /** Default `t3.small`. */
  instanceType?: string;
  /** Default: the newest Ubuntu 24.04 amd64 AMI from Canonical. */
  imageId?: pulumi.Input<string>;
  /** An EC2 key pair for SSH (no SSH rule is opened; add one yourself if you need it). */
  keyName?: pulumi.Input<string>;
  /** Default 8765. */
  port?: number;
  /** npm spec of the `openbatch` package to install. Default: this package's `openbatch@<version>`. */
  packageSpec?: string;
  /** Default `openbatch-`; the pools' groups are `<prefix><poolId>`. */
  groupPrefix?: string;
  tags?: pulumi.Input<Record<string, pulumi.Input<string>>>;
}

export class AwsAccountHost extends pulumi.ComponentResource {
  /** `http://<private address>:<port>`: how the pools' machines reach the service. */
  readonly privateEndpoint: pulumi.Output<string>;
  /** `http://<public address>:<port>` when client CIDRs were given, else undefined. */
  readonly publicEndpoint: pulumi.Output<string | undefined>;
  readonly instanceId: pulumi.Output<string>;
  readonly roleArn: pulumi.Output<string>;

  constructor(name: string, args: AwsAccountHostArgs, opts?: pulumi.ComponentResourceOptions) {
    super("openbatch:aws:AccountHost", name, {}, opts);
    const parent = { parent: this };
    const port = args.port ?? DEFAULT_SERVICE_PORT;
    const prefix = args.groupPrefix ?? DEFAULT_GROUP_PREFIX;
    const clients = args.clientCidrBlocks ?? [];
    const tags = openbatchTags(args.tags, args.accountName);

    const securityGroup = new ec2.SecurityGroup(
      `${name}-sg`,
      {
        vpcId: args.vpcId,
        description: `OpenBatch account ${args.accountName}: the service port from its pools`,
        ingress: [
          {
            description: "The pools' agents reach the account service",
            protocol: "tcp",
            fromPort: port,
            toPort: port,
            securityGroups: args.agentSecurityGroupIds,
          },
          ...(clients.length > 0
            ? [
                {
                  description: "Clients reach the REST API",
                  protocol: "tcp",
                  fromPort: port,
                  toPort: port,
                  cidrBlocks: clients,
                },
              ]
            : []),
        ],
        egress: [
          { description: "npm, AWS APIs", protocol: "-1", fromPort: 0, toPort: 0, cidrBlocks: ["0.0.0.0/0"] },
        ],
        tags,
      },
      parent,
    );

    const role = new iam.Role(
      `${name}-role`,
      {
        assumeRolePolicy: JSON.stringify({
          Version: "2012-10-17",
          Statement: [
            { Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole" },
          ],
        }),
        tags,
      },
      parent,
    );
    new iam.RolePolicy(
      `${name}-scaling`,
      {
        role: role.id,
        policy: pulumi.output(args.packageBucketArn).apply((bucketArn) => hostPolicy(prefix, bucketArn)),
      },
      parent,
    );
    const profile = new iam.InstanceProfile(`${name}-profile`, { role: role.name, tags }, parent);

    const region = getRegionOutput({}, parent).apply((result) => result.region);
    const userData = pulumi.all([args.accountKey, region]).apply(([accountKey, awsRegion]) =>
      renderServiceBootstrap({
        cloud: "aws",
        accountName: args.accountName,
        accountKey,
        port,
        packageSpec: args.packageSpec ?? defaultPackageSpec(),
        groupPrefix: prefix,
        awsRegion,
      }),
    );
    const instance = new ec2.Instance(
      `${name}-instance`,
      {
        ami: args.imageId ?? ubuntuImageId(this),
        instanceType: args.instanceType ?? "t3.small",
        subnetId: args.subnetId,
        privateIp: args.privateIp,
        associatePublicIpAddress: clients.length > 0,
        vpcSecurityGroupIds: [securityGroup.id],
        iamInstanceProfile: profile.name,
        ...(args.keyName ? { keyName: args.keyName } : {}),
        // Secret: the account key is in it.
        userDataBase64: pulumi.secret(userData.apply((text) => Buffer.from(text, "utf8").toString("base64"))),
        userDataReplaceOnChange: true,
        metadataOptions: { httpEndpoint: "enabled", httpTokens: "required", httpPutResponseHopLimit: 1 },
        rootBlockDevice: { volumeType: "gp3", volumeSize: 20, encrypted: true },
        tags: pulumi.output(tags).apply((values) => ({ ...values, Name: `openbatch-${args.accountName}` })),
      },
      parent,
    );

    this.instanceId = instance.id;
    this.roleArn = role.arn;
    this.privateEndpoint = pulumi.output(`http://${args.privateIp}:${port}`);
    this.publicEndpoint =
      clients.length > 0
        ? instance.publicIp.apply((address) => (address ? `http://${address}:${port}` : undefined))
        : pulumi.output(undefined);
    this.registerOutputs({
      privateEndpoint: this.privateEndpoint,
      publicEndpoint: this.publicEndpoint,
      roleArn: this.roleArn,
    });
  }
}

/** The host role's policy: scale and trim the prefixed groups; use the package bucket if any. */
export function hostPolicy(groupPrefix: string, packageBucketArn: string | undefined): string {
  const statements: object[] = [
    {
      Sid: "ScaleOpenBatchPools",
      Effect: "Allow",
      Action: ["autoscaling:SetDesiredCapacity", "autoscaling:TerminateInstanceInAutoScalingGroup"],
      Resource: `arn:aws:autoscaling:*:*:autoScalingGroup:*:autoScalingGroupName/${groupPrefix}*`,
    },
    {
      Sid: "DescribeGroups",
      Effect: "Allow",
      Action: ["autoscaling:DescribeAutoScalingGroups"],
      Resource: "*",
    },
  ];
  if (packageBucketArn) {
    statements.push({
      Sid: "ApplicationPackages",
      Effect: "Allow",
      Action: ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:ListBucket"],
      Resource: [packageBucketArn, `${packageBucketArn}/*`],
    });
  }
  return JSON.stringify({ Version: "2012-10-17", Statement: statements });
}
