/** OpenBatch on AWS (`@pulumi/aws`): one component per file; `AwsBatchCluster` wires them. */
export { AwsAccountHost, type AwsAccountHostArgs, hostPolicy } from "./accountHost.js";
export { AwsBatchCluster, type AwsBatchClusterArgs, type AwsClusterPool } from "./cluster.js";
export {
  AwsBatchNetwork,
  type AwsBatchNetworkArgs,
  type AwsBatchNetworkPool,
  type AwsPoolSubnet,
  poolIngressRules,
} from "./network.js";
export { AwsPackageBucket, type AwsPackageBucketArgs } from "./packageBucket.js";
export {
  AwsPoolAutoScalingGroup,
  type AwsPoolAutoScalingGroupArgs,
  CANONICAL_OWNER_ID,
  ubuntuImageId,
} from "./poolAutoScalingGroup.js";
