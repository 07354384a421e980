/**
 * One pool's machines on Azure: a VM scale set named `<prefix><poolId>`, whose custom data (the boot
 * script, a secret) installs Node and the agent and joins the pool. The account service sets its
 * capacity from then on (resize, autoscale, node removal), so Pulumi ignores `sku.capacity`.
 */
import * as compute from "@pulumi/azure-native/compute/index.js";
import * as pulumi from "@pulumi/pulumi";
import { type CloudPoolArgs, DEFAULT_GROUP_PREFIX, nodeBootData, openbatchTags } from "../cloudPool.js";
import { type AzureImage, sshOnlyLinuxConfiguration, storageProfileFromImage } from "./linuxMachine.js";

export interface AzurePoolScaleSetArgs extends CloudPoolArgs {
  resourceGroupName: pulumi.Input<string>;
  location: pulumi.Input<string>;
  /** The pool's subnet (see `AzureBatchNetwork`). */
  subnetId: pulumi.Input<string>;
  accountName: string;
  /** The account service's endpoint as the machines reach it, e.g. `http://10.20.0.10:8765`. */
  accountEndpoint: pulumi.Input<string>;
  /** Login for maintenance over SSH (no password login). Azure requires one for Linux VMs. */
  adminUsername?: string;
  adminSshPublicKey: pulumi.Input<string>;
  image?: AzureImage;
  /** Default `openbatch-`; must match the service's `--scale-set-prefix`. */
  scaleSetPrefix?: string;
  tags?: pulumi.Input<Record<string, pulumi.Input<string>>>;
}

export class AzurePoolScaleSet extends pulumi.ComponentResource {
  readonly scaleSetName: pulumi.Output<string>;
  readonly scaleSetId: pulumi.Output<string>;

  constructor(name: string, args: AzurePoolScaleSetArgs, opts?: pulumi.ComponentResourceOptions) {
    super("openbatch:azure:PoolScaleSet", name, {}, opts);
    const adminUsername = args.adminUsername ?? "openbatch";
    const scaleSetName = `${args.scaleSetPrefix ?? DEFAULT_GROUP_PREFIX}${args.poolId}`;
    const scaleSet = new compute.VirtualMachineScaleSet(
      `${name}-vmss`,
      {
        resourceGroupName: args.resourceGroupName,
        location: args.location,
        vmScaleSetName: scaleSetName,
        sku: { name: args.vmSize, tier: "Standard", capacity: args.initialCapacity ?? 0 },
        orchestrationMode: "Uniform",
        // The service counts and removes machines one by one: no extra machines that vanish again.
        overprovision: false,
        upgradePolicy: { mode: "Manual" },
        virtualMachineProfile: {
          osProfile: {
            computerNamePrefix: computerNamePrefix(args.poolId),
            adminUsername,
            customData: nodeBootData("azure", args.accountEndpoint, args.poolId, args.joinToken),
            linuxConfiguration: sshOnlyLinuxConfiguration(adminUsername, args.adminSshPublicKey),
          },
          storageProfile: storageProfileFromImage(args.image, "Standard_LRS"),
          networkProfile: {
            networkInterfaceConfigurations: [
              {
                name: "primary",
                primary: true,
                ipConfigurations: [{ name: "primary", primary: true, subnet: { id: args.subnetId } }],
              },
            ],
          },
        },
        tags: openbatchTags(args.tags, args.accountName, args.poolId),
      },
      { parent: this, ignoreChanges: ["sku.capacity"] },
    );
    this.scaleSetName = scaleSet.name;
    this.scaleSetId = scaleSet.id;
    this.registerOutputs({ scaleSetName: this.scaleSetName, scaleSetId: this.scaleSetId });
  }
}

/** Host names of the pool's machines: letters, digits and `-` (Linux allows up to 58 for a prefix). */
function computerNamePrefix(poolId: string): string {
  return `ob-${poolId.replace(/_/g, "-").slice(0, 40)}`;
}
