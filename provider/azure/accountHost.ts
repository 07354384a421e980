/**
 * The Azure VM that runs the account service (`openbatch service start --provisioner azure`).
 *
 * Its system-assigned managed identity is given "Virtual Machine Contributor" on the resource group
 * (scale the pools' scale sets, remove given instances: nothing outside that group) and, when a
 * package storage account is given, "Storage Blob Data Contributor" on that account only. Its NIC's
 * NSG lets the pools' subnets reach the service port, and the given client prefixes (through a public
 * IP, created only then); nothing else inbound.
 */
import * as authorization from "@pulumi/azure-native/authorization/index.js";
import * as compute from "@pulumi/azure-native/compute/index.js";
import * as network from "@pulumi/azure-native/network/index.js";
import * as pulumi from "@pulumi/pulumi";
import { renderServiceBootstrap } from "../bootstrap.js";
import { DEFAULT_GROUP_PREFIX, DEFAULT_SERVICE_PORT, openbatchTags } from "../cloudPool.js";
import { defaultPackageSpec } from "../openbatchPackage.js";
import { type AzureImage, sshOnlyLinuxConfiguration, storageProfileFromImage } from "./linuxMachine.js";
import { denyVnetInboundRule } from "./network.js";

/** Built-in role ids (the same in every Azure tenant). */
export const AZURE_ROLES = {
  virtualMachineContributor: "9980e02c-c2be-4d73-94e8-173b1dc7cf3c",
  storageBlobDataContributor: "ba92f5b4-2d11-453d-a403-e96b0029c9fe",
} as const;

export interface AzureAccountHostArgs {
  resourceGroupName: pulumi.Input<string>;
  /** `/subscriptions/<id>/resourceGroups/<name>`: the identity's scope, and where the subscription id comes from. */
  resourceGroupId: pulumi.Input<string>;
  location: pulumi.Input<string>;
  subnetId: pulumi.Input<string>;
  /** The host's fixed private address; the pools' boot scripts point at it. */
  privateIpAddress: string;
  accountName: string;
  /** The account's shared key (base64 of at least 16 bytes); a secret. */
  accountKey: pulumi.Input<string>;
  /** Address prefixes of the pools' subnets: allowed to reach the service port. */
  agentAddressPrefixes: string[];
  /** Address prefixes allowed to reach the REST API from outside (e.g. your IP/32). Empty: no public IP. */
  clientAddressPrefixes?: string[];
  /** Grant the host's identity blob data access on this storage account (the package storage). */
  packageStorageAccountId?: pulumi.Input<string>;
  adminUsername?: string;
  adminSshPublicKey: pulumi.Input<string>;
  /** Default `Standard_B2s`. */
  vmSize?: string;
  image?: AzureImage;
  /** Default 8765. */
  port?: number;
  /** npm spec of the `openbatch` package to install. Default: this package's `openbatch@<version>`. */
  packageSpec?: string;
  /** Default `openbatch-`; the pools' scale sets are `<prefix><poolId>`. */
  scaleSetPrefix?: string;
  tags?: pulumi.Input<Record<string, pulumi.Input<string>>>;
}

export class AzureAccountHost extends pulumi.ComponentResource {
  /** `http://<private address>:<port>`: how the pools' machines reach the service. */
  readonly privateEndpoint: pulumi.Output<string>;
  /** `http://<public address>:<port>` when client prefixes were given, else undefined. */
  readonly publicEndpoint: pulumi.Output<string | undefined>;
  readonly principalId: pulumi.Output<string>;
  readonly vmName: pulumi.Output<string>;

  constructor(name: string, args: AzureAccountHostArgs, opts?: pulumi.ComponentResourceOptions) {
    super("openbatch:azure:AccountHost", name, {}, opts);
    const parent = { parent: this };
    const port = args.port ?? DEFAULT_SERVICE_PORT;
    const adminUsername = args.adminUsername ?? "openbatch";
    const clients = args.clientAddressPrefixes ?? [];
    const tags = openbatchTags(args.tags, args.accountName);
    const { resourceGroupName, location } = args;

    const securityGroup = new network.NetworkSecurityGroup(
      `${name}-nsg`,
      {
        resourceGroupName,
        location,
        securityRules: hostSecurityRules(port, args.agentAddressPrefixes, clients),
        tags,
      },
      parent,
    );
    const publicIp =
      clients.length > 0
        ? new network.PublicIPAddress(
            `${name}-ip`,
            {
              resourceGroupName,
              location,
              sku: { name: "Standard" },
              publicIPAllocationMethod: "Static",
              tags,
            },
            parent,
          )
        : undefined;
    const nic = new network.NetworkInterface(
      `${name}-nic`,
      {
        resourceGroupName,
        location,
        networkSecurityGroup: { id: securityGroup.id },
        ipConfigurations: [
          {
            name: "primary",
            primary: true,
            subnet: { id: args.subnetId },
            privateIPAllocationMethod: "Static",
            privateIPAddress: args.privateIpAddress,
            ...(publicIp ? { publicIPAddress: { id: publicIp.id } } : {}),
          },
        ],
        tags,
      },
      parent,
    );

    const subscriptionId = pulumi.output(args.resourceGroupId).apply(subscriptionOf);
    const bootScript = pulumi
      .all([args.accountKey, subscriptionId, resourceGroupName])
      .apply(([accountKey, azureSubscriptionId, azureResourceGroup]) =>
        renderServiceBootstrap({
          cloud: "azure",
          accountName: args.accountName,
          accountKey,
          port,
          packageSpec: args.packageSpec ?? defaultPackageSpec(),
          groupPrefix: args.scaleSetPrefix ?? DEFAULT_GROUP_PREFIX,
          azureSubscriptionId,
          azureResourceGroup,
        }),
      );
    const vm = new compute.VirtualMachine(
      `${name}-vm`,
      {
        resourceGroupName,
        location,
        identity: { type: "SystemAssigned" },
        hardwareProfile: { vmSize: args.vmSize ?? "Standard_B2s" },
        osProfile: {
          computerName: `ob-${args.accountName}`,
          adminUsername,
          // Secret: the account key is in it.
          customData: pulumi.secret(bootScript.apply((text) => Buffer.from(text, "utf8").toString("base64"))),
          linuxConfiguration: sshOnlyLinuxConfiguration(adminUsername, args.adminSshPublicKey),
        },
        storageProfile: storageProfileFromImage(args.image, "StandardSSD_LRS"),
        networkProfile: { networkInterfaces: [{ id: nic.id, primary: true }] },
        tags,
      },
      parent,
    );
    this.vmName = vm.name;
    this.principalId = vm.identity.apply((identity) => identity?.principalId ?? "");

    const role = (roleName: string, roleId: string, scope: pulumi.Input<string>) =>
      new authorization.RoleAssignment(
        `${name}-${roleName}`,
        {
          principalId: this.principalId,
          principalType: "ServicePrincipal",
          roleDefinitionId: pulumi.interpolate`/subscriptions/${subscriptionId}/providers/Microsoft.Authorization/roleDefinitions/${roleId}`,
          scope,
        },
        parent,
      );
    role("scale-sets", AZURE_ROLES.virtualMachineContributor, args.resourceGroupId);
    if (args.packageStorageAccountId !== undefined) {
      role("packages", AZURE_ROLES.storageBlobDataContributor, args.packageStorageAccountId);
    }

    this.privateEndpoint = pulumi.output(`http://${args.privateIpAddress}:${port}`);
    this.publicEndpoint = publicIp
      ? publicIp.ipAddress.apply((address) => (address ? `http://${address}:${port}` : undefined))
      : pulumi.output(undefined);
    this.registerOutputs({
      privateEndpoint: this.privateEndpoint,
      publicEndpoint: this.publicEndpoint,
      principalId: this.principalId,
    });
  }
}

/** The host NIC's inbound rules: the service port from the pools (and the given clients), nothing else. */
export function hostSecurityRules(
  port: number,
  agentAddressPrefixes: string[],
  clientAddressPrefixes: string[],
): network.NetworkSecurityGroupArgs["securityRules"] {
  const allow = (ruleName: string, priority: number, sources: string[], description: string) => ({
    name: ruleName,
    description,
    priority,
    direction: "Inbound",
    access: "Allow",
    protocol: "Tcp",
    sourceAddressPrefixes: sources,
    sourcePortRange: "*",
    destinationAddressPrefix: "*",
    destinationPortRange: String(port),
  });
  return [
    ...(agentAddressPrefixes.length > 0
      ? [allow("allow-agents", 100, agentAddressPrefixes, "The pools' agents reach the account service")]
      : []),
    ...(clientAddressPrefixes.length > 0
      ? [allow("allow-clients", 110, clientAddressPrefixes, "Clients reach the REST API (SharedKey auth)")]
      : []),
    denyVnetInboundRule("Nothing else in the virtual network may reach the account host"),
  ];
}

function subscriptionOf(resourceGroupId: string): string {
  const match = /^\/subscriptions\/([^/]+)\//i.exec(resourceGroupId);
  if (!match)
    throw new Error(
      `'${resourceGroupId}' is not a resource group id (/subscriptions/<id>/resourceGroups/<name>)`,
    );
  return match[1]!;
}
