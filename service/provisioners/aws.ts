/**
 * The AWS provisioner: a pool's machines are the EC2 instances of the Auto Scaling group
 * `<prefix><poolId>` in a region (created by provider/aws). It sets the group's desired capacity,
 * and terminates a leaving node's instance with `ShouldDecrementDesiredCapacity`, after checking that
 * the instance is in the pool's group. An instance's agent names itself by its EC2 instance id.
 * Auto Scaling cannot reboot an instance (that is EC2's RebootInstances), so nodes of AWS pools are not
 * rebooted by the service. The service's IAM role needs autoscaling:DescribeAutoScalingGroups,
 * autoscaling:SetDesiredCapacity and autoscaling:TerminateInstanceInAutoScalingGroup.
 */
import type { InstanceGroups } from "./scaleGroups.js";

interface AutoScalingGroupFacts {
  DesiredCapacity?: number;
  MaxSize?: number;
  Instances?: { InstanceId?: string }[];
}

/** The calls of `@aws-sdk/client-auto-scaling`'s `AutoScaling` client this provisioner makes. */
export interface AwsAutoScaling {
  describeAutoScalingGroups(input: {
    AutoScalingGroupNames: string[];
  }): Promise<{ AutoScalingGroups?: AutoScalingGroupFacts[] }>;
  setDesiredCapacity(input: {
    AutoScalingGroupName: string;
    DesiredCapacity: number;
    HonorCooldown: boolean;
  }): Promise<unknown>;
  terminateInstanceInAutoScalingGroup(input: {
    InstanceId: string;
    ShouldDecrementDesiredCapacity: boolean;
  }): Promise<unknown>;
}

export interface AwsProvisionerConfig {
  region: string;
  /** The group of pool `p` is `<autoScalingGroupPrefix>p`; default `openbatch-`. */
  autoScalingGroupPrefix?: string;
  /** Instead of an `AutoScaling` client with the default credential chain (tests). */
  autoScaling?: AwsAutoScaling;
}

/** The real client, with the SDK's default credentials (the instance profile on the service's host). */
export async function awsAutoScaling(region: string): Promise<AwsAutoScaling> {
  // Loaded only when the provisioner is AWS: the SDK is large.
  const { AutoScaling } = await import("@aws-sdk/client-auto-scaling");
  return new AutoScaling({ region });
}

const RETRYABLE_NAMES = new Set([
  "Throttling",
  "ThrottlingException",
  "RequestLimitExceeded",
  "TooManyRequestsException",
  "ScalingActivityInProgress",
  "ResourceContention",
  "ServiceUnavailable",
  "InternalFailure",
  "RequestTimeout",
  "TimeoutError",
  "ECONNRESET",
  "ECONNREFUSED",
  "ETIMEDOUT",
  "EAI_AGAIN",
]);

const ACCESS_DENIED = new Set(["AccessDenied", "AccessDeniedException", "UnauthorizedOperation"]);

/** A fact about the group that no retry changes; its message says what to do. */
class GroupProblem extends Error {
  override readonly name = "GroupProblem";
}

export class AutoScalingGroups implements InstanceGroups {
  readonly cloud = "AWS";

  constructor(
    private readonly autoScaling: AwsAutoScaling,
    private readonly region: string,
  ) {}

  describe(group: string): string {
    return `Auto Scaling group ${group} in region ${this.region}`;
  }

  async setCapacity(group: string, capacity: number): Promise<void> {
    const facts = await this.facts(group);
    if (facts.DesiredCapacity === capacity) return;
    if (facts.MaxSize !== undefined && capacity > facts.MaxSize)
      throw new GroupProblem(
        `the pool needs ${capacity} instances but the group's MaxSize is ${facts.MaxSize}; raise MaxSize`,
      );
    await this.autoScaling.setDesiredCapacity({
      AutoScalingGroupName: group,
      DesiredCapacity: capacity,
      HonorCooldown: false,
    });
  }

  /** Only an instance of the pool's own group: a node's machine id comes from its agent. */
  async removeInstance(group: string, machineId: string): Promise<void> {
    const facts = await this.facts(group);
    if (!facts.Instances?.some((instance) => instance.InstanceId === machineId))
      throw new GroupProblem(
        `instance ${machineId} is not in the group (already gone, or not one of its instances)`,
      );
    await this.autoScaling.terminateInstanceInAutoScalingGroup({
      InstanceId: machineId,
      ShouldDecrementDesiredCapacity: true,
    });
  }

  retryable(error: unknown): boolean {
    const { name, code, $metadata, $retryable } = error as {
      name?: unknown;
      code?: unknown;
      $metadata?: { httpStatusCode?: number };
      $retryable?: unknown;
    };
    const status = $metadata?.httpStatusCode;
    if ($retryable !== undefined || status === 429 || (status !== undefined && status >= 500)) return true;
    return RETRYABLE_NAMES.has(String(name)) || RETRYABLE_NAMES.has(String(code));
  }

  advice(error: unknown, group: string): string {
    const { name } = error as { name?: unknown };
    if (ACCESS_DENIED.has(String(name)))
      return (
        "Allow the service's IAM role autoscaling:DescribeAutoScalingGroups, autoscaling:SetDesiredCapacity " +
        `and autoscaling:TerminateInstanceInAutoScalingGroup on ${group}.`
      );
    if (error instanceof GroupProblem) return "Fix the group, then resize the pool again.";
    return "Check the group and the account's EC2 limits, then resize the pool again.";
  }

  private async facts(group: string): Promise<AutoScalingGroupFacts> {
    const found = await this.autoScaling.describeAutoScalingGroups({ AutoScalingGroupNames: [group] });
    const facts = found.AutoScalingGroups?.[0];
    if (!facts)
      throw new GroupProblem(
        `there is no such group: create it (the pool's Pulumi component does), or fix --aws-region / --auto-scaling-group-prefix`,
      );
    return facts;
  }
}
