/**
 * OpenBatch on Azure: a resource group, a VNet with a NAT gateway, Blob storage for application
 * packages, a VM running the account service, and a VM scale set per pool whose machines install and
 * start the node agent by themselves. See README.md.
 */
import * as pulumi from "@pulumi/pulumi";
import { AzureBatchCluster, type AzureClusterPool } from "../../provider/azure/index.js";

const config = new pulumi.Config();

// A pool's scale set is created once its join token is configured (the service issues it when the
// pool is added, so the first `pulumi up` creates the host and the second one the pools).
const pools: AzureClusterPool[] = [];
const mpiJoinToken = config.getSecret("mpiJoinToken");
if (mpiJoinToken) {
  pools.push({
    poolId: "mpi",
    vmSize: config.get("mpiVmSize") ?? "Standard_D4s_v5",
    joinToken: mpiJoinToken,
    enableInterNodeCommunication: true,
  });
}
const cpuJoinToken = config.getSecret("cpuJoinToken");
if (cpuJoinToken) {
  pools.push({
    poolId: "cpu",
    vmSize: config.get("cpuVmSize") ?? "Standard_D2s_v5",
    joinToken: cpuJoinToken,
  });
}

const cluster = new AzureBatchCluster("openbatch", {
  location: config.get("location") ?? "westeurope",
  accountName: config.get("accountName") ?? "batch",
  accountKey: config.requireSecret("accountKey"),
  adminSshPublicKey: config.require("sshPublicKey"),
  clientAddressPrefixes: config.getObject<string[]>("clientAddressPrefixes") ?? [],
  pools,
  tags: { project: pulumi.getProject(), stack: pulumi.getStack() },
});

export const resourceGroupName = cluster.resourceGroupName;
/** Where you point the CLI and `@azure/batch` (set clientAddressPrefixes to reach it). */
export const endpoint = cluster.publicEndpoint;
export const privateEndpoint = cluster.privateEndpoint;
export const packageContainerUrl = cluster.packageContainerUrl;
export const scaleSetNames = cluster.scaleSetNames;
