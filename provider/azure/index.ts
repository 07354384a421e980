/** OpenBatch on Azure (`@pulumi/azure-native`): one component per file; `AzureBatchCluster` wires them. */
export {
  AZURE_ROLES,
  AzureAccountHost,
  type AzureAccountHostArgs,
  hostSecurityRules,
} from "./accountHost.js";
export { AzureBatchCluster, type AzureBatchClusterArgs, type AzureClusterPool } from "./cluster.js";
export {
  AzureBatchNetwork,
  type AzureBatchNetworkArgs,
  type AzureBatchNetworkPool,
  type AzurePoolSubnet,
  poolSecurityRules,
} from "./network.js";
export {
  AzurePackageStorage,
  type AzurePackageStorageArgs,
  defaultStorageAccountName,
} from "./packageStorage.js";
export {
  type AzureImage,
  AzurePoolScaleSet,
  type AzurePoolScaleSetArgs,
  DEFAULT_AZURE_IMAGE,
} from "./poolScaleSet.js";
