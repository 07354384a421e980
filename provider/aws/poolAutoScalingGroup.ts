/**
 * One pool's machines on AWS: a launch template whose user data (the boot script, a secret) installs
 * Node and the agent and joins the pool, and an Auto Scaling group named `<prefix><poolId>` (min 0).
 * The account service sets its desired capacity from then on, so Pulumi ignores `desiredCapacity`.
 */
import * as autoscaling from "@pulumi/aws/autoscaling/index.js";
import * as ec2 from "@pulumi/aws/ec2/index.js";
import * as pulumi from "@pulumi/pulumi";
import { type CloudPoolArgs, DEFAULT_GROUP_PREFIX, nodeBootData, openbatchTags } from "../cloudPool.js";

/** Canonical's account, which publishes the Ubuntu AMIs. */
export const CANONICAL_OWNER_ID = "099720109477";
const UBUNTU_AMI_NAME = "ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-amd64-server-*";

export interface AwsPoolAutoScalingGroupArgs extends CloudPoolArgs {
  /** The pool's subnet and security group (see `AwsBatchNetwork`). */
  subnetId: pulumi.Input<string>;
  securityGroupId: pulumi.Input<string>;
  accountName: string;
  /** The account service's endpoint as the machines reach it, e.g. `http://10.30.0.10:8765`. */
  accountEndpoint: pulumi.Input<string>;
  /** Default: the newest Ubuntu 24.04 amd64 AMI from Canonical. */
  imageId?: pulumi.Input<string>;
  /** The most machines the service may ask for. Default 100. */
  maxSize?: number;
  /** Default `openbatch-`; must match the service's `--auto-scaling-group-prefix`. */
  groupPrefix?: string;
  tags?: pulumi.Input<Record<string, pulumi.Input<string>>>;
}

export class AwsPoolAutoScalingGroup extends pulumi.ComponentResource {
  readonly groupName: pulumi.Output<string>;
  readonly launchTemplateId: pulumi.Output<string>;

  constructor(name: string, args: AwsPoolAutoScalingGroupArgs, opts?: pulumi.ComponentResourceOptions) {
    super("openbatch:aws:PoolAutoScalingGroup", name, {}, opts);
    const tags = openbatchTags(args.tags, args.accountName, args.poolId);
    const groupName = `${args.groupPrefix ?? DEFAULT_GROUP_PREFIX}${args.poolId}`;
    const imageId = args.imageId ?? ubuntuImageId(this);
    const template = new ec2.LaunchTemplate(
      `${name}-template`,
      {
        namePrefix: `${groupName}-`,
        imageId,
        instanceType: args.vmSize,
        userData: nodeBootData("aws", args.accountEndpoint, args.poolId, args.joinToken),
        vpcSecurityGroupIds: [args.securityGroupId],
        // IMDSv2 only; one hop, so containers on the node cannot reach it.
        metadataOptions: { httpEndpoint: "enabled", httpTokens: "required", httpPutResponseHopLimit: 1 },
        updateDefaultVersion: true,
        tagSpecifications: [
          { resourceType: "instance", tags },
          { resourceType: "volume", tags },
        ],
        tags,
      },
      { parent: this },
    );
    const group = new autoscaling.Group(
      `${name}-group`,
      {
        name: groupName,
        minSize: 0,
        maxSize: args.maxSize ?? 100,
        desiredCapacity: args.initialCapacity ?? 0,
        vpcZoneIdentifiers: [args.subnetId],
        launchTemplate: { id: template.id, version: "$Latest" },
        // The service picks which machines leave (remove nodes); AWS must not rebalance them away.
        suspendedProcesses: ["AZRebalance"],
        tags: tags.apply((values) =>
          Object.entries(values).map(([key, value]) => ({ key, value, propagateAtLaunch: true })),
        ),
      },
      { parent: this, ignoreChanges: ["desiredCapacity"] },
    );
    this.groupName = group.name;
    this.launchTemplateId = template.id;
    this.registerOutputs({ groupName: this.groupName, launchTemplateId: this.launchTemplateId });
  }
}

/** The newest Ubuntu 24.04 LTS amd64 AMI in the provider's region. */
export function ubuntuImageId(parent: pulumi.Resource): pulumi.Output<string> {
  return ec2
    .getAmiOutput(
      {
        owners: [CANONICAL_OWNER_ID],
        mostRecent: true,
        filters: [{ name: "name", values: [UBUNTU_AMI_NAME] }],
      },
      { parent },
    )
    .apply((image) => image.id);
}
