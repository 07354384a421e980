/**
 * Blob storage for application packages: a StorageV2 account (HTTPS and TLS 1.2 only, no anonymous
 * access) and a private container. The account host's managed identity gets data access to it.
 */
import { createHash } from "node:crypto";
import * as storage from "@pulumi/azure-native/storage/index.js";
import * as pulumi from "@pulumi/pulumi";

export interface AzurePackageStorageArgs {
  resourceGroupName: pulumi.Input<string>;
  location: pulumi.Input<string>;
  accountName: string;
  /** Globally unique, 3-24 lower-case letters and digits. Default: derived from the account, project and stack. */
  storageAccountName?: string;
  /** Default `application-packages`. */
  containerName?: string;
  tags: pulumi.Input<Record<string, pulumi.Input<string>>>;
}

export class AzurePackageStorage extends pulumi.ComponentResource {
  readonly storageAccountName: pulumi.Output<string>;
  readonly storageAccountId: pulumi.Output<string>;
  readonly containerName: pulumi.Output<string>;
  /** `https://<storage account>.blob.core.windows.net/<container>`. */
  readonly containerUrl: pulumi.Output<string>;

  constructor(name: string, args: AzurePackageStorageArgs, opts?: pulumi.ComponentResourceOptions) {
    super("openbatch:azure:PackageStorage", name, {}, opts);
    const accountName =
      args.storageAccountName ??
      defaultStorageAccountName(args.accountName, `${pulumi.getProject()}/${pulumi.getStack()}/${name}`);
    const account = new storage.StorageAccount(
      `${name}-account`,
      {
        resourceGroupName: args.resourceGroupName,
        location: args.location,
        accountName,
        kind: "StorageV2",
        sku: { name: "Standard_LRS" },
        enableHttpsTrafficOnly: true,
        minimumTlsVersion: "TLS1_2",
        allowBlobPublicAccess: false,
        tags: args.tags,
      },
      { parent: this },
    );
    const container = new storage.BlobContainer(
      `${name}-container`,
      {
        resourceGroupName: args.resourceGroupName,
        accountName: account.name,
        containerName: args.containerName ?? "application-packages",
        publicAccess: "None",
      },
      { parent: this },
    );
    this.storageAccountName = account.name;
    this.storageAccountId = account.id;
    this.containerName = container.name;
    this.containerUrl = pulumi.interpolate`https://${account.name}.blob.core.windows.net/${container.name}`;
    this.registerOutputs({ storageAccountName: this.storageAccountName, containerUrl: this.containerUrl });
  }
}

/** `ob` + the account name + 8 hex digits of a hash of `seed`, cut to Azure's 24 characters. */
export function defaultStorageAccountName(accountName: string, seed: string): string {
  const suffix = createHash("sha256").update(seed).digest("hex").slice(0, 8);
  return `ob${accountName
    .toLowerCase()
    .replace(/[^a-z0-9]/g, "")
    .slice(0, 14)}${suffix}`;
}
