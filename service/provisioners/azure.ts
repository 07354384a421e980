/**
 * The Azure provisioner: a pool's machines are the VMs of the uniform scale set `<prefix><poolId>` in a
 * resource group (created by provider/azure). It sets the scale set's capacity (`sku.capacity`),
 * deletes a leaving node's VM (`deleteInstances`, which lowers the capacity) and restarts a rebooted
 * node's VM. A VM's agent names itself by its VM name, `<scaleSet>_<instanceId>`, read from IMDS.
 * The service's identity needs Virtual Machine Contributor on the resource group.
 */
import type { InstanceGroups } from "./scaleGroups.js";

/** The calls of `@azure/arm-compute`'s `virtualMachineScaleSets` this provisioner makes. */
export interface AzureScaleSets {
  get(
    resourceGroupName: string,
    vmScaleSetName: string,
  ): Promise<{ sku?: { name?: string; tier?: string; capacity?: number } }>;
  beginUpdateAndWait(
    resourceGroupName: string,
    vmScaleSetName: string,
    parameters: { sku: { name?: string; tier?: string; capacity: number } },
  ): Promise<unknown>;
  beginDeleteInstancesAndWait(
    resourceGroupName: string,
    vmScaleSetName: string,
    vmInstanceIDs: { instanceIds: string[] },
  ): Promise<void>;
  beginRestartAndWait(
    resourceGroupName: string,
    vmScaleSetName: string,
    options: { vmInstanceIDs: { instanceIds: string[] } },
  ): Promise<void>;
}

/** What of a `ComputeManagementClient` the provisioner uses; tests pass a fake. */
export interface AzureCompute {
  virtualMachineScaleSets: AzureScaleSets;
}

export interface AzureProvisionerConfig {
  subscriptionId: string;
  resourceGroup: string;
  /** The scale set of pool `p` is `<scaleSetPrefix>p`; default `openbatch-`. */
  scaleSetPrefix?: string;
  /** Instead of a `ComputeManagementClient` signed in with `DefaultAzureCredential` (tests). */
  compute?: AzureCompute;
}

/** The real client: a managed identity on the service's host, or whatever DefaultAzureCredential finds. */
export async function azureCompute(subscriptionId: string): Promise<AzureCompute> {
  // Loaded only when the provisioner is Azure: the SDKs are large.
  const [{ ComputeManagementClient }, { DefaultAzureCredential }] = await Promise.all([
    import("@azure/arm-compute"),
    import("@azure/identity"),
  ]);
  return new ComputeManagementClient(new DefaultAzureCredential(), subscriptionId);
}

const RETRYABLE_NETWORK_CODES = new Set([
  "REQUEST_SEND_ERROR",
  "ECONNRESET",
  "ECONNREFUSED",
  "ETIMEDOUT",
  "EAI_AGAIN",
  "ENOTFOUND",
]);

export class AzureScaleSetGroups implements InstanceGroups {
  readonly cloud = "Azure";

  constructor(
    private readonly compute: AzureCompute,
    private readonly config: { subscriptionId: string; resourceGroup: string },
  ) {}

  describe(scaleSet: string): string {
    return `scale set ${scaleSet} in resource group ${this.config.resourceGroup} (subscription ${this.config.subscriptionId})`;
  }

  async setCapacity(scaleSet: string, capacity: number): Promise<void> {
    const scaleSets = this.compute.virtualMachineScaleSets;
    const { sku } = await scaleSets.get(this.config.resourceGroup, scaleSet);
    if (sku?.capacity === capacity) return;
    await scaleSets.beginUpdateAndWait(this.config.resourceGroup, scaleSet, {
      sku: { name: sku?.name, tier: sku?.tier, capacity },
    });
  }

  async removeInstance(scaleSet: string, machineId: string): Promise<void> {
    await this.compute.virtualMachineScaleSets.beginDeleteInstancesAndWait(
      this.config.resourceGroup,
      scaleSet,
      {
        instanceIds: [instanceIdOf(scaleSet, machineId)],
      },
    );
  }

  async restartInstance(scaleSet: string, machineId: string): Promise<void> {
    await this.compute.virtualMachineScaleSets.beginRestartAndWait(this.config.resourceGroup, scaleSet, {
      vmInstanceIDs: { instanceIds: [instanceIdOf(scaleSet, machineId)] },
    });
  }

  /** 408, 429 and 5xx answers, and requests that never got one. */
  retryable(error: unknown): boolean {
    const { statusCode, code } = error as { statusCode?: unknown; code?: unknown };
    if (typeof statusCode === "number") return statusCode === 408 || statusCode === 429 || statusCode >= 500;
    return typeof code === "string" && RETRYABLE_NETWORK_CODES.has(code);
  }

  advice(error: unknown, scaleSet: string): string {
    const { statusCode } = error as { statusCode?: unknown };
    const { resourceGroup, subscriptionId } = this.config;
    if (statusCode === 401 || statusCode === 403)
      return `Give the service's identity the Virtual Machine Contributor role on resource group ${resourceGroup}.`;
    if (statusCode === 404)
      return (
        `Create scale set ${scaleSet} in resource group ${resourceGroup} of subscription ${subscriptionId} ` +
        "(the pool's Pulumi component does), or fix --azure-resource-group / --scale-set-prefix."
      );
    if (error instanceof MachineIdMismatch)
      return "The node's agent must be started with --machine-id set to its VM name.";
    return "Check the scale set and the subscription's quotas, then resize the pool again.";
  }
}

class MachineIdMismatch extends Error {
  override readonly name = "MachineIdMismatch";
}

/** A uniform scale set names its VMs `<scaleSet>_<instanceId>`. */
export function instanceIdOf(scaleSet: string, machineId: string): string {
  const separator = machineId.lastIndexOf("_");
  const instanceId = machineId.slice(separator + 1);
  if (separator < 0 || machineId.slice(0, separator) !== scaleSet || !/^\d+$/.test(instanceId))
    throw new MachineIdMismatch(
      `machine id '${machineId}' is not the name of a VM of scale set ${scaleSet} (${scaleSet}_<instanceId>)`,
    );
  return instanceId;
}
