/**
 * `service start`'s flags for the cloud provisioners: where the pools' Azure scale sets or AWS Auto
 * Scaling groups are. Each flag falls back to an environment variable (AZURE_SUBSCRIPTION_ID and
 * AWS_REGION as the clouds' own tools name them); a flag for the other cloud, or a missing one, is a
 * usage error that names it.
 */
import type { Command } from "commander";
import type { ServiceOptions } from "../service/main.js";
import { UsageError } from "./errors.js";

export interface CloudFlags {
  azureSubscriptionId?: string;
  azureResourceGroup?: string;
  scaleSetPrefix?: string;
  awsRegion?: string;
  autoScalingGroupPrefix?: string;
}

const FLAGS = {
  azureSubscriptionId: { flag: "--azure-subscription-id", env: "AZURE_SUBSCRIPTION_ID", cloud: "azure" },
  azureResourceGroup: {
    flag: "--azure-resource-group",
    env: "OPENBATCH_AZURE_RESOURCE_GROUP",
    cloud: "azure",
  },
  scaleSetPrefix: { flag: "--scale-set-prefix", env: "OPENBATCH_SCALE_SET_PREFIX", cloud: "azure" },
  awsRegion: { flag: "--aws-region", env: "AWS_REGION", cloud: "aws" },
  autoScalingGroupPrefix: {
    flag: "--auto-scaling-group-prefix",
    env: "OPENBATCH_AUTO_SCALING_GROUP_PREFIX",
    cloud: "aws",
  },
} as const;

export function addCloudFlags(command: Command): Command {
  return command
    .option(
      "--azure-subscription-id <id>",
      "with --provisioner azure: the subscription of the pools' scale sets (env AZURE_SUBSCRIPTION_ID)",
    )
    .option(
      "--azure-resource-group <name>",
      "with --provisioner azure: the resource group of the pools' scale sets (env OPENBATCH_AZURE_RESOURCE_GROUP)",
    )
    .option(
      "--scale-set-prefix <prefix>",
      "with --provisioner azure: pool P's scale set is <prefix>P (default openbatch-; env OPENBATCH_SCALE_SET_PREFIX)",
    )
    .option(
      "--aws-region <region>",
      "with --provisioner aws: the region of the pools' Auto Scaling groups (env AWS_REGION)",
    )
    .option(
      "--auto-scaling-group-prefix <prefix>",
      "with --provisioner aws: pool P's Auto Scaling group is <prefix>P (default openbatch-; env OPENBATCH_AUTO_SCALING_GROUP_PREFIX)",
    );
}

/** The `azure` / `aws` part of the service options; throws a UsageError naming a missing or misplaced flag. */
export function cloudProvisionerConfig(
  provisioner: string,
  flags: CloudFlags,
  env: NodeJS.ProcessEnv,
): Pick<ServiceOptions, "azure" | "aws"> {
  // A variable in the environment is ambient, not a request: only a flag for another cloud is refused.
  for (const [name, { flag, cloud }] of Object.entries(FLAGS)) {
    if (flags[name as keyof CloudFlags] !== undefined && provisioner !== cloud)
      throw new UsageError(`${flag} applies to --provisioner ${cloud} only, not ${provisioner}.`);
  }
  const value = (name: keyof typeof FLAGS): string | undefined =>
    flags[name] ?? (env[FLAGS[name].env] || undefined);
  const required = (name: keyof typeof FLAGS): string => {
    const given = value(name);
    const { flag } = FLAGS[name];
    if (!given) throw new UsageError(`--provisioner ${provisioner} needs ${flag} (or ${FLAGS[name].env}).`);
    return given;
  };
  if (provisioner === "azure")
    return {
      azure: {
        subscriptionId: required("azureSubscriptionId"),
        resourceGroup: required("azureResourceGroup"),
        scaleSetPrefix: value("scaleSetPrefix"),
      },
    };
  if (provisioner === "aws")
    return {
      aws: { region: required("awsRegion"), autoScalingGroupPrefix: value("autoScalingGroupPrefix") },
    };
  return {};
}
