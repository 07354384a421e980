/** Builds the Azure or AWS provisioner from the service's options, with the real SDK client unless a fake is given. */
import { AutoScalingGroups, type AwsProvisionerConfig, awsAutoScaling } from "./aws.js";
import { type AzureProvisionerConfig, AzureScaleSetGroups, azureCompute } from "./azure.js";
import { ScaleGroupMachines, type ScaleGroupMachinesOptions } from "./scaleGroups.js";

export const DEFAULT_GROUP_PREFIX = "openbatch-";

export type CloudMachinesOptions =
  | { provisioner: "azure"; azure?: AzureProvisionerConfig }
  | { provisioner: "aws"; aws?: AwsProvisionerConfig };

/** Throws, saying which setting is missing, when the options do not name the cloud resources. */
export async function cloudMachines(
  options: CloudMachinesOptions,
  services: Omit<ScaleGroupMachinesOptions, "groups" | "groupPrefix">,
): Promise<ScaleGroupMachines> {
  if (options.provisioner === "azure") {
    const { azure } = options;
    if (!azure?.subscriptionId || !azure.resourceGroup)
      throw new Error(
        "The Azure provisioner needs the subscription and resource group of the pools' scale sets: " +
          "give --azure-subscription-id and --azure-resource-group.",
      );
    const compute = azure.compute ?? (await azureCompute(azure.subscriptionId));
    return new ScaleGroupMachines({
      ...services,
      groups: new AzureScaleSetGroups(compute, azure),
      groupPrefix: azure.scaleSetPrefix ?? DEFAULT_GROUP_PREFIX,
    });
  }
  const { aws } = options;
  if (!aws?.region)
    throw new Error(
      "The AWS provisioner needs the region of the pools' Auto Scaling groups: give --aws-region.",
    );
  const autoScaling = aws.autoScaling ?? (await awsAutoScaling(aws.region));
  return new ScaleGroupMachines({
    ...services,
    groups: new AutoScalingGroups(autoScaling, aws.region),
    groupPrefix: aws.autoScalingGroupPrefix ?? DEFAULT_GROUP_PREFIX,
  });
}
