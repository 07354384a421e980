/** OpenBatch on Azure (`@pulumi/azure-native`): one component per file; `AzureBatchCluster` wires them. */
export {
  AZURE_ROLES,
  AzureAccountHost,
  type AzureAccountHostArgs,
  hostSecurityRules,
} from "./accountHost.js";
export { AzureBatchCluster, type AzureBatchClusterArgs, type AzureClusterPool } from "./cluster.js";
export { type AzureImage, DEFAULT_AZURE_IMAGE } from "./linuxMachine.js";
export {
  AzureBatchNetwork,
  type AzureBatchNetworkArgs,
  type AzureBatchNetworkPool,
  type AzurePoolSubnet,
  denyVnetInboundRule,
  poolSecurityRules,
} from "./network.js";
export {
  AzurePackageStorage,
  type AzurePackageStorageArgs,
  defaultStorageAccountName,
} from "./packageStorage.js";
export { AzurePoolScaleSet, type AzurePoolScaleSetArgs } from "./poolScaleSet.js";
