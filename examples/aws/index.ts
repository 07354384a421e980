/**
 * OpenBatch on AWS: a VPC with a NAT gateway, an S3 bucket for application packages, an EC2 instance
 * running the account service, and a launch template + Auto Scaling group per pool whose instances
 * install and start the node agent by themselves. See README.md.
 */
import * as pulumi from "@pulumi/pulumi";
import { AwsBatchCluster, type AwsClusterPool } from "../../provider/aws/index.js";

const config = new pulumi.Config();

// A pool's group is created once its join token is configured (the service issues it when the pool
// is added, so the first `pulumi up` creates the host and the second one the pools).
const pools: AwsClusterPool[] = [];
const mpiJoinToken = config.getSecret("mpiJoinToken");
if (mpiJoinToken) {
  pools.push({
    poolId: "mpi",
    vmSize: config.get("mpiInstanceType") ?? "c7i.xlarge",
    joinToken: mpiJoinToken,
    enableInterNodeCommunication: true,
    maxSize: config.getNumber("mpiMaxSize") ?? 16,
  });
}
const cpuJoinToken = config.getSecret("cpuJoinToken");
if (cpuJoinToken) {
  pools.push({
    poolId: "cpu",
    vmSize: config.get("cpuInstanceType") ?? "m7i.large",
    joinToken: cpuJoinToken,
  });
}

const cluster = new AwsBatchCluster("openbatch", {
  accountName: config.get("accountName") ?? "batch",
  accountKey: config.requireSecret("accountKey"),
  clientCidrBlocks: config.getObject<string[]>("clientCidrBlocks") ?? [],
  keyName: config.get("keyName"),
  pools,
  tags: { project: pulumi.getProject(), stack: pulumi.getStack() },
});

export const vpcId = cluster.vpcId;
/** Where you point the CLI and `@azure/batch` (set clientCidrBlocks to reach it). */
export const endpoint = cluster.publicEndpoint;
export const privateEndpoint = cluster.privateEndpoint;
export const packageBucketName = cluster.packageBucketName;
export const groupNames = cluster.groupNames;
